//! Replays on real databases: load a dump into SQLite, PostgreSQL and MariaDB with typed
//! columns, run the generated script with the server's own client, and compare the table with
//! the cleaned file (loaded the same way). Servers that do not answer are skipped with a printed
//! reason, unless DUPSWEEP_REQUIRE_DB=1, which turns a missing server into a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use dupsweep::internals::{self as ingest, CsvOptions};
use dupsweep::progress::Silent;

use crate::util::{testdata, Workdir};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Server {
    Sqlite,
    Postgres,
    Mysql,
}

impl Server {
    /// A quoted identifier.
    pub fn quote(self, name: &str) -> String {
        match self {
            Server::Mysql => format!("`{name}`"),
            _ => format!("\"{name}\""),
        }
    }

    pub fn dialect(self) -> &'static str {
        match self {
            Server::Sqlite => "sqlite",
            Server::Postgres => "postgres",
            Server::Mysql => "mysql",
        }
    }
}

fn mysql_client() -> &'static str {
    if Command::new("mariadb").arg("--version").output().is_ok() {
        "mariadb"
    } else {
        "mysql"
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database of its own for one test, dropped at the end.
pub(crate) struct Db {
    server: Server,
    name: String,
    _dir: tempfile::TempDir,
    file: PathBuf,
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    // a client that stops at an error may close its input early: that is its answer, not ours
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

impl Db {
    /// A fresh database, or `None` (with the reason printed) when the server does not answer.
    pub fn create(server: Server) -> Option<Db> {
        let dir = tempfile::tempdir().unwrap();
        let name = format!(
            "dupsweep_t{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let file = dir.path().join("db.sqlite");
        let db = Db {
            server,
            name,
            _dir: dir,
            file,
        };
        let probe = match server {
            Server::Sqlite => Command::new("sqlite3").arg("-version").output(),
            Server::Postgres => Command::new("psql")
                .args([
                    "-X",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-d",
                    "test",
                    "-c",
                    "SELECT 1",
                ])
                .output(),
            Server::Mysql => Command::new(mysql_client())
                .args(["-h", "127.0.0.1", "-u", "root", "-e", "SELECT 1"])
                .output(),
        };
        let reason = match probe {
            Ok(o) if o.status.success() => None,
            Ok(o) => Some(String::from_utf8_lossy(&o.stderr).into_owned()),
            Err(e) => Some(format!("client not found: {e}")),
        };
        if let Some(reason) = reason {
            let msg = format!("{:?} is not available: {}", server, reason.trim());
            if std::env::var("DUPSWEEP_REQUIRE_DB").as_deref() == Ok("1") {
                panic!("{msg} (DUPSWEEP_REQUIRE_DB=1)");
            }
            eprintln!("skipping: {msg}");
            return None;
        }
        match server {
            Server::Sqlite => {}
            Server::Postgres => db.admin(&format!("CREATE DATABASE {}", db.name)),
            Server::Mysql => db.admin(&format!(
                "CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
                db.name
            )),
        }
        Some(db)
    }

    fn admin(&self, sql: &str) {
        let out = match self.server {
            Server::Sqlite => return,
            Server::Postgres => Command::new("psql")
                .args([
                    "-X",
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-d",
                    "test",
                    "-c",
                    sql,
                ])
                .output()
                .unwrap(),
            Server::Mysql => Command::new(mysql_client())
                .args(["-h", "127.0.0.1", "-u", "root", "-e", sql])
                .output()
                .unwrap(),
        };
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Which server it is on.
    pub(crate) fn server_kind(&self) -> Server {
        self.server
    }

    /// The database's name on its server.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn client(&self) -> Command {
        match self.server {
            Server::Sqlite => {
                let mut c = Command::new("sqlite3");
                c.arg(&self.file);
                c
            }
            Server::Postgres => {
                let mut c = Command::new("psql");
                c.args([
                    "-X",
                    "-q",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-d",
                    &self.name,
                ]);
                c
            }
            Server::Mysql => {
                let mut c = Command::new(mysql_client());
                c.args(["-h", "127.0.0.1", "-u", "root", &self.name]);
                c
            }
        }
    }

    /// Runs SQL that may fail; its output.
    pub fn try_exec(&self, sql: &str) -> Output {
        let mut c = self.client();
        if self.server == Server::Postgres {
            c.args(["-v", "ON_ERROR_STOP=1"]);
        }
        run_with_stdin(c, sql.as_bytes())
    }

    /// Runs SQL, which must succeed.
    pub fn exec(&self, sql: &str) -> String {
        let mut c = self.client();
        if self.server == Server::Postgres {
            c.args(["-v", "ON_ERROR_STOP=1"]);
        }
        let out = run_with_stdin(c, sql.as_bytes());
        assert!(
            out.status.success(),
            "{sql}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs a generated script exactly as its header says: `psql -f`, `mariadb DB < file`,
    /// `sqlite3 DB < file`.
    pub fn run_script(&self, path: &Path) -> Output {
        match self.server {
            Server::Postgres => {
                let mut c = self.client();
                c.arg("-f").arg(path);
                c.output().unwrap()
            }
            _ => run_with_stdin(self.client(), &std::fs::read(path).unwrap()),
        }
    }

    /// Runs a query; its rows, one per line (PostgreSQL and MariaDB: unaligned, no header).
    pub fn query(&self, sql: &str) -> Output {
        let mut c = self.client();
        match self.server {
            Server::Postgres => {
                c.args(["-v", "ON_ERROR_STOP=1", "-A", "-t", "-c", sql]);
            }
            Server::Mysql => {
                c.args(["-N", "-B", "-e", sql]);
            }
            Server::Sqlite => {
                c.arg(sql);
            }
        }
        c.output().unwrap()
    }

    /// Runs a generated script as [`Db::run_script`] does, from a client whose own character
    /// set is Latin-1 (`PGCLIENTENCODING=LATIN1`, `--default-character-set=latin1`): the
    /// script must set its own.
    pub fn run_script_latin1(&self, path: &Path) -> Output {
        match self.server {
            Server::Postgres => {
                let mut c = self.client();
                c.env("PGCLIENTENCODING", "LATIN1").arg("-f").arg(path);
                c.output().unwrap()
            }
            Server::Mysql => {
                let mut c = Command::new(mysql_client());
                c.args([
                    "--default-character-set=latin1",
                    "-h",
                    "127.0.0.1",
                    "-u",
                    "root",
                    &self.name,
                ]);
                run_with_stdin(c, &std::fs::read(path).unwrap())
            }
            Server::Sqlite => self.run_script(path),
        }
    }

    /// Creates `table` with `columns` (name, type) and loads the CSV file into it.
    pub fn load(&self, table: &str, columns: &[(&str, &str)], pk: &[&str], csv: &Path) {
        self.load_with(table, columns, pk, &[], csv)
    }

    /// Like [`Db::load`], with more table constraints (foreign keys, unique keys).
    pub fn load_with(
        &self,
        table: &str,
        columns: &[(&str, &str)],
        pk: &[&str],
        constraints: &[String],
        csv: &Path,
    ) {
        let d = self.server;
        let q = |n: &str| match d {
            Server::Mysql => format!("`{n}`"),
            _ => format!("\"{n}\""),
        };
        let mut defs: Vec<String> = columns
            .iter()
            .map(|(n, t)| format!("{} {t}", q(n)))
            .collect();
        if !pk.is_empty() {
            defs.push(format!(
                "PRIMARY KEY ({})",
                pk.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
            ));
        }
        defs.extend(constraints.iter().cloned());
        let engine = if d == Server::Mysql {
            " ENGINE=InnoDB"
        } else {
            ""
        };
        self.exec(&format!(
            "CREATE TABLE {} ({}){engine};",
            q(table),
            defs.join(", ")
        ));
        if d == Server::Postgres {
            // PostgreSQL reads the CSV itself: unquoted empty = NULL, "" = empty string.
            let t = ingest::read(csv, None, &CsvOptions::default(), &Silent).unwrap();
            let delim = match &t.source.format {
                dupsweep::internals::Format::Csv { delimiter, .. } => *delimiter as char,
                _ => ',',
            };
            let mut c = self.client();
            c.args(["-v", "ON_ERROR_STOP=1", "-c"]).arg(format!(
                "\\copy \"{table}\" FROM '{}' WITH (FORMAT csv, HEADER true, DELIMITER '{delim}')",
                csv.display()
            ));
            let out = c.output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        }
        // MariaDB and SQLite: INSERTs with hex-encoded text.
        let t = ingest::read(csv, None, &CsvOptions::default(), &Silent).unwrap();
        let cols: Vec<_> = t
            .columns
            .iter()
            .map(|c| t.df.column(c).unwrap().str().unwrap().clone())
            .collect();
        let mut sql = String::new();
        if d == Server::Mysql {
            sql.push_str("SET NAMES utf8mb4; SET SESSION sql_mode = 'STRICT_ALL_TABLES';\n");
        }
        for i in 0..t.rows() {
            let vals: Vec<String> = cols
                .iter()
                .map(|c| match c.get(i) {
                    None => "NULL".into(),
                    Some(v) => {
                        let h = ingest::hex(v.as_bytes());
                        match d {
                            Server::Mysql => format!("_utf8mb4 X'{h}'"),
                            _ => format!("CAST(X'{h}' AS TEXT)"),
                        }
                    }
                })
                .collect();
            sql.push_str(&format!(
                "INSERT INTO {} VALUES ({});\n",
                q(table),
                vals.join(", ")
            ));
        }
        self.exec(&sql);
    }

    /// The table's rows in a canonical text form, sorted, NULL distinct from empty.
    pub fn dump(&self, table: &str, columns: &[(&str, &str)]) -> String {
        let sql = match self.server {
            Server::Postgres => {
                let list: Vec<String> = columns
                    .iter()
                    .map(|(c, _)| format!("coalesce(quote_literal(\"{c}\"::text), 'NULL')"))
                    .collect();
                format!(
                    "SELECT {} AS r FROM \"{table}\" ORDER BY 1;",
                    list.join(" || '|' || ")
                )
            }
            Server::Mysql => {
                let list: Vec<String> = columns
                    .iter()
                    .map(|(c, _)| {
                        format!("IFNULL(HEX(CAST(CONVERT(`{c}` USING utf8mb4) AS BINARY)), 'NULL')")
                    })
                    .collect();
                format!(
                    "SELECT CONCAT_WS('|', {}) AS r FROM `{table}` ORDER BY 1;",
                    list.join(", ")
                )
            }
            Server::Sqlite => {
                let list: Vec<String> = columns
                    .iter()
                    .map(|(c, _)| format!("quote(\"{c}\")"))
                    .collect();
                format!(
                    "SELECT {} AS r FROM \"{table}\" ORDER BY 1;",
                    list.join(" || '|' || ")
                )
            }
        };
        let mut c = self.client();
        match self.server {
            Server::Postgres => {
                c.args(["-A", "-t", "-c", &sql]);
            }
            Server::Mysql => {
                c.args(["-N", "-B", "-e", &sql]);
            }
            Server::Sqlite => {
                c.arg(&sql);
            }
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        match self.server {
            Server::Sqlite => {}
            Server::Postgres => {
                let _ = Command::new("psql")
                    .args([
                        "-X",
                        "-q",
                        "-h",
                        "127.0.0.1",
                        "-U",
                        "postgres",
                        "-d",
                        "test",
                        "-c",
                    ])
                    .arg(format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .output();
            }
            Server::Mysql => {
                let _ = Command::new(mysql_client())
                    .args(["-h", "127.0.0.1", "-u", "root", "-e"])
                    .arg(format!("DROP DATABASE IF EXISTS {}", self.name))
                    .output();
            }
        }
    }
}

/// A fixture table: its file, typed columns per server, key and options.
struct Fixture {
    file: &'static str,
    table: &'static str,
    pk: &'static [&'static str],
    args: &'static [&'static str],
    columns: fn(Server) -> Vec<(&'static str, &'static str)>,
}

pub(crate) fn students_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    match s {
        Server::Postgres => vec![
            ("id", "integer"),
            ("first_name", "text"),
            ("last_name", "varchar(100)"),
            ("email", "text"),
            ("birth_date", "date"),
            ("grade", "smallint"),
            ("balance", "numeric(10,2)"),
            ("active", "boolean"),
            ("notes", "text"),
            ("updated_at", "timestamp"),
        ],
        // a case- and accent-insensitive collation: exact guards must not be fooled by it
        Server::Mysql => vec![
            ("id", "INT NOT NULL"),
            ("first_name", "VARCHAR(100) COLLATE utf8mb4_general_ci"),
            ("last_name", "VARCHAR(100)"),
            ("email", "VARCHAR(200)"),
            ("birth_date", "DATE"),
            ("grade", "SMALLINT"),
            ("balance", "DECIMAL(10,2)"),
            ("active", "BOOLEAN"),
            ("notes", "TEXT"),
            ("updated_at", "DATETIME"),
        ],
        Server::Sqlite => vec![
            ("id", "INTEGER"),
            ("first_name", "TEXT COLLATE NOCASE"),
            ("last_name", "TEXT"),
            ("email", "TEXT"),
            ("birth_date", "DATE"),
            ("grade", "INTEGER"),
            ("balance", "NUMERIC"),
            ("active", "BOOLEAN"),
            ("notes", "TEXT"),
            ("updated_at", "TIMESTAMP"),
        ],
    }
}

pub(crate) fn courses_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    let code = if s == Server::Mysql {
        "VARCHAR(20) NOT NULL"
    } else {
        "varchar(20)"
    };
    vec![
        ("code", code),
        ("title", "TEXT"),
        ("teacher", "TEXT"),
        ("room", "TEXT"),
    ]
}

fn marks_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    match s {
        Server::Mysql => vec![
            ("student_id", "INT NOT NULL"),
            ("exam", "VARCHAR(30) NOT NULL"),
            ("mark", "INT"),
            ("recorded_at", "DATETIME"),
        ],
        _ => vec![
            ("student_id", "integer"),
            ("exam", "varchar(30)"),
            ("mark", "integer"),
            ("recorded_at", "timestamp"),
        ],
    }
}

pub(crate) fn timetable_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    let text = if s == Server::Mysql {
        "VARCHAR(50)"
    } else {
        "text"
    };
    vec![
        ("room", text),
        ("day", text),
        ("period", "integer"),
        ("course", text),
        ("note", text),
    ]
}

fn adversarial_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    match s {
        Server::Mysql => vec![
            ("id", "BIGINT NOT NULL"),
            ("value", "MEDIUMTEXT COLLATE utf8mb4_general_ci"),
            ("kind", "VARCHAR(10)"),
        ],
        Server::Postgres => vec![("id", "bigint"), ("value", "text"), ("kind", "varchar(10)")],
        Server::Sqlite => vec![
            ("id", "INTEGER"),
            ("value", "TEXT COLLATE NOCASE"),
            ("kind", "TEXT"),
        ],
    }
}

