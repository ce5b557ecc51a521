//! mysqldump files as inputs: a database is dumped with the machine's own `mariadb-dump` (in
//! its layouts: a row a line, one statement a row, a column list), cleaned by dupsweep, and the
//! script replayed with `mariadb` on the dump loaded into a fresh database; the table must then
//! equal the cleaned dump loaded the same way.

use std::path::Path;
use std::process::Command;

use crate::replay::{Db, Server};
use crate::util::Workdir;

/// A school database with the values MySQL's escapes must carry (quotes, backslashes, line
/// breaks, tabs, `\%`), NULL beside the empty string, non-ASCII text and typed columns; a
/// second table whose foreign key points at duplicates.
const SCHOOL: &str = r#"
SET SESSION max_recursive_iterations = 100000;
CREATE TABLE students (
    id INT NOT NULL PRIMARY KEY, name VARCHAR(60), note TEXT, born DATE, balance DECIMAL(10,2),
    seen DATETIME, score DOUBLE, active BOOLEAN
) ENGINE=InnoDB;
INSERT INTO students
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 1500)
SELECT n, CONCAT('name ', n % 400),
       CASE (n % 400) % 6 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN CONCAT('it''s a \\ back', CHAR(10), 'slash\t50\\% done')
            WHEN 3 THEN 'Zoë ü 日本' WHEN 4 THEN '\\N' ELSE CONCAT('x', n % 400) END,
       DATE_ADD('2000-01-01', INTERVAL n % 400 DAY), (n % 400) * 1.25,
       DATE_ADD('2020-01-01 00:00:00', INTERVAL n % 400 HOUR), (n % 400) / 8, (n % 400) % 2
FROM g;
CREATE TABLE enrolments (
    id INT NOT NULL PRIMARY KEY, student_id INT, course VARCHAR(20),
    CONSTRAINT fk_student FOREIGN KEY (student_id) REFERENCES students (id)
) ENGINE=InnoDB;
INSERT INTO enrolments
WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 3000)
SELECT n, 1 + n % 1500, CONCAT('course ', n % 3) FROM g;
"#;

fn dump(db: &Db, extra: &[&str], out: &Path) {
    let o = Command::new("mariadb-dump")
        .args(["-h", "127.0.0.1", "-u", "root"])
        .args(extra)
        .arg(db.name())
        .output()
        .expect("mariadb-dump runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::write(out, o.stdout).unwrap();
}

/// A table's rows, by primary key, as the client prints them.
fn rows(db: &Db, table: &str) -> String {
    let o = db.query(&format!("SELECT * FROM `{table}` ORDER BY id"));
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

/// One layout of the dump (`extra`: mariadb-dump's options), cleaned and replayed.
fn replays(extra: &[&str]) {
    let Some(source) = Db::create(Server::Mysql) else {
        return;
    };
    source.exec(SCHOOL);
    let w = Workdir::new();
    let file = w.path("school.sql");
    dump(&source, extra, &file);
    let before = std::fs::read(&file).unwrap();
    w.run(&["clean", "school.sql", "--table", "students", "--pk", "id"])
        .ok();
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the input is untouched"
    );
    let out = w.path("dupsweep-out");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["input"]["format"], "mysqldump");
    assert_eq!(report["options"]["dialects"], serde_json::json!(["mysql"]));
    assert_eq!(report["rows_removed"], 1100, "{extra:?}");
    // the cleaned dump loads as the original did, foreign keys included
    let expected = Db::create(Server::Mysql).unwrap();
    runs(&expected, &out.join("students.cleaned.sql"));
    assert_eq!(rows(&expected, "enrolments"), rows(&source, "enrolments"));
    assert_eq!(rows(&expected, "students").lines().count(), 400);
    let live = Db::create(Server::Mysql).unwrap();
    runs(&live, &file);
    let original = rows(&live, "students");
    assert_eq!(
        original,
        rows(&source, "students"),
        "{extra:?}: the dump loads whole"
    );
    // the enrolments of removed students would be orphans: the script must refuse
    let o = live.run_script(&out.join("students.mysql.sql"));
    assert!(
        !o.status.success(),
        "{extra:?}: children reference rows to delete"
    );
    assert_eq!(rows(&live, "students"), original);
    live.exec("DELETE FROM enrolments");
    runs(&live, &out.join("students.mysql.sql"));
    assert_eq!(
        rows(&live, "students"),
        rows(&expected, "students"),
        "{extra:?}"
    );
    runs(&live, &out.join("students.mysql.sql"));
    assert_eq!(rows(&live, "students"), rows(&expected, "students"));
    runs(&live, &out.join("students.mysql.undo.sql"));
    assert_eq!(rows(&live, "students"), original);
}

#[test]
fn a_mariadb_dump_is_cleaned_and_its_script_replays() {
    replays(&[]);
}

#[test]
fn a_dump_of_one_row_per_statement_with_column_lists_replays() {
    replays(&["--skip-extended-insert", "--complete-insert"]);
}

