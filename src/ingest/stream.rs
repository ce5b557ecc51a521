//! Reads a CSV dump as a stream of blocks, never holding the whole file: a reader thread reads
//! the file (hashing it with SHA-256 on the way) and decompresses it; the caller gets its
//! complete records block by block (`CsvStream::records`), or, on a later pass, byte ranges
//! it already knows the position of ([`Window`]). The same tokenizer and the same checks as the
//! in-memory reader ([`super::csv`]), so both read a file alike and fail on it alike.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use sha2::{Digest, Sha256};

use super::csv::{header, prologue, token_error, CsvOptions};
use super::sniff;
use super::tokenizer::{FieldSpan, RecordPos, TokenError, Tokenizer};
use crate::error::{Error, Location, Result};
use crate::model::Compression;

/// Decompressed bytes per message from the reader thread.
const CHUNK: usize = 4 << 20;
/// A record (or a header) longer than this is refused: an unbalanced quote would otherwise make
/// the reader hold the rest of the file as one record.
pub const MAX_RECORD: usize = 256 << 20;

type Message = std::result::Result<Vec<u8>, Error>;

/// The reader thread's result: the file's SHA-256 (lowercase hex), size and content hash
/// ([`super::content_hash`]) as stored.
/// The SHA-256 of a file as stored (hex), its length, and its xxh3 hash (`None`: not hashed).
pub type Digest256 = Option<(String, u64, u128)>;

/// What the reader thread hashes of the file as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hashing {
    Off,
    /// Its size and content hash only ([`super::content_hash`]).
    Content,
    /// Its SHA-256 too.
    Full,
}

/// The reader thread's hashes: the SHA-256 when asked, the size, the content hash.
type Hashes = Option<(Option<String>, u64, u128)>;

/// The SHA-256, size and content hash, when the SHA-256 was computed.
fn with_sha(h: Hashes) -> Digest256 {
    h.and_then(|(sha, n, x)| sha.map(|sha| (sha, n, x)))
}

/// The hashes of the file's bytes as stored, as they pass: the SHA-256 when asked, the size,
/// the content hash.
type Running = (Option<Sha256>, u64, xxhash_rust::xxh3::Xxh3);

/// The file's bytes as stored, hashed as they pass.
struct Tee<R> {
    inner: R,
    state: Option<Rc<RefCell<Running>>>,
    /// The file's bytes read so far (before decompression), for the progress bar.
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        if let Some(s) = &self.state {
            let mut s = s.borrow_mut();
            if let Some(sha) = &mut s.0 {
                sha.update(&buf[..n]);
            }
            s.1 += n as u64;
            s.2.update(&buf[..n]);
        }
        Ok(n)
    }
}

/// Starts the reader thread: decompressed chunks of `path` arrive on the channel, an error
/// ends it. Unless `hash` is off, the thread's result is the file's size and content hash as
/// stored, and its SHA-256 when asked ([`Hashing`]). The counter returned follows the file's
/// bytes read (before decompression).
fn spawn(path: &Path, hash: Hashing) -> Result<Feed> {
    let mut file = File::open(path).map_err(|e| Error::io(path, "cannot read the input", e))?;
    let mut magic = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) => return Err(Error::io(path, "cannot read the input", e)),
        }
    }
    let compression = sniff::compression(&magic[..got]);
    let (tx, rx) = sync_channel::<Message>(2);
    let path = path.to_path_buf();
    let magic = magic[..got].to_vec();
    let read = Arc::new(AtomicU64::new(0));
    let counter = read.clone();
    let handle = std::thread::spawn(move || {
        let state = (hash != Hashing::Off).then(|| {
            Rc::new(RefCell::new((
                (hash == Hashing::Full).then(Sha256::new),
                0u64,
                xxhash_rust::xxh3::Xxh3::new(),
            )))
        });
        let raw = Tee {
            inner: std::io::Cursor::new(magic).chain(file),
            state: state.clone(),
            read: counter,
        };
        let mut reader: Box<dyn Read> = match compression {
            Compression::None => Box::new(raw),
            Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(
                std::io::BufReader::with_capacity(1 << 20, raw),
            )),
            Compression::Zstd => match zstd::stream::read::Decoder::new(raw) {
                Ok(d) => Box::new(d),
                Err(e) => {
                    let _ = tx.send(Err(decompress_error(&path, compression, e)));
                    return None;
                }
            },
        };
        loop {
            let mut chunk = vec![0u8; CHUNK];
            let mut filled = 0;
            while filled < CHUNK {
                match reader.read(&mut chunk[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        let err = if compression == Compression::None {
                            Error::io(&path, "cannot read the input", e)
                        } else {
                            decompress_error(&path, compression, e)
                        };
                        let _ = tx.send(Err(err));
                        return None;
                    }
                }
            }
            chunk.truncate(filled);
            let last = filled < CHUNK;
            if filled > 0 && tx.send(Ok(chunk)).is_err() {
                return None; // the reader was dropped: the run stopped
            }
            if last {
                break;
            }
        }
        drop(reader);
        state.map(|s| {
            let s = s.borrow();
            let sha = s.0.as_ref().map(|sha| super::hex(&sha.clone().finalize()));
            (sha, s.1, s.2.digest128())
        })
    });
    Ok(Feed {
        rx,
        handle: Some(handle),
        eof: false,
        read,
    })
}

