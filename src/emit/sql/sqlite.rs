//! SQLite: standard string literals (no backslash escapes in SQLite), text compared with the
//! BINARY collation whatever the column declares, `rowid` for tables without a key. SQLite has
//! no `RAISE` outside triggers: a failed check inserts a row that violates a CHECK constraint
//! of a temporary table, and `.bail on` makes the `sqlite3` shell stop there.

use std::fmt::Write;

use super::stage::{self, Role};
use super::{Batch, Dialect, Kind, Plan, Render, Sink, Val};
use crate::config::DialectName;
use crate::error::Result;

pub struct Sqlite;

const GUARD: &str = "temp.\"dupsweep_guard\"";

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
        Ok(format!("\"{}\"", name.replace('"', "\"\"")))
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
        if plan.batches.is_empty() {
            out.push_str("-- no duplicate rows: nothing to delete\n");
            return sink.put(&out);
        }
        out.push_str(GUARD_TABLE);
        out.push_str("BEGIN IMMEDIATE;\n");
        out.push_str(&self.no_silent_references(&plan.table.name, &[], ""));
        sink.put(&out)?;
        self.deletions(&r, "", sink)?;
        sink.put("COMMIT;\n")
    }

    fn run_line(&self) -> &'static str {
        "sqlite3 DATABASE_FILE < THIS_FILE"
    }

    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.deletions(r, label, out)
    }

    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.staged_undo(r, label, out)
    }

    fn open(&self, _tables: &[String], _names: &[&str], _utc: bool) -> String {
        format!(".bail on\nPRAGMA foreign_keys = ON;\n{GUARD_TABLE}BEGIN IMMEDIATE;\n")
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
    fn deletions(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        if stage::applies(r) {
            return self.staged(r, label, sink);
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
        let total = plan.batches.len();
        for (bi, batch) in plan.batches.iter().enumerate() {
            // spilled values: this batch's rows read into memory, the rest left on disk
            let local = plan.values.load_batch(batch)?;
            let r = &r.with_batch(local.as_ref());
            let n = bi + 1;
            match batch {
                Batch::Pk(batch) => {
                    let rows = batch.rows.len();
                    let surv = batch.survivors.len();
                    let _ = writeln!(out, "-- batch {n} of {total}: {rows} rows");
                    let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}batch {n} survivors', count(*) = {surv} FROM {t} WHERE\n    {};", r.survivors_match(&batch.survivors)?);
                    let pk_in = r.pk_in(&batch.rows)?;
                    let _ = writeln!(
                        out,
                        "DELETE FROM {t} WHERE {pk_in}\n    AND ({});",
                        r.any_match(&batch.rows)?
                    );
                    let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}batch {n} deleted', changes() IN (0, {rows}) AND (SELECT count(*) FROM {t} WHERE {}) = 0;", r.pk_exact(&batch.rows)?);
                }
                Batch::Keyless(groups) => {
                    let _ = writeln!(out, "-- batch {n} of {total}: {} groups", groups.len());
                    for g in groups {
                        let gid = plan.table.number_of(g.id);
                        let key = r.group_scope(g)?;
                        let sigs = g
                            .copies
                            .iter()
                            .map(|c| r.row_match(c.row, &g.guard))
                            .collect::<Result<Vec<_>>>()?;
                        let state = |pick: &dyn Fn(&super::Copies) -> usize| {
                            g.copies
                                .iter()
                                .zip(&sigs)
                                .map(|(c, s)| {
                                    format!("count(CASE WHEN {s} THEN 1 END) = {}", pick(c))
                                })
                                .collect::<Vec<_>>()
                                .join("\n      AND ")
                        };
                        let _ = writeln!(out, "-- group of record {gid}");
                        let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}group {gid} before', ({})\n    OR ({}) FROM {t} WHERE {key};", state(&|c| c.fresh), state(&|c| c.applied));
                        for (c, s) in g.copies.iter().zip(&sigs) {
                            let m = c.fresh - c.applied;
                            if m == 0 {
                                continue;
                            }
                            let fresh = c.fresh;
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
                        let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}group {gid} after', {} FROM {t} WHERE {key};", state(&|c| c.applied));
                    }
                }
            }
            sink.put(&out)?;
            out.clear();
        }
        Ok(())
    }
}

/// The staging table of a table's set-based deletions ([`stage`]).
const STAGE: &str = "temp.\"dupsweep_rows\"";

