//! Ingest: reads one dump file (CSV, possibly gzip/zstd-compressed, or Parquet) into a
//! [`Table`], with the input's SHA-256 and the position of every record.

pub mod csv;
pub mod live;
pub mod mysqldump;
pub mod parquet;
pub mod pgdump;
pub mod sniff;
pub mod spool;
pub mod stream;
pub mod textrows;
pub mod tokenizer;

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Location, Result};
use crate::model::{Format, Source, Table};
use crate::progress::Progress;

pub use self::csv::CsvOptions;

/// A table's name: the one `given`, or else its file name without `.csv`, `.parquet`, `.gz`…
pub fn table_name(path: &Path, given: Option<&str>) -> String {
    if let Some(name) = given {
        return name.to_owned();
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "table".into());
    let mut stem = name.as_str();
    for ext in [
        ".gz", ".zst", ".zstd", ".csv", ".tsv", ".txt", ".parquet", ".pq", ".sql",
    ] {
        if stem.len() > ext.len() && stem.to_ascii_lowercase().ends_with(ext) {
            stem = &stem[..stem.len() - ext.len()];
        }
    }
    stem.to_owned()
}

/// A table's name and schema: `--table` as given (`customers`, `sales.customers`,
/// `"odd.name"`, `sales."Customers"`: a dot outside double quotes separates the schema), or
/// else the file's name without `.csv`, `.parquet`, `.gz`… (never split).
pub fn table_ident(path: &Path, given: Option<&str>) -> Result<(String, Option<String>)> {
    let Some(given) = given else {
        return Ok((table_name(path, None), None));
    };
    let bad = || {
        Error::usage(format!(
            "--table {given}: a table is NAME or SCHEMA.NAME (a part holding a dot in double quotes)"
        ))
    };
    let part = |s: &str| -> Option<(String, usize)> {
        if s.starts_with('"') {
            let (id, rest) = pgdump::ident(s)?;
            Some((id, s.len() - rest.len()))
        } else {
            let end = s.find('.').unwrap_or(s.len());
            (end > 0).then(|| (s[..end].to_owned(), end))
        }
    };
    let (first, used) = part(given).ok_or_else(bad)?;
    let rest = &given[used..];
    if rest.is_empty() {
        return Ok((first, None));
    }
    let rest = rest.strip_prefix('.').ok_or_else(bad)?;
    let (second, used) = part(rest).ok_or_else(bad)?;
    if used != rest.len() {
        return Err(bad());
    }
    Ok((second, Some(first)))
}

