//! The whole-dump sequencer: every table of a [`Dump`], parents first. A child's foreign keys
//! are re-pointed from removed parent rows to their survivors, then the child is deduplicated
//! on its own key (two enrolments of a merged student in one course become one), and its own
//! removed rows become the survivor map of its children. One change script per dialect does
//! it all on the live database in one transaction: per table, children first, its deletions,
//! the check that nothing references a deleted row, then its re-pointing updates.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::Serialize;

use super::{ms, Command};
use crate::budget::fits_in_memory;
use crate::config::dump::{Dump, ForeignKey, TableJob};
use crate::detect::fuzzy::Fuzzy;
use crate::emit::files::Outputs;
use crate::emit::report::{OutputReport, Report};
use crate::emit::sql::{self, ChildRef};
use crate::emit::tables::{self, Sheet, SheetCol};
use crate::engine::memory::{
    dump_edits, find_groups, write_cleaned_dump, write_sheet, write_table_files,
};
use crate::engine::Written;
use crate::error::{Error, Location, Result};
use crate::model::{Format, Matches, Resolution, RowId, Table};
use crate::progress::Progress;
use crate::survive::repoint::{self, Change, SurvivorMap};
use crate::values::Values;
use crate::{detect, ingest, survive};

/// One table after detection.
pub struct TableDone {
    pub name: String,
    /// As read.
    pub dumped: Table,
    /// After re-pointing its foreign keys (the same as `dumped` when nothing moved).
    pub work: Table,
    pub key: Vec<String>,
    pub matches: Matches,
    pub fuzzy: Option<Fuzzy>,
    pub resolution: Resolution,
    /// Every re-pointed value, kept rows and removed ones, in record order.
    pub changes: Vec<Change>,
    /// Removed rows that were not duplicates in the dump, only after re-pointing.
    pub removed_after_repointing: usize,
    /// Per foreign key (in the table's order): non-NULL values that equal no key of the parent.
    pub unmatched: Vec<usize>,
    /// Every primary-key value, as text (one-column keys only), for the children's checks.
    keys: std::collections::HashSet<String>,
    map: SurvivorMap,
}

/// Per foreign key: how many rows were re-pointed.
#[derive(Debug, Clone, Serialize)]
pub struct RepointReport {
    pub column: String,
    pub references: String,
    /// Kept rows whose value was rewritten (the SQL updates them).
    pub rows: usize,
    /// Non-NULL values in the dump that equal no key of the parent exactly (a database with a
    /// case-insensitive or PAD SPACE collation may still match them; dupsweep leaves them).
    pub unmatched_values: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DumpTableReport {
    pub name: String,
    pub foreign_keys: Vec<ForeignKey>,
    pub rows_repointed: usize,
    pub repointed: Vec<RepointReport>,
    pub rows_removed_after_repointing: usize,
    #[serde(flatten)]
    pub report: Report,
}

#[derive(Debug, Clone, Serialize)]
pub struct DumpTotals {
    pub tables: usize,
    pub rows: usize,
    pub groups: usize,
    pub rows_removed: usize,
    pub rows_repointed: usize,
}

/// What a whole dump's report records for `dupsweep report` to run it again.
#[derive(Debug, Clone, Serialize)]
pub struct DumpSettings {
    pub config: String,
}

/// `report.json` of a whole dump.
#[derive(Debug, Clone, Serialize)]
pub struct DumpReport {
    pub dupsweep_version: &'static str,
    pub command: &'static str,
    pub config: String,
    /// What `dupsweep report` runs again: the configuration file, its path absolute.
    pub settings: DumpSettings,
    /// Tables in processing order (parents first).
    pub tables: Vec<DumpTableReport>,
    pub totals: DumpTotals,
    /// What a person should look at although the run went through (the summary's `warning:`
    /// lines, the JSON log's `warning` events).
    pub warnings: Vec<String>,
    pub outputs: Vec<OutputReport>,
    pub total_ms: u64,
}

impl DumpReport {
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    pub fn has_duplicates(&self) -> bool {
        self.totals.groups > 0
    }

