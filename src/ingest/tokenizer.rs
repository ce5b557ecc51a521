//! A CSV tokenizer that keeps what the `csv` crate and Polars drop: the byte span of every
//! record and field, and whether a field was quoted (an unquoted empty field is NULL, a quoted
//! empty field `""` is an empty string, as PostgreSQL's CSV COPY reads them). RFC 4180 quoting:
//! a field that starts with `"` runs to the matching `"`, with `""` standing for one quote, and
//! may hold delimiters and line breaks. Lines end with `\n` or `\r\n`.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memchr_iter};

/// A field's raw bytes: `data[start..end]`, quotes included when `quoted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpan {
    pub start: usize,
    pub end: usize,
    pub quoted: bool,
}

/// Where a record is: `data[start..end]` without its line end; `next` is where the next
/// record starts; `line` is the 1-based line it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPos {
    pub start: usize,
    pub end: usize,
    pub next: usize,
    pub line: u64,
}

/// What makes a record malformed. `field` is the 0-based field index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// A quoted field whose closing quote never comes.
    UnclosedQuote { line: u64, field: usize },
    /// Something other than a delimiter or line end right after a closing quote.
    AfterQuote { line: u64, field: usize, byte: u8 },
}

pub struct Tokenizer<'a> {
    data: &'a [u8],
    delimiter: u8,
    pos: usize,
    line: u64,
}

impl<'a> Tokenizer<'a> {
    pub fn new(data: &'a [u8], delimiter: u8) -> Self {
        Tokenizer {
            data,
            delimiter,
            pos: 0,
            line: 1,
        }
    }

    /// Starts at `pos`, which is on line `line`.
    pub fn at(data: &'a [u8], delimiter: u8, pos: usize, line: u64) -> Self {
        Tokenizer {
            data,
            delimiter,
            pos,
            line,
        }
    }

    /// The line the next record starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Reads the next record's field spans into `fields`; `None` at the end of the data.
    pub fn next_record(
        &mut self,
        fields: &mut Vec<FieldSpan>,
    ) -> Result<Option<RecordPos>, TokenError> {
        fields.clear();
        let d = self.data;
        if self.pos >= d.len() {
            return Ok(None);
        }
        let start = self.pos;
        let line = self.line;
        let mut p = self.pos;
        loop {
            let fstart = p;
            if p < d.len() && d[p] == b'"' {
                let qline = self.line;
                p += 1;
                loop {
                    match memchr(b'"', &d[p..]) {
                        None => {
                            return Err(TokenError::UnclosedQuote {
                                line: qline,
                                field: fields.len(),
                            })
                        }
                        Some(off) => {
                            self.line += memchr_iter(b'\n', &d[p..p + off]).count() as u64;
                            p += off + 1;
                            if p < d.len() && d[p] == b'"' {
                                p += 1;
                                continue;
                            }
                            break;
                        }
                    }
                }
                fields.push(FieldSpan {
                    start: fstart,
                    end: p,
                    quoted: true,
                });
                if p >= d.len() {
                    return Ok(Some(self.finish(start, p, p, line)));
                }
                let c = d[p];
                if c == self.delimiter {
                    p += 1;
                    continue;
                }
                if c == b'\n' {
                    return Ok(Some(self.finish(start, p, p + 1, line)));
                }
                if c == b'\r' && (p + 1 == d.len() || d[p + 1] == b'\n') {
                    let next = (p + 2).min(d.len());
                    return Ok(Some(self.finish(start, p, next, line)));
                }
                return Err(TokenError::AfterQuote {
                    line: self.line,
                    field: fields.len() - 1,
                    byte: c,
                });
            }
            match memchr2(self.delimiter, b'\n', &d[p..]) {
                Some(off) if d[p + off] == self.delimiter => {
                    fields.push(FieldSpan {
                        start: fstart,
                        end: p + off,
                        quoted: false,
                    });
                    p += off + 1;
                }
                Some(off) => {
                    let nl = p + off;
                    let end = if nl > p && d[nl - 1] == b'\r' {
                        nl - 1
                    } else {
                        nl
                    };
                    fields.push(FieldSpan {
                        start: fstart,
                        end,
                        quoted: false,
                    });
                    return Ok(Some(self.finish(start, end, nl + 1, line)));
                }
                None => {
                    let mut end = d.len();
                    if end > p && d[end - 1] == b'\r' {
                        end -= 1;
                    }
                    fields.push(FieldSpan {
                        start: fstart,
                        end,
                        quoted: false,
                    });
                    return Ok(Some(self.finish(start, end, d.len(), line)));
                }
            }
        }
    }

