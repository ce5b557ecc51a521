//! The streaming engine: exact duplicates in a CSV dump without holding the dump.
//!
//! 1. One pass over the file (read, hashed with SHA-256 and decompressed on another thread)
//!    checks every record as the in-memory reader does, each block's records on both cores,
//!    and keeps per record only a 64-bit hash of its key and its length. The primary key is
//!    proved unique, and each key column's distinct values counted, by counters of hashes that
//!    spill to a temporary file beyond their budget.
//! 2. The records whose key hash is shared are candidates (with, when the primary key's count
//!    falls short, those whose primary-key hash is). A second pass reads only them, into a row
//!    store for the scripts and a Polars table of the columns the rules read (primary key, keep
//!    column). Records sharing a hash form a group only when their key values are equal, so a
//!    hash collision never makes two records duplicates; the primary-key check and the
//!    survivor choice run as in memory.
//! 3. A last pass copies the kept records' bytes to the cleaned file and the removed ones to
//!    the removed file; the SQL scripts and the report come from the candidates.
//!
//! The outputs are byte for byte those of the in-memory engine (the tests compare them).

use std::path::Path;
use std::time::Instant;

use polars::prelude::*;

use super::streaming::{
    grouped_detected, spilled_need, stamp, unchanged, Counters, Found, Passes, Read, Stamp,
};
use super::{Detected, Written};
use crate::budget::size_text;
use crate::config::Job;
use crate::detect::hashed;
use crate::emit::files::{io_err, Outputs};
use crate::emit::tables;
use crate::error::{Error, Location, Result};
use crate::ingest::csv::field_value;
use crate::ingest::stream::{Block, CsvStream, Head, Window};
use crate::ingest::tokenizer::{unescape, Tokenizer};
use crate::model::{Command, Format, RawCsv, Source, Subset, Table};
use crate::progress::Progress;
use crate::survive::KindTracker;

/// Per record, what the first pass keeps in memory whatever the limit: its length (4 bytes),
/// and room for as much again, since the key hashes (an eighth of the limit before they spill
/// to a temporary file) and the distinct-value counters (a quarter) take up to half of it.
const BYTES_PER_RECORD: u64 = 8;

/// Where each record is in the decompressed file, compactly: its length, plus the exceptions
/// (a record that does not start where the previous one ended, after a blank line; a record
/// not on the line after the previous one's start, after a quoted line break).
#[derive(Debug, Default)]
pub struct Layout {
    header_end: u64,
    lens: Vec<u32>,
    gaps: Vec<(u32, u64)>,
    lines: Vec<(u32, u64)>,
    expect_start: u64,
    expect_line: u64,
}

impl Layout {
    fn new(header_end: u64) -> Self {
        Layout {
            header_end,
            expect_start: header_end,
            ..Layout::default()
        }
    }

    fn push(&mut self, row: u32, start: u64, next: u64, line: u64) {
        if start != self.expect_start {
            self.gaps.push((row, start));
        }
        if line != self.expect_line {
            self.lines.push((row, line));
        }
        // a record is at most MAX_RECORD (256 MB) long
        self.lens.push((next - start) as u32);
        self.expect_start = next;
        self.expect_line = line + 1;
    }

    /// Every record: (row, start, next record's start), in file order.
    pub fn spans(&self) -> impl Iterator<Item = (u32, u64, u64)> + '_ {
        let mut at = self.header_end;
        let mut gap = 0;
        self.lens.iter().enumerate().map(move |(row, &len)| {
            let row = row as u32;
            if gap < self.gaps.len() && self.gaps[gap].0 == row {
                at = self.gaps[gap].1;
                gap += 1;
            }
            let start = at;
            at += u64::from(len);
            (row, start, at)
        })
    }

    /// The line a record starts on.
    pub fn line_of(&self, row: u32) -> u64 {
        let i = self.lines.partition_point(|&(r, _)| r <= row);
        match i.checked_sub(1).map(|i| self.lines[i]) {
            Some((r, line)) => line + u64::from(row - r),
            None => u64::from(row) + 2,
        }
    }
}

/// What the streaming engine needs again to write the table files.
pub struct Streamed {
    head: Head,
    layout: Layout,
    /// The input when the first pass began, and its content's hash.
    stamp: Option<Stamp>,
}

