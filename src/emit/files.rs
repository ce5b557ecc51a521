//! Atomic outputs: every file is written to a temporary file in the output folder, and only
//! when all of them were written are they moved into place as one generation
//! ([`Outputs::commit`]): a journal names the moves; the older outputs of the same tables go
//! first (`report.json` and the manifest before the rest), then the new files are renamed into
//! place (`report.json` last), then the manifest (`dupsweep-manifest.txt`, the names of the
//! complete outputs in the folder, one a line) replaces the journal. So the folder never holds
//! files of two runs of a table side by side, and `report.json` is there only when every file
//! it lists is; outputs of other tables (written by other runs into the same folder) stay. A run
//! killed while moving its files leaves the journal, and the next run on the folder finishes the
//! move ([`recover`]) and removes the temporary files of runs killed before that.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// Files being written, renamed into place together by [`Outputs::commit`].
pub struct Outputs {
    dir: PathBuf,
    protect: Vec<PathBuf>,
    pending: Vec<(NamedTempFile, PathBuf)>,
    /// True when this run created the folder (removed again if the run fails).
    created_dir: bool,
    /// The temporary files' name prefix: [`TEMP_PREFIX`] for a run's outputs, which the next
    /// run on the folder removes when a killed run left them.
    prefix: &'static str,
    /// The tables whose outputs this run replaces ([`Outputs::owning`]).
    tables: Vec<String>,
}

/// What a table's output files are called after the table (`T.cleaned.csv`…): a run that
/// writes table `T` replaces every file so named, whichever of them it writes itself.
const SUFFIXES: &[&str] = &[
    "cleaned.csv",
    "cleaned.parquet",
    "removed.csv",
    "removed.parquet",
    "pairs.csv",
    "pairs.parquet",
    "review.csv",
    "review.parquet",
    "repointed.csv",
    "repointed.parquet",
    "groups.csv",
    "postgres.sql",
    "postgres.undo.sql",
    "postgres.prevent.sql",
    "mysql.sql",
    "mysql.undo.sql",
    "mysql.prevent.sql",
    "sqlite.sql",
    "sqlite.undo.sql",
    "sqlite.prevent.sql",
];

/// The name prefix of a run's temporary files in its output folder.
pub const TEMP_PREFIX: &str = ".dupsweep-run-";
/// The journal of a commit in progress: the moves still to make ([`recover`]).
pub const JOURNAL: &str = ".dupsweep-commit";
/// The names of the files the last complete run wrote.
pub const MANIFEST: &str = "dupsweep-manifest.txt";

/// A file of a commit: its temporary name, its final name and its size.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Move {
    tmp: String,
    target: String,
    bytes: u64,
}

/// What a commit does, written before it starts moving files.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Journal {
    /// `report.json` last.
    moves: Vec<Move>,
    /// Older outputs of the same tables that the new run does not write.
    stale: Vec<String>,
    /// The manifest once the moves are made: the other tables' outputs, then these.
    manifest: Vec<String>,
}

impl Outputs {
    /// `protect`: files that must never be overwritten (the inputs).
    pub fn new(dir: &Path, protect: &[&Path]) -> Self {
        Outputs {
            dir: dir.to_path_buf(),
            protect: protect
                .iter()
                .filter_map(|p| std::fs::canonicalize(p).ok())
                .collect(),
            pending: Vec::new(),
            created_dir: false,
            prefix: TEMP_PREFIX,
            tables: Vec::new(),
        }
    }

    /// The tables whose outputs this run writes: their files from an older run are replaced
    /// as a whole (one this run does not write, such as a script of a dialect no longer asked
    /// for, is removed); other tables' files in the folder stay. `dump` for a whole dump's
    /// scripts.
    pub fn owning(mut self, tables: &[&str]) -> Self {
        self.tables = tables.iter().map(|t| t.to_string()).collect();
        self
    }

