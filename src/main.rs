//! The `dupsweep` command: parse → resolve → run → print → exit code.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use clap::Parser;
use dupsweep::progress::{Bars, Progress, Silent};
use dupsweep::{Command, Layer};

/// `run` and `scan --config` on a whole dump.
fn whole_dump(
    command: Command,
    config: &std::path::Path,
    flags: Layer,
    json: bool,
    progress: &dyn Progress,
) -> ExitCode {
    let result = dupsweep::config::dump::read(config, flags)
        .and_then(|dump| dupsweep::pipeline::dump::run_dump(command, &dump, progress));
    match result {
        Ok(report) => {
            if json {
                print!("{}", report.to_json());
            } else {
                print!("{}", report.summary());
            }
            if command == Command::Scan && report.has_duplicates() {
                code(1)
            } else {
                code(0)
            }
        }
        Err(e) => {
            log_error(&e);
            code(e.exit_code() as u8)
        }
    }
}

/// The exit code chosen, for the closing log line.
static CODE: AtomicU8 = AtomicU8::new(0);
/// `--log-format json`.
static JSON_LOG: AtomicBool = AtomicBool::new(false);

fn code(c: u8) -> ExitCode {
    CODE.store(c, Ordering::SeqCst);
    ExitCode::from(c)
}

/// An error on standard error: `error: …` and `hint: …`, or one JSON object.
fn log_error(e: &dupsweep::Error) {
    if JSON_LOG.load(Ordering::SeqCst) {
        let line = serde_json::json!({
            "level": "error",
            "message": e.to_string(),
            "hint": e.hint(),
            "exit_code": e.exit_code(),
        });
        eprintln!("{line}");
    } else {
        eprintln!("{}", e.render());
    }
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let json_log = args.log_format == cli::LogFormat::Json;
    JSON_LOG.store(json_log, Ordering::SeqCst);
    let start = std::time::Instant::now();
    let command = match &args.command {
        cli::Cmd::Clean(_) => "clean",
        cli::Cmd::Scan(_) => "scan",
        cli::Cmd::Eval(_) => "eval",
        cli::Cmd::Explain(_) => "explain",
        cli::Cmd::Suggest(_) => "suggest",
        cli::Cmd::Run(_) => "run",
        cli::Cmd::History(_) => "history",
        cli::Cmd::Init(_) => "init",
    };
    let exit = run(args);
    if json_log {
        let line = serde_json::json!({
            "level": "info",
            "message": "finished",
            "command": command,
            "exit_code": CODE.load(Ordering::SeqCst),
            "elapsed_ms": start.elapsed().as_millis() as u64,
        });
        eprintln!("{line}");
    }
    exit
}