fn decompress_error(path: &Path, c: Compression, e: std::io::Error) -> Error {
    Error::data(
        Location::file(path),
        format!("cannot decompress the {} data: {e}", c.name()),
    )
    .with_hint("check that the file was copied whole")
}

/// The decompressed bytes of a file, received chunk by chunk, with their offset.
struct Feed {
    rx: Receiver<Message>,
    handle: Option<JoinHandle<Hashes>>,
    eof: bool,
    /// The file's bytes read so far, before decompression.
    read: Arc<AtomicU64>,
}

impl Feed {
    /// The next chunk, `None` at the end.
    fn next(&mut self) -> Result<Option<Vec<u8>>> {
        if self.eof {
            return Ok(None);
        }
        match self.rx.recv() {
            Ok(Ok(chunk)) => Ok(Some(chunk)),
            Ok(Err(e)) => Err(e),
            Err(_) => {
                self.eof = true;
                Ok(None)
            }
        }
    }

    fn digest(&mut self) -> Result<Hashes> {
        while self.next()?.is_some() {}
        match self.handle.take() {
            Some(h) => h
                .join()
                .map_err(|_| Error::Internal("the reader thread panicked".into())),
            None => Ok(None),
        }
    }
}

/// What the start of a CSV file says.
#[derive(Debug, Clone)]
pub struct Head {
    pub delimiter: u8,
    pub compression: Compression,
    pub bom: bool,
    pub columns: Vec<String>,
    /// The decompressed bytes before the first record: BOM, header and its line end.
    pub header: Vec<u8>,
    pub newline: &'static str,
}

/// A CSV file read block by block.
pub struct CsvStream {
    path: PathBuf,
    feed: Feed,
    pub head: Head,
    /// Received bytes not yet handed out as records; `buf[0]` is at `offset` in the file.
    buf: Vec<u8>,
    offset: u64,
    /// The line `buf[0]` is on.
    line: u64,
    /// Data records so far.
    records: u64,
    fields: Vec<FieldSpan>,
    /// The block being handed out: its records and their fields.
    positions: Vec<RecordPos>,
    block_fields: Vec<FieldSpan>,
}

/// The complete records of the data received so far.
pub struct Block<'b> {
    pub data: &'b [u8],
    /// The file offset of `data[0]`.
    pub offset: u64,
    /// The number (1-based) of the first record.
    pub first: u64,
    /// Per record: where it is in `data`.
    pub records: &'b [RecordPos],
    /// `ncols` fields per record, record after record.
    pub fields: &'b [FieldSpan],
    pub ncols: usize,
}

impl Block<'_> {
    /// The fields of record `i` of the block.
    pub fn fields_of(&self, i: usize) -> &[FieldSpan] {
        &self.fields[i * self.ncols..(i + 1) * self.ncols]
    }
}

