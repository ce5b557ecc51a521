//! Scheduled runs: a lock so that two runs never write the same output folder, and
//! `history.jsonl` in the output folder, one line per run (time, inputs and their hashes,
//! per-table duplicate counts), which `dupsweep history DIR` turns into a trend.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The lock file's name inside the output folder.
pub const LOCK_FILE: &str = ".dupsweep.lock";
/// The history file's name inside the output folder.
pub const HISTORY_FILE: &str = "history.jsonl";

/// Held while a run writes into an output folder. The operating system releases the lock when
/// the process ends, however it ends, so a crashed run never leaves the folder locked.
///
/// The lock file is removed when the run ends; a run that opened it just before then would
/// hold a lock on a removed file while a third run creates and locks a new one. So a lock
/// counts only once the file locked is still the one the folder names (same device and inode),
/// else it is taken again; and the file is removed while still locked.
pub struct RunLock {
    dir: PathBuf,
    file: Option<File>,
    created_dir: bool,
}

impl RunLock {
    /// Locks `dir` (creating it when missing), or fails when another run holds it; then
    /// finishes what a killed run left ([`crate::emit::files::recover`]; `inputs`: the run's
    /// inputs, which that never touches).
    pub fn acquire(dir: &Path, inputs: &[&Path]) -> Result<RunLock> {
        let created_dir = !dir.is_dir();
        if created_dir {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(dir, "cannot create the output folder", e))?;
        }
        let path = dir.join(LOCK_FILE);
        let mut lock = RunLock {
            dir: dir.to_path_buf(),
            file: None,
            created_dir,
        };
        for _ in 0..100 {
            let file = OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::io(&path, "cannot create the lock file", e))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => {
                    // not ours: nothing of the folder may be removed on the way out
                    lock.created_dir = false;
                    return Err(Error::io(
                        dir,
                        "another dupsweep run is writing this output folder",
                        std::io::Error::new(
                            std::io::ErrorKind::WouldBlock,
                            format!("{} is locked", path.display()),
                        ),
                    ));
                }
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(Error::io(&path, "cannot lock the output folder", e))
                }
            }
            if same_file(&file, &path) {
                lock.file = Some(file);
                crate::emit::files::recover(dir, inputs)?;
                return Ok(lock);
            }
            // the file was removed (and maybe made anew) after we opened it: take it again
        }
        Err(Error::io(
            &path,
            "cannot lock the output folder",
            std::io::Error::other("the lock file keeps being replaced"),
        ))
    }
}

/// True when `file` (open) is the file `path` names now.
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for RunLock {
    /// Removes the lock file while still holding it, then unlocks (see the type's notes);
    /// removes the folder too when this run created it and left nothing in it (a failed run).
    fn drop(&mut self) {
        if let Some(f) = self.file.take() {
            let _ = std::fs::remove_file(self.dir.join(LOCK_FILE));
            let _ = f.unlock();
        }
        if self.created_dir {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// One table in a history line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryTable {
    pub table: String,
    pub input: String,
    pub sha256: String,
    pub rows: usize,
    pub groups: usize,
    pub rows_removed: usize,
}

/// One line of `history.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When the run finished, UTC, RFC 3339.
    pub time: String,
    pub dupsweep_version: String,
    pub command: String,
    pub tables: Vec<HistoryTable>,
}

/// The current time, UTC, RFC 3339 to the second.
pub fn now() -> String {
    now_as("%Y-%m-%dT%H:%M:%SZ")
}

/// The current time, UTC, in chrono's `format`.
pub fn now_as(format: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(now.as_secs() as i64, now.subsec_nanos())
        .map(|t| t.format(format).to_string())
        .unwrap_or_default()
}

/// Appends one line to `dir/history.jsonl`.
pub fn append(dir: &Path, entry: &HistoryEntry) -> Result<()> {
    let path = dir.join(HISTORY_FILE);
    let mut line = serde_json::to_string(entry).map_err(|e| Error::Internal(e.to_string()))?;
    line.push('\n');
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| Error::io(&path, "cannot open the history file", e))?;
    f.write_all(line.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| Error::io(&path, "cannot write the history file", e))
}

/// Reads `dir/history.jsonl`; a line that is not an entry is an error naming it.
pub fn read(dir: &Path) -> Result<Vec<HistoryEntry>> {
    let path = dir.join(HISTORY_FILE);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(&path, "cannot read the history file", e))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).map_err(|e| {
                Error::data(
                    crate::error::Location::file(&path).line(i as u64 + 1),
                    format!("not a history entry: {e}"),
                )
            })
        })
        .collect()
}

