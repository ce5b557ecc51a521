//! Reads a Parquet dump into a [`Table`] with Polars: any column types, real nulls.

use std::io::Cursor;
use std::path::Path;

use polars::prelude::*;

use crate::error::{Error, Location, Result};
use crate::model::{Source, Table};

pub fn read(path: &Path, bytes: Vec<u8>, source: Source, name: String) -> Result<Table> {
    let df = ParquetReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|e| {
            Error::data(
                Location::file(path),
                format!("cannot read this Parquet file: {e}"),
            )
            .with_hint("check that the file was copied whole and is Parquet")
        })?;
    if df.width() == 0 {
        return Err(Error::data(
            Location::file(path),
            "the Parquet file has no columns",
        ));
    }
    let columns = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    Ok(Table {
        name,
        source,
        columns,
        df,
        raw: None,
        subset: None,
    })
}