const FIXTURES: &[Fixture] = &[
    Fixture {
        file: "school/students.csv",
        table: "students",
        pk: &["id"],
        args: &[
            "--pk",
            "id",
            "--ignore",
            "updated_at",
            "--keep",
            "max:updated_at",
        ],
        columns: students_columns,
    },
    Fixture {
        file: "school/courses.csv",
        table: "courses",
        pk: &["code"],
        args: &["--pk", "code", "--keep", "last", "--batch-size", "2"],
        columns: courses_columns,
    },
    Fixture {
        file: "school/exam_results.csv",
        table: "marks",
        pk: &["student_id", "exam"],
        args: &["--pk", "student_id,exam", "--table", "marks"],
        columns: marks_columns,
    },
    Fixture {
        file: "school/timetable.csv",
        table: "timetable",
        pk: &[],
        args: &["--batch-size", "3"],
        columns: timetable_columns,
    },
    Fixture {
        file: "adversarial.csv",
        table: "adversarial",
        pk: &["id"],
        args: &["--pk", "id", "--batch-size", "7"],
        columns: adversarial_columns,
    },
];

/// Generates the script for `f` into `w/out`; returns the script's path.
fn generate(w: &Workdir, f: &Fixture, server: Server, extra: &[&str]) -> PathBuf {
    let input = testdata(f.file);
    let mut args = vec![
        "clean",
        input.as_str(),
        "--out",
        "out",
        "--dialect",
        server.dialect(),
    ];
    args.extend_from_slice(f.args);
    args.extend_from_slice(extra);
    w.run(&args).ok();
    w.path(&format!("out/{}.{}.sql", f.table, server.dialect()))
}

