//! Set-based scripts at the size where a scan would show: every statement that reads the table
//! finds its rows through the primary key (PostgreSQL: the table's sequential-scan counter
//! does not move; MariaDB and SQLite: `EXPLAIN` of each statement of a batch, run in the
//! script's own session after its staging part), and typed comparisons on MariaDB: a whole
//! dump whose CSV text differs from the server's rendering (`15` for `15.00`, `true` for `1`,
//! `2024-01-05T10:00:00`, `3.50` for `3.5`) replays, reruns as a no-op and undoes.

use std::io::Write;
use std::process::Stdio;

use crate::replay::{Db, Server};
use crate::util::Workdir;

/// `n` rows of which a quarter copy an earlier row under a larger id.
fn big_csv(w: &Workdir, n: u32) -> std::path::PathBuf {
    let mut csv = String::from("id,name,city,score\n");
    let originals = n / 4 * 3;
    for i in 1..=n {
        let base = if i > originals { i - originals } else { i };
        csv.push_str(&format!(
            "{i},name {base},city {},{}.{}\n",
            base % 97,
            base % 20,
            base % 100
        ));
    }
    w.write("people.csv", csv.as_bytes())
}

fn columns(s: Server) -> Vec<(&'static str, &'static str)> {
    match s {
        Server::Postgres => vec![
            ("id", "bigint"),
            ("name", "text"),
            ("city", "varchar(40)"),
            ("score", "numeric(6,2)"),
        ],
        Server::Mysql => vec![
            ("id", "BIGINT NOT NULL"),
            ("name", "VARCHAR(100) COLLATE utf8mb4_general_ci"),
            ("city", "VARCHAR(40)"),
            ("score", "DECIMAL(6,2)"),
        ],
        Server::Sqlite => vec![
            ("id", "INTEGER"),
            ("name", "TEXT COLLATE NOCASE"),
            ("city", "TEXT"),
            ("score", "NUMERIC"),
        ],
    }
}

