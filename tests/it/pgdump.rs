//! PostgreSQL plain-format dumps as inputs: a database is dumped with the machine's own
//! `pg_dump`, cleaned by dupsweep, and the script replayed with `psql` on the dump loaded into a
//! fresh database; the table must then equal the cleaned dump loaded the same way. Errors in a
//! dump name its file, line and column.

use std::path::Path;
use std::process::Command;

use crate::replay::{Db, Server};
use crate::util::Workdir;

/// A school database with the values COPY's text format must escape (tabs, line breaks,
/// carriage returns, backslashes, `\.` and `\N` as text), NULL beside the empty string,
/// non-ASCII text, typed columns, a mixed-case column and a second table.
const SCHOOL: &str = r#"
CREATE TABLE students (
    id integer PRIMARY KEY, name text, note text, active boolean, born date,
    balance numeric(10,2), seen timestamp, tags jsonb, "Mixed Col" varchar(20));
INSERT INTO students
SELECT g, 'name ' || (g % 700),
       CASE (g % 700) % 7 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'tab\there\nnew line\\ back \\N'
            WHEN 3 THEN 'Zoë ü 日本' WHEN 4 THEN E'\\.' WHEN 5 THEN E'cr\r\nlf' ELSE 'x' || (g % 700) END,
       (g % 700) % 3 = 0, DATE '2000-01-01' + (g % 700), (g % 700) * 1.25,
       TIMESTAMP '2020-01-01' + (g % 700) * interval '1 hour',
       CASE WHEN g % 5 = 0 THEN NULL ELSE jsonb_build_object('k', g % 700) END,
       CASE WHEN g % 700 < 10 THEN 'MiXed' END
FROM generate_series(1, 3000) g;
-- equal but for NULL, the empty string and the text \N: not duplicates
INSERT INTO students VALUES (5001, 'solo', NULL, true, NULL, NULL, NULL, NULL, NULL),
                            (5002, 'solo', '', true, NULL, NULL, NULL, NULL, NULL),
                            (5003, 'solo', E'\\N', true, NULL, NULL, NULL, NULL, NULL);
CREATE TABLE courses (code text PRIMARY KEY, title text);
INSERT INTO courses VALUES ('m1', E'Maths\tI'), ('m2', 'Maths I');
"#;