fn replay_all(server: Server) {
    for f in FIXTURES {
        replay(server, f, None);
    }
}

/// Loads `f`, runs its script (with `prefix` run first in the same session, when given), and
/// compares the table with the cleaned file, twice.
fn replay(server: Server, f: &Fixture, prefix: Option<&str>) {
    replay_with(server, f, prefix, &[]);
}

fn replay_with(server: Server, f: &Fixture, prefix: Option<&str>, extra: &[&str]) {
    {
        let Some(db) = Db::create(server) else { return };
        let w = Workdir::new();
        let mut script = generate(&w, f, server, extra);
        if let Some(prefix) = prefix {
            let mut text = prefix.as_bytes().to_vec();
            text.extend(std::fs::read(&script).unwrap());
            script = w.write("hostile.sql", &text);
        }
        let cols = (f.columns)(server);
        db.load(f.table, &cols, f.pk, Path::new(&testdata(f.file)));
        db.load(
            "expected",
            &cols,
            f.pk,
            &w.path(&format!("out/{}.cleaned.csv", f.table)),
        );
        let before = db.dump(f.table, &cols);
        let expected = db.dump("expected", &cols);
        assert_ne!(before, expected, "{}: the fixture has duplicates", f.table);

        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "{} on {server:?}: {}\n{}",
            f.table,
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            db.dump(f.table, &cols),
            expected,
            "{} on {server:?}",
            f.table
        );

        // a second replay deletes nothing more and ends without error
        let out = db.run_script(&script);
        assert!(
            out.status.success(),
            "second replay of {}: {}",
            f.table,
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            db.dump(f.table, &cols),
            expected,
            "{} after the second replay",
            f.table
        );

        // the undo script puts the table back as it was, and a second undo adds nothing
        let undo = w.path(&format!("out/{}.{}.undo.sql", f.table, server.dialect()));
        for round in ["first", "second"] {
            let out = db.run_script(&undo);
            assert!(
                out.status.success(),
                "{round} undo of {} on {server:?}: {}",
                f.table,
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(
                db.dump(f.table, &cols),
                before,
                "{} on {server:?} after the {round} undo",
                f.table
            );
        }
    }
}

