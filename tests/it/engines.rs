//! The streaming engine (`--engine stream`), the in-memory one (`--engine memory`) and, on
//! Parquet files, DataFusion's (`--engine datafusion`) write the same bytes: cleaned and removed
//! files, every script, the report (timings aside), the same errors.

use std::io::Write;

use crate::util::{files, report_of_any_engine, testdata, Workdir};

/// Runs `clean INPUT ARGS` with each engine (the input copied as `name`, the outputs in `out`)
/// and asserts that both wrote the same files; returns the outputs.
#[track_caller]
fn same_outputs(name: &str, data: &[u8], args: &[&str]) -> Vec<(String, Vec<u8>)> {
    same_outputs_env(name, data, args, &[])
}

/// [`same_outputs`], the streaming engine run with the environment variables `env`.
fn same_outputs_env(
    name: &str,
    data: &[u8],
    args: &[&str],
    env: &[(&str, &str)],
) -> Vec<(String, Vec<u8>)> {
    let mut results = Vec::new();
    let mut engines = vec!["memory", "stream"];
    if cfg!(feature = "datafusion") && name.ends_with(".parquet") {
        engines.push("datafusion");
    }
    if cfg!(feature = "ballista") && name.ends_with(".parquet") {
        engines.push("ballista");
    }
    for engine in engines.iter().copied() {
        let w = Workdir::new();
        w.write(name, data);
        let mut a = vec![
            "clean",
            name,
            "--out",
            "out",
            "--engine",
            engine,
            "--dialect",
            "postgres",
            "--dialect",
            "mysql",
            "--dialect",
            "sqlite",
            "--prevent",
        ];
        if engine == "ballista" {
            a.extend(["--cluster", crate::cluster::shared()]);
        }
        // the reference, the in-memory engine, holds the whole table: it runs without the
        // tight --memory-limit the streaming engine is tested under (a limit changes no output)
        let mut rest = args.iter();
        while let Some(&arg) = rest.next() {
            match (engine, arg) {
                ("memory", "--memory-limit") => {
                    rest.next();
                }
                _ => a.push(arg),
            }
        }
        let run = match engine {
            "memory" => w.run(&a).ok(),
            _ => w.run_env(&a, env).ok(),
        };
        let mut out: Vec<(String, Vec<u8>)> = files(&w.path("out"))
            .into_iter()
            .filter(|(n, _)| n != "history.jsonl")
            .map(|(n, b)| {
                if n == "report.json" {
                    let full: serde_json::Value = serde_json::from_slice(&b).unwrap();
                    assert_eq!(
                        full["engine"], engine,
                        "the report names the engine that ran"
                    );
                    let r = report_of_any_engine(&b);
                    (n, serde_json::to_vec_pretty(&r).unwrap())
                } else if n == "report.html" {
                    (n, crate::util::html_without_volatile(&b))
                } else {
                    (n, b)
                }
            })
            .collect();
        out.push(("stdout".into(), run.stdout().into_bytes()));
        results.push(out);
    }
    let memory = &results[0];
    for (engine, other) in engines.iter().zip(&results).skip(1) {
        assert_eq!(
            memory.iter().map(|f| &f.0).collect::<Vec<_>>(),
            other.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "{engine}"
        );
        for ((name, m), (_, s)) in memory.iter().zip(other) {
            assert!(
                m == s,
                "{name} differs between the engines:\n--- memory\n{}\n--- {engine}\n{}",
                String::from_utf8_lossy(m),
                String::from_utf8_lossy(s)
            );
        }
    }
    results.swap_remove(1)
}

/// The `report.json` among [`same_outputs`]' files (timings left out).
fn report_of(out: &[(String, Vec<u8>)]) -> serde_json::Value {
    serde_json::from_slice(&out.iter().find(|f| f.0 == "report.json").unwrap().1).unwrap()
}

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(testdata(rel)).unwrap()
}

#[test]
fn the_fixtures_give_the_same_outputs_in_both_engines() {
    let students = fixture("school/students.csv");
    for args in [
        &["--pk", "id"][..],
        &["--pk", "id", "--keep", "max:updated_at"],
        &["--pk", "id", "--keep", "most-complete"],
        &["--pk", "id", "--keep", "last", "--guard", "key"],
        &["--pk", "id", "--key", "first_name,last_name"],
        &[],
    ] {
        same_outputs("students.csv", &students, args);
    }
    same_outputs(
        "courses.csv",
        &fixture("school/courses.csv"),
        &["--pk", "code"],
    );
    same_outputs("timetable.csv", &fixture("school/timetable.csv"), &[]);
    same_outputs(
        "exam_results.csv",
        &fixture("school/exam_results.csv"),
        &["--pk", "student_id,exam", "--keep", "max:mark"],
    );
    same_outputs("adversarial.csv", &fixture("adversarial.csv"), &[]);
    same_outputs(
        "people.csv",
        &fixture("people/people.csv"),
        &["--pk", "id", "--ignore", "entity_id"],
    );
}

#[test]
fn compressed_inputs_give_the_same_outputs() {
    let students = fixture("school/students.csv");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&students).unwrap();
    let gz = gz.finish().unwrap();
    let from_gz = same_outputs(
        "students.csv.gz",
        &gz,
        &["--pk", "id", "--table", "students"],
    );
    let zst = zstd::encode_all(&students[..], 3).unwrap();
    let from_zst = same_outputs(
        "students.csv.zst",
        &zst,
        &["--pk", "id", "--table", "students"],
    );
    // the table files are those of the plain file
    let plain = same_outputs("students.csv", &students, &["--pk", "id"]);
    for name in ["students.cleaned.csv", "students.removed.csv"] {
        let get = |o: &Vec<(String, Vec<u8>)>| o.iter().find(|f| f.0 == name).unwrap().1.clone();
        assert_eq!(get(&from_gz), get(&plain));
        assert_eq!(get(&from_zst), get(&plain));
    }
}

