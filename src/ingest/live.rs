//! Live tables: `postgres://user@host:port/database` with `--table`. The table is read the way
//! `pg_dump` reads it: inside one read-only `REPEATABLE READ` transaction (one snapshot), with
//! `COPY … TO STDOUT` (the server's streaming export, in its text format), into a temporary
//! file that the run then reads as a `COPY` file with a header line (`--format pg-copy`). The
//! scripts are guarded as for any dump: rows that change after the snapshot stop them.
//!
//! The client is the `postgres` crate (rust-postgres), without TLS for now: a server that
//! requires it refuses the connection, and the error says so.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// True when `input` names a live table's server rather than a file.
pub fn is_url(input: &Path) -> bool {
    input
        .to_str()
        .is_some_and(|s| s.starts_with("postgres://") || s.starts_with("postgresql://"))
}

/// The URL without its password, as messages, reports and scripts show it.
pub fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.split_once('@') {
        Some(p) => p,
        None => return url.to_owned(),
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
    let Some(table) = table else {
        return Err(Error::usage(format!(
            "{}: --table names the table to read from the server",
            shown.display()
        ))
        .with_hint("--table students, or --table sales.students"));
    };
    let (name, schema) = super::table_ident(Path::new(""), Some(table))?;
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
    let order: Vec<String> = pk
        .iter()
        .flat_map(|p| p.split(','))
        .map(str::trim)
        .filter(|p| columns.iter().any(|c| c == p))
        .map(quote)
        .collect();
    let order = if order.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {}", order.join(", "))
    };
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
        assert!(is_url(Path::new("postgresql://x/y")));
        assert!(!is_url(Path::new("postgres.csv")));
    }
}
