//! PostgreSQL: standard-conforming string literals (pinned at the top of the script, as
//! pg_dump does), values compared in the column's own type, guards in `DO` blocks that raise
//! an exception, `psql` stopping at the first error.

use std::fmt::Write;

use super::stage;
use super::{applied, fresh, BatchSql, Dialect, Kind, Plan, Render, Sink, Val};
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
        Ok(super::double_quoted(name))
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
        out.push_str(&super::schema_statement(self, &[plan.table])?);
        if plan.batches.is_empty() {
            out.push_str("-- no duplicate rows: nothing to delete\n");
            return sink.put(&out);
        }
        let lock = format!("LOCK TABLE {t} IN SHARE ROW EXCLUSIVE MODE;\n");
        let references = self.no_silent_references(&plan.table.name, &[], "");
        let Some(pause) = plan.chunked else {
            out.push_str("BEGIN;\n");
            out.push_str(FUNCTION);
            out.push_str(&lock);
            out.push_str(&references);
            sink.put(&out)?;
            self.deletions(&r, "", None, sink)?;
            return sink.put("COMMIT;\n");
        };
        // each batch in a transaction of its own; the function and the staged rows last for
        // the session
        out.push_str(FUNCTION);
        sink.put(&out)?;
        let open = format!("BEGIN;\n{lock}{references}");
        let mut close = "COMMIT;\n".to_owned();
        if pause > 0.0 {
            let _ = writeln!(close, "SELECT pg_catalog.pg_sleep({pause});");
        }
        self.deletions(&r, "", Some((&open, &close)), sink)
    }

    fn run_line(&self) -> &'static str {
        "psql -X -v ON_ERROR_STOP=1 -f THIS_FILE (the script also sets ON_ERROR_STOP)"
    }

    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.deletions(r, label, None, out)
    }

    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()> {
        self.staged_undo(r, label, out)
    }

    fn open(&self, tables: &[String], _names: &[&str], _utc: bool, schema: &str) -> String {
        let mut t: Vec<&str> = tables.iter().map(String::as_str).collect();
        t.sort_unstable();
        format!(
            "{PRELUDE}{schema}BEGIN;\n{FUNCTION}LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE;\n",
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

    fn use_schema(&self, schema: &str, tables: &[&str]) -> Result<String, String> {
        // the schema first (the temporary tables and pg_catalog are still searched before
        // it), then public, where extensions' types and operators usually are (citext…); so
        // that a name never falls through to public, each table must be in the schema
        let s = self.ident(schema)?;
        let mut out = if schema == "public" {
            format!("SET search_path = {s};\n")
        } else {
            format!("SET search_path = {s}, public;\n")
        };
        for t in tables {
            let q = quote(&format!("{s}.{}", self.ident(t)?))?;
            out.push_str(&format!(
                "DO $dupsweep$ BEGIN IF to_regclass({q}) IS NULL THEN RAISE EXCEPTION 'dupsweep: the table % does not exist: nothing was changed', {q}; END IF; END $dupsweep$;\n"
            ));
        }
        Ok(out)
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

/// Created inside the transaction (a pooler keeps a transaction on one connection; with
/// `--commit batch`, before the first), the comparison every guard uses: `pg_temp.dupsweep_is(col, 'dumped')` is true
/// when the column holds the dumped value itself, not only one equal to it. The literal takes
/// the column's type (an untyped literal does, for a polymorphic argument), so `'17'` is an
/// integer and `'15'` equals `15.00` in a `numeric(6,2)`; `to_jsonb` compares text byte for
/// byte whatever the column's collation (a nondeterministic ICU collation, `citext`) and works
/// for types without `=` (`json`); the sign of the text tells `-0` from `0` (equal as floats,
/// different rows in the dump), and a `json` value (which `to_jsonb` normalises) compares as
/// its text. PL/pgSQL, so that the planner does not inline it into every arm of a batch's
/// guard (planning took ten times as long); it only runs for the row a primary key found.
const FUNCTION: &str = "\
CREATE OR REPLACE FUNCTION pg_temp.dupsweep_is(a anyelement, b anyelement) RETURNS boolean LANGUAGE plpgsql STABLE\n\
AS $dupsweep_is$\n\
BEGIN\n  \
RETURN pg_catalog.to_jsonb(a) = pg_catalog.to_jsonb(b) AND pg_catalog.left(a::text, 1) = pg_catalog.left(b::text, 1)\n    \
AND (pg_catalog.pg_typeof(a) <> 'json'::regtype OR a::text = b::text);\n\
END\n\
$dupsweep_is$;\n";

/// [`put_block`], with `wrap`'s text before and after it (`--commit batch`: a transaction).
fn put_wrapped(sink: &mut dyn Sink, b: &str, wrap: Option<(&str, &str)>) -> Result<()> {
    if let Some((before, _)) = wrap {
        sink.put(before)?;
    }
    put_block(sink, b)?;
    if let Some((_, after)) = wrap {
        sink.put(after)?;
    }
    Ok(())
}

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
    /// `wrap`: what goes before and after each batch's block (`--commit batch`).
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
        let mut b = String::new();
        r.each_batch(|r, batch| {
            b.clear();
            match batch {
                BatchSql::Pk {
                    at: (n, total),
                    rows,
                    survivors: surv,
                    survivors_match,
                    delete,
                    pk_exact,
                } => {
                    let _ = writeln!(b, "  -- batch {n} of {total}: {rows} rows");
                    let _ = writeln!(
                        b,
                        "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE\n    {survivors_match};"
                    );
                    let _ = writeln!(b, "  IF dupsweep_n <> {surv} THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % of the {surv} surviving rows still hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                    let _ = writeln!(b, "  {delete};");
                    let _ = writeln!(b, "  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;");
                    let _ = writeln!(b, "  IF dupsweep_n NOT IN (0, {rows}) THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % rows matched, expected {rows} (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                    let _ = writeln!(
                        b,
                        "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE {pk_exact};"
                    );
                    let _ = writeln!(b, "  IF dupsweep_n <> 0 THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {n}: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
                }
                BatchSql::Keyless {
                    at: (n, total),
                    groups,
                } => {
                    let _ = writeln!(b, "  -- batch {n} of {total}: {} groups", groups.len());
                    for g in groups {
                        let gid = g.id;
                        let key = r.group_scope(g.group)?;
                        let state = |pick| {
                            g.state(pick, "\n      AND ", |_, s, k| {
                                format!("count(*) FILTER (WHERE {s}) = {k}")
                            })
                        };
                        let (before, after) = (state(fresh), state(applied));
                        let _ = writeln!(b, "  -- group of record {gid}");
                        let _ = writeln!(b, "  SELECT (({before})\n      OR ({after}))\n    INTO dupsweep_ok FROM {t} WHERE {key};");
                        let _ = writeln!(b, "  IF NOT dupsweep_ok THEN\n    RAISE EXCEPTION 'dupsweep: {label}group of record {gid}: the copies in the table differ from the dump; the table changed since the dump, nothing was deleted';\n  END IF;");
                        for (_, s, c) in g.losing() {
                            let (fresh, m) = (c.fresh, c.gone());
                            let _ = writeln!(
                                b,
                                "  SELECT count(*) INTO dupsweep_n FROM {t} WHERE {s};"
                            );
                            let _ = writeln!(b, "  IF dupsweep_n = {fresh} THEN\n    DELETE FROM {t} WHERE ctid IN (SELECT ctid FROM {t} WHERE {s} LIMIT {m});\n  END IF;");
                        }
                        let _ = writeln!(
                            b,
                            "  SELECT ({after})\n    INTO dupsweep_ok FROM {t} WHERE {key};"
                        );
                        let _ = writeln!(b, "  IF NOT dupsweep_ok THEN\n    RAISE EXCEPTION 'dupsweep: {label}group of record {gid}: the deletion left other copies than expected, so the table changed since the dump; nothing was deleted';\n  END IF;");
                    }
                }
            }
            put_wrapped(sink, &b, wrap)
        })
    }
}

/// Appends a value as a field of `COPY … FROM stdin` in text format (NULL: `\N`).
fn push_copy_field(out: &mut String, v: Option<Val<'_>>) -> Result<(), String> {
    let Some(v) = v else {
        out.push_str("\\N");
        return Ok(());
    };
    if v.kind == Kind::Bytes {
        // `\\x…`: COPY reads `\x…`, the bytea hex form
        out.push_str("\\\\x");
        out.push_str(v.text);
        return Ok(());
    }
    if v.text.contains('\0') {
        return Err("PostgreSQL text cannot hold a NUL byte (\\0)".into());
    }
    for c in v.text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    Ok(())
}

/// A batch's statements find each of its few hundred rows through the primary key: without
/// hash and merge joins, the planner cannot choose to scan the whole table instead (which it
/// does on a table of a hundred thousand rows, and would on a table whose statistics are
/// stale). Until the end of the transaction.
const NESTED_LOOPS: &str =
    "  SET LOCAL enable_hashjoin = off;\n  SET LOCAL enable_mergejoin = off;\n";

/// The staging table of a table's set-based deletions ([`stage`]), qualified, and its name.
fn stage_table(r: &Render<'_, '_>) -> (String, String) {
    let name = stage::table_name("dupsweep_rows", r);
    (format!("pg_temp.\"{name}\""), format!("\"{name}\""))
}

impl Postgres {
    /// Creates the staging table (the table's columns `cols`, with their types; with
    /// `survivors`, as many again for the survivors and, in whole dumps, for their re-pointed
    /// values) and loads it from the script itself.
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
        let after = survivors && r.plan.after.is_some();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "-- the dumped rows, typed as the table's columns\nCREATE TEMPORARY TABLE {st_name} AS SELECT 0::int AS {chunk}, ''::text AS {smask}, ''::text AS {amask},\n    {} FROM {t} WITH NO DATA;",
            stage::select_list(r, cols, survivors, "")
        );
        let _ = writeln!(out, "COPY {st} FROM stdin;");
        sink.put(&out)?;
        out.clear();
        let nulls = |out: &mut String| {
            for _ in cols {
                out.push_str("\t\\N");
            }
        };
        stage::rows(r, cols, survivors, &mut |s| {
            let _ = write!(out, "{}\t", s.chunk);
            let masks = [&s.survivor, &s.after];
            for m in masks {
                out.push_str(m.as_ref().map_or("\\N", |o| o.mask.as_str()));
                out.push('\t');
            }
            for (i, v) in s.values.iter().enumerate() {
                if i > 0 {
                    out.push('\t');
                }
                push_copy_field(&mut out, *v).map_err(|e| r.value_error(s.row, cols[i], e))?;
            }
            for (m, on) in masks.into_iter().zip([survivors, after]) {
                if !on {
                    continue;
                }
                match m {
                    None => nulls(&mut out),
                    Some(o) => {
                        for (i, v) in o.values.iter().enumerate() {
                            out.push('\t');
                            let row = s.survivor_row.unwrap_or(s.row);
                            push_copy_field(&mut out, *v)
                                .map_err(|e| r.value_error(row, cols[i], e))?;
                        }
                    }
                }
            }
            out.push('\n');
            if out.len() >= 1 << 16 {
                sink.put(&out)?;
                out.clear();
            }
            Ok(())
        })?;
        out.push_str("\\.\n");
        // the planner needs the batch column's statistics to look the staged rows up by batch
        // (the other columns' would take longer to gather than the deletion itself)
        let _ = writeln!(
            out,
            "CREATE INDEX ON {st} ({chunk});\nANALYZE {st} ({chunk});"
        );
        sink.put(&out)
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
        let list = |a: &str| stage::each(r, &cols, ", ", |c| format!("{a}.{c}"));
        let names = stage::each(r, &cols, ", ", str::to_owned);
        let counts = stage::counts(r);
        let total = counts.len();
        for (bi, &(rows, _)) in counts.iter().enumerate() {
            let k = bi + 1;
            let mut b = String::new();
            let _ = writeln!(b, "  -- undo batch {k} of {total}: {rows} rows");
            b.push_str(NESTED_LOOPS);
            let _ = writeln!(
                b,
                "  INSERT INTO {t} ({names}) SELECT {} FROM {st} d\n    WHERE d.{chunk} = {k} AND NOT EXISTS (SELECT 1 FROM {t} dupsweep_t WHERE {key});",
                list("d")
            );
            let _ = writeln!(
                b,
                "  SELECT count(*) INTO dupsweep_n FROM {st} d JOIN {t} dupsweep_t ON {key}\n    WHERE d.{chunk} = {k} AND pg_catalog.record_image_eq(ROW({}), ROW({}));",
                list("dupsweep_t"),
                list("d")
            );
            let _ = writeln!(b, "  IF dupsweep_n <> {rows} THEN\n    RAISE EXCEPTION 'dupsweep: {label}undo batch {k}: % of the {rows} rows hold their dumped values; the table changed since the change script ran, nothing was changed', dupsweep_n;\n  END IF;");
            put_block(sink, &b)?;
        }
        sink.put(&format!("DROP TABLE {st};\n"))
    }

    /// Set-based deletions ([`stage`]): the staging table, typed as the table's columns,
    /// loaded by `COPY` from the script itself; then per batch a `DO` block whose statements
    /// are joins on the primary key. Values compare with `record_image_eq`, the binary image
    /// of the typed values: text byte for byte whatever the collation, `-0` apart from `0`,
    /// `json` as written, and numbers, dates and booleans as the column's type reads them.
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
        // a survivor's value of the `i`th staged column: the row's own where the mask says so
        let resolved = |mask: &str, other: &dyn Fn(usize) -> String, i: usize| {
            stage::survivor_value("pg_catalog.substr", mask, i, names[i], &other(i))
        };
        let found = |mask: &str, other: &dyn Fn(usize) -> String| -> String {
            let key: Vec<String> = pk
                .iter()
                .map(|&i| format!("dupsweep_t.{} = {}", names[i], resolved(mask, other, i)))
                .collect();
            let left: Vec<String> = names.iter().map(|c| format!("dupsweep_t.{c}")).collect();
            let right: Vec<String> = (0..names.len()).map(|i| resolved(mask, other, i)).collect();
            format!(
                "SELECT 1 FROM {t} dupsweep_t WHERE {}\n      AND pg_catalog.record_image_eq(ROW({}), ROW({}))",
                key.join(" AND "),
                left.join(", "),
                right.join(", ")
            )
        };
        let survivor = |i: usize| q(&n.survivor(i));
        let moved = |i: usize| q(&n.after(i));
        let key: Vec<String> = pk
            .iter()
            .map(|&i| format!("dupsweep_t.{} = d.{}", names[i], names[i]))
            .collect();
        let key = key.join(" AND ");
        let all = |cs: &[&str]| -> (String, String) {
            (
                cs.iter()
                    .map(|c| format!("dupsweep_t.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                cs.iter()
                    .map(|c| format!("d.{c}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        };
        let (live, dumped) = all(&names);
        let pk_names: Vec<&str> = pk.iter().map(|&i| names[i]).collect();
        let (live_pk, dumped_pk) = all(&pk_names);
        let counts = stage::counts(r);
        let total = counts.len();
        let tt = format!("{t} dupsweep_t");
        for (bi, &(rows, surv)) in counts.iter().enumerate() {
            let k = bi + 1;
            let mut b = String::new();
            let _ = writeln!(b, "  -- batch {k} of {total}: {rows} rows");
            b.push_str(NESTED_LOOPS);
            let mut lost = format!(
                "  SELECT count(*) INTO dupsweep_n FROM {st} d\n    WHERE d.{chunk} = {k} AND d.{smask} IS NOT NULL\n    AND NOT EXISTS ({})",
                found(&smask, &survivor)
            );
            if plan.after.is_some() {
                let _ = write!(
                    lost,
                    "\n    AND (d.{amask} IS NULL OR NOT EXISTS ({}))",
                    found(&amask, &moved)
                );
            }
            let _ = writeln!(
                b,
                "  DELETE FROM {tt} USING {st} d\n    WHERE d.{chunk} = {k} AND {key}\n    AND pg_catalog.record_image_eq(ROW({live}), ROW({dumped}));"
            );
            let _ = writeln!(b, "  GET DIAGNOSTICS dupsweep_n = ROW_COUNT;");
            let _ = writeln!(b, "  IF dupsweep_n NOT IN (0, {rows}) THEN\n    RAISE EXCEPTION 'dupsweep: {label}batch {k}: % rows matched, expected {rows} (or 0 when already applied); the table changed since the dump, nothing was deleted', dupsweep_n;\n  END IF;");
            // all the batch's rows deleted: their survivors must still be there (else the
            // exception rolls the deletion back); none deleted (already applied): none may be
            // left holding other values (the batch's primary keys are distinct); survivors
            // edited since an earlier run of the batch do not stop a rerun
            let _ = writeln!(b, "  IF dupsweep_n = {rows} THEN\n  {}", lost.trim_start());
            let _ = writeln!(b, ";\n    IF dupsweep_n <> 0 THEN\n      RAISE EXCEPTION 'dupsweep: {label}batch {k}: % of the {surv} surviving rows no longer hold their dumped values; the table changed since the dump, nothing was deleted', dupsweep_n;\n    END IF;");
            let _ = writeln!(
                b,
                "  ELSE\n    SELECT count(*) INTO dupsweep_n FROM {st} d JOIN {tt} ON {key}\n      WHERE d.{chunk} = {k} AND pg_catalog.record_image_eq(ROW({live_pk}), ROW({dumped_pk}));"
            );
            let _ = writeln!(b, "    IF dupsweep_n <> 0 THEN\n      RAISE EXCEPTION 'dupsweep: {label}batch {k}: % rows to delete hold other values than in the dump; the table changed since the dump, nothing was deleted', dupsweep_n;\n    END IF;\n  END IF;");
            put_wrapped(sink, &b, wrap)?;
        }
        sink.put(&format!("DROP TABLE {st};\n"))
    }
}
