//! Live tables: `postgres://user@host:port/database` with `--table`. The table is read the way
//! `pg_dump` reads it: inside one read-only `REPEATABLE READ` transaction (one snapshot), with
//! `COPY … TO STDOUT` (the server's streaming export, in its text format), into a temporary
//! file that the run then reads as a `COPY` file with a header line (`--format pg-copy`). The
//! scripts are guarded as for any dump: rows that change after the snapshot stop them.
//!
//! `mysql://user@host:port/database` likewise: `START TRANSACTION WITH CONSISTENT SNAPSHOT,
//! READ ONLY` (as `mysqldump --single-transaction`), then an unbuffered `SELECT` whose rows
//! (the server's text for every value) are written in the `--tab` format and read as such.
//!
//! The clients are the `postgres` crate (rust-postgres) and the `mysql` crate, without TLS for
//! now: a server that requires it refuses the connection, and the error says so.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// True when `input` names a live table's server rather than a file.
pub fn is_url(input: &Path) -> bool {
    input.to_str().is_some_and(|s| {
        s.starts_with("postgres://") || s.starts_with("postgresql://") || s.starts_with("mysql://")
    })
}

/// A live table's copy and how to read it: its format (`pg-copy`: a header line; `mysql-tab`:
/// no header) and, for the latter, its columns.
pub struct Snapshot {
    pub copy: super::spool::Spooled,
    pub format: &'static str,
    pub columns: Option<Vec<String>>,
}

/// Reads `table` from the server at `url` (PostgreSQL or MySQL) into a temporary file.
pub fn read(url: &str, table: Option<&str>, pk: &[String]) -> Result<Snapshot> {
    if url.starts_with("mysql://") {
        let (copy, columns) = mysql_snapshot(url, table, pk)?;
        return Ok(Snapshot {
            copy,
            format: "mysql-tab",
            columns: Some(columns),
        });
    }
    Ok(Snapshot {
        copy: snapshot(url, table, pk)?,
        format: "pg-copy",
        columns: None,
    })
}

/// A backquoted MySQL identifier.
fn backquote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The table to read (`--table`, required) as (name, schema), or the error that says so.
fn wanted(shown: &Path, table: Option<&str>) -> Result<(String, Option<String>)> {
    let Some(table) = table else {
        return Err(Error::usage(format!(
            "{}: --table names the table to read from the server",
            shown.display()
        ))
        .with_hint("--table students, or --table sales.students"));
    };
    super::table_ident(Path::new(""), Some(table))
}

/// The columns of `pk` (comma-separated names allowed) that `columns` holds, quoted by `q`,
/// as an `ORDER BY` clause (empty without them).
fn order_by(pk: &[String], columns: &[String], q: impl Fn(&str) -> String) -> String {
    let order: Vec<String> = pk
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::trim)
        .filter(|p| columns.iter().any(|c| c == p))
        .map(q)
        .collect();
    if order.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", order.join(", "))
    }
}

/// A MySQL/MariaDB table in one consistent snapshot, written in the `--tab` format.
fn mysql_snapshot(
    url: &str,
    table: Option<&str>,
    pk: &[String],
) -> Result<(super::spool::Spooled, Vec<String>)> {
    use mysql::prelude::Queryable;
    let shown = PathBuf::from(redacted(url));
    let (name, schema) = wanted(&shown, table)?;
    let qualified = match &schema {
        Some(s) => format!("{}.{}", backquote(s), backquote(&name)),
        None => backquote(&name),
    };
    let server = |what: &'static str, e: mysql::Error| match &e {
        mysql::Error::MySqlError(m) => Error::data(
            crate::error::Location::file(&shown),
            format!("{what}: {}", m.message),
        )
        .with_hint("check the database, the user and that the table exists"),
        _ => Error::io(&shown, what, std::io::Error::other(e.to_string())),
    };
    let opts = mysql::Opts::from_url(url).map_err(|e| {
        Error::usage(format!("{}: {e}", shown.display()))
            .with_hint("mysql://USER:PASSWORD@HOST:PORT/DATABASE")
    })?;
    let mut conn = mysql::Conn::new(opts).map_err(|e| server("cannot connect to the server", e))?;
    for stmt in [
        "SET NAMES utf8mb4",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
    ] {
        conn.query_drop(stmt)
            .map_err(|e| server("cannot start a consistent snapshot", e))?;
    }
    let columns: Vec<String> = conn
        .query_iter(format!("SELECT * FROM {qualified} LIMIT 0"))
        .map_err(|e| server("cannot read the table", e))?
        .columns()
        .as_ref()
        .iter()
        .map(|c| c.name_str().into_owned())
        .collect();
    let order = order_by(pk, &columns, backquote);
    let tmp = tempfile::Builder::new()
        .prefix("dupsweep-live-")
        .tempfile()
        .map_err(|e| Error::io(&std::env::temp_dir(), "cannot create a temporary file", e))?;
    let (file, path) = tmp.into_parts();
    let mut file = std::io::BufWriter::new(file);
    {
        let rows = conn
            .query_iter(format!("SELECT * FROM {qualified}{order}"))
            .map_err(|e| server("cannot read the table", e))?;
        for row in rows {
            let row = row.map_err(|e| server("the server's rows stopped coming", e))?;
            let mut values = Vec::with_capacity(row.len());
            for (i, column) in columns.iter().enumerate().take(row.len()) {
                values.push(match row.as_ref(i) {
                    Some(mysql::Value::NULL) | None => None,
                    Some(mysql::Value::Bytes(b)) => {
                        match std::str::from_utf8(b) {
                            Ok(s) => Some(s.to_owned()),
                            // a binary value is never turned into other text (two would then
                            // compare equal): refused, as the file readers refuse it
                            Err(_) => return Err(Error::data(
                                crate::error::Location::file(&shown).column(i, Some(column)),
                                "a value of this column is not valid UTF-8 (a binary column)",
                            )
                            .with_hint(
                                "export the table with mysqldump --hex-blob and clean that file",
                            )),
                        }
                    }
                    Some(other) => Some(other.as_sql(true).trim_matches('\'').to_owned()),
                });
            }
            let line = super::textrows::encode_mysql_tab(values.into_iter());
            file.write_all(line.as_bytes())
                .map_err(|e| Error::io(&path, "cannot write the table's copy", e))?;
        }
    }
    file.flush()
        .map_err(|e| Error::io(&path, "cannot write the table's copy", e))?;
    drop(file);
    conn.query_drop("COMMIT")
        .map_err(|e| server("cannot end the snapshot", e))?;
    crate::error::show_as(&path, &shown);
    Ok((super::spool::Spooled::of(path), columns))
}

