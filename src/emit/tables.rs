//! The cleaned and removed tables, in the input's format. CSV records are copied byte for byte
//! from the input ("007" stays "007", quoting as it was); Parquet keeps the input's column types.

use std::io::Write;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::ingest::stream::Window;
use crate::model::{Resolution, Table};

/// The extra columns of the removed file.
pub const GROUP: &str = "dupsweep_group";
pub const SURVIVOR: &str = "dupsweep_survivor";
pub const SCORE: &str = "dupsweep_score";
pub const REASON: &str = "dupsweep_reason";

/// Quotes a CSV field when it needs it: always when it is empty or equal to one of the
/// `--null` markers (`nulls`), so that it does not read back as NULL.
pub fn csv_field(value: &str, delimiter: u8, nulls: &[String]) -> String {
    let needs = value.is_empty()
        || nulls.iter().any(|n| n == value)
        || value
            .bytes()
            .any(|b| b == delimiter || b == b'"' || b == b'\n' || b == b'\r');
    if needs {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// The survivor's key as text: its primary key value (a JSON array for a composite key), or
/// its record number when there is no primary key.
pub fn survivor_texts(
    table: &Table,
    pk: &[String],
) -> Result<Box<dyn Fn(crate::model::RowId) -> String>> {
    if pk.is_empty() {
        let numbers = table.subset.as_ref().map(|s| s.numbers.clone());
        return Ok(Box::new(move |r| match &numbers {
            Some(n) => (u64::from(n[r.index()]) + 1).to_string(),
            None => r.number().to_string(),
        }));
    }
    let cols = crate::detect::text_columns(table, pk)?;
    Ok(Box::new(move |r| {
        let vals: Vec<String> = cols
            .iter()
            .map(|c| c.get(r.index()).unwrap_or("").to_owned())
            .collect();
        if vals.len() == 1 {
            vals[0].clone()
        } else {
            serde_json::to_string(&vals).unwrap_or_default()
        }
    }))
}

/// The header line of a CSV file's start (`head`: the bytes before the first record), without
/// its byte order mark and line end.
pub fn header_line(head: &[u8], bom: bool) -> &[u8] {
    let start = if bom { 3 } else { 0 };
    let mut end = head.len();
    if end > start && head[end - 1] == b'\n' {
        end -= 1;
        if end > start && head[end - 1] == b'\r' {
            end -= 1;
        }
    }
    &head[start..end]
}

/// Where a CSV table's records' bytes are read from while its files are written: the
/// decompressed file, when it is held, or the file read again.
pub enum RecordBytes<'a> {
    Held(&'a [u8]),
    File(Window),
}

impl RecordBytes<'_> {
    /// The bytes `start..end` (ranges asked in file order).
    fn range(&mut self, start: u64, end: u64) -> Result<&[u8]> {
        match self {
            RecordBytes::Held(data) => Ok(&data[start as usize..end as usize]),
            RecordBytes::File(win) => win.range(start, end),
        }
    }

    /// Writes the bytes `start..end` to `w` (a file's without holding them all).
    pub fn copy(&mut self, start: u64, end: u64, w: &mut dyn Write) -> Result<std::io::Result<()>> {
        match self {
            RecordBytes::Held(data) => Ok(w.write_all(&data[start as usize..end as usize])),
            RecordBytes::File(win) => win.copy(start, end, w),
        }
    }

    /// Reads a file to its end: its hashes, when its window was opened to hash it.
    pub fn finish(self) -> Result<crate::ingest::stream::Digest256> {
        match self {
            RecordBytes::Held(_) => Ok(None),
            RecordBytes::File(win) => win.finish(),
        }
    }

    /// Reads a file to its end: its size and content hash, when its window was opened to hash
    /// them.
    pub fn finish_content(self) -> Result<Option<(u64, u128)>> {
        match self {
            RecordBytes::Held(_) => Ok(None),
            RecordBytes::File(win) => win.finish_content(),
        }
    }
}

/// The start of a CSV input, as its cleaned and removed files repeat it: its bytes before the
/// first record (byte order mark, header, line end), whether it has a byte order mark, its
/// delimiter and line end, and the NULL markers (`--null`).
pub struct CsvHead<'a> {
    pub head: &'a [u8],
    pub bom: bool,
    pub delimiter: u8,
    pub newline: &'a str,
    pub nulls: &'a [String],
}

