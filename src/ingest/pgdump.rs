//! PostgreSQL plain-format dumps (`pg_dump`, `pg_dump --data-only`, `pg_dumpall`): the table
//! data is in `COPY schema.table (columns) FROM stdin;` blocks, one line per row in COPY's text
//! format (tab between fields, `\N` for NULL, backslash escapes), ended by a `\.` line.
//!
//! Own code, not a crate: the crates that read dumps (`libpgdump`, `pgdumpx`) read the custom,
//! directory and tar formats, not the plain SQL one, and hand a row back as its raw text-format
//! line, which still needs the decoding below; the decoding is the one COPY's documentation
//! gives ("File Formats", text format), tested here against `psql`'s own output by the replay
//! tests (`tests/it/pgdump.rs`), which load real `pg_dump` files.
//!
//! A record's bytes are its line, so the cleaned dump is the input with the removed records'
//! lines left out (byte for byte otherwise: it loads with `psql` as the original did).

use std::path::Path;

use polars::prelude::*;

use crate::error::{unknown_hint, Error, Location, Result};
use crate::model::{Compression, Format, Source, Table};
use crate::progress::Progress;

/// One `COPY … FROM stdin;` block of a dump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyBlock {
    /// The schema, when the statement names one (`pg_dump` always does).
    pub schema: Option<String>,
    pub name: String,
    pub columns: Vec<String>,
    /// The 1-based line of the `COPY` statement.
    pub line: u64,
    /// Where the first row starts (the line after the statement).
    pub start: usize,
    /// Where the `\.` line starts: the rows are `start..end`.
    pub end: usize,
}

impl CopyBlock {
    /// The table as the dump names it: `schema.name`, each part quoted only when it must be.
    pub fn qualified(&self) -> String {
        match &self.schema {
            Some(s) => format!("{}.{}", show_ident(s), show_ident(&self.name)),
            None => show_ident(&self.name),
        }
    }
}

/// An identifier as PostgreSQL would print it: bare when it is lowercase letters, digits and
/// underscores (not starting with a digit), else double-quoted.
fn show_ident(s: &str) -> String {
    let bare = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare {
        s.to_owned()
    } else {
        format!("\"{}\"", s.replace('"', "\"\""))
    }
}

/// Reads identifiers from `s`: a bare one (up to a space, `.`, `(`, `,` or `)`) or a
/// double-quoted one (`""` inside for a quote); returns it and the rest.
pub(crate) fn ident(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.char_indices();
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if rest[i + 1..].starts_with('"') {
                    out.push('"');
                    chars.next();
                } else {
                    return Some((out, &rest[i + 1..]));
                }
            } else {
                out.push(c);
            }
        }
        None
    } else {
        let end = s
            .find(|c: char| c.is_whitespace() || matches!(c, '.' | '(' | ',' | ')' | ';'))
            .unwrap_or(s.len());
        (end > 0).then(|| (s[..end].to_owned(), &s[end..]))
    }
}

/// Reads `[schema.]name` from `s`; returns (schema, name) and the rest.
fn qualified(s: &str) -> Option<((Option<String>, String), &str)> {
    let (first, rest) = ident(s)?;
    match rest.strip_prefix('.') {
        Some(r) => {
            let (second, r) = ident(r)?;
            Some(((Some(first), second), r))
        }
        None => Some(((None, first), rest)),
    }
}

/// Reads `(a, b, …)` from `s`; returns the names and the rest.
fn ident_list(s: &str) -> Option<(Vec<String>, &str)> {
    let mut rest = s.trim_start().strip_prefix('(')?;
    let mut out = Vec::new();
    loop {
        let (c, r) = ident(rest)?;
        out.push(c);
        let r = r.trim_start();
        match r.strip_prefix(',') {
            Some(r) => rest = r,
            None => return Some((out, r.strip_prefix(')')?)),
        }
    }
}

/// A constraint a dump declares on a table (`ALTER TABLE ONLY … ADD CONSTRAINT …`, which
/// pg_dump writes after the rows): its primary key, or a foreign key to another table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    PrimaryKey {
        table: (Option<String>, String),
        columns: Vec<String>,
    },
    ForeignKey {
        table: (Option<String>, String),
        columns: Vec<String>,
        parent: (Option<String>, String),
        parent_columns: Vec<String>,
    },
}

