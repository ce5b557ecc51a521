//! Whole dumps (`dupsweep run dupsweep.toml`): the school dump's five tables loaded with real
//! foreign keys (CASCADE and SET NULL among them) and unique keys into SQLite, PostgreSQL and
//! MariaDB; the change script run with each server's client; every table compared with its
//! cleaned file, no orphan left, and a second run changing nothing.

use std::path::Path;

use crate::replay::{courses_columns, students_columns, timetable_columns, Db, Server};
use crate::util::{records, testdata, Workdir};

type Columns = Vec<(&'static str, &'static str)>;

/// A table of the school dump: name, file, columns, primary key, constraints.
pub(crate) struct SchoolTable {
    pub name: &'static str,
    pub columns: Columns,
    pk: &'static [&'static str],
    constraints: Vec<String>,
}

fn school(s: Server) -> Vec<SchoolTable> {
    let q = |n: &str| s.quote(n);
    let (int, int_null, code, date, exam) = match s {
        Server::Mysql => (
            "INT NOT NULL",
            "INT",
            "VARCHAR(20)",
            "DATE",
            "VARCHAR(30) NOT NULL",
        ),
        Server::Postgres => ("integer", "integer", "varchar(20)", "date", "varchar(30)"),
        Server::Sqlite => ("INTEGER", "INTEGER", "TEXT", "DATE", "TEXT"),
    };
    vec![
        SchoolTable {
            name: "students",
            columns: students_columns(s),
            pk: &["id"],
            constraints: vec![],
        },
        SchoolTable {
            name: "courses",
            columns: courses_columns(s),
            pk: &["code"],
            constraints: vec![],
        },
        SchoolTable {
            name: "enrolments",
            columns: vec![
                ("id", int),
                ("student_id", int_null),
                ("course_code", code),
                ("enrolled_on", date),
            ],
            pk: &["id"],
            constraints: vec![
                format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({})",
                    q("student_id"),
                    q("students"),
                    q("id")
                ),
                format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE SET NULL",
                    q("course_code"),
                    q("courses"),
                    q("code")
                ),
                format!("UNIQUE ({}, {})", q("student_id"), q("course_code")),
            ],
        },
        SchoolTable {
            name: "marks",
            columns: vec![
                ("id", int),
                ("enrolment_id", int_null),
                ("exam", exam),
                ("mark", int_null),
            ],
            pk: &["id"],
            constraints: vec![
                format!(
                    "FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE CASCADE",
                    q("enrolment_id"),
                    q("enrolments"),
                    q("id")
                ),
                format!("UNIQUE ({}, {})", q("enrolment_id"), q("exam")),
            ],
        },
        SchoolTable {
            name: "timetable",
            columns: timetable_columns(s),
            pk: &[],
            constraints: vec![],
        },
    ]
}

/// Runs the school dump's config into `w/out` for one dialect.
fn run_school(w: &Workdir, server: Server) {
    let config = testdata("school/dupsweep.toml");
    w.run(&[
        "run",
        &config,
        "--out",
        "out",
        "--dialect",
        server.dialect(),
    ])
    .ok();
}

/// Loads the school dump with its constraints.
pub(crate) fn load_school(db: &Db, server: Server) -> Vec<SchoolTable> {
    let tables = school(server);
    for t in &tables {
        db.load_with(
            t.name,
            &t.columns,
            t.pk,
            &t.constraints,
            Path::new(&testdata(&format!("school/{}.csv", t.name))),
        );
    }
    tables
}