/// The cleaned and removed CSV files of `table`, in one pass over its records (`spans`: each
/// record's number among the dumped records, its start and the next record's start, in file
/// order; their bytes from `bytes`): the kept ones copied as they are, runs of them at once
/// (or, in `rewritten`, by record number, written anew from their values: whole dumps re-point
/// foreign keys), the removed ones with their group, survivor, score and reason. The same for
/// every engine: `table` holds every record or only the grouped ones ([`Table::dumped`]).
/// `werr` names a failed write.
#[allow(clippy::too_many_arguments)]
pub fn write_csv_tables(
    (wc, wr): (&mut dyn Write, &mut dyn Write),
    csv: &CsvHead<'_>,
    (bytes, spans): (
        &mut RecordBytes<'_>,
        &mut dyn Iterator<Item = (usize, u64, u64)>,
    ),
    (table, res): (&Table, &Resolution),
    rewritten: &std::collections::BTreeMap<usize, String>,
    survivor: &dyn Fn(crate::model::RowId) -> String,
    werr: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    if res.removed.windows(2).any(|w| w[0].row >= w[1].row) {
        return Err(Error::Internal(
            "the removed rows are not in record order".into(),
        ));
    }
    let nl = csv.newline.as_bytes();
    wc.write_all(csv.head).map_err(werr)?;
    write_removed_header(&mut *wr, csv.head, csv.bom, csv.delimiter, nl).map_err(werr)?;
    let mut gone = res.removed.iter().peekable();
    // kept records not yet copied, one after the other: (start, end)
    let mut run: Option<(u64, u64)> = None;
    for (record, start, next) in spans {
        let removed = gone.next_if(|r| table.dumped(r.row).index() == record);
        let anew = match removed {
            Some(_) => None,
            None => rewritten.get(&record),
        };
        if removed.is_none() && anew.is_none() {
            run = match run {
                Some((a, b)) if b == start => Some((a, next)),
                Some((a, b)) => {
                    bytes.copy(a, b, &mut *wc)?.map_err(werr)?;
                    Some((start, next))
                }
                None => Some((start, next)),
            };
            continue;
        }
        if let Some((a, b)) = run.take() {
            bytes.copy(a, b, &mut *wc)?.map_err(werr)?;
        }
        let bytes = bytes.range(start, next)?;
        let fields = trim_line_end(bytes);
        match (removed, anew) {
            (Some(r), _) => write_removed_record(
                &mut *wr,
                fields,
                table.number_of(r.group),
                &survivor(r.survivor),
                r,
                csv.delimiter,
                csv.nulls,
                nl,
            )
            .map_err(werr)?,
            (None, Some(text)) => {
                wc.write_all(text.as_bytes()).map_err(werr)?;
                // the record's own line end
                wc.write_all(&bytes[fields.len()..]).map_err(werr)?;
            }
            (None, None) => {}
        }
    }
    if let Some((a, b)) = run.take() {
        bytes.copy(a, b, &mut *wc)?.map_err(werr)?;
    }
    Ok(())
}

/// A record's bytes without its line end (`\n`, `\r\n`, or a `\r` ending the file), as the
/// tokenizer ends a record.
pub fn trim_line_end(b: &[u8]) -> &[u8] {
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.strip_suffix(b"\r").unwrap_or(b)
}

/// A record written anew from the table's values: NULL as an unquoted empty field (or the
/// first `--null` marker), other values quoted when they need it.
pub fn encode_record(
    cols: &[StringChunked],
    row: usize,
    delimiter: u8,
    nulls: &[String],
) -> String {
    let d = (delimiter as char).to_string();
    cols.iter()
        .map(|c| match c.get(row) {
            None => nulls.first().map_or("", String::as_str).to_owned(),
            Some(v) => csv_field(v, delimiter, nulls),
        })
        .collect::<Vec<_>>()
        .join(&d)
}