/// Every primary and foreign key the dump declares, in file order.
pub fn declared(data: &[u8]) -> Vec<Declared> {
    let text = String::from_utf8_lossy(data);
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("ALTER TABLE ") else {
            continue;
        };
        // the statement, over its lines up to the `;`
        let mut stmt = rest.to_owned();
        while !stmt.trim_end().ends_with(';') {
            match lines.next() {
                Some(l) => {
                    stmt.push(' ');
                    stmt.push_str(l.trim());
                }
                None => break,
            }
        }
        let stmt = stmt.trim_start();
        let stmt = stmt.strip_prefix("ONLY ").unwrap_or(stmt);
        let Some((table, rest)) = qualified(stmt) else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix("ADD CONSTRAINT ") else {
            continue;
        };
        let Some((_, rest)) = ident(rest) else {
            continue;
        };
        let rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("PRIMARY KEY") {
            if let Some((columns, _)) = ident_list(r) {
                out.push(Declared::PrimaryKey { table, columns });
            }
        } else if let Some(r) = rest.strip_prefix("FOREIGN KEY") {
            let Some((columns, r)) = ident_list(r) else {
                continue;
            };
            let Some(r) = r.trim_start().strip_prefix("REFERENCES ") else {
                continue;
            };
            let Some((parent, r)) = qualified(r) else {
                continue;
            };
            if let Some((parent_columns, _)) = ident_list(r) {
                out.push(Declared::ForeignKey {
                    table,
                    columns,
                    parent,
                    parent_columns,
                });
            }
        }
    }
    out
}

/// Parses `COPY [schema.]table (col, …) FROM stdin;` (the line without its line end).
/// The block a line of the dump opens (`text`, without its line end, on line `line` of the
/// file; its rows from `start`): `None` for a line that is not a `COPY … FROM stdin;`
/// statement, an error naming the line for one that cannot be read.
fn copy_block(path: &Path, text: &[u8], line: u64, start: usize) -> Result<Option<CopyBlock>> {
    if !(text.starts_with(b"COPY ") && text.ends_with(b"FROM stdin;")) {
        return Ok(None);
    }
    let Some((schema, name, columns)) = std::str::from_utf8(text).ok().and_then(copy_statement)
    else {
        return Err(Error::data(
            Location::file(path).line(line),
            "this COPY statement could not be read: dupsweep reads `COPY table (column, …) FROM stdin;` as pg_dump writes it",
        ));
    };
    Ok(Some(CopyBlock {
        schema,
        name,
        columns,
        line,
        start,
        end: start,
    }))
}

fn copy_statement(line: &str) -> Option<(Option<String>, String, Vec<String>)> {
    let ((schema, name), rest) = qualified(line.strip_prefix("COPY ")?)?;
    let (columns, rest) = ident_list(rest)?;
    (rest.trim() == "FROM stdin;").then_some((schema, name, columns))
}

/// The dump's COPY blocks and declared keys, in one pass over it (decompressed as it is
/// read): only the statements outside the blocks are held, not the rows.
pub fn scan(path: &Path, compression: Compression) -> Result<(Vec<CopyBlock>, Vec<Declared>)> {
    use std::io::BufRead;
    let err = |e| Error::io(path, "cannot read the input", e);
    let (mut input, _, _) = super::dump_stream(path, compression)?;
    let (mut blocks, mut outside) = (Vec::new(), Vec::new());
    let mut buf = Vec::new();
    let (mut at, mut line_no, mut open) = (0usize, 0u64, false);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(err)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if open {
            if text == b"\\." {
                if let Some(b) = blocks.last_mut() {
                    let b: &mut CopyBlock = b;
                    b.end = at;
                }
                open = false;
            }
        } else if let Some(block) = copy_block(path, text, line_no, at + n)? {
            blocks.push(block);
            open = true;
        } else {
            outside.extend_from_slice(&buf);
        }
        at += n;
    }
    if let Some(b) = blocks.last().filter(|_| open) {
        return Err(Error::data(
            Location::file(path).line(b.line),
            format!(
                "the rows of {} never end: the file ends before the `\\.` line that closes them",
                b.name
            ),
        )
        .with_hint("the dump is cut short: dump the database again"));
    }
    Ok((blocks, declared(&outside)))
}

