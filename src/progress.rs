//! Progress reporting: bars on a terminal (indicatif), one JSON object per event with
//! `--log-format json` ([`JsonLog`]), nothing otherwise and in tests. Stages call it; they never
//! print.

use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// What a stage counts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Rows,
    Pairs,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Rows => "rows",
            Unit::Pairs => "pairs",
        }
    }
}

/// What a stage tells about its progress.
pub trait Progress {
    /// A stage begins; `total` is its size in the unit it advances by (bytes, rows), if known.
    fn start(&self, stage: &str, total: Option<u64>);
    /// A stage of `total` `unit`s begins (a bar shows its count, rate and time left).
    fn start_counting(&self, stage: &str, total: u64, unit: Unit) {
        let _ = unit;
        self.start(stage, Some(total));
    }
    fn advance(&self, delta: u64);
    fn finish(&self);
    /// The run is over (bars: a last line with the time each stage took).
    fn end(&self) {}
    /// An output file is in place (`kind` as `report.json` names it; `rows` for tables).
    fn wrote(&self, _kind: &str, _path: &Path, _rows: Option<usize>) {}
    /// Something a person should look at although the run goes on (the summary says it too).
    fn warn(&self, _message: &str) {}
    /// The run will go through `steps` stages: each is then shown as `[3/7] comparing`.
    fn plan(&self, _steps: usize) {}
}

/// Stages numbered against a plan: `[3/7] comparing` (never past the plan: a stage beyond
/// it raises the total), or the stage's name alone without a plan.
#[derive(Default)]
struct Steps(Mutex<(usize, usize)>);

impl Steps {
    fn plan(&self, steps: usize) {
        if let Ok(mut s) = self.0.lock() {
            *s = (0, steps);
        }
    }
    /// The next stage's number and the total, if the run has a plan.
    fn next(&self) -> Option<(usize, usize)> {
        let mut s = self.0.lock().ok()?;
        if s.1 == 0 {
            return None;
        }
        s.0 += 1;
        s.1 = s.1.max(s.0);
        Some(*s)
    }
}

/// Reports only warnings, on standard error (`-q`: the summary that would have said them is
/// not printed).
pub struct Quiet {
    pub color: bool,
}

impl Progress for Quiet {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
    fn warn(&self, message: &str) {
        eprintln!(
            "{} {message}",
            paint(self.color, Paint::Warning, "warning:")
        );
    }
}

/// What a word of a message is, for its colour.
#[derive(Debug, Clone, Copy)]
pub enum Paint {
    Error,
    Hint,
    Warning,
    Stage,
}

