//! MySQL and MariaDB. Backslash escaping in string literals depends on `NO_BACKSLASH_ESCAPES`,
//! so text is written as hex literals (`_utf8mb4 X'…'`), which mean the same under every
//! `sql_mode`. Guards compare text byte for byte (`CAST(CONVERT(col USING utf8mb4) AS BINARY)`),
//! so a case- or accent-insensitive collation cannot let `Zoë` match `zoe`. There is no
//! `RAISE` outside stored programs: a failed check inserts a duplicate into a temporary table,
//! which is an error under every setting, and the client stops at the first error.

use std::fmt::Write;

use super::stage;
use super::{applied, fresh, put_between, BatchSql, Dialect, Kind, Plan, Render, Sink, Val};
use crate::config::DialectName;
use crate::error::Result;

pub struct MySql;

const GUARD: &str = "`dupsweep_guard`";
/// The session every script runs in: UTF-8; an `sql_mode` pinned by the script (string
/// literals of the staged values use backslash escapes, which `NO_BACKSLASH_ESCAPES` would
/// turn off, and a value that a column cannot hold is an error, not a warning); and UTC when a
/// value is a timestamp with a time zone (Parquet), written as its UTC instant, so that a
/// `TIMESTAMP` column compares with it as that instant. (Only then: a CSV dump's `TIMESTAMP`
/// text is in the zone of the session that wrote it, which the replay's session is taken to
/// share.)
fn session(utc: bool) -> &'static str {
    if utc {
        "SET NAMES utf8mb4;\nSET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';\nSET SESSION group_concat_max_len = 16777216;\nSET time_zone = '+00:00';\n"
    } else {
        "SET NAMES utf8mb4;\nSET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION';\nSET SESSION group_concat_max_len = 16777216;\n"
    }
}
const DRIFT: &str =
    "dupsweep guard failed: the table changed since the dump; the transaction is rolled back";
const REFERENCES: &str =
    "dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE or SET NULL; the transaction is rolled back";
const ENGINE: &str =
    "dupsweep guard failed: the table is missing or not InnoDB, so a failure could not be rolled back";

fn hex(s: &str) -> String {
    crate::ingest::hex(s.as_bytes())
}

/// Appends the bytes as lowercase hexadecimal (as [`crate::ingest::hex`]).
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
}

/// True when `t` is a plain decimal number (digits, one point, a sign, an exponent).
fn is_number(t: &str) -> bool {
    t.parse::<f64>().is_ok_and(f64::is_finite)
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.bytes().any(|b| b.is_ascii_digit())
}

fn check(cond: &str, label: &str, from: &str) -> String {
    format!("INSERT INTO {GUARD} SELECT IF({cond}, '{label}', '{DRIFT}'){from};\n")
}

impl Dialect for MySql {
    fn name(&self) -> DialectName {
        DialectName::Mysql
    }

    fn ident(&self, name: &str) -> Result<String, String> {
        if name.contains('\0') {
            return Err("a name cannot hold a NUL byte".into());
        }
        Ok(format!("`{}`", name.replace('`', "``")))
    }

    fn literal(&self, v: Val<'_>) -> Result<String, String> {
        let numeric = |t: &str| {
            let ok = t.parse::<f64>().is_ok_and(f64::is_finite)
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            if ok {
                Ok(t.to_owned())
            } else {
                Err(format!("\"{t}\" is not a number MySQL can hold"))
            }
        };
        match v.kind {
            Kind::Text => Ok(format!("_utf8mb4 X'{}'", hex(v.text))),
            Kind::Int | Kind::Float | Kind::Decimal => numeric(v.text),
            Kind::Bool => Ok(if v.text == "true" { "TRUE" } else { "FALSE" }.into()),
            Kind::Date => Ok(format!("CAST(_utf8mb4 X'{}' AS DATE)", hex(v.text))),
            Kind::Time => Ok(format!("CAST(_utf8mb4 X'{}' AS TIME(6))", hex(v.text))),
            Kind::Timestamp => Ok(format!("CAST(_utf8mb4 X'{}' AS DATETIME(6))", hex(v.text))),
            // the UTC instant: the scripts set the session's time zone to UTC
            Kind::TimestampTz => Ok(format!(
                "CAST(_utf8mb4 X'{}' AS DATETIME(6))",
                hex(v.text.strip_suffix("+00:00").unwrap_or(v.text))
            )),
            Kind::Bytes => Ok(format!("X'{}'", v.text)),
        }
    }

