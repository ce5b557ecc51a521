//! Bad input: one clear error naming file, line and column, exit 2, and no output written.

use crate::util::Workdir;

/// Runs `clean` on `data` with each engine and returns stderr; asserts exit 2, that nothing was
/// written and that both engines give the same message.
#[track_caller]
fn fails(data: &[u8], args: &[&str]) -> String {
    let mut messages = Vec::new();
    for engine in ["memory", "auto"] {
        let w = Workdir::new();
        w.write("t.csv", data);
        let mut a = vec!["clean", "t.csv", "--out", "out", "--engine", engine];
        a.extend_from_slice(args);
        let run = w.run(&a);
        assert_eq!(
            run.code(),
            2,
            "engine {engine}\nstdout: {}\nstderr: {}",
            run.stdout(),
            run.stderr()
        );
        assert!(!w.path("out").exists(), "a failed run wrote output");
        assert_eq!(
            std::fs::read(w.path("t.csv")).unwrap(),
            data,
            "the input changed"
        );
        messages.push(run.stderr());
    }
    assert_eq!(messages[0], messages[1], "the engines' messages differ");
    messages.pop().unwrap_or_default()
}

#[test]
fn unbalanced_quote() {
    assert_eq!(
        fails(b"id,name\n1,a\n2,\"oops\n3,c\n", &[]),
        "error: t.csv:3:2 (column \"name\"): a quoted field is never closed (unbalanced quote)\n\
         hint: a quote inside a quoted field must be doubled: \"say \"\"hi\"\"\"\n"
    );
}

#[test]
fn text_after_a_closing_quote() {
    assert_eq!(
        fails(b"id,name\n1,\"a\"b\n", &[]),
        "error: t.csv:2:2 (column \"name\"): unexpected 'b' after the closing quote of a field\n\
         hint: a field that starts with a quote must end with a quote followed by the delimiter ',' or a line end\n"
    );
}

#[test]
fn ragged_row() {
    assert_eq!(
        fails(b"id,name\n1,a\n2,b,extra\n", &[]),
        "error: t.csv:3 (record 2): this record has 3 fields, the header has 2\n\
         hint: a ragged row: check for a missing or extra delimiter, or a value that needs quotes\n"
    );
}

#[test]
fn invalid_utf8() {
    assert_eq!(
        fails(b"id,name\n1,ok\n2,\"two\nlines caf\xe9\"\n", &[]),
        "error: t.csv:3:2 (record 2, column \"name\"): the value is not valid UTF-8 (byte 0xE9 after \"two\nlines caf\")\n\
         hint: dupsweep reads UTF-8; convert the dump first, e.g. iconv -f LATIN1 -t UTF-8 t.csv > converted.csv\n"
    );
}

#[test]
fn empty_file() {
    let msg = "error: t.csv: the file is empty: a CSV dump needs a header row naming the columns\n";
    assert_eq!(fails(b"", &[]), msg);
    assert_eq!(fails(b"\xEF\xBB\xBF\n", &[]), msg);
}

#[test]
fn primary_key_not_unique() {
    assert_eq!(
        fails(b"id,name\n1,a\n2,b\n1,c\n", &["--pk", "id"]),
        "error: t.csv:4:1 (record 3, column \"id\"): primary key value \"1\" is not unique (also on line 2)\n\
         hint: a primary key must be unique and non-NULL; leave --pk out to treat the table as one without a key\n"
    );
}

#[test]
fn composite_primary_key_not_unique() {
    let err = fails(b"a,b,c\n1,x,p\n1,y,q\n1,x,r\n", &["--pk", "a,b"]);
    assert!(err.starts_with("error: t.csv:4:1 (record 3, column \"a\"): primary key value \"1, x\" is not unique (also on line 2)\n"), "{err}");
}

#[test]
fn primary_key_null() {
    assert_eq!(
        fails(b"id,name\n1,a\n,b\n", &["--pk", "id"]),
        "error: t.csv:3:1 (record 2, column \"id\"): the primary key is NULL\n\
         hint: a primary key must be unique and non-NULL; leave --pk out to treat the table as one without a key\n"
    );
}