impl Sqlite {
    /// Creates the staging table (the table's columns `cols`, with their affinities) and loads
    /// it; `survivors`: with the survivors' rows.
    fn load_stage(
        &self,
        r: &Render<'_, '_>,
        cols: &[usize],
        survivors: bool,
        sink: &mut dyn Sink,
    ) -> Result<()> {
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let q = |s: &str| self.ident(s).unwrap_or_default();
        let (chunk, role, item, refc, mask) = (
            q(&n.chunk),
            q(&n.role),
            q(&n.item),
            q(&n.reference),
            q(&n.mask),
        );
        let names: Vec<&str> = cols.iter().map(|&c| r.col(c)).collect();
        let mut out = String::new();
        let _ = writeln!(out, "-- the rows to delete and their survivors, with the affinities of the table's columns\nDROP TABLE IF EXISTS {STAGE};");
        let _ = writeln!(
            out,
            "CREATE TEMP TABLE \"dupsweep_rows\" AS SELECT 0 AS {chunk}, '' AS {role}, 0 AS {item}, 0 AS {refc}, '' AS {mask},\n    {} FROM {t} WHERE 0;",
            names.join(", ")
        );
        sink.put(&out)?;
        out.clear();
        let limit = crate::config::defaults::BATCH_BYTES;
        stage::rows(r, cols, survivors, &mut |s| {
            out.push_str(if out.is_empty() {
                "INSERT INTO temp.\"dupsweep_rows\" VALUES\n"
            } else {
                ",\n"
            });
            let _ = write!(out, "({}, '{}', {}, ", s.chunk, s.role.code(), s.item);
            match s.reference {
                Some(x) => {
                    let _ = write!(out, "{x}, ");
                }
                None => out.push_str("NULL, "),
            }
            match &s.mask {
                Some(m) => {
                    let _ = write!(out, "'{m}'");
                }
                None => out.push_str("NULL"),
            }
            for (i, v) in s.values.iter().enumerate() {
                out.push_str(", ");
                match v {
                    None => out.push_str("NULL"),
                    Some(v) => self
                        .push_literal(&mut out, *v)
                        .map_err(|e| r.value_error(s.row, cols[i], e))?,
                }
            }
            out.push(')');
            if out.len() >= limit {
                out.push_str(";\n");
                sink.put(&out)?;
                out.clear();
            }
            Ok(())
        })?;
        if !out.is_empty() {
            out.push_str(";\n");
        }
        let _ = writeln!(
            out,
            "CREATE INDEX temp.\"dupsweep_rows_chunk\" ON \"dupsweep_rows\" ({chunk}, {role});\nCREATE INDEX temp.\"dupsweep_rows_item\" ON \"dupsweep_rows\" ({item});"
        );
        sink.put(&out)
    }

