//! PostgreSQL: standard-conforming string literals (pinned at the top of the script, as
//! pg_dump does), values compared in the column's own type, guards in `DO` blocks that raise
//! an exception, `psql` stopping at the first error.

use std::fmt::Write;

use super::{Batch, Dialect, Kind, Plan, Render, Sink, Val};
use crate::config::DialectName;
use crate::error::Result;

pub struct Postgres;

fn quote(s: &str) -> Result<String, String> {
    if s.contains('\0') {
        return Err("PostgreSQL text cannot hold a NUL byte (\\0)".into());
    }
    Ok(format!("'{}'", s.replace('\'', "''")))
}

impl Dialect for Postgres {
    fn name(&self) -> DialectName {
        DialectName::Postgres
    }

    fn ident(&self, name: &str) -> Result<String, String> {
        if name.contains('\0') {
            return Err("a name cannot hold a NUL byte".into());
        }
        Ok(format!("\"{}\"", name.replace('"', "\"\"")))
    }

    fn literal(&self, v: Val<'_>) -> Result<String, String> {
        // An untyped string constant takes the type of the column it is compared with, so
        // '17' works for an integer and '2024-01-05' for a date.
        match v.kind {
            Kind::Bytes => Ok(format!("'\\x{}'", v.text)),
            _ => quote(v.text),
        }
    }

    fn matches(&self, col: &str, v: Option<Val<'_>>) -> Result<String, String> {
        match v {
            None => Ok(format!("{col} IS NULL")),
            Some(v) => Ok(format!("{col} = {}", self.literal(v)?)),
        }
    }

    fn push_literal(&self, out: &mut String, v: Val<'_>) -> Result<(), String> {
        if v.kind == Kind::Bytes {
            out.push_str(&self.literal(v)?);
            return Ok(());
        }
        if v.text.contains('\0') {
            return Err("PostgreSQL text cannot hold a NUL byte (\\0)".into());
        }
        out.push('\'');
        push_doubled(out, v.text, '\'');
        out.push('\'');
        Ok(())
    }

    fn push_identical(
        &self,
        out: &mut String,
        col: &str,
        v: Option<Val<'_>>,
        indexed: bool,
    ) -> Result<(), String> {
        let Some(v) = v else {
            out.push_str(col);
            out.push_str(" IS NULL");
            return Ok(());
        };
        if indexed {
            // a plain `=` too, which an index on the column serves
            self.push_matches(out, col, Some(v))?;
            out.push_str(" AND ");
        }
        out.push_str("pg_temp.dupsweep_is(");
        out.push_str(col);
        out.push_str(", ");
        self.push_literal(out, v)?;
        out.push(')');
        Ok(())
    }

    fn push_matches(&self, out: &mut String, col: &str, v: Option<Val<'_>>) -> Result<(), String> {
        match v {
            None => {
                out.push_str(col);
                out.push_str(" IS NULL");
            }
            Some(v) if v.kind != Kind::Bytes => {
                if v.text.contains('\0') {
                    return Err("PostgreSQL text cannot hold a NUL byte (\\0)".into());
                }
                out.push_str(col);
                out.push_str(" = '");
                push_doubled(out, v.text, '\'');
                out.push('\'');
            }
            Some(v) => out.push_str(&self.matches(col, Some(v))?),
        }
        Ok(())
    }

    fn script(&self, plan: &Plan<'_>, sink: &mut dyn Sink) -> Result<()> {
        let r = Render::new(self, plan)?;
        let t = &r.table;
        let mut out = r.header(self.run_line());
        out.push_str(PRELUDE);
        out.push_str(BEGIN);
        if plan.batches.is_empty() {
            out.push_str("-- no duplicate rows: nothing to delete\n");
        } else {
            let _ = writeln!(out, "LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE;");
            out.push_str(&self.no_silent_references(&plan.table.name, &[], ""));
            sink.put(&out)?;
            out.clear();
            self.deletions(&r, "", sink)?;
        }
        out.push_str("COMMIT;\n");
        sink.put(&out)
    }