#[test]
fn blank_lines_crlf_and_a_last_record_without_line_end() {
    let data = b"\xEF\xBB\xBFid;name;note\r\n\r\n1;ann;\"a;b\"\r\n2;bob;x\r\n\r\n\r\n3;ann;\"a;b\"\r\n4;\"b\"\"ob\";\"two\r\nlines\"\r\n5;\"b\"\"ob\";\"two\r\nlines\"\r\n6;ann;\"a;b\"";
    let out = same_outputs("t.csv", data, &["--pk", "id"]);
    let cleaned = &out.iter().find(|f| f.0 == "t.cleaned.csv").unwrap().1;
    assert_eq!(
        cleaned.as_slice(),
        b"\xEF\xBB\xBFid;name;note\r\n1;ann;\"a;b\"\r\n2;bob;x\r\n4;\"b\"\"ob\";\"two\r\nlines\"\r\n"
    );
    let removed = &out.iter().find(|f| f.0 == "t.removed.csv").unwrap().1;
    assert_eq!(
        String::from_utf8_lossy(removed),
        "\u{feff}id;name;note;dupsweep_group;dupsweep_survivor;dupsweep_score;dupsweep_reason\r\n\
         3;ann;\"a;b\";1;1;1;exact:name,note\r\n\
         5;\"b\"\"ob\";\"two\r\nlines\";4;4;1;exact:name,note\r\n\
         6;ann;\"a;b\";1;1;1;exact:name,note\r\n"
    );
}

#[test]
fn records_across_read_chunks_and_a_long_value() {
    // over 4 MiB (the reader's chunk): records and a 5 MB value straddle the chunk boundaries
    let mut data = b"id,name,bio\n".to_vec();
    let long = "x".repeat(5_000_000);
    for i in 0..60_000 {
        let name = format!("name{}", i % 50_000);
        let bio = if i % 20_000 == 7 {
            format!("\"{long}\"")
        } else {
            format!("\"line one\nline \"\"{}\"\"\"", i % 50_000)
        };
        data.extend_from_slice(format!("{i},{name},{bio}\n").as_bytes());
    }
    let out = same_outputs("big.csv", &data, &["--pk", "id"]);
    let report = report_of(&out);
    // names 50000… repeat names 0…, with the same bio except the long one of record 8
    assert_eq!(report["rows_removed"], 9_999);
}

#[test]
fn a_min_column_is_compared_as_the_whole_column_reads() {
    // one score that is not a number, outside any group, makes the column text: "10" < "9"
    let data = b"id,name,score\n1,ann,9\n2,ann,10\n3,bob,n/a\n";
    let out = same_outputs(
        "t.csv",
        data,
        &["--pk", "id", "--key", "name", "--keep", "min:score"],
    );
    let cleaned = &out.iter().find(|f| f.0 == "t.cleaned.csv").unwrap().1;
    assert_eq!(cleaned.as_slice(), b"id,name,score\n2,ann,10\n3,bob,n/a\n");
}

#[test]
fn the_distinct_counts_spill_beyond_the_memory_limit() {
    // 20,000 records, three key columns: 480 kB of value hashes against a 256 kB budget
    let mut data = b"id,a,b,c\n".to_vec();
    for i in 0..20_000 {
        data.extend_from_slice(format!("{i},{},{},{}\n", i % 7000, i % 3, i % 6999).as_bytes());
    }
    let w = Workdir::new();
    w.write("t.csv", &data);
    let spilled = w
        .run(&[
            "scan",
            "t.csv",
            "--pk",
            "id",
            "--json",
            "--memory-limit",
            "1M",
        ])
        .ok();
    let memory = w
        .run(&[
            "scan", "t.csv", "--pk", "id", "--json", "--engine", "memory",
        ])
        .ok();
    assert_eq!(
        report_of_any_engine(spilled.stdout().as_bytes()),
        report_of_any_engine(memory.stdout().as_bytes())
    );
    let r: serde_json::Value = serde_json::from_str(&spilled.stdout()).unwrap();
    assert_eq!(
        r["duplicates_per_key_column"],
        serde_json::json!([
            {"column": "a", "repeated_values": 13_000},
            {"column": "b", "repeated_values": 19_997},
            {"column": "c", "repeated_values": 13_001},
        ])
    );
}

#[test]
fn a_memory_limit_too_small_stops_before_holding_more() {
    let mut data = b"id,a\n".to_vec();
    for i in 0..5000 {
        data.extend_from_slice(format!("{i},{}\n", i % 10).as_bytes());
    }
    let w = Workdir::new();
    w.write("t.csv", &data);
    let clean = |w: &Workdir, limit: &str| {
        w.run(&[
            "clean",
            "t.csv",
            "--pk",
            "id",
            "--out",
            "out",
            "--memory-limit",
            limit,
        ])
    };
    let run = clean(&w, "36K");
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(
        run.stderr(),
        "error: t.csv:4610 (record 4609): more records than the streaming engine can index within --memory-limit 36 KiB (8 bytes per record)\nhint: raise --memory-limit\n"
    );
    assert!(!w.path("out").exists());
    // every record is in a group: the index (40 kB) and the values held (about 3 × 34 kB)
    // over 120 kB, and so are the spilled records' offsets and groups (about 850 kB)
    let run = clean(&w, "120K");
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .starts_with("error: 5000 of the 5000 records are in duplicate groups"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
    let run = clean(&w, "400K");
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stdout().contains("4990 rows to remove"),
        "{}",
        run.stdout()
    );
}

