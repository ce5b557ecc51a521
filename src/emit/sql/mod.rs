//! SQL scripts that replay a deletion on the live database. The plan (which rows, in which
//! batches, with which guards) is built here once; each [`Dialect`] renders it: identifier
//! quoting, literal encoding, guards, transaction. No value is formatted into SQL elsewhere.

pub mod dump;
mod mysql;
mod postgres;
pub mod prevent;
mod sqlite;
pub mod stage;
pub mod undo;

use crate::config::{DialectName, Guard, Job};
use crate::error::{Error, Location, Result};
use crate::model::{Resolution, RowId, Table};

pub use mysql::MySql;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

pub use crate::values::{Kind, Loaded, Val, Values};

impl Values {
    /// The rows a batch's statements read ([`Values::load`]).
    pub fn load_batch(&self, batch: &Batch) -> Result<Option<Loaded>> {
        if !self.is_spilled() {
            return Ok(None);
        }
        let ids = match batch {
            Batch::Pk(b) => b.rows.iter().chain(&b.survivors).map(|m| m.row.0).collect(),
            Batch::Keyless(groups) => groups
                .iter()
                .flat_map(|g| std::iter::once(g.id).chain(g.copies.iter().map(|c| c.row)))
                .map(|r| r.0)
                .collect(),
        };
        self.load(ids)
    }
}

/// A record and the columns to compare it on.
#[derive(Debug, Clone)]
pub struct RowMatch {
    pub row: RowId,
    /// Shared by every record of a batch (a million removed records hold one list).
    pub columns: std::sync::Arc<[usize]>,
}

/// Records deleted by primary key.
#[derive(Debug, Clone)]
pub struct PkBatch {
    pub rows: Vec<RowMatch>,
    /// The survivors of the groups these rows belong to: they must still exist.
    pub survivors: Vec<RowMatch>,
    /// Per survivor: the index in `rows` of the first row of its group.
    pub refs: Vec<usize>,
}

/// One distinct set of values among a group's rows (no primary key): how many rows hold it
/// before the deletion (`fresh`) and after it (`applied`).
#[derive(Debug, Clone)]
pub struct Copies {
    pub row: RowId,
    pub fresh: usize,
    pub applied: usize,
}

impl Copies {
    /// How many rows holding these values the deletion removes.
    pub fn gone(&self) -> usize {
        self.fresh - self.applied
    }
}

/// A group of a table without primary key.
#[derive(Debug, Clone)]
pub struct KeylessGroup {
    pub id: RowId,
    /// The rows of the group share these columns' values (those of `id`). Shared by the
    /// groups that share all the key columns (a million groups hold one list).
    pub key: std::sync::Arc<[usize]>,
    /// The columns that tell copies apart; shared by every group.
    pub guard: std::sync::Arc<[usize]>,
    pub copies: Vec<Copies>,
}

#[derive(Debug, Clone)]
pub enum Batch {
    Pk(PkBatch),
    Keyless(Vec<KeylessGroup>),
}

/// Kept records whose foreign keys are re-pointed (whole dumps): they all get the same new
/// values in the columns `set`.
#[derive(Debug, Clone)]
pub struct UpdateBatch {
    pub set: Vec<usize>,
    pub rows: Vec<RowMatch>,
}

/// A child table's column that references this table's primary key.
#[derive(Debug, Clone)]
pub struct ChildRef {
    pub table: String,
    pub column: String,
}

/// Everything a script says.
pub struct Plan<'a> {
    pub table: &'a Table,
    pub values: &'a Values,
    /// Whole dumps: the values after re-pointing (survivors may hold either these or the
    /// dumped ones, depending on whether the script already ran).
    pub after: Option<&'a Values>,
    pub pk: Vec<usize>,
    /// The columns a lookup may find rows by, which a guard also compares with a plain `=`
    /// (an index on them serves it): the primary key, or without one the duplicate key.
    pub indexed: Vec<usize>,
    pub batches: Vec<Batch>,
    /// Whole dumps: the re-pointing updates, run after this table's deletions.
    pub updates: Vec<UpdateBatch>,
    /// Whole dumps: the same rows grouped by their dumped values, to undo the re-pointing.
    pub reverts: Vec<UpdateBatch>,
    /// Whole dumps: after the deletions, no row of these may reference a deleted key.
    pub children: Vec<ChildRef>,
    pub rows_to_delete: usize,
    pub groups: usize,
    pub options: String,
    /// `--commit batch`: each batch commits on its own, with this pause (seconds) after it;
    /// `None`: one transaction.
    pub chunked: Option<f64>,
}

impl Plan<'_> {
    /// Where a record is, for errors about its values.
    pub fn locate(&self, row: RowId, col: usize) -> Location {
        crate::detect::locate(self.table, row).column(col, Some(&self.values.names[col]))
    }
}

/// The bytes a record's values take in a statement, about: per column its name twice, some
/// syntax and its value twice. Worked out for every record at once, a column at a time (a
/// value at a time through Polars is the slow way at millions of records).
struct Sizes {
    fixed: usize,
    values: Vec<u32>,
}