/// How many rows have a foreign key that names no parent row.
fn orphans(db: &Db, server: Server) -> u64 {
    let q = |n: &str| server.quote(n);
    let sql = format!(
        "SELECT count(*) FROM (SELECT 'enrolment' AS kind, {e}.{id} FROM {e} WHERE {e}.{sid} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {s} WHERE {s}.{id} = {e}.{sid})
         UNION ALL SELECT 'enrolment', {e}.{id} FROM {e} WHERE {e}.{cc} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {c} WHERE {c}.{code} = {e}.{cc})
         UNION ALL SELECT 'mark', {m}.{id} FROM {m} WHERE {m}.{eid} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {e} WHERE {e}.{id} = {m}.{eid})) x;",
        e = q("enrolments"),
        s = q("students"),
        c = q("courses"),
        m = q("marks"),
        id = q("id"),
        sid = q("student_id"),
        cc = q("course_code"),
        code = q("code"),
        eid = q("enrolment_id"),
    );
    let out = db.exec(&sql);
    out.lines()
        .find_map(|l| l.trim().parse::<u64>().ok())
        .unwrap_or_else(|| panic!("no count in {out}"))
}

fn replay_school(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    run_school(&w, server);
    let script = w.path(&format!("out/dump.{}.sql", server.dialect()));
    assert!(script.exists(), "no script: {}", script.display());
    let tables = load_school(&db, server);
    let original: Vec<String> = tables.iter().map(|t| db.dump(t.name, &t.columns)).collect();
    let mut expected = Vec::new();
    for t in &tables {
        let name = format!("expected_{}", t.name);
        db.load(
            &name,
            &t.columns,
            t.pk,
            &w.path(&format!("out/{}.cleaned.csv", t.name)),
        );
        expected.push(db.dump(&name, &t.columns));
        assert_ne!(
            db.dump(t.name, &t.columns),
            expected[expected.len() - 1],
            "{}: the dump has duplicates",
            t.name
        );
    }
    for round in ["first", "second"] {
        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "{round} run on {server:?}: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        for (t, e) in tables.iter().zip(&expected) {
            assert_eq!(
                &db.dump(t.name, &t.columns),
                e,
                "{} on {server:?} after the {round} run",
                t.name
            );
        }
        assert_eq!(orphans(&db, server), 0, "orphans on {server:?}");
        if server == Server::Sqlite {
            assert_eq!(db.exec("PRAGMA foreign_key_check;").trim(), "");
        }
    }
    // the undo script puts every table back as it was dumped; twice changes nothing more
    let undo = w.path(&format!("out/dump.{}.undo.sql", server.dialect()));
    for round in ["first", "second"] {
        let out = db.run_script(&undo);
        assert!(
            out.status.success(),
            "{round} undo on {server:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for (t, o) in tables.iter().zip(&original) {
            assert_eq!(
                &db.dump(t.name, &t.columns),
                o,
                "{} on {server:?} after the {round} undo",
                t.name
            );
        }
        assert_eq!(orphans(&db, server), 0, "orphans on {server:?} after undo");
    }
}

#[test]
fn the_school_dump_replays_on_sqlite() {
    replay_school(Server::Sqlite);
}

#[test]
fn the_school_dump_replays_on_postgres() {
    replay_school(Server::Postgres);
}

#[test]
fn the_school_dump_replays_on_mariadb() {
    replay_school(Server::Mysql);
}

/// Runs `w/out/dump.<dialect>.sql`, which must fail (else `why`) and leave every table as it
/// was; returns its standard error.
fn fails_and_changes_nothing(
    db: &Db,
    server: Server,
    tables: &[SchoolTable],
    w: &Workdir,
    why: &str,
) -> String {
    let before: Vec<String> = tables.iter().map(|t| db.dump(t.name, &t.columns)).collect();
    let out = db.run_script(&w.path(&format!("out/dump.{}.sql", server.dialect())));
    assert!(!out.status.success(), "{server:?}: {why}");
    for (t, b) in tables.iter().zip(&before) {
        assert_eq!(
            &db.dump(t.name, &t.columns),
            b,
            "{server:?}: {} changed",
            t.name
        );
    }
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A re-pointed enrolment changed after the dump: the whole script fails, no table changes.
#[test]
fn a_drifted_child_stops_the_whole_dump_script() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let w = Workdir::new();
        run_school(&w, server);
        let tables = load_school(&db, server);
        let repointed = records(&w.read("out/enrolments.repointed.csv"), b',');
        let id = &repointed[1][0];
        let q = |n: &str| server.quote(n);
        db.exec(&format!(
            "UPDATE {} SET {} = '2020-01-01' WHERE {} = {id};",
            q("enrolments"),
            q("enrolled_on"),
            q("id")
        ));
        let err = fails_and_changes_nothing(&db, server, &tables, &w, "ran on a drifted dump");
        assert!(err.contains("changed since the dump"), "{server:?}: {err}");
    }
}