/// `text` in the colour of `kind` (ANSI), or as it is when `color` is off.
pub fn paint(color: bool, kind: Paint, text: &str) -> String {
    if !color {
        return text.to_owned();
    }
    let code = match kind {
        Paint::Error => "1;31",
        Paint::Hint => "36",
        Paint::Warning => "1;33",
        Paint::Stage => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// The stage under way of a log that writes each stage's start and end ([`TextLog`],
/// [`JsonLog`]): its count, and the stages' numbering.
#[derive(Default)]
struct Current {
    stage: Mutex<Option<Stage>>,
    steps: Steps,
}

impl Current {
    /// Ends the stage under way (`ended` writes it), then begins one of `total` (if known):
    /// `started` writes it from its step and returns the name it keeps.
    fn begin(
        &self,
        total: Option<u64>,
        started: impl FnOnce(Option<(usize, usize)>) -> String,
        ended: impl FnOnce(Stage),
    ) {
        if let Ok(mut slot) = self.stage.lock() {
            if let Some(s) = slot.take() {
                ended(s);
            }
            let name = started(self.steps.next());
            *slot = Some(Stage {
                name,
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
    /// Ends the stage under way, if one is: `ended` writes it.
    fn finish(&self, ended: impl FnOnce(Stage)) {
        if let Some(s) = self.stage.lock().ok().and_then(|mut slot| slot.take()) {
            ended(s);
        }
    }
}

/// One line of text per event on standard error, terminal or not (`-v`): each stage when it
/// starts and when it ends (with its count and time), each output file, each warning, and the
/// time per stage at the end.
pub struct TextLog {
    current: Current,
    times: Mutex<Vec<(String, Duration)>>,
    color: bool,
}

impl TextLog {
    pub fn new(color: bool) -> Self {
        TextLog {
            current: Current::default(),
            times: Mutex::new(Vec::new()),
            color,
        }
    }

    fn begin(&self, stage: &str, total: Option<u64>, unit: Option<Unit>) {
        let started = |step: Option<(usize, usize)>| {
            let label = match step {
                Some((k, n)) => format!("[{k}/{n}] {stage}"),
                None => stage.to_owned(),
            };
            let of = match (total, unit) {
                (Some(t), Some(u)) => format!(" ({t} {})", u.name()),
                _ => String::new(),
            };
            eprintln!("{}{of}", paint(self.color, Paint::Stage, &label));
            label
        };
        self.current.begin(total, started, |s| self.close(s));
    }

    fn close(&self, s: Stage) {
        let took = s.start.elapsed();
        let count = match s.total {
            Some(t) => format!(", {} of {t}", s.count),
            None if s.count > 0 => format!(", {}", s.count),
            None => String::new(),
        };
        eprintln!(
            "{} done in {:.2} s{count}",
            paint(self.color, Paint::Stage, &s.name),
            took.as_secs_f64()
        );
        if let Ok(mut times) = self.times.lock() {
            times.push((s.name, took));
        }
    }
}

impl Progress for TextLog {
    fn start(&self, stage: &str, total: Option<u64>) {
        self.begin(stage, total, None);
    }
    fn start_counting(&self, stage: &str, total: u64, unit: Unit) {
        self.begin(stage, Some(total), Some(unit));
    }
    fn plan(&self, steps: usize) {
        self.current.steps.plan(steps);
    }
    fn advance(&self, delta: u64) {
        self.current.advance(delta);
    }
    fn finish(&self) {
        self.current.finish(|s| self.close(s));
    }
    fn end(&self) {
        self.finish();
        if let Ok(times) = self.times.lock() {
            if !times.is_empty() {
                let total: Duration = times.iter().map(|t| t.1).sum();
                eprintln!("time in stages: {:.2} s", total.as_secs_f64());
            }
        }
    }
    fn wrote(&self, kind: &str, path: &Path, rows: Option<usize>) {
        let rows = rows.map_or(String::new(), |r| format!(" ({r} rows)"));
        eprintln!("wrote {kind} {}{rows}", path.display());
    }
    fn warn(&self, message: &str) {
        eprintln!(
            "{} {message}",
            paint(self.color, Paint::Warning, "warning:")
        );
    }
}

/// Reports nothing.
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// Bars on standard error, shown only for stages that last more than a moment: a stage of
/// known size with its count, rate and time left, another with a spinner and its time; at the
/// end, one line with the time each stage took.
pub struct Bars {
    bar: Mutex<Option<ProgressBar>>,
    steps: Steps,
    /// Each stage's name and when it began, in order; its time once it ended.
    stages: Mutex<Vec<(String, Instant, Option<Duration>)>>,
    target: Box<dyn Fn() -> ProgressDrawTarget + Send + Sync>,
}

impl Bars {
    pub fn new() -> Self {
        Bars::drawing_to(Box::new(ProgressDrawTarget::stderr))
    }

    /// Bars drawn where `target` says (tests draw into memory).
    fn drawing_to(target: Box<dyn Fn() -> ProgressDrawTarget + Send + Sync>) -> Self {
        Bars {
            bar: Mutex::new(None),
            steps: Steps::default(),
            stages: Mutex::new(Vec::new()),
            target,
        }
    }

    fn show(&self, stage: &str, bar: ProgressBar) {
        bar.set_message(match self.steps.next() {
            Some((k, n)) => format!("[{k}/{n}] {stage}"),
            None => stage.to_owned(),
        });
        bar.enable_steady_tick(Duration::from_millis(200));
        if let Ok(mut slot) = self.bar.lock() {
            if let Some(old) = slot.replace(bar) {
                old.finish_and_clear();
            }
        }
        if let Ok(mut stages) = self.stages.lock() {
            Bars::close(&mut stages);
            stages.push((stage.to_owned(), Instant::now(), None));
        }
    }

    fn close(stages: &mut [(String, Instant, Option<Duration>)]) {
        if let Some(last) = stages.last_mut() {
            if last.2.is_none() {
                last.2 = Some(last.1.elapsed());
            }
        }
    }

    /// The last line: each stage's time (a stage run twice counted once, in first order).
    fn times(&self) -> Option<String> {
        let mut stages = self.stages.lock().ok()?;
        Bars::close(&mut stages);
        let mut sums: Vec<(&str, Duration)> = Vec::new();
        for (name, _, took) in stages.iter() {
            let took = took.unwrap_or_default();
            match sums.iter_mut().find(|s| s.0 == name) {
                Some(s) => s.1 += took,
                None => sums.push((name, took)),
            }
        }
        if sums.is_empty() {
            return None;
        }
        let parts: Vec<String> = sums
            .iter()
            .map(|(n, d)| format!("{n} {:.1} s", d.as_secs_f64()))
            .collect();
        Some(format!("time per stage: {}", parts.join(", ")))
    }
}

impl Default for Bars {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: Option<u64>) {
        match total {
            Some(n) => self.start_counting(stage, n, Unit::Rows),
            None => {
                let bar = ProgressBar::with_draw_target(None, (self.target)()).with_style(
                    ProgressStyle::with_template("{msg:>10} {spinner} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                self.show(stage, bar);
            }
        }
    }
    fn start_counting(&self, stage: &str, total: u64, unit: Unit) {
        let counts = match unit {
            Unit::Bytes => "{bytes}/{total_bytes} {bytes_per_sec}".to_owned(),
            _ => format!("{{human_pos}}/{{human_len}} {} {{rate}}", unit.name()),
        };
        let template = format!("{{msg:>10}} [{{bar:30}}] {{percent:>3}}% {counts}, {{eta}} left");
        // a whole number per second (indicatif's per_sec has four decimals)
        let rate = |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{}/s", indicatif::HumanCount(s.per_sec() as u64));
        };
        let bar = ProgressBar::with_draw_target(Some(total), (self.target)()).with_style(
            ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .with_key("rate", rate)
                .progress_chars("=> "),
        );
        self.show(stage, bar);
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
        if let Ok(mut stages) = self.stages.lock() {
            Bars::close(&mut stages);
        }
    }
    fn plan(&self, steps: usize) {
        self.steps.plan(steps);
    }
    fn end(&self) {
        self.finish();
        if let Some(line) = self.times() {
            ProgressBar::with_draw_target(None, (self.target)()).println(line);
        }
    }
}

/// One JSON object a line on standard error, for scheduled jobs (`--log-format json`): every
/// stage when it starts and when it ends (how many it counted of how many, and its time), and
/// every output file once in place (with its SHA-256); each line has its `time` (UTC, to the
/// millisecond), `level`, `event` and `message`.
pub struct JsonLog {
    current: Current,
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
            current: Current::default(),
        }
    }

    /// Writes one line: `event` and `message`, the object `fields`' members, the time and
    /// level.
    pub fn event(level: &str, event: &str, message: &str, fields: serde_json::Value) {
        let mut line = serde_json::Map::new();
        line.insert(
            "time".into(),
            crate::emit::schedule::now_as("%Y-%m-%dT%H:%M:%S%.3fZ").into(),
        );
        line.insert("level".into(), level.into());
        line.insert("event".into(), event.into());
        line.insert("message".into(), message.into());
        if let serde_json::Value::Object(f) = fields {
            line.extend(f);
        }
        eprintln!("{}", serde_json::Value::Object(line));
    }

    fn ended(s: Stage) {
        let fields = serde_json::json!({
            "phase": s.name,
            "count": s.count,
            "total": s.total,
            "elapsed_ms": s.start.elapsed().as_millis() as u64,
        });
        JsonLog::event("info", "phase_finished", &s.name, fields);
    }
}

impl Default for JsonLog {
    fn default() -> Self {
        Self::new()
    }
}

impl JsonLog {
    fn begin(&self, stage: &str, total: Option<u64>, unit: Option<Unit>) {
        let started = |step: Option<(usize, usize)>| {
            let unit = unit.map(Unit::name);
            let mut fields = serde_json::json!({ "phase": stage, "total": total, "unit": unit });
            if let Some((k, n)) = step {
                fields["step"] = k.into();
                fields["steps"] = n.into();
            }
            JsonLog::event("info", "phase_started", stage, fields);
            stage.to_owned()
        };
        self.current.begin(total, started, JsonLog::ended);
    }
}

impl Progress for JsonLog {
    fn start(&self, stage: &str, total: Option<u64>) {
        self.begin(stage, total, None);
    }
    fn start_counting(&self, stage: &str, total: u64, unit: Unit) {
        self.begin(stage, Some(total), Some(unit));
    }
    fn plan(&self, steps: usize) {
        self.current.steps.plan(steps);
    }
    fn advance(&self, delta: u64) {
        self.current.advance(delta);
    }
    fn finish(&self) {
        self.current.finish(JsonLog::ended);
    }
    /// A stage a failed run left open still gets its end.
    fn end(&self) {
        self.finish();
    }
    fn warn(&self, message: &str) {
        JsonLog::event("warn", "warning", message, serde_json::json!({}));
    }
    fn wrote(&self, kind: &str, path: &Path, rows: Option<usize>) {
        let sha256 = crate::ingest::file_hashes(path).ok().map(|h| h.0);
        let fields = serde_json::json!({
            "kind": kind,
            "path": path.display().to_string(),
            "rows": rows,
            "sha256": sha256,
        });
        JsonLog::event("info", "output", &path.display().to_string(), fields);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::InMemoryTerm;

    fn bars() -> (Bars, InMemoryTerm) {
        let term = InMemoryTerm::new(10, 120);
        let t = term.clone();
        let bars = Bars::drawing_to(Box::new(move || {
            ProgressDrawTarget::term_like(Box::new(t.clone()))
        }));
        (bars, term)
    }

    /// A stage of known size shows its count in its unit, its rate and the time left; the
    /// run's end prints each stage's time.
    #[test]
    fn a_bar_shows_count_rate_and_time_left_and_the_end_each_stage_time() {
        let (bars, term) = bars();
        bars.start_counting("reading", 4 << 20, Unit::Bytes);
        bars.advance(1 << 20);
        std::thread::sleep(Duration::from_millis(300));
        bars.advance(1 << 20);
        std::thread::sleep(Duration::from_millis(300));
        let shown = term.contents();
        assert!(shown.contains("reading"), "{shown}");
        assert!(shown.contains("2.00 MiB/4.00 MiB"), "{shown}");
        assert!(shown.contains("MiB/s") && shown.contains("left"), "{shown}");
        bars.start_counting("comparing", 3000, Unit::Pairs);
        bars.advance(1500);
        std::thread::sleep(Duration::from_millis(300));
        let shown = term.contents();
        assert!(shown.contains("1,500/3,000 pairs"), "{shown}");
        // the rate a whole number a second
        let line = shown.lines().find(|l| l.contains("pairs")).unwrap();
        let rate = line
            .split("pairs ")
            .nth(1)
            .unwrap()
            .split("/s,")
            .next()
            .unwrap();
        assert!(
            rate.bytes().all(|b| b.is_ascii_digit() || b == b','),
            "{shown}"
        );
        bars.start("clustering", None);
        bars.end();
        let shown = term.contents();
        let last = shown.lines().rfind(|l| !l.trim().is_empty()).unwrap();
        let stages: Vec<&str> = last
            .strip_prefix("time per stage: ")
            .unwrap_or_else(|| panic!("{shown}"))
            .trim_end()
            .split(", ")
            .map(|s| s.split(' ').next().unwrap())
            .collect();
        assert_eq!(stages, ["reading", "comparing", "clustering"], "{shown}");
        assert!(last.trim_end().ends_with(" s"), "{shown}");
    }

    #[test]
    fn stages_are_numbered_against_the_plan() {
        let (bars, term) = bars();
        bars.plan(2);
        bars.start("detecting", None);
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            term.contents().contains("[1/2] detecting"),
            "{}",
            term.contents()
        );
        bars.start_counting("comparing", 10, Unit::Pairs);
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            term.contents().contains("[2/2] comparing"),
            "{}",
            term.contents()
        );
        // a stage past the plan raises the total
        bars.start("writing", None);
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            term.contents().contains("[3/3] writing"),
            "{}",
            term.contents()
        );
        bars.end();
        // the last line names the stages without their numbers
        let shown = term.contents();
        assert!(shown.contains("time per stage: detecting"), "{shown}");
    }
}