impl Sizes {
    fn new(values: &Values, cols: &[usize]) -> Sizes {
        let fixed = cols.iter().map(|&c| values.names[c].len() * 2 + 40).sum();
        Sizes {
            fixed,
            values: values.byte_sums(cols),
        }
    }

    fn of(&self, row: RowId) -> usize {
        self.fixed + 2 * self.values[row.index()] as usize
    }
}

/// Builds the plan: batches of at most `batch_size` rows and about `batch_bytes` bytes.
pub fn plan<'a>(
    table: &'a Table,
    values: &'a Values,
    job: &Job,
    key: &[String],
    resolution: &Resolution,
    matches: &crate::model::Matches,
) -> Result<Plan<'a>> {
    let idx = |names: &[String]| -> Vec<usize> {
        names.iter().filter_map(|n| table.column_index(n)).collect()
    };
    let pk = idx(&job.pk);
    let key_idx = idx(key);
    let guard = guard_columns(table, job, key);
    let guard_list: std::sync::Arc<[usize]> = guard.clone().into();
    let batches = if pk.is_empty() {
        keyless_batches(values, job, (&key_idx, &guard), resolution, matches)?
    } else {
        pk_batches(resolution, job.batch_size, &guard_list)
    };
    Ok(Plan {
        table,
        values,
        after: None,
        indexed: if pk.is_empty() { key_idx } else { pk.clone() },
        pk,
        batches,
        updates: Vec::new(),
        reverts: Vec::new(),
        children: Vec::new(),
        rows_to_delete: resolution.removed.len(),
        groups: matches.groups.len(),
        options: job.describe(),
        chunked: (job.commit == crate::config::Commit::Batch).then_some(job.pause),
    })
}

/// The batches of a table with a primary key, `batch_size` removed rows each, with the
/// survivors they name: a batch's values travel as data, not in its statements, so only its
/// rows count.
fn pk_batches(
    resolution: &Resolution,
    batch_size: usize,
    guard_list: &std::sync::Arc<[usize]>,
) -> Vec<Batch> {
    let mut batches = Vec::new();
    let mut cur = PkBatch {
        rows: Vec::new(),
        survivors: Vec::new(),
        refs: Vec::new(),
    };
    // the survivors already in the current batch
    let mut seen: std::collections::HashSet<RowId> = Default::default();
    for r in &resolution.removed {
        if cur.rows.len() >= batch_size {
            batches.push(Batch::Pk(std::mem::replace(
                &mut cur,
                PkBatch {
                    rows: Vec::new(),
                    survivors: Vec::new(),
                    refs: Vec::new(),
                },
            )));
            seen.clear();
        }
        cur.rows.push(RowMatch {
            row: r.row,
            columns: guard_list.clone(),
        });
        let s = r.survivor;
        if seen.insert(s) {
            cur.survivors.push(RowMatch {
                row: s,
                columns: guard_list.clone(),
            });
            cur.refs.push(cur.rows.len() - 1);
        }
    }
    if !cur.rows.is_empty() {
        batches.push(Batch::Pk(cur));
    }
    batches
}

/// The distinct value sets among group `g`'s rows on the `guard` columns, with how many rows
/// hold each and whether survivor `s` is one of them.
fn copies_of<'v>(
    g: &crate::model::Group,
    s: RowId,
    guard: &[usize],
    get: &dyn Fn(usize, RowId) -> Option<Val<'v>>,
) -> Vec<Copies> {
    let mut copies: Vec<Copies> = Vec::new();
    for &m in &g.members {
        let same = |c: &Copies| guard.iter().all(|&col| get(col, c.row) == get(col, m));
        let i = match copies.iter().position(same) {
            Some(i) => i,
            None => {
                copies.push(Copies {
                    row: m,
                    fresh: 0,
                    applied: 0,
                });
                copies.len() - 1
            }
        };
        copies[i].fresh += 1;
        if m == s {
            copies[i].applied += 1;
        }
    }
    copies
}

/// The batches of a table without a primary key: whole groups, each with its distinct value
/// sets, within `--batch-size` removed rows and `--batch-bytes`.
fn keyless_batches(
    values: &Values,
    job: &Job,
    (key_idx, guard): (&[usize], &[usize]),
    resolution: &Resolution,
    matches: &crate::model::Matches,
) -> Result<Vec<Batch>> {
    let mut batches = Vec::new();
    let guard_list: std::sync::Arc<[usize]> = guard.to_vec().into();
    let sizes = Sizes::new(values, guard);
    let mut cur: Vec<KeylessGroup> = Vec::new();
    let (mut rows, mut bytes) = (0usize, 0usize);
    let all_key: std::sync::Arc<[usize]> = key_idx.to_vec().into();
    // spilled values: a few thousand groups' records read into memory at a time
    const GROUPS: usize = 4096;
    let mut loaded = None;
    for (gi, (g, &s)) in matches.groups.iter().zip(&resolution.survivors).enumerate() {
        if gi % GROUPS == 0 && values.is_spilled() {
            let next = &matches.groups[gi..(gi + GROUPS).min(matches.groups.len())];
            loaded = values.load(
                next.iter()
                    .flat_map(|g| g.members.iter().map(|m| m.0))
                    .collect(),
            )?;
        }
        let get = |c: usize, r: RowId| match loaded.as_ref().and_then(|l| l.get(c, r)) {
            Some(v) => v,
            None => values.get(c, r),
        };
        let copies = copies_of(g, s, guard, &get);
        let removed = g.members.len() - 1;
        let size: usize = copies.iter().map(|c| sizes.of(c.row)).sum::<usize>() * 4;
        if !cur.is_empty() && (rows + removed > job.batch_size || bytes + size > job.batch_bytes) {
            batches.push(Batch::Keyless(std::mem::take(&mut cur)));
            rows = 0;
            bytes = 0;
        }
        rows += removed;
        bytes += size;
        // the key columns all members share (all of them for an exact group; a fuzzy
        // group's members may differ anywhere)
        let shared: Vec<usize> = key_idx
            .iter()
            .copied()
            .filter(|&c| g.members.iter().all(|&m| get(c, m) == get(c, g.id())))
            .collect();
        cur.push(KeylessGroup {
            id: g.id(),
            key: if shared == key_idx {
                all_key.clone()
            } else {
                shared.into()
            },
            guard: guard_list.clone(),
            copies,
        });
    }
    if !cur.is_empty() {
        batches.push(Batch::Keyless(cur));
    }
    Ok(batches)
}