    fn matches(&self, col: &str, v: Option<Val<'_>>) -> Result<String, String> {
        match v {
            None => Ok(format!("{col} IS NULL")),
            Some(Val {
                kind: Kind::Text, ..
            }) => {
                let mut out = String::new();
                self.push_matches(&mut out, col, v)?;
                Ok(out)
            }
            Some(v) => Ok(format!("{col} = {}", self.literal(v)?)),
        }
    }

    fn push_literal(&self, out: &mut String, v: Val<'_>) -> Result<(), String> {
        if v.kind == Kind::Text {
            out.push_str("_utf8mb4 X'");
            push_hex(out, v.text.as_bytes());
            out.push('\'');
            return Ok(());
        }
        out.push_str(&self.literal(v)?);
        Ok(())
    }

    fn push_matches(&self, out: &mut String, col: &str, v: Option<Val<'_>>) -> Result<(), String> {
        match v {
            None => {
                out.push_str(col);
                out.push_str(" IS NULL");
            }
            Some(Val {
                kind: Kind::Text,
                text,
            }) => {
                // the column's text form byte for byte (so no collation makes `Zoë` equal
                // to `ZOË`); or, for a number, in the column's type (`15` is `15.00` in a
                // DECIMAL) where that is exact: a number or date column (collation
                // `binary`) whose value and the dumped one have at most 15 digits, which
                // MySQL's comparison of a number with a string (as doubles) tells apart
                out.push_str("(CAST(CONVERT(");
                out.push_str(col);
                out.push_str(" USING utf8mb4) AS BINARY) = X'");
                push_hex(out, text.as_bytes());
                out.push('\'');
                let digits = text.bytes().filter(u8::is_ascii_digit).count();
                if is_number(text) && digits <= 15 {
                    out.push_str(" OR (COLLATION(");
                    out.push_str(col);
                    out.push_str(") = 'binary' AND ");
                    out.push_str(col);
                    out.push_str(" <=> ");
                    out.push_str(text);
                    out.push_str(" AND LENGTH(REGEXP_REPLACE(CONVERT(");
                    out.push_str(col);
                    out.push_str(" USING utf8mb4), '[^0-9]', '')) <= 15)");
                }
                out.push(')');
            }
            Some(v) => out.push_str(&self.matches(col, Some(v))?),
        }
        Ok(())
    }

    fn script(&self, plan: &Plan<'_>, sink: &mut dyn Sink) -> Result<()> {
        let r = Render::new(self, plan)?;
        let mut out = r.header(self.run_line());
        out.push_str(session(plan.values.has_time_zones()));
        out.push_str(&super::schema_statement(self, &[plan.table])?);
        if plan.batches.is_empty() {
            out.push_str("-- no duplicate rows: nothing to delete\n");
            return sink.put(&out);
        }
        out.push_str(&guard_table(&[&plan.table.name]));
        let references = self.no_silent_references(&plan.table.name, &[], "");
        match plan.chunked {
            None => {
                out.push_str("START TRANSACTION;\n");
                out.push_str(&references);
                sink.put(&out)?;
                out.clear();
                self.deletions(&r, "", None, sink)?;
                out.push_str("COMMIT;\n");
            }
            Some(pause) => {
                // each batch in a transaction of its own; the staged rows last for the session;
                // the foreign keys checked once (the query reads information_schema)
                out.push_str(&references);
                sink.put(&out)?;
                out.clear();
                // each batch's checks write their labels again
                let open = format!(
                    "DELETE FROM {GUARD} WHERE `failure` LIKE 'ok: %';\nSTART TRANSACTION;\n"
                );
                let mut close = "COMMIT;\n".to_owned();
                if pause > 0.0 {
                    let _ = writeln!(close, "DO SLEEP({pause});");
                }
                self.deletions(&r, "", Some((&open, &close)), sink)?;
            }
        }
        let _ = writeln!(out, "DROP TEMPORARY TABLE {GUARD};");
        sink.put(&out)
    }

