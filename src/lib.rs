//! dupsweep: finds duplicate rows in database dumps, writes the cleaned table, the removed rows
//! and an SQL script that replays the same deletion on the live database.
//!
//! ```text
//!  ingest ──► detect ─────────────────────────────► survive ──► emit
//!  CSV,       exact: group by key columns (Polars)   one per     cleaned, removed, pairs and
//!  Parquet    fuzzy: roles → normalise → block →     group       review files; SQL per dialect
//!                    compare → score (EM) → cluster              (guarded, batched); report.json
//! ```
//!
//! # Using the library
//!
//! A run is described by a [`Layer`] (the settings given, as the command line and the
//! configuration file give them), resolved and checked into a [`Job`], and run with [`run`]:
//!
//! ```
//! use dupsweep::progress::Silent;
//! use dupsweep::{Command, Layer};
//!
//! let out = std::env::temp_dir().join(format!("dupsweep-doc-{}", std::process::id()));
//! let job = Layer {
//!     input: Some("testdata/school/students.csv".into()),
//!     pk: Some(vec!["id".into()]),
//!     ignore: Some(vec!["updated_at".into()]),
//!     keep: Some("max:updated_at".into()),
//!     dialect: Some(vec!["postgres".into()]),
//!     out: Some(out.clone()),
//!     ..Layer::default()
//! }
//! .resolve()?;
//! let outcome = dupsweep::run(Command::Clean, &job, &Silent)?;
//! assert!(outcome.has_duplicates());
//! assert_eq!(outcome.report.rows_kept + outcome.report.rows_removed, outcome.report.input.rows);
//! assert!(out.join("students.cleaned.csv").exists());
//! assert!(out.join("students.postgres.sql").exists());
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok::<(), dupsweep::Error>(())
//! ```
//!
//! [`Command::Scan`] reports without writing, [`Command::Eval`] scores the groups against a
//! truth column; [`explain`] and [`suggest`] answer what the command line's `explain` and
//! `suggest` print; [`run_dump`] cleans a whole dump described by a configuration file
//! ([`config::dump::read`]). Every error is an [`Error`] that names the file, record and column
//! it is about, with an exit code ([`Error::exit_code`]).
//!
//! [`init`] guesses a configuration file from a folder of tables, and [`history`] reads what
//! the runs into an output folder recorded. Every other module is private to the crate: how
//! they fit together is in the repository's `ARCHITECTURE.md` (every record carries a row
//! number from ingest to emit, `pipeline::run` is the only place that knows the order of the
//! stages, and an `engine` is where a table's records come from: in memory, or streamed from a
//! CSV or Parquet file).

mod budget;
pub mod cluster;
pub mod config;
mod detect;
mod emit;
mod engine;
pub mod error;
mod evaluate;
mod ingest;
mod model;
mod normalize;
mod pipeline;
pub mod progress;
mod spill;
mod survive;
mod values;

pub use config::{Job, Layer};
pub use emit::files::write_atomic;
pub use emit::report::Report;
pub use error::{Error, Result};
pub use evaluate::Evaluation;
pub use ingest::live::{is_url as is_live_url, read as live_snapshot};
pub use ingest::spool::{spool, Spooled};
pub use ingest::table_name;
/// True when the file is a database's own dump (`pg_dump`, `mysqldump`).
pub fn is_sql_dump(path: &std::path::Path) -> bool {
    ingest::sql_dump(path).is_some()
}
pub use pipeline::dump::{run_dump, DumpReport};
pub use pipeline::init::{config_path as init_config_path, init};
pub use pipeline::{explain, rebuild_page, run, suggest, Command, Outcome};

/// The parts of a run's reports (what `report.json` and a whole dump's report hold), for
/// reading them as types.
pub mod report {
    pub use crate::detect::fuzzy::{ComparisonReport, FuzzyReport, LevelReport, RuleReport};
    pub use crate::emit::report::{
        FuzzySection, InputReport, OptionsReport, OutputReport, Report, Timings,
    };
    pub use crate::evaluate::{ClusterEval, Evaluation, MissCount};
    pub use crate::pipeline::dump::{
        DumpReport, DumpSettings, DumpTableReport, DumpTotals, RepointReport,
    };
}

/// The runs recorded in an output folder (`history.jsonl`), and their trend for people.
pub mod history {
    pub use crate::emit::schedule::{read, render, HistoryEntry};
}

/// Pieces of the crate that this repository's own tests, benchmarks and examples reach
/// directly (the CSV tokenizer checked against the `csv` crate, the fuzzy kernels timed one by
/// one, the output folder's journal): not a stable interface.
#[doc(hidden)]
pub mod internals {
    pub use crate::detect::fuzzy::{block, compare, roles};
    pub use crate::detect::hashed;
    pub use crate::emit::files::{recover, Outputs, JOURNAL, MANIFEST};
    pub use crate::emit::tables::write_parquet;
    pub use crate::ingest::{hex, read, tokenizer, CsvOptions};
    pub use crate::model::Format;
    pub use crate::normalize::{fold, phonetic::metaphone};
}