/// The removed file's header: the input's (`head`: its bytes before the first record, byte
/// order mark kept), then the four columns the file adds.
pub fn write_removed_header(
    w: &mut dyn Write,
    head: &[u8],
    bom: bool,
    delimiter: u8,
    nl: &[u8],
) -> std::io::Result<()> {
    if bom {
        w.write_all(&[0xEF, 0xBB, 0xBF])?;
    }
    w.write_all(header_line(head, bom))?;
    for name in [GROUP, SURVIVOR, SCORE, REASON] {
        w.write_all(&[delimiter])?;
        w.write_all(name.as_bytes())?;
    }
    w.write_all(nl)
}

/// A removed record's line: its bytes as read (`record`, without line end), then its group
/// (record number), its survivor's key, score and reason; `nulls`: the `--null` markers, which
/// a survivor's key is quoted when equal to.
#[allow(clippy::too_many_arguments)]
pub fn write_removed_record(
    w: &mut dyn Write,
    record: &[u8],
    group: u64,
    survivor: &str,
    r: &crate::model::Removal,
    delimiter: u8,
    nulls: &[String],
    nl: &[u8],
) -> std::io::Result<()> {
    let d = [delimiter];
    w.write_all(record)?;
    w.write_all(&d)?;
    w.write_all(group.to_string().as_bytes())?;
    w.write_all(&d)?;
    w.write_all(csv_field(survivor, delimiter, nulls).as_bytes())?;
    w.write_all(&d)?;
    w.write_all(score_text(r).as_bytes())?;
    w.write_all(&d)?;
    w.write_all(csv_field(&r.reason, delimiter, nulls).as_bytes())?;
    w.write_all(nl)
}

/// A removed record's score as written in the removed file: `1` for an exact duplicate, else
/// the match probability with three decimals, rounded down (as in its reason).
pub fn score_text(r: &crate::model::Removal) -> String {
    if r.reason.starts_with("exact:") {
        "1".into()
    } else {
        crate::detect::fuzzy::format_probability(r.score)
    }
}

fn polars(e: PolarsError) -> Error {
    Error::Polars(e)
}

pub fn cleaned_frame(table: &Table, res: &Resolution) -> Result<DataFrame> {
    let mask = BooleanChunked::from_slice("kept".into(), &res.kept);
    table.df.filter(&mask).map_err(polars)
}

pub fn removed_frame(
    table: &Table,
    res: &Resolution,
    survivor: &dyn Fn(crate::model::RowId) -> String,
) -> Result<DataFrame> {
    let removed: Vec<bool> = res.kept.iter().map(|k| !k).collect();
    let mask = BooleanChunked::from_slice("removed".into(), &removed);
    let df = table.df.filter(&mask).map_err(polars)?;
    with_removal_columns(table, df, &res.removed, survivor)
}

/// `df`, removed records of `table` in file order, with the removed file's columns from
/// `removed`, their removals in the same order.
pub fn with_removal_columns(
    table: &Table,
    mut df: DataFrame,
    removed: &[crate::model::Removal],
    survivor: &dyn Fn(crate::model::RowId) -> String,
) -> Result<DataFrame> {
    let groups: Vec<u64> = removed.iter().map(|r| table.number_of(r.group)).collect();
    let surv: Vec<String> = removed.iter().map(|r| survivor(r.survivor)).collect();
    let reasons: Vec<&str> = removed.iter().map(|r| &*r.reason).collect();
    let scores: Vec<f64> = removed.iter().map(|r| r.score).collect();
    for (name, col) in [
        (GROUP, Column::new(GROUP.into(), groups)),
        (SURVIVOR, Column::new(SURVIVOR.into(), surv)),
        (SCORE, Column::new(SCORE.into(), scores)),
        (REASON, Column::new(REASON.into(), reasons)),
    ] {
        if df.get_column_names().iter().any(|c| c.as_str() == name) {
            return Err(Error::usage(format!(
                "the input already has a column named \"{name}\", which the removed file adds"
            )));
        }
        df.with_column(col).map_err(polars)?;
    }
    Ok(df)
}

