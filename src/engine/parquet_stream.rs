//! The streaming engine for a Parquet dump: exact duplicates without holding the dump.
//!
//! 1. One pass reads the key columns a slice of rows at a time (a row group, or part of a large
//!    one) and keeps per record a 64-bit hash of its key (Polars' types: a float's `-0.0` and
//!    `0.0` hash alike, every NaN alike, so equal values under the group-by always do). The
//!    primary key is proved unique, and each key column's distinct values counted, by the
//!    counters of the CSV engine; the input's SHA-256 is computed on another thread.
//! 2. The records whose key hash is shared (and those whose primary-key hash is, when that
//!    count falls short, and the first NULL primary key) are read again, all columns, into a
//!    table of their own; Polars' group-by finds the groups among them as in memory, so a hash
//!    collision never makes two records duplicates, and the primary-key check and the survivor
//!    choice run as in memory. When that table would not fit within the limit (Polars needs a
//!    few times its size to group it), the candidates are read again into a lean table
//!    instead: their values as SQL text in a temporary file, where the groups formed from
//!    their repeated key hashes are verified, and in memory only the primary key and the
//!    keep rule's column.
//! 3. The cleaned file is written a slice at a time from a last read; the removed records are
//!    among the candidates already held (a lean table's are read again with it).
//!
//! The outputs are byte for byte those of the in-memory engine (the tests compare them).

use std::path::Path;
use std::time::Instant;

use polars::prelude::*;

use super::streaming::{grouped_detected, Counters, Found, Passes, Read};
use super::{Detected, Written};
use crate::config::Job;
use crate::detect::hashed;
use crate::emit::files::Outputs;
use crate::emit::tables;
use crate::error::{Error, Location, Result};
use crate::ingest::parquet::ParquetFile;
use crate::model::{Command, Format, Source, Subset, Table};
use crate::progress::Progress;
use crate::survive::KindTracker;

/// Per record, what the engine keeps in memory whatever the limit: whether it is grouped and
/// whether it is removed (a byte each), and room for as much again, since the key hashes (an
/// eighth of the limit before they spill to a temporary file) and the distinct-value counters
/// (a quarter) take up to half of it.
const BYTES_PER_RECORD: u64 = 4;

/// A table of the grouped records is held while it needs at most this many times its size
/// (Polars' estimate) within the limit, beside the index: the peak comes while Polars groups
/// it (10M-row students dump: 835 MB for 181 MB of grouped records, with a 40 MB index).
const HELD_FACTOR: u64 = 5;

/// What writing the files needs, `at_once` row groups being encoded at a time: the Parquet
/// encoder holds about five times a row group of the cleaned file (of `rows` records of
/// `per_record` bytes in Polars) while the slices around it are read and filtered. Measured on
/// the 10M-row students dump (95 bytes a record): about 250 MB over the rest of the run with
/// two row groups at a time.
fn write_need(rows: usize, per_record: u64, at_once: u64) -> u64 {
    rows.min(tables::ROW_GROUP) as u64 * per_record * 5 * at_once
}

/// What a table of `held` bytes of grouped records needs at its peak, beside the per-record
/// index: while Polars groups it, or while the files are written (its copy for the scripts,
/// its removed file and the encoder).
fn held_need(held: u64, index: u64, rows: usize, per_record: u64, at_once: u64) -> u64 {
    BASE + index + (held * HELD_FACTOR).max(held * 3 + write_need(rows, per_record, at_once))
}

/// The run's own memory whatever the dump (code, thread stacks, Polars' pools): a 10M-row dump
/// whose lean table was estimated at 235 MiB peaked at 246 MiB.
const BASE: u64 = 16 << 20;

/// Whether every column the first pass hashes has a type it can hash as Polars compares it
/// (an error: the file cannot be read, or a key column is missing).
pub fn hashable(path: &Path, job: &Job) -> Result<bool> {
    let file = ParquetFile::open(path)?;
    let columns: Vec<String> = file.schema.iter_names().map(|c| c.to_string()).collect();
    let key = job.key_columns(path, &columns)?;
    Ok(key.iter().chain(&job.pk).all(|c| {
        file.schema
            .get(c)
            .is_none_or(|dt| hashable_type(&dt.to_physical()))
    }))
}

fn hashable_type(dt: &DataType) -> bool {
    dt.is_primitive_numeric()
        || matches!(
            dt,
            DataType::String | DataType::Binary | DataType::Boolean | DataType::Null
        )
}

