//! SQL scripts that replay a deletion on the live database. The plan (which rows, in which
//! batches, with which guards) is built here once; each [`Dialect`] renders it: identifier
//! quoting, literal encoding, guards, transaction. No value is formatted into SQL elsewhere.

pub mod dump;
mod mysql;
mod postgres;
pub mod prevent;
mod sqlite;
pub mod stage;
pub mod undo;

use polars::prelude::*;

use crate::config::{DialectName, Guard, Job};
use crate::error::{Error, Location, Result};
use crate::model::{Resolution, RowId, Table};
use std::path::Path;

pub use mysql::MySql;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

/// What a dumped value is, as far as SQL needs to know. CSV values are all `Text`: the live
/// column's type decides how the database compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Float,
    Decimal,
    Bool,
    Date,
    Time,
    Timestamp,
    /// A timestamp with a time zone: its UTC instant, `… +00:00`
    /// ([`crate::ingest::parquet::column_text`]).
    TimestampTz,
    /// Hex digits of the bytes.
    Bytes,
}

/// A non-NULL dumped value: its kind and text form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Val<'a> {
    pub kind: Kind,
    pub text: &'a str,
}

/// The table's columns as SQL values.
pub struct Values {
    pub names: Vec<String>,
    kinds: Vec<Kind>,
    store: Store,
}

/// Where the values are: Polars' columns, or copied row by row ([`Values::rows_of`]: the
/// scripts read a record's values together, and a row's values side by side stay in cache).
enum Store {
    Columns(Vec<StringChunked>),
    Rows(Rows),
}

/// Values stored row by row: a record's values side by side, and its offsets side by side
/// (a survivor far back in the file costs two cache misses, not one per column and array).
#[derive(Debug, Default)]
pub struct Rows {
    ncols: usize,
    /// Per row, `ncols + 2` numbers: where its text starts (low and high 32 bits), then per
    /// column where the value ends from there, the top bit set for NULL.
    meta: Vec<u32>,
    /// The text; when spilling, the part not yet written to the file.
    text: String,
    /// Values pushed into the row being filled.
    filled: usize,
    /// Spilling: the file the text before `text` was written to ([`Rows::spilled`]).
    spill: Option<crate::emit::spill::SpillFile>,
    /// Spilled and finished: the whole text ([`Rows::finish`]).
    mapped: Option<crate::emit::spill::Mapped>,
}

const NULL_BIT: u32 = 1 << 31;
/// Spilling rows write their text in pieces of this many bytes.
const SPILL_CHUNK: usize = 1 << 20;

impl Rows {
    pub fn new(ncols: usize, rows: usize, bytes: usize) -> Rows {
        Rows {
            ncols,
            meta: Vec::with_capacity(rows * (ncols + 2)),
            text: String::with_capacity(bytes),
            ..Rows::default()
        }
    }

    /// Rows whose text goes to a temporary file as it is pushed, read back once
    /// [`Rows::finish`]ed a piece at a time ([`Values::load`]; [`Values::get`] reads it through
    /// a memory map): only the offsets stay in memory.
    pub fn spilled(ncols: usize, rows: usize) -> Result<Rows> {
        Ok(Rows {
            ncols,
            meta: Vec::with_capacity(rows * (ncols + 2)),
            text: String::with_capacity(SPILL_CHUNK + (SPILL_CHUNK >> 2)),
            spill: Some(crate::emit::spill::SpillFile::new()?),
            ..Rows::default()
        })
    }

    /// The text's length so far, spilled or not.
    fn text_len(&self) -> u64 {
        self.spill.as_ref().map_or(0, |s| s.written()) + self.text.len() as u64
    }

    /// The next value of the row being filled (NULL: `None`).
    pub fn push(&mut self, v: Option<&str>) {
        if self.filled == 0 {
            let base = self.text_len();
            self.meta.push(base as u32);
            self.meta.push((base >> 32) as u32);
        }
        let base = self.row_base(self.meta.len() / (self.ncols + 2));
        if let Some(v) = v {
            self.text.push_str(v);
        }
        // a record is at most a few hundred MB: its values' offsets fit in 31 bits
        let end = (self.text_len() - base) as u32;
        self.meta
            .push(if v.is_none() { end | NULL_BIT } else { end });
        self.filled += 1;
    }

    /// Ends the row being filled.
    pub fn end_row(&mut self) {
        if self.filled == 0 {
            // a row without columns still takes its place
            let base = self.text_len();
            self.meta.push(base as u32);
            self.meta.push((base >> 32) as u32);
        }
        self.filled = 0;
        if let Some(spill) = &mut self.spill {
            if self.text.len() >= SPILL_CHUNK {
                spill.append(self.text.as_bytes());
                self.text.clear();
            }
        }
    }

    /// Ends the filling: a spilled text is written out and mapped.
    pub fn finish(mut self) -> Result<Rows> {
        if let Some(mut spill) = self.spill.take() {
            spill.append(self.text.as_bytes());
            self.text = String::new();
            self.mapped = Some(spill.map()?);
        }
        Ok(self)
    }

    /// The text start of row `row` (the one being filled when it is the last).
    fn row_base(&self, row: usize) -> u64 {
        let m = row * (self.ncols + 2);
        u64::from(self.meta[m]) | (u64::from(self.meta[m + 1]) << 32)
    }

    /// A value's start and end in `text`, and whether it is NULL.
    fn span(&self, col: usize, row: usize) -> (usize, usize, bool) {
        let m = row * (self.ncols + 2);
        let base = u64::from(self.meta[m]) | (u64::from(self.meta[m + 1]) << 32);
        let e = self.meta[m + 2 + col];
        let start = if col == 0 {
            0
        } else {
            self.meta[m + 1 + col] & !NULL_BIT
        };
        let base = base as usize;
        (
            base + start as usize,
            base + (e & !NULL_BIT) as usize,
            e & NULL_BIT != 0,
        )
    }

    fn get(&self, col: usize, row: usize) -> Option<&str> {
        let (a, b, null) = self.span(col, row);
        if null {
            return None;
        }
        Some(match &self.mapped {
            None => &self.text[a..b],
            Some(m) => {
                let v = &m.bytes()[a..b];
                debug_assert!(std::str::from_utf8(v).is_ok());
                // SAFETY: the file holds the pushed values' bytes, each a `&str`, and `a..b`
                // is one value's span (or a run of them); nothing writes to the file once it
                // is mapped.
                unsafe { std::str::from_utf8_unchecked(v) }
            }
        })
    }

    fn len(&self, col: usize, row: usize) -> u32 {
        let (a, b, _) = self.span(col, row);
        (b - a) as u32
    }

    fn rows(&self) -> usize {
        self.meta.len() / (self.ncols + 2)
    }

