//! `--engine ballista`: the DataFusion engine's queries ([`super::datafusion`]) run on an Apache
//! DataFusion Ballista cluster, and the cluster itself (`dupsweep cluster scheduler|executor`).
//!
//! Ballista does not ship functions to its executors: a plan names them, and the scheduler
//! and every executor must know them. So the cluster runs dupsweep's own binary, which
//! registers its functions ([`KeyHash`], [`Version`]) beside DataFusion's. Before a job, the
//! client asks the cluster for `dupsweep_version()`: no answer within [`WAIT`] means no
//! executor is working for the scheduler, another version is refused by name; every task of
//! the job then checks the version again (the key hash's first argument), on whichever executor
//! runs it. The executors read the input at the path the client gives (shared storage); what
//! they find comes back to the client, which writes the outputs as the DataFusion engine does.
//! Tasks pull their work from the scheduler (Ballista's pull-staged policy): the scheduler
//! never connects to an executor, only executors to it and to one another.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::{SessionConfigExt, SessionContextExt};
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_executor::executor_process::{start_executor_process, ExecutorProcessConfig};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use datafusion::arrow::array::{AsArray, StringArray};
use datafusion::arrow::datatypes::DataType as ArrowType;
use datafusion::error::DataFusionError;
use datafusion::execution::session_state::SessionStateBuilder;
use datafusion::execution::FunctionRegistry;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::prelude::{SessionConfig, SessionContext};

use super::datafusion::{query_config, KeyHash, MISMATCH, VERSION};
use crate::error::{Error, Location, Result};

/// How long the client waits for an executor to answer before it says none works for the
/// scheduler (a job stays queued until one registers).
pub const WAIT: Duration = Duration::from_secs(30);

/// `dupsweep_version()`: the dupsweep version of the executor that runs it. Volatile, so that
/// no planner answers it for the executor.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Version {
    signature: Signature,
    version: String,
}

impl Version {
    pub(crate) fn of_version(version: &str) -> Self {
        Version {
            signature: Signature::exact(vec![], Volatility::Volatile),
            version: version.to_owned(),
        }
    }
}

impl ScalarUDFImpl for Version {
    fn name(&self) -> &str {
        "dupsweep_version"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[ArrowType]) -> datafusion::error::Result<ArrowType> {
        Ok(ArrowType::Utf8)
    }
    fn invoke_with_args(
        &self,
        args: ScalarFunctionArgs,
    ) -> datafusion::error::Result<ColumnarValue> {
        let rows = args.number_rows;
        Ok(ColumnarValue::Array(Arc::new(StringArray::from(vec![
            self.version.as_str();
            rows
        ]))))
    }
}

/// dupsweep's functions as dupsweep `version` has them.
fn functions(version: &str) -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::new(ScalarUDF::from(KeyHash::of_version(version))),
        Arc::new(ScalarUDF::from(Version::of_version(version))),
    ]
}

/// A session on the cluster whose scheduler is at `url` (`df://HOST:PORT`), dupsweep's
/// functions registered, checked: an executor answers, of this dupsweep version.
pub(super) async fn context(url: &str) -> datafusion::error::Result<SessionContext> {
    let config = SessionConfig::new_with_ballista();
    let partitions = config.target_partitions().max(2);
    // the file read in one partition, in its order, where its records are numbered
    // (`Numbering::InOrder`); the aggregates and joins after it spread over the executors
    let config = query_config(config, partitions)
        .set_bool("datafusion.optimizer.repartition_file_scans", false);
    let state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .build();
    let ctx = SessionContext::remote_with_state(url, state).await?;
    for f in functions(VERSION) {
        ctx.register_udf(Arc::unwrap_or_clone(f));
    }
    let answer = tokio::time::timeout(WAIT, async {
        let batches = ctx
            .sql("SELECT dupsweep_version()")
            .await?
            .collect()
            .await?;
        // (any other answer than one text is another dupsweep's)
        let version = batches
            .iter()
            .find(|b| b.num_rows() > 0)
            .and_then(|b| b.column(0).as_string_opt::<i32>())
            .map_or("an unknown version", |v| v.value(0))
            .to_owned();
        Ok::<_, DataFusionError>(version)
    })
    .await;
    match answer {
        Err(_) => Err(DataFusionError::Execution(format!(
            "{NO_EXECUTOR} within {} s",
            WAIT.as_secs()
        ))),
        Ok(Err(e)) => Err(e),
        Ok(Ok(v)) if v != VERSION => Err(DataFusionError::Execution(format!(
            "{MISMATCH}: an executor runs dupsweep {v}, this is dupsweep {VERSION}"
        ))),
        Ok(Ok(_)) => Ok(ctx),
    }
}

