//! `--engine ballista` on a real cluster of dupsweep processes (`dupsweep cluster scheduler`
//! and two `dupsweep cluster executor`s on this machine), and what it says when the cluster
//! is not there or not whole. The engine's outputs are compared with the other engines' in
//! `engines.rs`, on the shared cluster [`shared`] starts.

use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::util::Workdir;

/// A port nobody listens on now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `dupsweep ARGS`, killed when the thread that started it ends (the callers start
/// the processes from a thread that lives as long as the test binary, or kill them
/// themselves).
fn process(args: &[&str]) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dupsweep"));
    cmd.args(args).stdout(Stdio::null()).stderr(Stdio::null());
    // SAFETY: prctl is async-signal-safe; it only asks the kernel to signal this child when
    // its parent thread ends.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    cmd.spawn().expect("start dupsweep cluster")
}

/// Waits until something listens on `port` (at most 60 s).
fn listening(port: u16) {
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "nothing listens on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A work folder for an executor, under cargo's scratch folder for the tests. The folders of
/// earlier test binaries (their executors killed with them, their shuffle files left behind)
/// are removed first.
fn work_dir(name: &str) -> PathBuf {
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for entry in std::fs::read_dir(&scratch).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let pid = file
            .strip_prefix("cluster-")
            .and_then(|r| r.split('-').next());
        if let Some(pid) = pid {
            if !std::path::Path::new("/proc").join(pid).exists() {
                std::fs::remove_dir_all(entry.path()).ok();
            }
        }
    }
    let d = scratch.join(format!("cluster-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Starts a scheduler, then `executors` executors for it (each one task at a time); returns
/// the scheduler's port and the processes.
fn start(executors: usize) -> (u16, Vec<Child>) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let mut children = vec![process(&["cluster", "scheduler", "--bind", &bind])];
    listening(port);
    for i in 0..executors {
        let own = free_port();
        let dir = work_dir(&format!("{port}-{i}"));
        children.push(process(&[
            "cluster",
            "executor",
            "--scheduler",
            &bind,
            "--bind",
            &format!("127.0.0.1:{own}"),
            "--cores",
            "1",
            "--memory-limit",
            "256M",
            "--work-dir",
            dir.to_str().unwrap(),
        ]));
        listening(own);
    }
    (port, children)
}

/// The cluster the tests share: a scheduler and two executors, started by the first test that
/// asks, stopped when the test binary ends. Returns its `--cluster` address.
pub fn shared() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        // the processes end with this thread, which ends with the test binary
        std::thread::spawn(move || {
            let (port, _children) = start(2);
            tx.send(format!("df://127.0.0.1:{port}")).unwrap();
            loop {
                std::thread::park();
            }
        });
        rx.recv().unwrap()
    })
}

/// Runs `clean t.parquet --pk id --engine ballista --cluster URL` on a small file with
/// duplicates; returns the run.
fn clean_on(url: &str) -> (Workdir, crate::util::Run) {
    use polars::prelude::*;
    let w = Workdir::new();
    let mut df = df!("id" => [1i64, 2, 3], "a" => ["x", "x", "y"]).unwrap();
    let mut bytes = Vec::new();
    ParquetWriter::new(&mut bytes).finish(&mut df).unwrap();
    w.write("t.parquet", &bytes);
    let run = w.run(&[
        "clean",
        "t.parquet",
        "--pk",
        "id",
        "--out",
        "out",
        "--engine",
        "ballista",
        "--cluster",
        url,
    ]);
    (w, run)
}

#[test]
fn a_cluster_of_two_executors_finds_the_duplicates() {
    if !cfg!(feature = "ballista") {
        return;
    }
    let (w, run) = clean_on(shared());
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let report: serde_json::Value = serde_json::from_slice(&w.read("out/report.json")).unwrap();
    assert_eq!(report["engine"], "ballista");
    assert_eq!(report["rows_removed"], 1);
}

#[test]
fn a_scheduler_that_does_not_answer_is_named() {
    let port = free_port();
    let url = format!("df://127.0.0.1:{port}");
    let (w, run) = clean_on(&url);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    if cfg!(feature = "ballista") {
        assert_eq!(
            run.stderr(),
            format!(
                "error: t.parquet: cannot reach the Ballista scheduler at {url}\nhint: check --cluster, and that `dupsweep cluster scheduler` runs there\n"
            )
        );
    } else {
        assert!(
            run.stderr().contains("built without Ballista"),
            "{}",
            run.stderr()
        );
    }
    assert!(!w.path("out").exists());
}

#[test]
fn a_scheduler_without_executors_is_named() {
    if !cfg!(feature = "ballista") {
        return;
    }
    let (port, mut children) = start(0);
    let url = format!("df://127.0.0.1:{port}");
    let (w, run) = clean_on(&url);
    for c in &mut children {
        c.kill().ok();
        c.wait().ok();
    }
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert_eq!(
        run.stderr(),
        format!(
            "error: t.parquet: no executor of the Ballista cluster at {url} took the job within 30 s\nhint: start one: dupsweep cluster executor --scheduler HOST:PORT\n"
        )
    );
    assert!(!w.path("out").exists());
}

#[test]
fn the_cluster_options_are_checked() {
    let w = Workdir::new();
    w.write("t.csv", b"id,a\n1,x\n");
    for (args, expect) in [
        (
            &["--engine", "ballista"][..],
            "error: --engine ballista needs --cluster df://HOST:PORT\n",
        ),
        (
            &["--cluster", "df://h:50050"],
            "error: --cluster is for --engine ballista\n",
        ),
        (
            &["--engine", "ballista", "--cluster", "http://h:50050"],
            "error: --cluster \"http://h:50050\" is not a scheduler's address\n",
        ),
        (
            &["--engine", "ballista", "--cluster", "df://h:0"],
            "error: --cluster \"df://h:0\" is not a scheduler's address\n",
        ),
        (
            &["--engine", "ballista", "--cluster", "df://a b:1"],
            "error: --cluster \"df://a b:1\" is not a scheduler's address\n",
        ),
    ] {
        let mut a = vec!["scan", "t.csv", "--pk", "id"];
        a.extend_from_slice(args);
        let run = w.run(&a);
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(
            run.stderr().starts_with(expect),
            "{args:?}: {}",
            run.stderr()
        );
    }
    // the executor's and the scheduler's own addresses
    let run = w.run(&["cluster", "executor", "--scheduler", "nowhere"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    if cfg!(feature = "ballista") {
        assert!(
            run.stderr()
                .starts_with("error: --scheduler \"nowhere\" is not an address"),
            "{}",
            run.stderr()
        );
    }
}