    /// Where row `row`'s text starts and ends.
    fn row_span(&self, row: usize) -> (u64, u64) {
        let base = self.row_base(row);
        let m = row * (self.ncols + 2);
        let end = match self.ncols {
            0 => 0,
            n => self.meta[m + 1 + n] & !NULL_BIT,
        };
        (base, base + u64::from(end))
    }

    /// Appends a whole row: its text and its values' ends (as another `Rows` holds them).
    fn push_row(&mut self, text: &str, ends: &[u32]) {
        let base = self.text_len();
        self.meta.push(base as u32);
        self.meta.push((base >> 32) as u32);
        self.text.push_str(text);
        self.meta.extend_from_slice(ends);
    }
}

/// Some rows of a spilled [`Values`], read into memory ([`Values::load`]).
pub struct Loaded {
    kinds: Vec<Kind>,
    /// The rows held, ascending.
    ids: Vec<u32>,
    rows: Rows,
}

impl Loaded {
    /// A row's value when the row was loaded (else `None`).
    pub fn get(&self, col: usize, row: RowId) -> Option<Option<Val<'_>>> {
        let i = self.ids.binary_search(&row.0).ok()?;
        let kind = self.kinds[col];
        Some(self.rows.get(col, i).map(|text| Val { kind, text }))
    }
}

impl Values {
    pub fn from_table(table: &Table) -> Result<Values> {
        let (kinds, text) = Values::texts(&table.columns, &table.source.path, &table.df)?;
        Ok(Values {
            names: table.columns.clone(),
            kinds,
            store: Store::Columns(text),
        })
    }

    /// The SQL kind of a column of type `dt`, when dupsweep can write its values into SQL.
    pub fn kind_of(dt: &DataType) -> Option<Kind> {
        Some(match dt {
            DataType::String => Kind::Text,
            DataType::Boolean => Kind::Bool,
            DataType::Date => Kind::Date,
            DataType::Time => Kind::Time,
            DataType::Datetime(_, Some(_)) => Kind::TimestampTz,
            DataType::Datetime(..) => Kind::Timestamp,
            DataType::Decimal(..) => Kind::Decimal,
            DataType::Binary => Kind::Bytes,
            d if d.is_integer() => Kind::Int,
            d if d.is_float() => Kind::Float,
            _ => return None,
        })
    }

    /// Each column's kind, and its values as text: `df`, rows of the table in file `path` whose
    /// columns are `names`.
    fn texts(
        names: &[String],
        path: &Path,
        df: &DataFrame,
    ) -> Result<(Vec<Kind>, Vec<StringChunked>)> {
        let internal = Error::Polars;
        let mut kinds = Vec::new();
        let mut text = Vec::new();
        for (name, col) in names.iter().zip(df.columns()) {
            let dt = col.dtype();
            let kind = match Values::kind_of(dt) {
                Some(kind) => kind,
                None => {
                    let other = dt;
                    return Err(Error::data(
                        Location::file(path),
                        format!(
                        "column \"{name}\" has type {other}, which dupsweep cannot write into SQL"
                    ),
                    ));
                }
            };
            let ca = if kind == Kind::Bytes {
                let b = col.binary().map_err(internal)?;
                StringChunked::from_iter_options(
                    name.as_str().into(),
                    b.iter().map(|v| v.map(crate::ingest::hex)),
                )
            } else {
                crate::ingest::parquet::column_text(col).map_err(|e| {
                    Error::data(
                        Location::file(path),
                        format!("column \"{name}\" cannot be written into SQL: {e}"),
                    )
                })?
            };
            kinds.push(kind);
            text.push(ca);
        }
        Ok((kinds, text))
    }

    /// [`Values::from_table`], copied row by row: faster to read a record at a time, and the
    /// table's own columns are no longer needed. The columns are turned into text a slice of
    /// rows at a time, so that they are never all held twice.
    pub fn rows_of(table: &Table) -> Result<Values> {
        Values::rows_into(table, Rows::new(table.columns.len(), table.rows(), 0))
    }

    fn rows_into(table: &Table, mut store: Rows) -> Result<Values> {
        const SLICE: usize = 1 << 16;
        let rows = table.rows();
        let (names, path) = (&table.columns, &table.source.path);
        let mut kinds = Values::texts(names, path, &table.df.slice(0, 0))?.0;
        for at in (0..rows).step_by(SLICE) {
            kinds = Values::push_rows(&mut store, names, path, &table.df.slice(at as i64, SLICE))?;
        }
        if table.columns.is_empty() {
            (0..rows).for_each(|_| store.end_row());
        }
        Ok(Values {
            names: table.columns.clone(),
            kinds,
            store: Store::Rows(store.finish()?),
        })
    }

    /// Appends the rows of `df` (every column of the table in file `path`, named `names`) to
    /// `store` as the SQL values' text; returns the columns' kinds.
    pub fn push_rows(
        store: &mut Rows,
        names: &[String],
        path: &Path,
        df: &DataFrame,
    ) -> Result<Vec<Kind>> {
        let (kinds, text) = Values::texts(names, path, df)?;
        let bytes: usize = text
            .iter()
            .map(|c| c.iter().map(|v| v.map_or(0, str::len)).sum::<usize>())
            .sum();
        if store.spill.is_none() {
            store.text.reserve(bytes);
        }
        let mut iters: Vec<_> = text.iter().map(|c| c.iter()).collect();
        for _ in 0..text.first().map_or(0, |c| c.len()) {
            for it in iters.iter_mut() {
                store.push(it.next().flatten());
            }
            store.end_row();
        }
        Ok(kinds)
    }

    /// Typed values already stored row by row ([`Values::push_rows`]), of columns `names`
    /// whose kinds are `kinds`.
    pub fn typed_rows(names: Vec<String>, kinds: Vec<Kind>, rows: Rows) -> Result<Values> {
        Ok(Values {
            kinds,
            names,
            store: Store::Rows(rows.finish()?),
        })
    }

    /// The text values of a CSV table, already stored row by row (the streaming engine fills
    /// them as it reads the grouped records).
    pub fn text_rows(names: Vec<String>, rows: Rows) -> Result<Values> {
        Ok(Values {
            kinds: vec![Kind::Text; names.len()],
            names,
            store: Store::Rows(rows.finish()?),
        })
    }

    /// True when a column holds timestamps with a time zone ([`Kind::TimestampTz`]).
    pub fn has_time_zones(&self) -> bool {
        self.kinds.contains(&Kind::TimestampTz)
    }

    /// True when the values are in a temporary file: read them with [`Values::load`] (the
    /// pages [`Values::get`] reads stay mapped in the process).
    pub fn is_spilled(&self) -> bool {
        matches!(&self.store, Store::Rows(r) if r.mapped.is_some())
    }