    /// A file name safe on every system for a table name.
    pub fn file_name(table: &str, suffix: &str) -> String {
        let safe: String = table
            .chars()
            .map(|c| {
                if matches!(c, '/' | '\\' | '\0' | ':') || c.is_control() {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        format!("{safe}.{suffix}")
    }

    /// Writes `name` through `fill`; returns the final path.
    pub fn write(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut BufWriter<Writeback<'_>>) -> Result<()>,
    ) -> Result<PathBuf> {
        let mut paths = self.write_many(&[name], |w| fill(&mut w[0]))?;
        Ok(paths.remove(0))
    }

    /// Writes several files at once through `fill` (one writer per name, in order); returns
    /// their final paths.
    pub fn write_many(
        &mut self,
        names: &[&str],
        fill: impl FnOnce(&mut [BufWriter<Writeback<'_>>]) -> Result<()>,
    ) -> Result<Vec<PathBuf>> {
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| Error::io(&self.dir, "cannot create the output folder", e))?;
            self.created_dir = true;
        }
        let mut files = Vec::with_capacity(names.len());
        for name in names {
            files.push(self.create(name)?);
        }
        let targets: Vec<PathBuf> = files.iter().map(|f| f.1.clone()).collect();
        {
            let mut writers: Vec<BufWriter<Writeback<'_>>> = files
                .iter_mut()
                .map(|(tmp, _)| {
                    BufWriter::with_capacity(1 << 20, Writeback::new(tmp.as_file_mut()))
                })
                .collect();
            fill(&mut writers)?;
            for (w, target) in writers.iter_mut().zip(&targets) {
                w.flush()
                    .map_err(|e| Error::io(target, "cannot write", e))?;
            }
        }
        let mut paths = Vec::with_capacity(files.len());
        for (tmp, target) in files {
            tmp.as_file()
                .sync_all()
                .map_err(|e| Error::io(&target, "cannot write", e))?;
            paths.push(target.clone());
            self.pending.push((tmp, target));
        }
        Ok(paths)
    }

    /// A file to write outside [`Outputs`] (on another thread, say), handed back with
    /// [`Outputs::add`].
    pub fn reserve(&mut self, name: &str) -> Result<Pending> {
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| Error::io(&self.dir, "cannot create the output folder", e))?;
            self.created_dir = true;
        }
        let (tmp, target) = self.create(name)?;
        Ok(Pending { tmp, target })
    }

    /// A reserved file, written: renamed into place with the others by [`Outputs::commit`].
    pub fn add(&mut self, p: Pending) -> PathBuf {
        let target = p.target.clone();
        self.pending.push((p.tmp, p.target));
        target
    }

    /// A temporary file for `name` in the output folder, and the path it will get.
    fn create(&self, name: &str) -> Result<(NamedTempFile, PathBuf)> {
        let target = self.dir.join(name);
        if let Ok(canon) = std::fs::canonicalize(&target) {
            if self.protect.contains(&canon) {
                return Err(Error::usage(format!(
                    "the output {} would overwrite the input",
                    target.display()
                ))
                .with_hint("choose another --out folder"));
            }
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(self.prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            // ordinary permissions for the finished files (the umask still applies)
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let tmp = builder
            .tempfile_in(&self.dir)
            .map_err(|e| Error::io(&self.dir, "cannot create a file in the output folder", e))?;
        Ok((tmp, target))
    }

    /// The output folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `name` with `text`; returns the final path.
    pub fn write_text(&mut self, name: &str, text: &str) -> Result<PathBuf> {
        let target = self.dir.join(name);
        self.write(name, |w| {
            w.write_all(text.as_bytes())
                .map_err(|e| Error::io(&target, "cannot write", e))
        })
    }

    /// Moves every written file into place, as one generation (see the module's notes): the
    /// temporary files are kept (and synced into the folder), a journal names their moves, and
    /// `apply` makes them. A failure before the journal exists removes the kept files.
    pub fn commit(mut self) -> Result<()> {
        let mut pending = std::mem::take(&mut self.pending);
        // report.json last: it is there only when every file it lists is
        pending.sort_by_key(|(_, target)| target.file_name() == Some("report.json".as_ref()));
        let mut kept = Vec::new();
        match self.journal(pending, &mut kept) {
            Ok(journal) => {
                self.created_dir = false;
                apply(&self.dir, &journal, &self.protect)
            }
            Err(e) => {
                for k in kept {
                    let _ = std::fs::remove_file(k);
                }
                Err(e)
            }
        }
    }

    /// Keeps the temporary files (their paths into `kept`), works out the moves, the older
    /// outputs to remove and the next manifest, and writes them as the journal.
    fn journal(
        &self,
        pending: Vec<(NamedTempFile, PathBuf)>,
        kept: &mut Vec<PathBuf>,
    ) -> Result<Journal> {
        let name = |p: &Path| -> Result<String> {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .ok_or_else(|| Error::Internal(format!("{} is not a file name", p.display())))
        };
        let mut moves = Vec::with_capacity(pending.len());
        for (tmp, target) in pending {
            let fail = |e| Error::io(&target, "cannot move the finished file into place", e);
            let bytes = tmp.as_file().metadata().map_err(fail)?.len();
            let path = tmp.into_temp_path().keep().map_err(|e| fail(e.error))?;
            kept.push(path.clone());
            moves.push(Move {
                tmp: name(&path)?,
                target: name(&target)?,
                bytes,
            });
        }
        let new: Vec<&str> = moves.iter().map(|m| m.target.as_str()).collect();
        let owned = |n: &str| {
            n == "report.json"
                || n == "report.html"
                || self
                    .tables
                    .iter()
                    .any(|t| SUFFIXES.iter().any(|s| Outputs::file_name(t, s) == n))
        };
        // (never an input: a run may read an older run's output from the same folder)
        let keep = |n: &str| new.contains(&n) || is_input(&self.dir, n, &self.protect);
        let previous = previous_outputs(&self.dir);
        let stale: Vec<String> = previous
            .iter()
            .filter(|n| owned(n) && !keep(n) && is_plain_file(&self.dir.join(n)))
            .cloned()
            .collect();
        let mut manifest: Vec<String> = previous
            .into_iter()
            .filter(|n| !owned(n) && !new.contains(&n.as_str()) && self.dir.join(n).is_file())
            .collect();
        manifest.extend(new.iter().map(|n| n.to_string()));
        let journal = Journal {
            moves,
            stale,
            manifest,
        };
        let text = serde_json::to_vec(&journal).map_err(|e| Error::Internal(e.to_string()))?;
        // the temporary files' entries are on disk before a journal names them
        sync_dir(&self.dir)?;
        write_small(&self.dir, JOURNAL, &text)?;
        Ok(journal)
    }
}

/// The outputs dupsweep wrote in `dir` before: its manifest, or, for a folder written before
/// manifests, the files its `report.json` lists. Only names of files in `dir` itself.
fn previous_outputs(dir: &Path) -> Vec<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) {
        return text
            .lines()
            .filter(|n| plain(n))
            .map(str::to_owned)
            .collect();
    }
    let Ok(report) = std::fs::read(dir.join("report.json")) else {
        return Vec::new();
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&report) else {
        return Vec::new();
    };
    let mut names: Vec<String> = v["outputs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| o["path"].as_str())
        .filter_map(|p| Path::new(p).file_name()?.to_str().map(str::to_owned))
        .filter(|n| plain(n))
        .collect();
    names.push("report.json".into());
    names.sort();
    names.dedup();
    names
}

/// A name of a file directly in the folder: no separator, not `.` or `..`.
fn plain(n: &str) -> bool {
    !n.is_empty() && !n.contains(['/', '\\', '\0']) && n != "." && n != ".."
}

/// True for a regular file (not a folder, not a link to one).
fn is_plain_file(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_file())
}

/// True when `dir/name` is one of the run's inputs (canonical paths).
fn is_input(dir: &Path, name: &str, protect: &[PathBuf]) -> bool {
    std::fs::canonicalize(dir.join(name)).is_ok_and(|c| protect.contains(&c))
}

/// Writes a small file of ours in `dir` atomically (a temporary file, synced, renamed, and the
/// folder synced).
fn write_small(dir: &Path, name: &str, data: &[u8]) -> Result<()> {
    let path = dir.join(name);
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, "cannot create a file in the output folder", e))?;
    tmp.write_all(data)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::io(&path, "cannot write", e))?;
    tmp.persist(&path)
        .map_err(|e| Error::io(&path, "cannot write", e.error))?;
    sync_dir(dir)
}

