//! The only sequencer: ingest → detect → survive → emit. Each stage gets what the previous one
//! produced and the resolved [`Job`]; nothing here prints. The first three are an engine's
//! ([`crate::engine`]); the report, the scripts and the commit of the outputs are the same
//! for every engine (`finish`), and a whole dump ([`dump`]) runs the in-memory engine's
//! steps table by table.

pub mod dump;
pub mod init;

pub use crate::engine::Detected;
pub use crate::model::Command;

use std::time::Instant;

use polars::prelude::DataFrame;

use crate::config::Job;
use crate::emit::files::Outputs;
use crate::emit::report::{FuzzySection, OutputReport, Report};
use crate::emit::sql;
use crate::engine::Written;
use crate::error::Result;
use crate::model::{Matches, Resolution, RowId, Table};
use crate::progress::Progress;
use crate::{detect, engine};

/// The result of a run.
pub struct Outcome {
    pub report: Report,
    /// With [`Command::Eval`].
    pub evaluation: Option<crate::evaluate::Evaluation>,
}

impl Outcome {
    pub fn has_duplicates(&self) -> bool {
        self.report.groups > 0
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

/// Runs `command` on one table: an engine (in memory, or streaming a CSV or Parquet file, as
/// [`Job`]'s `engine` and the input allow) reads it and finds its groups and survivors; then
/// the run is reported and, for `clean`, every output written.
pub fn run(command: Command, job: &Job, progress: &dyn Progress) -> Result<Outcome> {
    let start = Instant::now();
    let mut engine = engine::choose(command, job)?;
    // (clean writes, last)
    progress.plan(engine.stages(job) + usize::from(command == Command::Clean));
    let detected = engine.detect(command, job, progress)?;
    if command != Command::Clean {
        engine.input_unchanged(job)?;
    }
    finish(command, job, detected, start, progress, &mut *engine)
}

/// `eval --misses`: the pairs counted wrong, as CSV at `path` (the records by primary key, or
/// record number without one; their entities; the blocking rule that compares them; their
/// match probability; why), and how many have each reason.
fn write_misses(
    path: &std::path::Path,
    job: &Job,
    d: &Detected,
    truth: &str,
) -> Result<Vec<crate::evaluate::MissCount>> {
    use crate::evaluate::{MissCount, MISSES_LISTED};
    let (list, left_out) = crate::evaluate::misses(&d.table, &d.matches, truth)?;
    let label = crate::emit::tables::survivor_texts(&d.table, &job.pk)?;
    let ids = detect::text_columns(&d.table, &[truth.to_owned()])?;
    let rules: Vec<&str> = d
        .fuzzy
        .as_ref()
        .map_or_else(Vec::new, |f| f.report.rules_in_use());
    let record = if job.pk.is_empty() {
        "record".to_owned()
    } else {
        job.pk.join(",")
    };
    let mut out = String::new();
    let mut line = |fields: &[&str]| {
        let f: Vec<String> = fields
            .iter()
            .map(|v| crate::emit::tables::csv_field(v, b',', &[]))
            .collect();
        out.push_str(&f.join(","));
        out.push('\n');
    };
    line(&[
        "kind",
        &format!("{record}_a"),
        &format!("{record}_b"),
        &format!("{truth}_a"),
        &format!("{truth}_b"),
        "blocking_rule",
        "probability",
        "reason",
    ]);
    let mut counts: Vec<MissCount> = Vec::new();
    for m in &list {
        let (rule, p, reason) = match &d.fuzzy {
            Some(f) => {
                use crate::detect::fuzzy::Standing;
                let (standing, rule, p) = f.standing(m.a, m.b, !m.missed);
                let exact = f.exact_of[m.a.index()] == f.exact_of[m.b.index()];
                let reason = match standing {
                    Standing::NotCompared => "not compared: no blocking rule pairs them",
                    Standing::Below => "below the review threshold",
                    Standing::Review => "in the review band",
                    Standing::KeptApart => "above the threshold, kept apart by the chaining guard",
                    Standing::SameGroup if exact => "equal on every key column",
                    Standing::SameGroup if rule.is_some() && p >= f.report.threshold => {
                        "matched directly"
                    }
                    Standing::SameGroup => "grouped through other records",
                };
                (
                    rule.and_then(|r| rules.get(r)).copied().unwrap_or(""),
                    crate::detect::fuzzy::format_probability(p),
                    reason,
                )
            }
            None => (
                "",
                String::new(),
                if m.missed {
                    "different key values"
                } else {
                    "equal on every key column"
                },
            ),
        };
        let kind = if m.missed { "missed" } else { "wrong" };
        match counts
            .iter_mut()
            .find(|c| c.kind == kind && c.reason == reason)
        {
            Some(c) => c.pairs += 1,
            None => counts.push(MissCount {
                kind,
                reason,
                pairs: 1,
            }),
        }
        let entity = |r: RowId| ids[0].get(r.index()).unwrap_or("").to_owned();
        line(&[
            kind,
            &label(m.a),
            &label(m.b),
            &entity(m.a),
            &entity(m.b),
            rule,
            &p,
            reason,
        ]);
    }
    if left_out {
        counts.push(MissCount {
            kind: "note",
            reason: "more pairs of one kind than the file lists",
            pairs: MISSES_LISTED as u64,
        });
    }
    crate::emit::files::write_atomic(path, out.as_bytes(), &[&job.input])?;
    Ok(counts)
}

/// The report of a table's run (`command`) by `engine`, before its outputs are written.
fn table_report(command: Command, job: &Job, d: &Detected, engine: &dyn engine::Engine) -> Report {
    let (table, matches, fuzzy, resolution) = (&d.table, &d.matches, &d.fuzzy, &d.resolution);
    let name = match command {
        Command::Clean => "clean",
        Command::Scan => "scan",
        Command::Eval => "eval",
    };
    let mut report = Report::new(name, job, table, matches, resolution);
    report.engine = engine.name();
    report.timings.read_ms = d.read_ms;
    report.timings.detect_ms = d.detect_ms;
    report.timings.survive_ms = d.survive_ms;
    if let Some(f) = fuzzy {
        report.timings.fuzzy_ms = f.report.timings_ms.clone();
        report.fuzzy = Some(fuzzy_section(f, resolution));
    }
    report
}

/// The report's `fuzzy` object: what fuzzy matching found, and the removed records that are
/// not exact copies of their survivor.
pub(crate) fn fuzzy_section(
    f: &crate::detect::fuzzy::Fuzzy,
    resolution: &Resolution,
) -> FuzzySection {
    FuzzySection {
        found: f.report.clone(),
        rows_removed_fuzzy: resolution
            .removed
            .iter()
            .filter(|r| f.exact_of[r.row.index()] != f.exact_of[r.survivor.index()])
            .count(),
    }
}

/// With [`Command::Eval`], the figures against the truth column (and the `--misses` file).
fn evaluation(
    command: Command,
    job: &Job,
    d: &Detected,
) -> Result<Option<crate::evaluate::Evaluation>> {
    match (command, &job.truth) {
        (Command::Eval, Some(truth)) => {
            let mut ev = crate::evaluate::evaluate(&d.table, &d.matches, truth)?;
            if let Some(path) = &job.misses {
                ev.misses = write_misses(path, job, d, truth)?;
            }
            Ok(Some(ev))
        }
        (Command::Eval, None) => Err(crate::error::Error::usage(
            "eval needs --truth COLUMN, the ground-truth entity id",
        )),
        _ => Ok(None),
    }
}

/// What the scripts read: the grouped records alone, a record at a time. A table of them (the
/// streaming engine's already is one) with its groups and survivors renumbered, when the
/// detected table holds other records too, and their values copied row by row (or the ones the
/// engine `filled` while reading); the tables' own columns are then dropped (but for the
/// primary key, which the streaming engine's removed file names).
#[allow(clippy::type_complexity)]
fn script_values(
    detected: &mut Detected,
    filled: Option<crate::values::Values>,
    job: &Job,
) -> Result<(Option<(Table, Matches, Resolution)>, crate::values::Values)> {
    let grouped = grouped_only(&detected.table, &detected.matches, &detected.resolution)?;
    let internal = crate::error::Error::Polars;
    let values = match &grouped {
        Some((t, _, _)) => {
            let members = t.subset.as_ref().map_or(&[][..], |s| &s.numbers[..]);
            crate::values::Values::rows_of_members(&detected.table, members)?
        }
        None => {
            let v = match filled {
                Some(v) => v,
                None => crate::values::Values::rows_of(&detected.table)?,
            };
            let t = &mut detected.table;
            t.df = if job.pk.is_empty() {
                DataFrame::new(t.df.height(), vec![]).map_err(internal)?
            } else {
                t.df.select(job.pk.iter().map(|s| s.as_str()))
                    .map_err(internal)?
            };
            v
        }
    };
    Ok((grouped, values))
}

/// The report, and with [`Command::Clean`] every output: the table files (the `engine`'s)
/// while the scripts are rendered on the other core.
fn finish(
    command: Command,
    job: &Job,
    mut detected: Detected,
    start: Instant,
    progress: &dyn Progress,
    engine: &mut dyn engine::Engine,
) -> Result<Outcome> {
    let mut report = table_report(command, job, &detected, engine);
    if command != Command::Clean {
        let evaluation = evaluation(command, job, &detected)?;
        report.timings.total_ms = ms(start);
        return Ok(Outcome { report, evaluation });
    }

    let name = detected.table.name.clone();
    let values = filled_values(engine, &mut detected);
    write_outputs(
        (&job.out, &[&job.input], &[&name]),
        "clean",
        (start, progress),
        &mut report,
        |outs| table_outputs(outs, job, (detected, values), engine),
    )?;
    Ok(Outcome {
        report,
        evaluation: None,
    })
}

/// A table's outputs into `outs`: its table files (the `engine`'s), written while the scripts
/// are rendered on the other core (from the `values` the engine filled while reading, if any).
fn table_outputs(
    outs: &mut Outputs,
    job: &Job,
    (mut detected, values): (Detected, Option<crate::values::Values>),
    engine: &dyn engine::Engine,
) -> Result<(Written, Option<crate::emit::html::Page>)> {
    let queue = review_queue(job, &detected)?;
    let (grouped, values) = script_values(&mut detected, values, job)?;
    crate::budget::release_freed_memory();
    let d = &detected;
    let (table, key, matches, fuzzy, resolution) =
        (&d.table, &d.key, &d.matches, &d.fuzzy, &d.resolution);
    let (sql_table, sql_matches, sql_resolution) = match &grouped {
        Some((t, m, r)) => (t, m, r),
        None => (table, matches, resolution),
    };
    let plan = sql::plan(sql_table, &values, job, key, sql_resolution, sql_matches)?;
    // The scripts (change, undo, prevention, per dialect) are rendered on the other core while
    // the table files are written; a failure in either leaves nothing (the outputs are only
    // renamed into place once everything succeeded).
    let mut jobs = Vec::new();
    for &d in &job.dialects {
        let mut kinds = vec![("sql", "sql"), ("undo", "undo.sql")];
        if job.prevent {
            kinds.push(("prevent", "prevent.sql"));
        }
        for (kind, suffix) in kinds {
            let name = Outputs::file_name(&table.name, &format!("{}.{suffix}", d.name()));
            jobs.push((d, kind, outs.reserve(&name)?));
        }
    }
    let groups_file = match job.groups {
        true => Some(outs.reserve(&Outputs::file_name(&table.name, "groups.csv"))?),
        false => None,
    };
    // each script is written as it is rendered, a batch at a time; then the groups file
    let render = || -> Result<Vec<(&'static str, crate::emit::files::Pending)>> {
        use rayon::prelude::*;
        let mut done: Vec<_> = jobs
            .into_par_iter()
            .map(|(d, kind, mut file)| {
                let dialect = sql::dialect(d);
                let path = file.path().to_path_buf();
                file.write(|w| {
                    let mut sink = sql::WriteSink { w, path: &path };
                    match kind {
                        "sql" => dialect.script(&plan, &mut sink),
                        "undo" => sql::undo::script(&*dialect, &plan, &mut sink),
                        _ => {
                            let text = sql::prevent::script(
                                &*dialect,
                                &[sql::prevent::Keyed {
                                    table,
                                    key,
                                    fuzzy: fuzzy.is_some(),
                                    long: engine.long_keys(),
                                }],
                                &format!("table {}", table.name),
                            )?;
                            sql::Sink::put(&mut sink, &text)
                        }
                    }
                })?;
                Ok((kind, file))
            })
            .collect::<Result<_>>()?;
        if let Some(mut file) = groups_file {
            let grouped = (sql_table, sql_matches, sql_resolution);
            write_groups(&mut file, grouped, &values, job)?;
            done.push(("groups", file));
        }
        Ok(done)
    };
    let (scripts, written) = rayon::join(render, || engine.write_table_files(outs, job, &detected));
    let mut outputs = written?;
    for (kind, file) in scripts? {
        outputs.push((kind, outs.add(file), None));
    }
    let grouped = (sql_table, sql_matches, sql_resolution);
    let view = table_view(job, (d, grouped), &values, queue);
    Ok((outputs, Some(crate::emit::html::Page::Table(view))))
}

/// The grouped records' values the `engine` filled while reading, if any, once the survivors
/// are chosen: no pair is compared again, so the fuzzy matcher's prepared values are released
/// (the outputs need the memory).
fn filled_values(
    engine: &mut dyn engine::Engine,
    detected: &mut Detected,
) -> Option<crate::values::Values> {
    if let Some(f) = detected.fuzzy.as_mut() {
        f.engine.release_values();
    }
    engine.take_values()
}

/// The review queue of a fuzzy run, taken while the table still holds every column.
fn review_queue(job: &Job, d: &Detected) -> Result<Option<crate::emit::html::Queue>> {
    d.fuzzy
        .as_ref()
        .map(|f| crate::emit::fuzzy::queue(&d.table, f, &d.matches, &job.pk))
        .transpose()
}

/// What `report.html` shows of a table's run: its `grouped` records (those the scripts read,
/// whose values `values` holds) and the review `queue`.
fn table_view(
    job: &Job,
    (d, grouped): (&Detected, (&Table, &Matches, &Resolution)),
    values: &crate::values::Values,
    queue: Option<crate::emit::html::Queue>,
) -> crate::emit::html::View {
    let fuzzy = d.fuzzy.as_ref();
    let sample = Sample::of((grouped.1, grouped.2), fuzzy);
    let cell = |c: usize, r: RowId| values.get(c, r).map(|v| v.text.to_owned());
    let mut view = html_view(grouped, sample, &cell, &values.names, (fuzzy, &job.pk));
    view.queue = queue.unwrap_or_default();
    view
}

/// `dupsweep report OUT_DIR`: `report.html` rebuilt from `report.json` (a table's run or a
/// whole dump's) by running its job again on its input, which must be unchanged (the SHA-256
/// the report gives) and must give the groups the report counts; nothing else in the folder
/// changes. Returns the page's path.
pub fn rebuild_page(
    out_dir: &std::path::Path,
    progress: &dyn Progress,
) -> Result<std::path::PathBuf> {
    use crate::error::{Error, Location};
    if !out_dir.join("report.json").is_file() {
        return Err(Error::usage(format!(
            "{} holds no report.json: it is not a dupsweep output folder",
            out_dir.display()
        )));
    }
    // (no other run writes the folder meanwhile)
    let _lock = crate::emit::schedule::RunLock::acquire(out_dir, &[])?;
    let path = out_dir.join("report.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Error::io(&path, "cannot read the run's report", e))?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::data(Location::file(&path), format!("not a dupsweep report: {e}")))?;
    let page = if report["tables"].is_array() {
        let config = report["settings"]["config"]
            .as_str()
            .or(report["config"].as_str())
            .map(std::path::PathBuf::from)
            .unwrap_or_default();
        let dump = crate::config::dump::read(&config, crate::Layer::default())?;
        progress.plan(dump::stages(&dump));
        let done = dump::detect_dump(&dump, progress)?;
        let found: Vec<u64> = done
            .iter()
            .map(|d| d.resolution.removed.len() as u64)
            .collect();
        let said: Vec<u64> = report["tables"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|t| t["rows_removed"].as_u64().unwrap_or(u64::MAX))
            .collect();
        if found != said {
            return Err(Error::data(
                Location::file(&config),
                "running the dump again removes other rows than the report says",
            )
            .with_hint(
                "its tables or configuration changed since the run: run `dupsweep run` again",
            ));
        }
        crate::emit::html::render_page(&report, &dump::dump_page(&dump, &done)?)
    } else {
        let settings: crate::Layer =
            serde_json::from_value(report["settings"].clone()).map_err(|_| {
                Error::data(
                    Location::file(&path),
                    "the report does not record its run's settings",
                )
                .with_hint("it was written by an older dupsweep: run the command again")
            })?;
        // a stream or a live table was read once: it cannot be read again as it was
        if let Some(input) = settings.input.as_deref().filter(|i| {
            i.as_os_str() == "-"
                || crate::ingest::live::is_url(i)
                || crate::ingest::spool::is_stream(i)
        }) {
            return Err(Error::usage(format!(
                "the run read {}, which cannot be read again as it was: its page cannot be rebuilt",
                input.display()
            ))
            .with_hint("run the command again (on a file, its page can be rebuilt later)"));
        }
        let job = crate::Layer {
            out: Some(out_dir.to_path_buf()),
            ..settings
        }
        .resolve()?;
        let sha256 = crate::ingest::file_hashes(&job.input)?.0;
        if report["input"]["sha256"].as_str() != Some(sha256.as_str()) {
            return Err(Error::data(
                Location::file(&job.input),
                "the input changed since the run (its SHA-256 is not the one the report gives)",
            )
            .with_hint("the page shows the run's groups: run the command again on the new input"));
        }
        let mut engine = engine::choose(Command::Clean, &job)?;
        progress.plan(engine.stages(&job));
        let mut detected = engine.detect(Command::Clean, &job, progress)?;
        if report["rows_removed"].as_u64() != Some(detected.resolution.removed.len() as u64)
            || report["groups"].as_u64() != Some(detected.matches.groups.len() as u64)
        {
            return Err(Error::data(
                Location::file(&job.input),
                "running the job again finds other groups than the report says",
            ));
        }
        let values = filled_values(&mut *engine, &mut detected);
        let queue = review_queue(&job, &detected)?;
        let (grouped, values) = script_values(&mut detected, values, &job)?;
        let d = &detected;
        let grouped = match &grouped {
            Some((t, m, r)) => (t, m, r),
            None => (&d.table, &d.matches, &d.resolution),
        };
        let view = table_view(&job, (d, grouped), &values, queue);
        crate::emit::html::render_page(&report, &crate::emit::html::Page::Table(view))
    };
    progress.end();
    let target = out_dir.join("report.html");
    crate::emit::files::write_atomic(&target, page.as_bytes(), &[])?;
    Ok(target)
}

/// The groups `report.html` shows: the least certain first (by their removed records' lowest
/// score; groups in their order among equals), each with its survivor first, then the others
/// in record order.
pub(crate) struct Sample {
    /// (group, its records shown).
    groups: Vec<(usize, Vec<RowId>)>,
}

impl Sample {
    pub(crate) fn of(
        (matches, res): (&Matches, &Resolution),
        fuzzy: Option<&crate::detect::fuzzy::Fuzzy>,
    ) -> Sample {
        use crate::emit::html::{MAX_GROUPS, MAX_ROWS};
        let lowest = |gi: usize| {
            matches.groups[gi]
                .members
                .iter()
                .filter_map(|&m| removal(res, m).map(|x| x.score))
                .fold(f64::INFINITY, f64::min)
        };
        // exact groups are all certain: in their order (no score looked up for millions)
        let mut order: Vec<(f64, usize)> = match fuzzy {
            Some(_) => (0..matches.groups.len()).map(|g| (lowest(g), g)).collect(),
            None => (0..matches.groups.len().min(MAX_GROUPS))
                .map(|g| (1.0, g))
                .collect(),
        };
        order.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        order.truncate(MAX_GROUPS);
        let groups = order
            .into_iter()
            .map(|(_, gi)| {
                let survivor = res.survivors[gi];
                let rows = matches.groups[gi]
                    .survivor_first(survivor)
                    .take(MAX_ROWS)
                    .collect();
                (gi, rows)
            })
            .collect();
        Sample { groups }
    }

    /// Every record shown, ascending.
    pub(crate) fn rows(&self) -> Vec<RowId> {
        let mut rows: Vec<RowId> = self
            .groups
            .iter()
            .flat_map(|g| g.1.iter().copied())
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows
    }
}

/// `r`'s removal, if it is removed.
fn removal(res: &Resolution, r: RowId) -> Option<&crate::model::Removal> {
    res.removed
        .binary_search_by_key(&r, |x| x.row)
        .ok()
        .map(|i| &res.removed[i])
}

/// What `report.html` shows of the groups ([`crate::emit::html::View`]): their sizes, the
/// fuzzy pairs' scores and the `sample`'s records, whose values `cell` gives (a column's text
/// of a record, or NULL).
pub(crate) fn html_view(
    (table, matches, res): (&Table, &Matches, &Resolution),
    sample: Sample,
    cell: &dyn Fn(usize, RowId) -> Option<String>,
    columns: &[String],
    (fuzzy, pk): (Option<&crate::detect::fuzzy::Fuzzy>, &[String]),
) -> crate::emit::html::View {
    use crate::emit::html::{GroupView, RowView, View, MAX_ROWS};
    let mut sizes = std::collections::BTreeMap::new();
    for g in &matches.groups {
        *sizes.entry(g.members.len()).or_insert(0usize) += 1;
    }
    let is_pk: Vec<bool> = columns.iter().map(|n| pk.contains(n)).collect();
    let ncols = columns.len();
    let levels_of = fuzzy.map(|f| ShownLevels::new(f, table, &sample, columns));
    let groups = sample
        .groups
        .into_iter()
        .map(|(gi, members)| {
            let g = &matches.groups[gi];
            let survivor = members[0];
            let kept: Vec<Option<String>> = (0..ncols).map(|c| cell(c, survivor)).collect();
            let rows = members
                .iter()
                .map(|&m| {
                    let gone = removal(res, m);
                    RowView {
                        record: table.number_of(m),
                        kept: m == survivor,
                        score: gone
                            .map(crate::emit::tables::score_text)
                            .unwrap_or_default(),
                        reason: gone.map(|x| x.reason.to_string()).unwrap_or_default(),
                        cells: (0..ncols)
                            .map(|c| {
                                let v = cell(c, m);
                                let differs = !is_pk[c] && v != kept[c];
                                (v, differs)
                            })
                            .collect(),
                        levels: match &levels_of {
                            Some(l) if m != survivor => {
                                l.of(table.dumped(survivor), table.dumped(m))
                            }
                            _ => Vec::new(),
                        },
                    }
                })
                .collect();
            let gone: Vec<&crate::model::Removal> =
                g.members.iter().filter_map(|&m| removal(res, m)).collect();
            let lowest = gone
                .iter()
                .filter_map(|x| crate::emit::tables::score_text(x).parse::<f64>().ok())
                .fold(1.0, f64::min);
            let mut reasons: Vec<String> = gone.iter().map(|x| x.reason.to_string()).collect();
            reasons.sort_unstable();
            reasons.dedup();
            GroupView {
                id: table.number_of(g.id()),
                rows,
                more: g.members.len().saturating_sub(MAX_ROWS),
                lowest,
                reasons,
            }
        })
        .collect();
    View {
        sizes: sizes.into_iter().collect(),
        scores: fuzzy.map_or_else(Vec::new, |f| {
            f.pairs.iter().map(|p| p.probability).collect()
        }),
        columns: columns.to_vec(),
        groups,
        total_groups: matches.groups.len(),
        ..Default::default()
    }
}

/// The comparison levels of the scored pairs between the page's survivors and the other
/// records of their groups (by their exact groups' first records), per column of the page.
struct ShownLevels<'a> {
    fuzzy: &'a crate::detect::fuzzy::Fuzzy,
    pairs: std::collections::HashMap<(u32, u32), usize>,
    /// Per column of the page: its comparison, if it is compared on its own.
    comparison: Vec<Option<usize>>,
}

impl<'a> ShownLevels<'a> {
    /// For the `sample` of `table`'s groups (a subset of the table fuzzy matching read, or
    /// that table).
    fn new(
        fuzzy: &'a crate::detect::fuzzy::Fuzzy,
        table: &Table,
        sample: &Sample,
        columns: &[String],
    ) -> Self {
        let rep = |r: RowId| fuzzy.exact_of[r.index()];
        let shown: std::collections::HashSet<u32> = sample
            .rows()
            .into_iter()
            .map(|r| rep(table.dumped(r)))
            .collect();
        let pairs = fuzzy
            .pairs
            .iter()
            .enumerate()
            .filter(|(_, p)| shown.contains(&rep(p.a)) && shown.contains(&rep(p.b)))
            .map(|(i, p)| ((rep(p.a).min(rep(p.b)), rep(p.a).max(rep(p.b))), i))
            .collect();
        let comparison = columns
            .iter()
            .map(|c| fuzzy.engine.comparisons.iter().position(|x| &x.column == c))
            .collect();
        ShownLevels {
            fuzzy,
            pairs,
            comparison,
        }
    }

    /// Per column, the level and weight of `a` and `b`'s comparison (records of the table
    /// fuzzy matching read), if they were scored.
    fn of(&self, a: RowId, b: RowId) -> Vec<Option<(String, f64)>> {
        let (ra, rb) = (
            self.fuzzy.exact_of[a.index()],
            self.fuzzy.exact_of[b.index()],
        );
        let Some(&i) = self.pairs.get(&(ra.min(rb), ra.max(rb))) else {
            return Vec::new();
        };
        let p = &self.fuzzy.pairs[i];
        let e = &self.fuzzy.engine;
        let weights = e.weights(&p.levels, p.a, p.b);
        self.comparison
            .iter()
            .map(|c| {
                c.map(|c| {
                    let level = e.comparisons[c].levels[p.levels[c] as usize].to_string();
                    (level, weights[c])
                })
            })
            .collect()
    }
}

/// `T.groups.csv` into `file`: the groups of `table` (its rows are those of `values`), in the
/// input's delimiter and line end when it is a CSV file.
pub(crate) fn write_groups(
    file: &mut crate::emit::files::Pending,
    grouped: (&Table, &Matches, &Resolution),
    values: &crate::values::Values,
    job: &Job,
) -> Result<()> {
    let table = grouped.0;
    let delimiter = match table.source.format {
        crate::model::Format::Csv { delimiter, .. } => delimiter,
        _ => b',',
    };
    let newline = table.raw.as_ref().map_or("\n", |r| r.newline);
    let format = crate::emit::groups::GroupsCsv {
        delimiter,
        newline,
        nulls: &job.null,
        pk: &job.pk,
    };
    let path = file.path().to_path_buf();
    file.write(|w| {
        crate::emit::groups::write(w, grouped, values, &format)
            .map(drop)
            .map_err(crate::emit::files::io_err(&path))
    })
}

/// What a run that writes reports at its end: the files it wrote, its timings, and its tables'
/// lines in `history.jsonl`.
pub(crate) trait RunReport {
    /// Records the outputs written and the time spent writing them and in total.
    fn close(&mut self, outputs: Vec<OutputReport>, write_ms: u64, total_ms: u64);
    fn to_json(&self) -> String;
    fn history(&self) -> Vec<crate::emit::schedule::HistoryTable>;
}

impl RunReport for Report {
    fn close(&mut self, outputs: Vec<OutputReport>, write_ms: u64, total_ms: u64) {
        self.outputs = outputs;
        self.timings.write_ms = write_ms;
        self.timings.total_ms = total_ms;
    }
    fn to_json(&self) -> String {
        Report::to_json(self)
    }
    fn history(&self) -> Vec<crate::emit::schedule::HistoryTable> {
        vec![history_table(self)]
    }
}

/// The one end of every run that writes (a table's `clean`, a whole dump's `run`): under the
/// output folder's lock, `write` stages the run's files (the tables it `owned` replace an
/// older run's), then `report.json` lists them; all are moved into place together, and the run
/// gets its line in `history.jsonl`. A failure anywhere leaves the folder as it was.
fn write_outputs(
    (out, inputs, owned): (&std::path::Path, &[&std::path::Path], &[&str]),
    command: &str,
    (start, progress): (Instant, &dyn Progress),
    report: &mut impl RunReport,
    write: impl FnOnce(&mut Outputs) -> Result<(Written, Option<crate::emit::html::Page>)>,
) -> Result<()> {
    let t = Instant::now();
    let _lock = crate::emit::schedule::RunLock::acquire(out, inputs)?;
    progress.start("writing", None);
    let mut outs = Outputs::new(out, inputs).owning(owned);
    let (mut written, view) = write(&mut outs)?;
    written.push(("report", out.join("report.json"), None));
    if view.is_some() {
        written.push(("report_html", out.join("report.html"), None));
    }
    let listed: Vec<_> = written
        .iter()
        .map(|(k, p, r)| (*k, p.clone(), *r))
        .collect();
    report.close(OutputReport::list(written), ms(t), ms(start));
    let json = report.to_json();
    outs.write_text("report.json", &json)?;
    if let Some(page) = view {
        let value: serde_json::Value = serde_json::from_str(&json)
            .map_err(|e| crate::error::Error::Internal(e.to_string()))?;
        outs.write_text(
            "report.html",
            &crate::emit::html::render_page(&value, &page),
        )?;
    }
    outs.commit()?;
    for (kind, path, rows) in &listed {
        progress.wrote(kind, path, *rows);
    }
    crate::emit::schedule::append(
        out,
        &crate::emit::schedule::HistoryEntry {
            time: crate::emit::schedule::now(),
            dupsweep_version: env!("CARGO_PKG_VERSION").into(),
            command: command.into(),
            tables: report.history(),
        },
    )?;
    progress.finish();
    Ok(())
}

/// The records of `table` that are in a group, as a table of their own ([`Table::subset`]),
/// with the groups and the survivors renumbered to its rows; `None` when `table` already holds
/// only those. The table holds no column (its values are read from `table` by record number,
/// [`crate::values::Values::rows_of_members`]): taken whole, they were a run's peak.
fn grouped_only(
    table: &Table,
    matches: &Matches,
    resolution: &Resolution,
) -> Result<Option<(Table, Matches, Resolution)>> {
    if table.subset.is_some() {
        return Ok(None);
    }
    let mut members: Vec<u32> = matches
        .groups
        .iter()
        .flat_map(|g| g.members.iter().map(|r| r.0))
        .collect();
    members.sort_unstable();
    members.dedup();
    let mut slot = vec![u32::MAX; table.rows()];
    for (i, &m) in members.iter().enumerate() {
        slot[m as usize] = i as u32;
    }
    let to = |r: RowId| RowId(slot[r.index()]);
    let df = DataFrame::new(members.len(), vec![]).map_err(crate::error::Error::Polars)?;
    let raw = table.raw.as_ref().map(|raw| {
        crate::model::RawCsv::lines_only(
            raw.head.clone(),
            members.iter().map(|&m| raw.lines[m as usize]).collect(),
            raw.newline,
        )
    });
    let rows = table.rows();
    let sub = Table {
        name: table.name.clone(),
        source: table.source.clone(),
        columns: table.columns.clone(),
        df,
        raw,
        subset: Some(crate::model::Subset {
            numbers: members,
            rows,
        }),
        schema: table.schema.clone(),
    };
    let m = Matches {
        key: matches.key.clone(),
        groups: matches
            .groups
            .iter()
            .map(|g| crate::model::Group {
                members: g.members.iter().map(|&r| to(r)).collect(),
            })
            .collect(),
        repeats_per_column: matches.repeats_per_column.clone(),
    };
    let r = Resolution {
        survivors: resolution.survivors.iter().map(|&r| to(r)).collect(),
        removed: resolution
            .removed
            .iter()
            .map(|x| crate::model::Removal {
                row: to(x.row),
                group: to(x.group),
                survivor: to(x.survivor),
                score: x.score,
                reason: x.reason.clone(),
            })
            .collect(),
        kept: sub
            .subset
            .iter()
            .flat_map(|s| s.numbers.iter().map(|&n| resolution.kept[n as usize]))
            .collect(),
    };
    Ok(Some((sub, m, r)))
}

/// A table's line in `history.jsonl`.
pub(crate) fn history_table(r: &Report) -> crate::emit::schedule::HistoryTable {
    crate::emit::schedule::HistoryTable {
        table: r.options.table.clone(),
        input: r.input.path.clone(),
        sha256: r.input.sha256.clone(),
        rows: r.input.rows,
        groups: r.groups,
        rows_removed: r.rows_removed,
    }
}

/// The record `v` names: its primary key (comma-separated for a composite key) or, without
/// `pk`, its record number (from 1).
fn find_record(table: &Table, pk: &[String], v: &str) -> Result<RowId> {
    if pk.is_empty() {
        let n: u64 = v.trim().parse().map_err(|_| {
            crate::error::Error::usage(format!(
                "\"{v}\" is not a record number (without --pk, records are named by their number, from 1)"
            ))
        })?;
        if n == 0 || n > table.rows() as u64 {
            return Err(crate::error::Error::usage(format!(
                "record {n} does not exist: the input has {} records",
                table.rows()
            )));
        }
        return Ok(RowId((n - 1) as u32));
    }
    let parts: Vec<&str> = v.split(',').collect();
    let cols = detect::text_columns(table, pk)?;
    if parts.len() != cols.len() {
        return Err(crate::error::Error::usage(format!(
            "\"{v}\" does not name a record: the primary key has {} column(s)",
            cols.len()
        )));
    }
    (0..table.rows())
        .find(|&i| cols.iter().zip(&parts).all(|(c, p)| c.get(i) == Some(*p)))
        .map(|i| RowId(i as u32))
        .ok_or_else(|| {
            crate::error::Error::usage(format!(
                "no record has primary key {} = \"{v}\"",
                pk.join(",")
            ))
        })
}

/// Why two records match or not (`dupsweep explain`): `a` and `b` are primary-key values
/// (comma-separated for a composite key) or, without `--pk`, record numbers.
pub fn explain(job: &Job, a: &str, b: &str, progress: &dyn Progress) -> Result<String> {
    let d = engine::memory::detect_all(job, progress)?;
    let Some(f) = &d.fuzzy else {
        return Err(crate::error::Error::usage("explain needs fuzzy matching"));
    };
    let (ra, rb) = (
        find_record(&d.table, &job.pk, a)?,
        find_record(&d.table, &job.pk, b)?,
    );
    let crate::detect::fuzzy::Explained {
        verdicts,
        session,
        prior,
        total,
        probability: p,
        overruled,
        capped,
    } = f.engine.explain(ra, rb);
    let rules = f.report.rules_in_use();
    let mut out = format!(
        "records {} and {} ({}: {} and {})\n",
        ra.number(),
        rb.number(),
        if job.pk.is_empty() {
            "record numbers".to_owned()
        } else {
            job.pk.join(",")
        },
        a,
        b
    );
    let same_group = d
        .matches
        .groups
        .iter()
        .any(|g| g.members.contains(&ra) && g.members.contains(&rb));
    let w1 = verdicts
        .iter()
        .map(|v| v.column.chars().count())
        .max()
        .unwrap_or(6)
        .max(10);
    out.push_str(&format!(
        "  {:<w1$}  {:>8}  level / values\n",
        "comparison", "weight"
    ));
    match (session.and_then(|s| rules.get(s)), overruled) {
        (Some(rule), _) => out.push_str(&format!(
            "  {:<w1$}  {:>8.2}  share of matches among the pairs of blocking rule {rule}\n",
            "prior", prior
        )),
        (None, Some((r, own))) => out.push_str(&format!(
            "  {:<w1$}  {:>8.2}  two records drawn at random match: the model of all pairs, more cautious here than the model of blocking rule {} (total {:.2})\n",
            "prior",
            prior,
            rules.get(r).copied().unwrap_or("?"),
            own
        )),
        (None, None) => out.push_str(&format!(
            "  {:<w1$}  {:>8.2}  two records drawn at random match (no blocking rule pairs them)\n",
            "prior", prior
        )),
    }
    for v in &verdicts {
        out.push_str(&format!(
            "  {:<w1$}  {:>8.2}  {}{}: {} / {}\n",
            v.column,
            v.weight,
            v.level,
            if v.blocked {
                " (the blocking rule's)"
            } else {
                ""
            },
            v.left.as_deref().unwrap_or("NULL"),
            v.right.as_deref().unwrap_or("NULL")
        ));
    }
    if let Some(sum) = capped {
        out.push_str(&format!(
            "  {:<w1$}  {:>8.2}  no identifying value (name, date, e-mail, number, text) agrees: at most even odds (the prior and the comparisons add up to {sum:.2})\n",
            "cap", total - sum
        ));
    }
    out.push_str(&format!(
        "  {:<w1$}  {:>8.2}  match probability {} (threshold {}, review from {})\n",
        "total",
        total,
        crate::detect::fuzzy::format_probability(p),
        f.report.threshold,
        f.report.review_threshold
    ));
    // a pair no blocking rule makes is never scored by `clean`: whatever its probability here,
    // it is neither joined nor listed for review (its records may still share a group through
    // others)
    use crate::detect::fuzzy::Standing;
    out.push_str(match f.standing(ra, rb, same_group).0 {
        Standing::SameGroup => "  verdict: duplicates (same group)\n",
        Standing::NotCompared => "  verdict: not compared: no blocking rule pairs these records, so clean keeps both and does not list them for review (a --block rule on what they share would compare them)\n",
        Standing::Review | Standing::KeptApart => "  verdict: not in one group (below the threshold, or split by the chaining guard): to review\n",
        Standing::Below => "  verdict: not duplicates\n",
    });
    Ok(out)
}

/// The fuzzy-matching settings worked out for a file, as an editable TOML config
/// (`dupsweep suggest`): the options given, the column roles and the blocking rules chosen
/// (with the pairs each makes on this file), the thresholds.
pub fn suggest(job: &Job, given: &crate::Layer, progress: &dyn Progress) -> Result<String> {
    let d = engine::memory::detect_all(job, progress)?;
    let (Some(f), Some(opts)) = (&d.fuzzy, &job.fuzzy) else {
        return Err(crate::error::Error::Internal(
            "suggest ran without fuzzy matching".into(),
        ));
    };
    let r = &f.report;
    let used: Vec<&crate::detect::fuzzy::RuleReport> =
        r.blocking.iter().filter(|b| b.dropped.is_none()).collect();
    let layer = crate::Layer {
        table: given.table.clone(),
        pk: (!job.pk.is_empty()).then(|| job.pk.clone()),
        key: given.key.clone(),
        ignore: given.ignore.clone(),
        keep: given.keep.clone(),
        delimiter: given.delimiter.clone(),
        null: given.null.clone(),
        fuzzy: Some(true),
        threshold: Some(opts.threshold),
        review_threshold: Some(opts.review_threshold),
        group_floor: Some(opts.group_floor),
        block: Some(used.iter().map(|b| b.rule.clone()).collect()),
        role: Some(
            r.roles
                .iter()
                .map(|(c, role)| format!("{c}={role}"))
                .collect(),
        ),
        max_pairs: opts.max_pairs,
        max_group: Some(opts.max_group),
        ..crate::Layer::default()
    };
    let file = job
        .input
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let safe = |s: &str| sql::comment_safe(s);
    let mut out = String::new();
    out.push_str(&format!(
        "# dupsweep {}: fuzzy-matching settings worked out for {} ({} records)\n",
        env!("CARGO_PKG_VERSION"),
        safe(&file),
        d.table.rows()
    ));
    out.push_str(&format!(
        "# Edit, then: dupsweep clean {} --config THIS_FILE (flags given there win over this file)\n",
        safe(&file)
    ));
    out.push_str("# role: COLUMN=ROLE; roles: first-name, last-name, full-name, email, phone, date, postcode,\n#   address, city, number, category, text, string, identifier and timestamp (not compared)\n");
    out.push_str("# block: rules, OR-ed; each joins FUNC(COLUMN) or FUNC(COL1|COL2) with &; FUNC: fold,\n#   soundex, metaphone, initial, prefixN, words, date, year, email, phone, digits, int,\n#   postcode, minhash (long free text)\n");
    out.push_str("# On this file:\n");
    for b in &r.blocking {
        match &b.dropped {
            None => out.push_str(&format!(
                "#   {}: {} pairs, largest block {}\n",
                safe(&b.rule),
                b.pairs,
                b.largest_block
            )),
            Some(why) => out.push_str(&format!("#   not used: {}: {}\n", safe(&b.rule), safe(why))),
        }
    }
    out.push_str(&format!(
        "#   {} candidate pairs, {} at or above the threshold, {} fuzzy groups; pairs to review: {}\n",
        r.candidate_pairs, r.pairs_above_threshold, r.fuzzy_groups, r.review_pairs
    ));
    out.push_str(&crate::config::file::to_toml(&layer));
    Ok(out)
}
