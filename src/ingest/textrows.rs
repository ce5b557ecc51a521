//! Tables exported in a server's own text format, one file a table:
//!
//! - PostgreSQL `COPY table TO 'file'` (`\copy`; text format): a row a line, tab between
//!   fields, `\N` for NULL, backslash escapes as in a `pg_dump` (decoded by
//!   [`super::pgdump::decode`]); the first line names the columns when the file was written
//!   `WITH (HEADER)`, else `--columns` does (`--format pg-copy`).
//! - MySQL/MariaDB `mysqldump --tab` (`SELECT … INTO OUTFILE`): `T.txt` beside `T.sql`, whose
//!   `CREATE TABLE` names the columns; tab between fields, a line feed between rows, and a
//!   backslash before a tab, line feed or backslash that belongs to a value (so a value's line
//!   break is a backslash then a real line break), `\0` for NUL, `\N` for NULL; the other
//!   escapes `LOAD DATA` reads (`\t`, `\n`, `\r`, `\b`, `\Z`) decoded as it does.
//!
//! The cleaned file is the export without the removed rows: it loads with `\copy … FROM` or
//! `LOAD DATA INFILE` as the original did. Own code for the reason `pgdump.rs` gives.

use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Location, Result};
use crate::model::{Compression, Format, Source, Table};
use crate::progress::Progress;

pub use crate::model::TextFlavor as Flavor;

/// The `CREATE TABLE` beside a `--tab` export (`T.txt` → `T.sql`), when there is one: the
/// columns it names.
pub fn mysql_tab_columns(path: &Path) -> Option<Vec<String>> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix(".txt")?;
    let sql = path.with_file_name(format!("{stem}.sql"));
    let text = std::fs::read(&sql).ok()?;
    if !text.windows(14).any(|w| w == b"CREATE TABLE `") {
        return None;
    }
    let tables = super::mysqldump::tables(&sql, &text).ok()?;
    let t = tables.into_iter().find(|t| t.name == stem)?;
    (!t.columns.is_empty()).then_some(t.columns)
}

/// One MySQL `--tab` row from `at`: its fields' raw bytes and where the next row starts.
fn mysql_row(data: &[u8], at: usize) -> (Vec<(usize, usize)>, usize, u64) {
    let mut fields = Vec::new();
    let mut start = at;
    let mut i = at;
    let mut breaks = 0;
    while i < data.len() {
        match data[i] {
            b'\\' if i + 1 < data.len() => {
                if data[i + 1] == b'\n' {
                    breaks += 1;
                }
                i += 2;
            }
            b'\t' => {
                fields.push((start, i));
                i += 1;
                start = i;
            }
            b'\n' => {
                fields.push((start, i));
                return (fields, i + 1, breaks + 1);
            }
            _ => i += 1,
        }
    }
    fields.push((start, i));
    (fields, data.len(), breaks)
}

/// Decodes a MySQL `--tab` field: `None` for `\N`.
fn mysql_decode(f: &[u8]) -> Option<Vec<u8>> {
    if f == b"\\N" {
        return None;
    }
    let mut out = Vec::with_capacity(f.len());
    let mut i = 0;
    while i < f.len() {
        if f[i] == b'\\' && i + 1 < f.len() {
            out.push(match f[i + 1] {
                b'0' => 0,
                b'b' => 0x08,
                b'n' => b'\n',
                b'r' => b'\r',
                b't' => b'\t',
                b'Z' => 0x1a,
                other => other,
            });
            i += 2;
        } else {
            out.push(f[i]);
            i += 1;
        }
    }
    Some(out)
}