    /// Rows `ids` (any order, repeats allowed) of spilled values, read into memory; `None` when
    /// the values are not spilled (read them with [`Values::get`]).
    pub fn load(&self, mut ids: Vec<u32>) -> Result<Option<Loaded>> {
        let Store::Rows(rows) = &self.store else {
            return Ok(None);
        };
        let Some(map) = &rows.mapped else {
            return Ok(None);
        };
        ids.sort_unstable();
        ids.dedup();
        let stride = rows.ncols + 2;
        let mut out = Rows::new(rows.ncols, ids.len(), 0);
        let mut scratch = Vec::new();
        let mut i = 0;
        while i < ids.len() {
            // rows close together in the file are read at once, up to 1 MiB
            let (start, mut end) = rows.row_span(ids[i] as usize);
            let mut j = i + 1;
            while j < ids.len() {
                let (s, e) = rows.row_span(ids[j] as usize);
                if s > end + 4096 || e > start + (1 << 20) {
                    break;
                }
                end = e;
                j += 1;
            }
            scratch.resize((end - start) as usize, 0);
            map.read_at(start, &mut scratch)?;
            for &id in &ids[i..j] {
                let (s, e) = rows.row_span(id as usize);
                let text =
                    std::str::from_utf8(&scratch[(s - start) as usize..(e - start) as usize])
                        .map_err(|_| {
                            Error::Internal("a temporary file changed while read".into())
                        })?;
                let m = id as usize * stride;
                out.push_row(text, &rows.meta[m + 2..m + stride]);
            }
            i = j;
        }
        Ok(Some(Loaded {
            kinds: self.kinds.clone(),
            ids,
            rows: out,
        }))
    }

    /// The rows a batch's statements read ([`Values::load`]).
    pub fn load_batch(&self, batch: &Batch) -> Result<Option<Loaded>> {
        if !self.is_spilled() {
            return Ok(None);
        }
        let ids = match batch {
            Batch::Pk(b) => b.rows.iter().chain(&b.survivors).map(|m| m.row.0).collect(),
            Batch::Keyless(groups) => groups
                .iter()
                .flat_map(|g| std::iter::once(g.id).chain(g.copies.iter().map(|c| c.row)))
                .map(|r| r.0)
                .collect(),
        };
        self.load(ids)
    }

    /// True when a value is NULL or, in a text column, empty (read without its text): what
    /// `most-complete` counts as missing.
    pub fn is_blank(&self, col: usize, row: RowId) -> bool {
        let text = self.kinds[col] == Kind::Text;
        match &self.store {
            Store::Rows(rows) => {
                let (a, b, null) = rows.span(col, row.index());
                null || (text && a == b)
            }
            Store::Columns(_) => self.get(col, row).is_none_or(|v| text && v.text.is_empty()),
        }
    }

    pub fn get(&self, col: usize, row: RowId) -> Option<Val<'_>> {
        let kind = self.kinds[col];
        match &self.store {
            Store::Columns(text) => text[col].get(row.index()).map(|text| Val { kind, text }),
            Store::Rows(rows) => rows.get(col, row.index()).map(|text| Val { kind, text }),
        }
    }

    /// Per row: the bytes of its values in columns `cols`.
    fn byte_sums(&self, cols: &[usize]) -> Vec<u32> {
        match &self.store {
            Store::Columns(text) => {
                let rows = text.first().map_or(0, |c| c.len());
                let mut sums = vec![0u32; rows];
                for &c in cols {
                    for (sum, v) in sums.iter_mut().zip(text[c].iter()) {
                        *sum = sum.saturating_add(v.map_or(0, |v| v.len() as u32));
                    }
                }
                sums
            }
            Store::Rows(rows) => (0..rows.rows())
                .map(|r| {
                    cols.iter()
                        .map(|&c| rows.len(c, r))
                        .fold(0u32, u32::saturating_add)
                })
                .collect(),
        }
    }
}

/// A record and the columns to compare it on.
#[derive(Debug, Clone)]
pub struct RowMatch {
    pub row: RowId,
    /// Shared by every record of a batch (a million removed records hold one list).
    pub columns: std::sync::Arc<[usize]>,
}

/// Records deleted by primary key.
#[derive(Debug, Clone)]
pub struct PkBatch {
    pub rows: Vec<RowMatch>,
    /// The survivors of the groups these rows belong to: they must still exist.
    pub survivors: Vec<RowMatch>,
    /// Per survivor: the index in `rows` of the first row of its group.
    pub refs: Vec<usize>,
}

/// One distinct set of values among a group's rows (no primary key): how many rows hold it
/// before the deletion (`fresh`) and after it (`applied`).
#[derive(Debug, Clone)]
pub struct Copies {
    pub row: RowId,
    pub fresh: usize,
    pub applied: usize,
}

/// A group of a table without primary key.
#[derive(Debug, Clone)]
pub struct KeylessGroup {
    pub id: RowId,
    /// The rows of the group share these columns' values (those of `id`). Shared by the
    /// groups that share all the key columns (a million groups hold one list).
    pub key: std::sync::Arc<[usize]>,
    /// The columns that tell copies apart; shared by every group.
    pub guard: std::sync::Arc<[usize]>,
    pub copies: Vec<Copies>,
}

#[derive(Debug, Clone)]
pub enum Batch {
    Pk(PkBatch),
    Keyless(Vec<KeylessGroup>),
}

/// Kept records whose foreign keys are re-pointed (whole dumps): they all get the same new
/// values in the columns `set`.
#[derive(Debug, Clone)]
pub struct UpdateBatch {
    pub set: Vec<usize>,
    pub rows: Vec<RowMatch>,
}

/// A child table's column that references this table's primary key.
#[derive(Debug, Clone)]
pub struct ChildRef {
    pub table: String,
    pub column: String,
}

/// Everything a script says.
pub struct Plan<'a> {
    pub table: &'a Table,
    pub values: &'a Values,
    /// Whole dumps: the values after re-pointing (survivors may hold either these or the
    /// dumped ones, depending on whether the script already ran).
    pub after: Option<&'a Values>,
    pub pk: Vec<usize>,
    /// The columns a lookup may find rows by, which a guard also compares with a plain `=`
    /// (an index on them serves it): the primary key, or without one the duplicate key.
    pub indexed: Vec<usize>,
    pub batches: Vec<Batch>,
    /// Whole dumps: the re-pointing updates, run after this table's deletions.
    pub updates: Vec<UpdateBatch>,
    /// Whole dumps: the same rows grouped by their dumped values, to undo the re-pointing.
    pub reverts: Vec<UpdateBatch>,
    /// Whole dumps: after the deletions, no row of these may reference a deleted key.
    pub children: Vec<ChildRef>,
    pub rows_to_delete: usize,
    pub groups: usize,
    pub options: String,
    /// `--commit batch`: each batch commits on its own, with this pause (seconds) after it;
    /// `None`: one transaction.
    pub chunked: Option<f64>,
}

