//! The store of a table's row values, as the SQL scripts and the survivor rules read them:
//! Polars' columns for a table read whole, or a record's values side by side ([`Rows`]),
//! spilled to a temporary file past the memory limit. Ingest and the streaming engines fill
//! it, survive and emit read it.

use polars::prelude::*;

use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::model::{RowId, Table};

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
    spill: Option<crate::spill::SpillFile>,
    /// Spilled and finished: the whole text ([`Rows::finish`]).
    mapped: Option<crate::spill::Mapped>,
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
            spill: Some(crate::spill::SpillFile::new()?),
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

/// Rows turned into text at a time by [`Values::rows_of`]: the columns are never all held twice.
const ROW_SLICE: usize = 1 << 16;

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
        let rows = table.rows();
        let slices = (0..rows)
            .step_by(ROW_SLICE)
            .map(|at| Ok(table.df.slice(at as i64, ROW_SLICE)));
        Values::rows_from(table, rows, slices)
    }

    /// [`Values::rows_of`] for some records of `table` (`members`, in order): taken from the
    /// table a slice at a time, never as a table of their own.
    pub fn rows_of_members(table: &Table, members: &[u32]) -> Result<Values> {
        let slices = members.chunks(ROW_SLICE).map(|chunk| {
            let idx = IdxCa::from_vec("rows".into(), chunk.iter().map(|&m| m as IdxSize).collect());
            table.df.take(&idx).map_err(Error::Polars)
        });
        Values::rows_from(table, members.len(), slices)
    }

    /// The `rows` rows of `table`'s columns in `slices` (frames of those columns, in order),
    /// copied row by row.
    fn rows_from(
        table: &Table,
        rows: usize,
        slices: impl Iterator<Item = Result<DataFrame>>,
    ) -> Result<Values> {
        let mut store = Rows::new(table.columns.len(), rows, 0);
        let (names, path) = (&table.columns, &table.source.path);
        let mut kinds = Values::texts(names, path, &table.df.slice(0, 0))?.0;
        for df in slices {
            kinds = Values::push_rows(&mut store, names, path, &df?)?;
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
    pub(crate) fn byte_sums(&self, cols: &[usize]) -> Vec<u32> {
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

#[cfg(test)]
mod tests {
    use super::Rows;

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
}