/// How [`context`] says that no executor answered.
const NO_EXECUTOR: &str = "no executor answered";

/// dupsweep's own error for what the cluster at `url` failed at (the error's text), when it
/// is one dupsweep can name: the scheduler unreachable, no executor, versions that differ, a
/// scheduler that is not dupsweep's.
pub(super) fn failed(path: &Path, url: &str, text: &str) -> Option<Error> {
    let at = Location::file(path);
    let run = "run `dupsweep cluster scheduler` and `dupsweep cluster executor` of this version (dupsweep --version)";
    if text.contains(NO_EXECUTOR) {
        return Some(
            Error::data(
                at,
                format!(
                    "no executor of the Ballista cluster at {url} took the job within {} s",
                    WAIT.as_secs()
                ),
            )
            .with_hint("start one: dupsweep cluster executor --scheduler HOST:PORT"),
        );
    }
    if text.contains(MISMATCH) {
        let detail = text
            .split(MISMATCH)
            .nth(1)
            .and_then(|t| t.strip_prefix(": "))
            .map(|t| t.split(['\n', '"']).next().unwrap_or(t))
            .unwrap_or_default();
        return Some(
            Error::data(
                at,
                format!("the Ballista cluster at {url} runs another dupsweep: {detail}"),
            )
            .with_hint(run),
        );
    }
    let unreachable = [
        "transport error",
        "ConnectError",
        "Connection refused",
        "dns error",
        "Could not connect",
        "connection error",
    ];
    if unreachable.iter().any(|u| text.contains(u)) {
        return Some(
            Error::data(at, format!("cannot reach the Ballista scheduler at {url}"))
                .with_hint("check --cluster, and that `dupsweep cluster scheduler` runs there"),
        );
    }
    if text.contains("dupsweep_") {
        return Some(
            Error::data(
                at,
                format!("the Ballista cluster at {url} does not know dupsweep's functions: {text}"),
            )
            .with_hint(run),
        );
    }
    None
}

/// A scheduler's session: DataFusion's and Ballista's functions and dupsweep's of `version`.
fn scheduler_session(
    config: SessionConfig,
    version: &str,
) -> datafusion::error::Result<datafusion::execution::SessionState> {
    let mut state = ballista_core::utils::default_session_builder(config)?;
    for f in functions(version) {
        state.register_udf(f)?;
    }
    Ok(state)
}

/// Serves a scheduler on `bind` until the process stops (its functions of dupsweep
/// `version`).
pub(crate) async fn scheduler(bind: std::net::SocketAddr, version: &'static str) -> Result<()> {
    let cluster = BallistaCluster::new_memory(
        bind.to_string(),
        Arc::new(move |config| scheduler_session(config, version)),
        Arc::new(SessionConfig::new_with_ballista),
    );
    let config = SchedulerConfig {
        bind_host: bind.ip().to_string(),
        bind_port: bind.port(),
        scheduling_policy: TaskSchedulingPolicy::PullStaged,
        ..SchedulerConfig::default()
    };
    ballista_scheduler::scheduler_process::start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| Error::usage(format!("the scheduler on {bind} stopped: {e}")))
}

/// What an executor is given (`dupsweep cluster executor`).
pub(crate) struct Executor {
    pub scheduler_host: String,
    pub scheduler_port: u16,
    pub bind: std::net::SocketAddr,
    pub external_host: Option<String>,
    pub cores: usize,
    pub memory: Option<u64>,
    pub work_dir: String,
}