/// The columns a row must still hold its dumped values in to be deleted (`--guard`). Without
/// a primary key, every column: a row is then known only by all its values, and a group's
/// members that differ outside the key are different rows, not copies of one (`--guard key`
/// would let the script delete any of them).
fn guard_columns(table: &Table, job: &Job, key: &[String]) -> Vec<usize> {
    let idx = |names: &[String]| -> Vec<usize> {
        names.iter().filter_map(|n| table.column_index(n)).collect()
    };
    let pk = idx(&job.pk);
    match job.guard {
        _ if pk.is_empty() => (0..table.columns.len()).collect(),
        Guard::All => (0..table.columns.len()).collect(),
        Guard::Key => {
            let mut g = pk.clone();
            g.extend(idx(key).into_iter().filter(|c| !pk.contains(c)));
            g
        }
    }
}

impl<'a> Plan<'a> {
    /// Whole dumps: the re-pointed values, and the updates that write them on the kept rows
    /// (`changes`: every rewritten value, in record order), batched like the deletions.
    pub fn with_updates(
        mut self,
        after: &'a Values,
        changes: &[crate::survive::repoint::Change],
        kept: &[bool],
        job: &Job,
        key: &[String],
    ) -> Self {
        let guard = guard_columns(self.table, job, key);
        // per kept row: the columns it changes, in column order
        let mut per_row: std::collections::BTreeMap<RowId, Vec<usize>> = Default::default();
        for c in changes {
            if kept[c.row.index()] {
                per_row.entry(c.row).or_default().push(c.column);
            }
        }
        for cols in per_row.values_mut() {
            cols.sort_unstable();
            cols.dedup();
        }
        // rows with the same new (or, to undo, old) values in the same columns share a statement
        let batches = |values: &Values| -> Vec<UpdateBatch> {
            // (changed columns, their values) → rows
            type Target<'v> = (Vec<usize>, Vec<Option<&'v str>>);
            let mut by_target: std::collections::BTreeMap<Target, Vec<RowId>> = Default::default();
            for (row, cols) in &per_row {
                let vals = cols
                    .iter()
                    .map(|&c| values.get(c, *row).map(|v| v.text))
                    .collect();
                by_target
                    .entry((cols.clone(), vals))
                    .or_default()
                    .push(*row);
            }
            let mut out = Vec::new();
            for ((set, _), rows) in by_target {
                // the columns an update writes are always checked, whatever the guard
                let mut columns = guard.clone();
                columns.extend(set.iter().copied().filter(|c| !guard.contains(c)));
                columns.sort_unstable();
                let columns: std::sync::Arc<[usize]> = columns.into();
                for chunk in rows.chunks(job.batch_size.max(1)) {
                    out.push(UpdateBatch {
                        set: set.clone(),
                        rows: chunk
                            .iter()
                            .map(|&row| RowMatch {
                                row,
                                columns: columns.clone(),
                            })
                            .collect(),
                    });
                }
            }
            out
        };
        self.updates = batches(after);
        self.reverts = batches(self.values);
        self.after = Some(after);
        self
    }

    /// Every deleted record, for the checks that no child still references one.
    pub fn deleted(&self) -> Vec<RowMatch> {
        self.batches
            .iter()
            .flat_map(|b| match b {
                Batch::Pk(p) => p.rows.clone(),
                Batch::Keyless(_) => Vec::new(),
            })
            .collect()
    }
}