impl CsvStream {
    /// Opens `path` and reads its header. With `hash`, [`CsvStream::finish`] returns the file's
    /// SHA-256.
    pub fn open(path: &Path, opts: &CsvOptions, hash: bool) -> Result<CsvStream> {
        let mut feed = spawn(path, if hash { Hashing::Full } else { Hashing::Off })?;
        let mut buf = Vec::new();
        // enough of the file to decide its encoding, delimiter and header
        let (bom, body, delimiter) = loop {
            let more = feed.next()?;
            let whole = more.is_none();
            if let Some(c) = more {
                buf.extend_from_slice(&c);
            }
            if let Some(p) = prologue(path, &buf, whole, opts)? {
                break p;
            }
            if buf.len() > MAX_RECORD {
                return Err(too_long(path, 1));
            }
        };
        let compression = {
            let mut magic = [0u8; 4];
            let n = File::open(path)
                .and_then(|mut f| f.read(&mut magic))
                .map_err(|e| Error::io(path, "cannot read the input", e))?;
            sniff::compression(&magic[..n])
        };
        let mut fields = Vec::with_capacity(16);
        let (columns, header_end, newline) = loop {
            let mut tok = Tokenizer::at(&buf, delimiter, body, 1);
            let complete = match tok.next_record(&mut fields) {
                Ok(Some(r)) => r.next < buf.len() || feed.eof,
                Ok(None) => feed.eof,
                Err(TokenError::UnclosedQuote { .. }) => feed.eof,
                Err(_) => true,
            };
            if complete {
                let mut tok = Tokenizer::at(&buf, delimiter, body, 1);
                break header(path, &buf, delimiter, &mut tok, &mut fields)?;
            }
            match feed.next()? {
                Some(c) => buf.extend_from_slice(&c),
                None => feed.eof = true,
            }
            if buf.len() > MAX_RECORD {
                return Err(too_long(path, 1));
            }
        };
        let header_lines = memchr::memchr_iter(b'\n', &buf[..header_end]).count() as u64;
        let head = Head {
            delimiter,
            compression,
            bom,
            columns,
            header: buf[..header_end].to_vec(),
            newline,
        };
        buf.drain(..header_end);
        Ok(CsvStream {
            path: path.to_path_buf(),
            feed,
            head,
            buf,
            offset: header_end as u64,
            line: 1 + header_lines,
            records: 0,
            fields,
            positions: Vec::new(),
            block_fields: Vec::new(),
        })
    }

