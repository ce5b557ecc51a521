//! The `dupsweep` command: parse → resolve → run → print → exit code.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use dupsweep::progress::{Bars, Progress, Silent};
use dupsweep::{Command, Layer};

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let progress: Box<dyn Progress> = if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Silent)
    };
    let (command, layer, json): (Command, Layer, bool) = match args.command {
        cli::Cmd::Clean(a) => (Command::Clean, a.layer(), false),
        cli::Cmd::Scan(a) => (Command::Scan, a.detection.layer(), a.json),
        cli::Cmd::Eval(a) => {
            let layer = Layer {
                truth: Some(a.truth),
                ..a.detection.layer()
            };
            (Command::Eval, layer, a.json)
        }
        cli::Cmd::Explain(a) => {
            let layer = Layer {
                fuzzy: Some(true),
                ..a.detection.layer()
            };
            let out = layer
                .resolve()
                .and_then(|job| dupsweep::explain(&job, &a.a, &a.b, &*progress));
            return match out {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("{}", e.render());
                    ExitCode::from(e.exit_code() as u8)
                }
            };
        }
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
