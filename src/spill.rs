//! Bytes that do not fit in `--memory-limit`: appended to a temporary file (in `TMPDIR`), then
//! read back in pieces into the caller's memory ([`Mapped::read_at`]), or, as a fallback,
//! through a memory map. Mapped pages count in the process's RSS while mapped, and a kernel may
//! map a large piece of the file at each touch (6.18 on ext4 does): the pieces are what keeps
//! the memory bounded.

use std::fs::File;
use std::io::Write;

use crate::error::{Error, Result};

/// A temporary file being filled. Write errors are kept and returned by [`SpillFile::map`].
pub struct SpillFile {
    file: std::io::BufWriter<File>,
    written: u64,
    error: Option<std::io::Error>,
}

fn temp_error(e: std::io::Error) -> Error {
    Error::io(&std::env::temp_dir(), "cannot write a temporary file", e)
}

impl SpillFile {
    pub fn new() -> Result<SpillFile> {
        let file = tempfile::tempfile().map_err(temp_error)?;
        Ok(SpillFile {
            file: std::io::BufWriter::with_capacity(1 << 20, file),
            written: 0,
            error: None,
        })
    }

    /// The bytes written so far.
    pub fn written(&self) -> u64 {
        self.written
    }

    pub fn append(&mut self, b: &[u8]) {
        if self.error.is_none() {
            if let Err(e) = self.file.write_all(b) {
                self.error = Some(e);
            }
        }
        self.written += b.len() as u64;
    }

    /// The file's bytes, read-only from now on.
    pub fn map(self) -> Result<Mapped> {
        if let Some(e) = self.error {
            return Err(temp_error(e));
        }
        let file = self
            .file
            .into_inner()
            .map_err(|e| temp_error(e.into_error()))?;
        if self.written == 0 {
            return Ok(Mapped { map: None, file });
        }
        // SAFETY: the file is this process's own, already unlinked temporary file (nothing
        // else can name it), and nothing writes to it once it is mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(temp_error)?;
        Ok(Mapped {
            map: Some(map),
            file,
        })
    }
}

impl std::fmt::Debug for SpillFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpillFile({} bytes)", self.written)
    }
}

/// A spilled file's bytes, mapped read-only, and the file to read pieces of into memory of
/// the caller's (the pages a map touches count in the process's RSS while mapped, and the
/// kernel may map a large piece of the file at each touch).
pub struct Mapped {
    map: Option<memmap2::Mmap>,
    file: File,
}

impl Mapped {
    pub fn bytes(&self) -> &[u8] {
        self.map.as_deref().map_or(&[], |m| m)
    }

    /// Bytes `at..at + buf.len()` of the file, into `buf`.
    pub fn read_at(&self, at: u64, buf: &mut [u8]) -> Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_exact_at(buf, at).map_err(temp_error)
        }
        #[cfg(not(unix))]
        {
            let _ = &self.file;
            let at = at as usize;
            buf.copy_from_slice(&self.bytes()[at..at + buf.len()]);
            Ok(())
        }
    }
}

impl std::fmt::Debug for Mapped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Mapped({} bytes)", self.bytes().len())
    }
}

#[cfg(test)]
mod tests {
    use super::SpillFile;

    #[test]
    fn spilled_bytes_read_back_the_same() {
        let mut f = SpillFile::new().unwrap();
        let chunk: Vec<u8> = (0..=255u8).cycle().take(1 << 16).collect();
        for _ in 0..64 {
            f.append(&chunk);
        }
        assert_eq!(f.written(), 64 << 16);
        let m = f.map().unwrap();
        assert_eq!(m.bytes().len(), 64 << 16);
        for (i, piece) in m.bytes().chunks(1 << 16).enumerate() {
            assert_eq!(piece, &chunk[..], "piece {i}");
        }
        let mut buf = vec![0u8; 1000];
        m.read_at((5 << 16) + 7, &mut buf).unwrap();
        assert_eq!(&buf[..], &chunk[7..1007]);
        assert!(m.read_at((64 << 16) - 10, &mut buf).is_err());
        let empty = SpillFile::new().unwrap().map().unwrap();
        assert!(empty.bytes().is_empty());
    }
}