/// How a dialect writes identifiers, values and the script around them.
pub trait Dialect {
    fn name(&self) -> DialectName;
    /// A quoted identifier.
    fn ident(&self, name: &str) -> Result<String, String>;
    /// A value where the column's own type is expected (in `IN` lists).
    fn literal(&self, v: Val<'_>) -> Result<String, String>;
    /// True when column `col` (quoted) holds exactly `v` (NULL when `v` is `None`).
    fn matches(&self, col: &str, v: Option<Val<'_>>) -> Result<String, String>;
    /// Appends [`Dialect::literal`] to `out` (the undo scripts' hot path).
    fn push_literal(&self, out: &mut String, v: Val<'_>) -> Result<(), String> {
        out.push_str(&self.literal(v)?);
        Ok(())
    }
    /// Appends [`Dialect::matches`] to `out`: the scripts' hot path, which a dialect writes
    /// without an allocation per value where it can.
    fn push_matches(&self, out: &mut String, col: &str, v: Option<Val<'_>>) -> Result<(), String> {
        out.push_str(&self.matches(col, v)?);
        Ok(())
    }
    /// Appends a test that column `col` (quoted) holds exactly `v`, the dumped value itself and
    /// not only one the column's type or collation finds equal (NULL when `v` is `None`);
    /// `indexed`: a primary-key column, which the test must let an index find. By default
    /// [`Dialect::push_matches`], where that comparison is already exact.
    fn push_identical(
        &self,
        out: &mut String,
        col: &str,
        v: Option<Val<'_>>,
        indexed: bool,
    ) -> Result<(), String> {
        let _ = indexed;
        self.push_matches(out, col, v)
    }
    /// True when `pk IN (…)` with the dumped primary keys finds exactly those rows; false where
    /// the server may compare a key loosely (MySQL compares a BIGINT with a string as a
    /// double, so `9007199254740993` finds `9007199254740992` too): [`Render::pk_exact`] then
    /// also compares the key's values exactly.
    fn exact_keys(&self) -> bool {
        true
    }
    /// True when `(a, b) IN ((x, y), …)` compares each column as `a = x AND b = y` would.
    /// MariaDB compares a BIGINT with a string inside such a row constructor otherwise (it
    /// misses `9007199254741013` there, which `b = '9007199254741013'` finds): its keys are
    /// written as `(a = x AND b = y) OR …`.
    fn row_in(&self) -> bool {
        true
    }
    /// The whole script, into `out` (a batch at a time: a script is never held whole).
    fn script(&self, plan: &Plan<'_>, out: &mut dyn Sink) -> Result<()>;
    /// How the script is run, for its header.
    fn run_line(&self) -> &'static str;
    /// The deletion batches of a plan, into `out`; guard labels and messages start with `label`.
    fn delete_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()>;
    /// The undo of a plan's deletions by primary key ([`stage`]), into `out`: the removed rows
    /// as data, put back where their key is free, then checked.
    fn undo_batches(&self, r: &Render<'_, '_>, label: &str, out: &mut dyn Sink) -> Result<()>;

    // Primitives of the whole-dump and undo scripts (`dump.rs`, `undo.rs`), which are the
    // same in every dialect.

    /// The statements before the first change: settings, guard table, transaction, locks.
    /// `tables`: the quoted names of the tables the script changes; `names`: as written;
    /// `utc`: some value is a timestamp with a time zone (written as its UTC instant).
    /// `schema`: [`schema_statement`]'s, which goes after the settings that stop the script
    /// at an error.
    fn open(&self, tables: &[String], names: &[&str], utc: bool, schema: &str) -> String;
    /// The statements after the last change.
    fn close(&self) -> String;
    /// A statement that stops the script (rolling everything back) unless `cond` holds;
    /// `from` is `" FROM … WHERE …"` or empty. `label` names the step (unique in the script).
    fn check(&self, label: &str, cond: &str, from: &str) -> String;
    /// `stmt` (an UPDATE), then a check that it changed 0 or `rows` rows.
    fn counted(&self, stmt: &str, label: &str, rows: usize) -> String;
    /// The DDL that makes the key columns unique in `table` (quoted), as index `index`
    /// (quoted); `cols`: quoted key columns and whether they hold long values (over 512 bytes).
    /// NULL counts as one value, as in dupsweep's own comparison.
    fn unique_key(&self, table: &str, index: &str, cols: &[(String, bool)]) -> String;
    /// The comment lines that say how this dialect's prevention DDL treats NULL, letter case
    /// and long values, and whether it is transactional.
    fn prevent_notes(&self) -> &'static [&'static str];
    /// A check, before the first deletion from `table` (its name as written), that no foreign
    /// key the script does not re-point itself (`declared`: child table and column, as written)
    /// references the table with `ON DELETE CASCADE`, `SET NULL` or `SET DEFAULT`: deleting a
    /// duplicate would change such a child's rows behind the script's back.
    fn no_silent_references(
        &self,
        table: &str,
        declared: &[(String, String)],
        label: &str,
    ) -> String;
    /// The statement after which the script's unqualified table names resolve in `schema`
    /// (PostgreSQL's search path, MySQL's current database), or why the dialect cannot.
    /// `tables` (as written) must then be tables of that schema.
    fn use_schema(&self, schema: &str, tables: &[&str]) -> Result<String, String>;
    /// What a `SELECT` of constants needs before its `WHERE` (`" FROM DUAL"` in MySQL).
    fn no_from(&self) -> &'static str {
        ""
    }
}

/// The statement that makes the schema of `tables` (one for all of them) the one their
/// names resolve in, or nothing when they name none.
pub fn schema_statement(d: &dyn Dialect, tables: &[&Table]) -> Result<String> {
    let mut schemas: Vec<&str> = tables.iter().filter_map(|t| t.schema.as_deref()).collect();
    schemas.sort_unstable();
    schemas.dedup();
    match schemas[..] {
        [] => Ok(String::new()),
        [one] if tables.iter().all(|t| t.schema.is_some()) => {
            let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
            d.use_schema(one, &names).map_err(|e| {
                Error::usage(format!(
                    "cannot write the schema \"{one}\" in {} SQL: {e}",
                    d.name().name()
                ))
            })
        }
        _ => Err(Error::usage(
            "the tables of one script are in several schemas: dupsweep writes a script for tables of one schema",
        )),
    }
}

/// Where a script goes, piece by piece: a `String`, or a file ([`WriteSink`]).
pub trait Sink {
    fn put(&mut self, s: &str) -> Result<()>;
}

impl Sink for String {
    fn put(&mut self, s: &str) -> Result<()> {
        self.push_str(s);
        Ok(())
    }
}

/// A script written to a file as it is rendered.
pub struct WriteSink<'a> {
    pub w: &'a mut dyn std::io::Write,
    pub path: &'a std::path::Path,
}