/// Makes the folder's entries (creations, renames, removals) durable. File systems that cannot
/// sync a folder (some network and virtual ones answer EINVAL, EBADF or ENOTSUP, as PostgreSQL
/// also allows for) are taken as they are.
fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let d = File::open(dir).map_err(|e| Error::io(dir, "cannot sync the output folder", e))?;
        if let Err(e) = d.sync_all() {
            let unsupported = matches!(
                e.raw_os_error(),
                Some(libc::EINVAL) | Some(libc::EBADF) | Some(libc::ENOTSUP)
            );
            if !unsupported {
                return Err(Error::io(dir, "cannot sync the output folder", e));
            }
        }
    }
    Ok(())
}

/// Carries out a journal's moves in `dir` (a commit, or the rest of one a killed run began):
/// the older outputs go first (the manifest, then `report.json`, then the rest), but for the
/// new files already moved (their temporary file is gone and the file in place has their
/// size); then the remaining temporary files are renamed into place (`report.json` last), the
/// manifest is written and the journal removed. A journal naming anything but plain file
/// names of the folder, or an input of the run (`protect`), is refused.
fn apply(dir: &Path, j: &Journal, protect: &[PathBuf]) -> Result<()> {
    let bad = |what: String| {
        Error::io(
            &dir.join(JOURNAL),
            "cannot finish an interrupted run's outputs",
            std::io::Error::new(std::io::ErrorKind::InvalidData, what),
        )
        .with_hint(journal_hint(dir))
    };
    for m in &j.moves {
        if !plain(&m.tmp) || !m.tmp.starts_with(TEMP_PREFIX) || !plain(&m.target) {
            return Err(bad(format!(
                "the journal names {:?} and {:?}",
                m.tmp, m.target
            )));
        }
        if is_input(dir, &m.target, protect) {
            return Err(bad(format!("{} is an input of this run", m.target)));
        }
    }
    if let Some(n) = j.stale.iter().chain(&j.manifest).find(|n| !plain(n)) {
        return Err(bad(format!("the journal names {n:?}")));
    }
    let remove = |name: &str| -> Result<()> {
        match std::fs::remove_file(dir.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(
                &dir.join(name),
                "cannot remove the older run's file",
                e,
            )),
            _ => Ok(()),
        }
    };
    let mut waiting = Vec::new();
    for m in &j.moves {
        if dir.join(&m.tmp).exists() {
            waiting.push(m);
        } else if std::fs::metadata(dir.join(&m.target)).map(|t| t.len()).ok() != Some(m.bytes) {
            return Err(bad(format!("{} is neither waiting nor in place", m.target)));
        }
    }
    remove(MANIFEST)?;
    let mut old: Vec<&str> = j
        .stale
        .iter()
        .map(String::as_str)
        .filter(|n| !is_input(dir, n, protect))
        .collect();
    old.extend(waiting.iter().map(|m| m.target.as_str()));
    old.sort_by_key(|n| *n != "report.json");
    for name in old {
        remove(name)?;
    }
    sync_dir(dir)?;
    for m in waiting {
        std::fs::rename(dir.join(&m.tmp), dir.join(&m.target)).map_err(|e| {
            Error::io(
                &dir.join(&m.target),
                "cannot move the finished file into place",
                e,
            )
        })?;
    }
    sync_dir(dir)?;
    let mut manifest = String::new();
    for name in &j.manifest {
        manifest.push_str(name);
        manifest.push('\n');
    }
    write_small(dir, MANIFEST, manifest.as_bytes())?;
    remove(JOURNAL)?;
    sync_dir(dir)
}