/// The whole school as one run: students deduplicated, their enrolments re-pointed, one
/// cleaned dump that loads with its foreign key, and the dump script replayed.
#[test]
fn a_whole_mariadb_dump_runs_as_one() {
    let Some(source) = Db::create(Server::Mysql) else {
        return;
    };
    source.exec(SCHOOL);
    let w = Workdir::new();
    dump(&source, &[], &w.path("school.sql"));
    // init reads the keys the dump's CREATE TABLEs declare
    w.run(&["init", "school.sql"]).ok();
    let guessed = w.read_str("dupsweep.toml");
    for want in [
        "dialect = [\"mysql\"]",
        "# school.sql, table enrolments: 3000 rows",
        "# primary key: declared in the dump (id)",
        "# student_id (declared in the dump): 100.0% of its values are in students.id",
    ] {
        assert!(guessed.contains(want), "{want}\n{guessed}");
    }
    w.write(
        "dupsweep.toml",
        br#"[defaults]
dialect = ["mysql"]

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
            .contains("wrote dupsweep-out/school.cleaned.sql"),
        "{}",
        run.stdout()
    );
    let out = w.path("dupsweep-out");
    let expected = Db::create(Server::Mysql).unwrap();
    runs(&expected, &out.join("school.cleaned.sql"));
    let live = Db::create(Server::Mysql).unwrap();
    runs(&live, &w.path("school.sql"));
    let before = (rows(&live, "students"), rows(&live, "enrolments"));
    runs(&live, &out.join("dump.mysql.sql"));
    for t in ["students", "enrolments"] {
        assert_eq!(rows(&live, t), rows(&expected, t), "{t}");
    }
    assert!(rows(&live, "enrolments").lines().count() < 3000);
    runs(&live, &out.join("dump.mysql.sql"));
    runs(&live, &out.join("dump.mysql.undo.sql"));
    assert_eq!((rows(&live, "students"), rows(&live, "enrolments")), before);
    // both tables come from one reading of the dump
    let log = w
        .run(&[
            "--log-format",
            "json",
            "run",
            "dupsweep.toml",
            "--out",
            "again",
        ])
        .ok()
        .stderr();
    let readings = log
        .lines()
        .filter(|l| l.contains("\"phase_started\"") && l.contains("\"phase\":\"reading\""))
        .count();
    assert_eq!(readings, 1, "{log}");
}

#[test]
fn errors_in_a_mysqldump_name_its_line_and_column() {
    let w = Workdir::new();
    let head = "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `t` (\n  `id` int NOT NULL,\n  `name` text\n);\n";
    w.write(
        "extra.sql",
        format!("{head}INSERT INTO `t` VALUES (1,'a'),(2,'b',3);\n").as_bytes(),
    );
    let r = w.run(&["scan", "extra.sql", "--pk", "id"]);
    assert!(
        r.stderr().contains("extra.sql:7 (record 2)") && r.stderr().contains("3 values"),
        "{}",
        r.stderr()
    );
    w.write(
        "open.sql",
        format!("{head}INSERT INTO `t` VALUES (1,'a);\n").as_bytes(),
    );
    let r = w.run(&["scan", "open.sql", "--pk", "id"]);
    assert!(
        r.stderr().contains("open.sql:7") && r.stderr().contains("never closed"),
        "{}",
        r.stderr()
    );
    w.write(
        "latin.sql",
        format!(
            "{}INSERT INTO `t` VALUES (1,'a');\n",
            head.replace("utf8mb4", "latin1")
        )
        .as_bytes(),
    );
    let r = w.run(&["scan", "latin.sql", "--pk", "id"]);
    assert!(
        r.stderr().contains("latin1 character set"),
        "{}",
        r.stderr()
    );
    let two = format!("{head}INSERT INTO `t` VALUES (1,'a');\nINSERT INTO `u` (`k`) VALUES (1);\n");
    w.write("two.sql", two.as_bytes());
    let r = w.run(&["scan", "two.sql"]);
    assert_eq!(r.code(), 2);
    assert!(r.stderr().contains("2 tables (t, u)"), "{}", r.stderr());
    let r = w.run(&["scan", "two.sql", "--table", "tt"]);
    assert!(r.stderr().contains("did you mean \"t\""), "{}", r.stderr());
}

/// A mysqldump is read a statement at a time: a small table of a large dump is cleaned under
/// a memory limit far below the dump's size.
#[test]
fn a_small_table_of_a_large_mysqldump_fits_a_small_memory_limit() {
    let w = Workdir::new();
    let mut dump = String::from(
        "-- MySQL dump 10.13\n/*!40101 SET NAMES utf8mb4 */;\nCREATE TABLE `logs` (\n  `id` int NOT NULL,\n  `msg` text\n);\n",
    );
    for chunk in 0..300 {
        dump.push_str("INSERT INTO `logs` VALUES ");
        let rows: Vec<String> = (0..1000)
            .map(|i| {
                format!(
                    "({},'message number {i}, padded to take some room')",
                    chunk * 1000 + i
                )
            })
            .collect();
        dump.push_str(&rows.join(","));
        dump.push_str(";\n");
    }
    dump.push_str("CREATE TABLE `students` (\n  `id` int NOT NULL,\n  `name` text\n);\nINSERT INTO `students` VALUES (1,'Ann'),(2,'Ann'),(3,'Bob');\n");
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
    assert_eq!(cleaned, dump.replace("(1,'Ann'),(2,'Ann'),", "(1,'Ann'),"));
}