impl Sink for WriteSink<'_> {
    fn put(&mut self, s: &str) -> Result<()> {
        self.w
            .write_all(s.as_bytes())
            .map_err(|e| Error::io(self.path, "cannot write", e))
    }
}

pub fn dialect(name: DialectName) -> Box<dyn Dialect> {
    match name {
        DialectName::Postgres => Box::new(Postgres),
        DialectName::Mysql => Box::new(MySql),
        DialectName::Sqlite => Box::new(Sqlite),
    }
}

/// The `(child table, column)` pairs a plan re-points, for [`Dialect::no_silent_references`].
pub fn declared(plan: &Plan<'_>) -> Vec<(String, String)> {
    plan.children
        .iter()
        .map(|c| (c.table.clone(), c.column.clone()))
        .collect()
}

/// Shared rendering helpers: every dialect builds its statements from these.
pub struct Render<'p, 'a> {
    pub d: &'p dyn Dialect,
    pub plan: &'p Plan<'a>,
    /// The columns' quoted names (shared by the renderers of a script's batches).
    idents: std::sync::Arc<[String]>,
    pub table: String,
    /// The current batch's rows, read from spilled values ([`Render::with_batch`]).
    local: Option<&'p Loaded>,
}

impl<'p, 'a> Render<'p, 'a> {
    pub fn new(d: &'p dyn Dialect, plan: &'p Plan<'a>) -> Result<Self> {
        let bad_name = |n: &str, e: String| {
            Error::usage(format!(
                "cannot write the name \"{n}\" in {} SQL: {e}",
                d.name().name()
            ))
        };
        let idents = plan
            .values
            .names
            .iter()
            .map(|n| d.ident(n).map_err(|e| bad_name(n, e)))
            .collect::<Result<Vec<_>>>()?
            .into();
        let table = d
            .ident(&plan.table.name)
            .map_err(|e| bad_name(&plan.table.name, e))?;
        Ok(Render {
            d,
            plan,
            idents,
            table,
            local: None,
        })
    }

