//! Streams as inputs: standard input (`-`), a pipe (`/dev/stdin`, `<(…)`) or a named pipe
//! (FIFO) is copied once to a temporary file, which the engines then read as often as they
//! need (a stream cannot be read twice: a second open of a pipe starts mid-stream). Every
//! message, report and script header shows the stream by the name it was given, never the
//! temporary file's. A named pipe that nobody opens for writing within the wait is an error,
//! not a hang.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Location, Result};

/// A stream's copy: the temporary file (removed when this is dropped) and what it stands for.
pub struct Spooled {
    pub path: PathBuf,
    _file: tempfile::TempPath,
}

impl Spooled {
    /// A temporary file already written (a live table's copy).
    pub fn of(path: tempfile::TempPath) -> Spooled {
        Spooled {
            path: path.to_path_buf(),
            _file: path,
        }
    }
}

/// True when `input` is a stream: `-`, or a path to something that is neither a regular file
/// nor a folder (a pipe, a named pipe, a character device).
pub fn is_stream(input: &Path) -> bool {
    input.as_os_str() == "-" || std::fs::metadata(input).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Copies the stream `input` to a temporary file in `dir` (the system's when `None`), waiting
/// at most `wait` for a named pipe's writer; `None` when `input` is no stream.
pub fn spool(input: &Path, dir: Option<&Path>, wait: Duration) -> Result<Option<Spooled>> {
    if !is_stream(input) {
        return Ok(None);
    }
    let shown = if input.as_os_str() == "-" {
        PathBuf::from("-")
    } else {
        input.to_path_buf()
    };
    let tmp = match dir {
        Some(d) => tempfile::Builder::new()
            .prefix(".dupsweep-stream-")
            .tempfile_in(d),
        None => tempfile::Builder::new()
            .prefix("dupsweep-stream-")
            .tempfile(),
    }
    .map_err(|e| {
        Error::io(
            dir.unwrap_or(&std::env::temp_dir()),
            "cannot create a temporary file for the stream",
            e,
        )
    })?;
    let (mut file, path) = tmp.into_parts();
    let copied = if input.as_os_str() == "-" {
        use std::io::IsTerminal;
        let stdin = std::io::stdin();
        if stdin.is_terminal() {
            return Err(Error::usage(
                "- reads the dump from standard input, which is a terminal here",
            )
            .with_hint("pipe it in: cat dump.csv | dupsweep clean - …, or give the file"));
        }
        std::io::copy(&mut stdin.lock(), &mut file)
    } else {
        let mut src = open_waiting(input, wait).map_err(|e| e.at(&shown))?;
        std::io::copy(&mut src, &mut file)
    };
    copied
        .and_then(|_| file.flush())
        .map_err(|e| Error::io(&shown, "cannot read the stream", e))?;
    drop(file);
    crate::error::show_as(&path, &shown);
    Ok(Some(Spooled {
        path: path.to_path_buf(),
        _file: path,
    }))
}

/// Why opening a stream failed, before its name is known to the message.
struct OpenError(std::io::Error, Option<Duration>);

impl OpenError {
    fn at(self, shown: &Path) -> Error {
        match self.1 {
            Some(wait) => Error::data(
                Location::file(shown),
                format!(
                    "nobody writes to this named pipe (waited {} s)",
                    wait.as_secs()
                ),
            )
            .with_hint("start the program that writes to it first, or give a file"),
            None => Error::io(shown, "cannot read the stream", self.0),
        }
    }
}

/// Opens a pipe for reading; a named pipe that no writer opens within `wait` is an error. The
/// open (which waits for a writer) runs on a thread of its own: a writer that opens the pipe
/// in time may then take as long as it needs to write.
fn open_waiting(path: &Path, wait: Duration) -> std::result::Result<Box<dyn Read>, OpenError> {
    #[cfg(unix)]
    let fifo = {
        use std::os::unix::fs::FileTypeExt;
        std::fs::metadata(path).is_ok_and(|m| m.file_type().is_fifo())
    };
    #[cfg(not(unix))]
    let fifo = false;
    if !fifo {
        return std::fs::File::open(path)
            .map(|f| Box::new(f) as Box<dyn Read>)
            .map_err(|e| OpenError(e, None));
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.to_path_buf();
    // (when nobody comes, the thread stays blocked in its open until the process ends)
    std::thread::spawn(move || {
        let _ = tx.send(std::fs::File::open(p));
    });
    match rx.recv_timeout(wait) {
        Ok(Ok(f)) => Ok(Box::new(f)),
        Ok(Err(e)) => Err(OpenError(e, None)),
        Err(_) => Err(OpenError(std::io::ErrorKind::TimedOut.into(), Some(wait))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_regular_file_is_no_stream() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.csv");
        std::fs::write(&f, "a\n1\n").unwrap();
        assert!(spool(&f, None, Duration::from_millis(10))
            .unwrap()
            .is_none());
        assert!(spool(dir.path(), None, Duration::from_millis(10))
            .unwrap()
            .is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_named_pipe_is_copied_or_refused_when_nobody_writes() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("in.csv");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid path and mode
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = spool(&fifo, None, Duration::from_millis(200))
            .err()
            .expect("no writer")
            .to_string();
        assert!(e.contains("in.csv") && e.contains("nobody writes"), "{e}");
        // (that wait's reader is still waiting: this writer opens with it, writes nothing and
        // closes; the next one is read) a writer that takes longer than the wait to write
        let _ = std::fs::OpenOptions::new().write(true).open(&fifo);
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || {
                let mut w = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
                std::thread::sleep(Duration::from_millis(400));
                w.write_all(b"a,b\n1,2\n").unwrap();
            })
        };
        let s = spool(&fifo, None, Duration::from_secs(10))
            .unwrap()
            .unwrap();
        writer.join().unwrap();
        assert_eq!(std::fs::read(&s.path).unwrap(), b"a,b\n1,2\n");
        assert_eq!(crate::error::shown(&s.path), fifo);
        let kept = s.path.clone();
        drop(s);
        assert!(!kept.exists(), "the copy goes with the run");
    }
}