/// Reads a dump file; the format is detected from its content.
pub fn read(
    path: &Path,
    table: Option<&str>,
    csv: &CsvOptions,
    progress: &dyn Progress,
) -> Result<Table> {
    if path.is_dir() {
        return Err(Error::data(
            Location::file(path),
            "this is a folder; give one table's file",
        ));
    }
    // a database's dump is read as a stream: only its table's values are held
    if csv.format == csv::InputFormat::Auto && sql_dump(path).is_some() {
        let mut tables = read_dump_tables(path, &[table], progress)?;
        return tables
            .pop()
            .ok_or_else(|| Error::Internal("a dump read gave no table".into()));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the input", e))?;
    let sha256 = hex(&Sha256::digest(&bytes));
    let source = Source {
        path: path.to_path_buf(),
        format: Format::Parquet,
        sha256,
        bytes: bytes.len() as u64,
    };
    if sniff::is_parquet(&bytes) {
        parquet::read(path, bytes, source, table_ident(path, table)?)
    } else {
        if bytes.is_empty() {
            return Err(Error::data(
                Location::file(path),
                "the file is empty: a CSV dump needs a header row naming the columns",
            ));
        }
        match read_as(path, csv) {
            Some((flavor, columns)) => {
                let compression = sniff::compression(&bytes);
                let data = csv::decompress(path, bytes, compression)?;
                let name = table_ident(path, table)?;
                textrows::read(
                    path,
                    data,
                    compression,
                    source,
                    name,
                    flavor,
                    columns,
                    progress,
                )
            }
            None => csv::read(
                path,
                bytes,
                source,
                table_ident(path, table)?,
                csv,
                progress,
            ),
        }
    }
}

/// The tables `given` (each a name, or none: the dump's only table) of the database's dump
/// at `path` (`pg_dump`, `mysqldump`), read in one pass over it.
pub fn read_dump_tables(
    path: &Path,
    given: &[Option<&str>],
    progress: &dyn Progress,
) -> Result<Vec<Table>> {
    let (sha256, _) = file_hashes(path)?;
    let source = Source {
        path: path.to_path_buf(),
        format: Format::Parquet,
        sha256,
        bytes: std::fs::metadata(path).map_or(0, |m| m.len()),
    };
    let compression = compression_of(path)?;
    match sql_dump(path) {
        Some(sniff::SqlDump::Mysql) => {
            mysqldump::read_many(path, compression, source, given, progress)
        }
        _ => pgdump::read_many(path, compression, source, given, progress),
    }
}

/// The first `n` bytes of the file at `path` (fewer when it is shorter), as stored.
fn file_head(path: &Path, n: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(n as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// How the file at `path` is compressed, from its first bytes.
pub fn compression_of(path: &Path) -> Result<crate::model::Compression> {
    let head = file_head(path, 4).map_err(|e| Error::io(path, "cannot read the input", e))?;
    Ok(sniff::compression(&head))
}

/// Whether the file at `path` is a table in a server's text format, and its columns when the
/// file does not name them: `--format pg-copy` (columns from `--columns` or its header line),
/// or a MySQL `--tab` export (`T.txt` beside the `T.sql` of its `CREATE TABLE`).
pub fn read_as(path: &Path, opts: &CsvOptions) -> Option<(textrows::Flavor, Option<Vec<String>>)> {
    match opts.format {
        csv::InputFormat::PgCopy => Some((textrows::Flavor::PgCopy, opts.columns.clone())),
        csv::InputFormat::MysqlTab => Some((
            textrows::Flavor::MysqlTab,
            opts.columns
                .clone()
                .or_else(|| textrows::mysql_tab_columns(path)),
        )),
        csv::InputFormat::Csv => None,
        csv::InputFormat::Auto => textrows::mysql_tab_columns(path).map(|c| {
            (
                textrows::Flavor::MysqlTab,
                Some(opts.columns.clone().unwrap_or(c)),
            )
        }),
    }
}

/// True when the file at `path` is read by the in-memory engine whatever the job: a
/// database's dump or a table in a server's text format.
pub fn read_in_memory(path: &Path, opts: &CsvOptions) -> bool {
    sql_dump(path).is_some() || read_as(path, opts).is_some()
}

/// How much of a file's start (decompressed) tells whether it is a database's dump.
const SNIFF: usize = 64 << 10;

/// Whether the file at `path` is a database's own dump (see [`sniff::sql_dump`]).
pub fn sql_dump(path: &Path) -> Option<sniff::SqlDump> {
    let head = file_head(path, SNIFF).ok()?;
    let compression = sniff::compression(&head);
    sniff::sql_dump(&sniff::decompressed_head(&head, compression, SNIFF))
}

/// A dump's bytes, decompressed as they are read.
pub(crate) type DumpStream = std::io::BufReader<Box<dyn std::io::Read>>;
/// How many of a file's stored bytes have been read so far.
pub(crate) type StoredRead = std::rc::Rc<std::cell::Cell<u64>>;

/// A database dump read as a stream: decompressed as it is read, a megabyte at a time; with
/// how many of the file's stored bytes have been read so far (for the progress) and its size.
pub(crate) fn dump_stream(
    path: &Path,
    compression: crate::model::Compression,
) -> Result<(DumpStream, StoredRead, u64)> {
    use crate::model::Compression;
    /// Counts the bytes read from the file as stored.
    struct Counted<R> {
        inner: R,
        read: std::rc::Rc<std::cell::Cell<u64>>,
    }
    impl<R: std::io::Read> std::io::Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read.set(self.read.get() + n as u64);
            Ok(n)
        }
    }
    let err = |e| Error::io(path, "cannot read the input", e);
    let file = std::fs::File::open(path).map_err(err)?;
    let stored = file.metadata().map_or(0, |m| m.len());
    let read = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let counted = Counted {
        inner: file,
        read: read.clone(),
    };
    let raw: Box<dyn std::io::Read> = match compression {
        Compression::None => Box::new(counted),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(counted).map_err(err)?),
    };
    Ok((
        std::io::BufReader::with_capacity(1 << 20, raw),
        read,
        stored,
    ))
}

/// Where a dump's rows are, one entry per row: its start, the next row's start, its line.
#[derive(Default)]
pub(crate) struct RowPlaces {
    pub starts: Vec<usize>,
    pub next: Vec<usize>,
    pub lines: Vec<u64>,
}

