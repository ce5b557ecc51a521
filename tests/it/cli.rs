//! The command line on the bundled dumps: outputs, exit codes, determinism, formats.

use std::collections::BTreeMap;
use std::io::Write;

use crate::util::{
    files, html_without_volatile, records, report_without_timings, testdata, Workdir,
};

const STUDENTS_ARGS: &[&str] = &[
    "--pk",
    "id",
    "--ignore",
    "updated_at",
    "--keep",
    "max:updated_at",
    "--dialect",
    "postgres",
    "--dialect",
    "mysql",
    "--dialect",
    "sqlite",
];

fn clean_students(w: &Workdir, out: &str) {
    let input = testdata("school/students.csv");
    let mut args = vec!["clean", input.as_str(), "--out", out];
    args.extend_from_slice(STUDENTS_ARGS);
    w.run(&args).ok();
}

#[test]
fn clean_matches_the_golden_outputs() {
    let w = Workdir::new();
    clean_students(&w, "out");
    let expected_dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/expected/students");
    let got = files(&w.path("out"));
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::create_dir_all(&expected_dir).unwrap();
        for (name, data) in &got {
            if name == "report.html" {
                // without its timings and the engine's name
                std::fs::write(expected_dir.join(name), html_without_volatile(data)).unwrap();
            } else if name != "report.json" && name != "history.jsonl" {
                std::fs::write(expected_dir.join(name), data).unwrap();
            }
        }
    }
    let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "dupsweep-manifest.txt",
            "history.jsonl",
            "report.html",
            "report.json",
            "students.cleaned.csv",
            "students.mysql.sql",
            "students.mysql.undo.sql",
            "students.postgres.sql",
            "students.postgres.undo.sql",
            "students.removed.csv",
            "students.sqlite.sql",
            "students.sqlite.undo.sql"
        ]
    );
    for (name, data) in &got {
        // the report has timings, the history the time of the run: checked elsewhere
        if name == "report.json" || name == "history.jsonl" {
            continue;
        }
        let data = &match name.as_str() {
            "report.html" => html_without_volatile(data),
            _ => data.clone(),
        };
        let want = std::fs::read(expected_dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            want == *data,
            "{name} differs from testdata/expected/students/{name} (UPDATE_EXPECTED=1 rewrites it)"
        );
    }
}

#[test]
fn cleaned_plus_removed_is_the_input_and_nothing_is_lost() {
    let w = Workdir::new();
    clean_students(&w, "out");
    let input = records(
        &std::fs::read(testdata("school/students.csv")).unwrap(),
        b',',
    );
    let cleaned = records(&w.read("out/students.cleaned.csv"), b',');
    let removed = records(&w.read("out/students.removed.csv"), b',');
    assert_eq!(cleaned[0], input[0]);
    assert_eq!(
        removed[0][input[0].len()..],
        [
            "dupsweep_group",
            "dupsweep_survivor",
            "dupsweep_score",
            "dupsweep_reason"
        ]
    );
    // exact duplicates score 1
    assert!(removed[1..].iter().all(|r| r[input[0].len() + 2] == "1"));
    // 136 records: 122 distinct students and 14 copies
    assert_eq!(input.len() - 1, 136);
    assert_eq!(removed.len() - 1, 14);
    assert_eq!(cleaned.len() - 1, 122);
    let mut all: Vec<Vec<String>> = cleaned[1..].to_vec();
    all.extend(removed[1..].iter().map(|r| r[..input[0].len()].to_vec()));
    all.sort();
    let mut want = input[1..].to_vec();
    want.sort();
    assert_eq!(all, want);
    // every removed row names a survivor that is in the cleaned file and has the same key
    let by_id: BTreeMap<&str, &Vec<String>> =
        cleaned[1..].iter().map(|r| (r[0].as_str(), r)).collect();
    for r in &removed[1..] {
        let s = by_id.get(r[11].as_str()).expect("survivor is kept");
        assert_eq!(s[1..9], r[1..9], "survivor and removed row share the key");
        assert!(s[9] >= r[9], "max:updated_at keeps the newest");
        assert_eq!(
            r[13],
            "exact:first_name,last_name,email,birth_date,grade,balance,active,notes"
        );
    }
}