    fn run_line(&self) -> &'static str {
        "psql -X -v ON_ERROR_STOP=1 -f THIS_FILE (the script also sets ON_ERROR_STOP)"
    }

    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.deletions(r, label, out)
    }

    fn open(&self, tables: &[String], _names: &[&str], _utc: bool) -> String {
        let mut t: Vec<&str> = tables.iter().map(String::as_str).collect();
        t.sort_unstable();
        format!(
            "{PRELUDE}{BEGIN}LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE;\n",
            t.join(", ")
        )
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
        let reg = |t: &str| {
            format!(
                "to_regclass({})",
                quote(&self.ident(t).unwrap_or_default()).unwrap_or_default()
            )
        };
        let mut cond = format!(
            "c.contype = 'f' AND c.confrelid = {} AND c.confdeltype IN ('c', 'n', 'd')",
            reg(table)
        );
        if !declared.is_empty() {
            let pairs: Vec<String> = declared
                .iter()
                .map(|(t, c)| format!("({}::oid, {})", reg(t), quote(c).unwrap_or_default()))
                .collect();
            cond.push_str(&format!(
                "\n    AND (c.conrelid, a.attname::text) NOT IN ({})",
                pairs.join(", ")
            ));
        }
        let label = Self::undo_block_label(label);
        block(&format!("  SELECT count(*) INTO dupsweep_n FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)\n    WHERE {cond};\n  IF dupsweep_n <> 0 THEN\n    RAISE EXCEPTION 'dupsweep: {label}% foreign keys reference this table with ON DELETE CASCADE, SET NULL or SET DEFAULT from a table or column that dupsweep does not re-point: deleting its duplicates would change those rows; describe them in a dupsweep.toml (foreign-keys) and use dupsweep run; nothing was changed', dupsweep_n;\n  END IF;\n"))
    }

    fn unique_key(&self, table: &str, index: &str, cols: &[(String, bool)]) -> String {
        let list: Vec<String> = cols
            .iter()
            .map(|(c, long)| {
                if *long {
                    format!("md5({c})")
                } else {
                    c.clone()
                }
            })
            .collect();
        format!(
            "CREATE UNIQUE INDEX IF NOT EXISTS {index} ON {table} ({}) NULLS NOT DISTINCT;\n",
            list.join(", ")
        )
    }

    fn prevent_notes(&self) -> &'static [&'static str] {
        &[
            "PostgreSQL 15 or later (NULLS NOT DISTINCT: two rows with NULL in the same key column",
            "count as duplicates, as dupsweep counts them). Text compares as the column's collation",
            "does (deterministic collations: byte for byte). Columns with values over 512 bytes are",
            "indexed by md5() (a B-tree entry holds at most about 2.7 kB). One transaction: if any",
            "index cannot be built (duplicates left), none is.",
        ]
    }

    fn check(&self, label: &str, cond: &str, from: &str) -> String {
        let label = Self::undo_block_label(label);
        block(&format!("  SELECT ({cond}) INTO dupsweep_ok{from};\n  IF NOT coalesce(dupsweep_ok, false) THEN\n    RAISE EXCEPTION 'dupsweep: {label}: the table changed since the dump; nothing was changed';\n  END IF;\n"))
    }

    fn counted(&self, stmt: &str, label: &str, rows: usize) -> String {
        let label = Self::undo_block_label(label);
        block(&format!("  {stmt};\n  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;\n  IF dupsweep_n NOT IN (0, {rows}) THEN\n    RAISE EXCEPTION 'dupsweep: {label}: % rows matched, expected {rows} (or 0 when already applied); the table changed since the dump, nothing was changed', dupsweep_n;\n  END IF;\n"))
    }
}

