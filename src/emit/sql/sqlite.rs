//! SQLite: standard string literals (no backslash escapes in SQLite), text compared with the
//! BINARY collation whatever the column declares, `rowid` for tables without a key. SQLite has
//! no `RAISE` outside triggers: a failed check inserts a row that violates a CHECK constraint
//! of a temporary table, and `.bail on` makes the `sqlite3` shell stop there.

use std::fmt::Write;

use super::stage;
use super::{applied, fresh, put_between, BatchSql, Dialect, Kind, Plan, Render, RowId, Sink, Val};
use crate::config::DialectName;
use crate::error::Result;

pub struct Sqlite;

const GUARD: &str = "temp.\"dupsweep_guard\"";
/// Rows per staging `INSERT`: SQLite compiles a multi-row `VALUES` into code that grows with
/// it: 100,000 staged rows of ten columns (22 MB) load in 0.64–0.84 s as statements of 20 rows,
/// 1.06–1.17 s as statements of 1 MiB (sqlite3 3.40; `benches/RESULTS.md`).
const INSERT_ROWS: usize = 20;

/// A text literal. Values with control characters are written as hex: the `sqlite3` shell
/// turns `\r\n` inside a script into `\n`, and a NUL ends a C string.
fn text(s: &str) -> String {
    if s.bytes().any(|b| b < 0x20 && b != b'\t' && b != b'\n') {
        format!("CAST(X'{}' AS TEXT)", crate::ingest::hex(s.as_bytes()))
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

impl Dialect for Sqlite {
    fn name(&self) -> DialectName {
        DialectName::Sqlite
    }

    fn ident(&self, name: &str) -> Result<String, String> {
        if name.contains('\0') {
            return Err("a name cannot hold a NUL byte".into());
        }
        Ok(super::double_quoted(name))
    }

    fn literal(&self, v: Val<'_>) -> Result<String, String> {
        match v.kind {
            Kind::Int | Kind::Float | Kind::Decimal
                if v.text.parse::<f64>().is_ok_and(f64::is_finite)
                    && v.text
                        .bytes()
                        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b)) =>
            {
                Ok(v.text.to_owned())
            }
            Kind::Bool => Ok(if v.text == "true" { "1" } else { "0" }.into()),
            Kind::Bytes => Ok(format!("X'{}'", v.text)),
            _ => Ok(text(v.text)),
        }
    }

    fn matches(&self, col: &str, v: Option<Val<'_>>) -> Result<String, String> {
        match v {
            None => Ok(format!("{col} IS NULL")),
            Some(v) if v.kind == Kind::Text => {
                Ok(format!("{col} = {} COLLATE BINARY", self.literal(v)?))
            }
            Some(v) => Ok(format!("{col} = {}", self.literal(v)?)),
        }
    }

    fn push_literal(&self, out: &mut String, v: Val<'_>) -> Result<(), String> {
        if v.kind == Kind::Text && !v.text.bytes().any(|b| b < 0x20 && b != b'\t' && b != b'\n') {
            out.push('\'');
            super::postgres::push_doubled(out, v.text, '\'');
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
            Some(v)
                if v.kind == Kind::Text
                    && !v.text.bytes().any(|b| b < 0x20 && b != b'\t' && b != b'\n') =>
            {
                out.push_str(col);
                out.push_str(" = '");
                super::postgres::push_doubled(out, v.text, '\'');
                out.push_str("' COLLATE BINARY");
            }
            Some(v) => out.push_str(&self.matches(col, Some(v))?),
        }
        Ok(())
    }

    fn script(&self, plan: &Plan<'_>, sink: &mut dyn Sink) -> Result<()> {
        let r = Render::new(self, plan)?;
        let mut out = r.header(self.run_line());
        out.push_str(".bail on\n");
        out.push_str(&super::schema_statement(self, &[plan.table])?);
        if plan.batches.is_empty() {
            out.push_str("-- no duplicate rows: nothing to delete\n");
            return sink.put(&out);
        }
        out.push_str(GUARD_TABLE);
        let references = self.no_silent_references(&plan.table.name, &[], "");
        if plan.chunked.is_none() {
            out.push_str("BEGIN IMMEDIATE;\n");
            out.push_str(&references);
            sink.put(&out)?;
            self.deletions(&r, "", None, sink)?;
            return sink.put("COMMIT;\n");
        }
        // each batch in a transaction of its own, which other connections can write between;
        // the sqlite3 shell has no pause, so --pause does not apply here
        sink.put(&out)?;
        let open = format!("BEGIN IMMEDIATE;\n{references}");
        self.deletions(&r, "", Some((&open, "COMMIT;\n")), sink)
    }

    fn run_line(&self) -> &'static str {
        "sqlite3 DATABASE_FILE < THIS_FILE"
    }

    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.deletions(r, label, None, out)
    }

    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.staged_undo(r, label, out)
    }

    fn open(&self, _tables: &[String], _names: &[&str], _utc: bool, schema: &str) -> String {
        format!(".bail on\nPRAGMA foreign_keys = ON;\n{schema}{GUARD_TABLE}BEGIN IMMEDIATE;\n")
    }

    fn close(&self) -> String {
        "COMMIT;\n".into()
    }

    fn no_silent_references(
        &self,
        table: &str,
        declared: &[(String, String)],
        label: &str,
    ) -> String {
        let mut cond = format!(
            "m.type = 'table' AND f.\"table\" = {} COLLATE NOCASE AND f.on_delete IN ('CASCADE', 'SET NULL', 'SET DEFAULT')",
            text(table)
        );
        if !declared.is_empty() {
            let pairs: Vec<String> = declared
                .iter()
                .map(|(t, c)| format!("({}, {})", text(t), text(c)))
                .collect();
            cond.push_str(&format!(
                "\n    AND (m.name, f.\"from\") NOT IN (VALUES {})",
                pairs.join(", ")
            ));
        }
        format!(
            "INSERT INTO temp.\"dupsweep_references\" SELECT '{}no cascading foreign key', count(*) = 0 FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f\n    WHERE {cond};\n",
            label.replace('\'', "?")
        )
    }

    fn use_schema(&self, schema: &str, _tables: &[&str]) -> Result<String, String> {
        if schema.eq_ignore_ascii_case("main") {
            return Ok(String::new());
        }
        Err("the scripts change tables of the main database; an attached database's tables are not supported".into())
    }

    fn unique_key(&self, table: &str, index: &str, cols: &[(String, bool)]) -> String {
        // a unique index lets NULLs repeat: (col IS NULL, ifnull(col, '')) counts NULL as one
        // value and keeps it apart from ''
        let list: Vec<String> = cols
            .iter()
            .map(|(c, _)| format!("{c} IS NULL, ifnull({c}, '') COLLATE BINARY"))
            .collect();
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({});\n",
            list.join(", ")
        )
    }

    fn prevent_notes(&self) -> &'static [&'static str] {
        &[
            "SQLite: an expression index per key column, (col IS NULL, ifnull(col, '') COLLATE",
            "BINARY), so NULL counts as one value (a plain unique index lets NULLs repeat) and text",
            "compares byte for byte whatever the column's collation. One transaction.",
        ]
    }

    fn check(&self, label: &str, cond: &str, from: &str) -> String {
        format!(
            "INSERT INTO {GUARD} SELECT '{}', {cond}{from};\n",
            label.replace('\'', "?")
        )
    }

    fn counted(&self, stmt: &str, label: &str, rows: usize) -> String {
        format!(
            "{stmt};\nINSERT INTO {GUARD} SELECT '{}', changes() IN (0, {rows});\n",
            label.replace('\'', "?")
        )
    }
}

