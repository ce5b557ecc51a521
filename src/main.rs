//! The `dupsweep` command: parse → run the command ([`commands`]) → log → exit code.

mod cli;
mod commands;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use dupsweep::progress::{paint, Bars, JsonLog, Paint, Progress, Quiet, Silent, TextLog};

/// `--color`'s value, read before the rest so that clap's own help and errors follow it.
fn color_flag() -> Option<cli::ColorWhen> {
    let args: Vec<String> = std::env::args().collect();
    let value = args.iter().enumerate().find_map(|(i, a)| {
        a.strip_prefix("--color=")
            .map(str::to_owned)
            .or_else(|| (a == "--color").then(|| args.get(i + 1).cloned()).flatten())
    })?;
    <cli::ColorWhen as clap::ValueEnum>::from_str(&value, true).ok()
}

fn main() -> ExitCode {
    let when = color_flag().unwrap_or(cli::ColorWhen::Auto);
    let choice = match when {
        cli::ColorWhen::Always => clap::ColorChoice::Always,
        cli::ColorWhen::Never => clap::ColorChoice::Never,
        cli::ColorWhen::Auto => clap::ColorChoice::Auto,
    };
    let matches = cli::Cli::command().color(choice).get_matches();
    let args = cli::Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    // colour in dupsweep's own messages: NO_COLOR (any value but empty) turns auto off
    let color = match args.color {
        cli::ColorWhen::Always => true,
        cli::ColorWhen::Never => false,
        cli::ColorWhen::Auto => {
            std::io::stderr().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let json_log = args.log_format == cli::LogFormat::Json;
    let start = std::time::Instant::now();
    let command = commands::name(&args.command);
    let progress: Box<dyn Progress> = if json_log {
        let version = env!("CARGO_PKG_VERSION");
        let fields = serde_json::json!({ "command": command, "dupsweep_version": version });
        JsonLog::event("info", "started", "started", fields);
        Box::new(JsonLog::new())
    } else if args.quiet {
        Box::new(Quiet { color })
    } else if args.verbose {
        Box::new(TextLog::new(color))
    } else if std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Silent)
    };
    let result = commands::run(args.command, &*progress, args.quiet);
    progress.end();
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            log_error(&e, json_log, color);
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

/// An error on standard error: `error: …` and `hint: …` (their first word coloured when
/// `color`), or one JSON object.
fn log_error(e: &dupsweep::Error, json: bool, color: bool) {
    if json {
        let fields = serde_json::json!({ "hint": e.hint(), "exit_code": e.exit_code() });
        JsonLog::event("error", "error", &e.to_string(), fields);
    } else {
        eprintln!("{} {e}", paint(color, Paint::Error, "error:"));
        if let Some(h) = e.hint() {
            eprintln!("{} {h}", paint(color, Paint::Hint, "hint:"));
        }
    }
}
