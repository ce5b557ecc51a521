//! Which engine reads a table: the in-memory one, or a streaming one ([`super::stream`] for
//! CSV, [`super::stream_parquet`] for Parquet) for exact duplicates.

use std::path::Path;

use super::Command;
use crate::config::{Engine, Job};
use crate::error::{Error, Result};

/// Which engine reads the dump.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Memory,
    /// [`super::stream`].
    Csv,
    /// [`super::stream_parquet`].
    Parquet,
}

/// Which engine reads the dump: a streaming one for exact duplicates (clean, scan) in a CSV
/// file, or in a Parquet file whose key columns are of plain types, unless `--engine memory`.
pub fn chosen(command: Command, job: &Job) -> Result<Chosen> {
    if job.engine == Engine::Memory {
        return Ok(Chosen::Memory);
    }
    let exact = command != Command::Eval && job.fuzzy.is_none() && !job.input.is_dir();
    let fits = if !exact {
        None
    } else if is_parquet(&job.input) {
        match super::stream_parquet::hashable(&job.input, job) {
            Ok(true) => Some(Chosen::Parquet),
            Ok(false) => None,
            Err(e) if job.engine == Engine::Stream => return Err(e),
            // the in-memory engine reports it as it always has
            Err(_) => None,
        }
    } else {
        Some(Chosen::Csv)
    };
    match fits {
        Some(c) => Ok(c),
        None if job.engine == Engine::Stream => Err(Error::usage(
            "--engine stream finds exact duplicates (clean, scan) in a CSV file, or in a Parquet file whose key columns hold text, numbers, dates or booleans; fuzzy matching, eval and other Parquet keys are read in memory",
        )
        .with_hint("leave --engine out (auto) or use --engine memory")),
        None => Ok(Chosen::Memory),
    }
}

/// True when the file ends and starts with Parquet's magic bytes.
fn is_parquet(path: &Path) -> bool {
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
