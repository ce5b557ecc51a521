//! Set-based deletion from a table with a primary key. A script carries the dumped values of
//! the rows it deletes, and of their survivors, as data: loaded into a temporary table (the
//! staging table) whose columns take the live columns' own types at replay time, so that the
//! server reads the dumped text as it reads its own input (`15` is `15.00` in a
//! `NUMERIC(6,2)`). Each batch is then a few statements, each joined on the primary key so
//! that the table's index finds every row: the survivors still hold their values, the rows to
//! delete are deleted only where every guarded column still holds its dumped value, exactly as
//! many as expected (or none, when the batch was already applied), and none is left behind.
//!
//! A survivor travels in the staging row of the first row of its group that the batch deletes,
//! as the values in which it differs from that row (a mask says which columns it shares).
//! Exact duplicates differ in their primary key only, so a survivor costs a few bytes, and the
//! script stays about the size of the removed rows.

use std::fmt::Write as _;

use super::{Batch, Render, RowId, Sink, Val};
use crate::error::Result;

/// Values in which a survivor differs from the staged row that carries it.
pub struct Other<'v> {
    /// Per staged column `1` where the value is the carrying row's, else `0`.
    pub mask: String,
    /// Per staged column; `None` is NULL, or in a masked column the carrying row's value.
    pub values: Vec<Option<Val<'v>>>,
}

/// One row of the staging table: a row to delete, and the survivor of its group when this
/// is the batch's first row of that group.
pub struct Staged<'v> {
    /// The batch (from 1).
    pub chunk: usize,
    /// Per staged column; `None` is NULL.
    pub values: Vec<Option<Val<'v>>>,
    /// The survivor to check: its dumped values.
    pub survivor: Option<Other<'v>>,
    /// Whole dumps: the survivor's re-pointed values, where they differ from its dumped ones
    /// (it may hold these instead, when the script already ran).
    pub after: Option<Other<'v>>,
    /// The record, for errors about its values.
    pub row: RowId,
    /// The survivor's record.
    pub survivor_row: Option<RowId>,
}

/// The staging table's own columns: names that no column of the table has.
pub struct Names {
    prefix: String,
    pub chunk: String,
    pub smask: String,
    pub amask: String,
}

impl Names {
    pub fn new(columns: &[String]) -> Names {
        let mut p = "dupsweep_".to_owned();
        while columns.iter().any(|c| c.to_lowercase().starts_with(&p)) {
            p.push('_');
        }
        Names {
            chunk: format!("{p}chunk"),
            smask: format!("{p}smask"),
            amask: format!("{p}amask"),
            prefix: p,
        }
    }

    /// The staged survivor's value of the `i`th staged column.
    pub fn survivor(&self, i: usize) -> String {
        format!("{}s{i}", self.prefix)
    }

    /// The staged re-pointed survivor's value of the `i`th staged column.
    pub fn after(&self, i: usize) -> String {
        format!("{}a{i}", self.prefix)
    }
}

impl Names {
    /// The quoted names of the batch column and the two masks.
    pub fn quoted(&self, r: &Render<'_, '_>) -> (String, String, String) {
        let q = |s: &str| r.d.ident(s).unwrap_or_default();
        (q(&self.chunk), q(&self.smask), q(&self.amask))
    }
}

/// The staging table's copies of the table's columns `cols` (their names prefixed with
/// `prefix`), then, with `survivors`, the survivors' copies and, in whole dumps, the
/// re-pointed survivors': what it is created from.
pub fn select_list(r: &Render<'_, '_>, cols: &[usize], survivors: bool, prefix: &str) -> String {
    let n = Names::new(&r.plan.values.names);
    let q = |s: &str| r.d.ident(s).unwrap_or_default();
    let mut list: Vec<String> = cols
        .iter()
        .map(|&c| format!("{prefix}{}", r.col(c)))
        .collect();
    let mut copy = |name: &dyn Fn(usize) -> String| {
        for (i, &c) in cols.iter().enumerate() {
            list.push(format!("{prefix}{} AS {}", r.col(c), q(&name(i))));
        }
    };
    if survivors {
        copy(&|i| n.survivor(i));
        if r.plan.after.is_some() {
            copy(&|i| n.after(i));
        }
    }
    list.join(", ")
}

