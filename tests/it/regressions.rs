//! Regression tests for wrong deletions, false refusals and broken promises that the
//! differential replay test (`differential.rs`) found, each named after what broke. Those about
//! scripts replay them on the real servers.

use crate::replay::{Db, Server};
use crate::util::{testdata, Workdir};

const ALL: [Server; 3] = [Server::Sqlite, Server::Postgres, Server::Mysql];

/// A table's rows ([`Db::dump`]) sorted here: the server's own order puts rows that its
/// collation finds equal (`Zoë`, `ZOË` under a case-insensitive one) in any order.
fn rows(db: &Db, table: &str, columns: &[(&str, &str)]) -> Vec<String> {
    let mut r: Vec<String> = db.dump(table, columns).lines().map(str::to_owned).collect();
    r.sort();
    r
}

/// Cleans `csv` (as `t.csv`, table `table`) with `args` for `server`, loads it with `columns`
/// (after `setup`), and replays: the change script twice (the table must equal the cleaned
/// file), then the undo script twice (the table must equal the dump). Returns the database
/// (loaded, cleaned) and the folder, or `None` when the server is not there.
fn replay_csv(
    server: Server,
    csv: &[u8],
    table: &str,
    columns: &[(&str, &str)],
    pk: &[&str],
    args: &[&str],
    setup: &str,
) -> Option<(Db, Workdir)> {
    let db = Db::create(server)?;
    let w = Workdir::new();
    let input = w.write("t.csv", csv);
    let mut a = vec![
        "clean",
        "t.csv",
        "--out",
        "out",
        "--table",
        table,
        "--dialect",
        server.dialect(),
    ];
    a.extend_from_slice(args);
    w.run(&a).ok();
    if !setup.is_empty() {
        db.exec(setup);
    }
    db.load(table, columns, pk, &input);
    db.load(
        "expected",
        columns,
        pk,
        &w.path(&format!("out/{table}.cleaned.csv")),
    );
    let before = rows(&db, table, columns);
    let expected = rows(&db, "expected", columns);
    let script = w.path(&format!("out/{table}.{}.sql", server.dialect()));
    for round in ["first", "second"] {
        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "{server:?}, {round} replay: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            rows(&db, table, columns),
            expected,
            "{server:?}, {round} replay"
        );
    }
    let undo = w.path(&format!("out/{table}.{}.undo.sql", server.dialect()));
    for round in ["first", "second"] {
        let out = db.run_script(&undo);
        assert!(
            out.status.success(),
            "{server:?}, {round} undo: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            rows(&db, table, columns),
            before,
            "{server:?}, {round} undo"
        );
    }
    Some((db, w))
}

/// Runs the change script of `w` on `db` after `edit`: it must fail at a guard and change
/// nothing.
fn edited_table_stops_the_script(db: &Db, w: &Workdir, server: Server, table: &str, edit: &str) {
    db.exec(edit);
    let select = format!("SELECT * FROM {} ORDER BY 1, 2", server.quote(table));
    let before = db.query(&select);
    let out = db.run_script(&w.path(&format!("out/{table}.{}.sql", server.dialect())));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "{server:?}: the script ran on a table edited since the dump ({edit})"
    );
    assert!(err.contains("changed since the dump"), "{server:?}: {err}");
    assert_eq!(
        before.stdout,
        db.query(&select).stdout,
        "{server:?}: a failed script changed the table"
    );
}

/// Without a primary key, `--guard key` compared a group's members on the key only: the
/// script deleted any n-1 of them (the replay kept (a,3) where the cleaned file keeps (a,1))
/// and the undo put back the first member's values n-1 times. A row without a key is now
/// known by all its values, whatever `--guard` says.
#[test]
fn keyless_guard_key_deletes_the_removed_rows_and_undo_restores_them() {
    for server in ALL {
        let text = if server == Server::Mysql {
            "VARCHAR(10)"
        } else {
            "text"
        };
        // the replay must leave (a,1), the cleaned file's row, and the undo (a,1), (a,2), (a,3)
        if let Some((_db, w)) = replay_csv(
            server,
            b"k,u\na,1\na,2\na,3\n",
            "g",
            &[("k", text), ("u", "INTEGER")],
            &[],
            &["--key", "k", "--guard", "key"],
            "",
        ) {
            assert_eq!(w.read_str("out/g.cleaned.csv"), "k,u\na,1\n");
        }
    }
}