/// Which block `--table` names: `schema.name` exactly, or a name alone when one schema has it;
/// with no `--table`, the only block.
pub fn pick<'b>(
    path: &Path,
    blocks: &'b [CopyBlock],
    given: Option<&str>,
) -> Result<&'b CopyBlock> {
    let here = || Location::file(path);
    let names: Vec<String> = blocks.iter().map(CopyBlock::qualified).collect();
    let listed = || {
        let mut shown: Vec<&str> = names.iter().map(String::as_str).take(10).collect();
        if names.len() > 10 {
            shown.push("…");
        }
        shown.join(", ")
    };
    let Some(given) = given else {
        return match blocks {
            [one] => Ok(one),
            [] => Err(Error::data(
                here(),
                "this PostgreSQL dump holds no table data (no `COPY … FROM stdin;` block)",
            )
            .with_hint("dupsweep reads the data pg_dump writes by default; a dump made with --inserts or --schema-only has none it can read")),
            _ => Err(Error::usage(format!(
                "this PostgreSQL dump holds {} tables ({}): say which one to clean",
                blocks.len(),
                listed()
            ))
            .with_hint(format!("--table {}", names[0]))),
        };
    };
    let wanted = match ident(given) {
        Some((first, rest)) if rest.starts_with('.') => {
            ident(&rest[1..]).map(|(second, r)| (Some(first), second, r))
        }
        Some((first, rest)) => Some((None, first, rest)),
        None => None,
    };
    let found: Vec<&CopyBlock> = match &wanted {
        Some((schema, name, rest)) if rest.trim().is_empty() => blocks
            .iter()
            .filter(|b| &b.name == name && (schema.is_none() || *schema == b.schema))
            .collect(),
        _ => Vec::new(),
    };
    match found[..] {
        [one] => Ok(one),
        [] => {
            // a name alone is compared with the names alone
            let known: Vec<String> = match &wanted {
                Some((None, ..)) => blocks.iter().map(|b| show_ident(&b.name)).collect(),
                _ => names.clone(),
            };
            Err(Error::usage(format!(
                "the dump has no data for a table {given}; its tables: {}",
                listed()
            ))
            .with_hint(unknown_hint(given, &known, "tables")))
        }
        _ => Err(Error::usage(format!(
            "{given} names a table in several schemas: {}",
            found
                .iter()
                .map(|b| b.qualified())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(format!(
            "name it with its schema: --table {}",
            found[0].qualified()
        ))),
    }
}

/// Decodes one field of COPY's text format: `None` for `\N`; `\b \f \n \r \t \v`, an octal
/// `\ooo` (1–3 digits), a hexadecimal `\xhh` (1–2 digits), and a backslash before any other
/// byte (that byte: `\\` is a backslash).
pub fn decode(field: &[u8]) -> Option<std::borrow::Cow<'_, [u8]>> {
    if field == b"\\N" {
        return None;
    }
    if memchr::memchr(b'\\', field).is_none() {
        return Some(std::borrow::Cow::Borrowed(field));
    }
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let b = field[i];
        i += 1;
        if b != b'\\' || i == field.len() {
            out.push(b);
            continue;
        }
        let c = field[i];
        i += 1;
        match c {
            b'b' => out.push(0x08),
            b'f' => out.push(0x0c),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(0x0b),
            b'0'..=b'7' => {
                let mut v = u32::from(c - b'0');
                for _ in 0..2 {
                    match field.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(v as u8);
            }
            b'x' if field.get(i).is_some_and(u8::is_ascii_hexdigit) => {
                let mut v = 0u8;
                for _ in 0..2 {
                    match field.get(i).and_then(|d| (*d as char).to_digit(16)) {
                        Some(d) => {
                            v = v * 16 + d as u8;
                            i += 1;
                        }
                        None => break,
                    }
                }
                out.push(v);
            }
            other => out.push(other),
        }
    }
    Some(std::borrow::Cow::Owned(out))
}