    fn run_line(&self) -> &'static str {
        "mariadb DATABASE < THIS_FILE  (or mysql; without --force, so it stops at the first error)"
    }

    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.deletions(r, label, None, out)
    }

    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.staged_undo(r, label, out)
    }

    fn open(&self, _tables: &[String], names: &[&str], utc: bool, schema: &str) -> String {
        format!(
            "{}{schema}{}START TRANSACTION;\n",
            session(utc),
            guard_table(names)
        )
    }

    fn close(&self) -> String {
        format!("COMMIT;\nDROP TEMPORARY TABLE {GUARD};\n")
    }

    fn no_silent_references(
        &self,
        table: &str,
        declared: &[(String, String)],
        label: &str,
    ) -> String {
        let mut cond = format!(
            "rc.CONSTRAINT_SCHEMA = DATABASE() AND k.TABLE_SCHEMA = DATABASE() AND rc.REFERENCED_TABLE_NAME = _utf8mb4 X'{}' AND rc.DELETE_RULE IN ('CASCADE', 'SET NULL', 'SET DEFAULT')",
            hex(table)
        );
        if !declared.is_empty() {
            let pairs: Vec<String> = declared
                .iter()
                .map(|(t, c)| format!("(_utf8mb4 X'{}', _utf8mb4 X'{}')", hex(t), hex(c)))
                .collect();
            cond.push_str(&format!(
                "\n    AND (k.TABLE_NAME, k.COLUMN_NAME) NOT IN ({})",
                pairs.join(", ")
            ));
        }
        format!(
            "INSERT INTO {GUARD} SELECT IF(COUNT(*) = 0, 'ok: {}no cascading foreign key', '{REFERENCES}') FROM information_schema.REFERENTIAL_CONSTRAINTS rc JOIN information_schema.KEY_COLUMN_USAGE k ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME AND k.TABLE_NAME = rc.TABLE_NAME\n    WHERE {cond};\n",
            label.replace('\'', "?")
        )
    }

    fn use_schema(&self, schema: &str, _tables: &[&str]) -> Result<String, String> {
        // a schema is a database: DATABASE() then names it in every information_schema check
        Ok(format!("USE {};\n", self.ident(schema)?))
    }

    fn unique_key(&self, table: &str, index: &str, cols: &[(String, bool)]) -> String {
        // the key's bytes, hashed into an invisible virtual generated column (a stored one may
        // not use a column whose foreign key is ON DELETE SET NULL or CASCADE): unaffected by
        // case-insensitive collations, NULL distinct from '' and counted as one value, and no
        // index length limit on long text
        let parts: Vec<String> = cols
            .iter()
            .map(|(c, _)| format!("IFNULL(HEX(CAST({c} AS BINARY)), 'N')"))
            .collect();
        let col = self
            .ident(&format!("{}_hash", index.trim_matches('`')))
            .unwrap_or_default();
        let alter = format!(
            "ALTER TABLE {table}\n  ADD COLUMN {col} BINARY(32) GENERATED ALWAYS AS (UNHEX(SHA2(CONCAT_WS(',', {}), 256))) VIRTUAL INVISIBLE,\n  ADD UNIQUE INDEX {index} ({col})",
            parts.join(", ")
        );
        // MySQL has no ADD ... IF NOT EXISTS (MariaDB has): the statement runs only when the
        // index is missing, so that the script can be run again. Its text and the names are
        // hex literals, whatever the server's sql_mode; the names compare byte for byte.
        let unquote = |q: &str| q[1..q.len() - 1].replace("``", "`");
        format!(
            "-- {}\nSET @dupsweep_ddl = (SELECT IF(COUNT(*) = 0, CONVERT(X'{}' USING utf8mb4), 'DO 0') FROM information_schema.statistics\n  WHERE table_schema = DATABASE() AND CAST(table_name AS BINARY) = X'{}' AND CAST(index_name AS BINARY) = X'{}');\nPREPARE dupsweep_ddl FROM @dupsweep_ddl;\nEXECUTE dupsweep_ddl;\nDEALLOCATE PREPARE dupsweep_ddl;\n",
            super::comment_safe(&alter.replace('\n', " ")),
            hex(&alter),
            hex(&unquote(table)),
            hex(&unquote(index)),
        )
    }

    fn prevent_notes(&self) -> &'static [&'static str] {
        &[
            "MySQL 8.0.23+ / MariaDB 10.3+: per table an invisible virtual generated column holding",
            "the SHA-256 of the key's bytes (so a case- or accent-insensitive collation does not make",
            "Zoe and zoe duplicates, NULL counts as one value, and long text needs no prefix), with",
            "a unique index on it. SELECT * and INSERT without a column list do not see it. Each",
            "ALTER TABLE commits on its own: if one fails (duplicates left), the tables before it",
            "keep their index. Each runs only when its index is missing: running the file again",
            "builds what is missing and changes nothing else.",
        ]
    }

    fn check(&self, label: &str, cond: &str, from: &str) -> String {
        check(cond, &format!("ok: {}", label.replace('\'', "?")), from)
    }

    fn counted(&self, stmt: &str, label: &str, rows: usize) -> String {
        format!(
            "{stmt};\nSET @dupsweep_changed = ROW_COUNT();\n{}",
            check(
                &format!("@dupsweep_changed IN (0, {rows})"),
                &format!("ok: {}", label.replace('\'', "?")),
                ""
            )
        )
    }

    fn exact_keys(&self) -> bool {
        false
    }

    fn row_in(&self) -> bool {
        false
    }

    fn no_from(&self) -> &'static str {
        " FROM DUAL"
    }
}