    /// Set-based deletions ([`stage`]): the staging table takes the affinities of the table's
    /// columns (so that `15` is read as a number where the column's is), is filled by
    /// multi-row `INSERT`s, and each batch's statements join it on the primary key. Values
    /// compare with `IS … COLLATE BINARY`: by value, text byte for byte.
    fn staged(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let q = |s: &str| self.ident(s).unwrap_or_default();
        let (chunk, role, item, refc, mask) = (
            q(&n.chunk),
            q(&n.role),
            q(&n.item),
            q(&n.reference),
            q(&n.mask),
        );
        let cols = stage::columns(r);
        let names: Vec<&str> = cols.iter().map(|&c| r.col(c)).collect();
        let pk: Vec<&str> = plan.pk.iter().map(|&c| r.col(c)).collect();
        self.load_stage(r, &cols, true, sink)?;
        let mut out = String::new();
        let key = |a: &str, b: &dyn Fn(&str) -> String| -> String {
            pk.iter()
                .map(|c| format!("{a}.{c} = {}", b(c)))
                .collect::<Vec<_>>()
                .join(" AND ")
        };
        let same = |a: &str, cs: &[&str], b: &dyn Fn(&str, usize) -> String| -> String {
            cs.iter()
                .enumerate()
                .map(|(i, c)| format!("{a}.{c} IS {} COLLATE BINARY", b(c, i)))
                .collect::<Vec<_>>()
                .join("\n      AND ")
        };
        let pos = |c: &str| names.iter().position(|x| x == &c).unwrap_or(0);
        let resolved = |own: &str, base: &str, c: &str, i: usize| {
            format!(
                "(CASE WHEN substr({own}.{mask}, {}, 1) = '1' THEN {base}.{c} ELSE {own}.{c} END)",
                i + 1
            )
        };
        let tt = format!("{t} AS dupsweep_t");
        let pk_list = |a: &str| -> String {
            let l: Vec<String> = pk.iter().map(|c| format!("{a}.{c}")).collect();
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
            let _ = writeln!(out, "-- batch {k} of {total}: {rows} rows");
            let mut cond = format!(
                "s.{chunk} = {k} AND s.{role} = 's'\n    AND NOT EXISTS (SELECT 1 FROM {tt} WHERE {}\n      AND {})",
                key("dupsweep_t", &|c| resolved("s", "d", c, pos(c))),
                same("dupsweep_t", &names, &|c, i| resolved("s", "d", c, i))
            );
            if plan.after.is_some() {
                let _ = write!(
                    cond,
                    "\n    AND NOT EXISTS (SELECT 1 FROM {STAGE} a JOIN {STAGE} ad ON ad.{item} = a.{refc} JOIN {tt} ON {}\n      WHERE a.{item} = s.{item} AND a.{role} = '{}' AND {})",
                    key("dupsweep_t", &|c| resolved("a", "ad", c, pos(c))),
                    Role::After.code(),
                    same("dupsweep_t", &names, &|c, i| resolved("a", "ad", c, i))
                );
            }
            let _ = writeln!(out, "INSERT INTO {GUARD} SELECT '{label}batch {k} survivors', count(*) = 0 FROM {STAGE} s JOIN {STAGE} d ON d.{item} = s.{refc}\n    WHERE {cond};");
            let _ = writeln!(
                out,
                "DELETE FROM {t} WHERE {} IN (SELECT {} FROM {STAGE} d JOIN {tt} ON {}\n    WHERE d.{chunk} = {k} AND d.{role} = 'd'\n      AND {});",
                pk_list(t),
                pk.iter()
                    .map(|c| format!("dupsweep_t.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                key("dupsweep_t", &|c| format!("d.{c}")),
                same("dupsweep_t", &names, &|c, _| format!("d.{c}"))
            );
            let _ = writeln!(
                out,
                "INSERT INTO {GUARD} SELECT '{label}batch {k} deleted', changes() IN (0, {rows}) AND (SELECT count(*) FROM {STAGE} d JOIN {tt} ON {}\n    WHERE d.{chunk} = {k} AND d.{role} = 'd' AND {}) = 0;",
                key("dupsweep_t", &|c| format!("d.{c}")),
                same("dupsweep_t", &pk, &|c, _| format!("d.{c}"))
            );
            sink.put(&out)?;
            out.clear();
        }
        sink.put(&format!("DROP TABLE {STAGE};\n"))
    }

    /// The undo of set-based deletions: the removed rows, every column, staged; per batch
    /// those whose primary key is free inserted back, then all of them checked.
    fn staged_undo(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        let plan = r.plan;
        let t = &r.table;
        let n = stage::Names::new(&plan.values.names);
        let q = |s: &str| self.ident(s).unwrap_or_default();
        let (chunk, role) = (q(&n.chunk), q(&n.role));
        let cols: Vec<usize> = (0..plan.values.names.len()).collect();
        let names: Vec<&str> = cols.iter().map(|&c| r.col(c)).collect();
        let pk: Vec<&str> = plan.pk.iter().map(|&c| r.col(c)).collect();
        self.load_stage(r, &cols, false, sink)?;
        let key = pk
            .iter()
            .map(|c| format!("dupsweep_t.{c} = d.{c}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let same = names
            .iter()
            .map(|c| format!("dupsweep_t.{c} IS d.{c} COLLATE BINARY"))
            .collect::<Vec<_>>()
            .join("\n      AND ");
        let list = names
            .iter()
            .map(|c| format!("d.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = String::new();
        let counts = stage::counts(r);
        let total = counts.len();
        for (bi, &(rows, _)) in counts.iter().enumerate() {
            let k = bi + 1;
            let _ = writeln!(out, "-- undo batch {k} of {total}: {rows} rows");
            let _ = writeln!(
                out,
                "INSERT INTO {t} ({}) SELECT {list} FROM {STAGE} d\n    WHERE d.{chunk} = {k} AND d.{role} = 'd' AND NOT EXISTS (SELECT 1 FROM {t} AS dupsweep_t WHERE {key});",
                names.join(", ")
            );
            let _ = writeln!(
                out,
                "INSERT INTO {GUARD} SELECT '{label}undo batch {k}', count(*) = {rows} FROM {STAGE} d JOIN {t} AS dupsweep_t ON {key}\n    WHERE d.{chunk} = {k} AND d.{role} = 'd'\n      AND {same};"
            );
            sink.put(&out)?;
            out.clear();
        }
        sink.put(&format!("DROP TABLE {STAGE};\n"))
    }
}