/// SQLite: a table with columns named `rowid`, `oid` and `_rowid_` hides the row id; the
/// script fell back to `rowid`, which named the user's column, and deleted a row outside the
/// group. It now deletes the copies and inserts back the ones that stay.
#[test]
fn sqlite_columns_named_rowid_oid_and_rowid_alias_do_not_misdirect_the_deletion() {
    let Some((_db, w)) = replay_csv(
        Server::Sqlite,
        b"rowid,oid,_rowid_,k,u\nx1,0,0,dup,1\nx2,0,0,dup,1\nx2,0,0,other,9\nx1,0,0,dup,1\n",
        "r",
        &[
            ("rowid", "TEXT"),
            ("oid", "INTEGER"),
            ("_rowid_", "INTEGER"),
            ("k", "TEXT"),
            ("u", "INTEGER"),
        ],
        &[],
        &["--key", "k,u"],
        "",
    ) else {
        return;
    };
    assert_eq!(
        w.read_str("out/r.cleaned.csv"),
        "rowid,oid,_rowid_,k,u\nx1,0,0,dup,1\nx2,0,0,other,9\n"
    );
}

const ICU: &str = "CREATE COLLATION IF NOT EXISTS ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);";

/// PostgreSQL compared `"name" = 'Zoë'` in the column's collation: under a case-insensitive
/// (nondeterministic ICU) collation a row edited to `ZOË` since the dump was deleted.
#[test]
fn postgres_icu_collation_edit_in_letter_case_stops_the_script() {
    let Some((db, w)) = replay_csv(
        Server::Postgres,
        "id,name\n1,Zoë\n2,Zoë\n3,Straße\n4,Straße\n".as_bytes(),
        "people",
        &[("id", "integer"), ("name", "text COLLATE ci")],
        &["id"],
        &["--pk", "id"],
        ICU,
    ) else {
        return;
    };
    // (back to the dump after the undo) the rows to delete, edited in letter case only
    edited_table_stops_the_script(
        &db,
        &w,
        Server::Postgres,
        "people",
        "UPDATE people SET name = 'ZOË' WHERE id = 2;",
    );
}

/// The same edit under MariaDB's and SQLite's case-insensitive collations, which compared
/// bytes already: both stop too (so that the three servers agree).
#[test]
fn case_insensitive_collations_edit_in_letter_case_stops_the_script_everywhere() {
    for (server, text) in [
        (Server::Mysql, "VARCHAR(20) COLLATE utf8mb4_general_ci"),
        (Server::Sqlite, "TEXT COLLATE NOCASE"),
    ] {
        let Some((db, w)) = replay_csv(
            server,
            "id,name\n1,Zoë\n2,Zoë\n".as_bytes(),
            "people",
            &[("id", "INTEGER"), ("name", text)],
            &["id"],
            &["--pk", "id"],
            "",
        ) else {
            continue;
        };
        let edit = format!(
            "UPDATE {} SET {} = 'ZOË' WHERE {} = 2;",
            server.quote("people"),
            server.quote("name"),
            server.quote("id")
        );
        edited_table_stops_the_script(&db, &w, server, "people", &edit);
    }
}

/// The same collation on a table without key: copies that differ only in letter case were
/// counted together (`Zoë` matched `ZOË`), and the script stopped on a table that had not
/// changed.
#[test]
fn postgres_icu_collation_keyless_copies_in_letter_case_replay() {
    replay_csv(
        Server::Postgres,
        "k,name\na,Zoë\na,ZOË\na,Zoë\nb,ß\nb,ss\n".as_bytes(),
        "people",
        &[("k", "text"), ("name", "text COLLATE ci")],
        &[],
        &["--key", "k"],
        ICU,
    );
}

