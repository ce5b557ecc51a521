//! Converts a CSV dump into a typed Parquet file: each column becomes an integer, a float, a
//! date or a timestamp when every non-NULL value parses as one, text otherwise. Used to make
//! `testdata/school/students.parquet`:
//!
//! ```text
//! cargo run --example csv_to_parquet -- testdata/school/students.csv testdata/school/students.parquet
//! ```

use std::path::Path;

use dupsweep::internals::{self as ingest, CsvOptions};
use dupsweep::progress::Silent;
use polars::prelude::*;

fn typed(col: &Column) -> PolarsResult<Column> {
    let nulls = col.null_count();
    for dt in [
        DataType::Int64,
        DataType::Float64,
        DataType::Date,
        DataType::Datetime(TimeUnit::Microseconds, None),
    ] {
        if let Ok(c) = col.strict_cast(&dt) {
            if c.null_count() == nulls {
                return Ok(c);
            }
        }
    }
    Ok(col.clone())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: csv_to_parquet INPUT.csv OUTPUT.parquet");
        std::process::exit(2);
    }
    let table = ingest::read(Path::new(&args[1]), None, &CsvOptions::default(), &Silent)?;
    let cols = table
        .df
        .columns()
        .iter()
        .map(typed)
        .collect::<PolarsResult<Vec<_>>>()?;
    let mut df = DataFrame::new(table.rows(), cols)?;
    ParquetWriter::new(std::fs::File::create(&args[2])?).finish(&mut df)?;
    println!(
        "{}: {} rows, schema {:?}",
        args[2],
        df.height(),
        df.schema()
    );
    Ok(())
}
