//! Engines: where a table's records come from. An engine reads the input, finds its groups
//! (exact, then fuzzy when asked) and picks their survivors into a [`Detected`], and writes the
//! table's cleaned and removed files at the end; everything else (the report, the SQL scripts,
//! the atomic commit of the outputs) is the sequencer's ([`crate::pipeline`]), the same for
//! every engine.
//!
//! - [`memory`]: the whole table in memory; every job.
//! - [`csv_stream`]: exact duplicates in a CSV file without holding it.
//! - [`parquet_stream`]: exact duplicates in a Parquet file without holding it.
//! - [`datafusion`] (cargo feature `datafusion`): exact duplicates in a Parquet file, the
//!   grouped records found by Apache DataFusion, the files written as [`parquet_stream`] does.
//!
//! A new engine is a module here implementing [`Engine`] and a line in [`choose`].

#[cfg(feature = "ballista")]
pub mod ballista;
pub mod csv_stream;
#[cfg(feature = "datafusion")]
pub mod datafusion;
pub mod memory;
pub mod parquet_stream;
pub mod streaming;

use std::path::{Path, PathBuf};

use crate::config::{self, Job};
use crate::detect::fuzzy::Fuzzy;
use crate::emit::files::Outputs;
use crate::error::{Error, Result};
use crate::model::{Command, Matches, Resolution, Table};
use crate::progress::Progress;

/// What detection and survivor choice produced, before anything is written.
pub struct Detected {
    pub table: Table,
    pub key: Vec<String>,
    pub matches: Matches,
    pub fuzzy: Option<Fuzzy>,
    pub resolution: Resolution,
    pub read_ms: u64,
    pub detect_ms: u64,
    pub survive_ms: u64,
}