/// PostgreSQL: `json` has no `=`: every script with a json column failed ("operator does not
/// exist: json = unknown"). Values that json keeps as written (`{"a": 1}`, `{"a":1}`) are
/// different rows. (A table without primary key looks its groups up by their key columns with
/// a plain `=`, for an index: a json column cannot be one of its key columns, and the script
/// then stops at once with the server's error, changing nothing.)
#[test]
fn postgres_json_column_replays() {
    let docs = "\"{\"\"a\"\": 1}\"\n";
    let csv = format!("id,doc\n1,{docs}2,{docs}3,\"{{\"\"a\"\":1}}\"\n4,[1]\n");
    replay_csv(
        Server::Postgres,
        csv.as_bytes(),
        "docs",
        &[("id", "text"), ("doc", "json")],
        &["id"],
        &["--pk", "id"],
        "",
    );
    // without primary key: copies told apart by the json text outside the key
    let csv = format!("k,doc\nx,{docs}x,{docs}x,\"{{\"\"a\"\":1}}\"\ny,[1]\ny,[1]\n");
    let Some((db, w)) = replay_csv(
        Server::Postgres,
        csv.as_bytes(),
        "docs",
        &[("k", "text"), ("doc", "json")],
        &[],
        &["--key", "k"],
        "",
    ) else {
        return;
    };
    // a json key column of a table without primary key: the server's error, nothing changed
    w.run(&[
        "clean",
        "t.csv",
        "--out",
        "out",
        "--table",
        "docs",
        "--key",
        "doc",
        "--dialect",
        "postgres",
    ])
    .ok();
    let before = rows(&db, "docs", &[("k", "text"), ("doc", "json")]);
    let out = db.run_script(&w.path("out/docs.postgres.sql"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("operator does not exist: json = unknown"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(rows(&db, "docs", &[("k", "text"), ("doc", "json")]), before);
}

/// PostgreSQL compares `-0` and `0` equal as floats: on a table without key, holding both,
/// their copies were counted together and the script stopped on a table that had not changed.
#[test]
fn postgres_keyless_float_minus_zero_and_zero_replay() {
    replay_csv(
        Server::Postgres,
        b"k,f\na,-0\na,0\na,-0\nb,0\nb,0\n",
        "floats",
        &[("k", "text"), ("f", "double precision")],
        &[],
        &["--key", "k"],
        "",
    );
}

/// PostgreSQL: the guards run in `DO` blocks whose variables were named `n` and `ok`; a column
/// of either name made every statement that used it ambiguous, and the script failed.
#[test]
fn postgres_columns_named_n_and_ok_replay() {
    replay_csv(
        Server::Postgres,
        b"id,n,ok\n1,5,t\n2,5,t\n3,6,f\n",
        "counts",
        &[("id", "integer"), ("n", "integer"), ("ok", "boolean")],
        &["id"],
        &["--pk", "id", "--batch-size", "1"],
        "",
    );
    replay_csv(
        Server::Postgres,
        b"n,ok\n5,t\n5,t\n6,f\n",
        "counts",
        &[("n", "integer"), ("ok", "boolean")],
        &[],
        &[],
        "",
    );
}

/// MariaDB compares a BIGINT with a string inside `(a, b) IN ((…), (…))` loosely: beyond 2^53
/// (snowflake ids) the check after a batch's deletion counted the wrong rows and the script
/// stopped, and the undo missed rows. Composite keys are now compared column by column, and
/// every key also byte for byte.
#[test]
fn mariadb_composite_key_with_bigint_beyond_2_pow_53_replays() {
    for server in ALL {
        let big = if server == Server::Sqlite {
            "INTEGER"
        } else {
            "BIGINT"
        };
        replay_csv(
            server,
            b"a,b,v\n1,9007199254740992,x\n1,9007199254740993,x\n2,9007199254741011,y\n2,9007199254741013,y\n2,9007199254741012,z\n",
            "snow",
            &[("a", "INTEGER"), ("b", big), ("v", "VARCHAR(10)")],
            &["a", "b"],
            &["--pk", "a,b", "--batch-size", "5"],
            "",
        );
    }
}

/// The prevention scripts did not set the client's character set (the change and undo scripts
/// do): from a Latin-1 client, a table named `élèves` was not found.
#[test]
fn prevention_scripts_set_the_client_encoding() {
    for server in [Server::Postgres, Server::Mysql] {
        let text = if server == Server::Mysql {
            "VARCHAR(20)"
        } else {
            "text"
        };
        let Some((db, w)) = replay_csv(
            server,
            "id,prénom\n1,Zoë\n2,Zoë\n3,Élise\n".as_bytes(),
            "élèves",
            &[("id", "INTEGER"), ("prénom", text)],
            &["id"],
            &["--pk", "id", "--prevent"],
            "",
        ) else {
            continue;
        };
        let change = w.path(&format!("out/élèves.{}.sql", server.dialect()));
        assert!(db.run_script(&change).status.success());
        let prevent = w.path(&format!("out/élèves.{}.prevent.sql", server.dialect()));
        let out = db.run_script_latin1(&prevent);
        assert!(
            out.status.success(),
            "{server:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dup = db.try_exec(&format!(
            "INSERT INTO {} VALUES (9, 'Élise');",
            server.quote("élèves")
        ));
        assert!(
            !dup.status.success(),
            "{server:?}: the index lets a duplicate in"
        );
    }
}

/// `T.removed.csv` wrote a survivor key equal to the `--null` marker unquoted (`\N`), so it
/// read back as NULL.
#[test]
fn removed_file_quotes_a_survivor_key_equal_to_the_null_marker() {
    let w = Workdir::new();
    w.write("n.csv", b"id,v\n\"\\N\",a\nx,a\n");
    w.run(&[
        "clean", "n.csv", "--pk", "id", "--null", "\\N", "--out", "out",
    ])
    .ok();
    assert_eq!(
        w.read_str("out/n.removed.csv"),
        "id,v,dupsweep_group,dupsweep_survivor,dupsweep_score,dupsweep_reason\nx,a,1,\"\\N\",1,exact:v\n"
    );
}

/// A Parquet timestamp with a time zone (`timestamp[us, tz=UTC]`, `tz=Europe/Paris`, as
/// pyarrow writes them) stopped every run with an internal error ("cannot format
/// timezone-naive Datetime"), and one Polars wrote lost its zone: the scripts now hold the UTC
/// instant with its offset (MySQL: in a session set to UTC), and the table replays on every
/// server.
#[test]
fn parquet_timestamps_with_a_time_zone_replay_as_utc_instants() {
    let input = testdata("tz/events.parquet");
    for server in ALL {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let w = Workdir::new();
        w.run(&[
            "clean",
            &input,
            "--pk",
            "id",
            "--out",
            "out",
            "--dialect",
            server.dialect(),
        ])
        .ok();
        let script = w.read_str(&format!("out/events.{}.sql", server.dialect()));
        // the table as each server holds these instants: PostgreSQL with the offset,
        // MariaDB's DATETIME as UTC wall clock, SQLite as the text dupsweep writes
        let (ts, lit): (&str, fn(&str) -> String) = match server {
            Server::Postgres => ("timestamptz", |v| format!("'{v}+00'")),
            Server::Mysql => ("DATETIME(6)", |v| format!("'{v}'")),
            Server::Sqlite => ("TIMESTAMP", |v| {
                let frac = if v.contains('.') { "" } else { ".000000" };
                format!("'{v}{frac}+00:00'")
            }),
        };
        if server != Server::Mysql {
            assert!(
                script.contains("2024-01-05 10:00:00.250000+00:00"),
                "{script}"
            );
        }
        let t = |n: &str| server.quote(n);
        let (a, b, c) = (
            "2024-01-05 10:00:00",
            "2024-07-01 22:30:00",
            "2024-01-05 10:00:00.250000",
        );
        let (d, e) = ("1999-12-31 23:59:59", "1969-07-20 20:17:40");
        let rows = [
            (1, Some(a), Some(b), "signup"),
            (2, Some(a), Some(b), "signup"),
            (3, Some(c), None, "login"),
            (4, None, Some(d), "login"),
            (5, Some(c), None, "login"),
            (6, None, Some(d), "login"),
            (7, Some(e), None, "landing"),
        ];
        let mut sql = format!(
            "CREATE TABLE {} ({} BIGINT PRIMARY KEY, {} {ts}, {} {ts}, {} VARCHAR(20));\n",
            t("events"),
            t("id"),
            t("at"),
            t("local"),
            t("what")
        );
        let opt = |v: Option<&str>| v.map_or("NULL".to_owned(), lit);
        for (id, at, local, what) in rows {
            sql.push_str(&format!(
                "INSERT INTO {} VALUES ({id}, {}, {}, '{what}');\n",
                t("events"),
                opt(at),
                opt(local)
            ));
        }
        db.exec(&sql);
        let path = w.path(&format!("out/events.{}.sql", server.dialect()));
        for _ in 0..2 {
            let out = db.run_script(&path);
            assert!(
                out.status.success(),
                "{server:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let left = db.query(&format!(
            "SELECT {} FROM {} ORDER BY 1",
            t("id"),
            t("events")
        ));
        assert_eq!(
            String::from_utf8_lossy(&left.stdout)
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["1", "3", "4", "7"],
            "{server:?}"
        );
    }
    // the cleaned file keeps the columns' time zones
    let w = Workdir::new();
    w.run(&["clean", &input, "--pk", "id", "--out", "out"]).ok();
    let f = std::fs::File::open(w.path("out/events.cleaned.parquet")).unwrap();
    use polars::prelude::*;
    let df = ParquetReader::new(f).finish().unwrap();
    assert_eq!(
        format!("{:?}", df.dtypes()),
        "[Int64, Datetime('μs', 'UTC'), Datetime('μs', 'Europe/Paris'), String]"
    );
}

/// A run killed by `kill -9` left its temporary files (gigabytes for a large dump) in the
/// output folder, and no later run removed them.
#[test]
fn leftover_temporary_files_of_a_killed_run_are_removed_by_the_next_run() {
    let w = Workdir::new();
    std::fs::create_dir(w.path("out")).unwrap();
    // this version's, an older version's, and a file of the user's that only looks alike
    for name in [
        ".dupsweep-run-k1LL3d.tmp",
        ".dupsweep-a1B2c3.tmp",
        ".dupsweep-notes.tmp",
    ] {
        w.write(&format!("out/{name}"), b"partial");
    }
    w.run(&[
        "clean",
        &testdata("school/students.csv"),
        "--pk",
        "id",
        "--out",
        "out",
    ])
    .ok();
    let mut left: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    left.sort();
    assert_eq!(left, [".dupsweep-notes.tmp"]);
}

/// A run killed between the renames of its commit left the new cleaned and removed files
/// beside an older run's scripts and report. Now the older run's files go first, the new ones
/// follow under a journal, and the next run finishes the move: this is the state such a kill
/// leaves (two of four files moved), and what the next run's recovery makes of it.
#[test]
fn a_commit_killed_between_renames_is_finished_by_the_next_run() {
    use dupsweep::internals::{recover, JOURNAL, MANIFEST};
    let w = Workdir::new();
    let out = w.path("out");
    std::fs::create_dir(&out).unwrap();
    // the older run: three files and its manifest; the killed run writes a.csv, b.sql and
    // report.json, not old.mysql.sql (its stale file)
    for (name, text) in [("a.csv", "old a"), ("old.mysql.sql", "old mysql")] {
        w.write(&format!("out/{name}"), text.as_bytes());
    }
    w.write(
        &format!("out/{MANIFEST}"),
        b"a.csv\nold.mysql.sql\nreport.json\n",
    );
    // what the kill left: the older run's files removed, a.csv moved, b.sql and report.json
    // still temporary
    std::fs::remove_file(out.join(MANIFEST)).unwrap();
    std::fs::remove_file(out.join("old.mysql.sql")).unwrap();
    w.write("out/a.csv", b"new a");
    w.write("out/.dupsweep-run-bbbbbb.tmp", b"new b");
    w.write("out/.dupsweep-run-rrrrrr.tmp", b"{\"new\": true}");
    w.write(
        &format!("out/{JOURNAL}"),
        br#"{"moves":[{"tmp":".dupsweep-run-aaaaaa.tmp","target":"a.csv","bytes":5},{"tmp":".dupsweep-run-bbbbbb.tmp","target":"b.sql","bytes":5},{"tmp":".dupsweep-run-rrrrrr.tmp","target":"report.json","bytes":13}],"stale":["old.mysql.sql"],"manifest":["a.csv","b.sql","report.json"]}"#,
    );
    // before recovery: no report, and nothing of the older run beside the new files
    assert!(!out.join("report.json").exists());
    recover(&out, &[]).unwrap();
    let mut names: Vec<(String, String)> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).unwrap(),
            )
        })
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            ("a.csv".to_owned(), "new a".to_owned()),
            ("b.sql".to_owned(), "new b".to_owned()),
            (
                MANIFEST.to_owned(),
                "a.csv\nb.sql\nreport.json\n".to_owned()
            ),
            ("report.json".to_owned(), "{\"new\": true}".to_owned()),
        ]
    );
}

