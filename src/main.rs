//! The `dupsweep` command: parse → run the command ([`commands`]) → log → exit code.

mod cli;
mod commands;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use dupsweep::progress::{Bars, JsonLog, Progress, Silent};

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let json_log = args.log_format == cli::LogFormat::Json;
    let start = std::time::Instant::now();
    let command = commands::name(&args.command);
    let progress: Box<dyn Progress> = if json_log {
        let version = env!("CARGO_PKG_VERSION");
        let fields = serde_json::json!({ "command": command, "dupsweep_version": version });
        JsonLog::event("info", "started", "started", fields);
        Box::new(JsonLog::new())
    } else if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Silent)
    };
    let result = commands::run(args.command, &*progress);
    progress.end();
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            log_error(&e, json_log);
            e.exit_code() as u8
        }
    };
    if json_log {
        let fields = serde_json::json!({
            "command": command,
            "exit_code": code,
            "elapsed_ms": start.elapsed().as_millis() as u64,
        });
        JsonLog::event("info", "finished", "finished", fields);
    }
    ExitCode::from(code)
}

/// An error on standard error: `error: …` and `hint: …`, or one JSON object.
fn log_error(e: &dupsweep::Error, json: bool) {
    if json {
        let fields = serde_json::json!({ "hint": e.hint(), "exit_code": e.exit_code() });
        JsonLog::event("error", "error", &e.to_string(), fields);
    } else {
        eprintln!("{}", e.render());
    }
}
