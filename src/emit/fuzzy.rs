//! The fuzzy outputs: `T.pairs.*` (every scored pair at or above the review threshold, with
//! each comparison's level and weight) and `T.review.*` (pairs left for a person to judge,
//! both records side by side).

use crate::detect::fuzzy::Fuzzy;
use crate::emit::tables::{Sheet, SheetCol};
use crate::error::Result;
use crate::model::{RowId, Table};

/// The pairs file: keys, record numbers, probability, total weight, per comparison its level
/// and weight.
pub fn pairs_sheet(fuzzy: &Fuzzy, key: &dyn Fn(RowId) -> String) -> Sheet {
    let e = &fuzzy.engine;
    let p = &fuzzy.pairs;
    let mut names = vec![
        "left_key".to_owned(),
        "right_key".to_owned(),
        "left_record".to_owned(),
        "right_record".to_owned(),
        "probability".to_owned(),
        "match_weight".to_owned(),
    ];
    let mut cols = vec![
        SheetCol::Text(p.iter().map(|x| Some(key(x.a))).collect()),
        SheetCol::Text(p.iter().map(|x| Some(key(x.b))).collect()),
        SheetCol::Int(p.iter().map(|x| x.a.number()).collect()),
        SheetCol::Int(p.iter().map(|x| x.b.number()).collect()),
        SheetCol::Float(p.iter().map(|x| x.probability).collect()),
        SheetCol::Float(p.iter().map(|x| x.weight).collect()),
    ];
    // per pair, every comparison's weight under the model that scored it, a column at a time
    // (a vector per pair cost more than the weights it held)
    let k = e.comparisons.len();
    let mut weights: Vec<Vec<f64>> = (0..k).map(|_| Vec::with_capacity(p.len())).collect();
    for x in p {
        for (c, w) in e.weights(&x.levels, x.a, x.b).into_iter().enumerate() {
            weights[c].push(w);
        }
    }
    for ((c, cmp), w) in e.comparisons.iter().enumerate().zip(weights) {
        names.push(format!("{}_level", cmp.column));
        // the level's name, shared: a copy per cell was most of the sheet's memory
        cols.push(SheetCol::Label(
            p.iter().map(|x| cmp.levels[x.levels[c] as usize]).collect(),
        ));
        names.push(format!("{}_weight", cmp.column));
        cols.push(SheetCol::Float(w));
    }
    Sheet { names, cols }
}

/// The review file: probability, both keys, then every column of both records side by side
/// (`left.COL`, `right.COL`), values as in the input.
pub fn review_sheet(table: &Table, fuzzy: &Fuzzy, key: &dyn Fn(RowId) -> String) -> Result<Sheet> {
    let r = &fuzzy.review;
    let text = crate::detect::text_columns(table, &table.columns)?;
    let mut names = vec![
        "probability".to_owned(),
        "left_key".to_owned(),
        "right_key".to_owned(),
        "left_record".to_owned(),
        "right_record".to_owned(),
    ];
    let mut cols = vec![
        SheetCol::Float(r.iter().map(|x| x.probability).collect()),
        SheetCol::Text(r.iter().map(|x| Some(key(x.a))).collect()),
        SheetCol::Text(r.iter().map(|x| Some(key(x.b))).collect()),
        SheetCol::Int(r.iter().map(|x| x.a.number()).collect()),
        SheetCol::Int(r.iter().map(|x| x.b.number()).collect()),
    ];
    for (name, ca) in table.columns.iter().zip(&text) {
        for (side, pick) in [("left", true), ("right", false)] {
            names.push(format!("{side}.{name}"));
            cols.push(SheetCol::Text(
                r.iter()
                    .map(|x| {
                        let row = if pick { x.a } else { x.b };
                        ca.get(row.index()).map(str::to_owned)
                    })
                    .collect(),
            ));
        }
    }
    Ok(Sheet { names, cols })
}
