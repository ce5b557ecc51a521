//! `mysqldump` and `mariadb-dump` files: a table's columns from its `CREATE TABLE`, its rows
//! from its `INSERT INTO … VALUES (…),(…);` statements (extended or one row each, with or
//! without a column list, `INSERT IGNORE` and `REPLACE` too; MySQL writes a statement on one
//! line, MariaDB a row a line). Values keep the text the dump holds: numbers as written,
//! strings with MySQL's backslash escapes decoded (`\0 \' \" \b \n \r \t \Z \\`; `\%` and `\_`
//! stay two characters, as the server reads them), `NULL` as NULL, and hexadecimal (`0x…`)
//! and bit (`b'…'`) literals as written.
//!
//! Own code, not a crate: the SQL parsers (`sqlparser`) build a tree of every value of every
//! statement, far too much for a dump of millions of rows, and keep no byte positions, which
//! the cleaned dump needs: it is the input with the removed rows' tuples left out, so that it
//! loads with `mariadb`/`mysql` as the original did. The replay tests load real
//! `mariadb-dump` files and compare.

use std::path::Path;

use polars::prelude::*;

use crate::error::{unknown_hint, Error, Location, Result};
use crate::model::{Compression, Format, Source, Table};
use crate::progress::Progress;

/// One row's tuple `(…)` in the dump: `start..end`, starting on `line`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    pub start: usize,
    pub end: usize,
    pub line: u64,
}

/// One `INSERT` statement: `start..end` (its line end included), and its tuples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insert {
    pub start: usize,
    pub end: usize,
    pub tuples: Vec<Tuple>,
}

/// A table of the dump: its name, columns (from its `CREATE TABLE`, or an `INSERT`'s column
/// list) and `INSERT` statements, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MyTable {
    pub name: String,
    pub columns: Vec<String>,
    /// The column list its `INSERT`s give (`--complete-insert`), which wins over the `CREATE
    /// TABLE`'s (generated columns are left out of it).
    pub listed: Option<Vec<String>>,
    pub inserts: Vec<Insert>,
    /// The line of its `CREATE TABLE` or first `INSERT`.
    pub line: u64,
}

/// A backquoted identifier at `data[at..]` (a doubled backquote inside): the name and where
/// it ends.
fn backquoted(data: &[u8], at: usize) -> Option<(String, usize)> {
    if data.get(at) != Some(&b'`') {
        return None;
    }
    let mut out = Vec::new();
    let mut i = at + 1;
    while i < data.len() {
        if data[i] == b'`' {
            if data.get(i + 1) == Some(&b'`') {
                out.push(b'`');
                i += 2;
                continue;
            }
            return String::from_utf8(out).ok().map(|s| (s, i + 1));
        }
        out.push(data[i]);
        i += 1;
    }
    None
}

fn skip_space(data: &[u8], mut i: usize, line: &mut u64) -> usize {
    while i < data.len() && data[i].is_ascii_whitespace() {
        if data[i] == b'\n' {
            *line += 1;
        }
        i += 1;
    }
    i
}

/// Where the value starting at `i` ends (a quoted string with its escapes, or a bare token),
/// or `None` when a string never ends.
fn value_end(data: &[u8], mut i: usize) -> Option<usize> {
    // `_binary '…'`, `_utf8mb4'…'`: a character set introducer before a string
    if data[i] == b'_' {
        while i < data.len() && (data[i].is_ascii_alphanumeric() || data[i] == b'_') {
            i += 1;
        }
        while i < data.len() && data[i] == b' ' {
            i += 1;
        }
    }
    if data.get(i) == Some(&b'b') && data.get(i + 1) == Some(&b'\'') {
        i += 1;
    }
    if data.get(i) == Some(&b'\'') {
        i += 1;
        while i < data.len() {
            match data[i] {
                b'\\' => i += 2,
                b'\'' if data.get(i + 1) == Some(&b'\'') => i += 2,
                b'\'' => return Some(i + 1),
                _ => i += 1,
            }
        }
        return None;
    }
    while i < data.len() && !matches!(data[i], b',' | b')') && !data[i].is_ascii_whitespace() {
        i += 1;
    }
    Some(i)
}