/// Changes the live table after the dump, then runs the script: it must fail and leave the
/// table exactly as it was.
fn drift_fails_and_changes_nothing(server: Server, f: &Fixture, change: &str) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let script = generate(&w, f, server, &[]);
    let cols = (f.columns)(server);
    db.load(f.table, &cols, f.pk, Path::new(&testdata(f.file)));
    db.exec(change);
    let before = db.dump(f.table, &cols);
    let out = db.run_script(&script);
    assert!(
        !out.status.success(),
        "{server:?}: the script ran on a drifted table ({change})"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("changed since the dump"),
        "{server:?}: the error is the guard's: {err}"
    );
    assert_eq!(
        db.dump(f.table, &cols),
        before,
        "{server:?}: a failed script changed the table"
    );
}

fn drift_cases(server: Server) {
    let q = |n: &str| {
        if server == Server::Mysql {
            format!("`{n}`")
        } else {
            format!("\"{n}\"")
        }
    };
    let students = &FIXTURES[0];
    // a row to delete changed case only: case-insensitive collations must not hide it
    drift_fails_and_changes_nothing(
        server,
        students,
        &format!(
            "UPDATE {} SET {} = 'ELIF' WHERE {} = 10;",
            q("students"),
            q("first_name"),
            q("id")
        ),
    );
    // a row to delete changed in a column outside the key
    drift_fails_and_changes_nothing(
        server,
        students,
        &format!(
            "UPDATE {} SET {} = '2026-11-01 00:00:00' WHERE {} = 10;",
            q("students"),
            q("updated_at"),
            q("id")
        ),
    );
    // a survivor was deleted since the dump: deleting its copies would lose the student
    drift_fails_and_changes_nothing(
        server,
        students,
        &format!("DELETE FROM {} WHERE {} = 2;", q("students"), q("id")),
    );
    // a table without key got one more copy since the dump
    drift_fails_and_changes_nothing(
        server,
        &FIXTURES[3],
        &format!(
            "INSERT INTO {} VALUES ('A1', 'mon', 1, (SELECT c FROM (SELECT {} AS c FROM {} WHERE {} = 'A1' AND {} = 'mon' AND {} = 1) x LIMIT 1), NULL);",
            q("timetable"), q("course"), q("timetable"), q("room"), q("day"), q("period")
        ),
    );
}