    /// The same, reading the plan's values of the rows in `local` from it (a batch's rows of
    /// spilled values: [`Values::load_batch`]).
    pub fn with_batch<'q>(&'q self, local: Option<&'q Loaded>) -> Render<'q, 'a> {
        Render {
            d: self.d,
            plan: self.plan,
            idents: self.idents.clone(),
            table: self.table.clone(),
            local,
        }
    }

    /// A value of `values`; the plan's own from the batch's loaded rows when they hold it.
    fn value<'v>(&'v self, values: &'v Values, col: usize, row: RowId) -> Option<Val<'v>> {
        if let Some(local) = self.local {
            if std::ptr::eq(values, self.plan.values) {
                if let Some(v) = local.get(col, row) {
                    return v;
                }
            }
        }
        values.get(col, row)
    }

    pub fn col(&self, c: usize) -> &str {
        &self.idents[c]
    }

    fn value_error(&self, row: RowId, col: usize, e: String) -> Error {
        Error::data(self.plan.locate(row, col), e).with_hint(format!(
            "this value cannot be written for {}; clean it in the dump or leave --dialect {} out",
            self.d.name().name(),
            self.d.name().name()
        ))
    }

    /// `(c1 = v1 AND c2 IS NULL AND …)` for a record on the given columns.
    pub fn row_match(&self, row: RowId, cols: &[usize]) -> Result<String> {
        let mut out = String::new();
        self.push_row_match(&mut out, self.plan.values, row, cols)?;
        Ok(out)
    }

    /// Appends `(c1 = v1 AND …)` with the values of `values` to `out`.
    fn push_row_match(
        &self,
        out: &mut String,
        values: &Values,
        row: RowId,
        cols: &[usize],
    ) -> Result<()> {
        out.reserve(cols.len() * 24);
        out.push('(');
        for (i, &c) in cols.iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            self.d
                .push_identical(
                    out,
                    self.col(c),
                    self.value(values, c, row),
                    self.plan.indexed.contains(&c),
                )
                .map_err(|e| self.value_error(row, c, e))?;
        }
        out.push(')');
        Ok(())
    }

    /// The rows a keyless group is about: those holding its shared key values, or, when its
    /// members share no key column (a fuzzy group), those matching one of its copies.
    pub fn group_scope(&self, g: &KeylessGroup) -> Result<String> {
        if !g.key.is_empty() {
            return self.row_match(g.id, &g.key);
        }
        let rows: Vec<RowMatch> = g
            .copies
            .iter()
            .map(|c| RowMatch {
                row: c.row,
                columns: g.guard.clone(),
            })
            .collect();
        Ok(format!("({})", self.any_match(&rows)?))
    }

    /// `(c1 = v1 AND …)` on the re-pointed values (whole dumps), or the dumped ones.
    pub fn row_match_after(&self, row: RowId, cols: &[usize]) -> Result<String> {
        let mut out = String::new();
        let values = self.plan.after.unwrap_or(self.plan.values);
        self.push_row_match(&mut out, values, row, cols)?;
        Ok(out)
    }

    /// Survivors hold their dumped values, or (whole dumps, when the script already ran) their
    /// re-pointed ones: `m1 OR m2 OR …`, each `(dumped OR re-pointed)` where they differ.
    pub fn survivors_match(&self, rows: &[RowMatch]) -> Result<String> {
        let parts = rows
            .iter()
            .map(|m| {
                let dumped = self.row_match(m.row, &m.columns)?;
                let differs = self.plan.after.is_some_and(|a| {
                    m.columns
                        .iter()
                        .any(|&c| a.get(c, m.row) != self.value(self.plan.values, c, m.row))
                });
                if differs {
                    Ok(format!(
                        "({dumped} OR {})",
                        self.row_match_after(m.row, &m.columns)?
                    ))
                } else {
                    Ok(dumped)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join("\n    OR "))
    }

    /// `m1 OR m2 OR …` over records, on their re-pointed values.
    pub fn any_match_after(&self, rows: &[RowMatch]) -> Result<String> {
        let parts = rows
            .iter()
            .map(|m| self.row_match_after(m.row, &m.columns))
            .collect::<Result<Vec<_>>>()?;
        Ok(parts.join("\n    OR "))
    }

    /// `"c1" = v1, "c2" = v2` with the values of `values` (the dumped ones, to undo).
    pub fn set_list_from(&self, u: &UpdateBatch, values: &Values) -> Result<String> {
        let row = u.rows.first().map(|m| m.row).unwrap_or(RowId(0));
        let mut parts = Vec::with_capacity(u.set.len());
        for &c in &u.set {
            let v = match self.value(values, c, row) {
                None => "NULL".to_owned(),
                Some(v) => self.d.literal(v).map_err(|e| self.value_error(row, c, e))?,
            };
            parts.push(format!("{} = {v}", self.col(c)));
        }
        Ok(parts.join(", "))
    }

    /// True when a child's column (quoted) holds the primary key of one of `rows`, compared
    /// as the database compares a foreign key (in the column's collation, so that a
    /// case-insensitive match counts): `col IN (v1, v2, …)` (the primary key is one column).
    pub fn references(&self, col: &str, rows: &[RowMatch]) -> Result<String> {
        let Some(&pk) = self.plan.pk.first() else {
            return Ok("1 = 0".into());
        };
        let mut parts = Vec::with_capacity(rows.len());
        for m in rows {
            if let Some(v) = self.value(self.plan.values, pk, m.row) {
                parts.push(
                    self.d
                        .literal(v)
                        .map_err(|e| self.value_error(m.row, pk, e))?,
                );
            }
        }
        if parts.is_empty() {
            return Ok("1 = 0".into());
        }
        Ok(format!("{col} IN ({})", parts.join(", ")))
    }

    /// Appends every column's value of a record as literals (NULL for NULL), in column order,
    /// comma-separated, to `out`.
    pub fn push_literals(&self, out: &mut String, row: RowId) -> Result<()> {
        for c in 0..self.plan.values.names.len() {
            if c > 0 {
                out.push_str(", ");
            }
            match self.value(self.plan.values, c, row) {
                None => out.push_str("NULL"),
                Some(v) => self
                    .d
                    .push_literal(out, v)
                    .map_err(|e| self.value_error(row, c, e))?,
            }
        }
        Ok(())
    }

    /// The quoted column list `("a", "b", …)`.
    pub fn column_list(&self) -> String {
        format!("({})", self.idents.join(", "))
    }

    /// A quoted name of another table (a child, in whole dumps).
    pub fn other(&self, name: &str) -> Result<String> {
        self.d.ident(name).map_err(|e| {
            Error::usage(format!(
                "cannot write the name \"{name}\" in {} SQL: {e}",
                self.d.name().name()
            ))
        })
    }

    /// `m1 OR m2 OR …` over records.
    pub fn any_match(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str("\n    OR ");
            }
            self.push_row_match(&mut out, self.plan.values, m.row, &m.columns)?;
        }
        Ok(out)
    }

    /// `"id" IN ('1', '2')` or `("a", "b") IN (('1', 'x'), …)` for the primary keys of `rows`.
    pub fn pk_in(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        self.push_pk_in(&mut out, rows)?;
        Ok(out)
    }

    /// [`Render::pk_in`], finding exactly those rows in every dialect (see
    /// [`Dialect::exact_keys`]).
    pub fn pk_exact(&self, rows: &[RowMatch]) -> Result<String> {
        let mut out = String::new();
        self.push_pk_exact(&mut out, rows)?;
        Ok(out)
    }

    /// Appends [`Render::pk_exact`] to `out`.
    pub fn push_pk_exact(&self, out: &mut String, rows: &[RowMatch]) -> Result<()> {
        self.push_pk_in(out, rows)?;
        if self.d.exact_keys() {
            return Ok(());
        }
        out.push_str(" AND (");
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str(" OR ");
            }
            self.push_row_match(out, self.plan.values, m.row, &self.plan.pk)?;
        }
        out.push(')');
        Ok(())
    }

    /// Appends [`Render::pk_in`] to `out`.
    pub fn push_pk_in(&self, out: &mut String, rows: &[RowMatch]) -> Result<()> {
        let pk = &self.plan.pk;
        let tuple = pk.len() != 1;
        if tuple && !self.d.row_in() {
            // (a = x AND b = y) OR …: each column compared on its own
            out.push('(');
            for (i, m) in rows.iter().enumerate() {
                if i > 0 {
                    out.push_str(" OR ");
                }
                out.push('(');
                for (j, &c) in pk.iter().enumerate() {
                    if j > 0 {
                        out.push_str(" AND ");
                    }
                    out.push_str(self.col(c));
                    out.push_str(" = ");
                    self.push_key_literal(out, m.row, c)?;
                }
                out.push(')');
            }
            out.push(')');
            return Ok(());
        }
        if tuple {
            out.push('(');
        }
        for (i, &c) in pk.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(self.col(c));
        }
        if tuple {
            out.push(')');
        }
        out.push_str(" IN (");
        for (i, m) in rows.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if tuple {
                out.push('(');
            }
            for (j, &c) in pk.iter().enumerate() {
                if j > 0 {
                    out.push_str(", ");
                }
                self.push_key_literal(out, m.row, c)?;
            }
            if tuple {
                out.push(')');
            }
        }
        out.push(')');
        Ok(())
    }

    /// Appends a record's primary-key value in column `c` as a literal.
    fn push_key_literal(&self, out: &mut String, row: RowId, c: usize) -> Result<()> {
        let v = self
            .value(self.plan.values, c, row)
            .ok_or_else(|| Error::data(self.plan.locate(row, c), "the primary key is NULL"))?;
        self.d
            .push_literal(out, v)
            .map_err(|e| self.value_error(row, c, e))
    }

    /// Every batch of the plan, numbered from 1, its statements' parts rendered alike for
    /// every dialect, passed to `write` with a renderer of its rows (spilled values: this
    /// batch's rows read into memory, the rest left on disk).
    pub fn each_batch(
        &self,
        mut write: impl FnMut(&Render<'_, 'a>, BatchSql<'_>) -> Result<()>,
    ) -> Result<()> {
        let plan = self.plan;
        let total = plan.batches.len();
        for (bi, batch) in plan.batches.iter().enumerate() {
            let local = plan.values.load_batch(batch)?;
            let r = &self.with_batch(local.as_ref());
            let at = (bi + 1, total);
            let sql = match batch {
                Batch::Pk(b) => BatchSql::Pk {
                    at,
                    rows: b.rows.len(),
                    survivors: b.survivors.len(),
                    survivors_match: r.survivors_match(&b.survivors)?,
                    delete: format!(
                        "DELETE FROM {} WHERE {}\n    AND ({})",
                        r.table,
                        r.pk_in(&b.rows)?,
                        r.any_match(&b.rows)?
                    ),
                    pk_exact: r.pk_exact(&b.rows)?,
                },
                Batch::Keyless(groups) => BatchSql::Keyless {
                    at,
                    groups: groups
                        .iter()
                        .map(|g| {
                            let sigs = g
                                .copies
                                .iter()
                                .map(|c| r.row_match(c.row, &g.guard))
                                .collect::<Result<Vec<_>>>()?;
                            Ok(GroupSql {
                                group: g,
                                id: plan.table.number_of(g.id),
                                sigs,
                            })
                        })
                        .collect::<Result<Vec<_>>>()?,
                },
            };
            write(r, sql)?;
        }
        Ok(())
    }

    /// The comment block every script starts with.
    pub fn header(&self, run: &str) -> String {
        let p = self.plan;
        let src = &p.table.source;
        let shown = crate::error::shown(&src.path);
        // a live table's server is shown whole (its URL, without password)
        let file = if shown.to_string_lossy().contains("://") {
            Some(shown.clone().into_os_string())
        } else {
            shown.file_name().map(|f| f.to_os_string())
        }
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
        let mut lines = vec![
            format!(
                "dupsweep {}: delete duplicate rows from table {}{}",
                env!("CARGO_PKG_VERSION"),
                p.table
                    .schema
                    .as_ref()
                    .map_or(String::new(), |s| format!("{s}.")),
                p.table.name
            ),
            format!("input: {file} (sha256 {})", src.sha256),
            format!("options: {}", p.options),
            format!(
                "rows in the dump: {}; duplicate groups: {}; rows to delete: {}; batches: {}",
                p.table.dumped_rows(),
                p.groups,
                p.rows_to_delete,
                p.batches.len()
            ),
            "Every batch deletes only rows that still hold their dumped values, and checks".into(),
            "that it deleted exactly the expected rows (or none, when the script was already"
                .into(),
            "applied); any difference stops the script and rolls the whole transaction back."
                .into(),
            format!("run: {run}"),
        ];
        if let Some(pause) = p.chunked {
            lines[6] =
                "applied); any difference stops the script and rolls that batch back.".into();
            lines.insert(7, "Each batch commits on its own (--commit batch): after a stop, the batches before it".into());
            lines.insert(8, "stay applied; once the cause is dealt with, run the whole script again to resume (the".into());
            lines.insert(
                9,
                format!("finished batches delete nothing more). Pause between batches: {pause} s."),
            );
        }
        let mut out = String::new();
        for l in lines {
            out.push_str("-- ");
            out.push_str(&comment_safe(&l));
            out.push('\n');
        }
        out
    }
}