/// Reads the `INSERT` starting at `at` (on `line`): its table, its column list if it has one,
/// and its statement with the tuples' places; `Err` with the line where it went wrong.
#[allow(clippy::type_complexity)]
fn insert_at(
    data: &[u8],
    at: usize,
    line: &mut u64,
) -> std::result::Result<(String, Option<Vec<String>>, Insert), (u64, String)> {
    let bad = |line: u64, what: &str| Err((line, what.to_owned()));
    let head = &data[at..];
    let skip = [
        &b"INSERT INTO "[..],
        &b"INSERT IGNORE INTO "[..],
        &b"REPLACE INTO "[..],
    ]
    .iter()
    .find(|p| head.starts_with(p))
    .map_or(0, |p| p.len());
    let Some((name, mut i)) = backquoted(data, at + skip) else {
        return bad(
            *line,
            "the table's name after INSERT INTO is not a `quoted` name",
        );
    };
    i = skip_space(data, i, line);
    let mut columns = None;
    if data.get(i) == Some(&b'(') {
        let mut cols = Vec::new();
        i += 1;
        loop {
            i = skip_space(data, i, line);
            let Some((c, next)) = backquoted(data, i) else {
                return bad(*line, "the INSERT's column list could not be read");
            };
            cols.push(c);
            i = skip_space(data, next, line);
            match data.get(i) {
                Some(b',') => i += 1,
                Some(b')') => {
                    i += 1;
                    break;
                }
                _ => return bad(*line, "the INSERT's column list could not be read"),
            }
        }
        columns = Some(cols);
        i = skip_space(data, i, line);
    }
    if !data[i..].starts_with(b"VALUES") {
        return bad(*line, "VALUES was expected after the table's name");
    }
    i += 6;
    let mut tuples = Vec::new();
    loop {
        i = skip_space(data, i, line);
        if data.get(i) != Some(&b'(') {
            return bad(*line, "a row's ( was expected");
        }
        let (start, start_line) = (i, *line);
        i += 1;
        loop {
            i = skip_space(data, i, line);
            if i >= data.len() {
                return bad(start_line, "the dump ends inside this row");
            }
            let Some(end) = value_end(data, i) else {
                return bad(start_line, "a quoted value in this row is never closed");
            };
            i = skip_space(data, end, line);
            match data.get(i) {
                Some(b',') => i += 1,
                Some(b')') => {
                    i += 1;
                    break;
                }
                _ => return bad(*line, "a row's values are not separated by commas"),
            }
        }
        tuples.push(Tuple {
            start,
            end: i,
            line: start_line,
        });
        i = skip_space(data, i, line);
        match data.get(i) {
            Some(b',') => i += 1,
            Some(b';') => {
                i += 1;
                break;
            }
            _ => return bad(*line, "a row must be followed by , or ;"),
        }
    }
    // the statement's line end, when nothing else follows it on its line
    let mut j = i;
    while j < data.len() && (data[j] == b' ' || data[j] == b'\t' || data[j] == b'\r') {
        j += 1;
    }
    let end = if j >= data.len() {
        j
    } else if data[j] == b'\n' {
        *line += 1;
        j + 1
    } else {
        i
    };
    Ok((
        name,
        columns,
        Insert {
            start: at,
            end,
            tuples,
        },
    ))
}