impl Plan<'_> {
    /// Where a record is, for errors about its values.
    pub fn locate(&self, row: RowId, col: usize) -> Location {
        crate::detect::locate(self.table, row).column(col, Some(&self.values.names[col]))
    }
}

/// The bytes a record's values take in a statement, about: per column its name twice, some
/// syntax and its value twice. Worked out for every record at once, a column at a time (a
/// value at a time through Polars is the slow way at millions of records).
struct Sizes {
    fixed: usize,
    values: Vec<u32>,
}

impl Sizes {
    fn new(values: &Values, cols: &[usize]) -> Sizes {
        let fixed = cols.iter().map(|&c| values.names[c].len() * 2 + 40).sum();
        Sizes {
            fixed,
            values: values.byte_sums(cols),
        }
    }

    fn of(&self, row: RowId) -> usize {
        self.fixed + 2 * self.values[row.index()] as usize
    }
}

/// Builds the plan: batches of at most `batch_size` rows and about `batch_bytes` bytes.
pub fn plan<'a>(
    table: &'a Table,
    values: &'a Values,
    job: &Job,
    key: &[String],
    resolution: &Resolution,
    matches: &crate::model::Matches,
) -> Result<Plan<'a>> {
    let idx = |names: &[String]| -> Vec<usize> {
        names.iter().filter_map(|n| table.column_index(n)).collect()
    };
    let pk = idx(&job.pk);
    let key_idx = idx(key);
    let guard = guard_columns(table, job, key);
    let guard_list: std::sync::Arc<[usize]> = guard.clone().into();
    let batches = if pk.is_empty() {
        keyless_batches(values, job, (&key_idx, &guard), resolution, matches)?
    } else {
        pk_batches(resolution, job.batch_size, &guard_list)
    };
    Ok(Plan {
        table,
        values,
        after: None,
        indexed: if pk.is_empty() { key_idx } else { pk.clone() },
        pk,
        batches,
        updates: Vec::new(),
        reverts: Vec::new(),
        children: Vec::new(),
        rows_to_delete: resolution.removed.len(),
        groups: matches.groups.len(),
        options: job.describe(),
        chunked: (job.commit == crate::config::Commit::Batch).then_some(job.pause),
    })
}

/// The batches of a table with a primary key, `batch_size` removed rows each, with the
/// survivors they name: a batch's values travel as data, not in its statements, so only its
/// rows count.
fn pk_batches(
    resolution: &Resolution,
    batch_size: usize,
    guard_list: &std::sync::Arc<[usize]>,
) -> Vec<Batch> {
    let mut batches = Vec::new();
    let mut cur = PkBatch {
        rows: Vec::new(),
        survivors: Vec::new(),
        refs: Vec::new(),
    };
    // the survivors already in the current batch
    let mut seen: std::collections::HashSet<RowId> = Default::default();
    for r in &resolution.removed {
        if cur.rows.len() >= batch_size {
            batches.push(Batch::Pk(std::mem::replace(
                &mut cur,
                PkBatch {
                    rows: Vec::new(),
                    survivors: Vec::new(),
                    refs: Vec::new(),
                },
            )));
            seen.clear();
        }
        cur.rows.push(RowMatch {
            row: r.row,
            columns: guard_list.clone(),
        });
        let s = r.survivor;
        if seen.insert(s) {
            cur.survivors.push(RowMatch {
                row: s,
                columns: guard_list.clone(),
            });
            cur.refs.push(cur.rows.len() - 1);
        }
    }
    if !cur.rows.is_empty() {
        batches.push(Batch::Pk(cur));
    }
    batches
}

/// The distinct value sets among group `g`'s rows on the `guard` columns, with how many rows
/// hold each and whether survivor `s` is one of them.
fn copies_of<'v>(
    g: &crate::model::Group,
    s: RowId,
    guard: &[usize],
    get: &dyn Fn(usize, RowId) -> Option<Val<'v>>,
) -> Vec<Copies> {
    let mut copies: Vec<Copies> = Vec::new();
    for &m in &g.members {
        let same = |c: &Copies| guard.iter().all(|&col| get(col, c.row) == get(col, m));
        let i = match copies.iter().position(same) {
            Some(i) => i,
            None => {
                copies.push(Copies {
                    row: m,
                    fresh: 0,
                    applied: 0,
                });
                copies.len() - 1
            }
        };
        copies[i].fresh += 1;
        if m == s {
            copies[i].applied += 1;
        }
    }
    copies
}

/// The batches of a table without a primary key: whole groups, each with its distinct value
/// sets, within `--batch-size` removed rows and `--batch-bytes`.
fn keyless_batches(
    values: &Values,
    job: &Job,
    (key_idx, guard): (&[usize], &[usize]),
    resolution: &Resolution,
    matches: &crate::model::Matches,
) -> Result<Vec<Batch>> {
    let mut batches = Vec::new();
    let guard_list: std::sync::Arc<[usize]> = guard.to_vec().into();
    let sizes = Sizes::new(values, guard);
    let mut cur: Vec<KeylessGroup> = Vec::new();
    let (mut rows, mut bytes) = (0usize, 0usize);
    let all_key: std::sync::Arc<[usize]> = key_idx.to_vec().into();
    // spilled values: a few thousand groups' records read into memory at a time
    const GROUPS: usize = 4096;
    let mut loaded = None;
    for (gi, (g, &s)) in matches.groups.iter().zip(&resolution.survivors).enumerate() {
        if gi % GROUPS == 0 && values.is_spilled() {
            let next = &matches.groups[gi..(gi + GROUPS).min(matches.groups.len())];
            loaded = values.load(
                next.iter()
                    .flat_map(|g| g.members.iter().map(|m| m.0))
                    .collect(),
            )?;
        }
        let get = |c: usize, r: RowId| match loaded.as_ref().and_then(|l| l.get(c, r)) {
            Some(v) => v,
            None => values.get(c, r),
        };
        let copies = copies_of(g, s, guard, &get);
        let removed = g.members.len() - 1;
        let size: usize = copies.iter().map(|c| sizes.of(c.row)).sum::<usize>() * 4;
        if !cur.is_empty() && (rows + removed > job.batch_size || bytes + size > job.batch_bytes) {
            batches.push(Batch::Keyless(std::mem::take(&mut cur)));
            rows = 0;
            bytes = 0;
        }
        rows += removed;
        bytes += size;
        // the key columns all members share (all of them for an exact group; a fuzzy
        // group's members may differ anywhere)
        let shared: Vec<usize> = key_idx
            .iter()
            .copied()
            .filter(|&c| g.members.iter().all(|&m| get(c, m) == get(c, g.id())))
            .collect();
        cur.push(KeylessGroup {
            id: g.id(),
            key: if shared == key_idx {
                all_key.clone()
            } else {
                shared.into()
            },
            guard: guard_list.clone(),
            copies,
        });
    }
    if !cur.is_empty() {
        batches.push(Batch::Keyless(cur));
    }
    Ok(batches)
}