/// Server settings that change how literals are read must not change what the script means.
#[test]
fn replay_under_hostile_server_settings() {
    let adversarial = &FIXTURES[4];
    replay(
        Server::Mysql,
        adversarial,
        Some("SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT,IGNORE_SPACE';\n"),
    );
    replay(
        Server::Postgres,
        adversarial,
        Some("SET standard_conforming_strings = off;\nSET client_encoding = 'LATIN1';\nSET DateStyle = 'SQL, DMY';\n"),
    );
}

/// `--guard key` compares only the key and primary-key columns before deleting.
#[test]
fn guard_key_replays_on_every_server() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        replay_with(server, &FIXTURES[0], None, &["--guard", "key"]);
        replay_with(server, &FIXTURES[3], None, &["--guard", "key"]);
    }
}

#[test]
fn sqlite_replay_matches_the_cleaned_files() {
    replay_all(Server::Sqlite);
}

#[test]
fn postgres_replay_matches_the_cleaned_files() {
    replay_all(Server::Postgres);
}

#[test]
fn mariadb_replay_matches_the_cleaned_files() {
    replay_all(Server::Mysql);
}

#[test]
fn sqlite_drifted_table_fails_untouched() {
    drift_cases(Server::Sqlite);
}

#[test]
fn postgres_drifted_table_fails_untouched() {
    drift_cases(Server::Postgres);
}

