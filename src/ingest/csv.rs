//! Reads a CSV dump into a [`Table`]: values as text (never coerced), NULL for an unquoted empty
//! field or a `--null` marker, `""` as an empty string; positions kept for errors and for
//! copying records byte for byte.

use std::borrow::Cow;
use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use super::sniff;
use super::tokenizer::{unescape, FieldSpan, RecordPos, TokenError, Tokenizer};
use crate::error::{Error, Location, Result};
use crate::model::{Compression, Format, RawCsv, Source, Table};
use crate::progress::Progress;

/// How to read a CSV file.
#[derive(Debug, Clone, Default)]
pub struct CsvOptions {
    /// `None`: detect among `, ; TAB |`.
    pub delimiter: Option<u8>,
    /// Unquoted values that mean NULL, besides the empty field (e.g. `\N`).
    pub null_markers: Vec<String>,
    /// What the file is (`--format`): recognised from its content, or said.
    pub format: InputFormat,
    /// The column names of a file without a header line (`--columns`).
    pub columns: Option<Vec<String>>,
}

/// `--format`: what an input file is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputFormat {
    /// Recognised from its content (and, for a `--tab` export, the `.sql` beside it).
    #[default]
    Auto,
    /// CSV, whatever its content looks like.
    Csv,
    /// PostgreSQL `COPY … TO` text format.
    PgCopy,
    /// MySQL `SELECT … INTO OUTFILE` / `mysqldump --tab` format (columns from `--columns` or
    /// the `.sql` beside it).
    MysqlTab,
}

pub(crate) fn decompress(path: &Path, bytes: Vec<u8>, compression: Compression) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let res = match compression {
        Compression::None => return Ok(bytes),
        Compression::Gzip => flate2::read::MultiGzDecoder::new(&bytes[..]).read_to_end(&mut out),
        Compression::Zstd => {
            zstd::stream::read::Decoder::new(&bytes[..]).and_then(|mut d| d.read_to_end(&mut out))
        }
    };
    res.map_err(|e| {
        Error::data(
            Location::file(path),
            format!("cannot decompress the {} data: {e}", compression.name()),
        )
        .with_hint("check that the file was copied whole")
    })?;
    Ok(out)
}

/// Reads `bytes` (the file as stored) as CSV. `name` is the table name.
pub fn read(
    path: &Path,
    bytes: Vec<u8>,
    source: Source,
    (name, schema): (String, Option<String>),
    opts: &CsvOptions,
    progress: &dyn Progress,
) -> Result<Table> {
    let compression = sniff::compression(&bytes);
    let data = decompress(path, bytes, compression)?;
    let (bom, body, delimiter) = prologue(path, &data, true, opts)?
        .ok_or_else(|| Error::Internal("the whole file could not be sniffed".into()))?;

    let mut tok = Tokenizer::at(&data, delimiter, body, 1);
    let mut fields: Vec<FieldSpan> = Vec::with_capacity(16);
    let (columns, header_end, newline) = header(path, &data, delimiter, &mut tok, &mut fields)?;
    let ncols = columns.len();

    // Sized from the records' line ends, so that no column grows by doubling: at the read's
    // peak that was up to twice its size.
    let rows = record_count_hint(&data[header_end.min(data.len())..]);
    let mut builders: Vec<StringChunkedBuilder> = columns
        .iter()
        .map(|c| StringChunkedBuilder::new(c.as_str().into(), rows))
        .collect();
    let mut starts = Vec::with_capacity(rows);
    let mut record_next = Vec::with_capacity(rows);
    let mut lines = Vec::with_capacity(rows);
    let total = data.len() as u64;
    progress.start_counting("reading", total, crate::progress::Unit::Bytes);
    let mut last_tick = 0usize;
    while let Some(rec) = tok
        .next_record(&mut fields)
        .map_err(|e| token_error(path, delimiter, e, Some(&columns)))?
    {
        if is_blank(&fields, ncols) {
            continue; // a blank line between records is not a record
        }
        let record_no = starts.len() as u64 + 1;
        check_record(path, &rec, fields.len(), ncols, record_no)?;
        for (i, f) in fields.iter().enumerate() {
            match field_value(path, &columns, opts, &data, &rec, record_no, i, f)? {
                Some(value) => builders[i].append_value(&*value),
                None => builders[i].append_null(),
            }
        }
        starts.push(rec.start);
        record_next.push(rec.next);
        lines.push(rec.line);
        if rec.next - last_tick > 1 << 20 {
            progress.advance((rec.next - last_tick) as u64);
            last_tick = rec.next;
        }
    }
    // the rest of the file (the count ends at the total)
    progress.advance(total.saturating_sub(last_tick as u64));
    progress.finish();

    let height = starts.len();
    let cols: Vec<Column> = builders
        .into_iter()
        .map(|b| b.finish().into_series().into_column())
        .collect();
    let df = DataFrame::new(height, cols).map_err(Error::Polars)?;
    starts.shrink_to_fit();
    record_next.shrink_to_fit();
    lines.shrink_to_fit();
    // a file's records are read again when the tables are written; a pipe's are held
    let head = data[..header_end].to_vec();
    let data = (!is_file(path)).then_some(data);
    let source = Source {
        format: Format::Csv {
            delimiter,
            compression,
            bom,
        },
        ..source
    };
    Ok(Table {
        name,
        source,
        columns,
        df,
        raw: Some(RawCsv {
            head,
            data,
            starts,
            record_next,
            lines,
            newline,
        }),
        subset: None,
        schema,
    })
}

