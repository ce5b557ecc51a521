//! Prevention DDL (`--prevent`): unique indexes that enforce each table's duplicate key from
//! now on, so the duplicates a cleanup removed cannot come back. Each dialect decides how (see
//! [`super::Dialect::unique_key`]); the file says in comments how NULL, letter case and long
//! values are treated. It fails on a table that still holds duplicates.

use super::Dialect;
use crate::error::{Error, Result};
use crate::model::Table;

/// A table and its duplicate key.
pub struct Keyed<'a> {
    pub table: &'a Table,
    pub key: &'a [String],
    /// True when fuzzy matching found the groups: only exact copies on the key are prevented.
    pub fuzzy: bool,
    /// Per key column: whether a value is over 512 bytes, when known beforehand (the streaming
    /// engine's table holds only the grouped records); else worked out from the table.
    pub long: Option<&'a [bool]>,
}

/// The index's name: `dupsweep_<table>_<hash>_key`, at most 54 bytes (MySQL adds `_hash` for
/// its column); the hash of the whole table name keeps two tables' indexes apart even when
/// their names differ only after the cut or in characters replaced by `_`.
fn index_name(table: &str) -> String {
    use sha2::Digest;
    let mut name = String::from("dupsweep_");
    for c in table.chars() {
        if name.len() + c.len_utf8() > 40 {
            break;
        }
        name.push(if c.is_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        });
    }
    name.push('_');
    name.push_str(&crate::ingest::hex(
        &sha2::Sha256::digest(table.as_bytes())[..4],
    ));
    name.push_str("_key");
    name
}

/// The DDL for `tables`, with a header saying what it does in this dialect.
pub fn script(d: &dyn Dialect, tables: &[Keyed<'_>], what: &str) -> Result<String> {
    let quote = |n: &str| {
        d.ident(n).map_err(|e| {
            Error::usage(format!(
                "cannot write the name \"{n}\" in {} SQL: {e}",
                d.name().name()
            ))
        })
    };
    let mut out = String::new();
    let mut lines = vec![
        format!(
            "dupsweep {}: unique indexes that keep duplicates out of {what} from now on",
            env!("CARGO_PKG_VERSION")
        ),
        "Run it after the cleanup script: it fails while a table still holds duplicates.".into(),
    ];
    lines.extend(d.prevent_notes().iter().map(|s| s.to_string()));
    for l in lines {
        out.push_str("-- ");
        out.push_str(&super::comment_safe(&l));
        out.push('\n');
    }
    let quoted: Vec<String> = tables
        .iter()
        .map(|k| quote(&k.table.name))
        .collect::<Result<_>>()?;
    let mut body = String::new();
    for (k, t) in tables.iter().zip(&quoted) {
        let texts = match k.long {
            Some(_) => Vec::new(),
            None => crate::detect::text_columns(k.table, k.key)?,
        };
        let mut cols = Vec::new();
        for (i, name) in k.key.iter().enumerate() {
            let long = match k.long {
                Some(l) => l.get(i).copied().unwrap_or(true),
                None => texts
                    .get(i)
                    .is_some_and(|t| t.iter().flatten().any(|v| v.len() > 512)),
            };
            cols.push((quote(name)?, long));
        }
        body.push_str(&format!(
            "-- table {}: key {}{}\n",
            super::comment_safe(&k.table.name),
            super::comment_safe(&k.key.join(", ")),
            if k.fuzzy {
                " (fuzzy duplicates, which differ, cannot be kept out by an index: only exact copies on the key are)"
            } else {
                ""
            }
        ));
        body.push_str(&d.unique_key(t, &quote(&index_name(&k.table.name))?, &cols));
    }
    let of: Vec<&crate::model::Table> = tables.iter().map(|k| k.table).collect();
    let schema = super::schema_statement(d, &of)?;
    match d.name() {
        // DDL commits on its own in MySQL/MariaDB: no transaction, no guard table. The client's
        // character set is pinned, as in the change scripts: names are UTF-8.
        crate::config::DialectName::Mysql => {
            out.push_str("SET NAMES utf8mb4;\n");
            out.push_str(&schema);
            out.push_str(&body);
        }
        crate::config::DialectName::Postgres => {
            out.push_str("\\set ON_ERROR_STOP on\nSET client_encoding = 'UTF8';\n");
            out.push_str(&schema);
            out.push_str("BEGIN;\n");
            out.push_str(&body);
            out.push_str("COMMIT;\n");
        }
        crate::config::DialectName::Sqlite => {
            out.push_str(".bail on\nBEGIN IMMEDIATE;\n");
            out.push_str(&body);
            out.push_str("COMMIT;\n");
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::index_name;

    #[test]
    fn index_names_stay_apart() {
        let a = index_name("customer_addresses_history_archive_2023_q1");
        let b = index_name("customer_addresses_history_archive_2023_q2");
        assert_ne!(a, b);
        assert_ne!(index_name("a-b"), index_name("a_b"));
        assert!(a.len() <= 54, "{a}");
        assert!(index_name("élève").starts_with("dupsweep_élève_"));
    }
}