#[test]
fn mariadb_drifted_table_fails_untouched() {
    drift_cases(Server::Mysql);
}

fn people_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    let text = match s {
        Server::Mysql => "VARCHAR(200) COLLATE utf8mb4_general_ci",
        _ => "text",
    };
    let id = match s {
        Server::Mysql => "INT NOT NULL",
        _ => "integer",
    };
    vec![
        ("id", id),
        ("entity_id", "integer"),
        ("first_name", text),
        ("last_name", text),
        ("birth_date", text),
        ("email", text),
        ("phone", text),
        ("street", text),
        ("city", text),
        ("postcode", text),
    ]
}

fn contacts_columns(s: Server) -> Vec<(&'static str, &'static str)> {
    people_columns(s).into_iter().skip(2).collect()
}

const FUZZY_FIXTURES: &[Fixture] = &[
    Fixture {
        file: "people/people.csv",
        table: "people",
        pk: &["id"],
        args: &[
            "--pk",
            "id",
            "--ignore",
            "entity_id",
            "--fuzzy",
            "--batch-size",
            "100",
        ],
        columns: people_columns,
    },
    Fixture {
        file: "people/contacts.csv",
        table: "contacts",
        pk: &[],
        args: &["--fuzzy", "--batch-size", "10"],
        columns: contacts_columns,
    },
];

/// Fuzzy groups (records that differ) replay like exact ones, with and without a primary key.
#[test]
fn fuzzy_replays_on_every_server() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        for f in FUZZY_FIXTURES {
            replay(server, f, None);
        }
    }
}

/// A fuzzy duplicate edited since the dump stops the script, which changes nothing.
#[test]
fn fuzzy_drift_fails_and_changes_nothing() {
    for server in [Server::Sqlite, Server::Postgres, Server::Mysql] {
        let Some(db) = Db::create(server) else {
            continue;
        };
        let f = &FUZZY_FIXTURES[0];
        let w = Workdir::new();
        let script = generate(&w, f, server, &[]);
        let cols = (f.columns)(server);
        db.load(f.table, &cols, f.pk, Path::new(&testdata(f.file)));
        // the first removed record gets a new e-mail address in the live table
        let removed = std::fs::read_to_string(w.path("out/people.removed.csv")).unwrap();
        let id: String = removed
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .next()
            .unwrap()
            .into();
        let q = |n: &str| match server {
            Server::Mysql => format!("`{n}`"),
            _ => format!("\"{n}\""),
        };
        db.exec(&format!(
            "UPDATE {} SET {} = 'changed@example.com' WHERE {} = {id};",
            q("people"),
            q("email"),
            q("id")
        ));
        let before = db.dump(f.table, &cols);
        let out = db.run_script(&script);
        assert!(!out.status.success(), "{server:?}: the script must fail");
        assert_eq!(
            db.dump(f.table, &cols),
            before,
            "{server:?}: nothing may change"
        );
    }
}

