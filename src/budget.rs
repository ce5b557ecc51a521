//! The memory budget: how `--memory-limit` is shared between the parts of a run that hold
//! data, what the in-memory engine checks before it holds a table (`fits_in_memory`), and the
//! allocator's tuning, so that memory freed by one step does not count in the next one's peak.
//! The streaming engines spill past their shares ([`crate::spill`] for row values,
//! [`crate::detect::hashed`] for key hashes); how much their grouped records need is worked
//! out by each engine from its own record sizes.

use crate::config::Job;
use crate::error::{Error, Location, Result};
use crate::model::Table;

/// The index of the records' key hashes (one pass's): an eighth of the limit, then spilled.
pub fn key_index(limit: u64) -> usize {
    (limit / 8) as usize
}

/// Each first-pass thread's counters of distinct values: a sixteenth of the limit (at most
/// 128 MiB) each, then spilled.
pub fn distinct_counter(limit: u64) -> usize {
    (limit / 16).min(128 << 20) as usize
}

/// A file large for the limit (over half of it): freed memory goes back to the system at once
/// ([`return_freed_memory_early`]), for a few % more time.
pub fn large_for(file_bytes: Option<u64>, limit: u64) -> bool {
    file_bytes.is_some_and(|t| t > limit / 2)
}

/// A size for messages: `1.5 GiB`, `300 MiB`, `100 KiB`.
pub fn size_text(b: u64) -> String {
    if b >= 1 << 30 {
        format!("{:.1} GiB", b as f64 / f64::from(1u32 << 30))
    } else if b >= 1 << 20 {
        format!("{} MiB", b.div_ceil(1 << 20))
    } else {
        format!("{} KiB", b.div_ceil(1 << 10))
    }
}

/// The in-memory engine's peak per byte of its table (Polars' estimate of the frame), rounded
/// up from `/usr/bin/time` runs on the bench dumps: exact duplicates in 1M students, 550 MB for
/// an 87 MB frame.
const PEAK_PER_TABLE_BYTE: u64 = 7;
/// Fuzzy matching's peak, from `eval --fuzzy` runs on generated people (`/usr/bin/time`, MiB):
/// 57 for a 1.8 MiB table (20k), 139 for 9 MiB (100k), 755 for 92 MiB (1M), 5,823 for 939 MiB
/// (10M; 5,385 since clustering and preparation hold less, and `clean` 5,255). The share per byte falls as the table grows (threads and buffers are a fixed cost), so
/// the estimate is the lower of two lines, each above every run where it is the lower: a small
/// fixed part and 9 times the table (small tables; 141 MiB at 100k), and a larger fixed part
/// and 6 times the table (from about 60 MiB of table on: 792 MiB at 1M, 5,874 MiB at 10M).
const FUZZY_PEAK_SMALL: (u64, u64) = (60 << 20, 9);
const FUZZY_PEAK_LARGE: (u64, u64) = (240 << 20, 6);

/// Fuzzy matching's estimated peak for a table of `size` bytes (see [`FUZZY_PEAK_SMALL`]).
fn fuzzy_peak(size: u64) -> u64 {
    let line = |(fixed, per_byte): (u64, u64)| fixed.saturating_add(size.saturating_mul(per_byte));
    line(FUZZY_PEAK_SMALL).min(line(FUZZY_PEAK_LARGE))
}
/// Reading a file in memory holds its bytes and then its table beside them (1M students: 341 MB
/// for a 99 MB file). A compressed file's decompressed bytes are not counted before reading: its
/// table is, once read.
const READ_PER_FILE_BYTE: u64 = 3;

