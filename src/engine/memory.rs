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
use crate::model::{Command, Format, Matches, Resolution, RowId, Table};
use crate::progress::Progress;
use crate::{detect, ingest, survive};

/// The in-memory engine.
#[derive(Debug, Default)]
pub struct Memory;

impl Engine for Memory {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn stages(&self, job: &Job) -> usize {
        // reading (a CSV file's, by its bytes), detecting, then the fuzzy steps
        let reading = !super::is_parquet(&job.input);
        usize::from(reading) + 1 + if job.fuzzy.is_some() { 4 } else { 0 }
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
            (&Default::default(), false),
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
            let decided = match &opts.decisions {
                Some(d) => {
                    // the records the decisions name, by their key as the review file gives it
                    let group_of = matches.group_of(table.rows());
                    let same_exact = |a: RowId, b: RowId| {
                        a == b
                            || (group_of[a.index()] != u32::MAX
                                && group_of[a.index()] == group_of[b.index()])
                    };
                    let texts = tables::survivor_texts(table, &job.pk)?;
                    detect::fuzzy::decisions::resolve(d, table, &*texts, &same_exact)?
                }
                None => Vec::new(),
            };
            let (matches, fuzzy) =
                detect::fuzzy::detect(table, key, matches, opts, &decided, progress)?;
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
    let csv = match (&table.source.format, &table.raw) {
        (Format::Csv { delimiter, .. }, Some(raw)) => Some((*delimiter, raw.newline)),
        // a database's dump: its sheets are CSV files
        (Format::PgDump { .. } | Format::MysqlDump { .. } | Format::TextRows { .. }, _) => {
            Some((b',', "\n"))
        }
        _ => None,
    };
    match csv {
        Some((delimiter, newline)) => {
            let name = Outputs::file_name(&table.name, &format!("{kind}.csv"));
            let path = outs.dir().join(&name);
            outs.write(&name, |w| {
                sheet
                    .write_csv(w, delimiter, newline, nulls)
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

/// The cleaned and removed CSV files of `table` as read (`raw`: where its records are), with
/// `rewritten` records (by index) written anew: the records read again from the file, which
/// must hash as it did when it was read (else an error, and nothing is written), or from the
/// bytes held for an input that cannot be read twice.
pub(crate) fn write_csv_files(
    (wc, wr): (&mut dyn std::io::Write, &mut dyn std::io::Write),
    (table, raw): (&Table, &crate::model::RawCsv),
    (resolution, rewritten): (&Resolution, &std::collections::BTreeMap<usize, String>),
    (survivor, nulls): (&dyn Fn(crate::model::RowId) -> String, &[String]),
    werr: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    let Format::Csv { delimiter, bom, .. } = table.source.format else {
        return Err(Error::Internal("CSV files asked of a Parquet table".into()));
    };
    let mut bytes = match &raw.data {
        Some(data) => tables::RecordBytes::Held(data),
        None => tables::RecordBytes::File(crate::ingest::stream::Window::open_hashed(
            &table.source.path,
        )?),
    };
    let csv = tables::CsvHead {
        head: &raw.head,
        bom,
        delimiter,
        newline: raw.newline,
        nulls,
    };
    let mut spans = raw
        .starts
        .iter()
        .zip(&raw.record_next)
        .enumerate()
        .map(|(i, (&start, &next))| (i, start as u64, next as u64));
    tables::write_csv_tables(
        (wc, wr),
        &csv,
        (&mut bytes, &mut spans),
        (table, resolution),
        rewritten,
        survivor,
        werr,
    )?;
    match bytes.finish()? {
        _ if raw.data.is_some() => Ok(()),
        Some((sha256, _, _)) if sha256 == table.source.sha256 => Ok(()),
        _ => Err(Error::data(
            crate::error::Location::file(&table.source.path),
            "the file changed since dupsweep read it (its records were read again to be copied)",
        )
        .with_hint("run again on a copy that nothing writes to")),
    }
}

/// One change to a dump's bytes: a row's line (`start..end`) left out, or written anew.
pub(crate) struct DumpEdit {
    pub start: u64,
    pub end: u64,
    pub line: Option<String>,
}

/// What cleaning `table` (read from a PostgreSQL dump) changes in the dump: each removed row's
/// line left out, each `rewritten` row (whole dumps: a re-pointed foreign key) written anew.
pub(crate) fn dump_edits(
    table: &Table,
    resolution: &Resolution,
    rewritten: &std::collections::BTreeMap<usize, String>,
) -> Result<Vec<DumpEdit>> {
    let Some(raw) = &table.raw else {
        return Err(Error::Internal("a dump's rows have no places".into()));
    };
    let span = |i: usize| (raw.starts[i] as u64, raw.record_next[i] as u64);
    let mut edits: Vec<DumpEdit> = match &table.source.format {
        Format::MysqlDump { statements, .. } => mysql_removals(
            statements,
            (&raw.starts, &raw.record_next),
            &resolution.kept,
        ),
        _ => resolution
            .removed
            .iter()
            .map(|r| {
                let (start, end) = span(r.row.index());
                DumpEdit {
                    start,
                    end,
                    line: None,
                }
            })
            .collect(),
    };
    for (&i, text) in rewritten {
        if resolution.kept[i] {
            let (start, end) = span(i);
            edits.push(DumpEdit {
                start,
                end,
                line: Some(text.clone()),
            });
        }
    }
    edits.sort_by_key(|e| e.start);
    Ok(edits)
}

/// What removing rows of a mysqldump table cuts out of its `statements` ((first record,
/// start, end), records `starts`/`ends` their tuples): a statement whose every row goes is cut
/// whole; else each removed tuple with the comma before it, or, before the statement's first
/// kept tuple, with the comma after it, so that what is left still reads `VALUES (…),(…);`.
fn mysql_removals(
    statements: &[(u32, u64, u64)],
    (starts, ends): (&[usize], &[usize]),
    kept: &[bool],
) -> Vec<DumpEdit> {
    let mut edits = Vec::new();
    for (k, &(first, start, end)) in statements.iter().enumerate() {
        let first = first as usize;
        let last = statements.get(k + 1).map_or(starts.len(), |s| s.0 as usize);
        let rows = first..last;
        if rows.clone().all(|i| !kept[i]) {
            edits.push(DumpEdit {
                start,
                end,
                line: None,
            });
            continue;
        }
        let mut seen_kept = false;
        for i in rows {
            if kept[i] {
                seen_kept = true;
                continue;
            }
            let (s, e) = if seen_kept {
                (ends[i - 1], ends[i])
            } else {
                (starts[i], starts[i + 1])
            };
            edits.push(DumpEdit {
                start: s as u64,
                end: e as u64,
                line: None,
            });
        }
    }
    edits
}

/// Writes `name`: the dump `source` (read again, and checked to be the file read first) with
/// the `edits` (in file order) made: it loads with `psql` as the original did.
pub(crate) fn write_cleaned_dump(
    outs: &mut Outputs,
    name: &str,
    source: &crate::model::Source,
    edits: &[DumpEdit],
) -> Result<std::path::PathBuf> {
    let len = match &source.format {
        Format::PgDump { len, .. }
        | Format::MysqlDump { len, .. }
        | Format::TextRows { len, .. } => *len,
        _ => {
            return Err(Error::Internal(
                "a cleaned dump asked of another file".into(),
            ))
        }
    };
    let target = outs.dir().join(name);
    let werr = io_err(&target);
    outs.write(name, |w| {
        let mut bytes =
            tables::RecordBytes::File(crate::ingest::stream::Window::open_hashed(&source.path)?);
        let mut at = 0;
        for e in edits {
            if e.start < at {
                return Err(Error::Internal("a dump's edits overlap".into()));
            }
            bytes.copy(at, e.start, &mut *w)?.map_err(&werr)?;
            if let Some(line) = &e.line {
                std::io::Write::write_all(w, line.as_bytes()).map_err(&werr)?;
            }
            at = e.end;
        }
        bytes.copy(at, len, &mut *w)?.map_err(&werr)?;
        match bytes.finish()? {
            Some((sha256, _, _)) if sha256 == source.sha256 => Ok(()),
            _ => Err(Error::data(
                crate::error::Location::file(&source.path),
                "the file changed since dupsweep read it (its rows were read again to be copied)",
            )
            .with_hint("run again on a copy that nothing writes to")),
        }
    })
}

/// The removed rows of a table read from a PostgreSQL dump, as CSV: the table's columns (NULL
/// as an empty field, an empty string as `""`), then group, survivor, score and reason.
fn write_dump_removed(
    w: &mut dyn std::io::Write,
    table: &Table,
    resolution: &Resolution,
    (survivor, nulls): (&dyn Fn(crate::model::RowId) -> String, &[String]),
    werr: &dyn Fn(std::io::Error) -> Error,
) -> Result<()> {
    let header: Vec<String> = table
        .columns
        .iter()
        .map(|c| tables::csv_field(c, b',', nulls))
        .collect();
    let head = format!("{}\n", header.join(","));
    tables::write_removed_header(w, head.as_bytes(), false, b',', b"\n").map_err(werr)?;
    let cols = crate::detect::text_columns(table, &table.columns)?;
    for r in &resolution.removed {
        let record = tables::encode_record(&cols, r.row.index(), b',', nulls);
        tables::write_removed_record(
            w,
            record.as_bytes(),
            table.number_of(r.group),
            &survivor(r.survivor),
            r,
            b',',
            nulls,
            b"\n",
        )
        .map_err(werr)?;
    }
    Ok(())
}

/// Writes a table's cleaned and removed files (and the fuzzy pairs and review files) in the
/// input's format. `dumped` is the table as read; `work` the same after re-pointing (whole
/// dumps; else the same table), whose values the cleaned file holds. `rewritten`: the CSV
/// records (or a PostgreSQL dump's lines) written anew, by index; `dump_wide`: a table of a
/// PostgreSQL dump whose cleaned dump is written once for all its tables (whole dumps).
pub(crate) fn write_table_files(
    outs: &mut Outputs,
    job: &Job,
    dumped: &Table,
    work: &Table,
    resolution: &Resolution,
    fuzzy: Option<&Fuzzy>,
    (rewritten, dump_wide): (&std::collections::BTreeMap<usize, String>, bool),
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
                write_csv_files(
                    (&mut wc[0], &mut wr[0]),
                    (table, raw),
                    (resolution, rewritten),
                    (&*survivor, &job.null),
                    &werr,
                )
            })?;
            let [c, r] = <[std::path::PathBuf; 2]>::try_from(paths)
                .map_err(|_| Error::Internal("two files asked, another number written".into()))?;
            outputs.push(("cleaned", c, Some(kept)));
            outputs.push(("removed", r, Some(removed)));
        }
        (Format::PgDump { .. } | Format::MysqlDump { .. } | Format::TextRows { .. }, Some(_)) => {
            // the cleaned dump: this table's alone, or a whole dump's for all its tables (an
            // export in a text format holds one table: its own)
            let text = matches!(table.source.format, Format::TextRows { .. });
            if !dump_wide || text {
                let ext = if text { "cleaned.txt" } else { "cleaned.sql" };
                let name = Outputs::file_name(&table.name, ext);
                let edits = dump_edits(table, resolution, rewritten)?;
                let p = write_cleaned_dump(outs, &name, &table.source, &edits)?;
                outputs.push(("cleaned", p, Some(kept)));
            }
            let name = Outputs::file_name(&table.name, "removed.csv");
            let werr = io_err(&job.out);
            let p = outs.write(&name, |w| {
                write_dump_removed(w, table, resolution, (&*survivor, &job.null), &werr)
            })?;
            outputs.push(("removed", p, Some(removed)));
        }
        _ => {
            // compressed as the input is
            let compression = match table.source.format {
                Format::Parquet => {
                    crate::ingest::parquet::ParquetFile::open(&table.source.path)?.compression()
                }
                _ => polars::prelude::ParquetCompression::default(),
            };
            let mut cleaned = tables::cleaned_frame(work, resolution)?;
            let name = Outputs::file_name(&table.name, "cleaned.parquet");
            let p = outs.write(&name, |w| {
                tables::write_parquet_as(w, &mut cleaned, compression)
            })?;
            outputs.push(("cleaned", p, Some(kept)));
            let mut rem = tables::removed_frame(table, resolution, &*survivor)?;
            let name = Outputs::file_name(&table.name, "removed.parquet");
            let p = outs.write(&name, |w| {
                tables::write_parquet_as(w, &mut rem, compression)
            })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_read_again_are_the_ones_held_and_a_changed_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.csv");
        // CRLF, a blank line between records, a quoted line break, no line end at the end
        let text = "id,name\r\n1,a\r\n\r\n2,\"b\r\nc\"\r\n3,a\r\n4,a";
        std::fs::write(&path, text).unwrap();
        let job = crate::Layer {
            input: Some(path.clone()),
            pk: Some(vec!["id".into()]),
            ..Default::default()
        }
        .resolve()
        .unwrap();
        let d = detect_all(&job, &crate::progress::Silent).unwrap();
        let raw = d.table.raw.as_ref().unwrap();
        assert!(
            raw.data.is_none(),
            "a file's bytes are read again, not held"
        );
        let write = |raw: &crate::model::RawCsv| -> Result<(String, String)> {
            let (mut c, mut r) = (Vec::new(), Vec::new());
            let survivor = |row: crate::model::RowId| row.number().to_string();
            let werr = |e| Error::io(&path, "cannot write", e);
            write_csv_files(
                (&mut c, &mut r),
                (&d.table, raw),
                (&d.resolution, &Default::default()),
                (&survivor, &[]),
                &werr,
            )?;
            Ok((String::from_utf8(c).unwrap(), String::from_utf8(r).unwrap()))
        };
        let (cleaned, removed) = write(raw).unwrap();
        // (a blank line is no record: the cleaned file leaves it out)
        assert_eq!(cleaned, "id,name\r\n1,a\r\n2,\"b\r\nc\"\r\n");
        assert!(
            removed.contains("\r\n3,a,") && removed.contains("\r\n4,a,"),
            "{removed}"
        );
        // the same bytes from the file held in memory (a pipe's)
        let mut held = raw.clone();
        held.data = Some(text.as_bytes().to_vec());
        assert_eq!(write(&held).unwrap(), (cleaned, removed));
        // the file changed since it was read (same length): nothing is copied from it
        std::fs::write(&path, text.replace('b', "x")).unwrap();
        let err = write(raw).unwrap_err().render();
        assert!(err.contains("changed since dupsweep read it"), "{err}");
    }
}