/// About how many records `data` holds, to size the columns: its line feeds outside quoted
/// fields (by the parity of the quotes before them: a doubled quote inside a field counts
/// twice), and a last line without one. Blank lines make it a little high; a stray quote in an
/// unquoted field can make it low or high, never above the line count. Only a size hint:
/// the columns still grow past it.
fn record_count_hint(data: &[u8]) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for i in memchr::memchr2_iter(b'"', b'\n', data) {
        if data[i] == b'"' {
            quoted = !quoted;
        } else if !quoted {
            n += 1;
        }
    }
    n + usize::from(data.last().is_some_and(|&b| b != b'\n'))
}

/// True when `path` is a regular file, which can be read again (not a pipe or a device).
pub(crate) fn is_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

/// Checks the start of a CSV file (not UTF-16, not empty) and works out its byte order mark,
/// where the header starts and the delimiter. `data`: the file's first bytes, all of them when
/// `whole`; `None` when more are needed to decide.
pub(crate) fn prologue(
    path: &Path,
    data: &[u8],
    whole: bool,
    opts: &CsvOptions,
) -> Result<Option<(bool, usize, u8)>> {
    let here = || Location::file(path);
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        return Err(
            Error::data(here(), "the file is UTF-16; dupsweep reads UTF-8").with_hint(format!(
                "convert it first: iconv -f UTF-16 -t UTF-8 {} > converted.csv",
                path.display()
            )),
        );
    }
    let bom = data.starts_with(&[0xEF, 0xBB, 0xBF]);
    let body = if bom { 3 } else { 0 };
    if data.len() < 3 && !whole {
        return Ok(None);
    }
    if data[body.min(data.len())..]
        .iter()
        .all(|b| matches!(b, b'\n' | b'\r'))
    {
        if !whole {
            return Ok(None);
        }
        return Err(Error::data(
            here(),
            "the file is empty: a CSV dump needs a header row naming the columns",
        ));
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => match sniff::delimiter_of_prefix(&data[body..], whole) {
            Some(d) => d,
            None => return Ok(None),
        },
    };
    Ok(Some((bom, body, delimiter)))
}

/// The error for a malformed record.
pub(crate) fn token_error(
    path: &Path,
    delimiter: u8,
    e: TokenError,
    header: Option<&[String]>,
) -> Error {
    let named = |field: usize| header.and_then(|h| h.get(field)).map(String::as_str);
    let here = || Location::file(path);
    match e {
        TokenError::UnclosedQuote { line, field } => Error::data(
            here().line(line).column(field, named(field)),
            "a quoted field is never closed (unbalanced quote)",
        )
        .with_hint("a quote inside a quoted field must be doubled: \"say \"\"hi\"\"\""),
        TokenError::AfterQuote { line, field, byte } => Error::data(
            here().line(line).column(field, named(field)),
            format!(
                "unexpected {} after the closing quote of a field",
                describe_byte(byte)
            ),
        )
        .with_hint(format!(
            "a field that starts with a quote must end with a quote followed by the delimiter {} or a line end",
            describe_byte(delimiter)
        )),
    }
}