#[test]
fn missing_columns_list_the_valid_ones() {
    let data = b"id,name\n1,a\n";
    let hint = "hint: the columns are \"id\", \"name\"\n";
    assert_eq!(
        fails(data, &["--pk", "nope"]),
        format!("error: t.csv: --pk column \"nope\" does not exist\n{hint}")
    );
    assert_eq!(
        fails(data, &["--key", "name,zz"]),
        format!("error: t.csv: --key column \"zz\" does not exist\n{hint}")
    );
    assert_eq!(
        fails(data, &["--keep", "max:when"]),
        format!("error: t.csv: --keep column \"when\" does not exist\n{hint}")
    );
}

/// A name that is nearly a column, a key of the configuration file, a blocking function or a
/// role gets the near one; a table of 200 columns is not listed whole.
#[test]
fn a_near_name_is_suggested() {
    let data = b"id,first_name,last_name\n1,a,b\n";
    assert_eq!(
        fails(data, &["--pk", "ID"]),
        "error: t.csv: --pk column \"ID\" does not exist\nhint: did you mean \"id\"?\n"
    );
    assert_eq!(
        fails(data, &["--key", "firstname"]),
        "error: t.csv: --key column \"firstname\" does not exist\nhint: did you mean \"first_name\"?\n"
    );
    let fuzzy = fails(data, &["--fuzzy", "--block", "soundx(last_name)"]);
    assert!(
        fuzzy.ends_with("hint: did you mean \"soundex\"?\n"),
        "{fuzzy}"
    );
    let fuzzy = fails(data, &["--fuzzy", "--block", "soundex(lastname)"]);
    assert!(
        fuzzy.ends_with("hint: did you mean \"last_name\"?\n"),
        "{fuzzy}"
    );
    let role = fails(data, &["--fuzzy", "--role", "first_name=firstname"]);
    assert!(
        role.ends_with("hint: did you mean \"first-name\"?\n"),
        "{role}"
    );
    let w = Workdir::new();
    w.write("t.csv", data);
    w.write("d.toml", b"pk = [\"id\"]\nthreshhold = 0.9\n");
    let run = w.run(&["clean", "t.csv", "--config", "d.toml"]);
    assert_eq!(
        run.stderr(),
        "error: d.toml:2:1: unknown field `threshhold`\nhint: did you mean \"threshold\"?\n"
    );
    // 200 columns: how many, and the first few
    let header: Vec<String> = (0..200).map(|i| format!("c{i}")).collect();
    let mut wide = header.join(",");
    wide.push('\n');
    wide.push_str(&vec!["1"; 200].join(","));
    wide.push('\n');
    let err = fails(wide.as_bytes(), &["--pk", "nothing"]);
    assert!(
        err.contains("hint: there are 200 columns; the first ones are \"c0\", \"c1\"")
            && err.len() < 400,
        "{err}"
    );
}

#[test]
fn a_value_postgres_cannot_hold_names_the_record() {
    let err = fails(b"id,name\n1,a\x00b\n2,a\x00b\n", &["--pk", "id"]);
    assert_eq!(
        err,
        "error: t.csv:3:2 (record 2, column \"name\"): PostgreSQL text cannot hold a NUL byte (\\0)\n\
         hint: this value cannot be written for postgres; clean it in the dump or leave --dialect postgres out\n"
    );
}

#[test]
fn usage_errors() {
    assert_eq!(
        fails(b"id\n1\n", &["--keep", "newest"]),
        "error: --keep \"newest\" is not a rule\nhint: use first, last, min:COLUMN, max:COLUMN or most-complete\n"
    );
    assert!(fails(b"id\n1\n", &["--dialect", "oracle"])
        .starts_with("error: --dialect \"oracle\" is not supported"));
    assert!(fails(b"id\n1\n", &["--pk", "id"]).starts_with("error: no column is left to compare"));
}

