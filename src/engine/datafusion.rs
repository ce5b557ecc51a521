//! `--engine datafusion`: exact duplicates in a Parquet file, the first pass done by Apache
//! DataFusion.
//!
//! DataFusion reads the file with its own Parquet reader and answers a few SQL queries: each key
//! column's distinct values, the longest text of each text key column, the records whose key
//! repeats (an aggregate over a 64-bit hash of the key, [`KeyHash`], joined back to the records
//! by a sort-merge join; `file_row_index()` gives each record's place in the file), and the same
//! over the primary key when its values repeat. Its aggregates and sorts spill to disk within a
//! share of `--memory-limit`, so the first pass holds no per-record index of ours. What the
//! queries find is what [`super::parquet_stream`]'s own first pass finds (a superset of the
//! grouped records: keys of one hash), and from there the same code reads the candidates,
//! verifies the groups on their values, picks the survivors and writes the files: the outputs
//! are the other engines', byte for byte.
//!
//! Keys compare as Polars' group-by compares them: floats by value (`-0.0` is `0.0`, every NaN
//! one value), NULL equal to NULL.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType as ArrowType, Int64Type};
use datafusion::arrow::row::{RowConverter, SortField};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::FairSpillPool;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::StreamExt;
use polars::prelude::DataType;

use super::parquet_stream::{detect_with, Candidates, Finder, Plan};
use super::streaming::{Found, Passes, Stamp};
use super::{Detected, Written};
use crate::config::Job;
use crate::emit::files::Outputs;
use crate::emit::sql::double_quoted;
use crate::error::{Error, Location, Result};
use crate::model::Command;
use crate::progress::Progress;
use crate::survive::KindTracker;

/// The passes of `--engine datafusion`: the Parquet streaming engine's, its first pass
/// DataFusion's.
pub struct Streamed(super::parquet_stream::Streamed);

impl Passes for Streamed {
    const NAME: &'static str = "datafusion";
    fn read(command: Command, job: &Job, progress: &dyn Progress) -> Result<(Found, Streamed)> {
        let (found, passes) = detect_with(Finder::DataFusion, command, job, progress)?;
        Ok((found, Streamed(passes)))
    }
    fn stamp(&self) -> Option<Stamp> {
        self.0.stamp()
    }
    fn write(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        self.0.write(outs, job, d)
    }
}

/// The passes of `--engine ballista`: [`Streamed`]'s, its queries run on a Ballista cluster
/// ([`super::ballista`]).
#[cfg(feature = "ballista")]
pub struct OnCluster(super::parquet_stream::Streamed);

#[cfg(feature = "ballista")]
impl Passes for OnCluster {
    const NAME: &'static str = "ballista";
    fn read(command: Command, job: &Job, progress: &dyn Progress) -> Result<(Found, OnCluster)> {
        let (found, passes) = detect_with(Finder::Ballista, command, job, progress)?;
        Ok((found, OnCluster(passes)))
    }
    fn stamp(&self) -> Option<Stamp> {
        self.0.stamp()
    }
    fn write(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        self.0.write(outs, job, d)
    }
}

/// Column `name` (of Polars type `dt`) as the key compares it, which is how Polars' group-by
/// compares floats: a zero of either sign is one value, and so is every NaN. (DataFusion
/// compares floats by IEEE 754's total order, bit for bit: there `-0.0` is not `0.0`, and a
/// NaN, above infinity when positive and below minus infinity when negative, equals only a NaN
/// of the same bits.)
fn key_value(name: &str, dt: Option<&DataType>) -> String {
    let c = double_quoted(name);
    match dt {
        Some(dt) if dt.is_float() => format!(
            "CASE WHEN {c} = CAST(0 AS DOUBLE) OR {c} = CAST(-0.0 AS DOUBLE) THEN CAST(0 AS DOUBLE) \
             WHEN {c} > CAST('Infinity' AS DOUBLE) OR {c} < CAST('-Infinity' AS DOUBLE) THEN CAST('NaN' AS DOUBLE) \
             ELSE CAST({c} AS DOUBLE) END"
        ),
        // (a column of NULLs only: as text, which DataFusion can sort)
        Some(DataType::Null) => format!("CAST({c} AS VARCHAR)"),
        _ => c,
    }
}

