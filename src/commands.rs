//! Each command of the `dupsweep` binary: its arguments turned into a [`Layer`], the library
//! call, and what it prints on standard output. Every one returns the exit code of a run that
//! worked (`scan` says 1 when it found duplicates) or the error, which `main` logs and turns into
//! the error's exit code, in one place.

use dupsweep::config::Job;
use dupsweep::progress::Progress;
use dupsweep::{Command, Layer, Result};

use crate::cli;

/// The command's name, for the closing log line.
pub fn name(command: &cli::Cmd) -> &'static str {
    match command {
        cli::Cmd::Clean(_) => "clean",
        cli::Cmd::Scan(_) => "scan",
        cli::Cmd::Eval(_) => "eval",
        cli::Cmd::Explain(_) => "explain",
        cli::Cmd::Suggest(_) => "suggest",
        cli::Cmd::Run(_) => "run",
        cli::Cmd::History(_) => "history",
        cli::Cmd::Report(_) => "report",
        cli::Cmd::Completions(_) => "completions",
        cli::Cmd::Man => "man",
        cli::Cmd::Init(_) => "init",
        cli::Cmd::Cluster(_) => "cluster",
    }
}

/// How long a named pipe may go without a writer before the run says so.
const PIPE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// The input as the engines read it: a stream (`-`, a pipe, a named pipe) copied first to a
/// temporary file, which `spooled` keeps for the run; its table is named after the stream
/// (`stdin` for `-`) unless `--table` names it.
fn input(
    path: std::path::PathBuf,
    d: &mut cli::Detection,
    spooled: &mut Option<dupsweep::Spooled>,
) -> Result<std::path::PathBuf> {
    if dupsweep::is_live_url(&path) {
        // a live table: its snapshot, read as a COPY file with a header line
        let url = path.to_string_lossy().into_owned();
        let pk = d.pk.clone().unwrap_or_default();
        let s = dupsweep::live_snapshot(&url, d.table.as_deref(), &pk)?;
        d.format = Some(s.format.into());
        if s.columns.is_some() {
            d.columns = s.columns;
        }
        let copy = s.copy.path.clone();
        *spooled = Some(s.copy);
        return Ok(copy);
    }
    match dupsweep::spool(&path, None, PIPE_WAIT)? {
        None => Ok(path),
        Some(s) => {
            // a database's dump names its tables itself
            if d.table.is_none() && !dupsweep::is_sql_dump(&s.path) {
                d.table = Some(if path.as_os_str() == "-" {
                    "stdin".to_owned()
                } else {
                    dupsweep::table_name(&path, None)
                });
            }
            let copy = s.path.clone();
            *spooled = Some(s);
            Ok(copy)
        }
    }
}

