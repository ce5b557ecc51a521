//! Guesses what a file is before reading it: Parquet or CSV, the compression of a CSV, and its
//! delimiter among `, ; TAB |`.

use super::tokenizer::{FieldSpan, Tokenizer};
use crate::model::Compression;

/// The candidate delimiters, in the order that breaks ties.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Compression from the magic bytes at the start of the file.
pub fn compression(bytes: &[u8]) -> Compression {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// A database's own dump format, recognised from a file's first (decompressed) bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlDump {
    /// `pg_dump`'s plain format: `COPY … FROM stdin;` blocks.
    Postgres,
    /// `mysqldump` (or MariaDB's): `INSERT INTO … VALUES` statements.
    Mysql,
}

/// Whether `head` (a file's first bytes, decompressed) starts a database dump: the banner
/// `pg_dump` or `mysqldump` writes, or, for a data-only PostgreSQL dump made otherwise, SQL
/// comments and `SET` lines followed by a `COPY … FROM stdin;` line.
pub fn sql_dump(head: &[u8]) -> Option<SqlDump> {
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let lines = text.lines().map(str::trim_end).filter(|l| !l.is_empty());
    // the banner's comment is on the first lines (after MariaDB's `/*M!999999\- … */`)
    for l in lines.clone().take(5) {
        if l.starts_with("-- MySQL dump") || l.starts_with("-- MariaDB dump") {
            return Some(SqlDump::Mysql);
        }
        if l.starts_with("-- PostgreSQL database dump")
            || l.starts_with("-- PostgreSQL database cluster dump")
        {
            return Some(SqlDump::Postgres);
        }
    }
    let first = lines.clone().next()?;
    if !(first.starts_with("--") || first.starts_with("SET ") || first.starts_with("COPY ")) {
        return None;
    }
    text.lines()
        .any(|l| l.starts_with("COPY ") && l.trim_end().ends_with("FROM stdin;"))
        .then_some(SqlDump::Postgres)
}

/// The first `n` bytes of `bytes` decompressed (fewer when it is shorter, or cut short).
pub fn decompressed_head(bytes: &[u8], compression: Compression, n: usize) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    // a read error (a prefix of a compressed file ends mid-stream) keeps what was read
    let _ = match compression {
        Compression::None => return bytes[..n.min(bytes.len())].to_vec(),
        Compression::Gzip => flate2::read::MultiGzDecoder::new(bytes)
            .take(n as u64)
            .read_to_end(&mut out),
        Compression::Zstd => match zstd::stream::read::Decoder::new(bytes) {
            Ok(d) => d.take(n as u64).read_to_end(&mut out),
            Err(e) => Err(e),
        },
    };
    out
}

/// True when the bytes are a Parquet file (magic `PAR1` at both ends).
pub fn is_parquet(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1")
}

/// Picks the delimiter that splits the first records (up to 100) into the same number of
/// fields, the most fields winning; ties go to the earlier candidate in [`DELIMITERS`]. A file
/// that no candidate splits is a one-column file and gets `,`.
#[cfg(test)]
pub fn delimiter(data: &[u8]) -> u8 {
    delimiter_of_prefix(data, true).unwrap_or(b',')
}

/// The delimiter (as `delimiter` picks it) on the first bytes of a file: `None` when the
/// answer could depend on bytes after `data` (a candidate ran into the end of `data` before
/// its 100th record), unless `data` is the whole file (`whole`).
pub fn delimiter_of_prefix(data: &[u8], whole: bool) -> Option<u8> {
    let mut best = (1usize, b',');
    let mut fields: Vec<FieldSpan> = Vec::new();
    for &cand in &DELIMITERS {
        let mut tok = Tokenizer::new(data, cand);
        let mut width: Option<usize> = None;
        let mut consistent = true;
        let mut records = 0;
        while records < 100 {
            match tok.next_record(&mut fields) {
                Ok(Some(rec)) => {
                    if rec.next >= data.len() && !whole {
                        return None;
                    }
                    if fields.len() == 1 && fields[0].start == fields[0].end {
                        continue; // blank line
                    }
                    records += 1;
                    match width {
                        None => width = Some(fields.len()),
                        Some(w) if w != fields.len() => {
                            consistent = false;
                            break;
                        }
                        Some(_) => {}
                    }
                }
                Ok(None) => break,
                Err(super::tokenizer::TokenError::UnclosedQuote { .. }) if !whole => return None,
                Err(_) => {
                    consistent = false;
                    break;
                }
            }
        }
        if let (true, Some(w)) = (consistent, width) {
            if w > best.0 {
                best = (w, cand);
            }
        }
    }
    Some(best.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_dumps_are_told_from_csv_files() {
        let pg = b"--\n-- PostgreSQL database dump\n--\n\nSET statement_timeout = 0;\n";
        assert_eq!(sql_dump(pg), Some(SqlDump::Postgres));
        // a data-only dump without the banner
        let data = b"SET client_encoding = 'UTF8';\nCOPY public.t (a) FROM stdin;\n1\n\\.\n";
        assert_eq!(sql_dump(data), Some(SqlDump::Postgres));
        let my = b"-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)\n--\n";
        assert_eq!(sql_dump(my), Some(SqlDump::Mysql));
        let maria = b"/*M!999999\\- enable the sandbox mode */ \n-- MariaDB dump 10.19\n";
        assert_eq!(sql_dump(maria), Some(SqlDump::Mysql));
        assert_eq!(sql_dump(b"id,name\n1,COPY t (a) FROM stdin;\n"), None);
        assert_eq!(sql_dump(b"-- a comment\nid,name\n"), None);
        // compressed: the head is decompressed first
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, pg).unwrap();
        let gz = gz.finish().unwrap();
        let head = decompressed_head(&gz[..gz.len() - 4], Compression::Gzip, 1 << 16);
        assert_eq!(sql_dump(&head), Some(SqlDump::Postgres));
    }

    #[test]
    fn detects_each_delimiter() {
        assert_eq!(delimiter(b"a,b,c\n1,2,3\n"), b',');
        assert_eq!(delimiter(b"a;b;c\n1;2,5;3\n"), b';');
        assert_eq!(delimiter(b"a\tb\n1\t2\n"), b'\t');
        assert_eq!(delimiter(b"a|b\n1|2\n"), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        assert_eq!(delimiter(b"a;b\n\"x,y,z\";2\n"), b';');
    }

    #[test]
    fn one_column_file_gets_comma() {
        assert_eq!(delimiter(b"name\nAnn\nBob\n"), b',');
    }

    #[test]
    fn magic_bytes() {
        assert_eq!(compression(&[0x1f, 0x8b, 8]), Compression::Gzip);
        assert_eq!(compression(&[0x28, 0xb5, 0x2f, 0xfd, 0]), Compression::Zstd);
        assert_eq!(compression(b"id,name"), Compression::None);
        assert!(is_parquet(b"PAR1....PAR1"));
        assert!(!is_parquet(b"PAR1"));
    }
}