    /// Hands the complete records received so far to `each` as one [`Block`] (in file order;
    /// blank lines skipped, field counts checked), then waits for more data. `false` at the end
    /// of the file. A malformed record ends the read with its error, after `each` has seen the
    /// records before it (which may hold an earlier error of their own).
    pub fn blocks(&mut self, each: &mut dyn FnMut(&Block<'_>) -> Result<()>) -> Result<bool> {
        let eof = self.feed.eof;
        let ncols = self.head.columns.len();
        let mut tok = Tokenizer::at(&self.buf, self.head.delimiter, 0, self.line);
        let mut used = 0usize;
        let mut line = self.line;
        let first = self.records + 1;
        self.positions.clear();
        self.block_fields.clear();
        let mut failed = None;
        loop {
            let rec = match tok.next_record(&mut self.fields) {
                Ok(Some(r)) if r.next < self.buf.len() || eof => r,
                Ok(_) => break,
                Err(TokenError::UnclosedQuote { .. }) if !eof => break,
                Err(e) => {
                    failed = Some(token_error(
                        &self.path,
                        self.head.delimiter,
                        e,
                        Some(&self.head.columns),
                    ));
                    break;
                }
            };
            used = rec.next;
            line = tok.line();
            if super::csv::is_blank(&self.fields, ncols) {
                continue;
            }
            let number = self.records + 1;
            if let Err(e) =
                super::csv::check_record(&self.path, &rec, self.fields.len(), ncols, number)
            {
                failed = Some(e);
                break;
            }
            self.records = number;
            self.positions.push(rec);
            self.block_fields.extend_from_slice(&self.fields);
        }
        each(&Block {
            data: &self.buf,
            offset: self.offset,
            first,
            records: &self.positions,
            fields: &self.block_fields,
            ncols,
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        self.buf.drain(..used);
        self.offset += used as u64;
        self.line = line;
        if eof {
            return Ok(false);
        }
        match self.feed.next()? {
            Some(c) => self.buf.extend_from_slice(&c),
            None => self.feed.eof = true,
        }
        if self.buf.len() > MAX_RECORD {
            return Err(too_long(&self.path, self.line));
        }
        Ok(true)
    }

    /// Data records read so far.
    pub fn record_count(&self) -> u64 {
        self.records
    }

    /// The decompressed size read so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The file's bytes read so far, before decompression (the reader thread runs a few
    /// chunks ahead of the records handed out).
    pub fn stored_offset(&self) -> u64 {
        self.feed.read.load(Ordering::Relaxed)
    }

    /// Ends the read: the file's SHA-256 and size as stored (when opened with `hash`).
    pub fn finish(mut self) -> Result<Digest256> {
        self.feed.digest().map(with_sha)
    }
}

fn too_long(path: &Path, line: u64) -> Error {
    Error::data(
        Location::file(path).line(line),
        format!(
            "a record (or the header) runs over {} MB: most likely a quote is never closed",
            MAX_RECORD >> 20
        ),
    )
    .with_hint("a quote inside a quoted field must be doubled: \"say \"\"hi\"\"\"")
}

/// A later pass over the decompressed bytes of a file, read forward by byte ranges whose
/// positions an earlier pass found.
pub struct Window {
    path: PathBuf,
    feed: Feed,
    buf: Vec<u8>,
    /// The file offset of `buf[0]`.
    base: u64,
}

impl Window {
    pub fn open(path: &Path) -> Result<Window> {
        Window::open_with(path, Hashing::Off)
    }

    /// A window whose [`Window::finish_content`] gives the file's size and content hash (no
    /// SHA-256), to check that it is still the file read before.
    pub fn open_content_hashed(path: &Path) -> Result<Window> {
        Window::open_with(path, Hashing::Content)
    }

    /// A window whose [`Window::finish`] gives the file's hashes, to check that it is still
    /// the file read before.
    pub fn open_hashed(path: &Path) -> Result<Window> {
        Window::open_with(path, Hashing::Full)
    }

    fn open_with(path: &Path, hash: Hashing) -> Result<Window> {
        Ok(Window {
            path: path.to_path_buf(),
            feed: spawn(path, hash)?,
            buf: Vec::new(),
            base: 0,
        })
    }

    fn changed(&self) -> Error {
        Error::data(
            Location::file(&self.path),
            "the file changed while dupsweep read it (it is shorter than on the first pass)",
        )
        .with_hint("run again on a copy that nothing writes to")
    }

    /// Drops the bytes before `pos` (never needed again).
    fn forget(&mut self, pos: u64) {
        let n = (pos.saturating_sub(self.base) as usize).min(self.buf.len());
        if n >= CHUNK || n == self.buf.len() {
            self.buf.drain(..n);
            self.base += n as u64;
        }
    }

    /// The bytes `start..end` (`start` at or after every range asked before).
    pub fn range(&mut self, start: u64, end: u64) -> Result<&[u8]> {
        self.forget(start);
        while self.base + (self.buf.len() as u64) < end {
            match self.feed.next()? {
                Some(c) => {
                    if self.buf.is_empty() {
                        // nothing held: skip whole chunks before `start`
                        let c_end = self.base + c.len() as u64;
                        if c_end <= start {
                            self.base = c_end;
                            continue;
                        }
                    }
                    self.buf.extend_from_slice(&c)
                }
                None => return Err(self.changed()),
            }
        }
        let s = (start - self.base) as usize;
        let e = (end - self.base) as usize;
        Ok(&self.buf[s..e])
    }

    /// Writes the bytes `start..end` to `w` without holding them all.
    pub fn copy(&mut self, start: u64, end: u64, w: &mut dyn Write) -> Result<std::io::Result<()>> {
        let mut at = start;
        while at < end {
            let step = end.min(at + CHUNK as u64);
            let bytes = self.range(at, step)?;
            if let Err(e) = w.write_all(bytes) {
                return Ok(Err(e));
            }
            at = step;
        }
        Ok(Ok(()))
    }

    /// Reads to the end (so the reader thread stops); the file's hashes when it was opened
    /// with [`Window::open_hashed`].
    pub fn finish(mut self) -> Result<Digest256> {
        self.feed.digest().map(with_sha)
    }

    /// Reads to the end: the file's size and content hash as stored, when it was opened with
    /// [`Window::open_content_hashed`] or [`Window::open_hashed`].
    pub fn finish_content(mut self) -> Result<Option<(u64, u128)>> {
        Ok(self.feed.digest()?.map(|(_, n, x)| (n, x)))
    }
}