impl RowPlaces {
    pub fn with_capacity(rows: usize) -> Self {
        RowPlaces {
            starts: Vec::with_capacity(rows),
            next: Vec::with_capacity(rows),
            lines: Vec::with_capacity(rows),
        }
    }
    pub fn push(&mut self, start: usize, next: usize, line: u64) {
        self.starts.push(start);
        self.next.push(next);
        self.lines.push(line);
    }
    pub fn len(&self) -> usize {
        self.starts.len()
    }
    /// The rows' line end as the first one has it (a file saved on Windows: CR LF), for rows
    /// written anew.
    pub fn line_end(&self, data: &[u8]) -> &'static str {
        match self.next.first() {
            Some(&n) if n >= 2 && data[n - 2..n] == *b"\r\n" => "\r\n",
            _ => "\n",
        }
    }
}

/// The table a database's dump or export makes (every reader of text rows ends here): the
/// columns' builders finished, the rows' places kept (their bytes only for an input that
/// cannot be read again), its `format` in `source`.
pub(crate) fn text_table(
    path: &Path,
    (data, source): (Vec<u8>, Source),
    (name, schema): (String, Option<String>),
    (columns, builders): (Vec<String>, Vec<polars::prelude::StringChunkedBuilder>),
    (rows, newline): (RowPlaces, &'static str),
) -> Result<Table> {
    use polars::prelude::{Column, DataFrame, IntoColumn, IntoSeries};
    let cols: Vec<Column> = builders
        .into_iter()
        .map(|b| b.finish().into_series().into_column())
        .collect();
    let df = DataFrame::new(rows.len(), cols).map_err(Error::Polars)?;
    Ok(Table {
        name,
        source,
        columns,
        df,
        // a file's rows are read again when the cleaned file is written
        raw: Some(crate::model::RawCsv {
            head: Vec::new(),
            data: (!csv::is_file(path)).then_some(data),
            starts: rows.starts,
            record_next: rows.next,
            lines: rows.lines,
            newline,
        }),
        subset: None,
        schema,
    })
}

/// Lowercase hexadecimal.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Hands `each` the bytes of the file at `path` as stored, a megabyte at a time.
fn each_piece(path: &std::path::Path, mut each: impl FnMut(&[u8])) -> crate::error::Result<()> {
    use std::io::Read;
    let err = |e| crate::error::Error::io(path, "cannot read the input", e);
    let mut f = std::fs::File::open(path).map_err(err)?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf).map_err(err)? {
            0 => return Ok(()),
            n => each(&buf[..n]),
        }
    }
}

/// A file's SHA-256 (hexadecimal) and [`content_hash`], read once in pieces: a streaming
/// engine's input on its own thread, an output file for the JSON log.
pub fn file_hashes(path: &std::path::Path) -> crate::error::Result<(String, u128)> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut x = xxhash_rust::xxh3::Xxh3::new();
    each_piece(path, |piece| {
        h.update(piece);
        x.update(piece);
    })?;
    Ok((hex(&h.finalize()), x.digest128()))
}

/// A 128-bit hash of a file's bytes as stored (xxh3): what a streaming engine compares after
/// its last read with what its first read saw, so that a file changed during the run (even to
/// the same size, with its modification time put back) stops it. Not a digest for others to
/// check: that is the report's SHA-256.
pub fn content_hash(path: &std::path::Path) -> crate::error::Result<u128> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    each_piece(path, |piece| h.update(piece))?;
    Ok(h.digest128())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_split_at_a_dot_outside_quotes() {
        let p = Path::new("dir/my.table.csv");
        let t = |g: Option<&str>| table_ident(p, g).map_err(|e| e.to_string());
        assert_eq!(
            t(None),
            Ok(("my.table".into(), None)),
            "a file's name is never split"
        );
        assert_eq!(t(Some("customers")), Ok(("customers".into(), None)));
        assert_eq!(t(Some("my table")), Ok(("my table".into(), None)));
        assert_eq!(
            t(Some("sales.customers")),
            Ok(("customers".into(), Some("sales".into())))
        );
        assert_eq!(t(Some("\"odd.name\"")), Ok(("odd.name".into(), None)));
        assert_eq!(
            t(Some("\"My \"\"Sales\"\"\".\"Cust.omers\"")),
            Ok(("Cust.omers".into(), Some("My \"Sales\"".into())))
        );
        for bad in ["a.b.c", ".x", "x.", "\"open", "\"a\"b"] {
            assert!(t(Some(bad)).is_err(), "{bad}");
        }
    }
}