/// The dupsweep version whose key hash a query asks for: the first argument of
/// `dupsweep_key_hash`. A Ballista executor of another version refuses the task (its hash, or
/// the functions it knows, may differ) instead of answering with other numbers.
pub(crate) const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `dupsweep_key_hash(version, v1, v2, …)`: a 64-bit hash of a record's key values, equal for
/// equal values (the values as [`key_value`] gives them, encoded by Arrow's row format, hashed
/// with XXH3). The queries sort and join on this one column instead of every key column; two
/// keys of one hash are told apart later, on their values, as the other engines do. `version`
/// is the dupsweep version that planned the query ([`VERSION`]): the function fails on any
/// other.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct KeyHash {
    signature: Signature,
    /// The version this function hashes for ([`VERSION`]; another in the tests of a cluster
    /// whose executors differ).
    version: String,
}

impl KeyHash {
    pub(crate) fn new() -> Self {
        Self::of_version(VERSION)
    }
    /// The function as dupsweep `version` would have it.
    pub(crate) fn of_version(version: &str) -> Self {
        KeyHash {
            signature: Signature::variadic_any(Volatility::Immutable),
            version: version.to_owned(),
        }
    }
    pub(crate) fn udf() -> ScalarUDF {
        ScalarUDF::from(KeyHash::new())
    }
}

impl ScalarUDFImpl for KeyHash {
    fn name(&self) -> &str {
        "dupsweep_key_hash"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[ArrowType]) -> datafusion::error::Result<ArrowType> {
        Ok(ArrowType::UInt64)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let asked = match args.args.first() {
            Some(ColumnarValue::Scalar(v)) => v.to_string(),
            _ => String::new(),
        };
        if asked != self.version {
            return Err(DataFusionError::Execution(format!(
                "{MISMATCH}: this one runs dupsweep {}, the job comes from dupsweep {asked}",
                self.version
            )));
        }
        let arrays = ColumnarValue::values_to_arrays(&args.args[1..])?;
        let fields = arrays
            .iter()
            .map(|a| SortField::new(a.data_type().clone()))
            .collect();
        let rows = RowConverter::new(fields)?.convert_columns(&arrays)?;
        let hashes: UInt64Array = rows
            .iter()
            .map(|r| Some(xxhash_rust::xxh3::xxh3_64(r.as_ref())))
            .collect();
        Ok(ColumnarValue::Array(Arc::new(hashes)))
    }
}

/// How [`KeyHash`] names a version mismatch, which [`failed`] turns into its own error.
pub(crate) const MISMATCH: &str = "dupsweep versions differ";

/// How a query numbers the records of the file from 0, in the file's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Numbering {
    /// `file_row_index()`: the Parquet reader's row number, read in the scan, whatever the
    /// partitions it splits the file into.
    InScan,
    /// `ROW_NUMBER() OVER ()` over the file read in one partition, in its order, for a plan
    /// sent to a Ballista cluster: DataFusion 55's plan serialization does not carry the
    /// reader's row-number column (executors fail with "Column index … out of bounds").
    #[cfg_attr(not(feature = "ballista"), allow(dead_code))]
    InOrder,
}

impl Numbering {
    fn sql(self) -> &'static str {
        match self {
            Numbering::InScan => "file_row_index()",
            Numbering::InOrder => "(ROW_NUMBER() OVER () - 1)",
        }
    }
}

/// The SQL of the records whose values of `cols` (as [`key_value`]s) repeat: their place in
/// the file (as `numbering` gives it) and how many records share their key's hash (at least
/// the records of one key).
fn repeated_sql(cols: &[String], numbering: Numbering) -> String {
    let list = cols.join(", ");
    let rn = numbering.sql();
    format!(
        "WITH n AS (SELECT {rn} AS \"rn\", dupsweep_key_hash('{VERSION}', {list}) AS \"h\" FROM t), \
         g AS (SELECT \"h\", COUNT(*) AS \"c\" FROM n GROUP BY \"h\" HAVING COUNT(*) > 1) \
         SELECT n.\"rn\", g.\"c\" FROM n JOIN g ON n.\"h\" = g.\"h\""
    )
}