/// The columns a row must still hold its dumped values in to be deleted (`--guard`). Without
/// a primary key, every column: a row is then known only by all its values, and a group's
/// members that differ outside the key are different rows, not copies of one (`--guard key`
/// would let the script delete any of them).
fn guard_columns(table: &Table, job: &Job, key: &[String]) -> Vec<usize> {
    let idx = |names: &[String]| -> Vec<usize> {
        names.iter().filter_map(|n| table.column_index(n)).collect()
    };
    let pk = idx(&job.pk);
    match job.guard {
        _ if pk.is_empty() => (0..table.columns.len()).collect(),
        Guard::All => (0..table.columns.len()).collect(),
        Guard::Key => {
            let mut g = pk.clone();
            g.extend(idx(key).into_iter().filter(|c| !pk.contains(c)));
            g
        }
    }
}

impl<'a> Plan<'a> {
    /// Whole dumps: the re-pointed values, and the updates that write them on the kept rows
    /// (`changes`: every rewritten value, in record order), batched like the deletions.
    pub fn with_updates(
        mut self,
        after: &'a Values,
        changes: &[crate::survive::repoint::Change],
        kept: &[bool],
        job: &Job,
        key: &[String],
    ) -> Self {
        let guard = guard_columns(self.table, job, key);
        // per kept row: the columns it changes, in column order
        let mut per_row: std::collections::BTreeMap<RowId, Vec<usize>> = Default::default();
        for c in changes {
            if kept[c.row.index()] {
                per_row.entry(c.row).or_default().push(c.column);
            }
        }
        for cols in per_row.values_mut() {
            cols.sort_unstable();
            cols.dedup();
        }
        // rows with the same new (or, to undo, old) values in the same columns share a statement
        let batches = |values: &Values| -> Vec<UpdateBatch> {
            // (changed columns, their values) → rows
            type Target<'v> = (Vec<usize>, Vec<Option<&'v str>>);
            let mut by_target: std::collections::BTreeMap<Target, Vec<RowId>> = Default::default();
            for (row, cols) in &per_row {
                let vals = cols
                    .iter()
                    .map(|&c| values.get(c, *row).map(|v| v.text))
                    .collect();
                by_target
                    .entry((cols.clone(), vals))
                    .or_default()
                    .push(*row);
            }
            let mut out = Vec::new();
            for ((set, _), rows) in by_target {
                // the columns an update writes are always checked, whatever the guard
                let mut columns = guard.clone();
                columns.extend(set.iter().copied().filter(|c| !guard.contains(c)));
                columns.sort_unstable();
                let columns: std::sync::Arc<[usize]> = columns.into();
                for chunk in rows.chunks(job.batch_size.max(1)) {
                    out.push(UpdateBatch {
                        set: set.clone(),
                        rows: chunk
                            .iter()
                            .map(|&row| RowMatch {
                                row,
                                columns: columns.clone(),
                            })
                            .collect(),
                    });
                }
            }
            out
        };
        self.updates = batches(after);
        self.reverts = batches(self.values);
        self.after = Some(after);
        self
    }

    /// Every deleted record, for the checks that no child still references one.
    pub fn deleted(&self) -> Vec<RowMatch> {
        self.batches
            .iter()
            .flat_map(|b| match b {
                Batch::Pk(p) => p.rows.clone(),
                Batch::Keyless(_) => Vec::new(),
            })
            .collect()
    }
}

