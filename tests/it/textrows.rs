//! Tables exported in a server's own text format: PostgreSQL `\copy … TO` (with and without
//! a header line) and MariaDB `mariadb-dump --tab`. Each is made by the real tool, cleaned, and
//! the script replayed on the export loaded into a fresh database; the table must then equal
//! the cleaned export loaded the same way (`\copy … FROM`, `LOAD DATA LOCAL INFILE`).

use std::path::Path;
use std::process::Command;

use crate::replay::{Db, Server};
use crate::util::Workdir;

const PG_TABLE: &str = r#"
CREATE TABLE students (id integer PRIMARY KEY, name text, note text, active boolean, born date, balance numeric(10,2));
INSERT INTO students
SELECT g, 'name ' || (g % 300),
       CASE (g % 300) % 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'tab\there\nline \\ back'
            WHEN 3 THEN 'Zoë' ELSE E'\\N' END,
       (g % 300) % 2 = 0, DATE '2000-01-01' + g % 300, (g % 300) * 1.5
FROM generate_series(1, 1000) g;
"#;

#[track_caller]
fn ok(o: std::process::Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn pg_rows(db: &Db) -> String {
    ok(db.query("COPY (SELECT * FROM students ORDER BY id) TO STDOUT"))
}

/// `\copy` a file into `students` (created like the source's) of `db`.
fn pg_load(db: &Db, file: &Path, header: bool) {
    db.exec(&PG_TABLE[..PG_TABLE.find("INSERT").unwrap()]);
    let with = if header { " WITH (HEADER)" } else { "" };
    ok(db.query(&format!("\\copy students FROM '{}'{with}", file.display())));
}

#[test]
fn pg_copy_files_are_cleaned_and_replay_on_postgres() {
    let Some(source) = Db::create(Server::Postgres) else {
        return;
    };
    source.exec(PG_TABLE);
    let w = Workdir::new();
    for header in [true, false] {
        let file = w.path(if header { "h.txt" } else { "n.txt" });
        let with = if header { " WITH (HEADER)" } else { "" };
        ok(source.query(&format!("\\copy students TO '{}'{with}", file.display())));
        let mut args = vec!["clean", file.to_str().unwrap(), "--format", "pg-copy"];
        if !header {
            args.extend(["--columns", "id,name,note,active,born,balance"]);
        }
        let out = w.path(if header { "oh" } else { "on" });
        args.extend([
            "--table",
            "students",
            "--pk",
            "id",
            "--out",
            out.to_str().unwrap(),
        ]);
        w.run(&args).ok();
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        assert_eq!(report["input"]["format"], "pg_copy");
        assert_eq!(report["rows_removed"], 700);
        let expected = Db::create(Server::Postgres).unwrap();
        pg_load(&expected, &out.join("students.cleaned.txt"), header);
        let live = Db::create(Server::Postgres).unwrap();
        pg_load(&live, &file, header);
        let before = pg_rows(&live);
        assert_eq!(before, pg_rows(&source));
        for round in ["first", "second"] {
            ok(live.run_script(&out.join("students.postgres.sql")));
            assert_eq!(
                pg_rows(&live),
                pg_rows(&expected),
                "{round}, header {header}"
            );
        }
        ok(live.run_script(&out.join("students.postgres.undo.sql")));
        assert_eq!(pg_rows(&live), before);
    }
    // a headerless file without --columns is not read as if its first row named them
    let r = w.run(&["scan", "n.txt", "--format", "pg-copy", "--pk", "id"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("needs --columns"), "{}", r.stderr());
}

const MY_TABLE: &str = r#"
SET SESSION max_recursive_iterations = 100000;
CREATE TABLE students (id INT NOT NULL PRIMARY KEY, name VARCHAR(40), note TEXT, born DATE) ENGINE=InnoDB;
INSERT INTO students
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1000)
SELECT n, CONCAT('name ', n % 300),
       CASE (n % 300) % 5 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN CONCAT('tab', CHAR(9), 'here', CHAR(10), 'line \\ back')
            WHEN 3 THEN 'Zoë' ELSE '\\N' END,
       DATE_ADD('2000-01-01', INTERVAL n % 300 DAY)
FROM g;
"#;

fn my_rows(db: &Db) -> String {
    ok(db.query("SELECT * FROM students ORDER BY id"))
}

/// Creates `students` from the export's `.sql` and loads `file` into it.
fn my_load(db: &Db, sql: &Path, file: &Path) {
    ok(db.run_script(sql));
    let o = Command::new(
        if Command::new("mariadb").arg("--version").output().is_ok() {
            "mariadb"
        } else {
            "mysql"
        },
    )
    .args([
        "--local-infile=1",
        "-h",
        "127.0.0.1",
        "-u",
        "root",
        db.name(),
        "-e",
    ])
    .arg(format!(
        "LOAD DATA LOCAL INFILE '{}' INTO TABLE students",
        file.display()
    ))
    .output()
    .unwrap();
    ok(o);
}

#[test]
fn mariadb_tab_exports_are_cleaned_and_replay() {
    let Some(source) = Db::create(Server::Mysql) else {
        return;
    };
    source.exec(MY_TABLE);
    let w = Workdir::new();
    // the server writes the export: its folder must be open to it
    let dir = w.path("tab");
    std::fs::create_dir(&dir).unwrap();
    let mut perms = std::fs::metadata(&dir).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o777);
    std::fs::set_permissions(&dir, perms).unwrap();
    let o = Command::new("mariadb-dump")
        .args(["-h", "127.0.0.1", "-u", "root"])
        .arg(format!("--tab={}", dir.display()))
        .args([source.name(), "students"])
        .output()
        .unwrap();
    ok(o);
    let txt = dir.join("students.txt");
    w.run(&["clean", txt.to_str().unwrap(), "--pk", "id", "--out", "out"])
        .ok();
    let out = w.path("out");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["input"]["format"], "mysql_tab");
    assert_eq!(report["options"]["dialects"], serde_json::json!(["mysql"]));
    assert_eq!(report["rows_removed"], 700);
    let sql = dir.join("students.sql");
    let expected = Db::create(Server::Mysql).unwrap();
    my_load(&expected, &sql, &out.join("students.cleaned.txt"));
    let live = Db::create(Server::Mysql).unwrap();
    my_load(&live, &sql, &txt);
    let before = my_rows(&live);
    assert_eq!(before, my_rows(&source));
    for round in ["first", "second"] {
        ok(live.run_script(&out.join("students.mysql.sql")));
        assert_eq!(my_rows(&live), my_rows(&expected), "{round}");
    }
    ok(live.run_script(&out.join("students.mysql.undo.sql")));
    assert_eq!(my_rows(&live), before);
}