/// The statements of the script's first batch, and everything before it.
fn first_batch(script: &str) -> (&str, Vec<&str>) {
    let start = script.find("-- batch 1 of").expect("a first batch");
    let end = script[start..]
        .find("-- batch 2 of")
        .map(|e| start + e)
        .expect("a second batch");
    let statements = script[start..end]
        .split(";\n")
        .map(|s| {
            s.lines()
                .filter(|l| !l.starts_with("--"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|s| !s.trim().is_empty())
        .map(|s| {
            let at = script[start..end].find(s.lines().next().unwrap()).unwrap();
            &script[start + at..start + at + s.len()]
        })
        .collect();
    (&script[..start], statements)
}

/// Runs `input` in one session of the server's client; its standard output.
fn session(db: &Db, server: Server, input: &str) -> String {
    let mut c = db.client();
    if server == Server::Mysql {
        c.args(["-N", "-B"]);
    }
    let mut child = c
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn uses_the_primary_key(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    // PostgreSQL's planner scans a table of a few thousand rows rather than look up a few
    // hundred keys: its table is larger (loaded by COPY, quickly)
    let rows = if server == Server::Postgres {
        100_000
    } else {
        6000
    };
    let csv = big_csv(&w, rows);
    w.run(&[
        "clean",
        csv.to_str().unwrap(),
        "--pk",
        "id",
        "--keep",
        "min:id",
        "--batch-size",
        "500",
        "--dialect",
        server.dialect(),
        "--out",
        "out",
    ])
    .ok();
    let cols = columns(server);
    db.load("people", &cols, &["id"], &csv);
    let script_path = w.path(&format!("out/people.{}.sql", server.dialect()));
    let script = std::fs::read_to_string(&script_path).unwrap();
    if server == Server::Sqlite {
        // SQLite parses short multi-row INSERTs faster than long ones: 20 staged rows each
        let inserts = script
            .matches("INSERT INTO temp.\"dupsweep_rows\" VALUES")
            .count();
        assert_eq!(inserts, (rows / 4).div_ceil(20) as usize);
    }
    match server {
        Server::Postgres => {
            db.exec("ANALYZE people;");
            let scans = || -> (u64, u64) {
                // the counters of a finished session are flushed when it ends
                let out = db.query("SELECT seq_scan || ' ' || coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relname = 'people'");
                let text = String::from_utf8_lossy(&out.stdout).into_owned();
                let (a, b) = text
                    .trim()
                    .split_once(' ')
                    .unwrap_or_else(|| panic!("{text:?}"));
                (a.parse().unwrap(), b.parse().unwrap())
            };
            let before = scans();
            let out = db.run_script(&script_path);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let mut after = scans();
            for _ in 0..50 {
                if after.1 > before.1 {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(100));
                after = scans();
            }
            assert!(
                after.1 > before.1,
                "no index scan counted: {before:?} {after:?}"
            );
            assert_eq!(
                after.0, before.0,
                "the script scanned the table sequentially ({before:?} → {after:?})"
            );
        }
        Server::Mysql | Server::Sqlite => {
            let (prefix, statements) = first_batch(&script);
            // the deletion and the check of its result (and MySQL's row count between them)
            assert!(statements.len() >= 2, "{statements:?}");
            let mut input = prefix.to_owned();
            let explain = if server == Server::Mysql {
                "EXPLAIN"
            } else {
                "EXPLAIN QUERY PLAN"
            };
            let mut explained = 0;
            for s in &statements {
                if s.trim_start().starts_with("SET ") {
                    continue;
                }
                input.push_str(&format!("SELECT '=== statement';\n{explain} {s};\n"));
                explained += 1;
            }
            let out = session(&db, server, &input);
            let plans: Vec<&str> = out.split("=== statement").skip(1).collect();
            assert_eq!(plans.len(), explained, "{out}");
            for (plan, s) in plans.iter().zip(
                statements
                    .iter()
                    .filter(|s| !s.trim_start().starts_with("SET ")),
            ) {
                if server == Server::Mysql {
                    // id, select_type, table, type, possible_keys, key, …
                    for row in plan.lines().filter(|l| l.contains('\t')) {
                        let f: Vec<&str> = row.split('\t').collect();
                        if f.get(2) == Some(&"dupsweep_t") {
                            assert!(
                                matches!(f[3], "eq_ref" | "const" | "ref") && f[5] == "PRIMARY",
                                "not through the primary key: {row}\nin the plan of {s}\n{plan}"
                            );
                        }
                        assert_ne!(f.get(2), Some(&"people"), "{row}: {s}");
                    }
                    assert!(plan.contains("dupsweep_t"), "{s}\n{plan}");
                } else {
                    assert!(
                        !plan.contains("SCAN dupsweep_t") && !plan.contains("SCAN people"),
                        "a scan of the table: {s}\n{plan}"
                    );
                    assert!(
                        plan.contains("SEARCH dupsweep_t") || plan.contains("SEARCH people"),
                        "{s}\n{plan}"
                    );
                }
            }
        }
    }
    // and the script did its job
    let out = db.run_script(&script_path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = db.exec("SELECT count(*) FROM people;");
    assert!(count.contains(&(rows / 4 * 3).to_string()), "{count}");
}

#[test]
fn every_statement_of_a_postgres_script_uses_the_primary_key() {
    uses_the_primary_key(Server::Postgres);
}

#[test]
fn every_statement_of_a_mariadb_script_uses_the_primary_key() {
    uses_the_primary_key(Server::Mysql);
}

#[test]
fn every_statement_of_a_sqlite_script_uses_the_primary_key() {
    uses_the_primary_key(Server::Sqlite);
}

/// A dump whose CSV text is not MariaDB's rendering of the values it loaded.
#[test]
fn a_whole_dump_replays_on_mariadb_where_the_csv_text_differs_from_the_server() {
    let Some(db) = Db::create(Server::Mysql) else {
        return;
    };
    let w = Workdir::new();
    // students 1 and 3 are the same person; 2 and 4 too (4 differs only in its id)
    w.write(
        "students.csv",
        b"id,name,active,registered,gpa\n1,Zo\xc3\xab,true,2024-01-05T10:00:00,3.50\n2,Omar,false,2024-02-01T08:30:00,2.25\n3,Zo\xc3\xab,true,2024-01-05T10:00:00,3.50\n4,Omar,false,2024-02-01T08:30:00,2.25\n5,ZO\xc3\x8b,true,2024-01-05T10:00:00,3.5000001\n",
    );
    // marks of the duplicated students: re-pointed to the survivors, then one per exam
    w.write(
        "marks.csv",
        b"id,student_id,exam,score\n10,1,maths,15\n11,3,physics,12.5\n12,3,maths,15\n13,4,maths,9.75\n14,5,maths,15.25\n",
    );
    w.write(
        "dupsweep.toml",
        b"[defaults]\ndialect = [\"mysql\"]\n\n[tables.students]\nfile = \"students.csv\"\npk = [\"id\"]\nkeep = \"min:id\"\n\n[tables.marks]\nfile = \"marks.csv\"\npk = [\"id\"]\nkey = [\"student_id\", \"exam\"]\nforeign-keys = { student_id = \"students.id\" }\n",
    );
    w.run(&["run", "dupsweep.toml", "--out", "out"]).ok();
    let script = w.path("out/dump.mysql.sql");
    let undo = w.path("out/dump.mysql.undo.sql");
    db.exec(
        "SET NAMES utf8mb4;
CREATE TABLE students (id INT NOT NULL PRIMARY KEY, name VARCHAR(50) COLLATE utf8mb4_general_ci NOT NULL, active BOOLEAN NOT NULL, registered DATETIME NOT NULL, gpa DOUBLE NOT NULL) ENGINE=InnoDB;
CREATE TABLE marks (id INT NOT NULL PRIMARY KEY, student_id INT NULL, exam VARCHAR(20) NOT NULL, score NUMERIC(6,2) NOT NULL,
  FOREIGN KEY (student_id) REFERENCES students (id)) ENGINE=InnoDB;
INSERT INTO students VALUES (1, 'Zoë', 1, '2024-01-05 10:00:00', 3.5), (2, 'Omar', 0, '2024-02-01 08:30:00', 2.25),
  (3, 'Zoë', 1, '2024-01-05 10:00:00', 3.5), (4, 'Omar', 0, '2024-02-01 08:30:00', 2.25), (5, 'ZOË', 1, '2024-01-05 10:00:00', 3.5000001);
INSERT INTO marks VALUES (10, 1, 'maths', 15.00), (11, 3, 'physics', 12.50), (12, 3, 'maths', 15.00), (13, 4, 'maths', 9.75), (14, 5, 'maths', 15.25);",
    );
    let state = || {
        db.exec("SELECT GROUP_CONCAT(CONCAT_WS(':', id, name, active, registered, gpa) ORDER BY id SEPARATOR ' ') FROM students; SELECT GROUP_CONCAT(CONCAT_WS(':', id, IFNULL(student_id, 'NULL'), exam, score) ORDER BY id SEPARATOR ' ') FROM marks;")
    };
    let original = state();
    for round in ["first", "second"] {
        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "{round} run: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let now = state();
        assert!(
            now.contains("1:Zoë:1:2024-01-05 10:00:00:3.5 2:Omar:0:2024-02-01 08:30:00:2.25 5:ZOË:1:2024-01-05 10:00:00:3.5000001"),
            "{round} run: {now}"
        );
        assert!(
            now.contains("10:1:maths:15.00 11:1:physics:12.50 13:2:maths:9.75 14:5:maths:15.25"),
            "{round} run: {now}"
        );
    }
    for round in ["first", "second"] {
        let out = db.run_script(&undo);
        assert!(
            out.status.success(),
            "{round} undo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(state(), original, "{round} undo");
    }
    // a value the column cannot hold is an error that names it, not drift
    db.exec("DELETE FROM marks; DELETE FROM students; INSERT INTO students VALUES (1, 'A', 1, '2024-01-05 00:00:00', 1), (2, 'A', 1, '2024-01-05 00:00:00', 1);");
    let before = state();
    let bad = w.write(
        "bad.csv",
        b"id,name,active,registered,gpa\n1,A,maybe,2024-01-05,1\n2,A,maybe,2024-01-05,1\n",
    );
    w.run(&[
        "clean",
        bad.to_str().unwrap(),
        "--pk",
        "id",
        "--table",
        "students",
        "--dialect",
        "mysql",
        "--out",
        "bad",
    ])
    .ok();
    let out = db.run_script(&w.path("bad/students.mysql.sql"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("maybe") && err.contains("active"), "{err}");
    assert_eq!(state(), before);
}

fn chunk_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    match s {
        Server::Mysql => vec![
            ("id", "INT NOT NULL"),
            ("name", "VARCHAR(40)"),
            ("v", "INT"),
        ],
        _ => vec![("id", "INTEGER"), ("name", "TEXT"), ("v", "INTEGER")],
    }
}

/// `--commit batch`: a stop in the third batch leaves the first two committed and the rest
/// untouched; once the drifted row is put back, the same script resumes and finishes, and a
/// third run changes nothing.
fn chunked_script_resumes(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let mut csv = String::from("id,name,v\n");
    for i in 1..=20 {
        let base = if i > 10 { i - 10 } else { i };
        csv.push_str(&format!("{i},name {base},{}\n", base * 7));
    }
    let csv = w.write("t.csv", csv.as_bytes());
    let mut args = vec![
        "clean",
        csv.to_str().unwrap(),
        "--pk",
        "id",
        "--keep",
        "min:id",
        "--batch-size",
        "2",
        "--commit",
        "batch",
        "--dialect",
        server.dialect(),
        "--out",
        "out",
    ];
    if server != Server::Sqlite {
        args.extend(["--pause", "0.01"]);
    }
    w.run(&args).ok();
    let script = w.path(&format!("out/t.{}.sql", server.dialect()));
    let text = std::fs::read_to_string(&script).unwrap();
    assert!(text.contains("Each batch commits on its own"), "{text}");
    let cols = chunk_columns(server);
    db.load("t", &cols, &["id"], &csv);
    db.load("cleaned", &cols, &["id"], &w.path("out/t.cleaned.csv"));
    let ids = |db: &Db| -> Vec<u32> {
        let out = db.exec("SELECT id FROM t ORDER BY id;");
        out.split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect()
    };
    // the row with id 15 (third batch: 15 and 16) drifted since the dump
    db.exec("UPDATE t SET v = 999 WHERE id = 15;");
    let out = db.run_script(&script);
    assert!(
        !out.status.success(),
        "the drifted batch must stop the script"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("changed since the dump"), "{err}");
    let left = ids(&db);
    assert_eq!(
        left,
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 15, 16, 17, 18, 19, 20],
        "batches 1 and 2 committed, the rest untouched"
    );
    // put the row back: the same script resumes, although the application has meanwhile
    // edited a survivor of a batch that was already applied
    db.exec("UPDATE t SET v = 35 WHERE id = 15;");
    db.exec("UPDATE t SET v = 1000 WHERE id = 1;");
    db.exec("UPDATE cleaned SET v = 1000 WHERE id = 1;");
    let expected = db.dump("cleaned", &cols);
    for round in ["resumed", "third"] {
        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "{round} run on {server:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(db.dump("t", &cols), expected, "{round} run on {server:?}");
    }
}

#[test]
fn a_chunked_postgres_script_resumes_after_a_stop() {
    chunked_script_resumes(Server::Postgres);
}

#[test]
fn a_chunked_mariadb_script_resumes_after_a_stop() {
    chunked_script_resumes(Server::Mysql);
}

#[test]
fn a_chunked_sqlite_script_resumes_after_a_stop() {
    chunked_script_resumes(Server::Sqlite);
}

/// A whole dump's script re-points children before deleting parents: it cannot commit batch by
/// batch, and says so instead of writing a script that would.
#[test]
fn a_whole_dump_refuses_commit_batch() {
    let w = Workdir::new();
    w.write("t.csv", b"id,v\n1,a\n2,a\n");
    w.write(
        "dupsweep.toml",
        b"[tables.t]\nfile = \"t.csv\"\npk = [\"id\"]\ncommit = \"batch\"\n",
    );
    let run = w.run(&["run", "dupsweep.toml", "--out", "out"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("commit = \"batch\" applies to one table's script"),
        "{}",
        run.stderr()
    );
    assert!(!w.path("out").exists());
    // and --pause without --commit batch is a usage error
    let run = w.run(&["clean", "t.csv", "--pk", "id", "--pause", "1"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("--pause needs --commit batch"),
        "{}",
        run.stderr()
    );
}

/// Regression: a whole dump whose parent table has nothing to delete wrote a staging table
/// without columns (a syntax error on every server).
#[test]
fn a_whole_dump_with_a_table_without_duplicates_replays_everywhere() {
    let w = Workdir::new();
    w.write("p.csv", b"id,name\n1,a\n2,b\n");
    w.write("c.csv", b"id,p_id,x\n1,1,q\n2,1,q\n3,2,r\n");
    w.write(
        "dupsweep.toml",
        b"[defaults]\ndialect = [\"postgres\", \"mysql\", \"sqlite\"]\n\n[tables.p]\nfile = \"p.csv\"\npk = [\"id\"]\n\n[tables.c]\nfile = \"c.csv\"\npk = [\"id\"]\nforeign-keys = { p_id = \"p.id\" }\n",
    );
    w.run(&["run", "dupsweep.toml", "--out", "out"]).ok();
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let int = if server == Server::Mysql {
            "INT NOT NULL"
        } else {
            "INTEGER"
        };
        let text = if server == Server::Mysql {
            "VARCHAR(20)"
        } else {
            "TEXT"
        };
        db.load(
            "p",
            &[("id", int), ("name", text)],
            &["id"],
            &w.path("p.csv"),
        );
        db.load(
            "c",
            &[("id", int), ("p_id", int), ("x", text)],
            &["id"],
            &w.path("c.csv"),
        );
        let script = w.path(&format!("out/dump.{}.sql", server.dialect()));
        for round in ["first", "second"] {
            let out = db.run_script(&script);
            assert!(
                out.status.success(),
                "{round} run on {server:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let ids = db.exec("SELECT id FROM c ORDER BY id;");
            let ids: Vec<&str> = ids
                .split_whitespace()
                .filter(|x| x.parse::<u32>().is_ok())
                .collect();
            assert_eq!(ids, ["1", "3"], "{round} run on {server:?}");
        }
    }
}

/// Regression: a table named like the script's temporary table was hidden by it, and its undo
/// restored nothing while reporting success.
#[test]
fn a_table_named_like_the_staging_table_replays_and_undoes_everywhere() {
    let w = Workdir::new();
    for name in ["dupsweep_rows", "dupsweep_raw"] {
        let csv = w.write(&format!("{name}.csv"), b"id,v\n1,a\n2,a\n3,b\n");
        w.run(&[
            "clean",
            csv.to_str().unwrap(),
            "--pk",
            "id",
            "--dialect",
            "postgres",
            "--dialect",
            "mysql",
            "--dialect",
            "sqlite",
            "--out",
            name,
        ])
        .ok();
        for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
            let Some(db) = Db::create(server) else {
                continue;
            };
            let cols = chunk_columns(server);
            let cols = [cols[0], ("v", cols[1].1)];
            db.load(name, &cols, &["id"], &csv);
            let before = db.dump(name, &cols);
            let path = |s: &str| w.path(&format!("{name}/{name}.{}.{s}", server.dialect()));
            let out = db.run_script(&path("sql"));
            assert!(
                out.status.success(),
                "{name} on {server:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                db.dump(name, &cols).lines().count(),
                2,
                "{name} on {server:?}"
            );
            let out = db.run_script(&path("undo.sql"));
            assert!(
                out.status.success(),
                "{name} undo on {server:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(db.dump(name, &cols), before, "{name} undo on {server:?}");
        }
    }
}

/// Regression: MySQL row guards (tables without a primary key) compared a FLOAT column with the
/// dumped text as a double (`0.1` never matched) and took `t` for `0` in a BOOLEAN column.
#[test]
fn mariadb_keyless_guards_compare_floats_and_booleans_exactly() {
    let Some(db) = Db::create(Server::Mysql) else {
        return;
    };
    let w = Workdir::new();
    let csv = w.write("k.csv", b"f,d,b\n0.1,15,1\n0.1,15,1\n0.5,2.5,0\n");
    w.run(&[
        "clean",
        csv.to_str().unwrap(),
        "--dialect",
        "mysql",
        "--out",
        "out",
    ])
    .ok();
    let cols = [("f", "FLOAT"), ("d", "DECIMAL(6,2)"), ("b", "BOOLEAN")];
    db.load("k", &cols, &[], &csv);
    let out = db.run_script(&w.path("out/k.mysql.sql"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.dump("k", &cols).lines().count(), 2);
    // a dumped `t` is not the live `0`
    let csv = w.write("t.csv", b"v,b\nx,t\nx,t\n");
    w.run(&[
        "clean",
        csv.to_str().unwrap(),
        "--dialect",
        "mysql",
        "--out",
        "t",
    ])
    .ok();
    db.exec("CREATE TABLE t (v VARCHAR(5), b BOOLEAN); INSERT INTO t VALUES ('x', 0), ('x', 0);");
    let out = db.run_script(&w.path("t/t.mysql.sql"));
    assert!(!out.status.success(), "a dumped t matched a live 0");
    assert!(db.exec("SELECT COUNT(*) FROM t;").contains('2'));
}