/// The URL without its password, as messages, reports and scripts show it.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    // the query may carry a password (`?password=…`): it is never shown
    let rest = rest.split('?').next().unwrap_or(rest);
    // the last @ ends the user part (a password may hold an unencoded @)
    let (auth, host) = match rest.rsplit_once('@') {
        Some(p) => p,
        None => return format!("{scheme}://{rest}"),
    };
    let user = auth.split(':').next().unwrap_or("");
    format!("{scheme}://{user}@{host}")
}

/// A double-quoted PostgreSQL identifier.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Reads `table` (`NAME` or `SCHEMA.NAME`) from the server at `url` into a temporary file in
/// COPY's text format with a header line; rows ordered by `pk` when it is given, else as the
/// server stores them.
pub fn snapshot(url: &str, table: Option<&str>, pk: &[String]) -> Result<super::spool::Spooled> {
    let shown = PathBuf::from(redacted(url));
    let (name, schema) = wanted(&shown, table)?;
    let qualified = match &schema {
        Some(s) => format!("{}.{}", quote(s), quote(&name)),
        None => quote(&name),
    };
    // what the server said (a missing database or table, a refused login: exit 2, with a
    // hint), or why it could not be reached (exit 3)
    let server = |what: &'static str, e: postgres::Error| match e.as_db_error() {
        Some(db) => Error::data(
            crate::error::Location::file(&shown),
            format!("{what}: {}", db.message()),
        )
        .with_hint("check the database, the user and that the table exists"),
        None => {
            let mut why = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                why.push_str(": ");
                why.push_str(&s.to_string());
                source = s.source();
            }
            if why.contains("TLS") || why.contains("SSL") {
                why.push_str(" (dupsweep connects without TLS for now)");
            }
            Error::io(&shown, what, std::io::Error::other(why))
        }
    };
    let mut client = postgres::Client::connect(url, postgres::NoTls)
        .map_err(|e| server("cannot connect to the server", e))?;
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()
        .map_err(|e| server("cannot start a read-only transaction", e))?;
    let columns: Vec<String> = tx
        .prepare(&format!("SELECT * FROM {qualified} LIMIT 0"))
        .map_err(|e| server("cannot read the table", e))?
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let order = order_by(pk, &columns, quote);
    let tmp = tempfile::Builder::new()
        .prefix("dupsweep-live-")
        .tempfile()
        .map_err(|e| Error::io(&std::env::temp_dir(), "cannot create a temporary file", e))?;
    let (mut file, path) = tmp.into_parts();
    let werr = |e| Error::io(&path, "cannot write the table's copy", e);
    file.write_all(super::pgdump::encode_line(columns.iter().map(Some)).as_bytes())
        .map_err(werr)?;
    {
        let mut rows = tx
            .copy_out(&format!(
                "COPY (SELECT * FROM {qualified}{order}) TO STDOUT"
            ))
            .map_err(|e| server("cannot read the table", e))?;
        std::io::copy(&mut rows, &mut file)
            .map_err(|e| Error::io(&shown, "the server's rows stopped coming", e))?;
    }
    file.flush().map_err(werr)?;
    drop(file);
    tx.commit()
        .map_err(|e| server("cannot end the read-only transaction", e))?;
    crate::error::show_as(&path, &shown);
    Ok(super::spool::Spooled::of(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        assert_eq!(
            redacted("postgres://app:s3cret@db.example:5432/school"),
            "postgres://app@db.example:5432/school"
        );
        assert_eq!(redacted("postgres://db/school"), "postgres://db/school");
        assert_eq!(
            redacted("postgres://u:p@ss@db/school"),
            "postgres://u@db/school"
        );
        assert_eq!(
            redacted("mysql://u@db:3306/school?password=x&ssl-mode=off"),
            "mysql://u@db:3306/school"
        );
        assert!(is_url(Path::new("postgresql://x/y")));
        assert!(!is_url(Path::new("postgres.csv")));
    }
}