/// Serves an executor until the process stops (Ctrl-C, SIGTERM) or its services fail (its
/// functions of dupsweep `version`).
pub(crate) async fn executor(e: Executor, version: &'static str) -> Result<()> {
    let mut registry = BallistaFunctionRegistry::default();
    for f in functions(version) {
        registry.scalar_functions.insert(f.name().to_owned(), f);
    }
    let config = ExecutorProcessConfig {
        bind_host: e.bind.ip().to_string(),
        port: e.bind.port(),
        external_host: e.external_host,
        scheduler_host: e.scheduler_host.clone(),
        scheduler_port: e.scheduler_port,
        // the scheduler may start after its executors
        scheduler_connect_timeout_seconds: 60,
        vcores: e.cores,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        work_dir: Some(e.work_dir),
        memory_pool_size: e.memory,
        print_thread_info: false,
        override_function_registry: Some(Arc::new(registry)),
        ..ExecutorProcessConfig::default()
    };
    let bind = e.bind;
    start_executor_process(Arc::new(config))
        .await
        .map_err(|err| {
            Error::usage(format!(
                "the executor on {bind} stopped: {err} (scheduler {}:{})",
                e.scheduler_host, e.scheduler_port
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn listening(port: u16) {
        let start = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(start.elapsed() < Duration::from_secs(60), "port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    #[test]
    fn an_executor_of_another_version_is_refused_by_name() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let (sp, ep) = (free_port(), free_port());
        let bind: std::net::SocketAddr = format!("127.0.0.1:{sp}").parse().unwrap();
        runtime.spawn(scheduler(bind, VERSION));
        listening(sp);
        let work = tempfile::tempdir().unwrap();
        let other = Executor {
            scheduler_host: "127.0.0.1".into(),
            scheduler_port: sp,
            bind: format!("127.0.0.1:{ep}").parse().unwrap(),
            external_host: None,
            cores: 1,
            memory: Some(64 << 20),
            work_dir: work.path().to_string_lossy().into_owned(),
        };
        runtime.spawn(executor(other, "0.0.0-other"));
        listening(ep);
        let url = format!("df://127.0.0.1:{sp}");
        let Err(e) = runtime.block_on(context(&url)) else {
            panic!("an executor of another version took the job")
        };
        let err = failed(Path::new("t.parquet"), &url, &e.to_string()).expect("named");
        assert_eq!(
            err.render(),
            format!(
                "error: t.parquet: the Ballista cluster at {url} runs another dupsweep: an executor runs dupsweep 0.0.0-other, this is dupsweep {VERSION}\nhint: run `dupsweep cluster scheduler` and `dupsweep cluster executor` of this version (dupsweep --version)"
            )
        );
        runtime.shutdown_background();
    }

    #[test]
    fn every_task_checks_the_version_it_hashes_for() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let ctx = SessionContext::new();
        ctx.register_udf(ScalarUDF::from(KeyHash::of_version("0.0.0-other")));
        let sql = format!("SELECT dupsweep_key_hash('{VERSION}', 1)");
        let e = runtime
            .block_on(async { ctx.sql(&sql).await?.collect().await })
            .unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains(&format!(
                "{MISMATCH}: this one runs dupsweep 0.0.0-other, the job comes from dupsweep {VERSION}"
            )),
            "{text}"
        );
        let err = failed(Path::new("t.parquet"), "df://h:1", &text).expect("named");
        assert!(
            err.to_string()
                .contains("runs another dupsweep: this one runs dupsweep 0.0.0-other"),
            "{err}"
        );
        // the same version hashes
        let ctx = SessionContext::new();
        ctx.register_udf(KeyHash::udf());
        let sql = format!("SELECT dupsweep_key_hash('{VERSION}', 1)");
        let batches = runtime
            .block_on(async { ctx.sql(&sql).await?.collect().await })
            .unwrap();
        assert_eq!(batches[0].num_rows(), 1);
    }
}