/// Where the primary key's columns are among the staged columns `cols`.
pub fn pk_positions(r: &Render<'_, '_>, cols: &[usize]) -> Vec<usize> {
    r.plan
        .pk
        .iter()
        .filter_map(|p| cols.iter().position(|c| c == p))
        .collect()
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
    !r.plan.pk.is_empty()
        && !r.plan.batches.is_empty()
        && r.plan.batches.iter().all(|b| matches!(b, Batch::Pk(_)))
}

/// A temporary table's name, `base` or longer: never the table's own name, which the
/// temporary table would otherwise hide in the script's statements.
pub fn table_name(base: &str, r: &Render<'_, '_>) -> String {
    let mut name = base.to_owned();
    let taken = |n: &str| {
        ["dupsweep_rows", "dupsweep_raw"]
            .iter()
            .any(|b| r.plan.table.name.to_lowercase() == format!("{b}{}", &n[base.len()..]))
    };
    while taken(&name) {
        name.push('_');
    }
    name
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

/// `f` of each of the columns `cols` (their quoted names), joined with `sep`.
pub fn each(r: &Render<'_, '_>, cols: &[usize], sep: &str, f: impl Fn(&str) -> String) -> String {
    cols.iter()
        .map(|&c| f(r.col(c)))
        .collect::<Vec<_>>()
        .join(sep)
}

/// `dupsweep_t.pk = d.pk AND …`: the live row (`dupsweep_t`) of a staged one (`d`), found by
/// its primary key.
pub fn key(r: &Render<'_, '_>) -> String {
    each(r, &r.plan.pk, " AND ", |c| {
        format!("dupsweep_t.{c} = d.{c}")
    })
}

/// `full` as [`Other`] against the carrying row's values `base`.
fn other<'v>(full: Vec<Option<Val<'v>>>, base: &[Option<Val<'v>>]) -> Other<'v> {
    let mut mask = String::with_capacity(full.len());
    let mut values = Vec::with_capacity(full.len());
    for (v, b) in full.into_iter().zip(base) {
        if v == *b {
            mask.push('1');
            values.push(None);
        } else {
            mask.push('0');
            values.push(v);
        }
    }
    Other { mask, values }
}

/// Calls `f` with every staged row, batch by batch; with `survivors`, each batch's first row of
/// a group carries the group's survivor. `cols`: the staged columns.
pub fn rows(
    r: &Render<'_, '_>,
    cols: &[usize],
    survivors: bool,
    f: &mut dyn FnMut(&Staged<'_>) -> Result<()>,
) -> Result<()> {
    let plan = r.plan;
    for (bi, batch) in plan.batches.iter().enumerate() {
        let Batch::Pk(b) = batch else { continue };
        // spilled values: this batch's rows read into memory, the rest left on disk
        let local = plan.values.load_batch(batch)?;
        let r = &r.with_batch(local.as_ref());
        let chunk = bi + 1;
        let dumped = |c: usize, row: RowId| r.value(plan.values, c, row);
        // the row that carries each survivor
        let mut carries: Vec<Option<usize>> = vec![None; b.rows.len()];
        if survivors {
            for (si, &at) in b.refs.iter().enumerate() {
                carries[at] = Some(si);
            }
        }
        for (m, carried) in b.rows.iter().zip(carries) {
            let values: Vec<Option<Val<'_>>> = cols.iter().map(|&c| dumped(c, m.row)).collect();
            let (mut survivor, mut after, mut survivor_row) = (None, None, None);
            if let Some(si) = carried {
                let s = b.survivors[si].row;
                survivor_row = Some(s);
                let own: Vec<Option<Val<'_>>> = cols.iter().map(|&c| dumped(c, s)).collect();
                if let Some(a) = plan.after {
                    let moved: Vec<Option<Val<'_>>> = cols.iter().map(|&c| a.get(c, s)).collect();
                    if moved != own {
                        after = Some(other(moved, &values));
                    }
                }
                survivor = Some(other(own, &values));
            }
            f(&Staged {
                chunk,
                values,
                survivor,
                after,
                row: m.row,
                survivor_row,
            })?;
        }
    }
    Ok(())
}

/// Writes one staged value as a literal: `row` is the record it comes from and `col` its table
/// column, for errors.
pub type WriteValue<'a> = dyn Fn(&mut String, Option<Val<'_>>, RowId, usize) -> Result<()> + 'a;

/// The staging table [`insert_rows`] fills, and the most rows it writes per statement where
/// the dialect parses short statements faster than long ones (`None`: statements of about
/// [`crate::config::defaults::BATCH_BYTES`]).
#[derive(Clone, Copy)]
pub struct InsertInto<'a> {
    pub table: &'a str,
    pub max_rows: Option<usize>,
}

/// Writes the staged rows ([`rows`]) as multi-row `INSERT INTO table VALUES …` statements of
/// about [`crate::config::defaults::BATCH_BYTES`] each, or of at most `max_rows` rows where the
/// dialect parses short statements faster, through `out` into `sink` in pieces of about that
/// size: each row's batch, its two masks (or NULL), its values, then with `survivors` its
/// survivor's values and, in whole dumps, their re-pointed ones. `value` writes one value (`row`: the record it comes
/// from, `col`: its table column, for errors). The last statement stays in `out`, terminated.
pub fn insert_rows(
    r: &Render<'_, '_>,
    cols: &[usize],
    survivors: bool,
    InsertInto { table, max_rows }: InsertInto<'_>,
    out: &mut String,
    sink: &mut dyn Sink,
    value: &WriteValue<'_>,
) -> Result<()> {
    let after = survivors && r.plan.after.is_some();
    let limit = crate::config::defaults::BATCH_BYTES;
    let max_rows = max_rows.unwrap_or(usize::MAX);
    let mut in_statement = 0usize;
    rows(r, cols, survivors, &mut |s| {
        if in_statement == 0 {
            let _ = write!(out, "INSERT INTO {table} VALUES\n(");
        } else {
            out.push_str(",\n(");
        }
        let _ = write!(out, "{}", s.chunk);
        let masks = [&s.survivor, &s.after];
        for m in masks {
            match m {
                Some(o) => {
                    let _ = write!(out, ", '{}'", o.mask);
                }
                None => out.push_str(", NULL"),
            }
        }
        for (i, v) in s.values.iter().enumerate() {
            out.push_str(", ");
            value(out, *v, s.row, cols[i])?;
        }
        for (m, on) in masks.into_iter().zip([survivors, after]) {
            if !on {
                continue;
            }
            for (i, &c) in cols.iter().enumerate() {
                out.push_str(", ");
                let v = m.as_ref().and_then(|o| o.values[i]);
                value(out, v, s.survivor_row.unwrap_or(s.row), c)?;
            }
        }
        out.push(')');
        in_statement += 1;
        if out.len() >= limit || in_statement >= max_rows {
            out.push_str(";\n");
            in_statement = 0;
            if out.len() >= limit {
                sink.put(out)?;
                out.clear();
            }
        }
        Ok(())
    })?;
    if in_statement > 0 {
        out.push_str(";\n");
    }
    Ok(())
}

/// A survivor's value of the `i`th staged column, in the staging row `d` that carries it: the
/// row's own value (`own`) where the mask column `mask` says so (`1`), else its column `other`.
/// `substr`: the dialect's substring function.
pub fn survivor_value(substr: &str, mask: &str, i: usize, own: &str, other: &str) -> String {
    format!(
        "CASE WHEN {substr}(d.{mask}, {}, 1) = '1' THEN d.{own} ELSE d.{other} END",
        i + 1
    )
}