/// A batch of a deletion script, with the parts of its statements that every dialect shares
/// ([`Render::each_batch`]); `at` is its number (from 1) and the number of batches.
pub enum BatchSql<'g> {
    /// Rows deleted by primary key.
    Pk {
        at: (usize, usize),
        rows: usize,
        survivors: usize,
        /// True for each survivor that still holds its dumped (or re-pointed) values.
        survivors_match: String,
        /// `DELETE FROM t WHERE pk IN (…)\n    AND (row matches …)`, without the `;`.
        delete: String,
        /// The rows to delete, found by their primary key alone.
        pk_exact: String,
    },
    /// Groups of a table without primary key.
    Keyless {
        at: (usize, usize),
        groups: Vec<GroupSql<'g>>,
    },
}

/// A group of a table without primary key: its record number and each copy's condition.
pub struct GroupSql<'g> {
    pub group: &'g KeylessGroup,
    pub id: u64,
    /// Per copy (`group.copies`): true for the rows holding its values.
    pub sigs: Vec<String>,
}

impl GroupSql<'_> {
    /// `each(copy's index, its condition, its count)` for every copy, joined by `sep`; `pick`
    /// takes the count before the deletion ([`fresh`]) or after it ([`applied`]).
    pub fn state(
        &self,
        pick: fn(&Copies) -> usize,
        sep: &str,
        each: impl Fn(usize, &str, usize) -> String,
    ) -> String {
        self.group
            .copies
            .iter()
            .zip(&self.sigs)
            .enumerate()
            .map(|(i, (c, s))| each(i, s, pick(c)))
            .collect::<Vec<_>>()
            .join(sep)
    }

    /// The copies that lose rows, with their index and condition.
    pub fn losing(&self) -> impl Iterator<Item = (usize, &str, &Copies)> {
        self.group
            .copies
            .iter()
            .zip(&self.sigs)
            .enumerate()
            .filter(|(_, (c, _))| c.fresh > c.applied)
            .map(|(i, (c, s))| (i, s.as_str(), c))
    }
}