/// The guard table, created outside the transaction (no implicit commit inside it), and the
/// check that every table is InnoDB (so that a failure rolls everything back).
fn guard_table(tables: &[&str]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "DROP TEMPORARY TABLE IF EXISTS {GUARD};");
    let _ = writeln!(out, "CREATE TEMPORARY TABLE {GUARD} (`failure` VARCHAR(200) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY);");
    let _ = writeln!(
        out,
        "INSERT INTO {GUARD} VALUES ('{DRIFT}'), ('{ENGINE}'), ('{REFERENCES}');"
    );
    let mut names: Vec<String> = tables
        .iter()
        .map(|t| format!("_utf8mb4 X'{}'", hex(t)))
        .collect();
    names.sort_unstable();
    names.dedup();
    let n = names.len();
    let cond = if n == 1 {
        format!("TABLE_NAME = {}", names[0])
    } else {
        format!("TABLE_NAME IN ({})", names.join(", "))
    };
    let _ = writeln!(out, "INSERT INTO {GUARD} SELECT IF(COUNT(*) = {n}, 'ok: engine', '{ENGINE}') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND {cond} AND ENGINE = 'InnoDB';");
    out
}

impl MySql {
    /// The deletion batches; the guards' labels start with `label`.
    /// `wrap`: what goes before and after each batch (`--commit batch`).
    fn deletions(
        &self,
        r: &Render<'_, '_>,
        label: &str,
        wrap: Option<(&str, &str)>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        if stage::applies(r) {
            return self.staged(r, label, wrap, sink);
        }
        let t = &r.table;
        let mut out = String::new();
        r.each_batch(|_, batch| {
            out.clear();
            match batch {
                BatchSql::Pk {
                    at: (n, total),
                    rows,
                    survivors,
                    survivors_match,
                    delete,
                    pk_exact,
                } => {
                    let _ = writeln!(out, "-- batch {n} of {total}: {rows} rows");
                    out.push_str(&check(
                        &format!("COUNT(*) = {survivors}"),
                        &format!("ok: {label}batch {n} survivors"),
                        &format!(" FROM {t} WHERE\n    {survivors_match}"),
                    ));
                    let _ = writeln!(out, "{delete};");
                    out.push_str("SET @dupsweep_deleted = ROW_COUNT();\n");
                    out.push_str(&check(
                        &format!("@dupsweep_deleted IN (0, {rows}) AND COUNT(*) = 0"),
                        &format!("ok: {label}batch {n} deleted"),
                        &format!(" FROM {t} WHERE {pk_exact}"),
                    ));
                }
                BatchSql::Keyless {
                    at: (n, total),
                    groups,
                } => {
                    let _ = writeln!(out, "-- batch {n} of {total}: {} groups", groups.len());
                    for g in groups {
                        let gid = g.id;
                        let _ = writeln!(out, "-- group of record {gid}");
                        for (i, s) in g.sigs.iter().enumerate() {
                            let _ = writeln!(
                                out,
                                "SET @dupsweep_c{i} = (SELECT COUNT(*) FROM {t} WHERE {s});"
                            );
                        }
                        let state = |pick| {
                            g.state(pick, " AND ", |i, _, k| format!("@dupsweep_c{i} = {k}"))
                        };
                        out.push_str(&check(
                            &format!("({}) OR ({})", state(fresh), state(applied)),
                            &format!("ok: {label}group {gid} before"),
                            "",
                        ));
                        for (i, s, c) in g.losing() {
                            let _ = writeln!(
                                out,
                                "DELETE FROM {t} WHERE {s} AND @dupsweep_c{i} = {} LIMIT {};",
                                c.fresh,
                                c.gone()
                            );
                        }
                        let after = g.state(applied, "\n    AND ", |_, s, k| {
                            format!("(SELECT COUNT(*) FROM {t} WHERE {s}) = {k}")
                        });
                        out.push_str(&check(&after, &format!("ok: {label}group {gid} after"), ""));
                    }
                }
            }
            put_between(sink, wrap, &out)
        })
    }
}