    /// A line per table for people, and what was written.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        for t in &self.tables {
            let r = &t.report;
            s.push_str(&format!(
                "{}: {} rows, {} duplicate group{}, {} row{} to remove, {} re-pointed{}\n",
                t.name,
                r.input.rows,
                r.groups,
                if r.groups == 1 { "" } else { "s" },
                r.rows_removed,
                if r.rows_removed == 1 { "" } else { "s" },
                t.rows_repointed,
                if t.rows_removed_after_repointing > 0 {
                    format!(
                        " ({} removed as duplicates only after re-pointing)",
                        t.rows_removed_after_repointing
                    )
                } else {
                    String::new()
                }
            ));
        }
        for w in &self.warnings {
            s.push_str(&format!("warning: {w}\n"));
        }
        let t = &self.totals;
        s.push_str(&format!(
            "dump: {} tables, {} rows, {} groups, {} rows to remove, {} rows re-pointed\n",
            t.tables, t.rows, t.groups, t.rows_removed, t.rows_repointed
        ));
        for o in &self.outputs {
            match o.rows {
                Some(r) => s.push_str(&format!("  wrote {} ({} rows)\n", o.path, r)),
                None => s.push_str(&format!("  wrote {}\n", o.path)),
            }
        }
        s
    }
}

/// Checks a table's foreign keys against its parents (already read).
fn check_foreign_keys(tj: &TableJob, table: &Table, done: &[TableDone], dump: &Dump) -> Result<()> {
    let here = Location::file(&table.source.path);
    if !tj.foreign_keys.is_empty() && tj.job.pk.is_empty() {
        return Err(Error::data(
            here.clone(),
            format!(
                "table {} has foreign keys but no primary key: re-pointing a row needs its key",
                tj.name
            ),
        )
        .with_hint(format!(
            "add pk = [...] to [tables.{}] in {}",
            tj.name,
            dump.config.display()
        )));
    }
    for fk in &tj.foreign_keys {
        if table.column_index(&fk.column).is_none() {
            return Err(Error::data(
                here.clone(),
                format!(
                    "foreign key column \"{}\" of table {} does not exist",
                    fk.column, tj.name
                ),
            )
            .with_hint(crate::error::unknown_hint(
                &fk.column,
                &table.columns,
                "columns",
            )));
        }
        if tj.job.pk.contains(&fk.column) {
            return Err(Error::usage(format!(
                "table {}: foreign key column \"{}\" is part of the primary key; re-pointing it would change primary keys, which dupsweep does not do",
                tj.name, fk.column
            )));
        }
        let parent = done
            .iter()
            .find(|d| d.name == fk.table)
            .ok_or_else(|| Error::Internal(format!("parent {} not processed", fk.table)))?;
        let ppk = &dump
            .table(&fk.table)
            .ok_or_else(|| Error::Internal(format!("no table {}", fk.table)))?
            .job
            .pk;
        if ppk.len() != 1 || ppk[0] != fk.references {
            return Err(Error::usage(format!(
                "table {}: foreign key {} references {}.{}, which is not the primary key of {} ({})",
                tj.name,
                fk.column,
                fk.table,
                fk.references,
                fk.table,
                if ppk.is_empty() {
                    "it has none".to_owned()
                } else {
                    ppk.join(", ")
                }
            ))
            .with_hint(format!(
                "a foreign key must reference its parent's one-column primary key; set pk = [\"{}\"] in [tables.{}]",
                fk.references, fk.table
            )));
        }
        if parent.dumped.column_index(&fk.references).is_none() {
            return Err(Error::Internal(format!(
                "{}.{} not found",
                fk.table, fk.references
            )));
        }
    }
    Ok(())
}