impl Passes for Streamed {
    fn read(_: Command, job: &Job, progress: &dyn Progress) -> Result<(Found, Streamed)> {
        detect_all(job, progress)
    }
    fn stamp(&self) -> Option<Stamp> {
        self.stamp
    }
    /// The cleaned and removed CSV files, in one pass over the input: the kept records' bytes are
    /// copied as they are, the removed ones get their group, survivor, score and reason.
    fn write(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        let s = self;
        let table = &d.table;
        let res = &d.resolution;
        let survivor = tables::survivor_texts(table, &job.pk)?;
        let cleaned = Outputs::file_name(&table.name, "cleaned.csv");
        let removed = Outputs::file_name(&table.name, "removed.csv");
        let out_dir = outs.dir().to_path_buf();
        let head = &s.head;
        let paths = outs.write_many(&[&cleaned, &removed], |w| {
            let (wc, wr) = w.split_at_mut(1);
            let werr = io_err(&out_dir);
            let csv = tables::CsvHead {
                head: &head.header,
                bom: head.bom,
                delimiter: head.delimiter,
                newline: head.newline,
                nulls: &job.null,
            };
            // the file is read whole here: its content hash comes with it, instead of a
            // read of its own to check that it did not change
            let mut bytes = tables::RecordBytes::File(Window::open_content_hashed(&job.input)?);
            let mut spans = s.layout.spans().map(|(row, a, b)| (row as usize, a, b));
            tables::write_csv_tables(
                (&mut wc[0], &mut wr[0]),
                &csv,
                (&mut bytes, &mut spans),
                (table, res),
                &Default::default(),
                &*survivor,
                &werr,
            )?;
            let read = bytes.finish_content()?;
            super::streaming::unchanged_as_read(&job.input, s.stamp, read)
        })?;
        let [c, r] = <[std::path::PathBuf; 2]>::try_from(paths)
            .map_err(|_| Error::Internal("two files asked, another number written".into()))?;
        Ok(super::table_files_written(d, c, r))
    }
}

/// What a column is to the first pass.
#[derive(Debug, Clone, Copy, Default)]
struct Role {
    key: Option<usize>,
    pk: Option<usize>,
    keep: bool,
}

/// What the first pass needs to check and hash records, on any thread.
struct Scan<'a> {
    path: &'a Path,
    columns: &'a [String],
    opts: &'a crate::ingest::CsvOptions,
    roles: &'a [Role],
    nkeys: usize,
    npk: usize,
}

/// What the first pass learns from some records of a block.
#[derive(Default)]
struct Part {
    /// The block index of the first record.
    start: usize,
    /// Per record: its key's hash.
    key: Vec<u64>,
    /// Per key column: a value over 512 bytes was seen.
    long: Vec<bool>,
    tracker: KindTracker,
    first_null_pk: Option<usize>,
    /// The first bad record's error: the records before it are in the vectors.
    error: Option<Error>,
}

impl Scan<'_> {
    /// Checks and hashes the records `range` of a block; each key column's value hashes go to
    /// `counter` (one per thread).
    fn part(&self, b: &Block<'_>, range: std::ops::Range<usize>, counters: &mut Counters) -> Part {
        let n = range.len();
        let mut p = Part {
            start: range.start,
            key: Vec::with_capacity(n),
            long: vec![false; self.nkeys],
            ..Part::default()
        };
        let mut key_h = vec![0u64; self.nkeys];
        let mut pk_h = vec![0u64; self.npk];
        // the part's bytes are checked to be UTF-8 at once; only when they are not does every
        // field go through the check that names the bad one
        let valid = match (range.clone().next(), range.clone().last()) {
            (Some(a), Some(z)) => {
                std::str::from_utf8(&b.data[b.records[a].start..b.records[z].next]).is_ok()
            }
            _ => true,
        };
        for i in range {
            let rec = &b.records[i];
            let number = b.first + i as u64;
            for (c, f) in b.fields_of(i).iter().enumerate() {
                let role = self.roles[c];
                // the value's bytes (`None`: NULL): straight from the record when its part is
                // known to be UTF-8, else through the check that names a bad value
                let raw;
                let checked;
                let v: Option<&[u8]> = if valid && !role.keep {
                    if role.key.is_none() && role.pk.is_none() {
                        continue;
                    }
                    raw = unescape(b.data, f);
                    let null = !f.quoted
                        && (raw.is_empty()
                            || self.opts.null_markers.iter().any(|m| m.as_bytes() == &*raw));
                    (!null).then_some(&*raw)
                } else {
                    checked = match field_value(
                        self.path,
                        self.columns,
                        self.opts,
                        b.data,
                        rec,
                        number,
                        c,
                        f,
                    ) {
                        Ok(v) => v,
                        Err(e) => {
                            p.error = Some(e);
                            return p;
                        }
                    };
                    if role.keep {
                        p.tracker.see(checked.as_deref());
                    }
                    checked.as_deref().map(str::as_bytes)
                };
                let h = hashed::value(v);
                if let Some(k) = role.key {
                    key_h[k] = h;
                    if v.is_some_and(|v| v.len() > 512) {
                        p.long[k] = true;
                    }
                }
                if let Some(k) = role.pk {
                    pk_h[k] = h;
                    if v.is_none() && p.first_null_pk.is_none() {
                        p.first_null_pk = Some((number - 1) as usize);
                    }
                }
            }
            for (k, &h) in key_h.iter().enumerate() {
                if let Err(e) = counters.values.add(k, h) {
                    p.error = Some(e);
                    return p;
                }
            }
            p.key.push(hashed::combine(&key_h));
            if self.npk > 0 {
                if let Err(e) = counters.pk.add(0, hashed::combine(&pk_h)) {
                    p.error = Some(e);
                    return p;
                }
            }
        }
        p
    }
}

