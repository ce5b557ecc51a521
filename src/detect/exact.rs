//! Exact duplicates: records equal in every key column, NULL equal to NULL (as SQL's
//! `IS NOT DISTINCT FROM`). Polars does the group-by.

use polars::prelude::*;

use crate::error::{Error, Location, Result};
use crate::model::{Group, Matches, RowId, Table};

/// Groups the records of `table` by the `key` columns; only groups of two or more are kept,
/// ordered by their first record, members in file order.
pub fn detect(table: &Table, key: &[String]) -> Result<Matches> {
    let groups = groups(table, key)?;
    Ok(Matches {
        key: key.to_vec(),
        groups,
        repeats_per_column: repeats(table, key)?,
    })
}

/// The groups of [`detect`] alone.
pub fn groups(table: &Table, key: &[String]) -> Result<Vec<Group>> {
    let polars_err = |e: PolarsError| {
        Error::data(
            Location::file(&table.source.path),
            format!("cannot compare the key columns: {e}"),
        )
    };
    let mut groups = Vec::new();
    if table.rows() > 0 {
        let keys = table
            .df
            .select(key.iter().map(|s| s.as_str()))
            .map_err(polars_err)?;
        // the unstable group-by is faster (7 s against 11 s at 10M rows); members and groups are
        // sorted below, so the result does not depend on its order
        let gb = keys
            .group_by(key.iter().map(|s| s.as_str()))
            .map_err(polars_err)?;
        for g in gb.get_groups().iter() {
            if g.len() < 2 {
                continue;
            }
            let mut members: Vec<RowId> = match g {
                GroupsIndicator::Idx((_, idx)) => idx.iter().map(|&i| RowId(i)).collect(),
                GroupsIndicator::Slice([first, len]) => (first..first + len).map(RowId).collect(),
            };
            members.sort_unstable();
            groups.push(Group { members });
        }
        groups.sort_unstable_by_key(|g| g.id());
    }
    Ok(groups)
}

/// Per key column: the records that repeat a value of that column alone (rows minus distinct
/// values, NULL counting as one value).
pub fn repeats(table: &Table, key: &[String]) -> Result<Vec<(String, u64)>> {
    let polars_err = |e: PolarsError| {
        Error::data(
            Location::file(&table.source.path),
            format!("cannot compare the key columns: {e}"),
        )
    };
    // one column per core
    use rayon::prelude::*;
    key.par_iter()
        .map(|k| {
            let col = table.df.column(k).map_err(polars_err)?;
            let distinct = col.n_unique().map_err(polars_err)?;
            Ok((k.clone(), (table.rows() - distinct) as u64))
        })
        .collect::<Result<Vec<_>>>()
}