/// Each value's hash: equal values (as Polars' group-by compares them) hash alike.
/// Returns the longest text's length in bytes (0 for other types), for the prevention DDL.
fn hash_values(col: &Column, out: &mut Vec<u64>) -> Result<usize> {
    let internal = Error::Polars;
    let s = col.as_materialized_series().to_physical_repr();
    out.clear();
    macro_rules! ints {
        ($ca:expr) => {
            out.extend(
                $ca.iter()
                    .map(|v| hashed::value(v.map(|x| x.to_le_bytes()).as_ref().map(|b| &b[..]))),
            )
        };
    }
    match s.dtype() {
        DataType::String => {
            let mut longest = 0;
            out.reserve(s.len());
            for v in s.str().map_err(internal)?.iter() {
                longest = longest.max(v.map_or(0, str::len));
                out.push(hashed::value(v.map(str::as_bytes)));
            }
            return Ok(longest);
        }
        DataType::Binary => out.extend(s.binary().map_err(internal)?.iter().map(hashed::value)),
        DataType::Boolean => out.extend(
            s.bool()
                .map_err(internal)?
                .iter()
                .map(|v| hashed::value(v.map(|b| if b { &[1u8][..] } else { &[0u8][..] }))),
        ),
        DataType::Null => out.extend(std::iter::repeat_n(hashed::value(None), s.len())),
        DataType::Float32 | DataType::Float64 | DataType::Float16 => {
            let f = s.cast(&DataType::Float64).map_err(internal)?;
            out.extend(f.f64().map_err(internal)?.iter().map(|v| {
                let canonical = v.map(|x| {
                    if x == 0.0 {
                        0.0f64
                    } else if x.is_nan() {
                        f64::NAN
                    } else {
                        x
                    }
                });
                hashed::value(
                    canonical
                        .map(|x| x.to_bits().to_le_bytes())
                        .as_ref()
                        .map(|b| &b[..]),
                )
            }))
        }
        DataType::Int128 => ints!(s.i128().map_err(internal)?),
        DataType::UInt64 => ints!(s.u64().map_err(internal)?),
        DataType::UInt128 => ints!(s.u128().map_err(internal)?),
        dt if dt.is_integer() => {
            let i = s.cast(&DataType::Int64).map_err(internal)?;
            ints!(i.i64().map_err(internal)?)
        }
        dt => {
            return Err(Error::Internal(format!(
                "the streaming engine cannot hash a column of type {dt}"
            )))
        }
    }
    Ok(0)
}

/// What a column is to the first pass.
#[derive(Debug, Clone, Copy, Default)]
struct Role {
    key: Option<usize>,
    pk: Option<usize>,
    /// The `min:`/`max:` column, of text: its kind is decided over the whole column.
    keep_text: bool,
}

/// What the first pass learns from some rows of a slice.
#[derive(Default)]
struct Part {
    key: Vec<u64>,
    long: Vec<bool>,
    tracker: KindTracker,
    first_null_pk: Option<usize>,
}

/// Hashes rows `df` (the first pass's columns, `roles` in their order), the first of which is
/// record `first` (from 0) of the dump.
fn part(
    df: &DataFrame,
    first: usize,
    roles: &[Role],
    nkeys: usize,
    npk: usize,
    counters: &mut Counters,
) -> Result<Part> {
    let n = df.height();
    let mut p = Part {
        key: Vec::with_capacity(n),
        long: vec![false; nkeys],
        ..Part::default()
    };
    let mut key_h: Vec<Vec<u64>> = vec![Vec::new(); nkeys];
    let mut pk_h: Vec<Vec<u64>> = vec![Vec::new(); npk];
    for (col, role) in df.columns().iter().zip(roles) {
        if role.keep_text {
            if let Ok(ca) = col.str() {
                ca.iter().for_each(|v| p.tracker.see(v));
            }
        }
        if let Some(k) = role.key {
            p.long[k] = hash_values(col, &mut key_h[k])? > 512;
            for &h in &key_h[k] {
                counters.values.add(k, h)?;
            }
        }
        if let Some(k) = role.pk {
            hash_values(col, &mut pk_h[k])?;
            // the first record with a NULL in any primary-key column
            if col.null_count() > 0 {
                let at = col
                    .as_materialized_series()
                    .is_null()
                    .iter()
                    .position(|v| v == Some(true))
                    .map(|i| first + i);
                p.first_null_pk = p.first_null_pk.into_iter().chain(at).min();
            }
        }
    }
    let mut row = vec![0u64; nkeys.max(npk)];
    for i in 0..n {
        for (k, h) in key_h.iter().enumerate() {
            row[k] = h[i];
        }
        p.key.push(hashed::combine(&row[..nkeys]));
        if npk > 0 {
            for (k, h) in pk_h.iter().enumerate() {
                row[k] = h[i];
            }
            counters.pk.add(0, hashed::combine(&row[..npk]))?;
        }
    }
    Ok(p)
}