/// Reads, re-points and deduplicates every table, parents first.
pub fn detect_dump(dump: &Dump, progress: &dyn Progress) -> Result<Vec<TableDone>> {
    let mut done: Vec<TableDone> = Vec::new();
    // what the tables read so far hold, all of them until the end
    let mut held = 0u64;
    // the tables of one database dump, read in one pass over it
    let mut preread: Vec<(&str, Table)> = Vec::new();
    for (path, names) in read_together(dump) {
        let given: Vec<Option<&str>> = names.iter().map(|n| Some(*n)).collect();
        let tables = ingest::read_dump_tables(path, &given, progress)?;
        preread.extend(names.into_iter().zip(tables));
    }
    for tj in &dump.tables {
        let job = &tj.job;
        fits_in_memory(job, None, Some(held))?;
        let dumped = match preread.iter().position(|(n, _)| *n == tj.name) {
            Some(k) => preread.swap_remove(k).1,
            None => ingest::read(&job.input, Some(&tj.name), &job.csv, progress)?,
        };
        fits_in_memory(job, Some(&dumped), Some(held))?;
        // kept until the end: the table and its re-pointed copy (the peak is this table's only)
        held += 2 * dumped.df.estimated_size() as u64;
        let key = job.key_columns(&job.input, &dumped.columns)?;
        detect::check_primary_key(&dumped, &job.pk)?;
        check_foreign_keys(tj, &dumped, &done, dump)?;
        let mut unmatched = Vec::new();
        for fk in &tj.foreign_keys {
            let parent = done
                .iter()
                .find(|d| d.name == fk.table)
                .ok_or_else(|| Error::Internal(format!("parent {} not processed", fk.table)))?;
            let text = detect::text_columns(&dumped, std::slice::from_ref(&fk.column))?;
            unmatched.push(
                text[0]
                    .iter()
                    .flatten()
                    .filter(|v| !parent.keys.contains(*v))
                    .count(),
            );
        }
        let mut work = dumped.clone();
        let mut changes = Vec::new();
        for fk in &tj.foreign_keys {
            let parent = done
                .iter()
                .find(|d| d.name == fk.table)
                .ok_or_else(|| Error::Internal(format!("parent {} not processed", fk.table)))?;
            changes.extend(repoint::repoint(&mut work, &fk.column, &parent.map)?);
        }
        changes.sort_by_key(|c| (c.row, c.column));

        let step = format!("detecting ({})", tj.name);
        let (matches, mut fuzzy) = find_groups(&work, &key, job, &step, progress)?;
        let mut resolution = survive::resolve(&work, &matches, &job.keep, fuzzy.as_ref())?;
        // no pair of this table is compared again: its matcher's values go before the next
        if let Some(f) = fuzzy.as_mut() {
            f.engine.release_values();
        }

        // removed rows that were no duplicates in the dump: say so in their reason
        let mut removed_after_repointing = 0;
        if !changes.is_empty() {
            let dumped_key = detect::text_columns(&dumped, &key)?;
            for r in &mut resolution.removed {
                let same = dumped_key
                    .iter()
                    .all(|c| c.get(r.row.index()) == c.get(r.survivor.index()));
                if !same && r.reason.starts_with("exact:") {
                    r.reason = format!("{} (after re-pointing foreign keys)", r.reason).into();
                    removed_after_repointing += 1;
                }
            }
        }
        let map = match job.pk.as_slice() {
            [pk] => repoint::survivor_map(&work, pk, &resolution)?,
            _ => SurvivorMap::new(),
        };
        // the keys children may reference (only tables that are parents need them)
        let keys = match job.pk.as_slice() {
            [pk] if dump.children_of(&tj.name).next().is_some() => {
                detect::text_columns(&dumped, std::slice::from_ref(pk))?[0]
                    .iter()
                    .flatten()
                    .map(str::to_owned)
                    .collect()
            }
            _ => Default::default(),
        };
        done.push(TableDone {
            name: tj.name.clone(),
            dumped,
            work,
            key,
            matches,
            fuzzy,
            resolution,
            changes,
            removed_after_repointing,
            unmatched,
            keys,
            map,
        });
    }
    Ok(done)
}