fn pg_dump(db: &Db, extra: &[&str], out: &Path) {
    let o = Command::new("pg_dump")
        .args(["-h", "127.0.0.1", "-U", "postgres", "--no-owner"])
        .args(extra)
        .arg("-f")
        .arg(out)
        .arg(db.name())
        .output()
        .expect("pg_dump runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// A table's rows in COPY's text format, by primary key.
fn rows(db: &Db, table: &str, pk: &str) -> String {
    let o = db.query(&format!(
        "COPY (SELECT * FROM {table} ORDER BY {pk}) TO STDOUT"
    ));
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

#[track_caller]
fn runs(db: &Db, script: &Path) {
    let o = db.run_script(script);
    assert!(
        o.status.success(),
        "{}: {}",
        script.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn a_pg_dump_is_cleaned_and_its_script_replays_on_postgres() {
    let Some(source) = Db::create(Server::Postgres) else {
        return;
    };
    source.exec(SCHOOL);
    let w = Workdir::new();
    let dump = w.path("school.sql");
    pg_dump(&source, &[], &dump);
    let before = std::fs::read(&dump).unwrap();
    let out = w.path("out");
    let run = w
        .run(&[
            "clean",
            dump.to_str().unwrap(),
            "--table",
            "students",
            "--pk",
            "id",
            "--dialect",
            "postgres",
            "--out",
            out.to_str().unwrap(),
        ])
        .ok();
    assert!(
        run.stdout().contains("3003 rows, 700 duplicate groups"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        std::fs::read(&dump).unwrap(),
        before,
        "the input is untouched"
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["input"]["format"], "pg_dump");
    let removed = report["rows_removed"].as_u64().unwrap();
    assert_eq!(removed, 3000 - 700);

    // the cleaned dump loads as the original did, the other table whole
    let expected = Db::create(Server::Postgres).unwrap();
    runs(&expected, &out.join("students.cleaned.sql"));
    assert_eq!(
        rows(&expected, "courses", "code"),
        rows(&source, "courses", "code")
    );
    assert_eq!(
        rows(&expected, "students", "id").lines().count(),
        3003 - removed as usize
    );

    // the dump loaded into a fresh database, the script replayed with psql
    let live = Db::create(Server::Postgres).unwrap();
    runs(&live, &dump);
    let original = rows(&live, "students", "id");
    assert_eq!(original, rows(&source, "students", "id"));
    runs(&live, &out.join("students.postgres.sql"));
    assert_eq!(
        rows(&live, "students", "id"),
        rows(&expected, "students", "id")
    );
    // a second replay deletes nothing more
    runs(&live, &out.join("students.postgres.sql"));
    assert_eq!(
        rows(&live, "students", "id"),
        rows(&expected, "students", "id")
    );
    // the undo script puts the rows back
    runs(&live, &out.join("students.postgres.undo.sql"));
    assert_eq!(rows(&live, "students", "id"), original);

    // the removed rows, as CSV: NULL an empty field, text as the server printed it
    let removed_csv = std::fs::read_to_string(out.join("students.removed.csv")).unwrap();
    assert!(removed_csv.starts_with(
        "id,name,note,active,born,balance,seen,tags,Mixed Col,dupsweep_group,dupsweep_survivor,dupsweep_score,dupsweep_reason\n"
    ));
    assert!(
        removed_csv.contains("\n701,name 1,\"\",f,2000-01-02,1.25,2020-01-01 01:00:00,\"{\"\"k\"\": 1}\",MiXed,1,1,1,"),
        "{}",
        &removed_csv[..600]
    );

    // the same dump compressed (pg_dump -Z) gives the same files
    let gz = w.path("school.sql.gz");
    let o = Command::new("gzip").arg("-c").arg(&dump).output().unwrap();
    std::fs::write(&gz, o.stdout).unwrap();
    let out_gz = w.path("out_gz");
    w.run(&[
        "clean",
        gz.to_str().unwrap(),
        "--table",
        "public.students",
        "--pk",
        "id",
        "--dialect",
        "postgres",
        "--out",
        out_gz.to_str().unwrap(),
    ])
    .ok();
    for f in ["students.cleaned.sql", "students.removed.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out_gz.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_drifted_table_fails_the_replay_of_a_pg_dump_and_stays_untouched() {
    let Some(source) = Db::create(Server::Postgres) else {
        return;
    };
    source.exec(SCHOOL);
    let w = Workdir::new();
    let dump = w.path("school.sql");
    pg_dump(&source, &["--data-only", "-t", "students"], &dump);
    // a data-only dump of one table: no --table needed
    let live = Db::create(Server::Postgres).unwrap();
    pg_dump(&source, &["--schema-only"], &w.path("schema.sql"));
    runs(&live, &w.path("schema.sql"));
    runs(&live, &dump);
    w.run(&["clean", "school.sql", "--pk", "id", "--dialect", "postgres"])
        .ok();
    // a row the script deletes was edited since the dump
    live.exec("UPDATE students SET note = 'edited' WHERE id = 701");
    let edited = rows(&live, "students", "id");
    let o = live.run_script(&w.path("dupsweep-out/students.postgres.sql"));
    assert!(!o.status.success());
    assert_eq!(rows(&live, "students", "id"), edited);
}

#[test]
fn errors_in_a_dump_name_its_file_line_and_column() {
    let w = Workdir::new();
    let head = "--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\n\nCOPY public.t (id, name) FROM stdin;\n";
    // a row with a field too many
    w.write(
        "extra.sql",
        format!("{head}1\ta\n2\tb\tc\n\\.\n").as_bytes(),
    );
    let r = w.run(&["scan", "extra.sql", "--pk", "id"]);
    assert_ne!(r.code(), 0);
    assert!(
        r.stderr().contains("extra.sql:9 (record 2)") && r.stderr().contains("3 fields"),
        "{}",
        r.stderr()
    );
    // a value that is not UTF-8 once decoded (an octal escape)
    w.write(
        "bytes.sql",
        format!("{head}1\ta\n2\t\\377\n\\.\n").as_bytes(),
    );
    let r = w.run(&["scan", "bytes.sql", "--pk", "id"]);
    assert!(
        r.stderr()
            .contains("bytes.sql:9:2 (record 2, column \"name\")")
            && r.stderr().contains("UTF-8"),
        "{}",
        r.stderr()
    );
    // a dump cut before the end of its rows
    w.write("cut.sql", format!("{head}1\ta\n").as_bytes());
    let r = w.run(&["scan", "cut.sql", "--pk", "id"]);
    assert!(
        r.stderr().contains("cut.sql:7") && r.stderr().contains("never end"),
        "{}",
        r.stderr()
    );
    // another encoding
    let latin = format!("{}1\ta\n\\.\n", head.replace("UTF8", "LATIN1"));
    w.write("latin.sql", latin.as_bytes());
    let r = w.run(&["scan", "latin.sql", "--pk", "id"]);
    assert!(r.stderr().contains("LATIN1 encoding"), "{}", r.stderr());
    // several tables and no --table; a table that is not there
    let two = format!("{head}1\ta\n\\.\nCOPY public.u (id) FROM stdin;\n1\n\\.\n");
    w.write("two.sql", two.as_bytes());
    let r = w.run(&["scan", "two.sql", "--pk", "id"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr().contains("2 tables (public.t, public.u)"),
        "{}",
        r.stderr()
    );
    let r = w.run(&["scan", "two.sql", "--pk", "id", "--table", "uu"]);
    assert!(r.stderr().contains("did you mean"), "{}", r.stderr());
    // a table outside the default schema: its scripts resolve names in that schema
    w.write(
        "schema.sql",
        format!("{}1\ta\n2\ta\n\\.\n", head.replace("public.t", "sales.t")).as_bytes(),
    );
    w.run(&["clean", "schema.sql", "--pk", "id", "--out", "schema"])
        .ok();
    let script = w.read_str("schema/t.postgres.sql");
    assert!(
        script.contains("from table sales.t\n")
            && script.contains("SET search_path = \"sales\", public;\n"),
        "{script}"
    );
    // --engine stream cannot read a dump
    w.write("one.sql", format!("{head}1\ta\n\\.\n").as_bytes());
    let r = w.run(&["clean", "one.sql", "--pk", "id", "--engine", "stream"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(r.stderr().contains("database dumps"), "{}", r.stderr());
}

/// A parent and a child whose foreign key points at duplicates, with the constraint pg_dump
/// restores after the rows: the cleaned dump loads only if the child was re-pointed.
const ENROLMENTS: &str = r#"
CREATE TABLE students (id integer PRIMARY KEY, name text, born date);
CREATE TABLE enrolments (id integer PRIMARY KEY, student_id integer REFERENCES students(id), course text);
INSERT INTO students SELECT g, 'student ' || (g % 300) || E'\t' || chr(10) || '\', DATE '2000-01-01' + g % 300
    FROM generate_series(1, 1000) g;
INSERT INTO students VALUES (2000, NULL, NULL), (2001, NULL, NULL);
INSERT INTO enrolments SELECT g, 1 + g % 1000, CASE g % 4 WHEN 0 THEN NULL ELSE 'course ' || (g % 4) END
    FROM generate_series(1, 4000) g;
INSERT INTO enrolments VALUES (5000, 2001, 'x');
"#;

#[test]
fn a_whole_pg_dump_runs_as_one_and_its_script_replays_on_postgres() {
    let Some(source) = Db::create(Server::Postgres) else {
        return;
    };
    source.exec(ENROLMENTS);
    let w = Workdir::new();
    pg_dump(&source, &[], &w.path("school.sql"));
    // init reads the dump's declared keys
    w.run(&["init", "school.sql"]).ok();
    let guessed = w.read_str("dupsweep.toml");
    for want in [
        "dialect = [\"postgres\"]",
        "# school.sql, table public.enrolments: 4001 rows",
        "# primary key: declared in the dump (id)",
        "# student_id (declared in the dump): 100.0% of its values are in students.id",
        "foreign-keys = { student_id = \"students.id\" }",
    ] {
        assert!(guessed.contains(want), "{want}\n{guessed}");
    }
    // with the natural key of enrolments set
    w.write(
        "dupsweep.toml",
        br#"[defaults]
dialect = ["postgres"]

[tables.students]
file = "school.sql"
pk = ["id"]

[tables.enrolments]
file = "school.sql"
pk = ["id"]
key = ["student_id", "course"]
foreign-keys = { student_id = "students.id" }
"#,
    );
    let run = w.run(&["run", "dupsweep.toml"]).ok();
    assert!(
        run.stdout()
            .contains("students: 1002 rows, 301 duplicate groups"),
        "{}",
        run.stdout()
    );
    let out = w.path("dupsweep-out");
    // one cleaned dump for both tables; it loads, foreign key constraint included
    let expected = Db::create(Server::Postgres).unwrap();
    runs(&expected, &out.join("school.cleaned.sql"));
    let live = Db::create(Server::Postgres).unwrap();
    runs(&live, &w.path("school.sql"));
    let before = (
        rows(&live, "students", "id"),
        rows(&live, "enrolments", "id"),
    );
    runs(&live, &out.join("dump.postgres.sql"));
    for (t, pk) in [("students", "id"), ("enrolments", "id")] {
        assert_eq!(rows(&live, t, pk), rows(&expected, t, pk), "{t}");
    }
    assert!(rows(&live, "students", "id").lines().count() < 1002);
    // again: nothing more; then the undo script restores both tables
    runs(&live, &out.join("dump.postgres.sql"));
    assert_eq!(
        rows(&live, "enrolments", "id"),
        rows(&expected, "enrolments", "id")
    );
    runs(&live, &out.join("dump.postgres.undo.sql"));
    assert_eq!(
        (
            rows(&live, "students", "id"),
            rows(&live, "enrolments", "id")
        ),
        before
    );
}

/// What `testdata/pgdump/school.sql` was dumped from (`pg_dump --no-owner --no-privileges`).
const BUNDLED: &str = r#"
CREATE TABLE students (
    id integer PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text,
    birth_date date,
    active boolean NOT NULL DEFAULT true,
    notes text
);
CREATE TABLE enrolments (
    id integer PRIMARY KEY,
    student_id integer NOT NULL REFERENCES students(id),
    course text NOT NULL,
    enrolled_on date NOT NULL
);
INSERT INTO students VALUES
 (1,'Ada','Lovelace','ada@example.org','2008-12-10',true,NULL),
 (2,'Alan','Turing','alan@example.org','2009-06-23',true,E'prefers "Al"'),
 (3,'Grace','Hopper','grace@example.org','2008-12-09',true,E'line one\nline two'),
 (4,'Ada','Lovelace','ada@example.org','2008-12-10',true,NULL),
 (5,'Edsger','Dijkstra',NULL,'2009-05-11',false,E'tab\there'),
 (6,'Barbara','Liskov','barbara@example.org','2009-11-07',true,''),
 (7,'Grace','Hopper','grace@example.org','2008-12-09',true,E'line one\nline two'),
 (8,'Donald','Knuth','don@example.org','2008-01-10',true,E'C:\\TeX'),
 (9,'Zoë','Brontë','zoe@example.org','2009-03-30',true,NULL),
 (10,'Ada','Lovelace','ada@example.org','2008-12-10',true,NULL),
 (11,'Barbara','Liskov','barbara@example.org','2009-11-07',true,NULL),
 (12,'Donald','Knuth','don@example.org','2008-01-10',true,E'C:\\TeX'),
 (13,'Edsger','Dijkstra',NULL,'2009-05-11',false,E'tab\there');
INSERT INTO enrolments VALUES
 (1,1,'maths','2024-09-01'),(2,2,'maths','2024-09-01'),(3,3,'physics','2024-09-01'),
 (4,4,'maths','2024-09-01'),(5,4,'art','2024-09-02'),(6,5,'maths','2024-09-01'),
 (7,6,'physics','2024-09-01'),(8,7,'physics','2024-09-01'),(9,8,'maths','2024-09-03'),
 (10,9,'art','2024-09-01'),(11,10,'art','2024-09-02'),(12,11,'maths','2024-09-01'),
 (13,12,'physics','2024-09-01'),(14,13,'art','2024-09-01'),(15,1,'physics','2024-09-04');
"#;

/// The README's quick start on the bundled dump: init reads its keys, run cleans both tables;
/// the dump holds what its SQL made, and its cleaned copy is what the script leaves.
#[test]
fn the_bundled_pg_dump_runs_as_the_readme_says() {
    let w = Workdir::new();
    std::fs::copy(
        crate::util::testdata("pgdump/school.sql"),
        w.path("school.sql"),
    )
    .unwrap();
    let init = w.run(&["init", "school.sql"]).ok();
    assert!(
        init.stdout()
            .contains("enrolments: 15 rows; primary key id; foreign keys student_id → students.id"),
        "{}",
        init.stdout()
    );
    let run = w.run(&["run", "dupsweep.toml"]).ok();
    for want in [
        "students: 13 rows, 4 duplicate groups, 5 rows to remove, 0 re-pointed",
        "enrolments: 15 rows, 3 duplicate groups, 3 rows to remove, 3 re-pointed",
        "wrote dupsweep-out/school.cleaned.sql (20 rows)",
    ] {
        assert!(run.stdout().contains(want), "{want}\n{}", run.stdout());
    }
    let Some(made) = Db::create(Server::Postgres) else {
        return;
    };
    made.exec(BUNDLED);
    let loaded = Db::create(Server::Postgres).unwrap();
    runs(&loaded, &w.path("school.sql"));
    for t in ["students", "enrolments"] {
        assert_eq!(rows(&loaded, t, "id"), rows(&made, t, "id"), "{t}");
    }
    runs(&loaded, &w.path("dupsweep-out/dump.postgres.sql"));
    let cleaned = Db::create(Server::Postgres).unwrap();
    runs(&cleaned, &w.path("dupsweep-out/school.cleaned.sql"));
    for t in ["students", "enrolments"] {
        assert_eq!(rows(&loaded, t, "id"), rows(&cleaned, t, "id"), "{t}");
    }
}

/// A dump saved with CR LF line ends: rows written anew (re-pointed) keep them, so that COPY,
/// which refuses mixed line ends, loads the cleaned dump; and a dump piped in needs no
/// `--table` when it holds one table.
#[test]
fn crlf_dumps_keep_their_line_ends_and_piped_dumps_name_their_table() {
    let w = Workdir::new();
    let dump = "--\n-- PostgreSQL database dump\n--\n\nCOPY public.enrolments (id, student_id, course) FROM stdin;\n1\t2\tart\n2\t1\tart\n3\t3\tmaths\n\\.\n\nCOPY public.students (id, name) FROM stdin;\n1\tAnn\n2\tAnn\n3\tBob\n\\.\n";
    let crlf = dump.replace('\n', "\r\n");
    w.write("school.sql", crlf.as_bytes());
    w.write(
        "dupsweep.toml",
        b"[tables.students]\nfile = \"school.sql\"\npk = [\"id\"]\n\n[tables.enrolments]\nfile = \"school.sql\"\npk = [\"id\"]\nforeign-keys = { student_id = \"students.id\" }\n",
    );
    w.run(&["run", "dupsweep.toml"]).ok();
    let cleaned = w.read_str("dupsweep-out/school.cleaned.sql");
    assert!(!cleaned.replace("\r\n", "").contains('\n'), "{cleaned:?}");
    assert!(cleaned.contains("COPY public.enrolments (id, student_id, course) FROM stdin;\r\n1\t1\tart\r\n3\t3\tmaths\r\n\\.\r\n"), "{cleaned:?}");
    assert!(cleaned.contains("1\tAnn\r\n3\tBob\r\n"), "{cleaned:?}");
    // a one-table dump on standard input
    let one = "--\n-- PostgreSQL database dump\n--\nCOPY public.students (id, name) FROM stdin;\n1\tAnn\n2\tAnn\n\\.\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_dupsweep"))
        .args(["scan", "-", "--pk", "id"])
        .current_dir(w.path("."))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), one.as_bytes()).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("students: 2 rows"));
}

/// A dump is read as a stream: a small table of a large dump is cleaned under a memory limit
/// far below the dump's size (only its own values are held); the large one is refused with
/// the amount it needs.
#[test]
fn a_small_table_of_a_large_dump_fits_a_small_memory_limit() {
    let w = Workdir::new();
    let mut dump = String::from(
        "--\n-- PostgreSQL database dump\n--\nSET client_encoding = 'UTF8';\nCOPY public.logs (id, msg) FROM stdin;\n",
    );
    for i in 0..300_000 {
        dump.push_str(&format!(
            "{i}\tmessage number {i}, padded to take some room\n"
        ));
    }
    dump.push_str(
        "\\.\n\nCOPY public.students (id, name) FROM stdin;\n1\tAnn\n2\tAnn\n3\tBob\n\\.\n",
    );
    w.write("big.sql", dump.as_bytes());
    let run = w
        .run(&[
            "clean",
            "big.sql",
            "--table",
            "students",
            "--pk",
            "id",
            "--memory-limit",
            "8M",
        ])
        .ok();
    assert!(
        run.stdout()
            .starts_with("students: 3 rows, 1 duplicate group"),
        "{}",
        run.stdout()
    );
    let cleaned = w.read_str("dupsweep-out/students.cleaned.sql");
    assert_eq!(cleaned.len(), dump.len() - "2\tAnn\n".len());
    let r = w.run(&[
        "scan",
        "big.sql",
        "--table",
        "logs",
        "--pk",
        "id",
        "--memory-limit",
        "8M",
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(
        r.stderr()
            .contains("a table of a database's dump or export is read in memory")
            && r.stderr().contains("300000 records"),
        "{}",
        r.stderr()
    );
}