/// `df` with its text and binary values copied into buffers of their own: rows taken from a
/// slice otherwise keep the whole slice's values alive.
fn compact(df: DataFrame) -> Result<DataFrame> {
    let internal = Error::Polars;
    let cols = df
        .columns()
        .iter()
        .map(|c| {
            Ok(match c.dtype() {
                DataType::String => {
                    let ca: StringChunked = c.str().map_err(internal)?.iter().collect();
                    ca.with_name(c.name().clone()).into_column()
                }
                DataType::Binary => {
                    let ca: BinaryChunked = c.binary().map_err(internal)?.iter().collect();
                    ca.with_name(c.name().clone()).into_column()
                }
                _ => c.clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    DataFrame::new(df.height(), cols).map_err(internal)
}

/// The candidates (`cand`) among the rows of slice `df`, whose first row is record `offset`;
/// their record numbers are appended to `numbers`.
fn candidates_of(
    df: DataFrame,
    offset: usize,
    cand: &[bool],
    numbers: &mut Vec<u32>,
) -> Result<DataFrame> {
    let idx: Vec<IdxSize> = (0..df.height())
        .filter(|&i| cand[offset + i])
        .map(|i| i as IdxSize)
        .collect();
    numbers.extend(idx.iter().map(|&i| (offset + i as usize) as u32));
    df.take(&IdxCa::from_vec("rows".into(), idx))
        .map_err(Error::Polars)
}

/// `parts` one under another (`empty()`'s columns when there are none), in one chunk.
fn stacked(parts: Vec<DataFrame>, empty: impl FnOnce() -> Result<DataFrame>) -> Result<DataFrame> {
    let mut it = parts.into_iter();
    let mut df = match it.next() {
        Some(df) => df,
        None => return empty(),
    };
    for p in it {
        df.vstack_mut_owned(p).map_err(Error::Polars)?;
    }
    df.rechunk_mut_par();
    Ok(df)
}

/// The candidates when a table of them does not fit within the limit: their values as SQL
/// text in a temporary file (the groups are verified and the scripts written from it, a piece
/// at a time), and in memory only the columns Polars reads (the primary key and the keep
/// rule's column) and their record numbers.
struct Lean {
    numbers: Vec<u32>,
    frame: DataFrame,
    values: crate::values::Values,
    /// The candidates' key hashes that repeat (hash, record), a hash's records one after
    /// another.
    same_hash: Vec<(u64, u32)>,
}

/// What writing the files of a lean table adds, a row group at a time: the cleaned file's
/// ([`write_need`]) or the removed file's, whose row groups of `removed` records have about 100
/// bytes more each for its own columns (10M-row students dump: 130 MB over the rest of the run
/// for the removed file).
fn lean_write_need(rows: usize, removed: usize, per_record: u64) -> u64 {
    let group = removed.min(tables::ROW_GROUP) as u64;
    write_need(rows, per_record, 1).max(group * (per_record + 100) * 3)
}

/// Reads the candidates (`cand`, in slices `wanted`) into a [`Lean`] table, their key hashes
/// computed again as the first pass did (on columns `key`), or stops with an error when even
/// that would not fit (with the files' writing, for records of `per_record` bytes in Polars).
#[allow(clippy::too_many_arguments)]
fn lean_candidates(
    path: &Path,
    file: &ParquetFile,
    wanted: &[(usize, usize)],
    cand: &[bool],
    columns: &[String],
    key: &[String],
    job: &Job,
    per_record: u64,
    groups: usize,
) -> Result<Lean> {
    use crate::values::{Rows, Values};
    let internal = Error::Polars;
    let (rows, limit) = (cand.len(), job.memory_limit);
    let n = cand.iter().filter(|c| **c).count();
    // at most one record of each group of repeated key hashes stays
    let removed = n - n.min(groups);
    let framed: Vec<&str> = columns
        .iter()
        .filter(|c| job.pk.contains(c) || job.keep.column() == Some(c.as_str()))
        .map(String::as_str)
        .collect();
    // the values go to the temporary file as the SQL text the scripts write
    if let Some((name, dt)) = file
        .schema
        .iter()
        .find(|(_, dt)| Values::kind_of(dt).is_none())
    {
        return Err(Error::usage(format!(
            "the records in duplicate groups do not fit in memory within --memory-limit {}, and column \"{name}\" (of type {dt}) cannot be held as text in a temporary file",
            crate::budget::size_text(limit)
        ))
        .with_hint("raise --memory-limit"));
    }
    let need = BASE
        + super::streaming::spilled_need(0, n, columns.len(), framed.len(), 0, job.pk.is_empty())
        + rows as u64 * BYTES_PER_RECORD
        + n as u64 * 16
        + lean_write_need(rows, removed, per_record);
    if need > limit {
        return Err(Error::usage(format!(
            "{n} of the {rows} records are in duplicate groups: holding them needs about {} even with their values in a temporary file, over --memory-limit {}",
            crate::budget::size_text(need),
            crate::budget::size_text(limit)
        ))
        .with_hint("raise --memory-limit"));
    }
    let mut store = Rows::spilled(columns.len(), n)?;
    let mut kinds = None;
    let mut numbers = Vec::with_capacity(n);
    let mut parts = Vec::new();
    let mut pairs: Vec<(u64, u32)> = Vec::with_capacity(n);
    let mut key_h: Vec<Vec<u64>> = vec![Vec::new(); key.len()];
    let mut row = vec![0u64; key.len()];
    file.each_slice(wanted, None, |(offset, _), df| {
        let first = numbers.len();
        let taken = candidates_of(df, offset, cand, &mut numbers)?;
        for (k, name) in key.iter().enumerate() {
            hash_values(taken.column(name).map_err(internal)?, &mut key_h[k])?;
        }
        for (i, &number) in numbers[first..].iter().enumerate() {
            key_h.iter().zip(&mut row).for_each(|(h, r)| *r = h[i]);
            pairs.push((hashed::combine(&row), number));
        }
        kinds = Some(Values::push_rows(&mut store, columns, path, &taken)?);
        parts.push(compact(
            taken.select(framed.iter().copied()).map_err(internal)?,
        )?);
        Ok(())
    })?;
    let kinds = match kinds {
        Some(k) => k,
        None => Values::push_rows(&mut store, columns, path, &file.read((0, 0), None)?)?,
    };
    let empty = || {
        file.read((0, 0), None)?
            .select(framed.iter().copied())
            .map_err(internal)
    };
    let mut same_hash = Vec::new();
    hashed::repeated(&mut pairs, |h, r| same_hash.push((h, r)));
    Ok(Lean {
        numbers,
        frame: stacked(parts, empty)?,
        values: Values::typed_rows(columns.to_vec(), kinds, store)?,
        same_hash,
    })
}

/// What the writing needs again.
pub struct Streamed {
    file: ParquetFile,
    /// The removed file (with [`Command::Clean`], unless the grouped records are in a lean
    /// table: then it is written from a last read).
    removed: Option<Vec<u8>>,
    stamp: Option<super::streaming::Stamp>,
    /// Encode the cleaned file's row groups two at a time (else one: memory is short).
    two_at_once: bool,
}

impl Passes for Streamed {
    fn read(command: Command, job: &Job, progress: &dyn Progress) -> Result<(Found, Streamed)> {
        detect_all(command, job, progress)
    }
    fn stamp(&self) -> Option<super::streaming::Stamp> {
        self.stamp
    }
    /// The cleaned file, a slice at a time from a last pass over the input, and the removed file.
    fn write(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        let s = self;
        let table = &d.table;
        let res = &d.resolution;
        let mut gone = vec![false; table.dumped_rows()];
        for r in &res.removed {
            gone[table.dumped(r.row).index()] = true;
        }
        let internal = Error::Polars;
        let name = Outputs::file_name(&table.name, "cleaned.parquet");
        let cleaned = outs.write(&name, |w| {
            let mut out = tables::ParquetOut::with(w, &s.file.schema, s.file.compression())?;
            if !s.two_at_once {
                out = out.one_at_a_time();
            }
            s.file
                .each_slice(&s.file.slices(), None, |(offset, len), df| {
                    let mask: BooleanChunked =
                        gone[offset..offset + len].iter().map(|g| !g).collect();
                    out.push(df.filter(&mask).map_err(internal)?)
                })?;
            out.finish()?;
            super::streaming::unchanged(&job.input, s.stamp)
        })?;
        let name = Outputs::file_name(&table.name, "removed.parquet");
        let removed_path = outs.write(&name, |w| match s.removed.as_deref() {
            Some(removed) => {
                use std::io::Write;
                w.write_all(removed)
                    .map_err(crate::emit::files::io_err(&job.out))
            }
            // a lean table: the removed records read again, a slice at a time
            None => {
                let survivor = tables::survivor_texts(table, &job.pk)?;
                let empty = s.file.read((0, 0), None)?;
                let schema = tables::with_removal_columns(table, empty, &[], &*survivor)?
                    .schema()
                    .clone();
                let mut out =
                    tables::ParquetOut::with(w, &schema, s.file.compression())?.one_at_a_time();
                let mut next = 0;
                let slices: Vec<(usize, usize)> = s
                    .file
                    .slices()
                    .into_iter()
                    .filter(|&(offset, len)| gone[offset..offset + len].iter().any(|g| *g))
                    .collect();
                s.file.each_slice(&slices, None, |(offset, len), df| {
                    let mask: BooleanChunked = gone[offset..offset + len].iter().copied().collect();
                    // (copied out of the slice's buffers, which its text values would keep alive
                    // until a row group of them is complete)
                    let df = compact(df.filter(&mask).map_err(internal)?)?;
                    let k = df.height();
                    let these = res.removed.get(next..next + k).ok_or_else(|| {
                        Error::Internal("the removed records are not in file order".into())
                    })?;
                    next += k;
                    out.push(tables::with_removal_columns(table, df, these, &*survivor)?)
                })?;
                if next != res.removed.len() {
                    return Err(Error::Internal(
                        "the removed records read again are not the removed ones".into(),
                    ));
                }
                out.finish()?;
                super::streaming::unchanged(&job.input, s.stamp)
            }
        })?;
        Ok(super::table_files_written(d, cleaned, removed_path))
    }
}

/// Per column, what it is to the first pass; the key columns' values whose kind the keep rule
/// decides over the whole column (a `min:`/`max:` column of text), and the columns read in the
/// first pass.
fn first_pass_roles(
    job: &Job,
    file: &ParquetFile,
    columns: &[String],
    key: &[String],
) -> (Vec<Role>, Option<usize>, Vec<usize>) {
    let pos = |n: &String| columns.iter().position(|c| c == n);
    let mut roles = vec![Role::default(); columns.len()];
    for (k, c) in key.iter().enumerate() {
        if let Some(i) = pos(c) {
            roles[i].key = Some(k);
        }
    }
    for (k, c) in job.pk.iter().enumerate() {
        if let Some(i) = pos(c) {
            roles[i].pk = Some(k);
        }
    }
    let keep_text = job
        .keep
        .column()
        .and_then(|c| columns.iter().position(|n| n == c))
        .filter(|&i| {
            file.schema
                .get_at_index(i)
                .is_some_and(|(_, dt)| *dt == DataType::String)
        });
    if let Some(i) = keep_text {
        roles[i].keep_text = true;
    }
    let read: Vec<usize> = (0..columns.len())
        .filter(|&i| roles[i].key.is_some() || roles[i].pk.is_some() || roles[i].keep_text)
        .collect();
    (roles, keep_text, read)
}

/// What the first pass learns of the whole file.
type FirstPass = super::streaming::FirstPass<()>;

/// The first pass over `file`'s `slices`: the columns `read` (their `roles`), each slice's rows
/// hashed on both cores; within `limit`.
fn first_pass(
    file: &ParquetFile,
    slices: &[(usize, usize)],
    (read, roles): (&[usize], &[Role]),
    (nkeys, npk): (usize, usize),
    limit: u64,
    progress: &dyn Progress,
) -> Result<FirstPass> {
    let mut fp = FirstPass::new(nkeys, limit, ());
    fp.keys.reserve(file.rows);
    progress.start_counting("reading", file.rows as u64, crate::progress::Unit::Rows);
    file.each_slice(slices, Some(read.to_vec()), |(offset, len), df| {
        let [ca, cb] = &mut fp.counters;
        let half = len / 2;
        let (a, b) = rayon::join(
            || part(&df.slice(0, half), offset, roles, nkeys, npk, ca),
            || {
                part(
                    &df.slice(half as i64, len - half),
                    offset + half,
                    roles,
                    nkeys,
                    npk,
                    cb,
                )
            },
        );
        for p in [a?, b?] {
            fp.merge(&p.long, &p.tracker, p.first_null_pk);
            let at = fp.keys.len() as u32;
            for (i, &h) in p.key.iter().enumerate() {
                fp.keys.push(h, at + i as u32)?;
            }
        }
        progress.advance(len as u64);
        Ok(())
    })?;
    progress.finish();
    Ok(fp)
}

/// The candidate records: a key hash seen twice, a primary-key hash seen twice (`pk_cols`, when
/// the first pass found the primary key's values repeat), and the first NULL primary key; and
/// how many distinct key hashes repeat (at most one group each).
fn candidates(
    (file, slices): (&ParquetFile, &[(usize, usize)]),
    keys: hashed::KeyIndex,
    pk_cols: Option<&[usize]>,
    first_null_pk: Option<usize>,
    limit: u64,
) -> Result<(Vec<bool>, usize)> {
    let mut cand = vec![false; file.rows];
    let mut runs = 0usize;
    let mut last = None;
    keys.repeated(|h, r| {
        cand[r as usize] = true;
        if last != Some(h) {
            runs += 1;
            last = Some(h);
        }
    })?;
    if let Some(pk_cols) = pk_cols {
        mark_repeated_pks(file, slices, pk_cols, limit, &mut cand)?;
    }
    if let Some(r) = first_null_pk {
        cand[r] = true;
    }
    Ok((cand, runs))
}

/// The candidates read back in the second pass: their record numbers and table, or a lean
/// table's (with its values for the scripts and its repeated key hashes); whether the cleaned
/// file's row groups can be encoded two at a time.
struct SecondPass {
    numbers: Vec<u32>,
    frame: DataFrame,
    lean: Option<(crate::values::Values, Vec<(u64, u32)>)>,
    two_at_once: bool,
}

/// The second pass: the `cand`idate records, every column, from the slices that hold some; over
/// the limit, read again into a lean table ([`lean_candidates`]; `runs`: the repeated key
/// hashes, at most one group each).
fn second_pass(
    job: &Job,
    file: &ParquetFile,
    (slices, cand): (&[(usize, usize)], Vec<bool>),
    (columns, key): (&[String], &[String]),
    runs: usize,
) -> Result<SecondPass> {
    let (path, limit, rows) = (job.input.as_path(), job.memory_limit, file.rows);
    let mut numbers: Vec<u32> = Vec::new();
    let mut parts: Vec<DataFrame> = Vec::new();
    let mut held = 0u64;
    let index = rows as u64 * BYTES_PER_RECORD;
    // past the limit, the held table is dropped and the candidates read again ([`lean`])
    let mut over = false;
    let file_per_row = file.bytes_per_row();
    let wanted: Vec<(usize, usize)> = slices
        .iter()
        .copied()
        .filter(|&(offset, len)| cand[offset..offset + len].iter().any(|c| *c))
        .collect();
    let read = file.each_slice(&wanted, None, |(offset, _), df| {
        let taken = compact(candidates_of(df, offset, &cand, &mut numbers)?)?;
        held += taken.estimated_size() as u64;
        // over the limit even with one row group encoded at a time, they are read again into a
        // lean table
        let per_record = (held / numbers.len() as u64).max(file_per_row);
        if held_need(held, index, rows, per_record, 1) > limit || job.force_lean {
            over = true;
            return Err(Error::Internal("over the memory limit".into()));
        }
        parts.push(taken);
        Ok(())
    });
    let lean = match read {
        Err(_) if over => {
            drop(std::mem::take(&mut parts));
            crate::budget::release_freed_memory();
            // their size per record, as far as they were read
            let per_record = (held / numbers.len().max(1) as u64).max(file_per_row);
            let l = lean_candidates(
                path, file, &wanted, &cand, columns, key, job, per_record, runs,
            )?;
            Some(l)
        }
        read => {
            read?;
            None
        }
    };
    // the cleaned file's row groups are encoded two at a time (on both cores) when that fits
    // (a record's size: the grouped ones', or the file's when none is grouped or they are
    // smaller)
    let per_record = (held / numbers.len().max(1) as u64).max(file_per_row);
    let two_at_once = lean.is_none() && held_need(held, index, rows, per_record, 2) <= limit;
    if !two_at_once {
        crate::budget::return_freed_memory_early();
    }
    drop(cand);
    Ok(match lean {
        Some(l) => SecondPass {
            numbers: l.numbers,
            frame: l.frame,
            lean: Some((l.values, l.same_hash)),
            two_at_once,
        },
        None => {
            let empty = || file.read((0, 0), None);
            SecondPass {
                numbers,
                frame: stacked(parts, empty)?,
                lean: None,
                two_at_once,
            }
        }
    })
}

/// The table of the grouped records `df` of the Parquet file (`subset`: their numbers), whose
/// SHA-256 is `sha256`.
fn grouped_table(
    job: &Job,
    columns: Vec<String>,
    sha256: String,
    df: DataFrame,
    subset: Subset,
) -> Result<Table> {
    let path = job.input.as_path();
    let (name, schema) = crate::ingest::table_ident(path, job.table.as_deref())?;
    Ok(Table {
        name,
        source: Source {
            path: path.to_path_buf(),
            format: Format::Parquet,
            sha256,
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        },
        columns,
        df,
        raw: None,
        subset: Some(subset),
        schema,
    })
}

/// The removed file of a `clean`, encoded as Parquet now: a few times smaller than its records
/// (a lean table does not hold them: they are read again after the cleaned file is written).
fn removed_now(command: Command, job: &Job, found: &Found) -> Result<Option<Vec<u8>>> {
    let detected = &found.detected;
    Ok(match command {
        Command::Clean if found.values.is_none() => {
            let (table, resolution) = (&detected.table, &detected.resolution);
            let survivor = tables::survivor_texts(table, &job.pk)?;
            let mut df = tables::removed_frame(table, resolution, &*survivor)?;
            let mut bytes = Vec::new();
            let compression = ParquetFile::open(&job.input)?.compression();
            tables::write_parquet_as(&mut bytes, &mut df, compression)?;
            Some(bytes)
        }
        _ => None,
    })
}

/// Reads the dump in two passes, finds the groups and picks the survivors: the same
/// [`Detected`] as [`super::memory::detect_all`], over a table of the candidate records only.
pub fn detect_all(
    command: Command,
    job: &Job,
    progress: &dyn Progress,
) -> Result<(Found, Streamed)> {
    detect_with(Finder::Hashes, command, job, progress)
}

/// Who finds the candidate records (the first pass).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Finder {
    /// This engine: every record's key hash, held within the limit (then spilled).
    Hashes,
    /// Apache DataFusion's SQL over the file ([`super::datafusion`]).
    #[cfg(feature = "datafusion")]
    DataFusion,
    /// The same SQL on the Ballista cluster of `--cluster` ([`super::ballista`]).
    #[cfg(feature = "ballista")]
    Ballista,
}

/// What the first pass found: the candidate records (`cand`, per record of the file), how many
/// keys repeat (at most one group each), each key column's distinct values, per key column
/// whether a text over 512 bytes was seen, and how the keep column's text orders.
pub(super) struct Candidates {
    pub cand: Vec<bool>,
    pub runs: usize,
    pub distinct: Vec<u64>,
    pub long: Vec<bool>,
    pub tracker: KindTracker,
}

/// The columns the first pass reads and what each is to it.
pub(super) struct Plan<'a> {
    pub file: &'a ParquetFile,
    pub slices: &'a [(usize, usize)],
    pub columns: &'a [String],
    pub key: &'a [String],
    /// The columns read (key, primary key, a `min:`/`max:` column of text), by index.
    pub read: &'a [usize],
    /// The text `min:`/`max:` column, by index.
    #[cfg_attr(not(feature = "datafusion"), allow(dead_code))]
    pub keep_text: Option<usize>,
}

/// [`detect_all`], its candidate records found by `finder`.
pub(super) fn detect_with(
    finder: Finder,
    command: Command,
    job: &Job,
    progress: &dyn Progress,
) -> Result<(Found, Streamed)> {
    let start = Instant::now();
    let path = job.input.as_path();
    let before = super::streaming::stamp(path);
    let sha = std::thread::spawn({
        let path = path.to_path_buf();
        move || crate::ingest::file_hashes(&path)
    });
    let file = ParquetFile::open(path)?;
    let columns: Vec<String> = file.schema.iter_names().map(|c| c.to_string()).collect();
    let key = job.key_columns(path, &columns)?;
    let (roles, keep_text, read) = first_pass_roles(job, &file, &columns, &key);
    let rows = file.rows;
    let slices = file.slices();
    let plan = Plan {
        file: &file,
        slices: &slices,
        columns: &columns,
        key: &key,
        read: &read,
        keep_text,
    };
    let found = match finder {
        Finder::Hashes => hashed_candidates(job, &plan, &roles, progress)?,
        #[cfg(feature = "datafusion")]
        Finder::DataFusion => super::datafusion::candidates(job, &plan, None, progress)?,
        #[cfg(feature = "ballista")]
        Finder::Ballista => {
            let url = job.cluster.as_deref().unwrap_or_default();
            super::datafusion::candidates(job, &plan, Some(url), progress)?
        }
    };
    let Candidates {
        cand,
        runs,
        distinct,
        long,
        tracker,
    } = found;

    progress.start("reading the grouped rows", None);
    let SecondPass {
        numbers,
        frame: df,
        lean,
        two_at_once,
    } = second_pass(job, &file, (&slices, cand), (&columns, &key), runs)?;
    progress.finish();
    crate::budget::release_freed_memory();
    super::streaming::unchanged(path, before)?;
    let (sha256, content) = sha
        .join()
        .map_err(|_| Error::Internal("the SHA-256 thread failed".into()))??;
    // checked by content after the last read
    let read = before.map(|b| super::streaming::Stamp {
        content: Some(content),
        ..b
    });
    let table = grouped_table(job, columns, sha256, df, Subset { numbers, rows })?;
    let seen = Read {
        key,
        distinct,
        rows,
        start,
        long,
    };
    let kind = keep_text.map(|_| tracker.kind());
    // a lean table's values for the scripts (else the scripts copy them from the table)
    let found = grouped_detected(job, table, seen, lean, kind)?;
    crate::budget::release_freed_memory();
    let removed = removed_now(command, job, &found)?;
    Ok((
        found,
        Streamed {
            file,
            removed,
            stamp: read,
            two_at_once,
        },
    ))
}

/// The first pass of this engine: every record's key hash (within the limit, then spilled),
/// the candidates those that repeat.
fn hashed_candidates(
    job: &Job,
    plan: &Plan<'_>,
    roles: &[Role],
    progress: &dyn Progress,
) -> Result<Candidates> {
    let (file, slices, columns) = (plan.file, plan.slices, plan.columns);
    let limit = job.memory_limit;
    let rows = file.rows;
    if rows as u64 > limit / BYTES_PER_RECORD {
        return Err(Error::data(
            Location::file(&job.input),
            format!(
                "{rows} records are more than the streaming engine can index within --memory-limit {} ({BYTES_PER_RECORD} bytes per record)",
                crate::budget::size_text(limit)
            ),
        )
        .with_hint("raise --memory-limit"));
    }
    let read_roles: Vec<Role> = plan.read.iter().map(|&i| roles[i]).collect();
    let (nkeys, npk) = (plan.key.len(), job.pk.len());
    let first = first_pass(
        file,
        slices,
        (plan.read, &read_roles),
        (nkeys, npk),
        limit,
        progress,
    )?;
    let (distinct, pk_repeats) = Counters::finish(first.counters, npk > 0, rows)?;
    let pk_cols: Vec<usize> = job
        .pk
        .iter()
        .filter_map(|n| columns.iter().position(|c| c == n))
        .collect();
    let (cand, runs) = candidates(
        (file, slices),
        first.keys,
        pk_repeats.then_some(&pk_cols[..]),
        first.first_null_pk,
        limit,
    )?;
    Ok(Candidates {
        cand,
        runs,
        distinct,
        long: first.long,
        tracker: first.tracker,
    })
}

/// Marks in `cand` the records whose primary-key hash (over the columns `pk_cols`) repeats,
/// reading those columns again slice by slice: when the first pass found fewer distinct
/// primary-key hashes than records, so that the check names the records (or finds that the
/// values differ).
fn mark_repeated_pks(
    file: &ParquetFile,
    slices: &[(usize, usize)],
    pk_cols: &[usize],
    limit: u64,
    cand: &mut [bool],
) -> Result<()> {
    let npk = pk_cols.len();
    let mut pks = hashed::KeyIndex::new(crate::budget::key_index(limit));
    pks.reserve(cand.len());
    let mut h: Vec<Vec<u64>> = vec![Vec::new(); npk];
    let mut row = vec![0u64; npk];
    for &(offset, len) in slices {
        let df = file.read((offset, len), Some(pk_cols.to_vec()))?;
        for (k, col) in df.columns().iter().enumerate() {
            hash_values(col, &mut h[k])?;
        }
        for i in 0..len {
            h.iter().enumerate().for_each(|(k, h)| row[k] = h[i]);
            pks.push(hashed::combine(&row), (offset + i) as u32)?;
        }
    }
    pks.repeated(|_, r| cand[r as usize] = true)
}