/// Every table of a dump, with its rows' places, in the order the dump first names them.
pub fn tables(path: &Path, data: &[u8]) -> Result<Vec<MyTable>> {
    let mut out: Vec<MyTable> = Vec::new();
    let mut at = 0;
    let mut line = 1u64;
    // the databases the dump changes to (`USE`), and whether a `DELIMITER ;;` block (a
    // trigger's or a routine's body, whose INSERTs are no table data) is open
    let mut databases: Vec<String> = Vec::new();
    let mut in_body = false;
    while at < data.len() {
        let rest = &data[at..];
        let next_line = memchr::memchr(b'\n', rest).map_or(data.len(), |n| at + n + 1);
        if rest.starts_with(b"DELIMITER ") {
            in_body = !rest.starts_with(b"DELIMITER ;\n") && !rest.starts_with(b"DELIMITER ;\r");
            at = next_line;
            line += 1;
            continue;
        }
        if in_body {
            at = next_line;
            line += 1;
            continue;
        }
        if rest.starts_with(b"USE `") {
            if let Some((db, _)) = backquoted(data, at + 4) {
                if !databases.contains(&db) {
                    databases.push(db);
                }
                if databases.len() > 1 {
                    return Err(Error::data(
                        Location::file(path).line(line),
                        format!(
                            "this dump holds several databases ({}): dupsweep reads one database's dump at a time",
                            databases.join(", ")
                        ),
                    )
                    .with_hint("dump each database on its own: mysqldump DATABASE > DATABASE.sql"));
                }
            }
        }
        let table_of = |out: &mut Vec<MyTable>, name: &str, line: u64| -> usize {
            match out.iter().position(|t| t.name == name) {
                Some(k) => k,
                None => {
                    out.push(MyTable {
                        name: name.to_owned(),
                        line,
                        ..MyTable::default()
                    });
                    out.len() - 1
                }
            }
        };
        if rest.starts_with(b"CREATE TABLE `") {
            if let Some((name, _)) = backquoted(data, at + 13) {
                let k = table_of(&mut out, &name, line);
                // the column lines: two spaces and a quoted name, up to the closing line
                let mut cols = Vec::new();
                let mut i = at;
                loop {
                    let next = memchr::memchr(b'\n', &data[i..]).map_or(data.len(), |n| i + n + 1);
                    line += 1;
                    i = next;
                    if i >= data.len() || data[i] == b')' {
                        break;
                    }
                    if data[i..].starts_with(b"  `") {
                        if let Some((c, _)) = backquoted(data, i + 2) {
                            cols.push(c);
                        }
                    }
                }
                out[k].columns = cols;
                at = i;
                continue;
            }
        }
        let is_insert = [
            &b"INSERT INTO `"[..],
            b"INSERT IGNORE INTO `",
            b"REPLACE INTO `",
        ]
        .iter()
        .any(|p| rest.starts_with(p));
        if is_insert {
            let start_line = line;
            let (name, cols, insert) = insert_at(data, at, &mut line).map_err(|(l, what)| {
                Error::data(Location::file(path).line(l), what).with_hint(
                    "dupsweep reads INSERT statements as mysqldump and mariadb-dump write them",
                )
            })?;
            let k = table_of(&mut out, &name, start_line);
            if let Some(cols) = cols {
                match &out[k].listed {
                    None => out[k].listed = Some(cols),
                    Some(l) if *l == cols => {}
                    Some(_) => {
                        return Err(Error::data(
                            Location::file(path).line(start_line),
                            format!(
                                "this INSERT into {name} lists other columns than its earlier ones"
                            ),
                        ))
                    }
                }
            }
            at = insert.end;
            out[k].inserts.push(insert);
            continue;
        }
        at = next_line;
        line += 1;
    }
    for t in &mut out {
        if let Some(l) = t.listed.take() {
            t.columns = l;
        }
    }
    Ok(out)
}

/// The backquoted names of a list `(`a`,`b`)` at the start of `s`.
fn name_list(s: &[u8]) -> Option<Vec<String>> {
    let mut i = memchr::memchr(b'(', s)? + 1;
    let mut out = Vec::new();
    loop {
        while s.get(i) == Some(&b' ') {
            i += 1;
        }
        let (name, next) = backquoted(s, i)?;
        out.push(name);
        i = next;
        while s.get(i) == Some(&b' ') {
            i += 1;
        }
        match s.get(i)? {
            b',' => i += 1,
            b')' => return Some(out),
            _ => return None,
        }
    }
}

/// The primary and foreign keys the dump's `CREATE TABLE`s declare (`PRIMARY KEY (…)`,
/// `CONSTRAINT … FOREIGN KEY (…) REFERENCES \`t\` (…)`), in file order.
pub fn declared(data: &[u8]) -> Vec<super::pgdump::Declared> {
    use super::pgdump::Declared;
    let mut out = Vec::new();
    let mut table: Option<String> = None;
    for line in data.split(|&b| b == b'\n') {
        if line.starts_with(b"CREATE TABLE `") {
            table = backquoted(line, 13).map(|(n, _)| n);
            continue;
        }
        let Some(t) = &table else { continue };
        if line.starts_with(b")") {
            table = None;
            continue;
        }
        let l = line.trim_ascii_start();
        if let Some(rest) = l.strip_prefix(b"PRIMARY KEY ") {
            if let Some(columns) = name_list(rest) {
                out.push(Declared::PrimaryKey {
                    table: (None, t.clone()),
                    columns,
                });
            }
        } else if l.starts_with(b"CONSTRAINT ") {
            let Some(fk) = memchr::memmem::find(l, b"FOREIGN KEY ") else {
                continue;
            };
            let rest = &l[fk + 12..];
            let Some(refs) = memchr::memmem::find(rest, b"REFERENCES ") else {
                continue;
            };
            let parent_at = refs + 11;
            let (Some(columns), Some((parent, after))) =
                (name_list(rest), backquoted(rest, parent_at))
            else {
                continue;
            };
            if let Some(parent_columns) = name_list(&rest[after..]) {
                out.push(Declared::ForeignKey {
                    table: (None, t.clone()),
                    columns,
                    parent: (None, parent),
                    parent_columns,
                });
            }
        }
    }
    out
}

