//! Test helpers: a scratch folder per test and a way to run the built `dupsweep` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Workdir {
        Workdir {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn write(&self, name: &str, data: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, data).expect("write fixture");
        p
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("read {name}: {e}"))
    }
    pub fn read_str(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("utf-8 output")
    }
    /// Runs `dupsweep ARGS` in this folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// [`Workdir::run`] with environment variables set.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_dupsweep"))
            .args(args)
            .envs(env.iter().copied())
            .current_dir(self.dir.path())
            .output()
            .expect("run dupsweep");
        Run(out)
    }
}

pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code(),
            0,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// The repository's `testdata/` folder.
pub fn testdata(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel)
        .display()
        .to_string()
}

/// All files in a folder, by name, with their bytes.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    (
                        e.file_name().to_string_lossy().into_owned(),
                        std::fs::read(e.path()).unwrap(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// report.json without its timings (the one part of the outputs that differs between runs).
pub fn report_without_timings(json: &[u8]) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_slice(json).expect("report.json is JSON");
    v.as_object_mut().unwrap().remove("timings");
    v
}

/// A `report.json` to compare between engines: without its timings, and without the name of
/// the engine that ran (one the report may name: `stream`, `memory` or `datafusion`); the input its settings
/// name by its file name only (each engine runs on a copy in a folder of its own, and the
/// settings record the absolute path).
pub fn report_of_any_engine(json: &[u8]) -> serde_json::Value {
    let mut v = report_without_timings(json);
    if let Some(input) = v["settings"]["input"].as_str() {
        let name = Path::new(input).file_name().unwrap().to_string_lossy();
        v["settings"]["input"] = name.into_owned().into();
    }
    let engine = v.as_object_mut().unwrap().remove("engine");
    assert!(
        matches!(
            engine.as_ref().and_then(|e| e.as_str()),
            Some("stream" | "memory" | "datafusion" | "ballista")
        ),
        "report.json names no engine: {engine:?}"
    );
    v
}

/// `report.html` without what differs between runs and engines (its timings and the engine's
/// name, marked `<!--volatile-->…<!--/volatile-->`), as `report.json` is compared.
pub fn html_without_volatile(html: &[u8]) -> Vec<u8> {
    let mut s = String::from_utf8(html.to_vec()).expect("report.html is UTF-8");
    while let Some(a) = s.find("<!--volatile-->") {
        let b = s[a..].find("<!--/volatile-->").expect("an end marker") + a;
        s.replace_range(a..b + "<!--/volatile-->".len(), "");
    }
    s.into_bytes()
}

/// The records of a CSV file (header included), its byte order mark dropped.
pub fn records(data: &[u8], delimiter: u8) -> Vec<Vec<String>> {
    let data = data
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(data);
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .from_reader(data)
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}
