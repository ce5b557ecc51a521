//! The in-memory engine: the whole table is read (CSV or Parquet, [`crate::ingest::read`]),
//! its groups found (exact, then fuzzy when asked) and its survivors picked; its table files
//! are written from the table held. It serves every job: fuzzy matching, `eval`, whole dumps,
//! and exact duplicates the streaming engines do not take. It does not spill: it checks
//! `--memory-limit` before reading and once the table is read (`budget::fits_in_memory`).

use std::time::Instant;

use super::{Detected, Engine, Written};
use crate::budget::fits_in_memory;
use crate::config::Job;
use crate::detect::fuzzy::Fuzzy;
use crate::emit::files::{io_err, Outputs};
use crate::emit::{self, tables};
use crate::error::{Error, Result};
use crate::model::{Command, Format, Matches, Resolution, Table};
use crate::progress::Progress;
use crate::{detect, ingest, survive};

/// The in-memory engine.
#[derive(Debug, Default)]
pub struct Memory;

impl Engine for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn detect(&mut self, _: Command, job: &Job, progress: &dyn Progress) -> Result<Detected> {
        detect_all(job, progress)
    }
    fn input_unchanged(&self, _: &Job) -> Result<()> {
        // the whole file was read once, its SHA-256 taken from those bytes
        Ok(())
    }
    fn write_table_files(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        write_table_files(
            outs,
            job,
            &d.table,
            &d.table,
            &d.resolution,
            d.fuzzy.as_ref(),
            &Default::default(),
        )
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Reads the input, finds the groups (exact, then fuzzy when asked) and picks the survivors.
pub fn detect_all(job: &Job, progress: &dyn Progress) -> Result<Detected> {
    let start = Instant::now();
    fits_in_memory(job, None, None)?;
    let table = ingest::read(&job.input, job.table.as_deref(), &job.csv, progress)?;
    let key = job.key_columns(&job.input, &table.columns)?;
    fits_in_memory(job, Some(&table), None)?;
    detect::check_primary_key(&table, &job.pk)?;
    let read_ms = ms(start);

    let t = Instant::now();
    let (matches, fuzzy) = find_groups(&table, &key, job, "detecting", progress)?;
    let detect_ms = ms(t);

    let t = Instant::now();
    let resolution = survive::resolve(&table, &matches, &job.keep, fuzzy.as_ref())?;
    let survive_ms = ms(t);
    Ok(Detected {
        table,
        key,
        matches,
        fuzzy,
        resolution,
        read_ms,
        detect_ms,
        survive_ms,
    })
}

/// The groups of `table` on the `key` columns: exact, then fuzzy when the job asks for it
/// (`step`: what the progress shows meanwhile). A whole dump finds each table's groups so too.
pub(crate) fn find_groups(
    table: &Table,
    key: &[String],
    job: &Job,
    step: &str,
    progress: &dyn Progress,
) -> Result<(Matches, Option<Fuzzy>)> {
    progress.start(step, None);
    let matches = detect::exact::detect(table, key)?;
    progress.finish();
    match &job.fuzzy {
        Some(opts) => {
            let (matches, fuzzy) = detect::fuzzy::detect(table, key, matches, opts, progress)?;
            Ok((matches, Some(fuzzy)))
        }
        None => Ok((matches, None)),
    }
}

/// Writes a sheet (pairs, review, repointed) as `T.<kind>.csv` for a CSV input (its delimiter
/// and line ends) or `T.<kind>.parquet`.
pub(crate) fn write_sheet(
    outs: &mut Outputs,
    table: &Table,
    kind: &str,
    sheet: &tables::Sheet,
    nulls: &[String],
) -> Result<std::path::PathBuf> {
    match (&table.source.format, &table.raw) {
        (Format::Csv { delimiter, .. }, Some(raw)) => {
            let name = Outputs::file_name(&table.name, &format!("{kind}.csv"));
            let path = outs.dir().join(&name);
            outs.write(&name, |w| {
                sheet
                    .write_csv(w, *delimiter, raw.newline, nulls)
                    .map_err(io_err(&path))
            })
        }
        _ => {
            let mut df = sheet.frame()?;
            let name = Outputs::file_name(&table.name, &format!("{kind}.parquet"));
            outs.write(&name, |w| tables::write_parquet(w, &mut df))
        }
    }
}

/// Writes a table's cleaned and removed files (and the fuzzy pairs and review files) in the
/// input's format. `dumped` is the table as read; `work` the same after re-pointing (whole
/// dumps; else the same table), whose values the cleaned file holds. `rewritten`: the CSV
/// records written anew, by index.
pub(crate) fn write_table_files(
    outs: &mut Outputs,
    job: &Job,
    dumped: &Table,
    work: &Table,
    resolution: &Resolution,
    fuzzy: Option<&Fuzzy>,
    rewritten: &std::collections::BTreeMap<usize, String>,
) -> Result<Written> {
    let table = dumped;
    let survivor = tables::survivor_texts(table, &job.pk)?;
    let mut outputs = Vec::new();
    let kept = resolution.kept_rows();
    let removed = resolution.removed.len();
    match (&table.source.format, &table.raw) {
        (Format::Csv { .. }, Some(raw)) => {
            let cleaned = Outputs::file_name(&table.name, "cleaned.csv");
            let removed_name = Outputs::file_name(&table.name, "removed.csv");
            let werr = io_err(&job.out);
            let paths = outs.write_many(&[&cleaned, &removed_name], |w| {
                let (wc, wr) = w.split_at_mut(1);
                tables::write_csv_tables(
                    (&mut wc[0], &mut wr[0]),
                    (table, raw),
                    resolution,
                    rewritten,
                    &*survivor,
                    &job.null,
                    &werr,
                )
            })?;
            let [c, r] = <[std::path::PathBuf; 2]>::try_from(paths)
                .map_err(|_| Error::Internal("two files asked, another number written".into()))?;
            outputs.push(("cleaned", c, Some(kept)));
            outputs.push(("removed", r, Some(removed)));
        }
        _ => {
            let mut cleaned = tables::cleaned_frame(work, resolution)?;
            let name = Outputs::file_name(&table.name, "cleaned.parquet");
            let p = outs.write(&name, |w| tables::write_parquet(w, &mut cleaned))?;
            outputs.push(("cleaned", p, Some(kept)));
            let mut rem = tables::removed_frame(table, resolution, &*survivor)?;
            let name = Outputs::file_name(&table.name, "removed.parquet");
            let p = outs.write(&name, |w| tables::write_parquet(w, &mut rem))?;
            outputs.push(("removed", p, Some(removed)));
        }
    }

    if let Some(f) = fuzzy {
        let pairs = emit::fuzzy::pairs_sheet(f, &*survivor);
        let review = emit::fuzzy::review_sheet(table, f, &*survivor)?;
        for (kind, sheet) in [("pairs", pairs), ("review", review)] {
            let rows = sheet.rows();
            outputs.push((
                kind,
                write_sheet(outs, table, kind, &sheet, &job.null)?,
                Some(rows),
            ));
        }
    }

    Ok(outputs)
}
