//! Runs dupsweep as a library on the bundled school dump: the same job as the README's quick
//! start, written into a folder given as the first argument (default `dupsweep-out`).
//!
//! ```text
//! cargo run --example clean_students -- /tmp/out
//! ```

use std::path::Path;

use dupsweep::progress::Silent;
use dupsweep::{Command, Layer};

fn main() -> std::process::ExitCode {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "dupsweep-out".into());
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/school/students.csv");
    let layer = Layer {
        input: Some(input),
        pk: Some(vec!["id".into()]),
        ignore: Some(vec!["updated_at".into()]),
        keep: Some("max:updated_at".into()),
        dialect: Some(vec!["postgres".into(), "mysql".into(), "sqlite".into()]),
        out: Some(out.into()),
        ..Layer::default()
    };
    match layer
        .resolve()
        .and_then(|job| dupsweep::run(Command::Clean, &job, &Silent))
    {
        Ok(outcome) => {
            print!("{}", outcome.report.summary());
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{}", e.render());
            std::process::ExitCode::from(2)
        }
    }
}