/// Whether the in-memory engine stays within `--memory-limit`: before reading (`None`, from the
/// file's size) and once the table is read (from its size); in a whole dump, beside what the
/// tables read before it hold (`dump`). An error says how much it would need, and nothing has
/// been written then.
pub(crate) fn fits_in_memory(job: &Job, table: Option<&Table>, dump: Option<u64>) -> Result<()> {
    let limit = job.memory_limit;
    let (need, what) = match table {
        // a database's dump is read as a stream (only its table is held): the table is
        // checked once read
        None if crate::ingest::sql_dump(&job.input).is_some() => return Ok(()),
        None => {
            let bytes = std::fs::metadata(&job.input).map_or(0, |m| m.len());
            let need = bytes.saturating_mul(READ_PER_FILE_BYTE);
            (need, format!("reading its {} file needs", size_text(bytes)))
        }
        Some(t) => {
            let size = t.df.estimated_size() as u64;
            let need = match job.fuzzy {
                Some(_) => fuzzy_peak(size),
                None => size.saturating_mul(PEAK_PER_TABLE_BYTE),
            };
            // an input read once (a pipe) keeps its bytes to the end, which the runs the
            // factors come from did not
            let held = t
                .raw
                .as_ref()
                .and_then(|r| r.data.as_ref())
                .map_or(0, |d| d.len());
            let need = need.saturating_add(held as u64);
            let what = format!(
                "its {} records ({} as a table){}",
                t.df.height(),
                size_text(size),
                if job.fuzzy.is_some() {
                    " and their fuzzy matching need"
                } else {
                    " need"
                }
            );
            (need, what)
        }
    };
    let held = dump.unwrap_or(0);
    if held.saturating_add(need) <= limit {
        return Ok(());
    }
    let before = match held {
        0 => String::new(),
        _ => format!(
            " ({} with what the tables read before it hold)",
            size_text(held.saturating_add(need))
        ),
    };
    let why = if dump.is_some() {
        "a whole dump is read in memory"
    } else if job.fuzzy.is_some() {
        "fuzzy matching reads the whole table in memory"
    } else if job.engine == crate::config::Engine::Memory {
        "--engine memory reads the whole table"
    } else if job.truth.is_some() {
        "eval reads the whole table in memory"
    } else if crate::ingest::read_in_memory(&job.input, &job.csv) {
        "a table of a database's dump or export is read in memory"
    } else {
        "this file is read in memory (the streaming engine cannot hash its key columns' types)"
    };
    let mut hint = "raise --memory-limit".to_string();
    if dump.is_none() && job.fuzzy.is_none() && job.engine == crate::config::Engine::Memory {
        hint.push_str(", or leave --engine out: exact duplicates in a CSV or Parquet file are streamed with far less");
    }
    Err(Error::data(
        Location::file(&job.input),
        format!(
            "{why}: {what} about {}{before}, over --memory-limit {}",
            size_text(need),
            size_text(limit)
        ),
    )
    .with_hint(hint))
}

/// From now on, gives freed memory back to the system as soon as 1 MiB of it is free at the
/// top of a heap, and serves every allocation over 128 KiB with its own mapping (glibc would
/// otherwise raise that threshold after large frees, up to 32 MiB, and keep such blocks once
/// freed). For runs that `--memory-limit` constrains: on the 10M-row dump with 10% duplicates
/// under a 479 MiB limit, the peak went from 455-494 MiB to 379 MiB in alternating runs, at
/// a cost in time within this host's noise (8.2-8.6 s against 8.9-9.0 s).
pub fn return_freed_memory_early() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's thresholds
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
        // back to its default, in case large frees already raised it
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 << 10);
    }
}

/// Gives the memory freed so far back to the system (glibc keeps freed memory for reuse, and
/// what the detection freed would otherwise count in the writing's peak).
pub fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of the allocator's own heaps
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzzy_estimate_is_above_every_run_it_was_drawn_from() {
        // (table, measured peak) in MiB: generated people at 20k, 100k, 1M and 10M records
        for (table, peak) in [(1.8, 57.0), (9.0, 139.0), (92.0, 755.0), (939.0, 5823.0)] {
            let estimate = fuzzy_peak((table * f64::from(1u32 << 20)) as u64) >> 20;
            assert!(estimate as f64 >= peak, "{table} MiB: {estimate} MiB");
            // and not far above it where the tables are large
            if table > 50.0 {
                assert!(
                    (estimate as f64) < peak * 1.1,
                    "{table} MiB: {estimate} MiB"
                );
            }
        }
    }
}