/// Per record (of `rows`), whether it is a candidate: its key hash (in `keys`) seen twice, its
/// primary-key hash seen twice (`pk_repeats`: the primary key's columns, when the first pass
/// found fewer distinct primary-key hashes than records: the records are found by reading the
/// file again, so that the check names them or finds that the values differ), or the first
/// NULL primary key; and the repeated key hashes, by hash: the groups to be (the values decide).
#[allow(clippy::type_complexity)]
fn candidates(
    path: &Path,
    job: &Job,
    (keys, rows): (hashed::KeyIndex, usize),
    pk_repeats: Option<&[usize]>,
    first_null_pk: Option<usize>,
) -> Result<(Vec<bool>, Vec<(u64, u32)>)> {
    let mut cand = vec![false; rows];
    let mut same_hash: Vec<(u64, u32)> = Vec::new();
    keys.repeated(|h, r| {
        cand[r as usize] = true;
        same_hash.push((h, r));
    })?;
    if let Some(pk_idx) = pk_repeats {
        let pks = pk_hashes(
            path,
            job,
            pk_idx,
            crate::budget::key_index(job.memory_limit),
        )?;
        pks.repeated(|_, r| cand[r as usize] = true)?;
    }
    if let Some(r) = first_null_pk {
        cand[r] = true;
    }
    Ok((cand, same_hash))
}

/// Every record's primary-key hash, read again (only when the first pass found fewer distinct
/// primary-key hashes than records).
fn pk_hashes(path: &Path, job: &Job, pk_idx: &[usize], budget: usize) -> Result<hashed::KeyIndex> {
    let mut s = CsvStream::open(path, &job.csv, false)?;
    let columns = s.head.columns.clone();
    let mut out = hashed::KeyIndex::new(budget);
    let mut h = vec![0u64; pk_idx.len()];
    let mut each = |b: &Block<'_>| -> Result<()> {
        for (i, rec) in b.records.iter().enumerate() {
            let number = b.first + i as u64;
            let fields = b.fields_of(i);
            for (k, &c) in pk_idx.iter().enumerate() {
                let v = field_value(path, &columns, &job.csv, b.data, rec, number, c, &fields[c])?;
                h[k] = hashed::value(v.as_deref().map(str::as_bytes));
            }
            out.push(hashed::combine(&h), (number - 1) as u32)?;
        }
        Ok(())
    };
    while s.blocks(&mut each)? {}
    Ok(out)
}