/// A second run replaces the first one's outputs of its table as a whole: a script the new
/// run does not write (it was asked for fewer dialects) is removed, not left beside the new
/// files; another table's outputs in the same folder stay.
#[test]
fn a_new_run_removes_the_older_runs_files_it_does_not_write() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let base = ["clean", input.as_str(), "--pk", "id", "--out", "out"];
    let mut first = base.to_vec();
    first.extend(["--dialect", "mysql", "--dialect", "sqlite"]);
    w.run(&first).ok();
    assert!(w.path("out/students.mysql.sql").exists());
    let courses = testdata("school/courses.csv");
    w.run(&[
        "clean",
        &courses,
        "--pk",
        "code",
        "--out",
        "out",
        "--dialect",
        "mysql",
    ])
    .ok();
    let mut second = base.to_vec();
    second.extend(["--dialect", "sqlite"]);
    w.run(&second).ok();
    let mut names: Vec<String> = std::fs::read_dir(w.path("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "courses.cleaned.csv",
            "courses.mysql.sql",
            "courses.mysql.undo.sql",
            "courses.removed.csv",
            "dupsweep-manifest.txt",
            "history.jsonl",
            "report.html",
            "report.json",
            "students.cleaned.csv",
            "students.removed.csv",
            "students.sqlite.sql",
            "students.sqlite.undo.sql"
        ]
    );
    assert_eq!(
        w.read_str("out/dupsweep-manifest.txt"),
        "courses.cleaned.csv\ncourses.removed.csv\ncourses.mysql.sql\ncourses.mysql.undo.sql\nstudents.cleaned.csv\nstudents.removed.csv\nstudents.sqlite.sql\nstudents.sqlite.undo.sql\nreport.html\nreport.json\n"
    );
}