const GUARD_TABLE: &str = "CREATE TEMP TABLE IF NOT EXISTS \"dupsweep_guard\" (\"step\" TEXT NOT NULL, \"ok\" INTEGER NOT NULL,\n  CONSTRAINT \"dupsweep guard failed: the table changed since the dump; the transaction is rolled back\" CHECK (\"ok\"));\nCREATE TEMP TABLE IF NOT EXISTS \"dupsweep_references\" (\"step\" TEXT NOT NULL, \"ok\" INTEGER NOT NULL,\n  CONSTRAINT \"dupsweep guard failed: a foreign key that dupsweep does not re-point references the table with ON DELETE CASCADE, SET NULL or SET DEFAULT; describe it in a dupsweep.toml and use dupsweep run; the transaction is rolled back\" CHECK (\"ok\"));\n";

impl Sqlite {
    /// The deletion batches; the guards' step names start with `label`.
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
        let plan = r.plan;
        let t = &r.table;
        // `rowid` has other names when a column took it; when columns took all three, the
        // rowid cannot be named (see below)
        let rowid = ["rowid", "_rowid_", "oid"]
            .into_iter()
            .find(|n| !plan.values.names.iter().any(|c| c.eq_ignore_ascii_case(n)));
        let cols = r.column_list();
        let mut out = String::new();
        r.each_batch(|r, batch| {
            out.clear();
            match batch {
                BatchSql::Pk {
                    at: (n, total),
                    rows,
                    survivors: surv,
                    survivors_match,
                    delete,
                    pk_exact,
                } => {
                    let _ = writeln!(out, "-- batch {n} of {total}: {rows} rows");
                    let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}batch {n} survivors', count(*) = {surv} FROM {t} WHERE\n    {survivors_match};");
                    let _ = writeln!(out, "{delete};");
                    let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}batch {n} deleted', changes() IN (0, {rows}) AND (SELECT count(*) FROM {t} WHERE {pk_exact}) = 0;");
                }
                BatchSql::Keyless {
                    at: (n, total),
                    groups,
                } => {
                    let _ = writeln!(out, "-- batch {n} of {total}: {} groups", groups.len());
                    for g in groups {
                        let gid = g.id;
                        let key = r.group_scope(g.group)?;
                        let state = |pick| {
                            g.state(pick, "\n      AND ", |_, s, k| {
                                format!("count(CASE WHEN {s} THEN 1 END) = {k}")
                            })
                        };
                        let _ = writeln!(out, "-- group of record {gid}");
                        let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}group {gid} before', ({})\n    OR ({}) FROM {t} WHERE {key};", state(fresh), state(applied));
                        for (_, s, c) in g.losing() {
                            let (fresh, m) = (c.fresh, c.gone());
                            let Some(rowid) = rowid else {
                                // the copies are identical in every column: delete them all,
                                // then insert back the ones that stay, one at a time while the
                                // count is what the one before left (none when the table is
                                // already clean, as neither statement then applies)
                                let _ = writeln!(out, "DELETE FROM {t} WHERE {s}\n    AND (SELECT count(*) FROM {t} WHERE {s}) = {fresh};");
                                let mut lits = String::new();
                                r.push_literals(&mut lits, c.row)?;
                                for k in 0..c.applied {
                                    let _ = writeln!(out, "INSERT INTO {t} {cols} SELECT {lits} WHERE (SELECT count(*) FROM {t} WHERE {s}) = {k};");
                                }
                                continue;
                            };
                            let _ = writeln!(out, "DELETE FROM {t} WHERE {rowid} IN (SELECT {rowid} FROM {t} WHERE {s}\n    AND (SELECT count(*) FROM {t} WHERE {s}) = {fresh} LIMIT {m});");
                        }
                        let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}group {gid} after', {} FROM {t} WHERE {key};", state(applied));
                    }
                }
            }
            put_between(sink, wrap, &out)
        })
    }
}