/// A row's line in COPY's text format, as the server writes it (`\N` for NULL; a backslash,
/// tab, line feed, carriage return, backspace, form feed and vertical tab escaped), with its
/// line end: the inverse of [`decode`].
pub fn encode_line(values: impl Iterator<Item = Option<impl AsRef<str>>>) -> String {
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
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '\u{b}' => out.push_str("\\v"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
    out
}

/// The encoding a `SET client_encoding = '…';` line sets, if `line` is one.
fn encoding_of(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(b"SET client_encoding = '")?;
    let end = memchr::memchr(b'\'', rest)?;
    Some(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// A COPY block's rows decoded into columns as they are read.
struct Rows<'a> {
    path: &'a Path,
    block: CopyBlock,
    builders: Vec<StringChunkedBuilder>,
    places: super::RowPlaces,
    /// The first row's line end is CR LF (a dump saved on Windows).
    crlf: bool,
}

impl Rows<'_> {
    /// One row: its line's text (without line end) at `at`, the next line's start, its line.
    fn push(&mut self, text: &[u8], (at, next, line): (usize, usize, u64)) -> Result<()> {
        let ncols = self.block.columns.len();
        let record = self.places.len() as u64 + 1;
        let path = self.path;
        let columns = &self.block.columns;
        let here = |c: Option<usize>| {
            let l = Location::file(path).line(line).record(record);
            match c {
                Some(c) => l.column(c, Some(&columns[c])),
                None => l,
            }
        };
        let n = memchr::memchr_iter(b'\t', text).count() + 1;
        if n != ncols {
            return Err(Error::data(
                here(None),
                format!(
                    "this row of {} has {n} fields, its COPY statement (line {}) names {ncols} columns",
                    self.block.qualified(),
                    self.block.line
                ),
            ));
        }
        for (c, f) in text.split(|&b| b == b'\t').enumerate() {
            match decode(f) {
                None => self.builders[c].append_null(),
                Some(v) => match std::str::from_utf8(&v) {
                    Ok(s) => self.builders[c].append_value(s),
                    Err(_) => {
                        return Err(Error::data(here(Some(c)), "this value is not valid UTF-8")
                            .with_hint("dump the database again with --encoding=UTF8"))
                    }
                },
            }
        }
        self.places.push(at, next, line);
        Ok(())
    }
}

/// Reads the tables `given` (each a name, or none: the dump's only table) in one pass over
/// the dump (decompressed as it is read): only those tables' values are held, whatever the
/// dump's size, and a whole dump's tables read from one file cost one read of it.
pub fn read_many(
    path: &Path,
    compression: Compression,
    source: Source,
    given: &[Option<&str>],
    progress: &dyn Progress,
) -> Result<Vec<Table>> {
    use std::io::BufRead;
    let (mut input, read, stored) = super::dump_stream(path, compression)?;
    progress.start_counting("reading", stored, crate::progress::Unit::Bytes);
    let mut ticked = 0u64;
    let mut blocks: Vec<CopyBlock> = Vec::new();
    // per table asked: its block's rows, once its block is found
    let mut rows: Vec<Option<Rows<'_>>> = given.iter().map(|_| None).collect();
    let mut enc: Option<String> = None;
    let mut buf = Vec::new();
    let (mut at, mut line_no) = (0usize, 0u64);
    // the block being read: its index in `blocks`, and which table asked (if one did)
    let mut open: Option<(usize, Option<usize>)> = None;
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(|e| {
            Error::data(
                Location::file(path),
                format!("cannot read the dump (decompressed): {e}"),
            )
            .with_hint("check that the file was copied whole")
        })?;
        if n == 0 {
            break;
        }
        let next = at + n;
        line_no += 1;
        let text = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        match open {
            Some((k, wanted)) => {
                if text == b"\\." {
                    blocks[k].end = at;
                    open = None;
                } else if let Some(r) = wanted.and_then(|t| rows[t].as_mut()) {
                    if r.places.len() == 0 {
                        r.crlf = buf.ends_with(b"\r\n");
                    }
                    r.push(text, (at, next, line_no))?;
                }
            }
            None => {
                // the encoding the dump sets (before the tables' blocks)
                if let Some(e) = encoding_of(text) {
                    enc = Some(e);
                }
                if let Some(block) = copy_block(path, text, line_no, next)? {
                    // a table's rows: the first block its name names (or the first of all)
                    let wanted = (0..given.len()).find(|&t| {
                        rows[t].is_none()
                            && match given[t] {
                                Some(g) => {
                                    pick(path, std::slice::from_ref(&block), Some(g)).is_ok()
                                }
                                None => true,
                            }
                    });
                    if let Some(t) = wanted {
                        if let Some(e) = enc.as_deref() {
                            if !e.eq_ignore_ascii_case("UTF8")
                                && !e.eq_ignore_ascii_case("SQL_ASCII")
                            {
                                return Err(Error::data(
                                    Location::file(path),
                                    format!(
                                        "the dump is in the {e} encoding; dupsweep reads UTF-8"
                                    ),
                                )
                                .with_hint("dump it again with --encoding=UTF8"));
                            }
                        }
                        let builders = block
                            .columns
                            .iter()
                            .map(|c| StringChunkedBuilder::new(c.as_str().into(), 1024))
                            .collect();
                        rows[t] = Some(Rows {
                            path,
                            block: block.clone(),
                            builders,
                            places: super::RowPlaces::default(),
                            crlf: false,
                        });
                    }
                    blocks.push(block);
                    open = Some((blocks.len() - 1, wanted));
                }
            }
        }
        at = next;
        if read.get() - ticked > 1 << 20 {
            progress.advance(read.get() - ticked);
            ticked = read.get();
        }
    }
    progress.advance(read.get().saturating_sub(ticked));
    progress.finish();
    if let Some((k, _)) = open {
        return Err(Error::data(
            Location::file(path).line(blocks[k].line),
            format!(
                "the rows of {} never end: the file ends before the `\\.` line that closes them",
                blocks[k].name
            ),
        )
        .with_hint("the dump is cut short: dump the database again"));
    }
    // each table the dump's blocks, all seen now, say it is (or why none is)
    let mut out = Vec::with_capacity(given.len());
    for (t, rows) in rows.into_iter().enumerate() {
        let chosen = pick(path, &blocks, given[t])?.clone();
        let Some(rows) = rows.filter(|r| r.block.start == chosen.start) else {
            return Err(Error::Internal(
                "the dump's table was not the one read".into(),
            ));
        };
        let Rows {
            block,
            builders,
            places,
            crlf,
            ..
        } = rows;
        let block = CopyBlock {
            end: chosen.end,
            ..block
        };
        // the block's line end, for rows written anew
        let newline = if crlf { "\r\n" } else { "\n" };
        let source = Source {
            format: Format::PgDump {
                compression,
                table: block.qualified(),
                start: block.start as u64,
                end: block.end as u64,
                len: at as u64,
            },
            ..source.clone()
        };
        let schema = block.schema.clone().filter(|s| s != "public");
        out.push(super::text_table(
            path,
            (Vec::new(), source),
            (block.name.clone(), schema),
            (block.columns.clone(), builders),
            (places, newline),
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_statements_as_pg_dump_writes_them() {
        assert_eq!(
            copy_statement(
                "COPY public.students (id, first_name, \"Last \"\"Name\"\"\") FROM stdin;"
            ),
            Some((
                Some("public".into()),
                "students".into(),
                vec!["id".into(), "first_name".into(), "Last \"Name\"".into()]
            ))
        );
        assert_eq!(
            copy_statement("COPY \"My.Schema\".\"T\" (a) FROM stdin;"),
            Some((Some("My.Schema".into()), "T".into(), vec!["a".into()]))
        );
        assert_eq!(
            copy_statement("COPY t (a, b) FROM stdin;"),
            Some((None, "t".into(), vec!["a".into(), "b".into()]))
        );
        assert_eq!(copy_statement("COPY t FROM stdin;"), None);
        assert_eq!(copy_statement("COPY t (a) TO stdout;"), None);
    }

    #[test]
    fn text_format_escapes_decode_as_copy_documents_them() {
        let d = |s: &[u8]| decode(s).map(|c| c.into_owned());
        assert_eq!(d(b"\\N"), None);
        assert_eq!(d(b""), Some(b"".to_vec()));
        assert_eq!(d(b"\\\\N"), Some(b"\\N".to_vec()));
        assert_eq!(d(b"a\\tb\\nc\\rd\\\\e"), Some(b"a\tb\nc\rd\\e".to_vec()));
        assert_eq!(d(b"\\b\\f\\v"), Some(vec![8, 12, 11]));
        assert_eq!(d(b"\\101\\7\\0619"), Some(b"A\x0719".to_vec()));
        assert_eq!(d(b"\\x41\\x4g\\xz"), Some(b"A\x04gxz".to_vec()));
        assert_eq!(d(b"\\.x\\q"), Some(b".xq".to_vec()));
        assert_eq!(d(b"end\\"), Some(b"end\\".to_vec()));
    }

    #[test]
    fn encoding_a_line_is_decoding_it_backwards() {
        let values = [
            Some("a\tb\nc\rd\\e\u{8}\u{c}\u{b}"),
            None,
            Some(""),
            Some("\\N"),
            Some("\\."),
            Some("Zoë"),
        ];
        let line = encode_line(values.iter().copied());
        assert_eq!(
            line,
            "a\\tb\\nc\\rd\\\\e\\b\\f\\v\t\\N\t\t\\\\N\t\\\\.\tZoë\n"
        );
        let back: Vec<Option<String>> = line
            .trim_end_matches('\n')
            .as_bytes()
            .split(|&b| b == b'\t')
            .map(|f| decode(f).map(|v| String::from_utf8(v.into_owned()).unwrap()))
            .collect();
        let want: Vec<Option<String>> = values.iter().map(|v| v.map(str::to_owned)).collect();
        assert_eq!(back, want);
    }

    #[test]
    fn declared_keys_are_read_as_pg_dump_writes_them() {
        let dump = b"ALTER TABLE ONLY public.students\n    ADD CONSTRAINT students_pkey PRIMARY KEY (id);\n\
ALTER TABLE ONLY public.marks\n    ADD CONSTRAINT marks_pkey PRIMARY KEY (student_id, \"Exam\");\n\
ALTER TABLE ONLY public.marks\n    ADD CONSTRAINT marks_student_id_fkey FOREIGN KEY (student_id) REFERENCES public.students(id) ON DELETE CASCADE;\n\
ALTER TABLE ONLY public.marks\n    ADD CONSTRAINT marks_exam_key UNIQUE (\"Exam\");\n\
ALTER TABLE public.students OWNER TO postgres;\n";
        let p = |n: &str| (Some("public".to_owned()), n.to_owned());
        assert_eq!(
            declared(dump),
            vec![
                Declared::PrimaryKey {
                    table: p("students"),
                    columns: vec!["id".into()]
                },
                Declared::PrimaryKey {
                    table: p("marks"),
                    columns: vec!["student_id".into(), "Exam".into()]
                },
                Declared::ForeignKey {
                    table: p("marks"),
                    columns: vec!["student_id".into()],
                    parent: p("students"),
                    parent_columns: vec!["id".into()]
                },
            ]
        );
    }

    /// The blocks of `dump`, scanned from a file named `path` (in a scratch folder).
    fn blocks(path: &Path, dump: &[u8]) -> Result<Vec<CopyBlock>> {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join(path);
        std::fs::write(&f, dump).unwrap();
        scan(&f, Compression::None).map(|(b, _)| b)
    }

    #[test]
    fn blocks_are_found_and_an_unended_block_is_an_error() {
        let dump = b"--\n-- PostgreSQL database dump\n--\nCOPY public.a (x, y) FROM stdin;\n1\t2\n3\t\\N\n\\.\n\nCOPY public.b (z) FROM stdin;\n\\.\nSELECT 1;\n";
        let b = blocks(Path::new("d.sql"), dump).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[0].line, b[0].qualified()), (4, "public.a".to_owned()));
        assert_eq!(&dump[b[0].start..b[0].end], b"1\t2\n3\t\\N\n");
        assert_eq!(b[1].start, b[1].end);
        let cut = b"COPY public.a (x) FROM stdin;\n1\n2\n";
        let e = blocks(Path::new("d.sql"), cut).unwrap_err().to_string();
        assert!(e.contains("d.sql:1") && e.contains("never end"), "{e}");
    }

    #[test]
    fn a_table_is_picked_by_name_or_schema_and_name() {
        let dump = b"COPY public.a (x) FROM stdin;\n\\.\nCOPY sales.a (x) FROM stdin;\n\\.\nCOPY public.b (x) FROM stdin;\n\\.\n";
        let p = Path::new("d.sql");
        let b = blocks(p, dump).unwrap();
        assert_eq!(pick(p, &b, Some("b")).unwrap().qualified(), "public.b");
        assert_eq!(pick(p, &b, Some("sales.a")).unwrap().qualified(), "sales.a");
        let e = pick(p, &b, Some("a")).unwrap_err().to_string();
        assert!(e.contains("several schemas"), "{e}");
        let e = pick(p, &b, None).unwrap_err().to_string();
        assert!(
            e.contains("3 tables") && e.contains("public.a, sales.a, public.b"),
            "{e}"
        );
        assert!(pick(p, &b, Some("c")).is_err());
    }
}