/// How the text keep column `i` orders over the whole file (read alone, by Polars), as the
/// other engines decide it.
fn keep_kind(plan: &Plan<'_>, i: usize) -> Result<KindTracker> {
    let mut tracker = KindTracker::default();
    plan.file.each_slice(plan.slices, Some(vec![i]), |_, df| {
        if let Some(col) = df.columns().first() {
            if let Ok(ca) = col.str() {
                ca.iter().for_each(|v| tracker.see(v));
            }
        }
        Ok(())
    })?;
    Ok(tracker)
}

/// What DataFusion (or the Ballista cluster of `cluster`) failed at, for the file at `path`.
pub(super) fn failed(path: &Path, cluster: Option<&str>, e: DataFusionError) -> Error {
    let text = e.to_string();
    let exhausted = matches!(e.find_root(), DataFusionError::ResourcesExhausted(_))
        || text.contains("Resources exhausted")
        || text.contains("Not enough memory");
    if let Some(url) = cluster {
        #[cfg(feature = "ballista")]
        if let Some(err) = super::ballista::failed(path, url, &text) {
            return err;
        }
        let err = Error::data(
            Location::file(path),
            format!("the Ballista cluster at {url} could not find the duplicates: {text}"),
        );
        return match exhausted {
            true => err.with_hint(
                "give the executors more memory (--memory-limit of `dupsweep cluster executor`)",
            ),
            false => err.with_hint("use --engine datafusion or --engine stream on this machine"),
        };
    }
    let err = Error::data(
        Location::file(path),
        format!("DataFusion could not find the duplicates: {text}"),
    );
    if exhausted {
        err.with_hint("raise --memory-limit")
    } else {
        err.with_hint("use --engine stream")
    }
}

/// The first pass of `--engine datafusion` (or, with `cluster`, `--engine ballista`) over
/// `plan`'s file: the candidate records and what the report and the survivors need, as
/// [`super::parquet_stream`]'s own first pass finds them.
pub(super) fn candidates(
    job: &Job,
    plan: &Plan<'_>,
    cluster: Option<&str>,
    progress: &dyn Progress,
) -> Result<Candidates> {
    let rows = plan.file.rows;
    progress.start(
        match cluster {
            None => "reading (DataFusion)",
            Some(_) => "reading (Ballista cluster)",
        },
        None,
    );
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| Error::Internal(format!("could not start DataFusion's runtime: {e}")))?;
    let found = runtime.block_on(async {
        let path = job.input.as_path();
        if rows == 0 {
            let nkeys = plan.key.len();
            return Ok((vec![false; 0], 0, vec![0; nkeys], vec![false; nkeys]));
        }
        let (ctx, numbering) = match cluster {
            None => (
                local_context(job, rows, threads).map_err(|e| failed(path, None, e))?,
                Numbering::InScan,
            ),
            #[cfg(feature = "ballista")]
            Some(url) => (
                super::ballista::context(url)
                    .await
                    .map_err(|e| failed(path, cluster, e))?,
                Numbering::InOrder,
            ),
            #[cfg(not(feature = "ballista"))]
            Some(_) => unreachable!("--engine ballista is refused without the feature"),
        };
        find(&ctx, job, plan, numbering)
            .await
            .map_err(|stop| match stop {
                Stop::Ours(e) => e,
                Stop::Theirs(e) => failed(path, cluster, e),
            })
    })?;
    // the keep column's kind over the whole column, as the other engines decide it
    let tracker = match plan.keep_text {
        Some(i) if rows > 0 => keep_kind(plan, i)?,
        _ => Default::default(),
    };
    progress.finish();
    let (cand, runs, distinct, long) = found;
    Ok(Candidates {
        cand,
        runs,
        distinct,
        long,
        tracker,
    })
}

/// The session on this machine: a memory pool of what `--memory-limit` leaves beside the
/// per-record flags, spilling joins.
fn local_context(
    job: &Job,
    rows: usize,
    threads: usize,
) -> datafusion::error::Result<SessionContext> {
    let pool = (job.memory_limit.saturating_sub(rows as u64) / 2).max(4 << 20);
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_pool(Arc::new(FairSpillPool::new(pool as usize)))
        .build_arc()?;
    // a partition per core, as long as each has 64 MiB of the pool (the pool is shared
    // between the partitions' spilling operators); at least two: the planner picks a
    // sort-merge join (it spills; a hash join's build side must fit) only with more than one
    let partitions = (pool as usize / (64 << 20)).clamp(2, threads.max(2));
    // each sort (a join sorts both sides, in every partition) sets aside room to merge what it
    // spilled: an eighth of the pool between them, not DataFusion's 10 MiB each
    let reserve = (pool as usize / (4 * partitions) / 2).clamp(64 << 10, 10 << 20);
    let config = query_config(SessionConfig::new(), partitions)
        .set_usize("datafusion.execution.sort_spill_reservation_bytes", reserve);
    let ctx = SessionContext::new_with_config_rt(config, runtime);
    ctx.register_udf(KeyHash::udf());
    Ok(ctx)
}