#[test]
fn outputs_are_byte_identical_across_runs_and_the_input_is_untouched() {
    let w = Workdir::new();
    let before = std::fs::read(testdata("school/students.csv")).unwrap();
    clean_students(&w, "a");
    clean_students(&w, "b");
    let (a, b) = (files(&w.path("a")), files(&w.path("b")));
    assert_eq!(a.len(), b.len());
    for ((na, da), (nb, db)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        if na == "history.jsonl" {
            // the one output that records when it ran
            continue;
        }
        if na == "report.html" {
            assert_eq!(html_without_volatile(da), html_without_volatile(db));
        } else if na == "report.json" {
            let (mut ra, rb) = (report_without_timings(da), report_without_timings(db));
            // the outputs list names the folder, which differs on purpose here
            let s = serde_json::to_string(&ra).unwrap().replace("\"a/", "\"b/");
            ra = serde_json::from_str(&s).unwrap();
            assert_eq!(ra, rb);
        } else {
            assert!(da == db, "{na} differs between runs");
        }
    }
    assert_eq!(
        std::fs::read(testdata("school/students.csv")).unwrap(),
        before
    );
    // no temporary file is left behind
    assert!(a.iter().all(|(n, _)| !n.starts_with(".dupsweep-")));
}

#[test]
fn report_json_has_the_documented_fields() {
    let w = Workdir::new();
    clean_students(&w, "out");
    let r: serde_json::Value = serde_json::from_slice(&w.read("out/report.json")).unwrap();
    assert_eq!(r["input"]["rows"], 136);
    assert_eq!(r["input"]["format"], "csv");
    assert_eq!(r["input"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(r["input"]["columns"].as_array().unwrap().len(), 10);
    assert_eq!(r["options"]["pk"], serde_json::json!(["id"]));
    assert_eq!(r["options"]["keep"], "max:updated_at");
    assert_eq!(r["groups"], 12);
    assert_eq!(r["rows_in_groups"], 26);
    assert_eq!(r["rows_removed"], 14);
    assert_eq!(r["rows_kept"], 122);
    assert_eq!(r["largest_group"], 3);
    assert_eq!(r["duplicates_per_key_column"][0]["column"], "first_name");
    for k in ["read_ms", "detect_ms", "survive_ms", "write_ms", "total_ms"] {
        assert!(r["timings"][k].is_u64(), "{k}");
    }
}

#[test]
fn scan_exit_codes_and_json() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let run = w.run(&["scan", &input, "--pk", "id", "--ignore", "updated_at"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(
        run.stdout().starts_with(
            "students: 136 rows, 12 duplicate groups (26 rows), 14 rows to remove, 122 kept\n"
        ),
        "{}",
        run.stdout()
    );
    // scan writes nothing
    assert!(!w.path("dupsweep-out").exists());
    let run = w.run(&["scan", &input, "--pk", "id", "--json"]);
    assert_eq!(run.code(), 1);
    let r: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(r["command"], "scan");
    assert_eq!(
        r["rows_removed"], 11,
        "with updated_at in the key fewer rows match"
    );
    // no duplicates: exit 0
    let run = w.run(&["scan", &input, "--key", "id"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stdout().contains("0 duplicate groups"));
}

#[test]
fn compressed_inputs_give_the_same_cleaned_file() {
    let w = Workdir::new();
    let plain = std::fs::read(testdata("school/exam_results.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&plain).unwrap();
    w.write("marks.csv.gz", &gz.finish().unwrap());
    w.write("marks.csv.zst", &zstd::encode_all(&plain[..], 3).unwrap());
    w.write("marks.csv", &plain);
    for (input, out) in [
        ("marks.csv", "p"),
        ("marks.csv.gz", "g"),
        ("marks.csv.zst", "z"),
    ] {
        w.run(&["clean", input, "--pk", "student_id,exam", "--out", out])
            .ok();
    }
    let p = w.read("p/marks.cleaned.csv");
    assert_eq!(records(&p, b',').len() - 1, 40);
    assert_eq!(w.read("g/marks.cleaned.csv"), p);
    assert_eq!(w.read("z/marks.cleaned.csv"), p);
    let r: serde_json::Value = serde_json::from_slice(&w.read("g/report.json")).unwrap();
    assert_eq!(r["input"]["compression"], "gzip");
}

#[test]
fn bom_semicolon_and_text_keys_are_kept_as_written() {
    let w = Workdir::new();
    let input = testdata("school/courses.csv");
    w.run(&["clean", &input, "--pk", "code", "--out", "o"]).ok();
    let cleaned = w.read("o/courses.cleaned.csv");
    assert!(cleaned.starts_with(b"\xEF\xBB\xBFcode;title;teacher;room\n"));
    let recs = records(&cleaned, b';');
    let codes: Vec<&str> = recs[1..].iter().map(|r| r[0].as_str()).collect();
    // HIST-y has a NULL room, HIST and HIST-x an empty string: different values
    assert_eq!(
        codes,
        ["MATH-101", "PHYS-1", "ART", "ART-2", "HIST", "HIST-y", "BIO"]
    );
    let removed = w.read_str("o/courses.removed.csv");
    assert!(removed.contains(";dupsweep_group;dupsweep_survivor;dupsweep_score;dupsweep_reason\n"));
    assert!(
        removed.contains("HIST-x;History;Mr. Smith;\"\";7;HIST;1;exact:title,teacher,room\n"),
        "{removed}"
    );
}

#[test]
fn null_marker_and_keep_rules() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        b"id,name,score,seen,note\n1,a,9,2024-01-02,x\n2,a,10,2024-01-10T08:00:00+02:00,x\n3,a,,\\N,x\n4,b,\\N,2024-01-01,\\N\n5,b,,2024-01-01,\"\\N\"\n",
    );
    let kept = |args: &[&str]| -> Vec<String> {
        let mut a = vec![
            "clean", "t.csv", "--pk", "id", "--key", "name", "--null", "\\N", "--out", "o",
        ];
        a.extend_from_slice(args);
        w.run(&a).ok();
        records(&w.read("o/t.cleaned.csv"), b',')[1..]
            .iter()
            .map(|r| r[0].clone())
            .collect()
    };
    assert_eq!(kept(&[]), ["1", "4"]);
    assert_eq!(kept(&["--keep", "last"]), ["3", "5"]);
    // 10 > 9 as numbers; NULL never wins
    assert_eq!(kept(&["--keep", "max:score"]), ["2", "4"]);
    assert_eq!(kept(&["--keep", "min:score"]), ["1", "4"]);
    assert_eq!(kept(&["--keep", "max:seen"]), ["2", "4"]);
    // record 3 has two NULLs (score empty, seen \N); record 4 two (score, note \N), record 5
    // one: its quoted "\N" is text, not the NULL marker
    assert_eq!(kept(&["--keep", "most-complete"]), ["1", "5"]);
}

#[test]
fn keyless_tables_are_deduplicated_by_position() {
    let w = Workdir::new();
    let input = testdata("school/timetable.csv");
    w.run(&["clean", &input, "--out", "o", "--dialect", "sqlite"])
        .ok();
    let removed = records(&w.read("o/timetable.removed.csv"), b',');
    assert_eq!(removed.len() - 1, 7);
    // the survivor is named by its record number
    assert!(removed[1..].iter().all(|r| r[6].parse::<u64>().is_ok()));
    let r: serde_json::Value = serde_json::from_slice(&w.read("o/report.json")).unwrap();
    assert_eq!(r["options"]["key"].as_array().unwrap().len(), 5);
}

#[test]
fn parquet_in_parquet_out_with_types() {
    use polars::prelude::*;
    let w = Workdir::new();
    let mut df = df!(
        "id" => [1i64, 2, 3, 4],
        "name" => [Some("Ann"), Some("Ann"), None, None],
        "score" => [1.5f64, 1.5, 2.0, 2.0],
        "born" => [Some(10i32), Some(10), None, None],
    )
    .unwrap();
    df.with_column(df.column("born").unwrap().cast(&DataType::Date).unwrap())
        .unwrap();
    let f = std::fs::File::create(w.path("people.parquet")).unwrap();
    ParquetWriter::new(f).finish(&mut df).unwrap();
    w.run(&[
        "clean",
        "people.parquet",
        "--pk",
        "id",
        "--out",
        "o",
        "--dialect",
        "sqlite",
        "--dialect",
        "mysql",
    ])
    .ok();
    let read = |p: &str| {
        ParquetReader::new(std::fs::File::open(w.path(p)).unwrap())
            .finish()
            .unwrap()
    };
    let cleaned = read("o/people.cleaned.parquet");
    assert_eq!(cleaned.schema(), df.schema());
    assert_eq!(
        cleaned.column("id").unwrap().i64().unwrap().to_vec(),
        [Some(1), Some(3)]
    );
    let removed = read("o/people.removed.parquet");
    assert_eq!(removed.height(), 2);
    assert_eq!(
        removed
            .column("dupsweep_survivor")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        [Some("1"), Some("3")]
    );
    let sql = w.read_str("o/people.sqlite.sql");
    // the staged rows: the row to delete with its typed values (numbers unquoted), and its
    // survivor, which differs from it in the primary key only (mask 0111)
    assert!(
        sql.contains("(1, '0111', NULL, 2, 'Ann', 1.5, '1970-01-11', 1, NULL, NULL, NULL)"),
        "{sql}"
    );
    let sql = w.read_str("o/people.mysql.sql");
    assert!(
        sql.contains("(1, '0111', NULL, '2', 'Ann', '1.5', '1970-01-11', '1', NULL, NULL, NULL)"),
        "{sql}"
    );
}

#[test]
fn the_parquet_dump_loses_the_same_rows_as_the_csv_dump() {
    use polars::prelude::*;
    let w = Workdir::new();
    let args = |input: String, out: &str| {
        let mut a = vec!["clean".to_string(), input, "--out".into(), out.into()];
        a.extend(STUDENTS_ARGS.iter().take(6).map(|s| s.to_string()));
        a
    };
    let a = args(testdata("school/students.parquet"), "p");
    w.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let a = args(testdata("school/students.csv"), "c");
    w.run(&a.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let removed =
        ParquetReader::new(std::fs::File::open(w.path("p/students.removed.parquet")).unwrap())
            .finish()
            .unwrap();
    let ids: Vec<String> = removed
        .column("id")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(|v| v.unwrap().to_string())
        .collect();
    let csv_ids: Vec<String> = records(&w.read("c/students.removed.csv"), b',')[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(ids, csv_ids);
    let cleaned =
        ParquetReader::new(std::fs::File::open(w.path("p/students.cleaned.parquet")).unwrap())
            .finish()
            .unwrap();
    let input =
        ParquetReader::new(std::fs::File::open(testdata("school/students.parquet")).unwrap())
            .finish()
            .unwrap();
    assert_eq!(
        cleaned.schema(),
        input.schema(),
        "the cleaned file keeps the input's types"
    );
}

#[test]
fn the_library_example_runs() {
    // cargo test builds the examples next to the test binaries
    let exe = std::env::current_exe().unwrap();
    let example = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("clean_students");
    let w = Workdir::new();
    let out = std::process::Command::new(&example)
        .arg(w.path("out"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", example.display()));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("students: 136 rows, 12 duplicate groups")
    );
    assert_eq!(
        w.read("out/students.postgres.sql"),
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("testdata/expected/students/students.postgres.sql")
        )
        .unwrap()
    );
}

/// Shell completions and the manual page come from the same definitions as `--help`: bash
/// loads its script and completes the commands; zsh and fish scripts name them; the man page
/// is roff that `man` renders.
#[test]
fn completions_and_the_man_page_name_every_command() {
    let w = Workdir::new();
    let commands = [
        "clean", "scan", "eval", "explain", "suggest", "run", "history", "report", "init",
    ];
    for shell in ["bash", "zsh", "fish"] {
        let script = w.run(&["completions", shell]).ok().stdout();
        for c in commands {
            assert!(script.contains(c), "{shell}: {c}");
        }
    }
    let script = w.run(&["completions", "bash"]).ok().stdout();
    w.write("dupsweep.bash", script.as_bytes());
    let out = std::process::Command::new("bash")
        .args([
            "-c",
            "source ./dupsweep.bash && COMP_WORDS=(dupsweep re) && COMP_CWORD=1 && _dupsweep dupsweep re dupsweep && echo \"${COMPREPLY[@]}\"",
        ])
        .current_dir(w.path("."))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "report");
    let page = w.run(&["man"]).ok().stdout();
    assert!(page.contains(".TH dupsweep 1"), "{page}");
    for c in commands {
        assert!(page.contains(c), "man: {c}");
    }
    let bad = w.run(&["completions", "tcsh"]);
    assert_eq!(bad.code(), 2);
}

/// `docs/cli.md`, the command-line reference, as the program's own help makes it: the main
/// help, then each command's.
fn cli_reference(w: &Workdir) -> String {
    let help = |args: &[&str]| w.run_env(args, &[("COLUMNS", "100")]).ok().stdout();
    let main = help(&["--help"]);
    let commands: Vec<String> = main
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        // a command's line starts two spaces in; its description's next lines further
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .filter(|c| c != "help")
        .collect();
    let mut out = String::from(
        "# Command-line reference\n\nThe program's own help, command by command (`dupsweep COMMAND --help` prints the same;\n`scripts/cli_doc.sh` writes this file again). What the options mean in more words:\n[options.md](options.md).\n\n## dupsweep\n\n```text\n",
    );
    out.push_str(&main);
    out.push_str("```\n");
    for c in &commands {
        out.push_str(&format!("\n## dupsweep {c}\n\n```text\n"));
        out.push_str(&help(&[c.as_str(), "--help"]));
        out.push_str("```\n");
    }
    out
}

/// The reference in `docs/` is the program's help, never an older one
/// (`DUPSWEEP_WRITE_CLI_DOC=1` writes it, as `scripts/cli_doc.sh` does).
#[test]
fn the_cli_reference_in_docs_is_the_programs_help() {
    let w = Workdir::new();
    let text = cli_reference(&w);
    assert!(text.contains("## dupsweep clean") && text.contains("## dupsweep init"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/cli.md");
    if std::env::var("DUPSWEEP_WRITE_CLI_DOC").as_deref() == Ok("1") {
        std::fs::write(&path, &text).unwrap();
    }
    let doc = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        doc == text,
        "docs/cli.md is not the program's help: run scripts/cli_doc.sh"
    );
}

/// `-q` prints nothing but what was asked and the errors; `-v` logs every stage and file on
/// standard error though it is not a terminal; `--color` colours `error:` and `hint:` on
/// demand, never by default off a terminal, and NO_COLOR needs no flag.
#[test]
fn quiet_verbose_and_color() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let q = w
        .run(&["-q", "clean", &input, "--pk", "id", "--out", "q"])
        .ok();
    assert_eq!(q.stdout(), "");
    assert_eq!(q.stderr(), "");
    assert!(w.path("q/students.cleaned.csv").exists());
    // the output a command exists for is still printed
    let j = w
        .run(&[
            "clean", "--quiet", &input, "--pk", "id", "--out", "q", "--json",
        ])
        .ok();
    assert!(j.stdout().starts_with('{'), "{}", j.stdout());
    // scan's exit code still says it
    assert_eq!(w.run(&["scan", "-q", &input, "--pk", "id"]).code(), 1);
    let v = w
        .run(&["clean", "-v", &input, "--pk", "id", "--out", "v"])
        .ok();
    for want in [
        "[1/3] reading",
        "done in",
        "wrote cleaned v/students.cleaned.csv (125 rows)",
    ] {
        assert!(v.stderr().contains(want), "{want}\n{}", v.stderr());
    }
    assert!(v.stdout().contains("students: 136 rows"));
    assert!(!v.stderr().contains('\u{1b}'), "no colour off a terminal");
    let bad = w.run(&["--color", "always", "scan", "nope.csv"]);
    assert!(
        bad.stderr()
            .starts_with("\u{1b}[1;31merror:\u{1b}[0m nope.csv"),
        "{:?}",
        bad.stderr()
    );
    let bad = w.run_env(&["scan", "nope.csv", "--color=never"], &[("NO_COLOR", "1")]);
    assert!(
        bad.stderr().starts_with("error: nope.csv"),
        "{}",
        bad.stderr()
    );
    let both = w.run(&["-q", "-v", "scan", &input]);
    assert_eq!(both.code(), 2);
    assert!(
        both.stderr().contains("cannot be used with"),
        "{}",
        both.stderr()
    );
}