/// Per column, what it is to the first pass; the key columns' and the primary key's indices
/// (none when the options name a column the file lacks: that error comes after the read).
fn first_pass_roles(
    job: &Job,
    columns: &[String],
    key: &Result<Vec<String>>,
) -> (Vec<Role>, Vec<usize>, Vec<usize>) {
    let idx = |names: &[String]| -> Vec<usize> {
        names
            .iter()
            .filter_map(|n| columns.iter().position(|c| c == n))
            .collect()
    };
    let mut roles = vec![Role::default(); columns.len()];
    let (key_idx, pk_idx) = match key {
        Ok(k) => (idx(k), idx(&job.pk)),
        Err(_) => (Vec::new(), Vec::new()),
    };
    for (k, &c) in key_idx.iter().enumerate() {
        roles[c].key = Some(k);
    }
    for (p, &c) in pk_idx.iter().enumerate() {
        roles[c].pk = Some(p);
    }
    if let (Some(c), Ok(_)) = (job.keep.column(), key) {
        if let Some(i) = columns.iter().position(|n| n == c) {
            roles[i].keep = true;
        }
    }
    (roles, key_idx, pk_idx)
}

/// What the first pass learns of the whole file, with every record's span and line.
type FirstPass = super::streaming::FirstPass<Layout>;

/// The first pass: every record of stream `s` checked and its key hashed (on both cores, merged
/// in file order), its span recorded; within `limit`.
fn first_pass(
    s: &mut CsvStream,
    scan: &Scan<'_>,
    limit: u64,
    progress: &dyn Progress,
) -> Result<FirstPass> {
    let path = scan.path;
    let layout = Layout::new(s.head.header.len() as u64);
    let mut fp = FirstPass::new(scan.nkeys, limit, layout);
    let total = std::fs::metadata(path).map(|m| m.len()).ok();
    if crate::budget::large_for(total, limit) {
        // a file large for the limit: freed memory goes back at once, for a few % more time
        crate::budget::return_freed_memory_early();
    }
    let plain = s.head.compression == crate::model::Compression::None;
    // a compressed file's bar counts its stored bytes (its size decompressed is not known)
    let at = |s: &CsvStream| if plain { s.offset() } else { s.stored_offset() };
    match total {
        Some(total) => progress.start_counting("reading", total, crate::progress::Unit::Bytes),
        None => progress.start("reading", None),
    }
    let mut shown = 0u64;
    let max_rows = limit / BYTES_PER_RECORD;
    let mut each = |b: &Block<'_>| -> Result<()> {
        // the records' checks and hashes on both cores, then merged in file order
        let n = b.records.len();
        let [ca, cb] = &mut fp.counters;
        let (first, second) = if n >= 512 {
            rayon::join(|| scan.part(b, 0..n / 2, ca), || scan.part(b, n / 2..n, cb))
        } else {
            (scan.part(b, 0..n, ca), Part::default())
        };
        for part in [first, second] {
            fp.merge(&part.long, &part.tracker, part.first_null_pk);
            for (j, &key_hash) in part.key.iter().enumerate() {
                let i = part.start + j;
                let rec = &b.records[i];
                let row = (b.first - 1) as u32 + i as u32;
                if u64::from(row) >= max_rows {
                    return Err(Error::data(
                        Location::file(path).line(rec.line).record(u64::from(row) + 1),
                        format!(
                            "more records than the streaming engine can index within --memory-limit {} ({} bytes per record)",
                            size_text(limit),
                            BYTES_PER_RECORD
                        ),
                    )
                    .with_hint("raise --memory-limit"));
                }
                if row == 4096 && plain {
                    // room for the records the rest of the file holds at this rate (no doubling)
                    if let Some(total) = total {
                        let at = b.offset + rec.next as u64;
                        let expect = (total as f64 / at as f64 * 4097.0 * 1.02) as usize;
                        fp.keys.reserve(expect);
                        fp.layout
                            .lens
                            .reserve_exact(expect.saturating_sub(fp.layout.lens.len()));
                    }
                }
                fp.keys.push(key_hash, row)?;
                fp.layout.push(
                    row,
                    b.offset + rec.start as u64,
                    b.offset + rec.next as u64,
                    rec.line,
                );
            }
            if let Some(e) = part.error {
                return Err(e);
            }
        }
        Ok(())
    };
    while s.blocks(&mut each)? {
        let now = at(s);
        if now.saturating_sub(shown) > 1 << 22 {
            progress.advance(now - shown);
            shown = now;
        }
    }
    // the last bytes read (the count ends at the total)
    progress.advance(at(s).saturating_sub(shown));
    progress.finish();
    Ok(fp)
}