fn run(args: cli::Cli) -> ExitCode {
    let progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Silent)
    };
    let fail = |e: dupsweep::Error| {
        log_error(&e);
        code(e.exit_code() as u8)
    };
    let parsed: dupsweep::Result<(Command, Layer, bool)> = match args.command {
        cli::Cmd::Clean(a) => {
            let (dialect, out, batch_size, guard) = (a.dialect, a.out, a.batch_size, a.guard);
            let (commit, pause) = (a.commit, a.pause);
            let prevent = a.prevent.then_some(true);
            a.detection.layer_with_file(Some(a.input.clone())).map(|l| {
                let flags = Layer {
                    dialect,
                    out,
                    batch_size,
                    commit,
                    pause,
                    guard,
                    prevent,
                    ..Layer::default()
                };
                (Command::Clean, flags.over(l), false)
            })
        }
        cli::Cmd::Scan(a) => {
            if a.input.is_none() {
                if let Some(config) = a.detection.config.clone() {
                    let flags = a.detection.layer();
                    return whole_dump(Command::Scan, &config, flags, a.json, &*progress);
                }
            }
            a.detection
                .layer_with_file(a.input)
                .map(|l| (Command::Scan, l, a.json))
        }
        cli::Cmd::Init(a) => {
            let target = a.dir.join("dupsweep.toml");
            let result = if target.exists() && !a.force {
                Err(
                    dupsweep::Error::usage(format!("{} exists already", target.display()))
                        .with_hint("pass --force to replace it"),
                )
            } else {
                dupsweep::pipeline::init::init(&a.dir, &*progress).and_then(|(text, summary)| {
                    dupsweep::emit::files::write_atomic(&target, text.as_bytes(), &[])?;
                    print!("{summary}");
                    println!(
                        "wrote {} (review its guesses before running it)",
                        target.display()
                    );
                    Ok(())
                })
            };
            return match result {
                Ok(()) => code(0),
                Err(e) => {
                    log_error(&e);
                    code(e.exit_code() as u8)
                }
            };
        }
        cli::Cmd::History(a) => {
            return match dupsweep::emit::schedule::read(&a.dir) {
                Ok(entries) => {
                    if a.json {
                        println!(
                            "{}",
                            serde_json::to_string_pretty(&entries).unwrap_or_default()
                        );
                    } else {
                        print!("{}", dupsweep::emit::schedule::render(&entries));
                    }
                    code(0)
                }
                Err(e) => {
                    log_error(&e);
                    code(e.exit_code() as u8)
                }
            };
        }
        cli::Cmd::Run(a) => {
            let flags = Layer {
                dialect: a.dialect,
                out: a.out,
                prevent: a.prevent.then_some(true),
                memory_limit: a.memory_limit,
                ..Layer::default()
            };
            return whole_dump(Command::Clean, &a.config, flags, a.json, &*progress);
        }
        cli::Cmd::Eval(a) => a.detection.layer_with_file(Some(a.input.clone())).map(|l| {
            let layer = Layer {
                truth: Some(a.truth),
                ..l
            };
            (Command::Eval, layer, a.json)
        }),
        cli::Cmd::Explain(a) => {
            let out = a
                .detection
                .layer_with_file(Some(a.input.clone()))
                .and_then(|l| {
                    Layer {
                        fuzzy: Some(true),
                        ..l
                    }
                    .resolve()
                    .and_then(|job| dupsweep::explain(&job, &a.a, &a.b, &*progress))
                });
            return match out {
                Ok(text) => {
                    print!("{text}");
                    code(0)
                }
                Err(e) => fail(e),
            };
        }
        cli::Cmd::Suggest(a) => {
            let out = a
                .detection
                .layer_with_file(Some(a.input.clone()))
                .and_then(|l| {
                    let layer = Layer {
                        fuzzy: Some(true),
                        ..l
                    };
                    let job = layer.clone().resolve()?;
                    let text = dupsweep::pipeline::suggest(&job, &layer, &*progress)?;
                    match &a.output {
                        Some(path) => dupsweep::emit::files::write_atomic(
                            path,
                            text.as_bytes(),
                            &[&job.input],
                        ),
                        None => {
                            print!("{text}");
                            Ok(())
                        }
                    }
                });
            return match out {
                Ok(()) => code(0),
                Err(e) => fail(e),
            };
        }
    };
    let (command, layer, json) = match parsed {
        Ok(x) => x,
        Err(e) => return fail(e),
    };
    let result = layer
        .resolve()
        .and_then(|job| dupsweep::run(command, &job, &*progress));
    match result {
        Ok(outcome) => {
            if let Some(ev) = &outcome.evaluation {
                if json {
                    print!("{}", ev.to_json());
                } else {
                    print!("{}", outcome.report.summary());
                    print!("{}", ev.summary());
                }
                return code(0);
            }
            if json {
                print!("{}", outcome.report.to_json());
            } else {
                print!("{}", outcome.report.summary());
            }
            if command == Command::Scan && outcome.has_duplicates() {
                code(1)
            } else {
                code(0)
            }
        }
        Err(e) => {
            log_error(&e);
            code(e.exit_code() as u8)
        }
    }
}
