//! dupsweep: finds duplicate rows in database dumps, writes the cleaned table, the removed rows
//! and an SQL script that replays the same deletion on the live database.
//!
//! ```text
//!  ingest ──► detect ─────────────────────────────► survive ──► emit
//!  CSV,       exact: group by key columns (Polars)   one per     cleaned, removed, pairs and
//!  Parquet    fuzzy: roles → normalise → block →     group       review files; SQL per dialect
//!                    compare → score (EM) → cluster              (guarded, batched); report.json
//! ```
//! Every record carries a [`model::RowId`] from ingest to emit; [`pipeline::run`] is the only
//! place that knows the order of the stages; an [`engine`] is where a table's records come from
//! (in memory, or streamed from a CSV or Parquet file).

pub mod budget;
pub mod config;
pub mod detect;
pub mod emit;
pub mod engine;
pub mod error;
pub mod evaluate;
pub mod ingest;
pub mod model;
pub mod normalize;
pub mod pipeline;
pub mod progress;
pub mod spill;
pub mod survive;
pub mod values;

pub use config::{Job, Layer};
pub use error::{Error, Result};
pub use pipeline::{explain, run, Command, Outcome};