/// Whether the `cand`idate records' values go to a temporary file in the second pass (their
/// values are held twice, by Polars and by the SQL being written, with their per-value overhead;
/// the per-record index stays), with their number and bytes; an error when even that is over
/// the limit. `in_frame`: the columns Polars gets.
fn second_pass_plan(
    job: &Job,
    layout: &Layout,
    cand: &[bool],
    (rows, columns): (usize, usize),
    in_frame: &[bool],
) -> Result<(usize, u64, bool)> {
    let limit = job.memory_limit;
    let wanted: u64 = layout
        .lens
        .iter()
        .zip(cand)
        .filter(|(_, c)| **c)
        .map(|(l, _)| u64::from(*l))
        .sum();
    let n = cand.iter().filter(|c| **c).count();
    // (per record of the dump: its length, whether it is grouped, and its row among the
    // grouped while the groups are verified; per grouped record, its hash and number)
    let held = wanted * 3 + rows as u64 * 9 + n as u64 * 16;
    let spill = held > limit;
    if spill {
        let framed = in_frame.iter().filter(|f| **f).count();
        let need = spilled_need(rows, n, columns, framed, wanted, job.pk.is_empty());
        if need > limit {
            return Err(Error::usage(format!(
                "{n} of the {rows} records are in duplicate groups ({} of the file): holding them needs about {} even with their values in a temporary file, over --memory-limit {}",
                size_text(wanted),
                size_text(need),
                size_text(limit)
            ))
            .with_hint("raise --memory-limit"));
        }
    }
    Ok((n, wanted, spill))
}

/// The candidate records, read back in the second pass.
struct Grouped {
    /// The columns Polars gets.
    frame: Vec<Column>,
    /// Every column's values, row by row, for the scripts.
    store: crate::values::Rows,
    /// Per record, its row in the dump and its line.
    numbers: Vec<u32>,
    lines: Vec<u64>,
}

/// The second pass: the `cand`idate records' values, `plan` as [`second_pass_plan`] made it.
fn second_pass(
    job: &Job,
    (columns, in_frame): (&[String], &[bool]),
    (layout, cand): (&Layout, &[bool]),
    delimiter: u8,
    (n, wanted, spill): (usize, u64, bool),
) -> Result<Grouped> {
    let path = job.input.as_path();
    let mut win = Window::open(path)?;
    let mut builders: Vec<StringChunkedBuilder> = columns
        .iter()
        .zip(in_frame)
        .filter(|(_, f)| **f)
        .map(|(c, _)| StringChunkedBuilder::new(c.as_str().into(), n))
        .collect();
    let mut store = if spill {
        crate::values::Rows::spilled(columns.len(), n)?
    } else {
        crate::values::Rows::new(columns.len(), n, wanted as usize)
    };
    let mut numbers = Vec::with_capacity(n);
    let mut lines = Vec::with_capacity(n);
    let mut fields = Vec::with_capacity(columns.len());
    for (row, start, next) in layout.spans() {
        if !cand[row as usize] {
            continue;
        }
        let line = layout.line_of(row);
        let data = win.range(start, next)?;
        let mut tok = Tokenizer::at(data, delimiter, 0, line);
        let rec = match tok.next_record(&mut fields) {
            Ok(Some(rec)) if fields.len() == columns.len() => rec,
            _ => return Err(unchanged_error(path)),
        };
        let number = u64::from(row) + 1;
        let mut b = 0;
        for (i, f) in fields.iter().enumerate() {
            let v = field_value(path, columns, &job.csv, data, &rec, number, i, f)?;
            store.push(v.as_deref());
            if in_frame[i] {
                match v {
                    Some(v) => builders[b].append_value(&*v),
                    None => builders[b].append_null(),
                }
                b += 1;
            }
        }
        store.end_row();
        numbers.push(row);
        lines.push(line);
    }
    let frame = builders
        .into_iter()
        .map(|b| b.finish().into_series().into_column())
        .collect();
    Ok(Grouped {
        frame,
        store,
        numbers,
        lines,
    })
}