/// Decodes one value as written in a dump: `None` for NULL; a string's escapes decoded; any
/// other token (a number, `0x…`, `b'…'`) as written.
fn decode(v: &[u8]) -> std::result::Result<Option<Vec<u8>>, String> {
    if v.eq_ignore_ascii_case(b"NULL") {
        return Ok(None);
    }
    let mut s = v;
    if s.first() == Some(&b'_') {
        // a character set introducer: `_binary '…'`
        let q = memchr::memchr(b'\'', s).ok_or("a character set introducer without a string")?;
        s = &s[q..];
    }
    if s.first() != Some(&b'\'') {
        return Ok(Some(v.to_vec()));
    }
    let inner = &s[1..s.len() - 1];
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let b = inner[i];
        i += 1;
        if b == b'\'' {
            // a doubled quote
            out.push(b'\'');
            i += 1;
            continue;
        }
        if b != b'\\' || i == inner.len() {
            out.push(b);
            continue;
        }
        let c = inner[i];
        i += 1;
        match c {
            b'0' => out.push(0),
            b'b' => out.push(0x08),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'Z' => out.push(0x1a),
            b'%' | b'_' => out.extend_from_slice(&[b'\\', c]),
            other => out.push(other),
        }
    }
    Ok(Some(out))
}

/// True when `v` is written as a hexadecimal or bit literal (`0x00FF`, `X'00FF'`, `b'101'`).
fn is_literal(v: &str) -> bool {
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    let quoted = |s: &str, p: &[char]| {
        s.len() >= 3 && s.starts_with(p) && s[1..].starts_with('\'') && s.ends_with('\'')
    };
    (v.len() > 2 && (v.starts_with("0x") || v.starts_with("0X")) && hex(&v[2..]))
        || (quoted(v, &['x', 'X']) && hex(&v[2..v.len() - 1]))
        || (quoted(v, &['b', 'B']) && v[2..v.len() - 1].bytes().all(|b| b == b'0' || b == b'1'))
}

/// A row as a tuple of the dump: `(…)`, NULL for `None`, a hexadecimal or bit literal as it
/// was in a column that holds them (`literal`), other values quoted with MySQL's escapes (the
/// server reads `'17'` into a number column as 17).
pub fn encode_tuple(
    values: impl Iterator<Item = Option<impl AsRef<str>>>,
    literal: &[bool],
) -> String {
    let mut out = String::from("(");
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push(',');
        }
        let Some(v) = v else {
            out.push_str("NULL");
            continue;
        };
        if literal.get(i).copied().unwrap_or(false) && is_literal(v.as_ref()) {
            out.push_str(v.as_ref());
            continue;
        }
        out.push('\'');
        for c in v.as_ref().chars() {
            match c {
                '\0' => out.push_str("\\0"),
                '\'' => out.push_str("\\'"),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\u{1a}' => out.push_str("\\Z"),
                c => out.push(c),
            }
        }
        out.push('\'');
    }
    out.push(')');
    out
}

/// The values of the tuple `data[t.start..t.end]` (without its parentheses).
fn values_of(data: &[u8], t: &Tuple) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = t.start + 1;
    let mut line = 0;
    loop {
        i = skip_space(data, i, &mut line);
        let end = value_end(data, i).unwrap_or(t.end - 1);
        spans.push((i, end));
        i = skip_space(data, end, &mut line);
        if data.get(i) != Some(&b',') || i >= t.end - 1 {
            break;
        }
        i += 1;
    }
    spans
}

/// A table's rows decoded into columns as its statements are read.
struct Decoded {
    name: String,
    columns: Vec<String>,
    builders: Vec<StringChunkedBuilder>,
    places: super::RowPlaces,
    statements: Vec<(u32, u64, u64)>,
    literal: Vec<bool>,
}

impl Decoded {
    fn new(name: &str, columns: Vec<String>) -> Decoded {
        Decoded {
            name: name.to_owned(),
            builders: columns
                .iter()
                .map(|c| StringChunkedBuilder::new(c.as_str().into(), 1024))
                .collect(),
            literal: vec![false; columns.len()],
            columns,
            places: super::RowPlaces::default(),
            statements: Vec::new(),
        }
    }