/// A live table (`postgres://…`): read in one snapshot, cleaned, its script replayed on the
/// same server; the table then equals the cleaned copy loaded with `\copy … WITH (HEADER)`.
/// A row edited after the snapshot stops the script; the password never shows.
#[test]
fn a_live_postgres_table_is_cleaned_and_its_script_replays() {
    let Some(live) = Db::create(Server::Postgres) else {
        return;
    };
    live.exec(PG_TABLE);
    let w = Workdir::new();
    let url = format!(
        "postgres://postgres:not-shown@127.0.0.1:5432/{}",
        live.name()
    );
    let run = w
        .run(&[
            "clean",
            &url,
            "--table",
            "public.students",
            "--pk",
            "id",
            "--out",
            "out",
        ])
        .ok();
    assert!(
        run.stdout().starts_with("students: 1000 rows"),
        "{}",
        run.stdout()
    );
    let out = w.path("out");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap();
    let script = std::fs::read_to_string(out.join("students.postgres.sql")).unwrap();
    for text in [&report, &script] {
        assert!(!text.contains("not-shown"), "the password is shown");
    }
    assert!(script.contains(&format!(
        "-- input: postgres://postgres@127.0.0.1:5432/{} (sha256",
        live.name()
    )));
    // the same snapshot twice: the same files
    w.run(&[
        "clean",
        &url,
        "--table",
        "public.students",
        "--pk",
        "id",
        "--out",
        "again",
    ])
    .ok();
    for f in [
        "students.cleaned.txt",
        "students.removed.csv",
        "students.postgres.sql",
    ] {
        assert!(
            w.read(&format!("out/{f}")) == w.read(&format!("again/{f}")),
            "{f}"
        );
    }
    let expected = Db::create(Server::Postgres).unwrap();
    pg_load(&expected, &out.join("students.cleaned.txt"), true);
    let before = pg_rows(&live);
    // edited after the snapshot: the script stops, nothing changes
    live.exec("UPDATE students SET note = 'edited' WHERE id = 301");
    let edited = pg_rows(&live);
    assert!(!live
        .run_script(&out.join("students.postgres.sql"))
        .status
        .success());
    assert_eq!(pg_rows(&live), edited);
    live.exec(&format!(
        "UPDATE students SET note = {} WHERE id = 301",
        "(SELECT note FROM students WHERE id = 1)"
    ));
    assert_eq!(pg_rows(&live), before);
    ok(live.run_script(&out.join("students.postgres.sql")));
    assert_eq!(pg_rows(&live), pg_rows(&expected));
    ok(live.run_script(&out.join("students.postgres.undo.sql")));
    assert_eq!(pg_rows(&live), before);
    // errors name the server without the password
    let r = w.run(&[
        "scan",
        &url.replace(live.name(), "no_such_db"),
        "--table",
        "students",
    ]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr()
            .contains("database \"no_such_db\" does not exist"),
        "{}",
        r.stderr()
    );
    assert!(!r.stderr().contains("not-shown"));
    let r = w.run(&["scan", &url]);
    assert_eq!(r.code(), 2);
    assert!(
        r.stderr().contains("--table names the table"),
        "{}",
        r.stderr()
    );
}