/// The settings the queries need on any session: `partitions` partitions, sort-merge joins,
/// and `file_row_index()` read in the scan.
pub(super) fn query_config(config: SessionConfig, partitions: usize) -> SessionConfig {
    config
        .with_target_partitions(partitions)
        .set_bool("datafusion.optimizer.prefer_hash_join", false)
        // file_row_index() is read in the scan: no round-robin repartition may come between
        // the scan and the projection that names it (the file's byte ranges are split over the
        // partitions instead)
        .set_bool("datafusion.optimizer.enable_round_robin_repartition", false)
}

/// The queries' answers: per record whether it is a candidate, how many keys repeat, each key
/// column's distinct values, per key column whether a text is over 512 bytes.
async fn find(
    ctx: &SessionContext,
    job: &Job,
    plan: &Plan<'_>,
    numbering: Numbering,
) -> std::result::Result<(Vec<bool>, usize, Vec<u64>, Vec<bool>), Stop> {
    let path = job.input.as_path();
    let rows = plan.file.rows;
    let mut cand = vec![false; rows];
    let nkeys = plan.key.len();

    // the file by its URL: a path is never read as a glob (and has no `..`)
    let absolute = std::fs::canonicalize(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        action: "reading",
        source: e,
    })?;
    let url = url::Url::from_file_path(&absolute).map_err(|_| {
        Error::data(
            Location::file(path),
            "DataFusion cannot name this path as a URL",
        )
        .with_hint("use --engine stream")
    })?;
    let table_url = ListingTableUrl::try_new(url, None)?;
    let options = ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension("");
    let config = ListingTableConfig::new(table_url)
        .with_listing_options(options)
        .infer_schema(&ctx.state())
        .await?;
    let table = ListingTable::try_new(config)?;
    ctx.register_table("t", Arc::new(table))?;

    let dtype = |c: &String| plan.file.schema.get(c);
    let keys: Vec<String> = plan.key.iter().map(|c| key_value(c, dtype(c))).collect();
    let pk: Vec<&String> = job.pk.iter().filter(|c| plan.columns.contains(c)).collect();
    let pks: Vec<String> = pk.iter().map(|c| key_value(c, dtype(c))).collect();

    // each key column's distinct values (NULL one of them)
    let mut distinct = Vec::with_capacity(nkeys);
    for k in &keys {
        let sql = format!("SELECT COUNT(*) FROM (SELECT DISTINCT {k} FROM t)");
        distinct.push(one_row(ctx, &sql).await?[0].unwrap_or(0) as u64);
    }
    // per text key column, whether a value is over 512 bytes
    let mut long = vec![false; nkeys];
    let texts: Vec<usize> = (0..nkeys)
        .filter(|&k| dtype(&plan.key[k]) == Some(&DataType::String))
        .collect();
    if !texts.is_empty() {
        let max = texts
            .iter()
            .map(|&k| {
                format!(
                    "CAST(MAX(octet_length({})) AS BIGINT)",
                    double_quoted(&plan.key[k])
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let row = one_row(ctx, &format!("SELECT {max} FROM t")).await?;
        for (&k, m) in texts.iter().zip(row) {
            long[k] = m.unwrap_or(0) > 512;
        }
    }
    // the records whose key repeats, and how many keys repeat
    let mut runs = 0usize;
    if nkeys > 0 {
        let mut per_size: std::collections::BTreeMap<i64, usize> = Default::default();
        each_pair(ctx, &repeated_sql(&keys, numbering), |rn, c| {
            mark_once(&mut cand, rn)?;
            *per_size.entry(c).or_default() += 1;
            Ok(())
        })
        .await??;
        runs = per_size
            .into_iter()
            .map(|(size, records)| records / size.max(1) as usize)
            .sum();
    }
    if !pks.is_empty() {
        // a primary key whose values repeat: its records too, so that the check names them
        let list = pks.join(", ");
        let sql = format!("SELECT COUNT(*) FROM (SELECT DISTINCT {list} FROM t)");
        let distinct_pk = one_row(ctx, &sql).await?[0].unwrap_or(0);
        if (distinct_pk as usize) < rows {
            each_pair(ctx, &repeated_sql(&pks, numbering), |rn, _| {
                mark(&mut cand, rn)
            })
            .await??;
        }
        // and the first record whose primary key is NULL
        // (a projection right over the scan: file_row_index() is read there, not under a
        // filter)
        let cols = pk
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} AS \"p{i}\"", double_quoted(c)))
            .collect::<Vec<_>>()
            .join(", ");
        let null = (0..pk.len())
            .map(|i| format!("\"p{i}\" IS NULL"))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sql = format!(
            "SELECT MIN(CASE WHEN {null} THEN \"rn\" END) FROM (SELECT {rn} AS \"rn\", {cols} FROM t)",
            rn = numbering.sql()
        );
        if let Some(rn) = one_row(ctx, &sql).await?[0] {
            mark(&mut cand, rn)?;
        }
    }
    Ok((cand, runs, distinct, long))
}

