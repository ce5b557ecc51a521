//! The values passed between stages: a table as read (`Table`), the duplicate groups found
//! (`Matches`), the survivor chosen in each group (`Resolution`).

use std::path::PathBuf;

use polars::prelude::DataFrame;

/// How many pairs `n` records make: `n (n - 1) / 2`.
pub fn pairs_among(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

/// The stable number of a record: its 0-based position among the data records of the input
/// (header excluded). It is shown to users 1-based, as "record N".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowId(pub u32);

impl RowId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
    /// The 1-based record number users see.
    pub fn number(self) -> u64 {
        u64::from(self.0) + 1
    }
}

/// How a CSV input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// The input's format, as detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Format {
    Csv {
        delimiter: u8,
        compression: Compression,
        bom: bool,
    },
    Parquet,
    /// A table of a PostgreSQL plain-format dump: the rows of its `COPY` block (`table`, as
    /// the dump names it) are the decompressed bytes `start..end` of the `len` there are.
    PgDump {
        compression: Compression,
        table: String,
        start: u64,
        end: u64,
        len: u64,
    },
    /// A table of a `mysqldump` file: its `INSERT` statements, as (index of the statement's
    /// first record, its start, its end) in the decompressed bytes (`len` of them); its
    /// records are the statements' tuples.
    MysqlDump {
        compression: Compression,
        len: u64,
        statements: Vec<(u32, u64, u64)>,
        /// Per column: it holds hexadecimal or bit literals (`0x…`, `b'…'`: a binary column
        /// dumped with `--hex-blob`, a BIT column), which a row written anew keeps unquoted.
        literal: Vec<bool>,
    },
    /// A table exported in a server's text format (PostgreSQL `COPY … TO`, MySQL `--tab`): its
    /// rows are the decompressed bytes `start..end` of the `len` there are.
    TextRows {
        flavor: TextFlavor,
        compression: Compression,
        start: u64,
        end: u64,
        len: u64,
    },
}

/// Which server's text format a [`Format::TextRows`] table is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextFlavor {
    /// PostgreSQL `COPY … TO` (text format).
    PgCopy,
    /// MySQL/MariaDB `mysqldump --tab` (`SELECT … INTO OUTFILE`).
    MysqlTab,
}

impl TextFlavor {
    pub fn name(self) -> &'static str {
        match self {
            TextFlavor::PgCopy => "pg_copy",
            TextFlavor::MysqlTab => "mysql_tab",
        }
    }
}

impl Format {
    pub fn name(&self) -> &'static str {
        match self {
            Format::Csv { .. } => "csv",
            Format::Parquet => "parquet",
            Format::PgDump { .. } => "pg_dump",
            Format::MysqlDump { .. } => "mysqldump",
            Format::TextRows { flavor, .. } => flavor.name(),
        }
    }
}

/// Where a table came from.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub format: Format,
    /// SHA-256 of the file's bytes as stored (compressed if it is compressed), lowercase hex.
    pub sha256: String,
    pub bytes: u64,
}

/// Where a CSV input's records are in its byte-exact text, kept so that outputs copy records
/// as they were written. The records' bytes themselves are held only for an input that cannot
/// be read twice (a pipe); a file's are read again when its tables are written, and the file
/// is checked then against the SHA-256 it had when it was read (`emit::tables`).
#[derive(Debug, Clone)]
pub struct RawCsv {
    /// The decompressed bytes before the first record: byte order mark, header, line end.
    pub head: Vec<u8>,
    /// The whole decompressed file, when it cannot be read again.
    pub data: Option<Vec<u8>>,
    /// Per record: where it starts.
    pub starts: Vec<usize>,
    /// Per record: where its line end ends (the next record's start, unless a blank line comes
    /// between; the end of the data for a last record without one).
    pub record_next: Vec<usize>,
    /// Per record: the 1-based line on which it starts.
    pub lines: Vec<u64>,
    /// The line ending the header used (`\n` or `\r\n`), reused for written files.
    pub newline: &'static str,
}

impl RawCsv {
    /// The start of a file (`head`: the bytes before its first record) and the lines of some
    /// records, without their bytes: what a table of some records ([`Subset`]) keeps, for
    /// messages.
    pub fn lines_only(head: Vec<u8>, lines: Vec<u64>, newline: &'static str) -> RawCsv {
        RawCsv {
            head,
            data: None,
            starts: Vec::new(),
            record_next: Vec::new(),
            lines,
            newline,
        }
    }
}