/// What the run reports and writes for the school dump.
#[test]
fn the_school_dump_run_reports_every_table() {
    let w = Workdir::new();
    let config = testdata("school/dupsweep.toml");
    let out = w.run(&["run", &config, "--out", "out"]).ok().stdout();
    assert!(out.contains("enrolments: 298 rows"), "{out}");
    let report: serde_json::Value = serde_json::from_slice(&w.read("out/report.json")).unwrap();
    let names: Vec<&str> = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    // parents first, ties by name
    assert_eq!(
        names,
        ["courses", "students", "enrolments", "marks", "timetable"]
    );
    let enrol = &report["tables"][2];
    assert!(enrol["rows_repointed"].as_u64().unwrap() > 0);
    assert!(enrol["rows_removed_after_repointing"].as_u64().unwrap() > 0);
    assert_eq!(enrol["repointed"][0]["column"], "course_code");
    assert_eq!(enrol["repointed"][1]["references"], "students.id");
    assert!(enrol["repointed"][1]["rows"].as_u64().unwrap() > 0);

    // the removed enrolments keep their dumped values; the reason says why
    let removed = records(&w.read("out/enrolments.removed.csv"), b',');
    assert!(removed[1..]
        .iter()
        .any(|r| r[7].contains("after re-pointing foreign keys")));
    // every student_id in the cleaned enrolments is a surviving student
    let students = records(&w.read("out/students.cleaned.csv"), b',');
    let kept: std::collections::HashSet<&str> =
        students[1..].iter().map(|r| r[0].as_str()).collect();
    let enrolments = records(&w.read("out/enrolments.cleaned.csv"), b',');
    for r in &enrolments[1..] {
        assert!(
            r[1].is_empty() || kept.contains(r[1].as_str()),
            "enrolment {} points at removed student {}",
            r[0],
            r[1]
        );
    }
    // a scan of the same dump writes nothing and exits 1
    let scan = w.run(&["scan", "--config", &config]);
    assert_eq!(scan.code(), 1, "{}", scan.stderr());
    assert!(scan.stdout().contains("dump: 5 tables"));
}