/// What was written: (kind, path, rows).
pub(crate) type Written = Vec<(&'static str, PathBuf, Option<usize>)>;

/// What writing a table's cleaned and removed files (at `cleaned` and `removed`) wrote.
pub(crate) fn table_files_written(d: &Detected, cleaned: PathBuf, removed: PathBuf) -> Written {
    let removed_rows = d.resolution.removed.len();
    let kept = d.table.dumped_rows() - removed_rows;
    vec![
        ("cleaned", cleaned, Some(kept)),
        ("removed", removed, Some(removed_rows)),
    ]
}

/// A source of records for the sequencer: one table, from its input to its table files.
pub trait Engine: Sync {
    /// Its name, as `--engine` would say it.
    fn name(&self) -> &'static str;
    /// Reads the input, finds the groups and picks the survivors.
    fn detect(&mut self, command: Command, job: &Job, progress: &dyn Progress) -> Result<Detected>;
    /// How many progress stages [`Engine::detect`] goes through for `job`.
    fn stages(&self, job: &Job) -> usize;
    /// Fails when the input changed since [`Engine::detect`] read it. A run that writes the
    /// table files checks it while writing them (their last read); one that writes nothing
    /// (scan, eval) calls this.
    fn input_unchanged(&self, job: &Job) -> Result<()>;
    /// Writes the table's cleaned and removed files (and the fuzzy pairs and review sheets)
    /// into `outs`, in the input's format.
    fn write_table_files(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written>;
    /// The grouped records' values row by row, when the engine filled them while reading (the
    /// scripts then read them instead of copying them from the table); handed over once.
    fn take_values(&mut self) -> Option<crate::values::Values> {
        None
    }
    /// Per key column, whether a value is over 512 bytes, when the engine worked it out over
    /// records its table does not hold (else the prevention script looks at the table).
    fn long_keys(&self) -> Option<&[bool]> {
        None
    }
}

/// Which engine reads the dump: a streaming one for exact duplicates (clean, scan) in a CSV
/// file, or in a Parquet file whose key columns are of plain types, unless `--engine memory`.
pub fn choose(command: Command, job: &Job) -> Result<Box<dyn Engine>> {
    if job.engine == config::Engine::Memory {
        return Ok(Box::new(memory::Memory));
    }
    if matches!(
        job.engine,
        config::Engine::DataFusion | config::Engine::Ballista
    ) {
        return datafusion_engine(command, job);
    }
    let exact = command != Command::Eval && job.fuzzy.is_none() && !job.input.is_dir();
    let fits = if !exact || crate::ingest::read_in_memory(&job.input, &job.csv) {
        // a database's dump is read in memory
        None
    } else if is_parquet(&job.input) {
        match parquet_stream::hashable(&job.input, job) {
            Ok(true) => Some(
                Box::new(streaming::Streaming::<parquet_stream::Streamed>::default())
                    as Box<dyn Engine>,
            ),
            Ok(false) => None,
            Err(e) if job.engine == config::Engine::Stream => return Err(e),
            // the in-memory engine reports it as it always has
            Err(_) => None,
        }
    } else {
        Some(Box::new(streaming::Streaming::<csv_stream::Streamed>::default()) as Box<dyn Engine>)
    };
    match fits {
        Some(c) => Ok(c),
        None if job.engine == config::Engine::Stream => Err(Error::usage(
            "--engine stream finds exact duplicates (clean, scan) in a CSV file, or in a Parquet file whose key columns hold text, numbers, dates or booleans; fuzzy matching, eval, other Parquet keys and database dumps are read in memory",
        )
        .with_hint("leave --engine out (auto) or use --engine memory")),
        None => Ok(Box::new(memory::Memory)),
    }
}

/// `--engine datafusion` (and `--engine ballista`, its queries on a cluster): exact duplicates
/// (clean, scan) in a Parquet file whose key columns the streaming engine can hash, else a
/// usage error naming what it does.
fn datafusion_engine(command: Command, job: &Job) -> Result<Box<dyn Engine>> {
    let name = match job.engine {
        config::Engine::Ballista => "ballista",
        _ => "datafusion",
    };
    let refused = || {
        Error::usage(format!(
            "--engine {name} finds exact duplicates (clean, scan) in a Parquet file whose key columns hold text, numbers, dates or booleans; CSV files, fuzzy matching, eval and database dumps are read by the other engines"
        ))
        .with_hint("leave --engine out (auto), or use --engine stream for a CSV file")
    };
    if command == Command::Eval
        || job.fuzzy.is_some()
        || job.input.is_dir()
        || crate::ingest::read_in_memory(&job.input, &job.csv)
        || !is_parquet(&job.input)
    {
        return Err(refused());
    }
    if !parquet_stream::hashable(&job.input, job)? {
        return Err(refused());
    }
    #[cfg(feature = "ballista")]
    if job.engine == config::Engine::Ballista {
        return Ok(Box::new(
            streaming::Streaming::<datafusion::OnCluster>::default(),
        ));
    }
    #[cfg(not(feature = "ballista"))]
    if job.engine == config::Engine::Ballista {
        return Err(Error::usage(
            "this dupsweep was built without Ballista (--engine ballista)",
        )
        .with_hint("build it with the cargo feature ballista (on by default), or use --engine datafusion"));
    }
    #[cfg(feature = "datafusion")]
    return Ok(Box::new(
        streaming::Streaming::<datafusion::Streamed>::default(),
    ));
    #[cfg(not(feature = "datafusion"))]
    Err(
        Error::usage("this dupsweep was built without DataFusion (--engine datafusion)").with_hint(
            "build it with the cargo feature datafusion (on by default), or use --engine stream",
        ),
    )
}

/// True when the file ends and starts with Parquet's magic bytes.
pub(crate) fn is_parquet(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut f) = std::fs::File::open(path) else {
        return false;
    };
    let mut head = [0u8; 4];
    let mut tail = [0u8; 4];
    f.read_exact(&mut head).is_ok()
        && f.seek(SeekFrom::End(-4)).is_ok()
        && f.read_exact(&mut tail).is_ok()
        && crate::ingest::sniff::is_parquet(&[&head[..], &tail[..]].concat())
}