/// How a dialect writes identifiers, values and the script around them.
pub trait Dialect {
    fn name(&self) -> DialectName;
    /// A quoted identifier.
    fn ident(&self, name: &str) -> Result<String, String>;
    /// A value where the column's own type is expected (in `IN` lists).
    fn literal(&self, v: Val<'_>) -> Result<String, String>;
    /// True when column `col` (quoted) holds exactly `v` (NULL when `v` is `None`).
    fn matches(&self, col: &str, v: Option<Val<'_>>) -> Result<String, String>;
    /// Appends [`Dialect::literal`] to `out` (the undo scripts' hot path).
    fn push_literal(&self, out: &mut String, v: Val<'_>) -> Result<(), String> {
        out.push_str(&self.literal(v)?);
        Ok(())
    }
    /// Appends [`Dialect::matches`] to `out`: the scripts' hot path, which a dialect writes
    /// without an allocation per value where it can.
    fn push_matches(&self, out: &mut String, col: &str, v: Option<Val<'_>>) -> Result<(), String> {
        out.push_str(&self.matches(col, v)?);
        Ok(())
    }
    /// Appends a test that column `col` (quoted) holds exactly `v`, the dumped value itself and
    /// not only one the column's type or collation finds equal (NULL when `v` is `None`);
    /// `indexed`: a primary-key column, which the test must let an index find. By default
    /// [`Dialect::push_matches`], where that comparison is already exact.
    fn push_identical(
        &self,
        out: &mut String,
        col: &str,
        v: Option<Val<'_>>,
        indexed: bool,
    ) -> Result<(), String> {
        let _ = indexed;
        self.push_matches(out, col, v)
    }
    /// True when `pk IN (…)` with the dumped primary keys finds exactly those rows; false where
    /// the server may compare a key loosely (MySQL compares a BIGINT with a string as a
    /// double, so `9007199254740993` finds `9007199254740992` too): [`Render::pk_exact`] then
    /// also compares the key's values exactly.
    fn exact_keys(&self) -> bool {
        true
    }
    /// True when `(a, b) IN ((x, y), …)` compares each column as `a = x AND b = y` would.
    /// MariaDB compares a BIGINT with a string inside such a row constructor otherwise (it
    /// misses `9007199254741013` there, which `b = '9007199254741013'` finds): its keys are
    /// written as `(a = x AND b = y) OR …`.
    fn row_in(&self) -> bool {
        true
    }
    /// The whole script, into `out` (a batch at a time: a script is never held whole).
    fn script(&self, plan: &Plan<'_>, out: &mut dyn Sink) -> Result<()>;
    /// How the script is run, for its header.
    fn run_line(&self) -> &'static str;
    /// The deletion batches of a plan, into `out`; guard labels and messages start with `label`.
    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()>;
    /// The undo of a plan's deletions by primary key ([`stage`]), into `out`: the removed rows
    /// as data, put back where their key is free, then checked.
    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()>;

    // Primitives of the whole-dump and undo scripts (`dump.rs`, `undo.rs`), which are the
    // same in every dialect.

    /// The statements before the first change: settings, guard table, transaction, locks.
    /// `tables`: the quoted names of the tables the script changes; `names`: as written;
    /// `utc`: some value is a timestamp with a time zone (written as its UTC instant).
    fn open(&self, tables: &[String], names: &[&str], utc: bool) -> String;
    /// The statements after the last change.
    fn close(&self) -> String;
    /// A statement that stops the script (rolling everything back) unless `cond` holds;
    /// `from` is `" FROM … WHERE …"` or empty. `label` names the step (unique in the script).
    fn check(&self, label: &str, cond: &str, from: &str) -> String;
    /// `stmt` (an UPDATE), then a check that it changed 0 or `rows` rows.
    fn counted(&self, stmt: &str, label: &str, rows: usize) -> String;
    /// The DDL that makes the key columns unique in `table` (quoted), as index `index`
    /// (quoted); `cols`: quoted key columns and whether they hold long values (over 512 bytes).
    /// NULL counts as one value, as in dupsweep's own comparison.
    fn unique_key(&self, table: &str, index: &str, cols: &[(String, bool)]) -> String;
    /// The comment lines that say how this dialect's prevention DDL treats NULL, letter case
    /// and long values, and whether it is transactional.
    fn prevent_notes(&self) -> &'static [&'static str];
    /// A check, before the first deletion from `table` (its name as written), that no foreign
    /// key the script does not re-point itself (`declared`: child table and column, as written)
    /// references the table with `ON DELETE CASCADE`, `SET NULL` or `SET DEFAULT`: deleting a
    /// duplicate would change such a child's rows behind the script's back.
    fn no_silent_references(
        &self,
        table: &str,
        declared: &[(String, String)],
        label: &str,
    ) -> String;
    /// What a `SELECT` of constants needs before its `WHERE` (`" FROM DUAL"` in MySQL).
    fn no_from(&self) -> &'static str {
        ""
    }
}

/// Where a script goes, piece by piece: a `String`, or a file ([`WriteSink`]).
pub trait Sink {
    fn put(&mut self, s: &str) -> Result<()>;
}

impl Sink for String {
    fn put(&mut self, s: &str) -> Result<()> {
        self.push_str(s);
        Ok(())
    }
}

/// A script written to a file as it is rendered.
pub struct WriteSink<'a> {
    pub w: &'a mut dyn std::io::Write,
    pub path: &'a std::path::Path,
}

impl Sink for WriteSink<'_> {
    fn put(&mut self, s: &str) -> Result<()> {
        self.w
            .write_all(s.as_bytes())
            .map_err(|e| Error::io(self.path, "cannot write", e))
    }
}

/// A table's change script as text.
pub fn script_text(d: &dyn Dialect, plan: &Plan<'_>) -> Result<String> {
    let mut out = String::new();
    d.script(plan, &mut out)?;
    Ok(out)
}

pub fn dialect(name: DialectName) -> Box<dyn Dialect> {
    match name {
        DialectName::Postgres => Box::new(Postgres),
        DialectName::Mysql => Box::new(MySql),
        DialectName::Sqlite => Box::new(Sqlite),
    }
}

/// The `(child table, column)` pairs a plan re-points, for [`Dialect::no_silent_references`].
pub fn declared(plan: &Plan<'_>) -> Vec<(String, String)> {
    plan.children
        .iter()
        .map(|c| (c.table.clone(), c.column.clone()))
        .collect()
}

/// Shared rendering helpers: every dialect builds its statements from these.
pub struct Render<'p, 'a> {
    pub d: &'p dyn Dialect,
    pub plan: &'p Plan<'a>,
    /// The columns' quoted names (shared by the renderers of a script's batches).
    idents: std::sync::Arc<[String]>,
    pub table: String,
    /// The current batch's rows, read from spilled values ([`Render::with_batch`]).
    local: Option<&'p Loaded>,
}

impl<'p, 'a> Render<'p, 'a> {
    pub fn new(d: &'p dyn Dialect, plan: &'p Plan<'a>) -> Result<Self> {
        let bad_name = |n: &str, e: String| {
            Error::usage(format!(
                "cannot write the name \"{n}\" in {} SQL: {e}",
                d.name().name()
            ))
        };
        let idents = plan
            .values
            .names
            .iter()
            .map(|n| d.ident(n).map_err(|e| bad_name(n, e)))
            .collect::<Result<Vec<_>>>()?
            .into();
        let table = d
            .ident(&plan.table.name)
            .map_err(|e| bad_name(&plan.table.name, e))?;
        Ok(Render {
            d,
            plan,
            idents,
            table,
            local: None,
        })
    }