/// Appends a value as a string literal of the staged data: backslash escapes (the script pins
/// an `sql_mode` without `NO_BACKSLASH_ESCAPES`), `X'…'` for bytes, NULL for `None`.
fn push_staged(out: &mut String, v: Option<Val<'_>>) {
    let Some(v) = v else {
        out.push_str("NULL");
        return;
    };
    let text = match v.kind {
        Kind::Bytes => {
            out.push_str("X'");
            out.push_str(v.text);
            out.push('\'');
            return;
        }
        // the UTC instant: the scripts set the session's time zone to UTC
        Kind::TimestampTz => v.text.strip_suffix("+00:00").unwrap_or(v.text),
        _ => v.text,
    };
    out.push('\'');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\u{1a}' => out.push_str("\\Z"),
            c => out.push(c),
        }
    }
    out.push('\'');
}

/// The staged rows as the server first reads them: bytes, before the column types are known.
fn raw_table(r: &Render<'_, '_>) -> String {
    format!("`{}`", stage::table_name("dupsweep_raw", r))
}
/// The staged rows typed as the table's columns, the survivors' masked values filled in.
fn rows_table(r: &Render<'_, '_>) -> String {
    format!("`{}`", stage::table_name("dupsweep_rows", r))
}

impl MySql {
    /// Creates the staging tables (the table's columns `cols`, typed at replay time; with
    /// `survivors`, as many again for the survivors and, in whole dumps, for their re-pointed
    /// values) and loads them.
    fn load_stage(
        &self,
        r: &Render<'_, '_>,
        cols: &[usize],
        survivors: bool,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let (raw, rows_t) = (raw_table(r), rows_table(r));
        let plan = r.plan;
        let t = &r.table;
        let (chunk, smask, amask) = stage::Names::new(&plan.values.names).quoted(r);
        let after = survivors && plan.after.is_some();
        let groups = 1 + usize::from(survivors) + usize::from(after);
        let width = cols.len();
        // (defaults: a table created by CREATE … SELECT needs them, even with no row selected)
        let fixed = format!("{chunk} INT NOT NULL DEFAULT 0, {smask} VARBINARY(16383) NULL, {amask} VARBINARY(16383) NULL");
        let raw_cols: Vec<String> = (0..width * groups)
            .map(|i| format!("`v{i}` LONGBLOB NULL"))
            .collect();
        let mut out = String::new();
        let _ = writeln!(out, "-- the dumped rows");
        let _ = writeln!(out, "DROP TEMPORARY TABLE IF EXISTS {raw}, {rows_t};");
        let _ = writeln!(
            out,
            "CREATE TEMPORARY TABLE {raw} ({fixed}, {});",
            raw_cols.join(", ")
        );
        sink.put(&out)?;
        out.clear();
        // multi-row INSERTs of about 1 MiB each
        stage::insert_rows(
            r,
            cols,
            survivors,
            stage::InsertInto {
                table: &raw,
                max_rows: None,
            },
            &mut out,
            sink,
            &|out, v, _, _| {
                push_staged(out, v);
                Ok(())
            },
        )?;
        // the typed table: the table's columns, nullable (through an outer join), empty
        let _ = writeln!(
            out,
            "CREATE TEMPORARY TABLE {rows_t} ({fixed}, KEY ({chunk}))\n  SELECT {} FROM (SELECT 1 AS `one`) dupsweep_one LEFT JOIN {t} dupsweep_t ON FALSE LIMIT 0;",
            stage::select_list(r, cols, survivors, "dupsweep_t.")
        );
        // the statement that copies the bytes into it, each value read as its column's type
        // (built from information_schema), a survivor's masked values taken from its row
        let columns = cols
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                format!(
                    "SELECT {i} AS i, _utf8mb4 X'{}' AS n",
                    hex(&plan.values.names[c])
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ");
        // `src`: SQL that, given `m.i` (the staged column's position), writes the expression
        // that reads its bytes
        let typed = |src: &str| {
            format!(
                "GROUP_CONCAT(CASE WHEN c.COLUMN_TYPE = 'tinyint(1)' THEN CONCAT('CASE WHEN ', {src}, ' IN (''t'', ''T'', ''true'', ''TRUE'', ''True'') THEN 1 WHEN ', {src}, ' IN (''f'', ''F'', ''false'', ''FALSE'', ''False'') THEN 0 ELSE ', {src}, ' END')\n    WHEN c.DATA_TYPE IN ('datetime', 'timestamp') THEN CONCAT('REPLACE(', {src}, ', ''T'', '' '')')\n    WHEN c.CHARACTER_SET_NAME IS NOT NULL OR c.DATA_TYPE = 'json' THEN CONCAT('CONVERT(', {src}, ' USING utf8mb4)')\n    ELSE {src} END ORDER BY m.i SEPARATOR ', ')"
            )
        };
        let own = "CONCAT('x.`v', m.i, '`')".to_owned();
        let resolved = |mask: &str, group: usize| {
            format!(
                "CONCAT('IF(SUBSTRING(x.{}, ', m.i + 1, ', 1) = ''1'', x.`v', m.i, '`, x.`v', m.i + {}, '`)')",
                mask,
                width * group
            )
        };
        let mut parts = vec![typed(&own)];
        if survivors {
            parts.push(typed(&resolved(&smask, 1)));
        }
        if after {
            parts.push(typed(&resolved(&amask, 2)));
        }
        let _ = writeln!(
            out,
            "SET @dupsweep_sql = (SELECT CONCAT('INSERT INTO {rows_t} SELECT x.{chunk}, x.{smask}, x.{amask}, ', {}, ' FROM {raw} x')\n  FROM information_schema.COLUMNS c JOIN ({columns}) m\n    ON LOWER(CONVERT(c.COLUMN_NAME USING utf8mb4)) COLLATE utf8mb4_bin = LOWER(m.n) COLLATE utf8mb4_bin\n  WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = _utf8mb4 X'{}');\nPREPARE dupsweep_load FROM @dupsweep_sql;\nEXECUTE dupsweep_load;\nDEALLOCATE PREPARE dupsweep_load;\nDROP TEMPORARY TABLE {raw};",
            parts.join(", ', ', "),
            hex(&plan.table.name)
        );
        sink.put(&out)
    }

    /// Set-based deletions ([`stage`]). The staged values are inserted as bytes, then copied
    /// into a table typed as the table's columns by a statement built at replay time from
    /// `information_schema`: there, a `BOOLEAN` column reads `t`/`true`/`f`/`false`, a
    /// `DATETIME` or `TIMESTAMP` column a `T` between date and time, and text converts from
    /// UTF-8 into the column's character set; a value the column cannot hold stops the script
    /// (strict mode). A value then compares both in its type (`<=>`) and as its bytes, so that
    /// `15` is `15.00` in a `DECIMAL(6,2)` but no collation makes `Zoë` equal to `ZOË`.
    fn staged(
        &self,
        r: &Render<'_, '_>,
        label: &str,
        wrap: Option<(&str, &str)>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let rows_t = rows_table(r);
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let q = |s: &str| self.ident(s).unwrap_or_default();
        let (chunk, smask, amask) = n.quoted(r);
        let cols = stage::columns(r);
        let names: Vec<&str> = cols.iter().map(|&c| r.col(c)).collect();
        let pk = stage::pk_positions(r, &cols);
        self.load_stage(r, &cols, true, sink)?;
        let mut out = String::new();
        // the live row `dupsweep_t` against the staged values `other(i)`
        let key = |other: &dyn Fn(usize) -> String| -> String {
            pk.iter()
                .map(|&i| format!("dupsweep_t.{} = d.{}", names[i], other(i)))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let same = |other: &dyn Fn(usize) -> String, only: &[usize]| -> String {
            only.iter()
                .map(|&i| {
                    let (c, o) = (names[i], other(i));
                    format!("dupsweep_t.{c} <=> d.{o} AND CAST(dupsweep_t.{c} AS BINARY) <=> CAST(d.{o} AS BINARY)")
                })
                .collect::<Vec<_>>()
                .join("\n      AND ")
        };
        let every: Vec<usize> = (0..names.len()).collect();
        let own = |i: usize| names[i].to_owned();
        let survivor = |i: usize| q(&n.survivor(i));
        let moved = |i: usize| q(&n.after(i));
        let tt = format!("{t} dupsweep_t");
        let counts = stage::counts(r);
        let total = counts.len();
        for (bi, &(rows, _)) in counts.iter().enumerate() {
            let k = bi + 1;
            out.push_str(wrap.map_or("", |w| w.0));
            let _ = writeln!(out, "-- batch {k} of {total}: {rows} rows");
            let mut cond = format!(
                "d.{chunk} = {k} AND d.{smask} IS NOT NULL\n    AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {}\n      AND {})",
                key(&survivor),
                same(&survivor, &every)
            );
            if plan.after.is_some() {
                let _ = write!(
                    cond,
                    "\n    AND (d.{amask} IS NULL OR NOT EXISTS (SELECT 1 FROM {tt} WHERE {}\n      AND {}))",
                    key(&moved),
                    same(&moved, &every)
                );
            }
            let _ = writeln!(
                out,
                "DELETE dupsweep_t FROM {rows_t} d STRAIGHT_JOIN {tt} ON {}\n    WHERE d.{chunk} = {k}\n      AND {};",
                key(&own),
                same(&own, &every)
            );
            out.push_str("SET @dupsweep_deleted = ROW_COUNT();\n");
            // all the batch's rows deleted: their survivors must still be there (else the
            // transaction is rolled back); none deleted (already applied): none may be left
            // holding other values (the batch's primary keys are distinct); survivors edited
            // since an earlier run of the batch do not stop a rerun
            let lost = format!("(SELECT COUNT(*) FROM {rows_t} d WHERE {cond})");
            let left = format!(
                "(SELECT COUNT(*) FROM {rows_t} d STRAIGHT_JOIN {tt} ON {}\n    WHERE d.{chunk} = {k} AND {})",
                key(&own),
                pk.iter()
                    .map(|&i| format!(
                        "CAST(dupsweep_t.{c} AS BINARY) = CAST(d.{c} AS BINARY)",
                        c = names[i]
                    ))
                    .collect::<Vec<_>>()
                    .join(" AND ")
            );
            out.push_str(&check(
                &format!("CASE @dupsweep_deleted WHEN {rows} THEN {lost} = 0 WHEN 0 THEN {left} = 0 ELSE FALSE END"),
                &format!("ok: {label}batch {k}"),
                " FROM DUAL",
            ));
            out.push_str(wrap.map_or("", |w| w.1));
            sink.put(&out)?;
            out.clear();
        }
        let _ = writeln!(out, "DROP TEMPORARY TABLE {rows_t};");
        sink.put(&out)
    }

    /// The undo of set-based deletions: the removed rows, every column, staged; per batch
    /// those whose primary key is free inserted back, then all of them checked.
    fn staged_undo(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        let rows_t = rows_table(r);
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let chunk = self.ident(&n.chunk).unwrap_or_default();
        let cols: Vec<usize> = (0..plan.values.names.len()).collect();
        self.load_stage(r, &cols, false, sink)?;
        let key = stage::key(r);
        let same = stage::each(r, &cols, "\n      AND ", |c| {
            format!("dupsweep_t.{c} <=> d.{c} AND CAST(dupsweep_t.{c} AS BINARY) <=> CAST(d.{c} AS BINARY)")
        });
        let list = stage::each(r, &cols, ", ", |c| format!("d.{c}"));
        let names = stage::each(r, &cols, ", ", str::to_owned);
        let mut out = String::new();
        let counts = stage::counts(r);
        let total = counts.len();
        for (bi, &(rows, _)) in counts.iter().enumerate() {
            let k = bi + 1;
            let _ = writeln!(out, "-- undo batch {k} of {total}: {rows} rows");
            let _ = writeln!(
                out,
                "INSERT INTO {t} ({names}) SELECT {list} FROM {rows_t} d\n    WHERE d.{chunk} = {k} AND NOT EXISTS (SELECT 1 FROM {t} dupsweep_t WHERE {key});"
            );
            out.push_str(&check(
                &format!("COUNT(*) = {rows}"),
                &format!("ok: {label}undo batch {k}"),
                &format!(
                    " FROM {rows_t} d STRAIGHT_JOIN {t} dupsweep_t ON {key}\n    WHERE d.{chunk} = {k}\n      AND {same}"
                ),
            ));
            sink.put(&out)?;
            out.clear();
        }
        let _ = writeln!(out, "DROP TEMPORARY TABLE {rows_t};");
        sink.put(&out)
    }
}