pub fn write_parquet(w: &mut (dyn Write + Send), df: &mut DataFrame) -> Result<()> {
    write_parquet_as(w, df, ParquetCompression::default())
}

/// [`write_parquet`] with the pages compressed by `compression` (the input's own, for the
/// cleaned and removed tables: see [`crate::ingest::parquet::ParquetFile::compression`]).
pub fn write_parquet_as(
    w: &mut (dyn Write + Send),
    df: &mut DataFrame,
    compression: ParquetCompression,
) -> Result<()> {
    let mut out = ParquetOut::with(w, df.schema(), compression)?;
    out.push(df.clone())?;
    out.finish()
}

/// Rows per row group of the Parquet files dupsweep writes (Polars' default).
pub const ROW_GROUP: usize = 512 * 512;

/// A Parquet file written as its rows come: row groups of [`ROW_GROUP`] rows (the last one
/// shorter), cut at the same rows however the rows arrive, so that a file written at once and
/// one written a slice at a time are the same bytes. Row groups are encoded and compressed two
/// at a time, one per core (Polars' own writer compresses every page on the writing thread).
pub struct ParquetOut<'w> {
    writer: polars::io::parquet::write::BatchedWriter<&'w mut (dyn Write + Send)>,
    pending: Option<DataFrame>,
    /// Full row groups waiting to be encoded.
    ready: Vec<DataFrame>,
    /// Row groups encoded at once.
    at_once: usize,
}

impl<'w> ParquetOut<'w> {
    /// A file whose pages are compressed by `compression`.
    pub fn with(
        w: &'w mut (dyn Write + Send),
        schema: &Schema,
        compression: ParquetCompression,
    ) -> Result<ParquetOut<'w>> {
        Ok(ParquetOut {
            writer: ParquetWriter::new(w)
                .with_compression(compression)
                .batched(schema)
                .map_err(polars)?,
            pending: None,
            ready: Vec::new(),
            at_once: 2,
        })
    }

    /// The same file, its row groups encoded one at a time: less memory (the encoder holds a
    /// few times a row group's size), on one core.
    pub fn one_at_a_time(mut self) -> Self {
        self.at_once = 1;
        self
    }

    /// The next rows.
    pub fn push(&mut self, df: DataFrame) -> Result<()> {
        let mut df = match self.pending.take() {
            Some(mut p) => {
                p.vstack_mut_owned(df).map_err(polars)?;
                p
            }
            None => df,
        };
        while df.height() >= ROW_GROUP {
            self.group(df.slice(0, ROW_GROUP))?;
            df = df.slice(ROW_GROUP as i64, usize::MAX);
        }
        self.pending = (df.height() > 0).then_some(df);
        Ok(())
    }

    fn group(&mut self, mut df: DataFrame) -> Result<()> {
        df.rechunk_mut_par();
        self.ready.push(df);
        if self.ready.len() >= self.at_once {
            self.write_ready()?;
        }
        Ok(())
    }

    /// Encodes the ready row groups on both cores, then writes them in order.
    fn write_ready(&mut self) -> Result<()> {
        use rayon::prelude::*;
        let writer = &self.writer;
        let encoded: Vec<PolarsResult<Vec<_>>> = self
            .ready
            .par_iter()
            .map(|df| writer.encode_and_compress(df).collect())
            .collect();
        self.ready.clear();
        for groups in encoded {
            self.writer
                .write_row_groups(groups.map_err(polars)?)
                .map_err(polars)?;
        }
        Ok(())
    }

    /// The last row group and the footer.
    pub fn finish(mut self) -> Result<()> {
        if let Some(df) = self.pending.take() {
            self.group(df)?;
        }
        self.write_ready()?;
        self.writer.finish().map_err(polars)?;
        Ok(())
    }
}

/// A small table built for an output file (pairs, review), written as CSV or Parquet.
pub struct Sheet {
    pub names: Vec<String>,
    pub cols: Vec<SheetCol>,
}

