//! The only sequencer: ingest → detect → survive → emit. Each stage gets what the previous one
//! produced and the resolved [`Job`]; nothing here prints.

use std::time::Instant;

use crate::config::Job;
use crate::emit::files::{io_err, Outputs};
use crate::emit::report::{OutputReport, Report};
use crate::emit::{sql, tables};
use crate::error::Result;
use crate::model::Format;
use crate::progress::Progress;
use crate::{detect, ingest, survive};

/// What to do with the duplicates found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Write the cleaned and removed files, the SQL scripts and the report.
    Clean,
    /// Report only; write nothing.
    Scan,
}

/// The result of a run.
pub struct Outcome {
    pub report: Report,
}

impl Outcome {
    pub fn has_duplicates(&self) -> bool {
        self.report.groups > 0
    }
}

fn ms(since: Instant) -> u64 {
    since.elapsed().as_millis() as u64
}

pub fn run(command: Command, job: &Job, progress: &dyn Progress) -> Result<Outcome> {
    let start = Instant::now();
    let table = ingest::read(&job.input, job.table.as_deref(), &job.csv, progress)?;
    let key = job.key_columns(&job.input, &table.columns)?;
    detect::check_primary_key(&table, &job.pk)?;
    let read_ms = ms(start);

    let t = Instant::now();
    progress.start("detecting", None);
    let matches = detect::exact::detect(&table, &key)?;
    progress.finish();
    let detect_ms = ms(t);

    let t = Instant::now();
    let resolution = survive::resolve(&table, &matches, &job.keep)?;
    let survive_ms = ms(t);

    let name = match command {
        Command::Clean => "clean",
        Command::Scan => "scan",
    };
    let mut report = Report::new(name, job, &table, &matches, &resolution);
    report.timings.read_ms = read_ms;
    report.timings.detect_ms = detect_ms;
    report.timings.survive_ms = survive_ms;
    if command == Command::Scan {
        report.timings.total_ms = ms(start);
        return Ok(Outcome { report });
    }

    let t = Instant::now();
    progress.start("writing", None);
    // Everything that can fail on the data is done before the first file is written.
    let values = sql::Values::from_table(&table)?;
    let plan = sql::plan(&table, &values, job, &key, &resolution, &matches);
    let scripts = sql::scripts(&plan, &job.dialects)?;
    let mut outs = Outputs::new(&job.out, &[&job.input]);
    let survivor = tables::survivor_texts(&table, &job.pk)?;
    let mut outputs = Vec::new();
    let kept = resolution.kept_rows();
    let removed = resolution.removed.len();
    match (&table.source.format, &table.raw) {
        (Format::Csv { delimiter, bom, .. }, Some(raw)) => {
            let name = Outputs::file_name(&table.name, "cleaned.csv");
            let p = outs.write(&name, |w| {
                tables::write_cleaned_csv(w, raw, &resolution).map_err(io_err(&job.out))
            })?;
            outputs.push(("cleaned", p, Some(kept)));
            let name = Outputs::file_name(&table.name, "removed.csv");
            let p = outs.write(&name, |w| {
                tables::write_removed_csv(w, raw, *bom, *delimiter, &resolution, &*survivor)
                    .map_err(io_err(&job.out))
            })?;
            outputs.push(("removed", p, Some(removed)));
        }
        _ => {
            let mut cleaned = tables::cleaned_frame(&table, &resolution)?;
            let name = Outputs::file_name(&table.name, "cleaned.parquet");
            let p = outs.write(&name, |w| tables::write_parquet(w, &mut cleaned))?;
            outputs.push(("cleaned", p, Some(kept)));
            let mut rem = tables::removed_frame(&table, &resolution, &*survivor)?;
            let name = Outputs::file_name(&table.name, "removed.parquet");
            let p = outs.write(&name, |w| tables::write_parquet(w, &mut rem))?;
            outputs.push(("removed", p, Some(removed)));
        }
    }

    for (dialect, script) in scripts {
        let name = Outputs::file_name(&table.name, &format!("{}.sql", dialect.name()));
        let p = outs.write(&name, |w| {
            use std::io::Write;
            w.write_all(script.as_bytes()).map_err(io_err(&job.out))
        })?;
        outputs.push(("sql", p, None));
    }

    let report_path = job.out.join("report.json");
    outputs.push(("report", report_path, None));
    report.outputs = outputs
        .into_iter()
        .map(|(kind, path, rows)| OutputReport {
            kind: kind.to_owned(),
            path: path.display().to_string(),
            rows,
        })
        .collect();
    report.timings.write_ms = ms(t);
    report.timings.total_ms = ms(start);
    let json = report.to_json();
    outs.write("report.json", |w| {
        use std::io::Write;
        w.write_all(json.as_bytes()).map_err(io_err(&job.out))
    })?;
    outs.commit()?;
    progress.finish();
    Ok(Outcome { report })
}
