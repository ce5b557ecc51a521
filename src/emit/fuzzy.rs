//! The fuzzy outputs: `T.pairs.*` (every scored pair at or above the review threshold, with
//! each comparison's level and weight) and `T.review.*` (pairs left for a person to judge,
//! both records side by side, with a `decision` column to fill in).

use crate::detect::fuzzy::{Fuzzy, ScoredPair};
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

/// The review file, the likeliest pair first: an empty decision (for a person to fill in with
/// `same` or `different`, then give back with `--decisions`), probability, both keys, then
/// every column of both records side by side (`left.COL`, `right.COL`), values as in the
/// input.
pub fn review_sheet(table: &Table, fuzzy: &Fuzzy, key: &dyn Fn(RowId) -> String) -> Result<Sheet> {
    let r = &fuzzy.review;
    let text = crate::detect::text_columns(table, &table.columns)?;
    let mut names = vec![
        "decision".to_owned(),
        "probability".to_owned(),
        "left_key".to_owned(),
        "right_key".to_owned(),
        "left_record".to_owned(),
        "right_record".to_owned(),
    ];
    let mut cols = vec![
        SheetCol::Text(r.iter().map(|_| Some(String::new())).collect()),
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

/// Pairs of the review queue at most: left for review, and inside groups.
pub const QUEUE_REVIEW: usize = 200;
pub const QUEUE_GROUPED: usize = 50;

/// What `report.html` shows of a fuzzy table's run beyond its groups: the review queue and
/// what moving the threshold would link (`T.decisions.csv` names the file the queue saves).
pub fn queue(
    table: &Table,
    fuzzy: &Fuzzy,
    matches: &crate::model::Matches,
    pk: &[String],
) -> Result<crate::emit::html::Queue> {
    let key = crate::emit::tables::survivor_texts(table, pk)?;
    Ok(crate::emit::html::Queue {
        pairs: review_view(table, fuzzy, matches, (&*key, pk))?,
        total: fuzzy.review.len(),
        moves: moves(fuzzy),
        decisions_file: crate::emit::files::Outputs::file_name(&table.name, "decisions.csv"),
    })
}

/// The review queue: the pairs left for review, the likeliest first (at most
/// [`QUEUE_REVIEW`]), then the least certain pairs inside groups (at most [`QUEUE_GROUPED`];
/// none a person decided the same), each with both records' values (read for these records
/// only) and the comparisons' levels and weights.
fn review_view(
    table: &Table,
    fuzzy: &Fuzzy,
    matches: &crate::model::Matches,
    (key, pk): (&dyn Fn(RowId) -> String, &[String]),
) -> Result<Vec<crate::emit::html::PairView>> {
    let group_of = matches.group_of(table.rows());
    let together = |a: RowId, b: RowId| {
        group_of[a.index()] != u32::MAX && group_of[a.index()] == group_of[b.index()]
    };
    let mut grouped: Vec<&ScoredPair> = fuzzy
        .pairs
        .iter()
        .filter(|p| together(p.a, p.b) && !fuzzy.decided_same(p.a, p.b))
        .collect();
    grouped.sort_by(|x, y| {
        x.probability
            .total_cmp(&y.probability)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    let queue: Vec<&ScoredPair> = fuzzy
        .review
        .iter()
        .take(QUEUE_REVIEW)
        .chain(grouped.into_iter().take(QUEUE_GROUPED))
        .collect();
    let mut rows: Vec<u32> = queue.iter().flat_map(|x| [x.a.0, x.b.0]).collect();
    rows.sort_unstable();
    rows.dedup();
    let values = crate::values::Values::rows_of_members(table, &rows)?;
    let e = &fuzzy.engine;
    let views = queue
        .into_iter()
        .map(|x| {
            let weights = e.weights(&x.levels, x.a, x.b);
            let cap = e.cap_weight(&x.levels, x.a, x.b);
            let mut steps: Vec<(String, String, f64)> = e
                .comparisons
                .iter()
                .zip(&weights)
                .enumerate()
                .map(|(c, (cmp, &w))| {
                    let level = cmp.levels[x.levels[c] as usize].to_string();
                    (cmp.column.clone(), level, w)
                })
                .collect();
            if cap != 0.0 {
                steps.push((
                    "(no identifying value agrees)".to_owned(),
                    "at most even odds".to_owned(),
                    cap,
                ));
            }
            let cells = table
                .columns
                .iter()
                .enumerate()
                .map(|(c, name)| {
                    let v = |r: RowId| {
                        let i = rows.binary_search(&r.0).unwrap_or(0);
                        values.get(c, RowId(i as u32)).map(|v| v.text.to_owned())
                    };
                    let level = steps
                        .iter()
                        .find(|s| &s.0 == name)
                        .map(|s| (s.1.clone(), s.2));
                    let values = [v(x.a), v(x.b)];
                    crate::emit::html::PairCell {
                        differs: values[0] != values[1] && !pk.contains(name),
                        values,
                        level,
                    }
                })
                .collect();
            crate::emit::html::PairView {
                keys: [key(x.a), key(x.b)],
                records: [table.number_of(x.a), table.number_of(x.b)],
                probability: x.probability,
                grouped: together(x.a, x.b),
                cells,
                prior: x.weight - weights.iter().sum::<f64>() - cap,
                total: x.weight,
                steps,
            }
        })
        .collect();
    Ok(views)
}

/// What the threshold would link at the review threshold, at the threshold used, and at the
/// usual positions between them and 1: the scored pairs at or above each, and the records they
/// link to another (one union–find pass, the likeliest pair first).
fn moves(fuzzy: &Fuzzy) -> Vec<crate::emit::html::Move> {
    let (review, threshold) = (fuzzy.report.review_threshold, fuzzy.report.threshold);
    let mut at: Vec<f64> = [
        0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, review, threshold,
    ]
    .into_iter()
    .filter(|&t| t >= review && t < 1.0)
    .collect();
    at.sort_by(|a, b| b.total_cmp(a));
    at.dedup();
    let mut order: Vec<&ScoredPair> = fuzzy.pairs.iter().collect();
    order.sort_by(|x, y| y.probability.total_cmp(&x.probability));
    let mut records = crate::detect::fuzzy::cluster::Dsu::new(fuzzy.exact_of.len());
    let (mut linked, mut taken) = (0usize, 0usize);
    let mut out = Vec::new();
    for t in at {
        while taken < order.len() && order[taken].probability >= t {
            linked += usize::from(records.union(order[taken].a.0, order[taken].b.0));
            taken += 1;
        }
        out.push(crate::emit::html::Move {
            at: t,
            pairs: taken,
            rows: linked,
        });
    }
    out.reverse();
    out
}