/// Runs `command`: the exit code of a run that worked, or its error. `quiet` (`-q`): no
/// summary, only what the command is asked for (its JSON, the text it exists to print).
pub fn run(command: cli::Cmd, progress: &dyn Progress, quiet: bool) -> Result<u8> {
    // a stream's copy, removed when the command is done
    let mut spooled = None;
    match command {
        cli::Cmd::Clean(mut a) => {
            let to_stdout = match a.cleaned.as_deref() {
                None => false,
                Some("-") => true,
                Some(other) => {
                    return Err(dupsweep::Error::usage(format!(
                        "--cleaned {other}: only - (standard output) is accepted; the cleaned file is always written into --out"
                    )))
                }
            };
            let path = input(a.input, &mut a.detection, &mut spooled)?;
            let flags = Layer {
                dialect: a.dialect,
                out: a.out,
                batch_size: a.batch_size,
                commit: a.commit,
                pause: a.pause,
                guard: a.guard,
                prevent: a.prevent.then_some(true),
                groups: a.groups.then_some(true),
                ..Layer::default()
            };
            let layer = flags.over(a.detection.layer_with_file(Some(path))?);
            let out = Out {
                json: a.json,
                quiet,
                to_stdout,
            };
            table(Command::Clean, layer.resolve()?, out, progress)
        }
        cli::Cmd::Scan(mut a) => match (a.input.take(), a.detection.config.clone()) {
            (None, Some(config)) => {
                let flags = a.detection.layer();
                whole_dump(Command::Scan, &config, flags, (a.json, quiet), progress)
            }
            (given, _) => {
                let path = match given {
                    Some(p) => Some(input(p, &mut a.detection, &mut spooled)?),
                    None => None,
                };
                let layer = a.detection.layer_with_file(path)?;
                let out = Out::summary(a.json, quiet);
                table(Command::Scan, layer.resolve()?, out, progress)
            }
        },
        cli::Cmd::Eval(mut a) => {
            let path = input(a.input, &mut a.detection, &mut spooled)?;
            let layer = Layer {
                truth: Some(a.truth),
                ..a.detection.layer_with_file(Some(path))?
            };
            let job = Job {
                misses: a.misses,
                ..layer.resolve()?
            };
            table(Command::Eval, job, Out::summary(a.json, quiet), progress)
        }
        cli::Cmd::Run(a) => {
            let flags = Layer {
                dialect: a.dialect,
                out: a.out,
                prevent: a.prevent.then_some(true),
                groups: a.groups.then_some(true),
                memory_limit: a.memory_limit,
                ..Layer::default()
            };
            whole_dump(Command::Clean, &a.config, flags, (a.json, quiet), progress)
        }
        cli::Cmd::Explain(mut a) => {
            let path = input(a.input, &mut a.detection, &mut spooled)?;
            let job = Layer {
                fuzzy: Some(true),
                ..a.detection.layer_with_file(Some(path))?
            }
            .resolve()?;
            print!("{}", dupsweep::explain(&job, &a.a, &a.b, progress)?);
            Ok(0)
        }
        cli::Cmd::Suggest(mut a) => {
            let path = input(a.input, &mut a.detection, &mut spooled)?;
            let layer = Layer {
                fuzzy: Some(true),
                ..a.detection.layer_with_file(Some(path))?
            };
            let job = layer.clone().resolve()?;
            let text = dupsweep::suggest(&job, &layer, progress)?;
            match &a.output {
                Some(path) => dupsweep::write_atomic(path, text.as_bytes(), &[&job.input])?,
                None => print!("{text}"),
            }
            Ok(0)
        }
        cli::Cmd::Init(a) => {
            let target = dupsweep::init_config_path(&a.dir);
            if target.exists() && !a.force {
                return Err(
                    dupsweep::Error::usage(format!("{} exists already", target.display()))
                        .with_hint("pass --force to replace it"),
                );
            }
            let (text, summary) = dupsweep::init(&a.dir, progress)?;
            dupsweep::write_atomic(&target, text.as_bytes(), &[])?;
            if !quiet {
                print!("{summary}");
                println!(
                    "wrote {} (review its guesses before running it)",
                    target.display()
                );
            }
            Ok(0)
        }
        cli::Cmd::Cluster(a) => {
            let role = match a.role {
                cli::ClusterRole::Scheduler { bind } => dupsweep::cluster::Role::Scheduler { bind },
                cli::ClusterRole::Executor {
                    scheduler,
                    bind,
                    external_host,
                    cores,
                    memory_limit,
                    work_dir,
                } => dupsweep::cluster::Role::Executor(dupsweep::cluster::ExecutorOptions {
                    scheduler,
                    bind,
                    external_host,
                    cores,
                    memory_limit: memory_limit
                        .as_deref()
                        .map(dupsweep::config::parse_size)
                        .transpose()?,
                    work_dir,
                }),
            };
            dupsweep::cluster::serve(role)?;
            Ok(0)
        }
        cli::Cmd::Completions(a) => {
            let mut cmd = <cli::Cli as clap::CommandFactory>::command();
            clap_complete::generate(a.shell, &mut cmd, "dupsweep", &mut std::io::stdout());
            Ok(0)
        }
        cli::Cmd::Man => {
            let cmd = <cli::Cli as clap::CommandFactory>::command();
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd)
                .render(&mut page)
                .map_err(|e| dupsweep::Error::Internal(format!("the manual page: {e}")))?;
            use std::io::Write;
            std::io::stdout().write_all(&page).map_err(|e| {
                dupsweep::Error::io(std::path::Path::new("-"), "cannot write the manual page", e)
            })?;
            Ok(0)
        }
        cli::Cmd::Report(a) => {
            let page = dupsweep::rebuild_page(&a.dir, progress)?;
            if !quiet {
                println!("wrote {}", page.display());
            }
            Ok(0)
        }
        cli::Cmd::History(a) => {
            let entries = dupsweep::history::read(&a.dir)?;
            if a.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&entries).unwrap_or_default()
                );
            } else {
                print!("{}", dupsweep::history::render(&entries));
            }
            Ok(0)
        }
    }
}

/// What a one-table command prints: the report as JSON or its summary (none with `-q`), and
/// with `--cleaned -` the cleaned table on standard output (the summary on standard error).
struct Out {
    json: bool,
    quiet: bool,
    to_stdout: bool,
}

impl Out {
    fn summary(json: bool, quiet: bool) -> Out {
        Out {
            json,
            quiet,
            to_stdout: false,
        }
    }
}

/// `clean`, `scan` and `eval` on one table: the report (or the evaluation) as text or JSON.
fn table(command: Command, job: Job, o: Out, progress: &dyn Progress) -> Result<u8> {
    let (json, quiet) = (o.json, o.quiet);
    let outcome = dupsweep::run(command, &job, progress)?;
    if o.to_stdout {
        if json {
            eprint!("{}", outcome.report.to_json());
        } else if !quiet {
            eprint!("{}", outcome.report.summary());
        }
        let cleaned = outcome
            .report
            .outputs
            .iter()
            .find(|f| f.kind == "cleaned")
            .ok_or_else(|| dupsweep::Error::Internal("no cleaned file was written".into()))?;
        let path = std::path::Path::new(&cleaned.path);
        let mut f = std::fs::File::open(path)
            .map_err(|e| dupsweep::Error::io(path, "cannot read the cleaned file", e))?;
        let stdout = std::io::stdout();
        std::io::copy(&mut f, &mut stdout.lock()).map_err(|e| {
            dupsweep::Error::io(
                std::path::Path::new("-"),
                "cannot write the cleaned table",
                e,
            )
        })?;
        return Ok(0);
    }
    if let Some(ev) = &outcome.evaluation {
        if json {
            print!("{}", ev.to_json());
        } else {
            if !quiet {
                print!("{}", outcome.report.summary());
            }
            // the figures are what eval is for
            print!("{}", ev.summary());
        }
        return Ok(0);
    }
    if json {
        print!("{}", outcome.report.to_json());
    } else if !quiet {
        print!("{}", outcome.report.summary());
    }
    Ok(u8::from(
        command == Command::Scan && outcome.has_duplicates(),
    ))
}

/// `run` and `scan --config` on a whole dump.
fn whole_dump(
    command: Command,
    config: &std::path::Path,
    flags: Layer,
    (json, quiet): (bool, bool),
    progress: &dyn Progress,
) -> Result<u8> {
    let dump = dupsweep::config::dump::read(config, flags)?;
    let report = dupsweep::run_dump(command, &dump, progress)?;
    if json {
        print!("{}", report.to_json());
    } else if !quiet {
        print!("{}", report.summary());
    }
    Ok(u8::from(
        command == Command::Scan && report.has_duplicates(),
    ))
}