/// A table as read: columns in Polars (CSV values are text, never coerced; Parquet keeps its
/// types), and where each record came from.
#[derive(Debug, Clone)]
pub struct Table {
    pub name: String,
    pub source: Source,
    pub columns: Vec<String>,
    pub df: DataFrame,
    /// Present for CSV inputs.
    pub raw: Option<RawCsv>,
    /// Set when the table holds only some records of the dump (the streaming engine keeps the
    /// grouped records only): row `i` here is record `subset.numbers[i]` of the dump.
    pub subset: Option<Subset>,
    /// The schema the table is in (`--table sales.customers`, a PostgreSQL dump's table
    /// outside `public`): the scripts' names resolve in it. `name` is then the table's own.
    pub schema: Option<String>,
}

/// Which records of the dump a partial [`Table`] holds.
#[derive(Debug, Clone)]
pub struct Subset {
    /// Per row of the table: its [`RowId`] in the dump (ascending).
    pub numbers: Vec<u32>,
    /// How many records the dump has.
    pub rows: usize,
}

impl Table {
    /// The rows held (all the dump's, unless [`Table::subset`] is set).
    pub fn rows(&self) -> usize {
        self.df.height()
    }
    /// How many records the dump has.
    pub fn dumped_rows(&self) -> usize {
        self.subset.as_ref().map_or(self.df.height(), |s| s.rows)
    }
    /// A row's record in the dump (itself for a whole table).
    pub fn dumped(&self, row: RowId) -> RowId {
        match &self.subset {
            Some(s) => RowId(s.numbers[row.index()]),
            None => row,
        }
    }
    /// The 1-based record number users see for a row.
    pub fn number_of(&self, row: RowId) -> u64 {
        self.dumped(row).number()
    }
    /// The line a record starts on, for CSV inputs.
    pub fn line_of(&self, row: RowId) -> Option<u64> {
        self.raw.as_ref().map(|r| r.lines[row.index()])
    }
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// One group of records that are duplicates of each other; members in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub members: Vec<RowId>,
}

impl Group {
    /// The group id users see: the smallest record number in the group.
    pub fn id(&self) -> RowId {
        self.members[0]
    }

    /// Its records as people read a group: `survivor` first, then the others in record order.
    pub fn survivor_first(&self, survivor: RowId) -> impl Iterator<Item = RowId> + '_ {
        let others = self.members.iter().copied().filter(move |&m| m != survivor);
        std::iter::once(survivor).chain(others)
    }
}

/// What detection found: groups of two or more records, ordered by their first record.
#[derive(Debug, Clone, Default)]
pub struct Matches {
    /// The columns that made records duplicates.
    pub key: Vec<String>,
    pub groups: Vec<Group>,
    /// Per key column: how many records repeat a value of that column alone seen earlier in
    /// the file (rows minus distinct values, NULL counting as one value).
    pub repeats_per_column: Vec<(String, u64)>,
}

impl Matches {
    /// Per record of a table of `rows` records: the index of its group, `u32::MAX` for a
    /// record in none.
    pub fn group_of(&self, rows: usize) -> Vec<u32> {
        let mut of = vec![u32::MAX; rows];
        for (i, g) in self.groups.iter().enumerate() {
            for m in &g.members {
                of[m.index()] = i as u32;
            }
        }
        of
    }
}

/// A removed record and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    pub row: RowId,
    pub group: RowId,
    pub survivor: RowId,
    /// The match probability with the survivor (1 for an exact duplicate).
    pub score: f64,
    /// Shared: every exact removal of a run holds the same text.
    pub reason: std::sync::Arc<str>,
}

/// The outcome of choosing survivors: which records are kept, which are removed.
#[derive(Debug, Clone, Default)]
pub struct Resolution {
    /// Per group, in group order: the survivor.
    pub survivors: Vec<RowId>,
    /// Removed records in file order.
    pub removed: Vec<Removal>,
    /// Per record: true when it is kept.
    pub kept: Vec<bool>,
}

impl Resolution {
    pub fn kept_rows(&self) -> usize {
        self.kept.iter().filter(|k| **k).count()
    }
}

/// What to do with the duplicates found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Write the cleaned and removed files, the SQL scripts and the report.
    Clean,
    /// Report only; write nothing.
    Scan,
    /// Compare the groups found with a ground-truth column; write nothing.
    Eval,
}