/// A 300-character text for record pair `k`, with commas, quotes and line breaks, quoted
/// for a CSV field (its quotes doubled).
fn long_bio(k: usize) -> String {
    format!("{k:05}{}", "é, \"quoted\"\nline ".repeat(15)).replace('"', "\"\"")
}

#[test]
fn grouped_records_over_the_memory_limit_spill_to_a_temporary_file() {
    // 20,000 records in pairs, 300-character texts: their values (about 7 MB) held with their
    // overhead (about 20 MB) are over 12 MiB, in a temporary file (about 5 MB) not
    let mut data = b"id,name,bio\n".to_vec();
    for i in 0..20_000 {
        let k = i % 10_000;
        data.extend_from_slice(format!("{i},name {k},\"{}\"\n", long_bio(k)).as_bytes());
    }
    let out = same_outputs("t.csv", &data, &["--pk", "id", "--memory-limit", "12M"]);
    let report = report_of(&out);
    assert_eq!(report["rows_removed"], 10_000);
    // the same from a gzip file (its second pass reads it again, decompressed, forward)
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&data).unwrap();
    let from_gz = same_outputs(
        "t.csv.gz",
        &gz.finish().unwrap(),
        &["--pk", "id", "--table", "t", "--memory-limit", "12M"],
    );
    // (the scripts name their input, so only the table files are the plain file's)
    for name in ["t.cleaned.csv", "t.removed.csv"] {
        let get = |o: &Vec<(String, Vec<u8>)>| o.iter().find(|f| f.0 == name).unwrap().1.clone();
        assert_eq!(get(&from_gz), get(&out), "{name}");
    }
    // below what even the spilled records need: an error, and nothing written
    let w = Workdir::new();
    w.write("t.csv", &data);
    let run = w.run(&[
        "clean",
        "t.csv",
        "--pk",
        "id",
        "--out",
        "out",
        "--memory-limit",
        "3M",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().starts_with(
            "error: 20000 of the 20000 records are in duplicate groups (7 MiB of the file): holding them needs about 5 MiB even with their values in a temporary file, over --memory-limit 3 MiB\nhint: raise --memory-limit\n"
        ),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
}

#[test]
fn the_in_memory_engine_stops_before_going_over_the_memory_limit() {
    let mut data = b"id,first_name,last_name,email\n".to_vec();
    for i in 0..3000 {
        let k = i % 2900;
        data.extend_from_slice(
            format!("{i},Anna{k},Smith{k},anna.smith{k}@example.org\n").as_bytes(),
        );
    }
    let w = Workdir::new();
    w.write("t.csv", &data);
    let run = |args: &[&str]| {
        let mut a = vec!["clean", "t.csv", "--pk", "id", "--out", "out"];
        a.extend_from_slice(args);
        w.run(&a)
    };
    // before reading: the file (145 KiB) is read whole, its table built beside it
    let r = run(&["--engine", "memory", "--memory-limit", "400K"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert_eq!(
        r.stderr(),
        "error: t.csv: --engine memory reads the whole table: reading its 145 KiB file needs about 434 KiB, over --memory-limit 400 KiB\nhint: raise --memory-limit, or leave --engine out: exact duplicates in a CSV or Parquet file are streamed with far less\n"
    );
    assert!(!w.path("out").exists());
    // the streaming engine does the same job within it
    let r = run(&["--memory-limit", "400K"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
    assert!(r.stdout().contains("100 rows to remove"), "{}", r.stdout());
    std::fs::remove_dir_all(w.path("out")).unwrap();
    // once read: fuzzy matching needs many times its table
    let r = run(&["--fuzzy", "--memory-limit", "500K"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    let err = r.stderr();
    assert!(
        err.starts_with(
            "error: t.csv: fuzzy matching reads the whole table in memory: its 3000 records ("
        ) && err.contains(" as a table) and their fuzzy matching need about ")
            && err.ends_with(", over --memory-limit 500 KiB\nhint: raise --memory-limit\n"),
        "{err}"
    );
    assert!(!w.path("out").exists());
    let r = w.run(&[
        "eval",
        "t.csv",
        "--pk",
        "id",
        "--truth",
        "first_name",
        "--memory-limit",
        "500K",
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr()
            .starts_with("error: t.csv: eval reads the whole table in memory: its 3000 records ("),
        "{}",
        r.stderr()
    );
    // within the limit, it runs
    let r = run(&["--fuzzy", "--memory-limit", "64M"]);
    assert_eq!(r.code(), 0, "{}", r.stderr());
}

#[test]
fn a_temporary_file_that_cannot_be_written_stops_the_run_and_writes_nothing() {
    let mut data = b"id,name,bio\n".to_vec();
    for i in 0..20_000 {
        let k = i % 10_000;
        data.extend_from_slice(format!("{i},name {k},\"{k:05}{}\"\n", "x".repeat(300)).as_bytes());
    }
    let w = Workdir::new();
    w.write("t.csv", &data);
    let missing = w.path("no-such-dir");
    let run = w.run_env(
        &[
            "clean",
            "t.csv",
            "--pk",
            "id",
            "--out",
            "out",
            "--memory-limit",
            "12M",
        ],
        &[("TMPDIR", missing.to_str().unwrap())],
    );
    assert_ne!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("cannot write a temporary file"),
        "{}",
        run.stderr()
    );
    assert!(run.stderr().contains("no-such-dir"), "{}", run.stderr());
    assert!(!w.path("out").exists());
}

#[test]
fn spilled_grouped_records_serve_every_keep_rule_and_tables_without_primary_key() {
    // the same pairs as above, with a note that only one of a pair has: most-complete keeps it;
    // without a primary key the scripts compare a group's copies, read back from the file
    let mut data = b"id,name,bio,note\n".to_vec();
    for i in 0..20_000 {
        let k = i % 10_000;
        let bio = long_bio(k);
        let note = if (i / 10_000 + k) % 2 == 0 {
            format!("n{i}")
        } else {
            String::new()
        };
        data.extend_from_slice(format!("{i},name {k},\"{bio}\",{note}\n").as_bytes());
    }
    for args in [
        &["--pk", "id", "--key", "name,bio", "--keep", "most-complete"][..],
        &["--pk", "id", "--key", "name,bio", "--keep", "max:note"][..],
        &["--key", "name,bio"][..],
    ] {
        let mut a = args.to_vec();
        a.extend(["--memory-limit", "12M"]);
        let out = same_outputs("t.csv", &data, &a);
        let report = report_of(&out);
        assert_eq!(report["rows_removed"], 10_000, "{args:?}");
    }
}

/// `--groups`: the groups file is the same whichever engine read the dump (CSV and Parquet,
/// with and without a primary key, its grouped records held, spilled or in a lean table).
#[test]
fn the_groups_file_is_the_same_in_both_engines() {
    let students = fixture("school/students.csv");
    for args in [
        &["--pk", "id", "--ignore", "updated_at", "--groups"][..],
        &["--key", "first_name,last_name", "--groups"],
    ] {
        let out = same_outputs("students.csv", &students, args);
        assert!(out.iter().any(|f| f.0 == "students.groups.csv"));
    }
    same_outputs(
        "adversarial.csv",
        &fixture("adversarial.csv"),
        &["--groups"],
    );
    let parquet = fixture("school/students.parquet");
    let args = ["--pk", "id", "--ignore", "updated_at", "--groups"];
    let out = same_outputs("students.parquet", &parquet, &args);
    let lean = [("DUPSWEEP_PARQUET_LEAN", "1")];
    assert_eq!(
        same_outputs_env("students.parquet", &parquet, &args, &lean),
        out
    );
    let mut data = b"id,name,bio\n".to_vec();
    for i in 0..20_000 {
        let k = i % 10_000;
        data.extend_from_slice(format!("{i},name {k},\"{}\"\n", long_bio(k)).as_bytes());
    }
    let args = [
        "--pk",
        "id",
        "--key",
        "name,bio",
        "--groups",
        "--memory-limit",
        "12M",
    ];
    let out = same_outputs("t.csv", &data, &args);
    let groups = &out.iter().find(|f| f.0 == "t.groups.csv").unwrap().1;
    // a header and 10,000 groups of two
    assert_eq!(crate::util::records(groups, b',').len(), 20_001);
}

#[test]
fn the_stream_engine_refuses_what_it_cannot_do() {
    let w = Workdir::new();
    w.write("t.csv", b"id,a\n1,x\n");
    let run = w.run(&["clean", "t.csv", "--engine", "stream", "--fuzzy"]);
    assert_eq!(run.code(), 2);
    assert!(run
        .stderr()
        .starts_with("error: --engine stream finds exact duplicates (clean, scan) in a CSV file"));
    let run = w.run(&["clean", "t.csv", "--engine", "fast"]);
    assert_eq!(
        run.stderr(),
        "error: --engine \"fast\" is not an engine\nhint: use auto, stream, memory, datafusion or ballista\n"
    );
    let run = w.run(&["clean", "t.csv", "--memory-limit", "lots"]);
    assert_eq!(
        run.stderr(),
        "error: --memory-limit \"lots\" is not a size\nhint: e.g. --memory-limit 2G or --memory-limit 512M\n"
    );
}

/// A Parquet file of `df`, in row groups of `row_group` rows.
fn parquet(df: &mut polars::prelude::DataFrame, row_group: usize) -> Vec<u8> {
    use polars::prelude::*;
    let mut out = Vec::new();
    ParquetWriter::new(&mut out)
        .with_row_group_size(Some(row_group))
        .finish(df)
        .unwrap();
    out
}

/// Runs `clean t.parquet ARGS --out out` on `data` with each engine; asserts that both fail
/// (exit 2) with the same message and write nothing; returns the message.
#[track_caller]
fn parquet_fails_alike(data: &[u8], args: &[&str]) -> String {
    let mut messages = Vec::new();
    // the streaming engine with a table of the grouped records, and with a lean one
    let mut engines = vec![("memory", "0"), ("stream", "0"), ("stream", "1")];
    if cfg!(feature = "datafusion") {
        engines.extend([("datafusion", "0"), ("datafusion", "1")]);
    }
    if cfg!(feature = "ballista") {
        engines.extend([("ballista", "0"), ("ballista", "1")]);
    }
    for (engine, lean) in engines {
        let w = Workdir::new();
        w.write("t.parquet", data);
        let mut a = vec!["clean", "t.parquet", "--out", "out", "--engine", engine];
        if engine == "ballista" {
            a.extend(["--cluster", crate::cluster::shared()]);
        }
        a.extend_from_slice(args);
        let run = w.run_env(&a, &[("DUPSWEEP_PARQUET_LEAN", lean)]);
        assert_eq!(run.code(), 2, "{engine}: {}", run.stderr());
        assert!(!w.path("out").exists());
        messages.push(run.stderr());
    }
    for (i, m) in messages.iter().enumerate().skip(1) {
        assert_eq!(&messages[0], m, "run {i}");
    }
    messages.pop().unwrap_or_default()
}

#[test]
fn parquet_fixtures_give_the_same_outputs_in_both_engines() {
    let students = fixture("school/students.parquet");
    for args in [
        &["--pk", "id"][..],
        &["--pk", "id", "--keep", "max:updated_at"],
        &["--pk", "id", "--keep", "most-complete"],
        &["--pk", "id", "--keep", "last", "--guard", "key"],
        &["--pk", "id", "--key", "first_name,last_name"],
        &[],
    ] {
        let out = same_outputs("students.parquet", &students, args);
        assert!(out.iter().any(|f| f.0 == "students.cleaned.parquet"));
        // and with the grouped records in a lean table
        let lean = [("DUPSWEEP_PARQUET_LEAN", "1")];
        assert_eq!(
            same_outputs_env("students.parquet", &students, args, &lean),
            out
        );
    }
    same_outputs(
        "people.parquet",
        &fixture("people/people.parquet"),
        &["--pk", "id", "--ignore", "entity_id"],
    );
}

#[test]
fn a_parquet_row_group_larger_than_a_slice_gives_the_same_outputs() {
    // 600,000 records in one row group: the streaming engine reads it in three slices; every
    // 200th record repeats the one 100 before it, in every slice and across their boundaries
    use polars::prelude::*;
    let n = 600_000usize;
    let id: Vec<i64> = (0..n as i64).map(|i| i + 1).collect();
    let v: Vec<i64> = (0..n as i64)
        .map(|i| if i % 200 == 199 { i - 100 } else { i })
        .collect();
    let t: Vec<String> = v.iter().map(|x| format!("t{}", x % 13)).collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("id".into(), id),
            Column::new("v".into(), v),
            Column::new("t".into(), t),
        ],
    )
    .unwrap();
    let data = parquet(&mut df, n);
    let out = same_outputs("big.parquet", &data, &["--pk", "id"]);
    let cleaned = &out.iter().find(|f| f.0 == "big.cleaned.parquet").unwrap().1;
    let back = ParquetReader::new(std::io::Cursor::new(cleaned.clone()))
        .finish()
        .unwrap();
    assert_eq!(back.height(), n - n / 200);
}

#[test]
fn the_cleaned_and_removed_parquet_files_are_compressed_as_the_input() {
    use polars::prelude::*;
    // the codec of a file's first column chunk, by name
    let codec = |bytes: &[u8]| {
        let mut r = ParquetReader::new(std::io::Cursor::new(bytes.to_vec()));
        let meta = r.get_metadata().unwrap().clone();
        format!(
            "{:?}",
            meta.row_groups[0].parquet_columns()[0].compression()
        )
    };
    let n = 1000usize;
    let id: Vec<i64> = (1..=n as i64).collect();
    let v: Vec<String> = (0..n).map(|i| format!("v{}", i % 400)).collect();
    for (c, name) in [
        (ParquetCompression::Snappy, "Snappy"),
        (ParquetCompression::Uncompressed, "Uncompressed"),
        (ParquetCompression::Zstd(None), "Zstd"),
    ] {
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("id".into(), id.clone()),
                Column::new("v".into(), v.clone()),
            ],
        )
        .unwrap();
        let mut data = Vec::new();
        ParquetWriter::new(&mut data)
            .with_compression(c)
            .finish(&mut df)
            .unwrap();
        // the same bytes from both engines
        let out = same_outputs("t.parquet", &data, &["--pk", "id"]);
        assert_eq!(codec(&data), name);
        for file in ["t.cleaned.parquet", "t.removed.parquet"] {
            let bytes = &out.iter().find(|f| f.0 == file).unwrap().1;
            assert_eq!(codec(bytes), name, "{file}");
        }
    }
}

/// 3000 records: floats with -0.0 and 0.0, dates, booleans, NULLs, a text min: column whose
/// one non-number outside any group makes the column text.
fn typed_records() -> polars::prelude::DataFrame {
    use polars::prelude::*;
    let n = 3000usize;
    let id: Vec<i64> = (0..n as i64).map(|i| i * 7 + 1).collect();
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| match i % 5 {
            0 => Some(0.0),
            1 => Some(-0.0),
            2 => Some(2.5),
            3 => None,
            _ => Some(i as f64 / 1000.0),
        })
        .collect();
    let flag: Vec<Option<bool>> = (0..n)
        .map(|i| if i % 11 == 0 { None } else { Some(i % 2 == 0) })
        .collect();
    let day: Vec<Option<i32>> = (0..n)
        .map(|i| {
            if i % 13 == 0 {
                None
            } else {
                Some((i % 40) as i32)
            }
        })
        .collect();
    let name: Vec<Option<String>> = (0..n)
        .map(|i| {
            if i % 17 == 0 {
                None
            } else if i % 1000 == 1 {
                // over 512 bytes: the prevention DDL indexes a prefix of such a column
                Some("long ".repeat(120))
            } else {
                Some(format!("n{}", i % 300))
            }
        })
        .collect();
    let score: Vec<String> = (0..n)
        .map(|i| {
            if i == 5 {
                "n/a".into()
            } else {
                format!("{}", i % 97)
            }
        })
        .collect();
    let mut df = df!(
        "id" => id,
        "x" => x,
        "flag" => flag,
        "day" => day,
        "name" => name,
        "score" => score,
    )
    .unwrap();
    df.with_column(df.column("day").unwrap().cast(&DataType::Date).unwrap())
        .unwrap();
    df
}

#[test]
fn parquet_types_nulls_and_row_groups_give_the_same_outputs() {
    // in row groups of 128
    let data = parquet(&mut typed_records(), 128);
    for args in TYPED_ARGS {
        same_outputs("t.parquet", &data, args);
    }
}

const TYPED_ARGS: [&[&str]; 4] = [
    &["--pk", "id", "--ignore", "score"],
    &["--pk", "id", "--key", "x,flag,day", "--keep", "min:score"],
    &["--pk", "id", "--key", "name", "--keep", "max:x"],
    &["--key", "flag,day", "--keep", "most-complete"],
];

#[test]
fn parquet_grouped_records_in_a_lean_table_give_the_same_outputs() {
    use polars::prelude::*;
    // the grouped records read into a lean table (as when a table of them would not fit within
    // the limit; forced here, since only dumps with hundreds of thousands of them need it):
    // their values in a temporary file, where the groups are verified (-0.0 and 0.0 are one
    // key there too), the removed file written from a last read
    let mut df = typed_records();
    let bio: Vec<String> = (0..df.height())
        .map(|i| format!("{}{}", i % 3, "a biography, \"quoted\"\n".repeat(20)))
        .collect();
    df.with_column(Column::new("bio".into(), bio)).unwrap();
    let data = parquet(&mut df, 128);
    let lean = [("DUPSWEEP_PARQUET_LEAN", "1")];
    for args in TYPED_ARGS {
        same_outputs_env("t.parquet", &data, args, &lean);
    }
    // when even a lean table would not fit: an error, and nothing written
    let w = Workdir::new();
    w.write("t.parquet", &data);
    let run = w.run(&[
        "clean",
        "t.parquet",
        "--pk",
        "id",
        "--ignore",
        "score",
        "--out",
        "out",
        "--memory-limit",
        "1M",
    ]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(
        run.stderr(),
        "error: 1953 of the 3000 records are in duplicate groups: holding them needs about 24 MiB even with their values in a temporary file, over --memory-limit 1 MiB\nhint: raise --memory-limit\n"
    );
    assert!(!w.path("out").exists());
}

#[test]
fn a_lean_table_refuses_a_column_it_cannot_hold_as_text() {
    use polars::prelude::*;
    // a duration column outside the key: a table of the grouped records holds it (scan reports
    // the duplicates), a lean table would write it as SQL text, which it has none of
    let mut df = df!(
        "id" => [1i64, 2, 3],
        "a" => ["x", "x", "y"],
        "took" => [5i64, 6, 7],
    )
    .unwrap();
    df.with_column(
        df.column("took")
            .unwrap()
            .cast(&DataType::Duration(TimeUnit::Milliseconds))
            .unwrap(),
    )
    .unwrap();
    let w = Workdir::new();
    w.write("t.parquet", &parquet(&mut df, 2));
    let scan = ["scan", "t.parquet", "--pk", "id", "--key", "a"];
    let run = w.run(&scan);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stdout().contains("1 row to remove"), "{}", run.stdout());
    let run = w.run_env(&scan, &[("DUPSWEEP_PARQUET_LEAN", "1")]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("and column \"took\" (of type duration[ms]) cannot be held as text in a temporary file\nhint: raise --memory-limit\n"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_parquet_primary_key_that_repeats_or_is_null_fails_alike() {
    use polars::prelude::*;
    for (ids, expect) in [
        (vec![Some(1i64), Some(2), Some(2)], "primary key"),
        (vec![Some(1i64), None, Some(3)], "NULL"),
    ] {
        let mut df = df!("id" => ids, "a" => ["x", "x", "y"]).unwrap();
        let message = parquet_fails_alike(&parquet(&mut df, 2), &["--pk", "id"]);
        assert!(message.contains(expect), "{message}");
    }
    // a primary key of two columns: the first record with a NULL in either is named (the
    // second column's NULL comes first, in the same half of the row group as the first's)
    let mut df = df!(
        "p" => [Some(1i64), Some(2), None, Some(4), Some(5), Some(6), Some(7), Some(8)],
        "q" => [Some(1i64), None, Some(3), Some(4), Some(5), Some(6), Some(7), Some(8)],
        "a" => ["x", "y", "z", "w", "v", "u", "t", "s"],
    )
    .unwrap();
    let message = parquet_fails_alike(&parquet(&mut df, 8), &["--pk", "p,q"]);
    assert!(
        message.starts_with("error: t.parquet (record 2, column \"q\"): the primary key is NULL"),
        "{message}"
    );
}

#[test]
fn a_parquet_dump_over_the_memory_limit_stops_before_holding_more() {
    use polars::prelude::*;
    let n = 20_000i64;
    let mut df = df!(
        "id" => (0..n).collect::<Vec<_>>(),
        "a" => (0..n).map(|i| format!("value {}", i % 10)).collect::<Vec<_>>(),
    )
    .unwrap();
    let w = Workdir::new();
    w.write("t.parquet", &parquet(&mut df, 1000));
    let clean = |limit: &str| {
        w.run(&[
            "clean",
            "t.parquet",
            "--pk",
            "id",
            "--out",
            "out",
            "--memory-limit",
            limit,
        ])
    };
    let run = clean("70K");
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().starts_with(
            "error: t.parquet: 20000 records are more than the streaming engine can index"
        ),
        "{}",
        run.stderr()
    );
    // every record is grouped: twice their frame (about 300 kB) and the index (80 kB) are over
    // 500 kB, and so are their offsets, groups and hashes when their values are in a temporary
    // file (these short records gain nothing there)
    let run = clean("500K");
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(
        run.stderr(),
        "error: 20000 of the 20000 records are in duplicate groups: holding them needs about 27 MiB even with their values in a temporary file, over --memory-limit 500 KiB\nhint: raise --memory-limit\n"
    );
    assert!(!w.path("out").exists());
    // with room for Polars to group their table (five times its size) and for the encoder, the
    // run completes, and its outputs are the in-memory engine's
    let data = std::fs::read(w.path("t.parquet")).unwrap();
    let out = same_outputs("t.parquet", &data, &["--pk", "id", "--memory-limit", "24M"]);
    let report = report_of(&out);
    assert_eq!(report["rows_removed"], 19_990);
    let run = clean("24M");
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stdout().contains("19990 rows to remove"),
        "{}",
        run.stdout()
    );
}

#[test]
fn an_empty_parquet_file_and_scan_give_the_same_results() {
    use polars::prelude::*;
    let mut empty = df!("id" => Vec::<i64>::new(), "a" => Vec::<String>::new()).unwrap();
    let out = same_outputs("t.parquet", &parquet(&mut empty, 10), &["--pk", "id"]);
    assert!(out.iter().any(|f| f.0 == "t.cleaned.parquet"));
    // no duplicates: nothing read again, the cleaned file is the input's rows
    let mut unique = df!("id" => [1i64, 2, 3], "a" => ["x", "y", "z"]).unwrap();
    let out = same_outputs("t.parquet", &parquet(&mut unique, 2), &["--pk", "id"]);
    let report = report_of(&out);
    assert_eq!(report["rows_removed"], 0);
    // scan: the same report from both engines
    let mut df = df!("id" => [1i64, 2, 3], "a" => ["x", "x", "y"]).unwrap();
    let w = Workdir::new();
    w.write("t.parquet", &parquet(&mut df, 2));
    let mut engines = vec!["memory", "stream"];
    if cfg!(feature = "datafusion") {
        engines.push("datafusion");
    }
    if cfg!(feature = "ballista") {
        engines.push("ballista");
    }
    let reports: Vec<serde_json::Value> = engines
        .iter()
        .map(|e| {
            let mut a = vec!["scan", "t.parquet", "--pk", "id", "--json", "--engine", e];
            if *e == "ballista" {
                a.extend(["--cluster", crate::cluster::shared()]);
            }
            let run = w.run(&a);
            // exit 1: duplicates found
            assert_eq!(run.code(), 1, "{}", run.stderr());
            report_of_any_engine(run.stdout().as_bytes())
        })
        .collect();
    for r in &reports[1..] {
        assert_eq!(&reports[0], r);
    }
    assert_eq!(reports[0]["rows_removed"], 1);
}

#[test]
fn a_parquet_key_of_another_type_is_read_in_memory() {
    use polars::prelude::*;
    // a list column in the key: auto reads it in memory, --engine stream says it cannot
    let mut df = df!("id" => [1i64, 2], "a" => ["x", "x"]).unwrap();
    let list = Series::new(
        "tags".into(),
        [
            Series::new("".into(), [1i32, 2]),
            Series::new("".into(), [1i32, 2]),
        ],
    );
    df.with_column(list.into_column()).unwrap();
    let w = Workdir::new();
    w.write("t.parquet", &parquet(&mut df, 2));
    let run = w.run(&[
        "scan",
        "t.parquet",
        "--pk",
        "id",
        "--key",
        "a",
        "--engine",
        "stream",
    ]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let run = w.run(&[
        "scan",
        "t.parquet",
        "--pk",
        "id",
        "--key",
        "a,tags",
        "--engine",
        "stream",
    ]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr()
            .starts_with("error: --engine stream finds exact duplicates"),
        "{}",
        run.stderr()
    );
    let auto = w.run(&[
        "scan",
        "t.parquet",
        "--pk",
        "id",
        "--key",
        "a,tags",
        "--json",
    ]);
    let memory = w.run(&[
        "scan",
        "t.parquet",
        "--pk",
        "id",
        "--key",
        "a,tags",
        "--json",
        "--engine",
        "memory",
    ]);
    assert_eq!(auto.code(), memory.code(), "{}", auto.stderr());
    let (a, m) = (
        report_of_any_engine(auto.stdout().as_bytes()),
        report_of_any_engine(memory.stdout().as_bytes()),
    );
    assert_eq!(
        (&a["groups"], &a["rows_removed"]),
        (&m["groups"], &m["rows_removed"])
    );
    assert_eq!(a["rows_removed"], 1);
}

#[test]
fn parquet_option_and_file_errors_are_named_by_the_stream_engine() {
    use polars::prelude::*;
    let mut df = df!("id" => [1i64, 2], "a" => ["x", "x"]).unwrap();
    let message = parquet_fails_alike(&parquet(&mut df, 2), &["--key", "b"]);
    assert!(
        message.starts_with("error: t.parquet: --key column \"b\" does not exist"),
        "{message}"
    );
    // Parquet's magic bytes around garbage
    let w = Workdir::new();
    let mut bad = b"PAR1".to_vec();
    bad.extend_from_slice(&[7u8; 64]);
    bad.extend_from_slice(b"PAR1");
    w.write("t.parquet", &bad);
    let run = w.run(&["clean", "t.parquet", "--out", "out", "--engine", "stream"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .starts_with("error: t.parquet: cannot read this Parquet file"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
}

#[test]
fn zeros_of_both_signs_and_every_nan_are_one_key_in_every_engine() {
    use polars::prelude::*;
    // NaNs of other bits (negative, another payload) beside the usual one, zeros of both signs,
    // in a 64-bit and a 32-bit float column; each key's records spread over row groups
    let nans = [
        f64::NAN,
        -f64::NAN,
        f64::from_bits(0x7ff8_0000_0000_0001),
        0.0,
        -0.0,
        1.5,
    ];
    let n = 60usize;
    let x: Vec<Option<f64>> = (0..n)
        .map(|i| (i % 7 != 6).then(|| nans[i % 7 % nans.len()]))
        .collect();
    let y: Vec<f32> = (0..n)
        .map(|i| [f32::NAN, -f32::NAN, 0.0, -0.0][i % 4])
        .collect();
    let mut df = df!(
        "id" => (1..=n as i64).collect::<Vec<_>>(),
        "x" => x,
        "y" => y,
    )
    .unwrap();
    let data = parquet(&mut df, 8);
    for key in ["x", "y", "x,y"] {
        same_outputs("t.parquet", &data, &["--pk", "id", "--key", key]);
    }
    let out = same_outputs("t.parquet", &data, &["--pk", "id", "--key", "x"]);
    // keys: NaN, 0, 1.5, NULL
    assert_eq!(report_of(&out)["rows_removed"], n - 4);
    // one NaN and one of other bits, one zero of each sign: two groups of two
    let mut df = df!(
        "id" => [1i64, 2, 3, 4],
        "x" => [f64::NAN, -f64::NAN, 0.0, -0.0],
    )
    .unwrap();
    let out = same_outputs("t.parquet", &parquet(&mut df, 4), &["--pk", "id"]);
    assert_eq!(report_of(&out)["rows_removed"], 2);
}

#[test]
fn every_record_keeps_its_place_in_small_and_split_files() {
    use polars::prelude::*;
    // a float key (an expression beside the record's place in the file); every 50th record
    // repeats the key of the one 25 before it
    let records = |n: usize, text: bool| {
        let x: Vec<f64> = (0..n)
            .map(|i| (if i % 50 == 49 { i - 25 } else { i }) as f64 / 4.0)
            .collect();
        let mut df = df!("id" => (0..n as i64).collect::<Vec<_>>(), "x" => x).unwrap();
        if text {
            // a text column outside the key, of values that do not compress, to pass 1 MiB
            let t: Vec<String> = (0..n)
                .map(|i| format!("{:x}", (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)))
                .collect();
            df.with_column(Column::new("t".into(), t)).unwrap();
        }
        df
    };
    // 20,000 records under 1 MiB, read as one piece, in row groups of 3,000
    let data = parquet(&mut records(20_000, false), 3000);
    assert!(data.len() < 1 << 20);
    let out = same_outputs("t.parquet", &data, &["--pk", "id"]);
    assert_eq!(report_of(&out)["rows_removed"], 400);
    // 200,000 records over 1 MiB in row groups of 10,000: DataFusion splits the file's byte
    // ranges over its partitions
    let data = parquet(&mut records(200_000, true), 10_000);
    assert!(data.len() > 2 << 20, "{}", data.len());
    let out = same_outputs("t.parquet", &data, &["--pk", "id", "--key", "x"]);
    assert_eq!(report_of(&out)["rows_removed"], 4000);
}

#[test]
fn the_datafusion_engine_refuses_what_it_cannot_do() {
    use polars::prelude::*;
    let w = Workdir::new();
    w.write("t.csv", b"id,a\n1,x\n2,x\n");
    let mut df = df!("id" => [1i64, 2], "a" => ["x", "x"]).unwrap();
    w.write("t.parquet", &parquet(&mut df, 2));
    for args in [
        &["clean", "t.csv", "--pk", "id"][..],
        &["clean", "t.parquet", "--pk", "id", "--fuzzy"],
        &["scan", "t.csv", "--pk", "id"],
    ] {
        let mut a = args.to_vec();
        a.extend(["--engine", "datafusion"]);
        if a[0] == "clean" {
            a.extend(["--out", "out"]);
        }
        let run = w.run(&a);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        let expect = if cfg!(feature = "datafusion") {
            "error: --engine datafusion finds exact duplicates (clean, scan) in a Parquet file"
        } else {
            "error: --engine datafusion finds exact duplicates"
        };
        assert!(run.stderr().starts_with(expect), "{}", run.stderr());
        assert!(!w.path("out").exists());
    }
    // a Parquet file: what it finds, under its own name in the report
    let run = w.run(&[
        "scan",
        "t.parquet",
        "--pk",
        "id",
        "--json",
        "--engine",
        "datafusion",
    ]);
    if cfg!(feature = "datafusion") {
        assert_eq!(run.code(), 1, "{}", run.stderr());
        let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        assert_eq!(report["engine"], "datafusion");
        assert_eq!(report["rows_removed"], 1);
        // a path through `..`, with characters that a URL or a glob would read otherwise
        let name = "we ird #1 %20 [x]*?.parquet";
        w.write(name, &std::fs::read(w.path("t.parquet")).unwrap());
        std::fs::create_dir(w.path("sub")).unwrap();
        let path = format!("sub/../{name}");
        let run = w.run(&[
            "scan",
            &path,
            "--pk",
            "id",
            "--json",
            "--engine",
            "datafusion",
        ]);
        assert_eq!(run.code(), 1, "{}", run.stderr());
        let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap();
        assert_eq!(report["rows_removed"], 1);
    } else {
        assert_eq!(run.code(), 2);
        assert!(
            run.stderr().contains("built without DataFusion"),
            "{}",
            run.stderr()
        );
    }
}
