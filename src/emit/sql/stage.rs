//! Set-based deletion from a table with a primary key. A script carries the dumped values of
//! the rows it deletes, and of their survivors, as data: loaded into a temporary table (the
//! staging table) whose columns take the live columns' own types at replay time, so that the
//! server reads the dumped text as it reads its own input (`15` is `15.00` in a
//! `NUMERIC(6,2)`). Each batch is then a few statements, each joined on the primary key so
//! that the table's index finds every row: the survivors still hold their values, the rows to
//! delete are deleted only where every guarded column still holds its dumped value, exactly as
//! many as expected (or none, when the batch was already applied), and none is left behind.
//!
//! A survivor's row in the staging table holds only the values in which it differs from the
//! first row of its group that the batch deletes (`reference`); `mask` says which columns come
//! from there. Exact duplicates differ in their primary key only, so a survivor costs a few
//! bytes, and the script stays about the size of the removed rows.

use super::{Batch, Render, RowId, Val};
use crate::error::Result;

/// What a staged row is to the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A row to delete.
    Delete,
    /// A survivor of a deleted row's group: it must still be there, with its dumped values.
    Survivor,
    /// Whole dumps: a survivor's re-pointed values (the survivor may hold these instead, when
    /// the script already ran).
    After,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Delete => "d",
            Role::Survivor => "s",
            Role::After => "a",
        }
    }
}

/// One row of the staging table.
pub struct Staged<'v> {
    /// The batch (from 1).
    pub chunk: usize,
    pub role: Role,
    /// Numbers the rows to delete and the survivors; an [`Role::After`] row has its
    /// survivor's.
    pub item: u64,
    /// Survivors: the item of the row to delete whose values fill the masked columns.
    pub reference: Option<u64>,
    /// Survivors: per staged column `1` where the value is the referenced row's, else `0`.
    pub mask: Option<String>,
    /// Per staged column; `None` is NULL, or in a masked column the referenced row's value.
    pub values: Vec<Option<Val<'v>>>,
    /// The record, for errors about its values.
    pub row: RowId,
}

/// The staging table's own columns: names that no column of the table has.
pub struct Names {
    pub chunk: String,
    pub role: String,
    pub item: String,
    pub reference: String,
    pub mask: String,
}

impl Names {
    pub fn new(columns: &[String]) -> Names {
        let mut p = "dupsweep_".to_owned();
        while columns.iter().any(|c| c.to_lowercase().starts_with(&p)) {
            p.push('_');
        }
        Names {
            chunk: format!("{p}chunk"),
            role: format!("{p}role"),
            item: format!("{p}item"),
            reference: format!("{p}ref"),
            mask: format!("{p}mask"),
        }
    }
}

/// The columns a plan's deletions compare (the guard columns; the primary key among them).
pub fn columns(r: &Render<'_, '_>) -> Vec<usize> {
    r.plan
        .batches
        .iter()
        .find_map(|b| match b {
            Batch::Pk(p) => p.rows.first().map(|m| m.columns.to_vec()),
            Batch::Keyless(_) => None,
        })
        .unwrap_or_default()
}

/// True when the plan deletes by primary key (its batches can be staged).
pub fn applies(r: &Render<'_, '_>) -> bool {
    !r.plan.pk.is_empty() && r.plan.batches.iter().all(|b| matches!(b, Batch::Pk(_)))
}

/// Per batch: how many rows it deletes and how many survivors it checks.
pub fn counts(r: &Render<'_, '_>) -> Vec<(usize, usize)> {
    r.plan
        .batches
        .iter()
        .map(|b| match b {
            Batch::Pk(p) => (p.rows.len(), p.survivors.len()),
            Batch::Keyless(_) => (0, 0),
        })
        .collect()
}

/// Calls `f` with every staged row, batch by batch: a batch's rows to delete, then (when
/// `survivors`) its survivors, each followed by its re-pointed values where they differ.
/// `cols`: the staged columns.
pub fn rows(
    r: &Render<'_, '_>,
    cols: &[usize],
    survivors: bool,
    f: &mut dyn FnMut(&Staged<'_>) -> Result<()>,
) -> Result<()> {
    let plan = r.plan;
    let mut item = 0u64;
    for (bi, batch) in plan.batches.iter().enumerate() {
        let Batch::Pk(b) = batch else { continue };
        // spilled values: this batch's rows read into memory, the rest left on disk
        let local = plan.values.load_batch(batch)?;
        let r = &r.with_batch(local.as_ref());
        let chunk = bi + 1;
        let first = item + 1;
        let dumped = |c: usize, row: RowId| r.value(plan.values, c, row);
        for m in &b.rows {
            item += 1;
            f(&Staged {
                chunk,
                role: Role::Delete,
                item,
                reference: None,
                mask: None,
                values: cols.iter().map(|&c| dumped(c, m.row)).collect(),
                row: m.row,
            })?;
        }
        if !survivors {
            continue;
        }
        for (s, &at) in b.survivors.iter().zip(&b.refs) {
            item += 1;
            let reference = first + at as u64;
            let base: Vec<Option<Val<'_>>> =
                cols.iter().map(|&c| dumped(c, b.rows[at].row)).collect();
            let own: Vec<Option<Val<'_>>> = cols.iter().map(|&c| dumped(c, s.row)).collect();
            let mut variants = vec![(Role::Survivor, own)];
            if let Some(after) = plan.after {
                let moved: Vec<Option<Val<'_>>> =
                    cols.iter().map(|&c| after.get(c, s.row)).collect();
                if moved != variants[0].1 {
                    variants.push((Role::After, moved));
                }
            }
            for (role, full) in variants {
                let mut mask = String::with_capacity(cols.len());
                let mut values = Vec::with_capacity(cols.len());
                for (v, b) in full.into_iter().zip(&base) {
                    if v == *b {
                        mask.push('1');
                        values.push(None);
                    } else {
                        mask.push('0');
                        values.push(v);
                    }
                }
                f(&Staged {
                    chunk,
                    role,
                    item,
                    reference: Some(reference),
                    mask: Some(mask),
                    values,
                    row: s.row,
                })?;
            }
        }
    }
    Ok(())
}