/// A live MariaDB table (`mysql://…`): read in one consistent snapshot, cleaned, its script
/// replayed on the same server; the table then equals the cleaned copy loaded with `LOAD
/// DATA`. A row edited after the snapshot stops the script.
#[test]
fn a_live_mariadb_table_is_cleaned_and_its_script_replays() {
    let Some(live) = Db::create(Server::Mysql) else {
        return;
    };
    live.exec(MY_TABLE);
    let w = Workdir::new();
    let url = format!("mysql://root@127.0.0.1:3306/{}", live.name());
    let run = w
        .run(&[
            "clean", &url, "--table", "students", "--pk", "id", "--out", "out",
        ])
        .ok();
    assert!(
        run.stdout().starts_with("students: 1000 rows"),
        "{}",
        run.stdout()
    );
    let out = w.path("out");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["input"]["path"], url.as_str());
    assert_eq!(report["input"]["format"], "mysql_tab");
    assert_eq!(report["rows_removed"], 700);
    w.run(&[
        "clean", &url, "--table", "students", "--pk", "id", "--out", "again",
    ])
    .ok();
    for f in [
        "students.cleaned.txt",
        "students.removed.csv",
        "students.mysql.sql",
    ] {
        assert!(
            w.read(&format!("out/{f}")) == w.read(&format!("again/{f}")),
            "{f}"
        );
    }
    let create = w.write(
        "create.sql",
        &MY_TABLE.as_bytes()[MY_TABLE.find("CREATE").unwrap()..MY_TABLE.find("INSERT").unwrap()],
    );
    let expected = Db::create(Server::Mysql).unwrap();
    my_load(&expected, &create, &out.join("students.cleaned.txt"));
    let before = my_rows(&live);
    live.exec("UPDATE students SET note = 'edited' WHERE id = 301");
    let edited = my_rows(&live);
    assert!(!live
        .run_script(&out.join("students.mysql.sql"))
        .status
        .success());
    assert_eq!(my_rows(&live), edited);
    live.exec("UPDATE students SET note = '' WHERE id = 301");
    assert_eq!(my_rows(&live), before);
    ok(live.run_script(&out.join("students.mysql.sql")));
    assert_eq!(my_rows(&live), my_rows(&expected));
    ok(live.run_script(&out.join("students.mysql.undo.sql")));
    assert_eq!(my_rows(&live), before);
    let r = w.run(&[
        "scan",
        &format!("mysql://root@127.0.0.1:3306/{}", live.name()),
        "--table",
        "nope",
    ]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("doesn't exist"), "{}", r.stderr());
}