/// The table of the `grouped` records of a CSV file of `rows` records (its `head`, its SHA-256
/// and size), and their values for the scripts.
fn grouped_table(
    job: &Job,
    head: &Head,
    columns: Vec<String>,
    (sha256, bytes): (String, u64),
    grouped: Grouped,
    rows: usize,
) -> Result<(Table, crate::values::Values)> {
    let path = job.input.as_path();
    let (name, schema) = crate::ingest::table_ident(path, job.table.as_deref())?;
    let Grouped {
        frame,
        store,
        numbers,
        lines,
    } = grouped;
    let df = DataFrame::new(numbers.len(), frame).map_err(Error::Polars)?;
    let table = Table {
        name,
        source: Source {
            path: path.to_path_buf(),
            format: Format::Csv {
                delimiter: head.delimiter,
                compression: head.compression,
                bom: head.bom,
            },
            sha256,
            bytes,
        },
        columns,
        df,
        raw: Some(RawCsv::lines_only(head.header.clone(), lines, head.newline)),
        subset: Some(Subset { numbers, rows }),
        schema,
    };
    let values = crate::values::Values::text_rows(table.columns.clone(), store)?;
    Ok((table, values))
}

/// Reads the dump in two passes, finds the groups and picks the survivors: the same
/// [`Detected`] as [`super::memory::detect_all`], over a table of the candidate records only.
pub fn detect_all(job: &Job, progress: &dyn Progress) -> Result<(Found, Streamed)> {
    let start = Instant::now();
    let path = job.input.as_path();
    let before = stamp(path);
    let mut s = CsvStream::open(path, &job.csv, true)?;
    let columns = s.head.columns.clone();
    // the in-memory engine checks the options' columns after reading the file: so does this
    // one (a malformed record is reported first)
    let key = job.key_columns(path, &columns);
    let (roles, key_idx, pk_idx) = first_pass_roles(job, &columns, &key);
    let scan = Scan {
        path,
        columns: &columns,
        opts: &job.csv,
        roles: &roles,
        nkeys: key_idx.len(),
        npk: pk_idx.len(),
    };
    let first = first_pass(&mut s, &scan, job.memory_limit, progress)?;
    let rows = s.record_count() as usize;
    let head = s.head.clone();
    let (sha256, bytes, content) = s
        .finish()?
        .ok_or_else(|| Error::Internal("the input's SHA-256 is missing".into()))?;
    // checked cheaply after the second pass, and by content after the last
    let read = before.map(|b| Stamp {
        content: Some(content),
        ..b
    });
    let key = key?;
    let (distinct, pk_repeats) = Counters::finish(first.counters, !pk_idx.is_empty(), rows)?;
    let (cand, same_hash) = candidates(
        path,
        job,
        (first.keys, rows),
        pk_repeats.then_some(&pk_idx[..]),
        first.first_null_pk,
    )?;
    // Polars gets only the columns its steps read: the primary key (its check) and the keep
    // rule's column; the key columns are compared in the row store below
    let in_frame: Vec<bool> = columns
        .iter()
        .map(|c| job.pk.contains(c) || job.keep.column() == Some(c.as_str()))
        .collect();
    let plan = second_pass_plan(job, &first.layout, &cand, (rows, columns.len()), &in_frame)?;

    // the first pass's counters and hashes are gone: hand their memory back before the second
    crate::budget::release_freed_memory();
    if plan.2 {
        crate::budget::return_freed_memory_early();
    }

    progress.start("reading the grouped rows", None);
    let grouped = second_pass(
        job,
        (&columns, &in_frame),
        (&first.layout, &cand),
        head.delimiter,
        plan,
    )?;
    drop(cand);
    unchanged(path, before)?;
    progress.finish();
    let (table, values) = grouped_table(job, &head, columns, (sha256, bytes), grouped, rows)?;
    let seen = Read {
        key,
        distinct,
        rows,
        start,
        long: first.long,
    };
    let hashed = Some((values, same_hash));
    let found = grouped_detected(job, table, seen, hashed, Some(first.tracker.kind()))?;
    Ok((
        found,
        Streamed {
            head,
            layout: first.layout,
            stamp: read,
        },
    ))
}

fn unchanged_error(path: &Path) -> Error {
    Error::data(
        Location::file(path),
        "the file changed while dupsweep read it (a record is not where the first pass found it)",
    )
    .with_hint("run again on a copy that nothing writes to")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_finds_records_and_lines_after_gaps() {
        let mut l = Layout::new(10);
        l.push(0, 10, 20, 2);
        l.push(1, 25, 30, 4); // a blank line before, and record 0 spanned two lines
        l.push(2, 30, 42, 5);
        let spans: Vec<_> = l.spans().collect();
        assert_eq!(spans, vec![(0, 10, 20), (1, 25, 30), (2, 30, 42)]);
        assert_eq!((l.line_of(0), l.line_of(1), l.line_of(2)), (2, 4, 5));
    }
}