pub enum SheetCol {
    Text(Vec<Option<String>>),
    /// Text from a fixed set of names (never NULL), written as [`SheetCol::Text`] would be.
    Label(Vec<&'static str>),
    Float(Vec<f64>),
    Int(Vec<u64>),
}

impl SheetCol {
    fn len(&self) -> usize {
        match self {
            SheetCol::Text(v) => v.len(),
            SheetCol::Label(v) => v.len(),
            SheetCol::Float(v) => v.len(),
            SheetCol::Int(v) => v.len(),
        }
    }
}

impl Sheet {
    pub fn rows(&self) -> usize {
        self.cols.first().map_or(0, SheetCol::len)
    }

    /// CSV with the input's delimiter and line end; NULL is an empty field, an empty string
    /// `""`, and a value equal to a `--null` marker (`nulls`) is quoted.
    pub fn write_csv(
        &self,
        w: &mut dyn Write,
        delimiter: u8,
        newline: &str,
        nulls: &[String],
    ) -> std::io::Result<()> {
        let d = [delimiter];
        for (i, n) in self.names.iter().enumerate() {
            if i > 0 {
                w.write_all(&d)?;
            }
            w.write_all(csv_field(n, delimiter, nulls).as_bytes())?;
        }
        w.write_all(newline.as_bytes())?;
        for r in 0..self.rows() {
            for (i, c) in self.cols.iter().enumerate() {
                if i > 0 {
                    w.write_all(&d)?;
                }
                match c {
                    SheetCol::Text(v) => {
                        if let Some(s) = &v[r] {
                            w.write_all(csv_field(s, delimiter, nulls).as_bytes())?;
                        }
                    }
                    SheetCol::Label(v) => {
                        w.write_all(csv_field(v[r], delimiter, nulls).as_bytes())?
                    }
                    SheetCol::Float(v) => w.write_all(float_text(v[r]).as_bytes())?,
                    SheetCol::Int(v) => w.write_all(v[r].to_string().as_bytes())?,
                }
            }
            w.write_all(newline.as_bytes())?;
        }
        Ok(())
    }

    pub fn frame(&self) -> Result<DataFrame> {
        let cols: Vec<Column> = self
            .names
            .iter()
            .zip(&self.cols)
            .map(|(n, c)| match c {
                SheetCol::Text(v) => Column::new(n.as_str().into(), v.clone()),
                SheetCol::Label(v) => Column::new(
                    n.as_str().into(),
                    v.iter().map(|s| Some(*s)).collect::<Vec<Option<&str>>>(),
                ),
                SheetCol::Float(v) => Column::new(n.as_str().into(), v.clone()),
                SheetCol::Int(v) => Column::new(n.as_str().into(), v.clone()),
            })
            .collect();
        DataFrame::new(self.rows(), cols).map_err(polars)
    }
}

/// A float with up to six decimals, trailing zeros cut (stable across platforms).
pub fn float_text(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parquet_file_written_in_pieces_is_the_one_written_at_once() {
        // two full row groups and a short one, the pieces cut elsewhere
        let n = ROW_GROUP * 2 + 1000;
        let mut df = df!(
            "id" => (0..n as i64).collect::<Vec<_>>(),
            "name" => (0..n).map(|i| (i % 7 != 0).then(|| format!("n{}", i % 1000))).collect::<Vec<_>>(),
        )
        .unwrap();
        let mut whole = Vec::new();
        write_parquet(&mut whole, &mut df).unwrap();
        let mut pieces = Vec::new();
        {
            let mut out =
                ParquetOut::with(&mut pieces, df.schema(), ParquetCompression::default()).unwrap();
            let mut at = 0;
            for len in [1, 99_999, ROW_GROUP, 7, n] {
                let len = len.min(n - at);
                out.push(df.slice(at as i64, len)).unwrap();
                at += len;
            }
            assert_eq!(at, n);
            out.finish().unwrap();
        }
        assert!(whole == pieces);
        let back = ParquetReader::new(std::io::Cursor::new(whole))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&df));
    }
}
