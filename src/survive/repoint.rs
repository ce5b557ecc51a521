//! Foreign keys re-pointed to survivors: in a whole dump, a child column that references a
//! removed parent row is rewritten to the key of that row's survivor, before the child table is
//! itself deduplicated.

use std::collections::HashMap;

use polars::prelude::*;

use crate::error::{Error, Result};
use crate::model::{Resolution, RowId, Table};

/// A removed parent row's key (as text) → its survivor's key.
pub type SurvivorMap = HashMap<String, String>;

/// One rewritten value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub row: RowId,
    /// The column's index in the table.
    pub column: usize,
    pub from: String,
    pub to: String,
}

/// The survivor of every removed row, by the values of the single key column `pk`.
pub fn survivor_map(table: &Table, pk: &str, res: &Resolution) -> Result<SurvivorMap> {
    let cols = crate::detect::text_columns(table, &[pk.to_owned()])?;
    let col = &cols[0];
    let mut map = SurvivorMap::with_capacity(res.removed.len());
    for r in &res.removed {
        if let (Some(from), Some(to)) = (col.get(r.row.index()), col.get(r.survivor.index())) {
            map.insert(from.to_owned(), to.to_owned());
        }
    }
    Ok(map)
}

/// Rewrites `column` of `table` through `map` (NULL and unmapped values stay); returns the
/// changes in record order. The column keeps its type.
pub fn repoint(table: &mut Table, column: &str, map: &SurvivorMap) -> Result<Vec<Change>> {
    let index = table
        .column_index(column)
        .ok_or_else(|| Error::Internal(format!("no column {column}")))?;
    if map.is_empty() {
        return Ok(Vec::new());
    }
    let text = crate::detect::text_columns(table, &[column.to_owned()])?.remove(0);
    let mut changes = Vec::new();
    let rewritten: StringChunked = text
        .iter()
        .enumerate()
        .map(
            |(i, v)| match v.and_then(|v| map.get(v).map(|to| (v, to))) {
                Some((from, to)) => {
                    changes.push(Change {
                        row: RowId(i as u32),
                        column: index,
                        from: from.to_owned(),
                        to: to.clone(),
                    });
                    Some(to.as_str())
                }
                None => v,
            },
        )
        .collect();
    if changes.is_empty() {
        return Ok(changes);
    }
    let internal = Error::Polars;
    let dtype = table.df.column(column).map_err(internal)?.dtype().clone();
    let series = rewritten
        .with_name(column.into())
        .into_series()
        .strict_cast(&dtype)
        .map_err(internal)?;
    table
        .df
        .with_column(series.into_column())
        .map_err(internal)?;
    Ok(changes)
}