    /// The same, reading the plan's values of the rows in `local` from it (a batch's rows of
    /// spilled values: [`Values::load_batch`]).
    pub fn with_batch<'q>(&'q self, local: Option<&'q Loaded>) -> Render<'q, 'a> {
        Render {
            d: self.d,
            plan: self.plan,
            idents: self.idents.clone(),
            table: self.table.clone(),
            local,
        }
    }

    /// A value of `values`; the plan's own from the batch's loaded rows when they hold it.
    fn value<'v>(&'v self, values: &'v Values, col: usize, row: RowId) -> Option<Val<'v>> {
        if let Some(local) = self.local {
            if std::ptr::eq(values, self.plan.values) {
                if let Some(v) = local.get(col, row) {
                    return v;
                }
            }
        }
        values.get(col, row)
    }

    pub fn col(&self, c: usize) -> &str {
        &self.idents[c]
    }

    fn value_error(&self, row: RowId, col: usize, e: String) -> Error {
        Error::data(self.plan.locate(row, col), e).with_hint(format!(
            "this value cannot be written for {}; clean it in the dump or leave --dialect {} out",
            self.d.name().name(),
            self.d.name().name()
        ))
    }

    /// `(c1 = v1 AND c2 IS NULL AND …)` for a record on the given columns.
    pub fn row_match(&self, row: RowId, cols: &[usize]) -> Result<String> {
        let mut out = String::new();
        self.push_row_match(&mut out, self.plan.values, row, cols)?;
        Ok(out)
    }

    /// Appends `(c1 = v1 AND …)` with the values of `values` to `out`.
    fn push_row_match(
        &self,
        out: &mut String,
        values: &Values,
        row: RowId,
        cols: &[usize],
    ) -> Result<()> {
        out.reserve(cols.len() * 24);
        out.push('(');
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            self.d
                .push_identical(
                    out,
                    self.col(c),
                    self.value(values, c, row),
                    self.plan.indexed.contains(&c),
                )
                .map_err(|e| self.value_error(row, c, e))?;
        }
        out.push(')');
        Ok(())
    }

    /// The rows a keyless group is about: those holding its shared key values, or, when its
    /// members share no key column (a fuzzy group), those matching one of its copies.
    pub fn group_scope(&self, g: &KeylessGroup) -> Result<String> {
        if !g.key.is_empty() {
            return self.row_match(g.id, &g.key);
        }
        let rows: Vec<RowMatch> = g
            .copies
            .iter()
            .map(|c| RowMatch {
                row: c.row,
                columns: g.guard.clone(),
            })
            .collect();
        Ok(format!("({})", self.any_match(&rows)?))
    }

    /// `(c1 = v1 AND …)` on the re-pointed values (whole dumps), or the dumped ones.
    pub fn row_match_after(&self, row: RowId, cols: &[usize]) -> Result<String> {
        let mut out = String::new();
        let values = self.plan.after.unwrap_or(self.plan.values);
        self.push_row_match(&mut out, values, row, cols)?;
        Ok(out)
    }

    /// Survivors hold their dumped values, or (whole dumps, when the script already ran) their
    /// re-pointed ones: `m1 OR m2 OR …`, each `(dumped OR re-pointed)` where they differ.
    pub fn survivors_match(&self, rows: &[RowMatch]) -> Result<String> {
        let parts = rows
            .iter()
            .map(|m| {
                let dumped = self.row_match(m.row, &m.columns)?;
                let differs = self.plan.after.is_some_and(|a| {
                    m.columns
                        .iter()
                        .any(|&c| a.get(c, m.row) != self.value(self.plan.values, c, m.row))
                });
                if differs {
                    Ok(format!(
                        "({dumped} OR {})",
                        self.row_match_after(m.row, &m.columns)?
                    ))
                } else {
                    Ok(dumped)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join("\n    OR "))
    }

    /// `m1 OR m2 OR …` over records, on their re-pointed values.
    pub fn any_match_after(&self, rows: &[RowMatch]) -> Result<String> {
        let parts = rows
            .iter()
            .map(|m| self.row_match_after(m.row, &m.columns))
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join("\n    OR "))
    }

    /// `"c1" = v1, "c2" = v2` with an update's new values.
    pub fn set_list(&self, u: &UpdateBatch) -> Result<String> {
        self.set_list_from(u, self.plan.after.unwrap_or(self.plan.values))
    }

    /// `"c1" = v1, "c2" = v2` with the values of `values` (the dumped ones, to undo).
    pub fn set_list_from(&self, u: &UpdateBatch, values: &Values) -> Result<String> {
        let row = u.rows.first().map(|m| m.row).unwrap_or(RowId(0));
        let mut parts = Vec::with_capacity(u.set.len());
        for &c in &u.set {
            let v = match self.value(values, c, row) {
                None => "NULL".to_owned(),
                Some(v) => self.d.literal(v).map_err(|e| self.value_error(row, c, e))?,
            };
            parts.push(format!("{} = {v}", self.col(c)));
        }
        Ok(parts.join(", "))
    }

    /// True when a child's column (quoted) holds the primary key of one of `rows`, compared
    /// as the database compares a foreign key (in the column's collation, so that a
    /// case-insensitive match counts): `col IN (v1, v2, …)` (the primary key is one column).
    pub fn references(&self, col: &str, rows: &[RowMatch]) -> Result<String> {
        let Some(&pk) = self.plan.pk.first() else {
            return Ok("1 = 0".into());
        };
        let mut parts = Vec::with_capacity(rows.len());
        for m in rows {
            if let Some(v) = self.value(self.plan.values, pk, m.row) {
                parts.push(
                    self.d
                        .literal(v)
                        .map_err(|e| self.value_error(m.row, pk, e))?,
                );
            }
        }
        if parts.is_empty() {
            return Ok("1 = 0".into());
        }
        Ok(format!("{col} IN ({})", parts.join(", ")))
    }

    /// Appends every column's value of a record as literals (NULL for NULL), in column order,
    /// comma-separated, to `out`.
    pub fn push_literals(&self, out: &mut String, row: RowId) -> Result<()> {
        for c in 0..self.plan.values.names.len() {
            if c > 0 {
                out.push_str(", ");
            }
            match self.value(self.plan.values, c, row) {
                None => out.push_str("NULL"),
                Some(v) => self
                    .d
                    .push_literal(out, v)
                    .map_err(|e| self.value_error(row, c, e))?,
            }
        }
        Ok(())
    }

    /// The quoted column list `("a", "b", …)`.
    pub fn column_list(&self) -> String {
        format!("({})", self.idents.join(", "))
    }

    /// A quoted name of another table (a child, in whole dumps).
    pub fn other(&self, name: &str) -> Result<String> {
        self.d.ident(name).map_err(|e| {
            Error::usage(format!(
                "cannot write the name \"{name}\" in {} SQL: {e}",
                self.d.name().name()
            ))
        })
    }

    /// `m1 OR m2 OR …` over records.
    pub fn any_match(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str("\n    OR ");
            }
            self.push_row_match(&mut out, self.plan.values, m.row, &m.columns)?;
        }
        Ok(out)
    }

    /// `"id" IN ('1', '2')` or `("a", "b") IN (('1', 'x'), …)` for the primary keys of `rows`.
    pub fn pk_in(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        self.push_pk_in(&mut out, rows)?;
        Ok(out)
    }

    /// [`Render::pk_in`], finding exactly those rows in every dialect (see
    /// [`Dialect::exact_keys`]).
    pub fn pk_exact(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        self.push_pk_exact(&mut out, rows)?;
        Ok(out)
    }

    /// Appends [`Render::pk_exact`] to `out`.
    pub fn push_pk_exact(&self, out: &mut String, rows: &[RowMatch]) -> Result<()> {
        self.push_pk_in(out, rows)?;
        if self.d.exact_keys() {
            return Ok(());
        }
        out.push_str(" AND (");
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            self.push_row_match(out, self.plan.values, m.row, &self.plan.pk)?;
        }
        out.push(')');
        Ok(())
    }

    /// Appends [`Render::pk_in`] to `out`.
    pub fn push_pk_in(&self, out: &mut String, rows: &[RowMatch]) -> Result<()> {
        let pk = &self.plan.pk;
        let tuple = pk.len() != 1;
        if tuple && !self.d.row_in() {
            // (a = x AND b = y) OR …: each column compared on its own
            out.push('(');
            for (i, m) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(" OR ");
                }
                out.push('(');
                for (j, &c) in pk.iter().enumerate() {
                    if j > 0 {
                        out.push_str(" AND ");
                    }
                    out.push_str(self.col(c));
                    out.push_str(" = ");
                    self.push_key_literal(out, m.row, c)?;
                }
                out.push(')');
            }
            out.push(')');
            return Ok(());
        }
        if tuple {
            out.push('(');
        }
        for (i, &c) in pk.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(self.col(c));
        }
        if tuple {
            out.push(')');
        }
        out.push_str(" IN (");
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if tuple {
                out.push('(');
            }
            for (j, &c) in pk.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                self.push_key_literal(out, m.row, c)?;
            }
            if tuple {
                out.push(')');
            }
        }
        out.push(')');
        Ok(())
    }

    /// Appends a record's primary-key value in column `c` as a literal.
    fn push_key_literal(&self, out: &mut String, row: RowId, c: usize) -> Result<()> {
        let v = self
            .value(self.plan.values, c, row)
            .ok_or_else(|| Error::data(self.plan.locate(row, c), "the primary key is NULL"))?;
        self.d
            .push_literal(out, v)
            .map_err(|e| self.value_error(row, c, e))
    }

    /// The comment block every script starts with.
    pub fn header(&self, run: &str) -> String {
        let p = self.plan;
        let src = &p.table.source;
        let file = src
            .path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut lines = vec![
            format!(
                "dupsweep {}: delete duplicate rows from table {}",
                env!("CARGO_PKG_VERSION"),
                p.table.name
            ),
            format!("input: {file} (sha256 {})", src.sha256),
            format!("options: {}", p.options),
            format!(
                "rows in the dump: {}; duplicate groups: {}; rows to delete: {}; batches: {}",
                p.table.dumped_rows(),
                p.groups,
                p.rows_to_delete,
                p.batches.len()
            ),
            "Every batch deletes only rows that still hold their dumped values, and checks".into(),
            "that it deleted exactly the expected rows (or none, when the script was already"
                .into(),
            "applied); any difference stops the script and rolls the whole transaction back."
                .into(),
            format!("run: {run}"),
        ];
        if let Some(pause) = p.chunked {
            lines[6] =
                "applied); any difference stops the script and rolls that batch back.".into();
            lines.insert(7, "Each batch commits on its own (--commit batch): after a stop, the batches before it".into());
            lines.insert(8, "stay applied; once the cause is dealt with, run the whole script again to resume (the".into());
            lines.insert(
                9,
                format!("finished batches delete nothing more). Pause between batches: {pause} s."),
            );
        }
        let mut out = String::new();
        for l in lines {
            out.push_str("-- ");
            out.push_str(&comment_safe(&l));
            out.push('\n');
        }
        out
    }
}