/// Appends `s` with every `q` doubled.
pub(super) fn push_doubled(out: &mut String, s: &str, q: char) {
    let mut rest = s;
    while let Some(i) = rest.find(q) {
        out.push_str(&rest[..=i]);
        out.push(q);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

impl Postgres {
    fn undo_block_label(label: &str) -> String {
        label.replace(['%', '\''], "?")
    }
}

/// Settings pinned for the script (as pg_dump does); JIT compilation off (a batch's guard is
/// one large expression, whose cost estimate makes PostgreSQL compile it: seconds per batch
/// for a query that runs in milliseconds).
const PRELUDE: &str = "\\set ON_ERROR_STOP on\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\nSET jit = off;\n";

/// Opens the transaction and creates, inside it (a pooler keeps a transaction on one
/// connection), the comparison every guard uses: `pg_temp.dupsweep_is(col, 'dumped')` is true
/// when the column holds the dumped value itself, not only one equal to it. The literal takes
/// the column's type (an untyped literal does, for a polymorphic argument), so `'17'` is an
/// integer and `'15'` equals `15.00` in a `numeric(6,2)`; `to_jsonb` compares text byte for
/// byte whatever the column's collation (a nondeterministic ICU collation, `citext`) and works
/// for types without `=` (`json`); the sign of the text tells `-0` from `0` (equal as floats,
/// different rows in the dump), and a `json` value (which `to_jsonb` normalises) compares as
/// its text. PL/pgSQL, so that the planner does not inline it into every arm of a batch's
/// guard (planning took ten times as long); it only runs for the row a primary key found.
const BEGIN: &str = "BEGIN;\n\
CREATE OR REPLACE FUNCTION pg_temp.dupsweep_is(a anyelement, b anyelement) RETURNS boolean LANGUAGE plpgsql STABLE\n\
AS $dupsweep_is$\n\
BEGIN\n  \
RETURN pg_catalog.to_jsonb(a) = pg_catalog.to_jsonb(b) AND pg_catalog.left(a::text, 1) = pg_catalog.left(b::text, 1)\n    \
AND (pg_catalog.pg_typeof(a) <> 'json'::regtype OR a::text = b::text);\n\
END\n\
$dupsweep_is$;\n";

/// A `DO` block around `b`, with a dollar-quote tag that `b` does not contain.
fn block(b: &str) -> String {
    let mut out = String::new();
    // (a String sink cannot fail)
    let _ = put_block(&mut out, b);
    out
}

/// [`block`], written to `sink` in pieces (a batch's block is not copied once more).
fn put_block(sink: &mut dyn Sink, b: &str) -> Result<()> {
    let mut tag = "$dupsweep$".to_owned();
    let mut k = 0;
    while b.contains(&tag) {
        k += 1;
        tag = format!("$dupsweep{k}$");
    }
    sink.put(&format!(
        "DO {tag}\n#variable_conflict use_column\nDECLARE\n  dupsweep_n bigint;\n  dupsweep_ok boolean;\nBEGIN\n"
    ))?;
    sink.put(b)?;
    sink.put(&format!("END\n{tag};\n"))
}

impl Postgres {
    /// The deletion batches, one `DO` block each; messages start with `label`.
    fn deletions(&self, r: &Render<'_, '_>, label: &str, sink: &mut dyn Sink) -> Result<()> {
        let plan = r.plan;
        let t = &r.table;
        let total = plan.batches.len();
        for (bi, batch) in plan.batches.iter().enumerate() {
            // spilled values: this batch's rows read into memory, the rest left on disk
            let local = plan.values.load_batch(batch)?;
            let r = &r.with_batch(local.as_ref());
            let n = bi + 1;
            let mut b = String::new();
            match batch {
                Batch::Pk(batch) => {
                    let rows = batch.rows.len();
                    let surv = batch.survivors.len();
                    let _ = writeln!(b, "  -- batch {n} of {total}: {rows} rows");
                    let _ = writeln!(
                        b,
                        "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE\n    {};",
                        r.survivors_match(&batch.survivors)?
                    );
                    let _ = writeln!(b, "  IF dupsweep_n <> {surv} THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % of the {surv} surviving rows still hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                    let pk_in = r.pk_in(&batch.rows)?;
                    let _ = writeln!(
                        b,
                        "  DELETE FROM {t} WHERE {pk_in}\n    AND ({});",
                        r.any_match(&batch.rows)?
                    );
                    let _ = writeln!(b, "  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;");
                    let _ = writeln!(b, "  IF dupsweep_n NOT IN (0, {rows}) THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % rows matched, expected {rows} (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                    let _ = writeln!(
                        b,
                        "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE {};",
                        r.pk_exact(&batch.rows)?
                    );
                    let _ = writeln!(b, "  IF dupsweep_n <> 0 THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                }
                Batch::Keyless(groups) => {
                    let _ = writeln!(b, "  -- batch {n} of {total}: {} groups", groups.len());
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
                                .map(|(c, s)| format!("count(*) FILTER (WHERE {s}) = {}", pick(c)))
                                .collect::<Vec<_>>()
                                .join("\n      AND ")
                        };
                        let fresh = state(&|c| c.fresh);
                        let applied = state(&|c| c.applied);
                        let _ = writeln!(b, "  -- group of record {gid}");
                        let _ = writeln!(b, "  SELECT (({fresh})\n      OR ({applied}))\n    INTO dupsweep_ok FROM {t} WHERE {key};");
                        let _ = writeln!(b, "  IF NOT dupsweep_ok THEN\n    RAISE EXCEPTION 'dupsweep: {label}group of record {gid}: the copies in the table differ from the dump; the table changed since the dump, nothing was deleted';\n  END IF;");
                        for (c, s) in g.copies.iter().zip(&sigs) {
                            let m = c.fresh - c.applied;
                            if m == 0 {
                                continue;
                            }
                            let _ = writeln!(
                                b,
                                "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE {s};"
                            );
                            let _ = writeln!(b, "  IF dupsweep_n = {} THEN\n    DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM {t} WHERE {s} LIMIT {m});\n  END IF;", c.fresh);
                        }
                        let _ = writeln!(
                            b,
                            "  SELECT ({applied})\n    INTO dupsweep_ok FROM {t} WHERE {key};"
                        );
                        let _ = writeln!(b, "  IF NOT dupsweep_ok THEN\n    RAISE EXCEPTION 'dupsweep: {label}group of record {gid}: the deletion left other copies than expected, so the table changed since the dump; nothing was deleted';\n  END IF;");
                    }
                }
            }
            put_block(sink, &b)?;
        }
        Ok(())
    }
}