/// A journal is only ever followed inside its folder: one that names a path outside it (planted
/// in a shared folder, say), or a run's input, is refused and nothing is removed.
#[test]
fn a_journal_naming_files_outside_its_folder_is_refused() {
    use dupsweep::internals::{recover, JOURNAL};
    let w = Workdir::new();
    let out = w.path("out");
    std::fs::create_dir(&out).unwrap();
    let victim = w.write("victim.txt", b"keep me");
    let input = w.write("out/input.csv", b"id\n1\n");
    for journal in [
        r#"{"moves":[],"stale":["../victim.txt"],"manifest":[]}"#.to_owned(),
        format!(
            r#"{{"moves":[],"stale":[{:?}],"manifest":[]}}"#,
            victim.display().to_string()
        ),
        r#"{"moves":[{"tmp":"../victim.txt","target":"a.csv","bytes":7}],"stale":[],"manifest":[]}"#.to_owned(),
        r#"{"moves":[{"tmp":".dupsweep-run-xxxxxx.tmp","target":"input.csv","bytes":1}],"stale":[],"manifest":[]}"#.to_owned(),
    ] {
        w.write("out/.dupsweep-run-xxxxxx.tmp", b"x");
        w.write(&format!("out/{JOURNAL}"), journal.as_bytes());
        let e = recover(&out, &[&input]).unwrap_err();
        assert!(
            e.to_string().contains("cannot finish an interrupted run's outputs"),
            "{journal}: {e}"
        );
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert_eq!(std::fs::read(&input).unwrap(), b"id\n1\n");
    }
}