    /// The rows of `insert`, a statement of `stmt` (whose first byte is the dump's byte
    /// `base`).
    fn statement(&mut self, path: &Path, stmt: &[u8], base: usize, insert: &Insert) -> Result<()> {
        let ncols = self.columns.len();
        self.statements.push((
            self.places.len() as u32,
            (base + insert.start) as u64,
            (base + insert.end) as u64,
        ));
        for t in &insert.tuples {
            let record = self.places.len() as u64 + 1;
            let spans = values_of(stmt, t);
            if spans.len() != ncols {
                return Err(Error::data(
                    Location::file(path).line(t.line).record(record),
                    format!(
                        "this row of {} has {} values, the table has {ncols} columns",
                        self.name,
                        spans.len(),
                    ),
                ));
            }
            for (c, &(a, b)) in spans.iter().enumerate() {
                if stmt[a] != b'\'' && is_literal(&String::from_utf8_lossy(&stmt[a..b])) {
                    self.literal[c] = true;
                }
                let columns = &self.columns;
                let here = || {
                    Location::file(path)
                        .line(t.line)
                        .record(record)
                        .column(c, Some(&columns[c]))
                };
                match decode(&stmt[a..b]).map_err(|e| Error::data(here(), e))? {
                    None => self.builders[c].append_null(),
                    Some(v) => match std::str::from_utf8(&v) {
                        Ok(s) => self.builders[c].append_value(s),
                        Err(_) => {
                            return Err(Error::data(here(), "this value is not valid UTF-8")
                                .with_hint("a binary column: dump it with --hex-blob"))
                        }
                    },
                }
            }
            self.places.push(base + t.start, base + t.end, t.line);
        }
        Ok(())
    }
}