#[test]
fn a_dump_over_the_memory_limit_stops_at_the_table_that_does_not_fit() {
    let w = Workdir::new();
    let config = testdata("school/dupsweep.toml");
    // every table is held until the end: the second one read, at its peak beside the first,
    // is over
    let run = w.run(&["run", &config, "--out", "out", "--memory-limit", "60K"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    let err = run.stderr();
    assert!(
        err.contains("students.csv: a whole dump is read in memory: its 136 records (12 KiB as a table) need about 79 KiB (80 KiB with what the tables read before it hold), over --memory-limit 60 KiB\nhint: raise --memory-limit\n"),
        "{err}"
    );
    assert!(!w.path("out").exists());
    let run = w.run(&["run", &config, "--out", "out", "--memory-limit", "100K"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

/// `dupsweep init` on a copy of the school dump's files: keys and foreign keys guessed, a
/// config that runs.
#[test]
fn init_guesses_a_config_that_runs() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("dump")).unwrap();
    for t in ["students", "courses", "enrolments", "marks", "timetable"] {
        let data = std::fs::read(testdata(&format!("school/{t}.csv"))).unwrap();
        w.write(&format!("dump/{t}.csv"), &data);
    }
    let out = w.run(&["init", "dump"]).ok().stdout();
    assert!(
        out.contains("enrolments: 298 rows; primary key id; foreign keys student_id → students.id, course_code → courses.code"),
        "{out}"
    );
    assert!(out.contains("courses: 11 rows; primary key code"), "{out}");
    assert!(
        out.contains("timetable: 25 rows; primary key none"),
        "{out}"
    );
    let text = w.read_str("dump/dupsweep.toml");
    assert!(
        text.contains("ignore = [\"updated_at\"]\nkeep = \"max:updated_at\""),
        "{text}"
    );
    assert!(
        text.contains("foreign-keys = { enrolment_id = \"enrolments.id\" }"),
        "{text}"
    );
    assert!(
        text.contains("note: \"course\" looks like a reference to courses.code"),
        "{text}"
    );
    let run = w
        .run(&["run", "dump/dupsweep.toml", "--out", "out"])
        .ok()
        .stdout();
    assert!(
        run.contains("students: 136 rows, 12 duplicate groups"),
        "{run}"
    );
    // an existing config is kept unless --force
    let again = w.run(&["init", "dump"]);
    assert_eq!(again.code(), 2);
    assert!(
        again.stderr().contains("exists already"),
        "{}",
        again.stderr()
    );
    w.run(&["init", "dump", "--force"]).ok();
    // a folder without tables
    std::fs::create_dir_all(w.path("empty")).unwrap();
    let none = w.run(&["init", "empty"]);
    assert_eq!(none.code(), 2);
    assert!(
        none.stderr().contains("no CSV or Parquet file"),
        "{}",
        none.stderr()
    );
}

/// A parent read from Parquet (typed integer ids) re-points CSV children the same way.
#[test]
fn a_parquet_parent_repoints_csv_children() {
    let w = Workdir::new();
    let config = std::fs::read_to_string(testdata("school/dupsweep.toml")).unwrap();
    let dir = testdata("school");
    let parquet = config
        .replace("file = \"students.csv\"", "file = \"students.parquet\"")
        .replace(
            "\n[defaults]\n",
            &format!("\nfolder = {dir:?}\n\n[defaults]\n"),
        );
    assert_ne!(parquet, config);
    w.write("parquet.toml", parquet.as_bytes());
    w.run(&["run", "parquet.toml", "--out", "p"]).ok();
    w.run(&["run", &testdata("school/dupsweep.toml"), "--out", "c"])
        .ok();
    for f in [
        "enrolments.cleaned.csv",
        "enrolments.removed.csv",
        "marks.cleaned.csv",
    ] {
        assert!(
            w.read(&format!("p/{f}")) == w.read(&format!("c/{f}")),
            "{f} differs"
        );
    }
    assert!(w.path("p/students.cleaned.parquet").exists());
}

/// Rows added to children after the dump that point at a row the script deletes: the script
/// stops before any deletion, so ON DELETE CASCADE (marks) or SET NULL never fires.
#[test]
fn a_new_child_of_a_deleted_row_stops_the_script_before_any_cascade() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        for (table, sql) in [
            // a mark for an enrolment the script removes (CASCADE on marks.enrolment_id)
            (
                "marks",
                "INSERT INTO {marks} VALUES (99999, {removed_enrolment}, 'retake', 50);",
            ),
            // an enrolment of a student the script removes
            (
                "enrolments",
                "INSERT INTO {enrolments} VALUES (99999, {removed_student}, NULL, '2026-01-01');",
            ),
        ] {
            let Some(db) = Db::create(server) else {
                continue;
            };
            let w = Workdir::new();
            run_school(&w, server);
            let tables = load_school(&db, server);
            let first_removed = |f: &str| records(&w.read(f), b',')[1][0].clone();
            let q = |n: &str| server.quote(n);
            let sql = sql
                .replace("{marks}", &q("marks"))
                .replace("{enrolments}", &q("enrolments"))
                .replace(
                    "{removed_enrolment}",
                    &first_removed("out/enrolments.removed.csv"),
                )
                .replace(
                    "{removed_student}",
                    &first_removed("out/students.removed.csv"),
                );
            db.exec(&sql);
            fails_and_changes_nothing(
                &db,
                server,
                &tables,
                &w,
                &format!("ran although a new {table} row references a deleted row"),
            );
        }
    }
}

/// A foreign key the configuration does not declare, with ON DELETE CASCADE, on a table the
/// script deletes from: the script refuses to run (single-table scripts too).
#[test]
fn an_undeclared_cascading_foreign_key_stops_the_script() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let w = Workdir::new();
        let input = testdata("school/students.csv");
        w.run(&[
            "clean",
            &input,
            "--pk",
            "id",
            "--ignore",
            "updated_at",
            "--dialect",
            server.dialect(),
            "--out",
            "out",
        ])
        .ok();
        let tables = load_school(&db, server);
        let q = |n: &str| server.quote(n);
        let int = if server == Server::Mysql {
            "INT"
        } else {
            "integer"
        };
        db.exec(&format!(
            "CREATE TABLE {} ({} {int}, FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE CASCADE){};",
            q("lockers"),
            q("student_id"),
            q("student_id"),
            q("students"),
            q("id"),
            if server == Server::Mysql {
                " ENGINE=InnoDB"
            } else {
                ""
            }
        ));
        let before = db.dump("students", &tables[0].columns);
        let script = format!("out/students.{}.sql", server.dialect());
        let out = db.run_script(&w.path(&script));
        assert!(!out.status.success(), "{server:?}: {script} ran");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("does not re-point"), "{server:?}: {err}");
        // the whole dump's script too: lockers.student_id is not in its configuration
        run_school(&w, server);
        let out = db.run_script(&w.path(&format!("out/dump.{}.sql", server.dialect())));
        assert!(!out.status.success(), "{server:?}: the dump script ran");
        assert_eq!(db.dump("students", &tables[0].columns), before);
    }
}