/// The CSV records (or a PostgreSQL dump's lines) written anew because a foreign key in them
/// was re-pointed.
fn rewritten_records(d: &TableDone, job: &crate::config::Job) -> Result<BTreeMap<usize, String>> {
    let mut out = BTreeMap::new();
    enum Anew {
        Csv(u8),
        Copy,
        Tuple(Vec<bool>),
        Tab,
    }
    let anew = match d.work.source.format {
        Format::Csv { delimiter, .. } => Anew::Csv(delimiter),
        Format::PgDump { .. }
        | Format::TextRows {
            flavor: crate::model::TextFlavor::PgCopy,
            ..
        } => Anew::Copy,
        Format::MysqlDump { ref literal, .. } => Anew::Tuple(literal.clone()),
        Format::TextRows { .. } => Anew::Tab,
        // a Parquet table's cleaned file is written from the re-pointed values
        Format::Parquet => return Ok(out),
    };
    if d.changes.is_empty() {
        return Ok(out);
    }
    let cols = detect::text_columns(&d.work, &d.work.columns)?;
    for c in &d.changes {
        let i = c.row.index();
        if d.resolution.kept[i] && !out.contains_key(&i) {
            let values = cols.iter().map(|c| c.get(i));
            let text = match &anew {
                Anew::Csv(delimiter) => tables::encode_record(&cols, i, *delimiter, &job.null),
                Anew::Copy => {
                    let line = crate::ingest::pgdump::encode_line(values);
                    // the block's own line end
                    match d.work.raw.as_ref().map(|r| r.newline) {
                        Some("\r\n") => format!("{}\r\n", line.trim_end_matches('\n')),
                        _ => line,
                    }
                }
                Anew::Tuple(literal) => crate::ingest::mysqldump::encode_tuple(values, literal),
                Anew::Tab => crate::ingest::textrows::encode_mysql_tab(values),
            };
            out.insert(i, text);
        }
    }
    Ok(out)
}

/// The cleaned PostgreSQL dumps of a whole dump: per dump file its tables read from it (by
/// index in `done`), and the name of its cleaned copy (`school.sql` → `school.cleaned.sql`).
fn pg_dumps(done: &[TableDone]) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    let mut paths: Vec<&std::path::Path> = Vec::new();
    for (i, d) in done.iter().enumerate() {
        if !matches!(
            d.dumped.source.format,
            Format::PgDump { .. } | Format::MysqlDump { .. }
        ) {
            continue;
        }
        let path = d.dumped.source.path.as_path();
        match paths.iter().position(|p| *p == path) {
            Some(k) => out[k].1.push(i),
            None => {
                paths.push(path);
                let stem = ingest::table_name(path, None);
                let mut name = Outputs::file_name(&stem, "cleaned.sql");
                // two dump files of one name (a/school.sql, b/school.sql.gz) stay apart
                let mut n = 1;
                while out.iter().any(|(o, _)| *o == name) {
                    n += 1;
                    name = Outputs::file_name(&format!("{stem}-{n}"), "cleaned.sql");
                }
                out.push((name, vec![i]));
            }
        }
    }
    out
}