/// A table name as it appears inside the scripts' messages: letters, digits, `_` and `-` only
/// (a message is a string literal, and in PostgreSQL a `RAISE` format).
pub fn label(name: &str) -> String {
    format!("table {}: ", safe_name(name))
}

/// A name with letters, digits, `_` and `-` only, at most 40 characters, for messages and
/// labels: a name that had to be changed gets a short hash of itself, so two names never
/// become one.
pub fn safe_name(name: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.len() <= 40 && !name.is_empty() && name.chars().all(ok) {
        return name.to_owned();
    }
    let kept: String = name
        .chars()
        .map(|c| if ok(c) { c } else { '?' })
        .take(30)
        .collect();
    use sha2::Digest;
    let h = crate::ingest::hex(&sha2::Sha256::digest(name.as_bytes())[..4]);
    format!("{kept}~{h}")
}

/// Text safe inside a `--` comment line for every client: no control characters, no
/// backslashes (client commands in psql and mysql).
pub fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || c == '\\' { '?' } else { c })
        .collect()
}

/// Renders the scripts for every dialect of the job.
pub fn scripts(plan: &Plan<'_>, dialects: &[DialectName]) -> Result<Vec<(DialectName, String)>> {
    dialects
        .iter()
        .map(|&d| Ok((d, script_text(&*dialect(d), plan)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{safe_name, Rows};

    #[test]
    fn rows_keep_values_nulls_and_empty_strings_apart() {
        let mut r = Rows::new(3, 2, 16);
        for v in [Some("ab"), None, Some("")] {
            r.push(v);
        }
        r.end_row();
        for v in [Some(""), Some("zoë"), None] {
            r.push(v);
        }
        r.end_row();
        assert_eq!(r.rows(), 2);
        assert_eq!(
            (r.get(0, 0), r.get(1, 0), r.get(2, 0)),
            (Some("ab"), None, Some(""))
        );
        assert_eq!(
            (r.get(0, 1), r.get(1, 1), r.get(2, 1)),
            (Some(""), Some("zoë"), None)
        );
        assert_eq!((r.len(1, 1), r.len(2, 1)), (4, 0));
    }

    #[test]
    fn spilled_rows_read_back_what_held_rows_do() {
        // enough text for several pieces of the spill file, values across their boundaries
        let value = |r: usize, c: usize| -> Option<String> {
            match (r * 7 + c) % 5 {
                0 => None,
                1 => Some(String::new()),
                _ => Some(format!("{r}:{c}:{}", "é".repeat((r * 31 + c * 17) % 300))),
            }
        };
        let (n, cols) = (12_000, 4);
        let mut held = Rows::new(cols, n, 0);
        let mut spilled = Rows::spilled(cols, n).unwrap();
        for r in 0..n {
            for c in 0..cols {
                held.push(value(r, c).as_deref());
                spilled.push(value(r, c).as_deref());
            }
            held.end_row();
            spilled.end_row();
        }
        // and a row without values
        let mut none = Rows::spilled(0, 1).unwrap();
        none.end_row();
        let none = none.finish().unwrap();
        assert_eq!(none.rows(), 1);
        let spilled = spilled.finish().unwrap();
        assert!(spilled.mapped.as_ref().unwrap().bytes().len() > 2 * super::SPILL_CHUNK);
        assert_eq!(spilled.rows(), n);
        for r in 0..n {
            for c in 0..cols {
                assert_eq!(
                    spilled.get(c, r),
                    value(r, c).as_deref(),
                    "row {r} column {c}"
                );
                assert_eq!(spilled.len(c, r), held.len(c, r));
            }
        }
    }

    #[test]
    fn safe_names_are_short_and_distinct() {
        assert_eq!(safe_name("students"), "students");
        assert_ne!(safe_name("élève"), safe_name("èlève"));
        let long = "x".repeat(100);
        assert!(safe_name(&long).len() <= 40);
        assert_ne!(safe_name(&long), safe_name(&"x".repeat(101)));
    }
}