/// With `guard = "key"`, a re-pointed column outside the key is still checked before it is
/// overwritten: a mark moved to another enrolment since the dump stops the script.
#[test]
fn guard_key_still_checks_the_repointed_column() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let w = Workdir::new();
        let config = std::fs::read_to_string(testdata("school/dupsweep.toml")).unwrap();
        let dir = testdata("school");
        let text = config
            .replace(
                "\n[defaults]\n",
                &format!("\nfolder = {dir:?}\n\n[defaults]\nguard = \"key\"\n"),
            )
            .replace(
                "key = [\"enrolment_id\", \"exam\"]",
                "key = [\"exam\", \"mark\"]",
            );
        w.write("key.toml", text.as_bytes());
        w.run(&[
            "run",
            "key.toml",
            "--out",
            "out",
            "--dialect",
            server.dialect(),
        ])
        .ok();
        let tables = load_school(&db, server);
        let moved = records(&w.read("out/marks.repointed.csv"), b',');
        let id = &moved[1][0];
        let q = |n: &str| server.quote(n);
        // another enrolment than the one the script expects
        db.exec(&format!(
            "INSERT INTO {} VALUES (99999, NULL, NULL, '2026-01-01'); UPDATE {} SET {} = 99999 WHERE {} = {id};",
            q("enrolments"),
            q("marks"),
            q("enrolment_id"),
            q("id")
        ));
        fails_and_changes_nothing(&db, server, &tables, &w, "overwrote a changed foreign key");
    }
}