/// The re-pointed values of kept rows: primary key, column, old value, new value.
fn repointed_sheet(d: &TableDone, job: &crate::config::Job) -> Result<Sheet> {
    let pk = detect::text_columns(&d.dumped, &job.pk)?;
    let kept: Vec<&Change> = d
        .changes
        .iter()
        .filter(|c| d.resolution.kept[c.row.index()])
        .collect();
    let mut names: Vec<String> = job.pk.clone();
    names.extend([
        "dupsweep_column".into(),
        "dupsweep_from".into(),
        "dupsweep_to".into(),
    ]);
    let mut cols: Vec<SheetCol> = pk
        .iter()
        .map(|p| {
            SheetCol::Text(
                kept.iter()
                    .map(|c| p.get(c.row.index()).map(str::to_owned))
                    .collect(),
            )
        })
        .collect();
    cols.push(SheetCol::Text(
        kept.iter()
            .map(|c| Some(d.dumped.columns[c.column].clone()))
            .collect(),
    ));
    cols.push(SheetCol::Text(
        kept.iter().map(|c| Some(c.from.clone())).collect(),
    ));
    cols.push(SheetCol::Text(
        kept.iter().map(|c| Some(c.to.clone())).collect(),
    ));
    Ok(Sheet { names, cols })
}

/// How many progress stages finding a dump's groups goes through: each table's, in memory.
pub(crate) fn stages(dump: &Dump) -> usize {
    use crate::engine::Engine;
    let each: usize = dump
        .tables
        .iter()
        .map(|t| crate::engine::memory::Memory.stages(&t.job))
        .sum();
    // the tables of one database dump share one reading
    let shared: usize = read_together(dump).iter().map(|(_, n)| n.len() - 1).sum();
    each - shared
}

/// The database dump files (`pg_dump`, `mysqldump`) that several of the dump's tables are
/// read from, with those tables' names: each is read once for all of them.
fn read_together(dump: &Dump) -> Vec<(&std::path::Path, Vec<&str>)> {
    let mut by_file: Vec<(&std::path::Path, Vec<&str>)> = Vec::new();
    for tj in &dump.tables {
        let input = tj.job.input.as_path();
        if ingest::sql_dump(input).is_none() {
            continue;
        }
        match by_file.iter_mut().find(|(p, _)| *p == input) {
            Some((_, names)) => names.push(&tj.name),
            None => by_file.push((input, vec![&tj.name])),
        }
    }
    by_file.retain(|(_, names)| names.len() > 1);
    by_file
}

/// Runs a whole dump: `Command::Clean` writes every output, `Command::Scan` only reports.
pub fn run_dump(command: Command, dump: &Dump, progress: &dyn Progress) -> Result<DumpReport> {
    let start = Instant::now();
    if let Some(t) = dump
        .tables
        .iter()
        .find(|t| t.job.commit == crate::config::Commit::Batch)
    {
        return Err(Error::config(
            Location::file(&dump.config),
            format!(
                "table {}: commit = \"batch\" applies to one table's script (dupsweep clean); a whole dump's script re-points children and deletes parents in one transaction",
                t.name
            ),
        )
        .with_hint("leave commit out of the dump's configuration"));
    }
    // each table read and searched in memory, then (clean) the writing
    progress.plan(stages(dump) + usize::from(command == Command::Clean));
    let done = detect_dump(dump, progress)?;
    let mut report = dump_report(command, dump, &done);
    for w in &report.warnings {
        progress.warn(w);
    }
    if command != Command::Clean {
        report.total_ms = ms(start);
        return Ok(report);
    }

    let inputs: Vec<&std::path::Path> = dump.tables.iter().map(|t| t.job.input.as_path()).collect();
    let header = dump_header(dump, &done, &report);
    // the dump's tables' outputs and its own scripts (dump.*.sql) replace an older run's
    let stems: Vec<String> = pg_dumps(&done)
        .into_iter()
        .map(|(name, _)| name.trim_end_matches(".cleaned.sql").to_owned())
        .collect();
    let mut owned: Vec<&str> = done.iter().map(|d| d.dumped.name.as_str()).collect();
    owned.extend(stems.iter().map(String::as_str));
    owned.push("dump");
    super::write_outputs(
        (&dump.out, &inputs, &owned),
        "run",
        (start, progress),
        &mut report,
        |outs| {
            let written = dump_outputs(outs, dump, &done, &header)?;
            Ok((written, Some(dump_page(dump, &done)?)))
        },
    )?;
    Ok(report)
}