/// A copy's count before the deletion ([`GroupSql::state`]).
pub fn fresh(c: &Copies) -> usize {
    c.fresh
}

/// A copy's count after the deletion ([`GroupSql::state`]).
pub fn applied(c: &Copies) -> usize {
    c.applied
}

/// `body` written to `sink` between `wrap`'s two texts (`--commit batch`: a transaction).
pub fn put_between(sink: &mut dyn Sink, wrap: Option<(&str, &str)>, body: &str) -> Result<()> {
    if let Some((before, _)) = wrap {
        sink.put(before)?;
    }
    sink.put(body)?;
    if let Some((_, after)) = wrap {
        sink.put(after)?;
    }
    Ok(())
}

/// `name` as standard SQL quotes an identifier: in double quotes, a double quote doubled
/// (PostgreSQL, SQLite, DataFusion).
pub fn double_quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A table name as it appears inside the scripts' messages: letters, digits, `_` and `-` only
/// (a message is a string literal, and in PostgreSQL a `RAISE` format).
pub fn label(name: &str) -> String {
    format!("table {}: ", safe_name(name))
}

/// A name with letters, digits, `_` and `-` only, at most 40 characters, for messages and
/// labels: a name that had to be changed gets a short hash of itself, so two names never
/// become one.
pub fn safe_name(name: &str) -> String {
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    if name.len() <= 40 && !name.is_empty() && name.chars().all(ok) {
        return name.to_owned();
    }
    let kept: String = name
        .chars()
        .map(|c| if ok(c) { c } else { '?' })
        .take(30)
        .collect();
    use sha2::Digest;
    let h = crate::ingest::hex(&sha2::Sha256::digest(name.as_bytes())[..4]);
    format!("{kept}~{h}")
}

/// Text safe inside a `--` comment line for every client: no control characters, no
/// backslashes (client commands in psql and mysql).
pub fn comment_safe(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() || c == '\\' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn safe_names_are_short_and_distinct() {
        assert_eq!(safe_name("students"), "students");
        assert_ne!(safe_name("élève"), safe_name("èlève"));
        let long = "x".repeat(100);
        assert!(safe_name(&long).len() <= 40);
        assert_ne!(safe_name(&long), safe_name(&"x".repeat(101)));
    }
}