/// A row as a MySQL `--tab` line: a backslash before a tab, line feed or backslash of a
/// value, `\0` for NUL, `\N` for NULL; its line feed at the end.
pub fn encode_mysql_tab(values: impl Iterator<Item = Option<impl AsRef<str>>>) -> String {
    let mut out = String::new();
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push('\t');
        }
        let Some(v) = v else {
            out.push_str("\\N");
            continue;
        };
        for c in v.as_ref().chars() {
            match c {
                '\\' | '\t' | '\n' => {
                    out.push('\\');
                    out.push(c);
                }
                '\0' => out.push_str("\\0"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
    out
}

/// Reads an export of `flavor` (`data`: the file decompressed) into a [`Table`] named
/// `name` (in `schema`); `columns`: the column names when the file does not give them.
#[allow(clippy::too_many_arguments)]
pub fn read(
    path: &Path,
    data: Vec<u8>,
    compression: Compression,
    source: Source,
    (name, schema): (String, Option<String>),
    flavor: Flavor,
    columns: Option<Vec<String>>,
    progress: &dyn Progress,
) -> Result<Table> {
    let mut at = 0;
    let mut line = 1u64;
    let columns = match columns {
        Some(c) => c,
        None if flavor == Flavor::PgCopy => {
            // the header line of COPY … WITH (HEADER)
            let end = memchr::memchr(b'\n', &data).unwrap_or(data.len());
            let head = data[..end].strip_suffix(b"\r").unwrap_or(&data[..end]);
            let names: Vec<String> = head
                .split(|&b| b == b'\t')
                .map(|f| {
                    super::pgdump::decode(f)
                        .and_then(|v| String::from_utf8(v.into_owned()).ok())
                        .unwrap_or_default()
                })
                .collect();
            // a data row is no header: a NULL, an empty or a multi-line value in it says so
            let data_like = head.split(|&b| b == b'\t').any(|f| f == b"\\N")
                || names
                    .iter()
                    .any(|n| n.is_empty() || n.chars().any(char::is_control));
            if head.is_empty() || data_like {
                return Err(Error::usage(format!(
                    "{}: a COPY file without a header line needs --columns",
                    path.display()
                ))
                .with_hint(
                    "--columns id,name,… in the table's column order, or export it WITH (HEADER)",
                ));
            }
            at = (end + 1).min(data.len());
            line = 2;
            names
        }
        None => {
            return Err(Error::Internal(
                "a --tab export's columns come from its CREATE TABLE".into(),
            ))
        }
    };
    let start = at;
    let ncols = columns.len();
    let rows = memchr::memchr_iter(b'\n', &data[at..]).count();
    let mut builders: Vec<StringChunkedBuilder> = columns
        .iter()
        .map(|c| StringChunkedBuilder::new(c.as_str().into(), rows))
        .collect();
    let mut places = super::RowPlaces::with_capacity(rows);
    progress.start_counting("reading", data.len() as u64, crate::progress::Unit::Bytes);
    let mut end = data.len();
    let mut fields: Vec<(usize, usize)> = Vec::new();
    while at < data.len() {
        let (next, spanned) = match flavor {
            Flavor::PgCopy => {
                let nl = memchr::memchr(b'\n', &data[at..]).map_or(data.len(), |n| at + n);
                let text_end = if nl > at && data[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                if &data[at..text_end] == b"\\." {
                    // COPY's end-of-data marker: nothing after it is a row
                    end = at;
                    break;
                }
                fields.clear();
                let mut s = at;
                for i in memchr::memchr_iter(b'\t', &data[at..text_end]) {
                    fields.push((s, at + i));
                    s = at + i + 1;
                }
                fields.push((s, text_end));
                ((nl + 1).min(data.len()), 1)
            }
            Flavor::MysqlTab => {
                let (f, next, spanned) = mysql_row(&data, at);
                fields = f;
                (next, spanned)
            }
        };
        let record = places.len() as u64 + 1;
        if fields.len() != ncols {
            return Err(Error::data(
                Location::file(path).line(line).record(record),
                format!(
                    "this row has {} fields, the table has {ncols} columns",
                    fields.len()
                ),
            ));
        }
        for (c, &(a, b)) in fields.iter().enumerate() {
            let value = match flavor {
                Flavor::PgCopy => super::pgdump::decode(&data[a..b]).map(|v| v.into_owned()),
                Flavor::MysqlTab => mysql_decode(&data[a..b]),
            };
            match value {
                None => builders[c].append_null(),
                Some(v) => match String::from_utf8(v) {
                    Ok(s) => builders[c].append_value(s),
                    Err(_) => {
                        return Err(Error::data(
                            Location::file(path)
                                .line(line)
                                .record(record)
                                .column(c, Some(&columns[c])),
                            "this value is not valid UTF-8",
                        ))
                    }
                },
            }
        }
        places.push(at, next, line);
        line += spanned;
        at = next;
    }
    progress.advance(data.len() as u64);
    progress.finish();
    // the rows' line end (CR LF for a COPY file written so; a --tab export's CR is data)
    let newline = match flavor {
        Flavor::PgCopy => places.line_end(&data),
        Flavor::MysqlTab => "\n",
    };
    let source = Source {
        format: Format::TextRows {
            flavor,
            compression,
            start: start as u64,
            end: end as u64,
            len: data.len() as u64,
        },
        ..source
    };
    super::text_table(
        path,
        (data, source),
        (name, schema),
        (columns, builders),
        (places, newline),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mysql_rows_keep_escaped_line_breaks_and_tabs() {
        let data = b"1\tline1\\\nline2\\\ttab\\\\back\n2\t\\N\n3\t\n";
        let (f, next, spanned) = mysql_row(data, 0);
        assert_eq!(f.len(), 2);
        assert_eq!(spanned, 2);
        assert_eq!(
            mysql_decode(&data[f[1].0..f[1].1]),
            Some(b"line1\nline2\ttab\\back".to_vec())
        );
        let (f, next, _) = mysql_row(data, next);
        assert_eq!(mysql_decode(&data[f[1].0..f[1].1]), None);
        let (f, _, _) = mysql_row(data, next);
        assert_eq!(mysql_decode(&data[f[1].0..f[1].1]), Some(Vec::new()));
        assert_eq!(
            encode_mysql_tab([Some("line1\nline2\ttab\\back\0"), None, Some("")].into_iter()),
            "line1\\\nline2\\\ttab\\\\back\\0\t\\N\t\n"
        );
    }
}
