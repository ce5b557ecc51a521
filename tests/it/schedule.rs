//! Scheduled runs: documented exit codes, `--log-format json`, no progress bars off a
//! terminal, the output-folder lock, and `history.jsonl` with `dupsweep history`.

use crate::util::{testdata, Workdir};

fn clean(w: &Workdir, out: &str) -> crate::util::Run {
    clean_with(w, out, &[])
}

/// The students cleaned into `out` with `extra` options.
fn clean_with(w: &Workdir, out: &str, extra: &[&str]) -> crate::util::Run {
    let input = testdata("school/students.csv");
    let mut args = vec![
        "clean",
        &input,
        "--pk",
        "id",
        "--ignore",
        "updated_at",
        "--out",
        out,
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn exit_codes_are_the_documented_ones() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    // 0: cleaned; nothing on standard error (no progress bars off a terminal)
    let run = clean(&w, "out").ok();
    assert_eq!(run.stderr(), "");
    // 1: scan found duplicates; 0: scan found none
    assert_eq!(w.run(&["scan", &input, "--pk", "id"]).code(), 1);
    let cleaned = w.path("out/students.cleaned.csv");
    let cleaned = cleaned.to_str().unwrap();
    assert_eq!(
        w.run(&["scan", cleaned, "--pk", "id", "--ignore", "updated_at"])
            .code(),
        0
    );
    // 2: usage and data errors
    assert_eq!(w.run(&["clean", &input, "--keep", "newest"]).code(), 2);
    w.write("ragged.csv", b"id,a\n1,x\n2\n");
    assert_eq!(w.run(&["clean", "ragged.csv", "--out", "r"]).code(), 2);
    // 3: a file that cannot be read
    assert_eq!(w.run(&["clean", "missing.csv"]).code(), 3);
}

/// Each line of a JSON log, parsed; every one is an object with a time and an event.
fn json_lines(stderr: &str) -> Vec<serde_json::Value> {
    stderr
        .lines()
        .map(|l| {
            let v: serde_json::Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}"));
            let time = v["time"].as_str().unwrap_or_else(|| panic!("no time: {l}"));
            assert!(time.ends_with('Z') && time.len() == 24, "{l}");
            assert!(v["event"].is_string(), "{l}");
            v
        })
        .collect()
}

#[test]
fn json_logs_are_one_object_per_line() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let run = w.run(&["--log-format", "json", "clean", &input, "--keep", "newest"]);
    assert_eq!(run.code(), 2);
    let lines = json_lines(&run.stderr());
    let events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["started", "error", "finished"], "{}", run.stderr());
    assert_eq!(lines[0]["command"], "clean");
    assert_eq!(lines[1]["level"], "error");
    assert_eq!(lines[1]["message"], "--keep \"newest\" is not a rule");
    assert_eq!(lines[1]["exit_code"], 2);
    assert!(lines[1]["hint"].as_str().unwrap().contains("most-complete"));
    assert_eq!(lines[2]["message"], "finished");
    assert_eq!(lines[2]["command"], "clean");
    assert_eq!(lines[2]["exit_code"], 2);

    // a run that works: every phase started and finished with its count, every output with
    // its SHA-256 (that of the file in place), then the end
    let run = w.run(&[
        "clean",
        &input,
        "--pk",
        "id",
        "--log-format",
        "json",
        "--out",
        "out",
    ]);
    assert_eq!(run.code(), 0);
    let lines = json_lines(&run.stderr());
    assert_eq!(lines.first().unwrap()["event"], "started");
    let last = lines.last().unwrap();
    assert_eq!(
        (&last["event"], &last["exit_code"]),
        (&"finished".into(), &0.into())
    );
    let of = |e: &str| lines.iter().filter(|l| l["event"] == e).collect::<Vec<_>>();
    let (started, finished) = (of("phase_started"), of("phase_finished"));
    assert!(!started.is_empty(), "{}", run.stderr());
    let phases =
        |v: &[&serde_json::Value]| v.iter().map(|l| l["phase"].clone()).collect::<Vec<_>>();
    assert_eq!(phases(&started), phases(&finished), "{}", run.stderr());
    let reading = finished.iter().find(|l| l["phase"] == "reading").unwrap();
    assert_eq!(reading["count"], reading["total"], "{reading}");
    assert!(reading["elapsed_ms"].is_u64());
    let outputs = of("output");
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    assert_eq!(outputs.len(), report["outputs"].as_array().unwrap().len());
    for o in outputs {
        use sha2::Digest;
        // (relative to the run's folder, as in report.json)
        let path = w.path(o["path"].as_str().unwrap());
        let sha = dupsweep::internals::hex(&sha2::Sha256::digest(std::fs::read(path).unwrap()));
        assert_eq!(o["sha256"], sha, "{o}");
    }
    // without --log-format json, nothing on a non-terminal's standard error
    let run = w.run(&["clean", &input, "--pk", "id", "--out", "out2"]);
    assert_eq!(run.stderr(), "");
}