    fn finish(&mut self, start: usize, end: usize, next: usize, line: u64) -> RecordPos {
        if next > end {
            // the record ended with a line break
            self.line += 1;
        }
        self.pos = next;
        RecordPos {
            start,
            end,
            next,
            line,
        }
    }
}

/// A field's value bytes: the quotes removed and `""` turned into `"` for a quoted field.
pub fn unescape<'d>(data: &'d [u8], f: &FieldSpan) -> Cow<'d, [u8]> {
    if !f.quoted {
        return Cow::Borrowed(&data[f.start..f.end]);
    }
    let inner = &data[f.start + 1..f.end - 1];
    if memchr(b'"', inner).is_none() {
        return Cow::Borrowed(inner);
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        out.push(inner[i]);
        if inner[i] == b'"' {
            i += 1; // skip the second quote of the pair
        }
        i += 1;
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(data: &[u8], delim: u8) -> Vec<Vec<(String, bool)>> {
        let mut tok = Tokenizer::new(data, delim);
        let mut fields = Vec::new();
        let mut out = Vec::new();
        while tok.next_record(&mut fields).unwrap().is_some() {
            out.push(
                fields
                    .iter()
                    .map(|f| {
                        (
                            String::from_utf8(unescape(data, f).into_owned()).unwrap(),
                            f.quoted,
                        )
                    })
                    .collect(),
            );
        }
        out
    }

    #[test]
    fn quoted_empty_differs_from_unquoted_empty() {
        let v = values(b"a,b\n,\"\"\n", b',');
        assert_eq!(v[1], vec![("".into(), false), ("".into(), true)]);
    }

    #[test]
    fn embedded_delimiters_quotes_and_newlines() {
        let v = values(b"a,b\r\n\"x,\"\"y\"\"\r\nz\",2\r\n", b',');
        assert_eq!(v.len(), 2);
        assert_eq!(v[1][0].0, "x,\"y\"\r\nz");
        assert_eq!(v[1][1].0, "2");
    }

    #[test]
    fn record_lines_count_embedded_newlines() {
        let data = b"h\n\"a\nb\"\nc\n";
        let mut tok = Tokenizer::new(data, b',');
        let mut f = Vec::new();
        let lines: Vec<u64> = std::iter::from_fn(|| tok.next_record(&mut f).unwrap())
            .map(|r| r.line)
            .collect();
        assert_eq!(lines, vec![1, 2, 4]);
    }

    #[test]
    fn trailing_delimiter_makes_an_empty_last_field() {
        assert_eq!(values(b"a,b,", b',')[0].len(), 3);
    }

    #[test]
    fn unclosed_quote_names_its_line() {
        let mut tok = Tokenizer::new(b"a,b\n1,\"oops\n2,3\n", b',');
        let mut f = Vec::new();
        tok.next_record(&mut f).unwrap();
        assert_eq!(
            tok.next_record(&mut f),
            Err(TokenError::UnclosedQuote { line: 2, field: 1 })
        );
    }

    #[test]
    fn text_after_closing_quote_is_an_error() {
        let mut tok = Tokenizer::new(b"\"a\"b,c\n", b',');
        let mut f = Vec::new();
        assert_eq!(
            tok.next_record(&mut f),
            Err(TokenError::AfterQuote {
                line: 1,
                field: 0,
                byte: b'b'
            })
        );
    }

    #[test]
    fn spans_cover_the_record_bytes() {
        let data = b"a,b\n1,\"x\"\r\n";
        let mut tok = Tokenizer::new(data, b',');
        let mut f = Vec::new();
        tok.next_record(&mut f).unwrap();
        let r = tok.next_record(&mut f).unwrap().unwrap();
        assert_eq!(&data[r.start..r.end], b"1,\"x\"");
        assert_eq!(r.next, data.len());
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn field() -> impl Strategy<Value = String> {
            proptest::string::string_regex("[a-z,;\"\n\r é😀]{0,8}").unwrap()
        }

        proptest! {
            /// Whatever the csv crate writes, we read back to the same values.
            #[test]
            fn reads_what_the_csv_crate_writes(rows in proptest::collection::vec(proptest::collection::vec(field(), 3), 1..6)) {
                let mut w = csv::WriterBuilder::new().quote_style(csv::QuoteStyle::Always).from_writer(vec![]);
                for r in &rows { w.write_record(r).unwrap(); }
                let data = w.into_inner().unwrap();
                let got: Vec<Vec<String>> = values(&data, b',').into_iter().map(|r| r.into_iter().map(|(v, _)| v).collect()).collect();
                prop_assert_eq!(got, rows);
            }
        }
    }
}
