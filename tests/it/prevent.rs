//! Prevention DDL (`--prevent`) on the real servers: it fails on the dumped tables (they hold
//! duplicates), succeeds once the cleanup script has run, and then rejects a new duplicate,
//! NULLs included, while rows that only a case-insensitive collation would confuse (`Zoë`,
//! `zoe`) stay allowed.

use std::path::Path;

use crate::replay::{students_columns, Db, Server};
use crate::util::{testdata, Workdir};

fn q(s: Server, n: &str) -> String {
    s.quote(n)
}

/// `INSERT INTO t (cols) SELECT <cols with the first replaced> FROM t WHERE cond LIMIT 1`.
fn copy_row(s: Server, table: &str, cols: &[&str], first: &str, cond: &str) -> String {
    let list: Vec<String> = cols.iter().map(|c| q(s, c)).collect();
    let mut sel = list.clone();
    sel[0] = first.to_owned();
    format!(
        "INSERT INTO {} ({}) SELECT {} FROM {} WHERE {cond} LIMIT 1;",
        q(s, table),
        list.join(", "),
        sel.join(", "),
        q(s, table)
    )
}

fn prevent_on_students(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    w.run(&[
        "clean",
        &input,
        "--pk",
        "id",
        "--ignore",
        "updated_at",
        "--keep",
        "max:updated_at",
        "--dialect",
        server.dialect(),
        "--prevent",
        "--out",
        "out",
    ])
    .ok();
    let cols = students_columns(server);
    db.load("students", &cols, &["id"], Path::new(&input));
    let ddl = w.path(&format!("out/students.{}.prevent.sql", server.dialect()));
    let before = db.dump("students", &cols);
    let out = db.run_script(&ddl);
    assert!(
        !out.status.success(),
        "{server:?}: the index was built on a table with duplicates"
    );
    assert_eq!(db.dump("students", &cols), before);

    let out = db.run_script(&w.path(&format!("out/students.{}.sql", server.dialect())));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = db.run_script(&ddl);
    assert!(
        out.status.success(),
        "{server:?}: the index fails after the cleanup: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // run again (a scheduled job, a retry): the index is there, nothing changes
    let after = db.dump("students", &cols);
    let out = db.run_script(&ddl);
    assert!(
        out.status.success(),
        "{server:?}: the prevention script fails when run again: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.dump("students", &cols), after);
    // a new copy of a kept student (another id) is rejected
    let names: Vec<&str> = cols.iter().map(|(n, _)| *n).collect();
    let out = db.try_exec(&copy_row(
        server,
        "students",
        &names,
        "99999",
        &format!("{} = 1", q(server, "id")),
    ));
    assert!(!out.status.success(), "{server:?}: a duplicate got in");
    // Zoë and zoe were never duplicates (the second Zoë was): both are still there, under
    // the index
    let zoes = db.exec(&format!(
        "SELECT count(*) FROM {} WHERE {} = 'Ng';",
        q(server, "students"),
        q(server, "last_name")
    ));
    let n = zoes.lines().find_map(|l| l.trim().parse::<u32>().ok());
    assert_eq!(n, Some(2), "{server:?}: {zoes}");
}

fn prevent_on_the_school_dump(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let config = testdata("school/dupsweep.toml");
    w.run(&[
        "run",
        &config,
        "--out",
        "out",
        "--dialect",
        server.dialect(),
        "--prevent",
    ])
    .ok();
    let tables = crate::dump::load_school(&db, server);
    let ddl = w.path(&format!("out/dump.{}.prevent.sql", server.dialect()));
    assert!(!db.run_script(&ddl).status.success(), "{server:?}");
    let out = db.run_script(&w.path(&format!("out/dump.{}.sql", server.dialect())));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = db.run_script(&ddl);
    assert!(
        out.status.success(),
        "{server:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // a second enrolment of a student in the same course
    let enrol: Vec<&str> = tables[2].columns.iter().map(|(n, _)| *n).collect();
    let out = db.try_exec(&copy_row(
        server,
        "enrolments",
        &enrol,
        "99999",
        &format!("{} IS NOT NULL", q(server, "course_code")),
    ));
    assert!(
        !out.status.success(),
        "{server:?}: a duplicate enrolment got in"
    );
    // a copy of a timetable row with a NULL note: NULL counts as one value
    let tt: Vec<&str> = tables[4].columns.iter().map(|(n, _)| *n).collect();
    let list: Vec<String> = tt.iter().map(|c| q(server, c)).collect();
    let out = db.try_exec(&format!(
        "INSERT INTO {t} ({l}) SELECT {l} FROM {t} WHERE {n} IS NULL LIMIT 1;",
        t = q(server, "timetable"),
        l = list.join(", "),
        n = q(server, "note")
    ));
    assert!(!out.status.success(), "{server:?}: a NULL duplicate got in");
}

#[test]
fn prevention_ddl_on_sqlite() {
    prevent_on_students(Server::Sqlite);
    prevent_on_the_school_dump(Server::Sqlite);
}

#[test]
fn prevention_ddl_on_postgres() {
    prevent_on_students(Server::Postgres);
    prevent_on_the_school_dump(Server::Postgres);
}

#[test]
fn prevention_ddl_on_mariadb() {
    prevent_on_students(Server::Mysql);
    prevent_on_the_school_dump(Server::Mysql);
}