/// Whether duplicates are coming back: the last run against the runs before it of the same
/// tables (by name; a table's latest earlier run, wherever it was, so a whole dump's run and a
/// run of one of its tables compare on that table), never against other tables' runs.
fn trend(entries: &[HistoryEntry]) -> Option<String> {
    let (last, earlier) = entries.split_last()?;
    let total: usize = last.tables.iter().map(|t| t.rows_removed).sum();
    if total == 0 {
        return Some("the last run found no duplicates".to_owned());
    }
    let (mut a, mut b) = (0, 0);
    let mut names: Vec<&str> = Vec::new();
    for t in &last.tables {
        let before = earlier
            .iter()
            .rev()
            .find_map(|e| e.tables.iter().find(|p| p.table == t.table));
        if let Some(p) = before {
            a += p.rows_removed;
            b += t.rows_removed;
            names.push(&t.table);
        }
    }
    let which = match names.len() {
        0 => {
            let all: Vec<&str> = last.tables.iter().map(|t| t.table.as_str()).collect();
            return Some(format!(
                "no earlier run of {} to compare the last one with",
                list(&all)
            ));
        }
        _ => list(&names),
    };
    Some(if b > a {
        format!("duplicates are coming back in {which}: {b} rows in the last run, {a} in the run before")
    } else if b < a {
        format!("fewer duplicates in {which}: {b} rows in the last run, {a} in the run before")
    } else {
        format!("as many duplicates in {which} as in the run before: {b} rows")
    })
}

/// Table names for a sentence: up to three by name, more by their number.
fn list(names: &[&str]) -> String {
    if names.len() <= 3 {
        names.join(", ")
    } else {
        format!("{} tables", names.len())
    }
}

/// The trend for people: per run its time and the rows removed per table, then whether the
/// last run found more or fewer duplicates than the runs before it of the same tables.
pub fn render(entries: &[HistoryEntry]) -> String {
    let mut names: Vec<&str> = Vec::new();
    for e in entries {
        for t in &e.tables {
            if !names.contains(&t.table.as_str()) {
                names.push(&t.table);
            }
        }
    }
    let mut out = String::new();
    if entries.is_empty() {
        out.push_str("no runs recorded yet\n");
        return out;
    }
    let width: Vec<usize> = names.iter().map(|n| n.chars().count().max(6)).collect();
    out.push_str(&format!("{:<21} {:<7}", "time (UTC)", "command"));
    for (n, w) in names.iter().zip(&width) {
        out.push_str(&format!(" {n:>w$}"));
    }
    out.push_str("   (duplicate rows removed per table)\n");
    for e in entries {
        out.push_str(&format!("{:<21} {:<7}", e.time, e.command));
        for (n, w) in names.iter().zip(&width) {
            let cell = e
                .tables
                .iter()
                .find(|t| t.table == *n)
                .map(|t| t.rows_removed.to_string())
                .unwrap_or_else(|| "-".into());
            out.push_str(&format!(" {cell:>w$}"));
        }
        out.push('\n');
    }
    if let Some(verdict) = trend(entries) {
        out.push_str(&verdict);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lock could be held twice: a run that opened the lock file just before the holder
    /// removed it got a lock on the removed file, while a third run created a new one and
    /// locked that. A lock now counts only on the file the folder still names.
    #[test]
    fn lock_cannot_be_held_twice_when_its_file_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOCK_FILE);
        let first = RunLock::acquire(dir.path(), &[]).unwrap();
        // a second run opens the file, then the first one ends (removing it)
        let late = OpenOptions::new().write(true).open(&path).unwrap();
        assert!(
            RunLock::acquire(dir.path(), &[]).is_err(),
            "held by the first run"
        );
        drop(first);
        assert!(!path.exists());
        // the late opener gets its lock, but on a file the folder no longer names
        late.try_lock().unwrap();
        assert!(!same_file(&late, &path));
        // a third run makes and locks a new file; the late one, taking it again, is refused
        let third = RunLock::acquire(dir.path(), &[]).unwrap();
        assert!(same_file(third.file.as_ref().unwrap(), &path));
        drop(late);
        let again = RunLock::acquire(dir.path(), &[]);
        assert!(again.is_err(), "the lock was taken twice");
        drop(third);
        assert!(!path.exists());
    }
}