/// `--table SCHEMA.NAME`: the scripts change the table of that schema (PostgreSQL) or database
/// (MariaDB), never a table of the same name where the client connected, which is loaded
/// with the same rows as a decoy; the undo and prevention scripts too.
fn schema_qualified_replays(server: Server) {
    let Some(db) = Db::create(server) else { return };
    let w = Workdir::new();
    let schema = match server {
        Server::Postgres => "sales".to_owned(),
        _ => format!("{}_sales", db.name()),
    };
    let q = |t: &str| match server {
        Server::Mysql => format!("{schema}`.`{t}"),
        _ => format!("{schema}\".\"{t}"),
    };
    /// Drops the MariaDB database standing for the schema, however the test ends.
    struct DropDb<'d>(&'d Db, String);
    impl Drop for DropDb<'_> {
        fn drop(&mut self) {
            if self.0.server_kind() == Server::Mysql {
                let _ = self
                    .0
                    .try_exec(&format!("DROP DATABASE IF EXISTS `{}`", self.1));
            }
        }
    }
    let _guard = DropDb(&db, schema.clone());
    let cols = students_columns(server);
    let input = Path::new(&testdata("school/students.csv")).to_path_buf();
    db.load("students", &cols, &["id"], &input);
    match server {
        Server::Postgres => {
            db.exec("CREATE SCHEMA sales; ALTER TABLE students SET SCHEMA sales;");
        }
        _ => {
            db.exec(&format!(
                "CREATE DATABASE `{schema}` CHARACTER SET utf8mb4; RENAME TABLE students TO `{schema}`.students;"
            ));
        }
    }
    // the decoy, where the client connects
    db.load("students", &cols, &["id"], &input);
    let table = format!("{schema}.students");
    w.run(&[
        "clean",
        input.to_str().unwrap(),
        "--table",
        &table,
        "--pk",
        "id",
        "--ignore",
        "updated_at",
        "--keep",
        "max:updated_at",
        "--prevent",
        "--dialect",
        server.dialect(),
        "--out",
        "out",
    ])
    .ok();
    db.load(
        "expected",
        &cols,
        &["id"],
        &w.path("out/students.cleaned.csv"),
    );
    let expected = db.dump("expected", &cols);
    let before = db.dump("students", &cols);
    assert_eq!(db.dump(&q("students"), &cols), before);
    let d = server.dialect();
    for (round, script) in [
        ("change", format!("out/students.{d}.sql")),
        ("second change", format!("out/students.{d}.sql")),
    ] {
        let out = db.run_script(&w.path(&script));
        assert!(
            out.status.success(),
            "{round} on {server:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(db.dump(&q("students"), &cols), expected, "{round}");
        assert_eq!(db.dump("students", &cols), before, "{round}: the decoy");
    }
    let out = db.run_script(&w.path(&format!("out/students.{d}.undo.sql")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.dump(&q("students"), &cols), before, "undo");
    // prevention: on the cleaned table it succeeds; the decoy keeps its duplicates
    db.run_script(&w.path(&format!("out/students.{d}.sql")));
    let out = db.run_script(&w.path(&format!("out/students.{d}.prevent.sql")));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(db.dump("students", &cols), before, "prevent: the decoy");
    // the schema's table gone: the scripts stop, never falling through to the decoy
    match server {
        Server::Postgres => db.exec("DROP TABLE sales.students;"),
        _ => db.exec(&format!("DROP TABLE `{schema}`.students;")),
    };
    for script in [
        format!("out/students.{d}.sql"),
        format!("out/students.{d}.undo.sql"),
    ] {
        let out = db.run_script(&w.path(&script));
        assert!(!out.status.success(), "{script} ran without its table");
        assert_eq!(db.dump("students", &cols), before, "{script}: the decoy");
    }
}

#[test]
fn schema_qualified_tables_replay_in_their_schema() {
    schema_qualified_replays(Server::Postgres);
    schema_qualified_replays(Server::Mysql);
    // SQLite: the main database only
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    w.run(&[
        "clean",
        &input,
        "--pk",
        "id",
        "--table",
        "main.students",
        "--dialect",
        "sqlite",
    ])
    .ok();
    let r = w.run(&[
        "clean",
        &input,
        "--pk",
        "id",
        "--table",
        "aux.students",
        "--dialect",
        "sqlite",
        "--out",
        "bad",
    ]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(r.stderr().contains("attached database"), "{}", r.stderr());
    assert!(!w.path("bad").exists());
    // a name that cannot be read
    let r = w.run(&["scan", &input, "--table", "a.b.c"]);
    assert_eq!(r.code(), 2, "{}", r.stderr());
    assert!(r.stderr().contains("SCHEMA.NAME"), "{}", r.stderr());
}
