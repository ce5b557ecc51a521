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