#[test]
fn a_locked_output_folder_is_refused() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("out")).unwrap();
    let lock = std::fs::File::create(w.path("out/.dupsweep.lock")).unwrap();
    lock.try_lock().unwrap();
    let run = clean(&w, "out");
    assert_eq!(run.code(), 3, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("another dupsweep run is writing this output folder"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out/students.cleaned.csv").exists());
    // the same for a whole dump
    let config = testdata("school/dupsweep.toml");
    assert_eq!(w.run(&["run", &config, "--out", "out"]).code(), 3);
    lock.unlock().unwrap();
    drop(lock);
    clean(&w, "out").ok();
    assert!(w.path("out/students.cleaned.csv").exists());
    // the lock file goes with the run
    assert!(!w.path("out/.dupsweep.lock").exists());
}

#[test]
fn history_records_every_run_and_shows_the_trend() {
    let w = Workdir::new();
    let config = testdata("school/dupsweep.toml");
    w.run(&["run", &config, "--out", "out"]).ok();
    w.run(&["run", &config, "--out", "out"]).ok();
    let text = w.read_str("out/history.jsonl");
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    let t = &lines[0]["tables"];
    assert_eq!(t[1]["table"], "students");
    assert_eq!(t[1]["rows"], 136);
    assert_eq!(t[1]["groups"], 12);
    assert_eq!(t[1]["rows_removed"], 14);
    assert_eq!(t[1]["sha256"].as_str().unwrap().len(), 64);
    assert!(lines[0]["time"].as_str().unwrap().ends_with('Z'));

    // the cleaned students, cleaned again into the same folder: no duplicates left
    w.write("again.csv", &w.read("out/students.cleaned.csv"));
    w.run(&[
        "clean",
        "again.csv",
        "--table",
        "students",
        "--pk",
        "id",
        "--ignore",
        "updated_at",
        "--out",
        "out",
    ])
    .ok();
    let out = w.run(&["history", "out"]).ok().stdout();
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 5, "{out}");
    assert!(rows[0].starts_with("time (UTC)"), "{out}");
    assert!(rows[1].contains(" run "), "{out}");
    assert!(rows[3].contains(" clean "), "{out}");
    assert_eq!(rows[4], "the last run found no duplicates");
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["history", "out", "--json"]).ok().stdout()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 3);
    // a folder without history
    let run = w.run(&["history", "nowhere"]);
    assert_eq!(run.code(), 3);
}

/// After a students run and a people run into one folder, `history` said "duplicates are
/// coming back: 44 rows in the last run, 14 in the one before", comparing people with students.
/// It compares a run only with earlier runs of the same table.
#[test]
fn history_compares_runs_of_the_same_table_only() {
    let w = Workdir::new();
    clean(&w, "out").ok();
    let people = testdata("people/contacts.csv");
    w.run(&["clean", &people, "--fuzzy", "--out", "out"]).ok();
    let out = w.run(&["history", "out"]).ok().stdout();
    assert_eq!(
        out.lines().last().unwrap(),
        "no earlier run of contacts to compare the last one with",
        "{out}"
    );
    // students again, with `updated_at` in the key (fewer duplicates): compared with the
    // students run, not with the contacts one
    let input = testdata("school/students.csv");
    w.run(&["clean", &input, "--pk", "id", "--out", "out"]).ok();
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["history", "out", "--json"]).ok().stdout()).unwrap();
    let removed = |i: usize| json[i]["tables"][0]["rows_removed"].as_u64().unwrap();
    let (first, people, now) = (removed(0), removed(1), removed(2));
    assert!(now < first && people > 0, "{json}");
    let out = w.run(&["history", "out"]).ok().stdout();
    assert_eq!(
        out.lines().last().unwrap(),
        format!(
            "fewer duplicates in students: {now} rows in the last run, {first} in the run before"
        ),
        "{out}"
    );
}

