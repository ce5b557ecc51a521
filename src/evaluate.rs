//! Evaluation against a ground-truth entity column (`dupsweep eval`): pairwise precision,
//! recall and F1 of the groups found, and cluster-level figures. The truth column is never used
//! for matching.

use std::collections::HashMap;

use serde::Serialize;

use crate::error::Result;
use crate::model::{pairs_among, Matches, RowId, Table};

/// Cluster-level figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClusterEval {
    /// Entities with two or more records.
    pub true_groups: usize,
    pub predicted_groups: usize,
    /// Predicted groups that are exactly one entity's records.
    pub exact_groups: usize,
    /// `exact_groups / predicted_groups`.
    pub precision: f64,
    /// `exact_groups / true_groups`.
    pub recall: f64,
}

/// The figures `eval` prints.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Evaluation {
    pub truth_column: String,
    pub records: usize,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Pairs of records of the same entity.
    pub true_pairs: u64,
    /// Pairs of records in the same predicted group.
    pub predicted_pairs: u64,
    /// Pairs in both.
    pub true_positive_pairs: u64,
    pub clusters: ClusterEval,
    /// With `--misses`: the pairs counted wrong per reason, in the order they are listed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub misses: Vec<MissCount>,
}

/// How many pairs counted wrong have one reason.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MissCount {
    /// "missed" or "wrong".
    pub kind: &'static str,
    pub reason: &'static str,
    pub pairs: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// Compares `matches` with the entity ids in column `truth` (a NULL id is an entity of its own).
pub fn evaluate(table: &Table, matches: &Matches, truth: &str) -> Result<Evaluation> {
    let col = crate::detect::text_columns(table, &[truth.to_owned()])?;
    let ids: Vec<Option<&str>> = col[0].iter().collect();
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    for id in ids.iter().flatten() {
        *sizes.entry(id).or_default() += 1;
    }
    let true_pairs: u64 = sizes.values().map(|&n| pairs_among(n)).sum();
    let true_groups = sizes.values().filter(|&&n| n >= 2).count();
    let mut predicted_pairs = 0;
    let mut tp = 0;
    let mut exact_groups = 0;
    for g in &matches.groups {
        predicted_pairs += pairs_among(g.members.len() as u64);
        let mut inside: HashMap<&str, u64> = HashMap::new();
        for m in &g.members {
            if let Some(id) = ids[m.index()] {
                *inside.entry(id).or_default() += 1;
            }
        }
        tp += inside.values().map(|&n| pairs_among(n)).sum::<u64>();
        if inside.len() == 1 {
            let (id, n) = inside
                .iter()
                .next()
                .map(|(k, v)| (*k, *v))
                .unwrap_or(("", 0));
            if n == g.members.len() as u64 && sizes.get(id) == Some(&n) {
                exact_groups += 1;
            }
        }
    }
    let precision = ratio(tp, predicted_pairs);
    let recall = ratio(tp, true_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    Ok(Evaluation {
        truth_column: truth.to_owned(),
        records: table.rows(),
        precision,
        recall,
        f1,
        true_pairs,
        predicted_pairs,
        true_positive_pairs: tp,
        clusters: ClusterEval {
            true_groups,
            predicted_groups: matches.groups.len(),
            exact_groups,
            precision: ratio(exact_groups as u64, matches.groups.len() as u64),
            recall: ratio(exact_groups as u64, true_groups as u64),
        },
        misses: Vec::new(),
    })
}

impl Evaluation {
    pub fn summary(&self) -> String {
        let mut s = self.figures();
        if !self.misses.is_empty() {
            s.push_str("  pairs counted wrong, by reason:\n");
            for m in &self.misses {
                s.push_str(&format!("    {} {}: {}\n", m.pairs, m.kind, m.reason));
            }
        }
        s
    }
    fn figures(&self) -> String {
        format!(
            "{} records, truth column \"{}\"\n  pairwise: precision {:.4}, recall {:.4}, F1 {:.4} ({} predicted pairs, {} true pairs, {} correct)\n  groups: {} predicted, {} true, {} exactly right (precision {:.4}, recall {:.4})\n",
            self.records,
            self.truth_column,
            self.precision,
            self.recall,
            self.f1,
            self.predicted_pairs,
            self.true_pairs,
            self.true_positive_pairs,
            self.clusters.predicted_groups,
            self.clusters.true_groups,
            self.clusters.exact_groups,
            self.clusters.precision,
            self.clusters.recall
        )
    }
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

/// At most this many pairs of each kind are listed by `eval --misses` (a truth column that
/// makes one huge entity would otherwise list billions).
pub const MISSES_LISTED: usize = 1_000_000;

/// A pair `eval` counts wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Miss {
    /// True: the records are one entity but not in one group; false: they are grouped but are
    /// different entities.
    pub missed: bool,
    pub a: RowId,
    pub b: RowId,
}

/// The pairs counted wrong, in record order: first the missed ones (records of one entity in
/// different groups, or not grouped at all), then the wrong ones (records of different entities,
/// or without an entity, in one group); at most [`MISSES_LISTED`] of each, and whether some were
/// left out.
pub fn misses(table: &Table, matches: &Matches, truth: &str) -> Result<(Vec<Miss>, bool)> {
    let col = crate::detect::text_columns(table, &[truth.to_owned()])?;
    let ids: Vec<Option<&str>> = col[0].iter().collect();
    let mut group_of: Vec<Option<u32>> = vec![None; table.rows()];
    for (g, grp) in matches.groups.iter().enumerate() {
        for m in &grp.members {
            group_of[m.index()] = Some(g as u32);
        }
    }
    let mut entities: HashMap<&str, Vec<u32>> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(id) = id {
            entities.entry(id).or_default().push(i as u32);
        }
    }
    let mut left_out = false;
    let mut missed = Vec::new();
    // in the order of each entity's first record, so that a capped list is the same every run
    let mut entities: Vec<Vec<u32>> = entities.into_values().filter(|r| r.len() >= 2).collect();
    entities.sort_unstable_by_key(|r| r[0]);
    'entities: for rows in &entities {
        for (x, &a) in rows.iter().enumerate() {
            for &b in &rows[x + 1..] {
                let together =
                    group_of[a as usize].is_some() && group_of[a as usize] == group_of[b as usize];
                if !together {
                    if missed.len() == MISSES_LISTED {
                        left_out = true;
                        break 'entities;
                    }
                    missed.push(Miss {
                        missed: true,
                        a: RowId(a),
                        b: RowId(b),
                    });
                }
            }
        }
    }
    missed.sort_by_key(|m| (m.a, m.b));
    let mut wrong = Vec::new();
    'groups: for g in &matches.groups {
        for (x, &a) in g.members.iter().enumerate() {
            for &b in &g.members[x + 1..] {
                let (ia, ib) = (ids[a.index()], ids[b.index()]);
                if ia.is_none() || ia != ib {
                    if wrong.len() == MISSES_LISTED {
                        left_out = true;
                        break 'groups;
                    }
                    let (a, b) = if a < b { (a, b) } else { (b, a) };
                    wrong.push(Miss {
                        missed: false,
                        a,
                        b,
                    });
                }
            }
        }
    }
    wrong.sort_by_key(|m| (m.a, m.b));
    missed.extend(wrong);
    Ok((missed, left_out))
}
