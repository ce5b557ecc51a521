//! Reads a CSV dump into a [`Table`]: values as text (never coerced), NULL for an unquoted empty
//! field or a `--null` marker, `""` as an empty string; positions kept for errors and for
//! copying records byte for byte.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;

use polars::prelude::*;

use super::sniff;
use super::tokenizer::{unescape, FieldSpan, TokenError, Tokenizer};
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
}

fn decompress(path: &Path, bytes: Vec<u8>, compression: Compression) -> Result<Vec<u8>> {
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
    name: String,
    opts: &CsvOptions,
    progress: &dyn Progress,
) -> Result<Table> {
    let compression = sniff::compression(&bytes);
    let data = decompress(path, bytes, compression)?;
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
    if data[body..].iter().all(|b| matches!(b, b'\n' | b'\r')) {
        return Err(Error::data(
            here(),
            "the file is empty: a CSV dump needs a header row naming the columns",
        ));
    }
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => sniff::delimiter(&data[body..]),
    };

    let mut tok = Tokenizer::at(&data, delimiter, body, 1);
    let mut fields: Vec<FieldSpan> = Vec::with_capacity(16);
    let token_error = |e: TokenError, header: Option<&[String]>| -> Error {
        let named = |field: usize| header.and_then(|h| h.get(field)).map(String::as_str);
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
    };

    // Header.
    let head = tok
        .next_record(&mut fields)
        .map_err(|e| token_error(e, None))?
        .ok_or_else(|| Error::data(here(), "the file is empty"))?;
    let newline = if data.get(head.end) == Some(&b'\r') {
        "\r\n"
    } else {
        "\n"
    };
    let mut columns = Vec::with_capacity(fields.len());
    let mut seen = HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let raw = unescape(&data, f);
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
    let ncols = columns.len();
    let header_end = head.next;

    let mut builders: Vec<StringChunkedBuilder> = columns
        .iter()
        .map(|c| StringChunkedBuilder::new(c.as_str().into(), 1024))
        .collect();
    let mut records = Vec::new();
    let mut record_next = Vec::new();
    let mut lines = Vec::new();
    let total = data.len() as u64;
    progress.start("reading", Some(total));
    let mut last_tick = 0usize;
    while let Some(rec) = tok
        .next_record(&mut fields)
        .map_err(|e| token_error(e, Some(&columns)))?
    {
        if fields.len() == 1 && !fields[0].quoted && fields[0].start == fields[0].end && ncols > 1 {
            continue; // a blank line between records is not a record
        }
        let record_no = records.len() as u64 + 1;
        if fields.len() != ncols {
            return Err(Error::data(
                here().line(rec.line).record(record_no),
                format!(
                    "this record has {} field{}, the header has {}",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" },
                    ncols
                ),
            )
            .with_hint(
                "a ragged row: check for a missing or extra delimiter, or a value that needs quotes",
            ));
        }
        if records.len() >= u32::MAX as usize {
            return Err(Error::data(
                here().line(rec.line),
                "more than 4294967295 records: split the dump",
            ));
        }
        for (i, f) in fields.iter().enumerate() {
            let raw = unescape(&data, f);
            let value = std::str::from_utf8(&raw).map_err(|e| {
                let bad = raw.get(e.valid_up_to()).copied().unwrap_or(0);
                let line = rec.line
                    + memchr::memchr_iter(b'\n', &data[rec.start..f.start]).count() as u64;
                Error::data(
                    here().line(line).record(record_no).column(i, Some(&columns[i])),
                    format!(
                        "the value is not valid UTF-8 (byte 0x{bad:02X} after \"{}\")",
                        String::from_utf8_lossy(&raw[..e.valid_up_to()])
                    ),
                )
                .with_hint(format!(
                    "dupsweep reads UTF-8; convert the dump first, e.g. iconv -f LATIN1 -t UTF-8 {} > converted.csv",
                    path.display()
                ))
            })?;
            let is_null =
                !f.quoted && (value.is_empty() || opts.null_markers.iter().any(|m| m == value));
            if is_null {
                builders[i].append_null();
            } else {
                builders[i].append_value(value);
            }
        }
        records.push((rec.start, rec.end));
        record_next.push(rec.next);
        lines.push(rec.line);
        if rec.next - last_tick > 1 << 20 {
            progress.advance((rec.next - last_tick) as u64);
            last_tick = rec.next;
        }
    }
    progress.finish();

    let height = records.len();
    let cols: Vec<Column> = builders
        .into_iter()
        .map(|b| b.finish().into_series().into_column())
        .collect();
    let df = DataFrame::new(height, cols).map_err(|e| Error::Internal(e.to_string()))?;
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
            data,
            header_end,
            records,
            record_next,
            lines,
            newline,
        }),
    })
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