/// What stopped the queries: dupsweep's own error, or DataFusion's.
enum Stop {
    Ours(Error),
    Theirs(DataFusionError),
}

impl From<Error> for Stop {
    fn from(e: Error) -> Stop {
        Stop::Ours(e)
    }
}

impl From<DataFusionError> for Stop {
    fn from(e: DataFusionError) -> Stop {
        Stop::Theirs(e)
    }
}

/// Marks record `rn` (from 0) as a candidate.
fn mark(cand: &mut [bool], rn: i64) -> Result<()> {
    match usize::try_from(rn).ok().and_then(|r| cand.get_mut(r)) {
        Some(c) => {
            *c = true;
            Ok(())
        }
        None => Err(Error::Internal(format!(
            "DataFusion named record {rn} of a file of {} records",
            cand.len()
        ))),
    }
}

/// [`mark`], for a query that names each record once at most (a record has one key): a record
/// named twice means the places DataFusion gave are wrong, and the run stops.
fn mark_once(cand: &mut [bool], rn: i64) -> Result<()> {
    if usize::try_from(rn).is_ok_and(|r| cand.get(r) == Some(&true)) {
        return Err(Error::Internal(format!(
            "DataFusion named record {rn} twice among the records whose key repeats"
        )));
    }
    mark(cand, rn)
}

/// `col` as 64-bit integers.
fn int64(col: &ArrayRef) -> datafusion::error::Result<ArrayRef> {
    Ok(datafusion::arrow::compute::cast(col, &ArrowType::Int64)?)
}

/// The first row of `sql`'s result (an aggregate's: it has one), each column as a 64-bit
/// integer (NULL: `None`).
async fn one_row(ctx: &SessionContext, sql: &str) -> datafusion::error::Result<Vec<Option<i64>>> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return Err(DataFusionError::Internal(format!("no row from {sql}")));
    };
    batch
        .columns()
        .iter()
        .map(|col| {
            let col = int64(col)?;
            let ints = col.as_primitive::<Int64Type>();
            Ok((!ints.is_null(0)).then(|| ints.value(0)))
        })
        .collect()
}

/// Calls `each` on every row of `sql`'s result, two 64-bit integers, a batch at a time.
async fn each_pair(
    ctx: &SessionContext,
    sql: &str,
    mut each: impl FnMut(i64, i64) -> Result<()>,
) -> datafusion::error::Result<Result<()>> {
    let mut stream = ctx.sql(sql).await?.execute_stream().await?;
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        let (a, b) = (int64(batch.column(0))?, int64(batch.column(1))?);
        let (a, b) = (a.as_primitive::<Int64Type>(), b.as_primitive::<Int64Type>());
        for i in 0..batch.num_rows() {
            if let Err(e) = each(a.value(i), b.value(i)) {
                return Ok(Err(e));
            }
        }
    }
    Ok(Ok(()))
}