/// Reads the header record at the tokenizer's position: the column names (checked: UTF-8, not
/// empty, no repeats), where the data records start, and the header's line end.
pub(crate) fn header(
    path: &Path,
    data: &[u8],
    delimiter: u8,
    tok: &mut Tokenizer<'_>,
    fields: &mut Vec<FieldSpan>,
) -> Result<(Vec<String>, usize, &'static str)> {
    let here = || Location::file(path);
    let head = tok
        .next_record(fields)
        .map_err(|e| token_error(path, delimiter, e, None))?
        .ok_or_else(|| Error::data(here(), "the file is empty"))?;
    let newline = if data.get(head.end) == Some(&b'\r') {
        "\r\n"
    } else {
        "\n"
    };
    let mut columns = Vec::with_capacity(fields.len());
    let mut seen = HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let raw = unescape(data, f);
        let name = std::str::from_utf8(&raw).map_err(|e| {
            Error::data(
                here().line(1).column(i, None),
                format!("the column name is not valid UTF-8 ({e})"),
            )
        })?;
        if name.is_empty() {
            return Err(Error::data(
                here().line(1).column(i, None),
                "the header has an empty column name",
            )
            .with_hint("every column needs a name in the header row"));
        }
        if !seen.insert(name.to_owned()) {
            return Err(Error::data(
                here().line(1).column(i, Some(name)),
                "this column name appears twice in the header",
            ));
        }
        columns.push(name.to_owned());
    }
    Ok((columns, head.next, newline))
}

/// True for a blank line between records (not a record).
pub(crate) fn is_blank(fields: &[FieldSpan], ncols: usize) -> bool {
    fields.len() == 1 && !fields[0].quoted && fields[0].start == fields[0].end && ncols > 1
}

/// Checks a record's field count (and the record limit).
pub(crate) fn check_record(
    path: &Path,
    rec: &RecordPos,
    nfields: usize,
    ncols: usize,
    record_no: u64,
) -> Result<()> {
    let here = || Location::file(path);
    if nfields != ncols {
        return Err(Error::data(
            here().line(rec.line).record(record_no),
            format!(
                "this record has {} field{}, the header has {}",
                nfields,
                if nfields == 1 { "" } else { "s" },
                ncols
            ),
        )
        .with_hint(
            "a ragged row: check for a missing or extra delimiter, or a value that needs quotes",
        ));
    }
    if record_no > u32::MAX as u64 {
        return Err(Error::data(
            here().line(rec.line),
            "more than 4294967295 records: split the dump",
        ));
    }
    Ok(())
}

/// A field's value: `None` for NULL (an unquoted empty field or a `--null` marker), else its
/// text, checked to be UTF-8.
#[allow(clippy::too_many_arguments)]
pub(crate) fn field_value<'d>(
    path: &Path,
    columns: &[String],
    opts: &CsvOptions,
    data: &'d [u8],
    rec: &RecordPos,
    record_no: u64,
    i: usize,
    f: &FieldSpan,
) -> Result<Option<Cow<'d, str>>> {
    let raw = unescape(data, f);
    let checked = match raw {
        Cow::Borrowed(b) => std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|e| (e, b.to_vec())),
        Cow::Owned(b) => String::from_utf8(b)
            .map(Cow::Owned)
            .map_err(|e| (e.utf8_error(), e.into_bytes())),
    };
    let value = match checked {
        Ok(v) => v,
        Err((e, raw)) => {
            let bad = raw.get(e.valid_up_to()).copied().unwrap_or(0);
            let line =
                rec.line + memchr::memchr_iter(b'\n', &data[rec.start..f.start]).count() as u64;
            return Err(Error::data(
                Location::file(path)
                    .line(line)
                    .record(record_no)
                    .column(i, Some(&columns[i])),
                format!(
                    "the value is not valid UTF-8 (byte 0x{bad:02X} after \"{}\")",
                    String::from_utf8_lossy(&raw[..e.valid_up_to()])
                ),
            )
            .with_hint(format!(
                "dupsweep reads UTF-8; convert the dump first, e.g. iconv -f LATIN1 -t UTF-8 {} > converted.csv",
                path.display()
            )));
        }
    };
    let is_null = !f.quoted && (value.is_empty() || opts.null_markers.iter().any(|m| m == &*value));
    Ok(if is_null { None } else { Some(value) })
}

/// A byte as users would name it in a message.
pub fn describe_byte(b: u8) -> String {
    match b {
        b'\t' => "TAB".into(),
        b'\r' => "carriage return".into(),
        b'\n' => "line feed".into(),
        b' ' => "space".into(),
        0x21..=0x7e => format!("'{}'", b as char),
        _ => format!("byte 0x{b:02X}"),
    }
}

#[cfg(test)]
mod tests {
    use super::record_count_hint;

    #[test]
    fn the_record_count_hint_skips_line_ends_inside_quotes() {
        assert_eq!(record_count_hint(b""), 0);
        assert_eq!(record_count_hint(b"1,a\n2,b\n"), 2);
        assert_eq!(record_count_hint(b"1,a\r\n2,b"), 2);
        // a quoted field over three lines, a doubled quote inside it
        assert_eq!(record_count_hint(b"1,\"x\ny \"\"z\"\"\nw\"\n2,b\n"), 2);
        // a blank line counts (a size hint may be a little high)
        assert_eq!(record_count_hint(b"1,a\n\n2,b\n"), 3);
    }
}
