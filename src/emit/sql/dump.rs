//! A whole dump's change script, the same in every dialect: built from the dialect's deletion
//! batches and its primitives (checks, counted statements, the transaction around). Per table,
//! children before parents: the check that no child references a row about to be deleted, the
//! deletions, then the re-pointing updates.

use super::{declared, label, safe_name, Dialect, Plan, Render, UpdateBatch, Values};
use crate::error::Result;

/// One batch of re-pointing (or, to undo it, of pointing back): set the columns of `u` to
/// their values in `to`, on rows that still hold their values in `from`; then check that all
/// of them hold `to`. `forward`: `from` is the dumped values and `to` the re-pointed ones.
pub(super) fn update_step(
    d: &dyn Dialect,
    r: &Render<'_, '_>,
    u: &UpdateBatch,
    forward: bool,
    step: &str,
) -> Result<String> {
    let t = &r.table;
    let rows = u.rows.len();
    let pk_in = r.pk_in(&u.rows)?;
    let (to, was, now) = if forward {
        (
            r.plan.after.unwrap_or(r.plan.values),
            r.any_match(&u.rows)?,
            r.any_match_after(&u.rows)?,
        )
    } else {
        (
            r.plan.values as &Values,
            r.any_match_after(&u.rows)?,
            r.any_match(&u.rows)?,
        )
    };
    let stmt = format!(
        "UPDATE {t} SET {}\n    WHERE {pk_in}\n    AND ({was})",
        r.set_list_from(u, to)?
    );
    let mut out = format!("-- {step}: {rows} rows\n");
    out.push_str(&d.counted(&stmt, step, rows));
    out.push_str(&d.check(
        &format!("{step} done"),
        &format!("count(*) = {rows}"),
        &format!(" FROM {t} WHERE {pk_in}\n    AND ({now})"),
    ));
    Ok(out)
}

/// The change script of a whole dump; `plans` come parents first.
pub fn script(d: &dyn Dialect, plans: &[Plan<'_>], header: &str) -> Result<String> {
    let renders = plans
        .iter()
        .map(|p| Render::new(d, p))
        .collect::<Result<Vec<_>>>()?;
    let mut out = header.to_owned();
    out.push_str(&format!("-- run: {}\n", d.run_line()));
    let tables: Vec<String> = renders.iter().map(|r| r.table.clone()).collect();
    let names: Vec<&str> = plans.iter().map(|p| p.table.name.as_str()).collect();
    let utc = plans.iter().any(|p| p.values.has_time_zones());
    let of: Vec<&crate::model::Table> = plans.iter().map(|p| p.table).collect();
    let schema = super::schema_statement(d, &of)?;
    out.push_str(&d.open(&tables, &names, utc, &schema));
    for r in &renders {
        if !r.plan.batches.is_empty() {
            out.push_str(&d.no_silent_references(
                &r.plan.table.name,
                &declared(r.plan),
                &label(&r.plan.table.name),
            ));
        }
    }
    // children before their parents
    for r in renders.iter().rev() {
        let label = label(&r.plan.table.name);
        out.push_str(&format!(
            "-- table {}\n",
            super::comment_safe(&r.plan.table.name)
        ));
        // children were re-pointed before (they come first): none may still reference a row
        // about to be deleted, compared in the column's own collation, so that ON DELETE
        // CASCADE or SET NULL can never fire
        let deleted = r.plan.deleted();
        if !deleted.is_empty() {
            for c in &r.plan.children {
                let child = r.other(&c.table)?;
                let col = r.other(&c.column)?;
                out.push_str(&d.check(
                    &format!(
                        "{label}no row of {}.{} references a row to delete",
                        safe_name(&c.table),
                        safe_name(&c.column)
                    ),
                    "count(*) = 0",
                    &format!(" FROM {child} WHERE\n    {}", r.references(&col, &deleted)?),
                ));
            }
        }
        d.delete_batches(r, &label, &mut out)?;
        let total = r.plan.updates.len();
        for (i, u) in r.plan.updates.iter().enumerate() {
            let step = format!("{label}re-pointing {} of {total}", i + 1);
            out.push_str(&update_step(d, r, u, true, &step)?);
        }
    }
    out.push_str(&d.close());
    Ok(out)
}