/// A whole dump's outputs into `outs`: every table's files (with the re-pointed values of its
/// kept rows) and the dump's scripts. Everything that can fail on the data (the scripts) is
/// done before the first file is written.
fn dump_outputs(
    outs: &mut Outputs,
    dump: &Dump,
    done: &[TableDone],
    header: &str,
) -> Result<Written> {
    let scripts = dump_scripts(dump, done, header)?;
    let mut written = Vec::new();
    for (tj, d) in dump.tables.iter().zip(done) {
        let rewritten = rewritten_records(d, &tj.job)?;
        written.extend(write_table_files(
            outs,
            &tj.job,
            &d.dumped,
            &d.work,
            &d.resolution,
            d.fuzzy.as_ref(),
            (&rewritten, true),
        )?);
        if tj.job.groups {
            // the records' values as dumped (a group formed after re-pointing shows the
            // foreign key among the columns that differ)
            let values = Values::from_table(&d.dumped)?;
            let name = Outputs::file_name(&d.dumped.name, "groups.csv");
            let mut file = outs.reserve(&name)?;
            let grouped = (&d.dumped, &d.matches, &d.resolution);
            super::write_groups(&mut file, grouped, &values, &tj.job)?;
            written.push(("groups", outs.add(file), None));
        }
        if d.changes.iter().any(|c| d.resolution.kept[c.row.index()]) {
            let sheet = repointed_sheet(d, &tj.job)?;
            let rows = sheet.rows();
            let p = write_sheet(outs, &d.dumped, "repointed", &sheet, &tj.job.null)?;
            written.push(("repointed", p, Some(rows)));
        }
    }
    // one cleaned copy of each PostgreSQL dump, every one of its tables cleaned
    for (name, tables) in pg_dumps(done) {
        let mut edits = Vec::new();
        let mut kept = 0;
        for &i in &tables {
            let (tj, d) = (&dump.tables[i], &done[i]);
            let rewritten = rewritten_records(d, &tj.job)?;
            edits.extend(dump_edits(&d.dumped, &d.resolution, &rewritten)?);
            kept += d.resolution.kept_rows();
        }
        edits.sort_by_key(|e| e.start);
        let source = &done[tables[0]].dumped.source;
        written.push((
            "cleaned",
            write_cleaned_dump(outs, &name, source, &edits)?,
            Some(kept),
        ));
    }
    for (name, kind, text) in scripts {
        written.push((kind, outs.write_text(&name, &text)?, None));
    }
    Ok(written)
}

