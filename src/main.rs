//! The `dupsweep` command: parse → resolve → run → print → exit code.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

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
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Silent)
    };
    let fail = |e: dupsweep::Error| {
        eprintln!("{}", e.render());
        ExitCode::from(e.exit_code() as u8)
    };
    let parsed: dupsweep::Result<(Command, Layer, bool)> = match args.command {
        cli::Cmd::Clean(a) => {
            let (dialect, out, batch_size, guard) = (a.dialect, a.out, a.batch_size, a.guard);
            a.detection.layer_with_file(Some(a.input.clone())).map(|l| {
                let flags = Layer {
                    dialect,
                    out,
                    batch_size,
                    guard,
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
        cli::Cmd::Run(a) => {
            let flags = Layer {
                dialect: a.dialect,
                out: a.out,
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
                    ExitCode::SUCCESS
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
                Ok(()) => ExitCode::SUCCESS,
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
                return ExitCode::SUCCESS;
            }
            if json {
                print!("{}", outcome.report.to_json());
            } else {
                print!("{}", outcome.report.summary());
            }
            if command == Command::Scan && outcome.has_duplicates() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("{}", e.render());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}