/// The staging table of a table's set-based deletions ([`stage`]), qualified, and its name.
fn stage_table(r: &Render<'_, '_>) -> (String, String) {
    let name = stage::table_name("dupsweep_rows", r);
    (format!("temp.\"{name}\""), format!("\"{name}\""))
}

impl Sqlite {
    /// Creates the staging table (the table's columns `cols`, with their affinities; with
    /// `survivors`, as many again for the survivors and, in whole dumps, for their re-pointed
    /// values) and loads it.
    fn load_stage(
        &self,
        r: &Render<'_, '_>,
        cols: &[usize],
        survivors: bool,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let (st, st_name) = stage_table(r);
        let t = &r.table;
        let (chunk, smask, amask) = stage::Names::new(&r.plan.values.names).quoted(r);
        let mut out = String::new();
        let _ = writeln!(out, "-- the dumped rows, with the affinities of the table's columns\nDROP TABLE IF EXISTS {st};");
        let _ = writeln!(
            out,
            "CREATE TEMP TABLE {st_name} AS SELECT 0 AS {chunk}, '' AS {smask}, '' AS {amask},\n    {} FROM {t} WHERE 0;",
            stage::select_list(r, cols, survivors, "")
        );
        sink.put(&out)?;
        out.clear();
        let value = |out: &mut String, v: Option<Val<'_>>, row: RowId, col: usize| -> Result<()> {
            match v {
                None => out.push_str("NULL"),
                Some(v) => self
                    .push_literal(out, v)
                    .map_err(|e| r.value_error(row, col, e))?,
            }
            Ok(())
        };
        stage::insert_rows(
            r,
            cols,
            survivors,
            stage::InsertInto {
                table: &st,
                max_rows: Some(INSERT_ROWS),
            },
            &mut out,
            sink,
            &value,
        )?;
        let _ = writeln!(
            out,
            "CREATE INDEX temp.\"dupsweep_rows_chunk\" ON {st_name} ({chunk});"
        );
        sink.put(&out)
    }

    /// Set-based deletions ([`stage`]): the staging table takes the affinities of the table's
    /// columns (so that `15` is read as a number where the column's is), is filled by
    /// multi-row `INSERT`s, and each batch's statements join it on the primary key. Values
    /// compare with `IS … COLLATE BINARY`: by value, text byte for byte.
    fn staged(
        &self,
        r: &Render<'_, '_>,
        label: &str,
        wrap: Option<(&str, &str)>,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let (st, _) = stage_table(r);
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
        // a survivor's value of the `i`th staged column: the row's own where the mask says so
        let resolved = |mask: &str, other: &dyn Fn(usize) -> String, i: usize| {
            format!(
                "({})",
                stage::survivor_value("substr", mask, i, names[i], &other(i))
            )
        };
        let found = |mask: &str, other: &dyn Fn(usize) -> String| -> String {
            let key: Vec<String> = pk
                .iter()
                .map(|&i| format!("dupsweep_t.{} = {}", names[i], resolved(mask, other, i)))
                .collect();
            let same: Vec<String> = (0..names.len())
                .map(|i| {
                    format!(
                        "dupsweep_t.{} IS {} COLLATE BINARY",
                        names[i],
                        resolved(mask, other, i)
                    )
                })
                .collect();
            format!(
                "SELECT 1 FROM {t} AS dupsweep_t WHERE {}\n      AND {}",
                key.join(" AND "),
                same.join("\n      AND ")
            )
        };
        let survivor = |i: usize| q(&n.survivor(i));
        let moved = |i: usize| q(&n.after(i));
        let key = pk
            .iter()
            .map(|&i| format!("dupsweep_t.{c} = d.{c}", c = names[i]))
            .collect::<Vec<_>>()
            .join(" AND ");
        let same = |only: &[usize]| -> String {
            only.iter()
                .map(|&i| format!("dupsweep_t.{c} IS d.{c} COLLATE BINARY", c = names[i]))
                .collect::<Vec<_>>()
                .join("\n      AND ")
        };
        let every: Vec<usize> = (0..names.len()).collect();
        let tt = format!("{t} AS dupsweep_t");
        let pk_list = |a: &str| -> String {
            let l: Vec<String> = pk.iter().map(|&i| format!("{a}.{}", names[i])).collect();
            if l.len() == 1 {
                l[0].clone()
            } else {
                format!("({})", l.join(", "))
            }
        };
        let counts = stage::counts(r);
        let total = counts.len();
        for (bi, &(rows, _)) in counts.iter().enumerate() {
            let k = bi + 1;
            out.push_str(wrap.map_or("", |w| w.0));
            let _ = writeln!(out, "-- batch {k} of {total}: {rows} rows");
            let mut cond = format!(
                "d.{chunk} = {k} AND d.{smask} IS NOT NULL\n    AND NOT EXISTS ({})",
                found(&smask, &survivor)
            );
            if plan.after.is_some() {
                let _ = write!(
                    cond,
                    "\n    AND (d.{amask} IS NULL OR NOT EXISTS ({}))",
                    found(&amask, &moved)
                );
            }
            let _ = writeln!(
                out,
                "DELETE FROM {t} WHERE {} IN (SELECT {} FROM {st} d JOIN {tt} ON {key}\n    WHERE d.{chunk} = {k}\n      AND {});",
                pk_list(t),
                pk.iter()
                    .map(|&i| format!("dupsweep_t.{}", names[i]))
                    .collect::<Vec<_>>()
                    .join(", "),
                same(&every)
            );
            // all the batch's rows deleted: their survivors must still be there (else the
            // transaction is rolled back); none deleted (already applied): none may be left
            // holding other values (the batch's primary keys are distinct); survivors edited
            // since an earlier run of the batch do not stop a rerun
            let _ = writeln!(
                out,
                "INSERT INTO {GUARD} SELECT '{label}batch {k}', CASE changes() WHEN {rows} THEN (SELECT count(*) FROM {st} d\n    WHERE {cond}) = 0 WHEN 0 THEN (SELECT count(*) FROM {st} d JOIN {tt} ON {key}\n    WHERE d.{chunk} = {k} AND {}) = 0 ELSE 0 END;",
                same(&pk)
            );
            out.push_str(wrap.map_or("", |w| w.1));
            sink.put(&out)?;
            out.clear();
        }
        sink.put(&format!("DROP TABLE {st};\n"))
    }

    /// The undo of set-based deletions: the removed rows, every column, staged; per batch
    /// those whose primary key is free inserted back, then all of them checked.
    fn staged_undo(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        let (st, _) = stage_table(r);
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let chunk = self.ident(&n.chunk).unwrap_or_default();
        let cols: Vec<usize> = (0..plan.values.names.len()).collect();
        self.load_stage(r, &cols, false, sink)?;
        let key = stage::key(r);
        let same = stage::each(r, &cols, "\n      AND ", |c| {
            format!("dupsweep_t.{c} IS d.{c} COLLATE BINARY")
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
                "INSERT INTO {t} ({names}) SELECT {list} FROM {st} d\n    WHERE d.{chunk} = {k} AND NOT EXISTS (SELECT 1 FROM {t} AS dupsweep_t WHERE {key});"
            );
            let _ = writeln!(
                out,
                "INSERT INTO {GUARD} SELECT '{label}undo batch {k}', count(*) = {rows} FROM {st} d JOIN {t} AS dupsweep_t ON {key}\n    WHERE d.{chunk} = {k}\n      AND {same};"
            );
            sink.put(&out)?;
            out.clear();
        }
        sink.put(&format!("DROP TABLE {st};\n"))
    }
}