/// What `report.html` shows of each table's groups: the shown records' values read from the
/// table as dumped (a group formed after re-pointing shows the foreign key among the values
/// that differ).
pub(crate) fn dump_page(dump: &Dump, done: &[TableDone]) -> Result<crate::emit::html::Page> {
    let views = dump
        .tables
        .iter()
        .zip(done)
        .map(|(tj, d)| {
            let sample = super::Sample::of((&d.matches, &d.resolution), d.fuzzy.as_ref());
            let members: Vec<u32> = sample.rows().iter().map(|r| r.0).collect();
            let values = Values::rows_of_members(&d.dumped, &members)?;
            let cell = |c: usize, r: RowId| {
                let i = members.binary_search(&r.0).ok()?;
                values.get(c, RowId(i as u32)).map(|v| v.text.to_owned())
            };
            let mut view = super::html_view(
                (&d.dumped, &d.matches, &d.resolution),
                sample,
                &cell,
                &d.dumped.columns,
                (d.fuzzy.as_ref(), &tj.job.pk),
            );
            if let Some(f) = &d.fuzzy {
                view.queue = crate::emit::fuzzy::queue(&d.dumped, f, &d.matches, &tj.job.pk)?;
            }
            Ok(view)
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::emit::html::Page::Dump(views))
}

impl super::RunReport for DumpReport {
    fn close(&mut self, outputs: Vec<OutputReport>, _write_ms: u64, total_ms: u64) {
        self.outputs = outputs;
        self.total_ms = total_ms;
    }
    fn to_json(&self) -> String {
        DumpReport::to_json(self)
    }
    fn history(&self) -> Vec<crate::emit::schedule::HistoryTable> {
        self.tables
            .iter()
            .map(|t| super::history_table(&t.report))
            .collect()
    }
}

/// The dump's scripts (file name, kind, text) in each dialect, each starting with `header`: the
/// deletions with the re-pointing, their undo, and the prevention script when asked.
fn dump_scripts(
    dump: &Dump,
    done: &[TableDone],
    header: &str,
) -> Result<Vec<(String, &'static str, String)>> {
    let values: Vec<Values> = done
        .iter()
        .map(|d| Values::from_table(&d.dumped))
        .collect::<Result<_>>()?;
    let afters: Vec<Option<Values>> = done
        .iter()
        .map(|d| {
            if d.changes.is_empty() {
                Ok(None)
            } else {
                Values::from_table(&d.work).map(Some)
            }
        })
        .collect::<Result<_>>()?;
    let plans = dump_plans(dump, done, &values, &afters)?;
    let keyed: Vec<sql::prevent::Keyed> = done
        .iter()
        .map(|t| sql::prevent::Keyed {
            table: &t.dumped,
            key: &t.key,
            fuzzy: t.fuzzy.is_some(),
            long: None,
        })
        .collect();
    let what = format!("the dump described by {}", dump.config.display());
    let mut scripts = Vec::new();
    for &dn in &dump.dialects {
        let d = sql::dialect(dn);
        let name = |suffix: &str| format!("dump.{}.{suffix}", dn.name());
        scripts.push((name("sql"), "sql", sql::dump::script(&*d, &plans, header)?));
        scripts.push((
            name("undo.sql"),
            "undo",
            sql::undo::dump_script(&*d, &plans, header)?,
        ));
        if dump.prevent {
            scripts.push((
                name("prevent.sql"),
                "prevent",
                sql::prevent::script(&*d, &keyed, &what)?,
            ));
        }
    }
    Ok(scripts)
}

/// The report of a whole dump's run, before its outputs are written: per table its own report
/// and what re-pointing changed, and the totals.
fn dump_report(command: Command, dump: &Dump, done: &[TableDone]) -> DumpReport {
    let command_name = match command {
        Command::Clean => "run",
        _ => "scan",
    };
    let mut report = DumpReport {
        dupsweep_version: env!("CARGO_PKG_VERSION"),
        command: command_name,
        config: dump.config.display().to_string(),
        settings: DumpSettings {
            config: std::path::absolute(&dump.config)
                .unwrap_or_else(|_| dump.config.clone())
                .display()
                .to_string(),
        },
        tables: Vec::new(),
        totals: DumpTotals {
            tables: done.len(),
            rows: 0,
            groups: 0,
            rows_removed: 0,
            rows_repointed: 0,
        },
        warnings: Vec::new(),
        outputs: Vec::new(),
        total_ms: 0,
    };
    for (tj, d) in dump.tables.iter().zip(done) {
        let mut r = Report::new(command_name, &tj.job, &d.dumped, &d.matches, &d.resolution);
        r.fuzzy = d
            .fuzzy
            .as_ref()
            .map(|f| super::fuzzy_section(f, &d.resolution));
        let repointed: Vec<RepointReport> = tj
            .foreign_keys
            .iter()
            .enumerate()
            .map(|(i, fk)| {
                let col = d.dumped.column_index(&fk.column);
                RepointReport {
                    unmatched_values: d.unmatched.get(i).copied().unwrap_or(0),
                    column: fk.column.clone(),
                    references: format!("{}.{}", fk.table, fk.references),
                    rows: d
                        .changes
                        .iter()
                        .filter(|c| Some(c.column) == col && d.resolution.kept[c.row.index()])
                        .count(),
                }
            })
            .collect();
        let mut rows: Vec<usize> = d
            .changes
            .iter()
            .filter(|c| d.resolution.kept[c.row.index()])
            .map(|c| c.row.index())
            .collect();
        rows.dedup();
        report.totals.rows += r.input.rows;
        report.totals.groups += r.groups;
        report.totals.rows_removed += r.rows_removed;
        report.totals.rows_repointed += rows.len();
        report.tables.push(DumpTableReport {
            name: tj.name.clone(),
            foreign_keys: tj.foreign_keys.clone(),
            rows_repointed: rows.len(),
            repointed,
            rows_removed_after_repointing: d.removed_after_repointing,
            report: r,
        });
    }
    for t in &report.tables {
        for r in t.repointed.iter().filter(|r| r.unmatched_values > 0) {
            report.warnings.push(format!(
                "{} value{} of {}.{} equal no {} exactly; dupsweep leaves them as they are (under a case-insensitive or PAD SPACE collation the database may match them, and the script then stops at its reference check)",
                r.unmatched_values,
                if r.unmatched_values == 1 { "" } else { "s" },
                t.name,
                r.column,
                r.references
            ));
        }
    }
    report
}

/// Each table's plan: its deletions, the updates that re-point its foreign keys (`afters`: the
/// table's values after re-pointing, when it changed), and the tables that reference it.
fn dump_plans<'a>(
    dump: &Dump,
    done: &'a [TableDone],
    values: &'a [Values],
    afters: &'a [Option<Values>],
) -> Result<Vec<sql::Plan<'a>>> {
    let mut plans = Vec::new();
    for (i, (tj, d)) in dump.tables.iter().zip(done).enumerate() {
        let mut plan = sql::plan(
            &d.dumped,
            &values[i],
            &tj.job,
            &d.key,
            &d.resolution,
            &d.matches,
        )?;
        if let Some(after) = &afters[i] {
            plan = plan.with_updates(after, &d.changes, &d.resolution.kept, &tj.job, &d.key);
        }
        plan.children = dump
            .children_of(&tj.name)
            .map(|(child, fk)| {
                // the child's own name: the script's names resolve in the dump's schema
                let (table, _) = ingest::table_ident(&child.job.input, Some(&child.name))?;
                Ok(ChildRef {
                    table,
                    column: fk.column.clone(),
                })
            })
            .collect::<Result<_>>()?;
        plans.push(plan);
    }
    Ok(plans)
}

/// The comment block a dump's scripts start with.
fn dump_header(dump: &Dump, done: &[TableDone], report: &DumpReport) -> String {
    let file = |p: &std::path::Path| {
        p.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let mut lines = vec![
        format!(
            "dupsweep {}: clean the dump described by {}",
            env!("CARGO_PKG_VERSION"),
            file(&dump.config)
        ),
        "Children are re-pointed to the survivors of their parents before any parent row is".into(),
        "deleted; every batch checks that the rows still hold their dumped values, and any".into(),
        "difference stops the script and rolls the whole transaction back. Running it twice".into(),
        "changes nothing more.".into(),
    ];
    for (t, d) in report.tables.iter().zip(done) {
        lines.push(format!(
            "table {}: {} (sha256 {}): {} rows, {} groups, {} rows to delete, {} rows re-pointed",
            t.name,
            file(&d.dumped.source.path),
            d.dumped.source.sha256,
            t.report.input.rows,
            t.report.groups,
            t.report.rows_removed,
            t.rows_repointed
        ));
    }
    let mut out = String::new();
    for l in lines {
        out.push_str("-- ");
        out.push_str(&sql::comment_safe(&l));
        out.push('\n');
    }
    out
}
