//! Progress reporting: bars on a terminal (indicatif), one JSON object per event with
//! `--log-format json` ([`JsonLog`]), nothing otherwise and in tests. Stages call it; they never
//! print.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// What a stage tells about its progress.
pub trait Progress {
    /// A stage begins; `total` is its size in the unit it advances by (bytes, rows), if known.
    fn start(&self, stage: &str, total: Option<u64>);
    fn advance(&self, delta: u64);
    fn finish(&self);
    /// An output file is in place (`kind` as `report.json` names it; `rows` for tables).
    fn wrote(&self, _kind: &str, _path: &Path, _rows: Option<usize>) {}
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Bars on standard error, shown only for stages that last more than a moment.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub fn new() -> Self {
        Bars {
            bar: Mutex::new(None),
        }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: Option<u64>) {
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:>10} [{bar:30}] {percent:>3}% {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner(),
        };
        bar.set_message(stage.to_owned());
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
    }
    fn advance(&self, delta: u64) {
        if let Ok(slot) = self.bar.lock() {
            if let Some(b) = slot.as_ref() {
                b.inc(delta);
            }
        }
    }
    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(b) = slot.take() {
                b.finish_and_clear();
            }
        }
    }
}

/// One JSON object a line on standard error, for scheduled jobs (`--log-format json`): every
/// stage when it starts and when it ends (how many it counted of how many, and its time), and
/// every output file once in place (with its SHA-256); each line has its `time` (UTC, to the
/// millisecond), `level`, `event` and `message`.
pub struct JsonLog {
    stage: Mutex<Option<Stage>>,
}

struct Stage {
    name: String,
    total: Option<u64>,
    count: u64,
    start: Instant,
}

impl JsonLog {
    pub fn new() -> Self {
        JsonLog {
            stage: Mutex::new(None),
        }
    }

    /// Writes one line: `event` and `message`, the object `fields`' members, the time and
    /// level.
    pub fn event(level: &str, event: &str, message: &str, fields: serde_json::Value) {
        let mut line = serde_json::Map::new();
        line.insert("time".into(), timestamp().into());
        line.insert("level".into(), level.into());
        line.insert("event".into(), event.into());
        line.insert("message".into(), message.into());
        if let serde_json::Value::Object(f) = fields {
            line.extend(f);
        }
        eprintln!("{}", serde_json::Value::Object(line));
    }

    fn end(slot: &mut Option<Stage>) {
        if let Some(s) = slot.take() {
            let fields = serde_json::json!({
                "phase": s.name,
                "count": s.count,
                "total": s.total,
                "elapsed_ms": s.start.elapsed().as_millis() as u64,
            });
            JsonLog::event("info", "phase_finished", &s.name, fields);
        }
    }
}

impl Default for JsonLog {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for JsonLog {
    fn start(&self, stage: &str, total: Option<u64>) {
        if let Ok(mut slot) = self.stage.lock() {
            JsonLog::end(&mut slot);
            let fields = serde_json::json!({ "phase": stage, "total": total });
            JsonLog::event("info", "phase_started", stage, fields);
            *slot = Some(Stage {
                name: stage.to_owned(),
                total,
                count: 0,
                start: Instant::now(),
            });
        }
    }
    fn advance(&self, delta: u64) {
        if let Ok(mut slot) = self.stage.lock() {
            if let Some(s) = slot.as_mut() {
                s.count += delta;
            }
        }
    }
    fn finish(&self) {
        if let Ok(mut slot) = self.stage.lock() {
            JsonLog::end(&mut slot);
        }
    }
    fn wrote(&self, kind: &str, path: &Path, rows: Option<usize>) {
        let sha256 = sha256_of(path);
        let fields = serde_json::json!({
            "kind": kind,
            "path": path.display().to_string(),
            "rows": rows,
            "sha256": sha256,
        });
        JsonLog::event("info", "output", &path.display().to_string(), fields);
    }
}

/// The file's SHA-256 in hexadecimal, read in pieces; `None` when it cannot be read.
fn sha256_of(path: &Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).ok()?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).ok()?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Some(crate::ingest::hex(&h.finalize()))
}

/// Now, UTC, RFC 3339 to the millisecond.
fn timestamp() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    chrono::DateTime::from_timestamp(now.as_secs() as i64, now.subsec_nanos())
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}
