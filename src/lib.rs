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
//! The modules hidden from these pages are public for the command-line program and the
//! benchmarks only; they are not a stable interface. How they fit together is in the
//! repository's `ARCHITECTURE.md`: every record carries a `model::RowId` from ingest to emit,
//! `pipeline::run` is the only place that knows the order of the stages, and an `engine` is
//! where a table's records come from (in memory, or streamed from a CSV or Parquet file).

#[doc(hidden)]
pub mod budget;
pub mod config;
#[doc(hidden)]
pub mod detect;
#[doc(hidden)]
pub mod emit;
#[doc(hidden)]
pub mod engine;
pub mod error;
#[doc(hidden)]
pub mod evaluate;
#[doc(hidden)]
pub mod ingest;
#[doc(hidden)]
pub mod model;
#[doc(hidden)]
pub mod normalize;
#[doc(hidden)]
pub mod pipeline;
pub mod progress;
#[doc(hidden)]
pub mod spill;
#[doc(hidden)]
pub mod survive;
#[doc(hidden)]
pub mod values;

pub use config::{Job, Layer};
pub use emit::report::Report;
pub use error::{Error, Result};
pub use evaluate::Evaluation;
pub use pipeline::dump::{run_dump, DumpReport};
pub use pipeline::{explain, run, suggest, Command, Outcome};