/// `clean --json` prints the report a scheduled job can parse (what `report.json` holds), where
/// it printed the summary for people only.
#[test]
fn clean_json_prints_the_report() {
    let w = Workdir::new();
    let run = clean_with(&w, "out", &["--json"]);
    assert_eq!(run.code(), 0);
    let printed: serde_json::Value = serde_json::from_str(&run.ok().stdout()).unwrap();
    let written: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    assert_eq!(printed, written);
    assert_eq!(printed["rows_removed"], 14);
}

/// A compressed CSV file's reading is counted in its stored bytes (its size decompressed is
/// not known in advance), to the file's size.
#[test]
fn a_compressed_input_is_counted_in_its_stored_bytes() {
    use std::io::Write;
    let w = Workdir::new();
    let data = std::fs::read(testdata("school/students.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&data).unwrap();
    let path = w.write("students.csv.gz", &gz.finish().unwrap());
    let size = std::fs::metadata(&path).unwrap().len();
    let run = w.run(&[
        "--log-format",
        "json",
        "clean",
        "students.csv.gz",
        "--pk",
        "id",
        "--out",
        "out",
    ]);
    let lines: Vec<serde_json::Value> = run
        .ok()
        .stderr()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reading = |e: &str| {
        lines
            .iter()
            .find(|l| l["event"] == e && l["phase"] == "reading")
            .unwrap_or_else(|| panic!("no {e} reading: {lines:?}"))
            .clone()
    };
    let (started, finished) = (reading("phase_started"), reading("phase_finished"));
    assert_eq!(
        (&started["total"], &started["unit"]),
        (&size.into(), &"bytes".into())
    );
    assert_eq!(finished["count"], size);
}

/// Every stage of a run is numbered against the run's plan (`[3/7] comparing` on a terminal,
/// `step` and `steps` in the JSON log): 1, 2, … up to exactly the number planned, for the
/// streaming and in-memory engines, exact and fuzzy, clean and scan, and whole dumps (CSV
/// files, and a PostgreSQL dump read once for its tables).
#[test]
fn every_stage_is_numbered_against_the_plan() {
    let w = Workdir::new();
    let students = testdata("school/students.csv");
    let people = testdata("people/people.csv");
    let school = testdata("school/dupsweep.toml");
    // a PostgreSQL dump's two tables: one reading for both
    std::fs::copy(testdata("pgdump/school.sql"), w.path("school.sql")).unwrap();
    w.write(
        "pg.toml",
        b"[tables.students]\nfile = \"school.sql\"\npk = [\"id\"]\n\n[tables.enrolments]\nfile = \"school.sql\"\npk = [\"id\"]\nforeign-keys = { student_id = \"students.id\" }\n",
    );
    let runs: [(&[&str], usize); 8] = [
        // reading the dump once, each table searched, then the writing
        (&["run", "pg.toml", "--out", "p"], 4),
        // five CSV tables, each read and searched, then the writing
        (&["run", &school, "--out", "d"], 11),
        (&["scan", "--config", &school], 10),
        (&["clean", &students, "--pk", "id", "--out", "a"], 3),
        (
            &[
                "clean", &students, "--pk", "id", "--engine", "memory", "--out", "b",
            ],
            3,
        ),
        (&["scan", &students, "--pk", "id"], 2),
        (
            &[
                "clean",
                &people,
                "--pk",
                "id",
                "--ignore",
                "entity_id",
                "--fuzzy",
                "--out",
                "c",
            ],
            7,
        ),
        (
            &[
                "scan",
                &people,
                "--pk",
                "id",
                "--ignore",
                "entity_id",
                "--fuzzy",
            ],
            6,
        ),
    ];
    for (args, steps) in runs {
        let mut a = vec!["--log-format", "json"];
        a.extend_from_slice(args);
        let run = w.run(&a);
        assert!(run.code() == 0 || run.code() == 1, "{}", run.stderr());
        let numbered: Vec<(u64, u64)> = json_lines(&run.stderr())
            .iter()
            .filter(|l| l["event"] == "phase_started")
            .map(|l| (l["step"].as_u64().unwrap(), l["steps"].as_u64().unwrap()))
            .collect();
        let expected: Vec<(u64, u64)> = (1..=steps as u64).map(|k| (k, steps as u64)).collect();
        assert_eq!(numbered, expected, "{args:?}: {}", run.stderr());
    }
}