/// True when `line` (a statement's last line so far) ends it: a `;` at its end. A statement's
/// strings never hold a raw line break (mysqldump escapes them), so a line that ends in `;`
/// ends a statement.
fn ends_statement(line: &[u8]) -> bool {
    line.trim_ascii_end().ends_with(b";")
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
    let read_line = |input: &mut std::io::BufReader<Box<dyn std::io::Read>>, buf: &mut Vec<u8>| {
        input.read_until(b'\n', buf).map_err(|e| {
            Error::data(
                Location::file(path),
                format!("cannot read the dump (decompressed): {e}"),
            )
            .with_hint("check that the file was copied whole")
        })
    };
    progress.start_counting("reading", stored, crate::progress::Unit::Bytes);
    let mut ticked = 0u64;
    // every table seen: its name, its CREATE TABLE's columns, whether it has rows, its line
    let mut seen: Vec<(String, Vec<String>, bool, u64)> = Vec::new();
    // per table asked: its rows, once its first statement is read
    let mut decoded: Vec<Option<Decoded>> = given.iter().map(|_| None).collect();
    let mut databases: Vec<String> = Vec::new();
    let (mut in_body, mut creating): (bool, Option<usize>) = (false, None);
    let (mut at, mut line_no) = (0usize, 0u64);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = read_line(&mut input, &mut line)?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let start = at;
        at += n;
        if let Some(k) = creating {
            if line.starts_with(b")") {
                creating = None;
            } else if line.starts_with(b"  `") {
                if let Some((c, _)) = backquoted(&line, 2) {
                    seen[k].1.push(c);
                }
            }
            continue;
        }
        if line.starts_with(b"DELIMITER ") {
            in_body = !line.starts_with(b"DELIMITER ;\n") && !line.starts_with(b"DELIMITER ;\r");
            continue;
        }
        if in_body {
            continue;
        }
        if let Some(set) = line.strip_prefix(b"/*!40101 SET NAMES ") {
            let charset = String::from_utf8_lossy(set)
                .trim_end_matches([' ', '*', '/', ';', '\n', '\r'])
                .to_ascii_lowercase();
            if !charset.starts_with("utf8") && charset != "binary" && charset != "ascii" {
                return Err(Error::data(
                    Location::file(path),
                    format!("the dump is in the {charset} character set; dupsweep reads UTF-8"),
                )
                .with_hint("dump it again with --default-character-set=utf8mb4"));
            }
        }
        if line.starts_with(b"USE `") {
            if let Some((db, _)) = backquoted(&line, 4) {
                if !databases.contains(&db) {
                    databases.push(db);
                }
                if databases.len() > 1 {
                    return Err(Error::data(
                        Location::file(path).line(line_no),
                        format!(
                            "this dump holds several databases ({}): dupsweep reads one database's dump at a time",
                            databases.join(", ")
                        ),
                    )
                    .with_hint("dump each database on its own: mysqldump DATABASE > DATABASE.sql"));
                }
            }
            continue;
        }
        let table_of = |seen: &mut Vec<(String, Vec<String>, bool, u64)>,
                        name: &str,
                        line_no: u64| {
            match seen.iter().position(|t| t.0 == name) {
                Some(k) => k,
                None => {
                    seen.push((name.to_owned(), Vec::new(), false, line_no));
                    seen.len() - 1
                }
            }
        };
        if line.starts_with(b"CREATE TABLE `") {
            if let Some((name, _)) = backquoted(&line, 13) {
                let k = table_of(&mut seen, &name, line_no);
                seen[k].1.clear();
                creating = Some(k);
            }
            continue;
        }
        let is_insert = |b: &[u8]| {
            [
                &b"INSERT INTO `"[..],
                b"INSERT IGNORE INTO `",
                b"REPLACE INTO `",
            ]
            .iter()
            .any(|p| b.starts_with(p))
        };
        if !is_insert(&line) {
            continue;
        }
        // the whole statement: its lines up to the one that ends in `;`
        let mut stmt = std::mem::take(&mut line);
        let stmt_line = line_no;
        while !ends_statement(&stmt) {
            let before = stmt.len();
            let n = read_line(&mut input, &mut stmt)?;
            if n == 0 {
                break;
            }
            line_no += 1;
            at += stmt.len() - before;
        }
        // its statements (another may follow one on its line)
        let mut pos = 0;
        let mut l = stmt_line;
        while pos < stmt.len() && is_insert(&stmt[pos..]) {
            let (name, cols, insert) = insert_at(&stmt, pos, &mut l).map_err(|(l, what)| {
                Error::data(Location::file(path).line(l), what).with_hint(
                    "dupsweep reads INSERT statements as mysqldump and mariadb-dump write them",
                )
            })?;
            let k = table_of(&mut seen, &name, stmt_line);
            seen[k].2 = true;
            // the table asked by that name (with no name: the first table that has rows)
            let wanted = (0..given.len()).find(|&t| match (&decoded[t], given[t]) {
                (Some(d), _) => d.name == name,
                (None, Some(g)) => g == name,
                (None, None) => !decoded.iter().flatten().any(|d| d.name == name),
            });
            if let Some(t) = wanted {
                let columns = cols.unwrap_or_else(|| seen[k].1.clone());
                if columns.is_empty() {
                    return Err(Error::data(
                        Location::file(path).line(seen[k].3),
                        format!("the dump names no column of {name}: it has no CREATE TABLE for it and its INSERTs no column list"),
                    )
                    .with_hint("dump it with its CREATE TABLE (leave out --no-create-info) or with --complete-insert"));
                }
                let d = decoded[t].get_or_insert_with(|| Decoded::new(&name, columns.clone()));
                if d.columns != columns {
                    return Err(Error::data(
                        Location::file(path).line(stmt_line),
                        format!(
                            "this INSERT into {name} lists other columns than its earlier ones"
                        ),
                    ));
                }
                d.statement(path, &stmt, start, &insert)?;
            }
            pos = insert.end;
        }
        line = stmt;
        if read.get() - ticked > 1 << 20 {
            progress.advance(read.get() - ticked);
            ticked = read.get();
        }
    }
    progress.advance(read.get().saturating_sub(ticked));
    progress.finish();
    let names: Vec<&str> = seen.iter().filter(|t| t.2).map(|t| t.0.as_str()).collect();
    let listed = || {
        names
            .iter()
            .take(10)
            .copied()
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::with_capacity(given.len());
    for (t, d) in decoded.into_iter().enumerate() {
        let Some(d) = d else {
            return Err(match given[t] {
                Some(g) => Error::usage(format!("the dump has no table {g}"))
                    .with_hint(unknown_hint(g, &names, "tables")),
                None => Error::data(Location::file(path), "this mysqldump file holds no table"),
            });
        };
        if given[t].is_none() && names.len() > 1 {
            return Err(Error::usage(format!(
                "this mysqldump file holds {} tables ({}): say which one to clean",
                names.len(),
                listed()
            ))
            .with_hint(format!("--table {}", names[0])));
        }
        let source = Source {
            format: Format::MysqlDump {
                compression,
                len: at as u64,
                statements: d.statements,
                literal: d.literal,
            },
            ..source.clone()
        };
        out.push(super::text_table(
            path,
            (Vec::new(), source),
            (d.name, None),
            (d.columns, d.builders),
            (d.places, "\n"),
        )?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DUMP: &[u8] = b"-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `v` text DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB;\nINSERT INTO `t` VALUES\n(1,'a\\\\b\\'c\\nd'),\n(2,NULL),\n(3,'');\nINSERT INTO `t` VALUES (4,'x,y)'),(5,_binary 'z');\nINSERT INTO `u` (`k`) VALUES (0x00FF);\n";

    #[test]
    fn tables_and_rows_are_found_in_both_layouts() {
        let t = tables(Path::new("d.sql"), DUMP).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].columns, ["id", "v"]);
        assert_eq!(t[0].inserts.len(), 2);
        let rows: Vec<&[u8]> = t[0]
            .inserts
            .iter()
            .flat_map(|i| i.tuples.iter().map(|r| &DUMP[r.start..r.end]))
            .collect();
        assert_eq!(
            rows,
            [
                &b"(1,'a\\\\b\\'c\\nd')"[..],
                b"(2,NULL)",
                b"(3,'')",
                b"(4,'x,y)')",
                b"(5,_binary 'z')"
            ]
        );
        assert_eq!(t[0].inserts[0].tuples[1].line, 10);
        assert_eq!(t[1].columns, ["k"]);
    }

    #[test]
    fn values_decode_as_the_server_reads_them() {
        let d = |v: &[u8]| decode(v).unwrap().map(|b| String::from_utf8(b).unwrap());
        assert_eq!(d(b"NULL"), None);
        assert_eq!(d(b"''"), Some(String::new()));
        assert_eq!(
            d(b"'a\\\\b\\'c\\\"d\\ne\\tf\\rg\\0h\\Zi'"),
            Some("a\\b'c\"d\ne\tf\rg\0h\u{1a}i".into())
        );
        assert_eq!(d(b"'50\\% a\\_b'"), Some("50\\% a\\_b".into()));
        assert_eq!(d(b"'it''s'"), Some("it's".into()));
        assert_eq!(d(b"-3.00"), Some("-3.00".into()));
        assert_eq!(d(b"0x00FF41"), Some("0x00FF41".into()));
        assert_eq!(d(b"_binary 'z'"), Some("z".into()));
        let back = encode_tuple([Some("a\\b'c\nd\0"), None, Some("")].into_iter(), &[]);
        assert_eq!(back, "('a\\\\b\\'c\\nd\\0',NULL,'')");
        // a binary or bit column keeps its literals; text that looks like one stays text
        let back = encode_tuple(
            [Some("0x00FF"), Some("b'101'"), Some("0x00FF"), Some("")].into_iter(),
            &[true, true, false, true],
        );
        assert_eq!(back, "(0x00FF,b'101','0x00FF','')");
    }

    #[test]
    fn declared_keys_are_read_from_create_table() {
        use crate::ingest::pgdump::Declared;
        let dump = b"CREATE TABLE `e` (\n  `id` int NOT NULL,\n  `sid` int,\n  PRIMARY KEY (`id`),\n  KEY `k` (`sid`),\n  CONSTRAINT `fk` FOREIGN KEY (`sid`) REFERENCES `s` (`id`) ON DELETE CASCADE\n) ENGINE=InnoDB;\n";
        assert_eq!(
            declared(dump),
            vec![
                Declared::PrimaryKey {
                    table: (None, "e".into()),
                    columns: vec!["id".into()]
                },
                Declared::ForeignKey {
                    table: (None, "e".into()),
                    columns: vec!["sid".into()],
                    parent: (None, "s".into()),
                    parent_columns: vec!["id".into()]
                }
            ]
        );
    }

    #[test]
    fn routines_other_databases_and_shared_lines_are_read_right() {
        let p = Path::new("d.sql");
        // a trigger's body is no table data
        let dump = b"CREATE TABLE `t` (\n  `id` int\n);\nINSERT INTO `t` VALUES (1);\nDELIMITER ;;\nINSERT INTO `audit` VALUES (NEW.id, NOW()) ;;\nDELIMITER ;\nINSERT INTO `t` VALUES (2);INSERT INTO `t` VALUES (3);\n";
        let t = tables(p, dump).unwrap();
        assert_eq!(t.len(), 1, "{t:?}");
        assert_eq!(t[0].inserts.len(), 3);
        // a statement ends at its ; when another follows on its line
        let second = &t[0].inserts[1];
        assert_eq!(
            &dump[second.start..second.end],
            b"INSERT INTO `t` VALUES (2);"
        );
        let third = &t[0].inserts[2];
        assert_eq!(
            &dump[third.start..third.end],
            b"INSERT INTO `t` VALUES (3);\n"
        );
        // an INSERT's column list wins over the CREATE TABLE's (generated columns left out)
        let dump = b"CREATE TABLE `t` (\n  `id` int,\n  `g` int AS (id * 2)\n);\nINSERT INTO `t` (`id`) VALUES (1),(2);\n";
        assert_eq!(tables(p, dump).unwrap()[0].columns, ["id"]);
        // several databases are refused, not merged
        let dump =
            b"USE `a`;\nINSERT INTO `t` VALUES (1);\nUSE `b`;\nINSERT INTO `t` VALUES (1);\n";
        let e = tables(p, dump).unwrap_err().to_string();
        assert!(
            e.contains("d.sql:3") && e.contains("several databases (a, b)"),
            "{e}"
        );
    }

    /// `read_many` streams the dump a statement at a time: the same rows as [`tables`] finds, the
    /// same refusals.
    #[test]
    fn reading_a_stream_keeps_statements_apart_and_skips_routines() {
        let dir = tempfile::tempdir().unwrap();
        let read_of = |dump: &[u8], given: Option<&str>| {
            let p = dir.path().join("d.sql");
            std::fs::write(&p, dump).unwrap();
            let source = Source {
                path: p.clone(),
                format: Format::Parquet,
                sha256: String::new(),
                bytes: dump.len() as u64,
            };
            read_many(
                &p,
                Compression::None,
                source,
                &[given],
                &crate::progress::Silent,
            )
            .map(|mut t| t.remove(0))
        };
        let dump = b"CREATE TABLE `t` (\n  `id` int,\n  `v` text\n);\nINSERT INTO `t` VALUES\n(1,'a;'),\n(2,NULL);\nDELIMITER ;;\nINSERT INTO `t` VALUES (9, NOW()) ;;\nDELIMITER ;\nINSERT INTO `t` VALUES (3,'c');INSERT INTO `t` VALUES (4,'d');\n";
        let t = read_of(dump, None).unwrap();
        assert_eq!(t.rows(), 4);
        let Format::MysqlDump {
            statements, len, ..
        } = &t.source.format
        else {
            panic!("{:?}", t.source.format)
        };
        assert_eq!(*len as usize, dump.len());
        let spans: Vec<&[u8]> = statements
            .iter()
            .map(|&(_, a, b)| &dump[a as usize..b as usize])
            .collect();
        assert_eq!(
            spans,
            [
                &b"INSERT INTO `t` VALUES\n(1,'a;'),\n(2,NULL);\n"[..],
                b"INSERT INTO `t` VALUES (3,'c');",
                b"INSERT INTO `t` VALUES (4,'d');\n"
            ]
        );
        let raw = t.raw.as_ref().unwrap();
        assert_eq!(&dump[raw.starts[3]..raw.record_next[3]], b"(4,'d')");
        assert_eq!(raw.lines, [6, 7, 11, 11]);
        // an INSERT's column list wins over the CREATE TABLE's (generated columns left out)
        let dump = b"CREATE TABLE `t` (\n  `id` int,\n  `g` int AS (id * 2)\n);\nINSERT INTO `t` (`id`) VALUES (1),(2);\n";
        assert_eq!(read_of(dump, Some("t")).unwrap().columns, ["id"]);
        // several databases are refused; several tables need --table
        let dump = b"USE `a`;\nINSERT INTO `t` (`k`) VALUES (1);\nUSE `b`;\nINSERT INTO `t` (`k`) VALUES (1);\n";
        let e = read_of(dump, None).unwrap_err().to_string();
        assert!(
            e.contains("d.sql:3") && e.contains("several databases (a, b)"),
            "{e}"
        );
        let dump = b"INSERT INTO `t` (`k`) VALUES (1);\nINSERT INTO `u` (`k`) VALUES (1);\n";
        let e = read_of(dump, None).unwrap_err().to_string();
        assert!(e.contains("2 tables (t, u)"), "{e}");
        assert_eq!(read_of(dump, Some("u")).unwrap().rows(), 1);
    }

    #[test]
    fn a_broken_statement_names_its_line() {
        let e = tables(Path::new("d.sql"), b"INSERT INTO `t` VALUES (1,'a);\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("d.sql:1") && e.contains("never closed"), "{e}");
        let e = tables(
            Path::new("d.sql"),
            b"--\nINSERT INTO `t` VALUES (1,2)\n(3,4);\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("d.sql:3"), "{e}");
    }
}
