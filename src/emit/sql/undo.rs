//! Undo scripts: put the database back as it was before the change script ran. Every removed
//! row is inserted again with its dumped values (only where its key is free, or, without a
//! primary key, only while the copies still number what the change left), and re-pointed
//! children get their dumped foreign keys back. The same guards as the change scripts: each
//! step checks its result, any difference rolls the whole transaction back, and running the
//! undo twice changes nothing more. Dialects supply only the primitives (checks, counted
//! statements, the transaction around).

use super::{Batch, Dialect, Plan, Render, Sink};
use crate::error::Result;

/// The steps that undo one table: its re-pointing first (so that the rows put back cannot
/// collide with a re-pointed row on a unique key), then its removed rows.
fn table_steps(
    d: &dyn Dialect,
    r: &Render<'_, '_>,
    label: &str,
    sink: &mut dyn Sink,
) -> Result<()> {
    let plan = r.plan;
    let t = &r.table;
    let mut out = String::new();
    for (i, u) in plan.reverts.iter().enumerate() {
        let step = format!("{label}undo re-pointing {}", i + 1);
        out.push_str(&super::dump::update_step(d, r, u, false, &step)?);
    }
    if super::stage::applies(r) {
        sink.put(&out)?;
        return d.undo_batches(r, label, sink);
    }
    let cols = r.column_list();
    let total = plan.batches.len();
    for (bi, batch) in plan.batches.iter().enumerate() {
        // spilled values: this batch's rows read into memory, the rest left on disk
        let local = plan.values.load_batch(batch)?;
        let r = &r.with_batch(local.as_ref());
        let n = bi + 1;
        match batch {
            Batch::Pk(b) => {
                let rows = b.rows.len();
                out.push_str(&format!("-- undo batch {n} of {total}: {rows} rows\n"));
                for m in &b.rows {
                    // INSERT INTO t (cols) SELECT values WHERE NOT EXISTS (… the same key)
                    out.push_str("INSERT INTO ");
                    out.push_str(t);
                    out.push(' ');
                    out.push_str(&cols);
                    out.push_str(" SELECT ");
                    r.push_literals(&mut out, m.row)?;
                    out.push_str(d.no_from());
                    out.push_str(" WHERE NOT EXISTS (SELECT 1 FROM ");
                    out.push_str(t);
                    out.push_str(" WHERE ");
                    r.push_pk_exact(&mut out, std::slice::from_ref(m))?;
                    out.push_str(");\n");
                }
                out.push_str(&d.check(
                    &format!("{label}undo batch {n}"),
                    &format!("count(*) = {rows}"),
                    &format!(
                        " FROM {t} WHERE {}\n    AND ({})",
                        r.pk_in(&b.rows)?,
                        r.any_match(&b.rows)?
                    ),
                ));
            }
            Batch::Keyless(groups) => {
                out.push_str(&format!(
                    "-- undo batch {n} of {total}: {} groups\n",
                    groups.len()
                ));
                for g in groups {
                    let gid = plan.table.number_of(g.id);
                    for (ci, c) in g.copies.iter().enumerate() {
                        if c.fresh == c.applied {
                            continue;
                        }
                        let sig = r.row_match(c.row, &g.guard)?;
                        let mut lits = String::new();
                        r.push_literals(&mut lits, c.row)?;
                        // one copy per statement, each only while the count is what the
                        // previous one left: a second run finds them all and adds none
                        for k in c.applied..c.fresh {
                            out.push_str(&format!(
                                "INSERT INTO {t} {cols} SELECT {lits}{} WHERE (SELECT count(*) FROM {t} WHERE {sig}) = {k};\n",
                                d.no_from()
                            ));
                        }
                        out.push_str(&d.check(
                            &format!("{label}undo group {gid} copy {}", ci + 1),
                            &format!("count(*) = {}", c.fresh),
                            &format!(" FROM {t} WHERE {sig}"),
                        ));
                    }
                }
            }
        }
        sink.put(&out)?;
        out.clear();
    }
    sink.put(&out)
}

fn open_for(d: &dyn Dialect, renders: &[Render<'_, '_>]) -> Result<String> {
    let tables: Vec<String> = renders.iter().map(|r| r.table.clone()).collect();
    let names: Vec<&str> = renders.iter().map(|r| r.plan.table.name.as_str()).collect();
    let utc = renders.iter().any(|r| r.plan.values.has_time_zones());
    let of: Vec<&crate::model::Table> = renders.iter().map(|r| r.plan.table).collect();
    let schema = super::schema_statement(d, &of)?;
    Ok(d.open(&tables, &names, utc, &schema))
}

/// The undo script of a single table's change script, into `sink` (a batch at a time).
pub fn script(d: &dyn Dialect, plan: &Plan<'_>, sink: &mut dyn Sink) -> Result<()> {
    let r = Render::new(d, plan)?;
    let mut out = String::new();
    for line in [
        format!(
            "dupsweep {}: undo the deletion of duplicate rows from table {}",
            env!("CARGO_PKG_VERSION"),
            plan.table.name
        ),
        format!(
            "puts back the {} rows that {}.{}.sql deleted, with their dumped values",
            plan.rows_to_delete,
            plan.table.name,
            d.name().name()
        ),
        "Every step checks its result; any difference stops the script and rolls the whole".into(),
        "transaction back. Running it twice changes nothing more.".into(),
    ] {
        out.push_str("-- ");
        out.push_str(&super::comment_safe(&line));
        out.push('\n');
    }
    if plan.batches.is_empty() {
        out.push_str("-- nothing was deleted: nothing to undo\n");
        return sink.put(&out);
    }
    out.push_str(&open_for(d, std::slice::from_ref(&r))?);
    sink.put(&out)?;
    table_steps(d, &r, "", sink)?;
    sink.put(&d.close())
}

/// The undo script of a whole dump's change script; `plans` parents first.
pub fn dump_script(d: &dyn Dialect, plans: &[Plan<'_>], header: &str) -> Result<String> {
    let renders = plans
        .iter()
        .map(|p| Render::new(d, p))
        .collect::<Result<Vec<_>>>()?;
    let mut out = header.to_owned();
    out.push_str(&format!(
        "-- UNDO: puts back every row that dump.{}.sql deleted and points re-pointed rows back,\n-- parents first.\n",
        d.name().name()
    ));
    out.push_str(&open_for(d, &renders)?);
    for r in &renders {
        out.push_str(&format!(
            "-- table {}\n",
            super::comment_safe(&r.plan.table.name)
        ));
        table_steps(d, r, &super::label(&r.plan.table.name), &mut out)?;
    }
    out.push_str(&d.close());
    Ok(out)
}