/// A child value that equals no parent key exactly (`math-101` for `MATH-101`) is left as it
/// is, and the run says so.
#[test]
fn unmatched_foreign_key_values_are_reported() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("dump")).unwrap();
    for t in ["students", "courses", "enrolments", "marks", "timetable"] {
        let mut data = std::fs::read_to_string(testdata(&format!("school/{t}.csv"))).unwrap();
        if t == "enrolments" {
            data = data.replacen(",MATH-101,", ",math-101,", 1);
        }
        w.write(&format!("dump/{t}.csv"), data.as_bytes());
    }
    let config = std::fs::read(testdata("school/dupsweep.toml")).unwrap();
    w.write("dump/dupsweep.toml", &config);
    let out = w
        .run(&["run", "dump/dupsweep.toml", "--out", "out"])
        .ok()
        .stdout();
    assert!(
        out.contains("warning: 1 value of enrolments.course_code equal no courses.code exactly"),
        "{out}"
    );
    let report: serde_json::Value = serde_json::from_slice(&w.read("out/report.json")).unwrap();
    assert_eq!(report["tables"][2]["repointed"][0]["unmatched_values"], 1);
    assert_eq!(report["tables"][2]["repointed"][1]["unmatched_values"], 0);
    // counted in the report, and an event of the JSON log
    let warnings = report["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0]
        .as_str()
        .unwrap()
        .starts_with("1 value of enrolments.course_code equal no courses.code exactly"));
    let run = w.run(&[
        "--log-format",
        "json",
        "run",
        "dump/dupsweep.toml",
        "--out",
        "out2",
    ]);
    let events: Vec<serde_json::Value> = run
        .ok()
        .stderr()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|e: &serde_json::Value| e["event"] == "warning")
        .collect();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["level"], "warn");
    assert_eq!(events[0]["message"], warnings[0]);
}

/// The school dump with every section named `sales.TABLE`: on PostgreSQL the script changes
/// the tables of schema `sales` (foreign keys, re-pointing, undo), never the copies of the
/// same tables in `public`, where the client connects.
#[test]
fn a_schema_qualified_dump_replays_in_its_schema_on_postgres() {
    let server = Server::Postgres;
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let mut config = std::fs::read_to_string(testdata("school/dupsweep.toml")).unwrap();
    for t in ["students", "courses", "enrolments", "marks", "timetable"] {
        config = config.replace(&format!("[tables.{t}]"), &format!("[tables.\"sales.{t}\"]"));
        std::fs::copy(
            testdata(&format!("school/{t}.csv")),
            w.path(&format!("{t}.csv")),
        )
        .unwrap();
    }
    for fk in ["students.id", "courses.code", "enrolments.id"] {
        config = config.replace(&format!("\"{fk}\""), &format!("\"sales.{fk}\""));
    }
    w.write("dupsweep.toml", config.as_bytes());
    w.run(&["run", "dupsweep.toml", "--dialect", "postgres"])
        .ok();
    let script = w.path("dupsweep-out/dump.postgres.sql");
    assert!(std::fs::read_to_string(&script)
        .unwrap()
        .contains("SET search_path = \"sales\", public;\n"));
    let tables = load_school(&db, server);
    db.exec(
        "CREATE SCHEMA sales; ALTER TABLE students SET SCHEMA sales; ALTER TABLE courses SET SCHEMA sales; ALTER TABLE enrolments SET SCHEMA sales; ALTER TABLE marks SET SCHEMA sales; ALTER TABLE timetable SET SCHEMA sales;",
    );
    // the decoys
    load_school(&db, server);
    let qualified = |t: &str| format!("sales\".\"{t}");
    let original: Vec<String> = tables.iter().map(|t| db.dump(t.name, &t.columns)).collect();
    let mut expected = Vec::new();
    for t in &tables {
        let name = format!("expected_{}", t.name);
        db.load(
            &name,
            &t.columns,
            t.pk,
            &w.path(&format!("dupsweep-out/{}.cleaned.csv", t.name)),
        );
        expected.push(db.dump(&name, &t.columns));
    }
    let out = db.run_script(&script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for ((t, e), o) in tables.iter().zip(&expected).zip(&original) {
        assert_eq!(
            &db.dump(&qualified(t.name), &t.columns),
            e,
            "sales.{}",
            t.name
        );
        assert_eq!(
            &db.dump(t.name, &t.columns),
            o,
            "public.{} untouched",
            t.name
        );
    }
    let out = db.run_script(&w.path("dupsweep-out/dump.postgres.undo.sql"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (t, o) in tables.iter().zip(&original) {
        assert_eq!(
            &db.dump(&qualified(t.name), &t.columns),
            o,
            "sales.{} undone",
            t.name
        );
    }
}