/// What to do when an interrupted run's journal in `dir` cannot be followed.
fn journal_hint(dir: &Path) -> String {
    format!(
        "remove {} and the .dupsweep-run-*.tmp files beside it to start afresh",
        dir.join(JOURNAL).display()
    )
}

/// Before a run writes into `dir` (holding its lock): finishes the commit of a run that was
/// killed while moving its files into place, and removes the temporary files of runs killed
/// before that.
/// `protect`: the run's inputs, which no journal may remove or replace.
pub fn recover(dir: &Path, protect: &[&Path]) -> Result<()> {
    let protect: Vec<PathBuf> = protect
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    match std::fs::read(dir.join(JOURNAL)) {
        Ok(text) => {
            let j: Journal = serde_json::from_slice(&text).map_err(|e| {
                Error::io(
                    &dir.join(JOURNAL),
                    "cannot read the journal of an interrupted run",
                    std::io::Error::new(std::io::ErrorKind::InvalidData, e),
                )
                .with_hint(journal_hint(dir))
            })?;
            apply(dir, &j, &protect)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(&dir.join(JOURNAL), "cannot read", e)),
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read the output folder", e))?;
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if is_leftover(&name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

/// A temporary file a run left: ours ([`TEMP_PREFIX`]), or of a version that named them
/// `.dupsweep-XXXXXX.tmp`.
fn is_leftover(name: &str) -> bool {
    let Some(rest) = name.strip_suffix(".tmp") else {
        return false;
    };
    if rest.starts_with(TEMP_PREFIX) {
        return true;
    }
    rest.strip_prefix(".dupsweep-")
        .is_some_and(|r| r.len() == 6 && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl Drop for Outputs {
    /// A run that failed before `commit` leaves nothing: temporary files are deleted, and the
    /// folder too when this run created it.
    fn drop(&mut self) {
        self.pending.clear();
        if self.created_dir {
            let _ = std::fs::remove_dir(&self.dir);
        }
    }
}

/// A file reserved by [`Outputs::reserve`].
pub struct Pending {
    tmp: NamedTempFile,
    target: PathBuf,
}

impl Pending {
    /// The path the file will get.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Writes the file through `fill`, then flushes it to disk.
    pub fn write(&mut self, fill: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        {
            let mut w = BufWriter::with_capacity(1 << 20, Writeback::new(self.tmp.as_file_mut()));
            fill(&mut w)?;
            w.flush()
                .map_err(|e| Error::io(&self.target, "cannot write", e))?;
        }
        self.tmp
            .as_file()
            .sync_all()
            .map_err(|e| Error::io(&self.target, "cannot write", e))
    }
}

/// A file being written that, every 16 MiB, has the kernel start writing the part already
/// written to disk (Linux): the fsync that ends every output then waits for little, instead of
/// for all of a multi-gigabyte output at once.
pub struct Writeback<'f> {
    file: &'f mut File,
    written: u64,
    started: u64,
}

impl<'f> Writeback<'f> {
    fn new(file: &'f mut File) -> Self {
        Writeback {
            file,
            written: 0,
            started: 0,
        }
    }
}

impl Write for Writeback<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= 16 << 20 {
            start_writeback(self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Asks the kernel to start writing `len` bytes from `offset` of `file` to disk, without
/// waiting (a hint: the fsync at the end is what makes the file durable).
#[cfg(target_os = "linux")]
fn start_writeback(file: &File, offset: u64, len: u64) {
    use std::os::fd::AsRawFd;
    // SAFETY: `sync_file_range` only reads its integer arguments; the descriptor stays open
    // for the call (`file` is borrowed). Its result is a hint's: an error is ignored, as the
    // final fsync reports any real one.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            offset as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn start_writeback(_file: &File, _offset: u64, _len: u64) {}

/// Maps a write error to our error for `path`.
pub fn io_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, "cannot write", e)
}

/// Writes one file atomically (a temporary file beside it, then a rename), refusing to
/// overwrite any of `protect` (the inputs).
pub fn write_atomic(path: &Path, data: &[u8], protect: &[&Path]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::usage(format!("{} is not a file name", path.display())))?;
    let mut outs = Outputs::new(&dir, protect);
    // a file of its own, outside any run's output folder lock: not a run's temporary file
    outs.prefix = ".dupsweep-file-";
    outs.write(&name, |w| w.write_all(data).map_err(io_err(path)))?;
    let (tmp, target) = outs
        .pending
        .pop()
        .ok_or_else(|| Error::Internal("nothing written".into()))?;
    outs.created_dir = false;
    tmp.persist(&target)
        .map_err(|e| Error::io(&target, "cannot move the finished file into place", e.error))?;
    Ok(())
}