#[test]
fn missing_input_file() {
    let w = Workdir::new();
    let run = w.run(&["clean", "nope.csv", "--out", "out"]);
    // a file that cannot be read is an I/O error
    assert_eq!(run.code(), 3);
    assert!(
        run.stderr()
            .starts_with("error: nope.csv: cannot read the input:"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
}

#[test]
fn a_repeated_primary_key_far_from_any_duplicate_is_named() {
    // the streaming engine proves a key unique by counting; here it is not, and the records
    // are found by a second look
    let mut data = b"id,name\n".to_vec();
    for i in 0..3000 {
        data.extend_from_slice(format!("{},n{i}\n", if i == 2500 { 17 } else { i }).as_bytes());
    }
    assert_eq!(
        fails(&data, &["--pk", "id"]),
        "error: t.csv:2502:1 (record 2501, column \"id\"): primary key value \"17\" is not unique (also on line 19)\n\
         hint: a primary key must be unique and non-NULL; leave --pk out to treat the table as one without a key\n"
    );
}

/// Runs dupsweep with `stdin` piped into it.
fn piped(w: &Workdir, args: &[&str], stdin: &[u8]) -> std::process::Output {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dupsweep"))
        .args(args)
        .current_dir(w.path("."))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let _ = std::io::Write::write_all(child.stdin.as_mut().unwrap(), stdin);
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

/// Standard input, a pipe or a named pipe: read once into a temporary file, shown by the
/// name it was given (never a false "ragged row" from a second read of a pipe); a named pipe
/// nobody writes to is an error after a wait, never a hang.
#[test]
fn streams_are_read_through_a_copy() {
    let w = Workdir::new();
    let data = std::fs::read(crate::util::testdata("school/students.csv")).unwrap();
    for input in ["-", "/dev/stdin"] {
        let out = piped(&w, &["scan", input, "--pk", "id"], &data);
        assert_eq!(out.status.code(), Some(1), "{input}: duplicates found");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with("stdin: 136 rows, 10 duplicate groups"),
            "{input}: {text}"
        );
    }
    // the cleaned table on standard output, the same files run after run and as from the file
    let args = ["clean", "-", "--pk", "id", "--cleaned", "-", "--out"];
    let a = piped(&w, &[&args[..], &["a"]].concat(), &data);
    let b = piped(&w, &[&args[..], &["b"]].concat(), &data);
    for r in [&a, &b] {
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    }
    assert_eq!(a.stdout, b.stdout);
    assert!(String::from_utf8_lossy(&a.stderr).starts_with("stdin: 136 rows"));
    assert_eq!(a.stdout, w.read("a/stdin.cleaned.csv"));
    let file = crate::util::testdata("school/students.csv");
    w.run(&[
        "clean", &file, "--pk", "id", "--table", "stdin", "--out", "f",
    ])
    .ok();
    for f in [
        "stdin.cleaned.csv",
        "stdin.removed.csv",
        "stdin.postgres.sql",
    ] {
        assert!(
            w.read(&format!("a/{f}")) == w.read(&format!("b/{f}")),
            "{f}"
        );
    }
    let page = |d: &str| crate::util::html_without_volatile(&w.read(&format!("{d}/report.html")));
    assert!(page("a") == page("b"), "report.html");
    for f in ["stdin.cleaned.csv", "stdin.removed.csv"] {
        assert!(
            w.read(&format!("a/{f}")) == w.read(&format!("f/{f}")),
            "{f}"
        );
    }
    let script = w.read_str("a/stdin.postgres.sql");
    assert!(
        script.contains("\n-- input: - (sha256 "),
        "{}",
        &script[..300]
    );
    let report: serde_json::Value = serde_json::from_slice(&w.read("a/report.json")).unwrap();
    assert_eq!(report["input"]["path"], "-");
    // a stream cannot be read again: its page cannot be rebuilt, and it says so
    let run = w.run(&["report", "a"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("cannot be read again"),
        "{}",
        run.stderr()
    );
    // an error in the stream names it as given
    let out = piped(&w, &["scan", "-", "--pk", "nope"], &data);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: -: --pk column \"nope\""));
    // only - for --cleaned
    let run = w.run(&["clean", &file, "--cleaned", "x.csv"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    // a named pipe: read when written to, named by its file
    let fifo = w.path("t.csv");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("sleep 0.5; cat '{file}' > t.csv"))
        .current_dir(w.path("."))
        .spawn()
        .unwrap();
    let run = w.run(&["scan", "t.csv", "--pk", "id"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stdout().starts_with("t: 136 rows"), "{}", run.stdout());
    let _ = writer.wait_with_output();
    // nobody writes to it: an error after the wait
    let run = w.run(&["clean", "t.csv", "--pk", "id", "--out", "out"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("t.csv: nobody writes to this named pipe"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
}
