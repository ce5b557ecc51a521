//! `dupsweep cluster scheduler|executor`: the processes of an Apache DataFusion Ballista
//! cluster for `--engine ballista`, dupsweep's functions registered in each (cargo feature
//! `ballista`).

use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;

use crate::error::{Error, Result};

/// Which process to run.
pub enum Role {
    /// The scheduler, listening on `bind` (`HOST:PORT`).
    Scheduler { bind: String },
    /// An executor.
    Executor(ExecutorOptions),
}

/// An executor's settings.
pub struct ExecutorOptions {
    /// The scheduler's `HOST:PORT`.
    pub scheduler: String,
    /// Where it listens for the other executors and the client (`HOST:PORT`).
    pub bind: String,
    /// The name the others reach it by (default: the address the scheduler sees).
    pub external_host: Option<String>,
    /// Tasks at once (default: the machine's cores).
    pub cores: Option<usize>,
    /// Bytes its tasks' sorts and aggregates may hold before they spill (default: Ballista's
    /// share of the machine's memory).
    pub memory_limit: Option<u64>,
    /// Where its shuffle files and spills go (default: a new temporary folder).
    pub work_dir: Option<PathBuf>,
}

#[cfg_attr(not(feature = "ballista"), allow(dead_code))]
/// `HOST:PORT` as one socket address (the first a name resolves to), for option `what`.
fn address(what: &str, s: &str) -> Result<SocketAddr> {
    let bad = |why: String| {
        Error::usage(format!("{what} \"{s}\" is not an address: {why}"))
            .with_hint("write it as HOST:PORT, e.g. 0.0.0.0:50050")
    };
    s.to_socket_addrs()
        .map_err(|e| bad(e.to_string()))?
        .next()
        .ok_or_else(|| bad("no address".into()))
}

#[cfg_attr(not(feature = "ballista"), allow(dead_code))]
/// `HOST:PORT` split, the port checked ([`crate::config::split_host_port`]; the port required).
fn host_port(what: &str, s: &str) -> Result<(String, u16)> {
    match crate::config::split_host_port(s) {
        Some((host, Some(port))) => Ok((host.to_owned(), port)),
        _ => Err(Error::usage(format!("{what} \"{s}\" is not an address"))
            .with_hint("write it as HOST:PORT, e.g. 10.0.0.5:50050")),
    }
}

/// Runs the process `role` until it is stopped (Ctrl-C or SIGTERM).
#[cfg_attr(not(feature = "ballista"), allow(unused_variables))]
pub fn serve(role: Role) -> Result<()> {
    #[cfg(feature = "ballista")]
    {
        let version = env!("CARGO_PKG_VERSION");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Internal(format!("could not start the cluster's runtime: {e}")))?;
        match role {
            Role::Scheduler { bind } => {
                let bind = address("--bind", &bind)?;
                eprintln!("dupsweep {version}: Ballista scheduler listening on {bind}");
                runtime.block_on(crate::engine::ballista::scheduler(bind, version))
            }
            Role::Executor(o) => {
                let bind = address("--bind", &o.bind)?;
                let (scheduler_host, scheduler_port) = host_port("--scheduler", &o.scheduler)?;
                // its own temporary folder unless told, deleted when it stops
                let temp;
                let work_dir = match o.work_dir {
                    Some(d) => d,
                    None => {
                        temp = tempfile::Builder::new()
                            .prefix("dupsweep-executor-")
                            .tempdir()
                            .map_err(|e| {
                                Error::io(&std::env::temp_dir(), "creating a folder in", e)
                            })?;
                        temp.path().to_path_buf()
                    }
                };
                let cores = o
                    .cores
                    .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
                    .max(1);
                eprintln!(
                    "dupsweep {version}: Ballista executor on {bind}, {cores} task(s) at once, scheduler {scheduler_host}:{scheduler_port}, work folder {}",
                    work_dir.display()
                );
                let e = crate::engine::ballista::Executor {
                    scheduler_host,
                    scheduler_port,
                    bind,
                    external_host: o.external_host,
                    cores,
                    memory: o.memory_limit,
                    work_dir: work_dir.to_string_lossy().into_owned(),
                };
                runtime.block_on(crate::engine::ballista::executor(e, version))
            }
        }
    }
    #[cfg(not(feature = "ballista"))]
    Err(
        Error::usage("this dupsweep was built without Ballista (dupsweep cluster)")
            .with_hint("build it with the cargo feature ballista (on by default)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert_eq!(
            host_port("--scheduler", "10.0.0.5:50050").unwrap(),
            ("10.0.0.5".to_owned(), 50050)
        );
        assert_eq!(
            host_port("--scheduler", "[::1]:7").unwrap(),
            ("::1".to_owned(), 7)
        );
        // a container's name, as compose files give them
        assert_eq!(
            host_port("--scheduler", "dupsweep_scheduler_1:50050").unwrap(),
            ("dupsweep_scheduler_1".to_owned(), 50050)
        );
        for ok in ["df://dupsweep_scheduler_1:50050", "df://[::1]", "df://h"] {
            assert_eq!(crate::config::parse_cluster(ok).unwrap(), ok);
        }
        for bad in ["10.0.0.5", ":50050", "h:0", "h:99999", "h:x"] {
            let e = host_port("--scheduler", bad).unwrap_err();
            assert!(e.to_string().contains("is not an address"), "{bad}: {e}");
        }
        assert_eq!(
            address("--bind", "127.0.0.1:50050").unwrap().to_string(),
            "127.0.0.1:50050"
        );
        assert!(address("--bind", "nowhere").is_err());
    }
}
