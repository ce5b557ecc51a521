//! Survive: picks the one record that stays in each group (the survivor) by the user's rule,
//! and lists every other member as removed, with its group, survivor and reason.

pub mod repoint;

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use polars::prelude::*;

use crate::config::KeepRule;
use crate::detect::fuzzy::Fuzzy;
use crate::error::{Error, Result};
use crate::model::{Group, Matches, Removal, Resolution, RowId, Table};

/// A comparable value of the `min:`/`max:` column. One column uses one kind throughout.
#[derive(Debug, Clone, PartialEq, PartialOrd)]
enum Ord0 {
    Int(i128),
    Float(f64),
    Text(String),
}

/// Parses an ISO date or timestamp into microseconds since 1970 (UTC when an offset is given).
pub fn parse_iso_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_micros());
    }
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Some(t.timestamp_micros());
        }
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(t.and_utc().timestamp_micros());
        }
    }
    None
}

/// How the values of a text `min:`/`max:` column compare: decided over the whole column, so
/// that one stray value turns the column into text for every group alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    Int,
    Float,
    Time,
    Text,
}

/// Works out a text column's [`TextKind`] one value at a time (the streaming engine sees each
/// value once): integers if all present values are, else numbers, else ISO dates/timestamps,
/// else text. NULL and blank values do not count.
#[derive(Debug, Clone, Copy)]
pub struct KindTracker {
    int: bool,
    float: bool,
    time: bool,
}

impl Default for KindTracker {
    fn default() -> Self {
        KindTracker {
            int: true,
            float: true,
            time: true,
        }
    }
}

fn is_number(v: &str) -> bool {
    let v = v.trim();
    v.parse::<f64>().is_ok_and(f64::is_finite) && v.bytes().any(|b| b.is_ascii_digit())
}

impl KindTracker {
    pub fn see(&mut self, v: Option<&str>) {
        let Some(v) = v.filter(|v| !v.trim().is_empty()) else {
            return;
        };
        if !(self.int || self.float || self.time) {
            return;
        }
        if self.float || self.int {
            if self.int && v.trim().parse::<i128>().is_err() {
                self.int = false;
            }
            if self.float && !is_number(v) {
                self.float = false;
            }
        }
        // a number is never an ISO date or timestamp
        if self.time && (self.int || self.float || is_number(v) || parse_iso_time(v).is_none()) {
            self.time = false;
        }
    }

    /// What two trackers saw together (of two parts of a column, in any order).
    pub fn merge(&mut self, other: &KindTracker) {
        self.int &= other.int;
        self.float &= other.float;
        self.time &= other.time;
    }

    pub fn kind(&self) -> TextKind {
        if self.int {
            TextKind::Int
        } else if self.float {
            TextKind::Float
        } else if self.time {
            TextKind::Time
        } else {
            TextKind::Text
        }
    }
}

/// The values of a text column as order keys of `kind`; NULL and empty values are missing.
fn text_order_keys_as(ca: &StringChunked, kind: TextKind) -> Vec<Option<Ord0>> {
    match kind {
        TextKind::Int => ca
            .iter()
            .map(|v| v.and_then(|v| v.trim().parse::<i128>().ok()).map(Ord0::Int))
            .collect(),
        TextKind::Float => ca
            .iter()
            .map(|v| {
                v.filter(|v| !v.trim().is_empty())
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(Ord0::Float)
            })
            .collect(),
        TextKind::Time => ca
            .iter()
            .map(|v| v.and_then(parse_iso_time).map(|t| Ord0::Int(t as i128)))
            .collect(),
        TextKind::Text => ca
            .iter()
            .map(|v| {
                v.filter(|v| !v.is_empty())
                    .map(|v| Ord0::Text(v.to_owned()))
            })
            .collect(),
    }
}

/// The values of a text column as numbers if all of them are numbers, else as times if all of
/// them are ISO dates/timestamps, else as text. NULL and empty values are missing.
fn text_order_keys(ca: &StringChunked) -> Vec<Option<Ord0>> {
    let mut t = KindTracker::default();
    for v in ca.iter() {
        t.see(v);
    }
    text_order_keys_as(ca, t.kind())
}

fn order_keys(table: &Table, column: &str, kind: Option<TextKind>) -> Result<Vec<Option<Ord0>>> {
    let col = table.df.column(column).map_err(Error::Polars)?;
    let dt = col.dtype().clone();
    let internal = Error::Polars;
    if dt == DataType::String {
        let ca = col.str().map_err(internal)?;
        return Ok(match kind {
            Some(k) => text_order_keys_as(ca, k),
            None => text_order_keys(ca),
        });
    }
    if dt.is_integer() || dt.is_bool() || dt.is_temporal() {
        let phys = col.to_physical_repr();
        let ints = phys.cast(&DataType::Int128).map_err(internal)?;
        return Ok(ints
            .i128()
            .map_err(internal)?
            .iter()
            .map(|v| v.map(Ord0::Int))
            .collect());
    }
    if dt.is_primitive_numeric() || matches!(dt, DataType::Decimal(..)) {
        let f = col.cast(&DataType::Float64).map_err(internal)?;
        return Ok(f
            .f64()
            .map_err(internal)?
            .iter()
            .map(|v| v.filter(|x| !x.is_nan()).map(Ord0::Float))
            .collect());
    }
    let text = crate::detect::text_columns(table, &[column.to_owned()])?;
    Ok(text[0]
        .iter()
        .map(|v| v.map(|v| Ord0::Text(v.to_owned())))
        .collect())
}

/// How many columns of each record are NULL or empty.
fn missing_counts(table: &Table) -> Result<Vec<u32>> {
    let mut counts = vec![0u32; table.rows()];
    for col in table.df.columns() {
        if col.dtype() == &DataType::String {
            let ca = col.str().map_err(Error::Polars)?;
            for (i, v) in ca.iter().enumerate() {
                if v.is_none_or(str::is_empty) {
                    counts[i] += 1;
                }
            }
        } else if col.null_count() > 0 {
            let mask = col.is_null();
            for (i, v) in mask.iter().enumerate() {
                if v == Some(true) {
                    counts[i] += 1;
                }
            }
        }
    }
    Ok(counts)
}

/// Chooses the survivor of each group by `rule`; ties go to the earliest record. With fuzzy
/// matching, a removed record that is not an exact copy of its survivor gets the pair's match
/// probability and the comparisons that made it a match as its reason.
pub fn resolve(
    table: &Table,
    matches: &Matches,
    rule: &KeepRule,
    fuzzy: Option<&Fuzzy>,
) -> Result<Resolution> {
    resolve_with(table, matches, rule, fuzzy, None, None)
}

/// [`resolve`], with the kind of a text `min:`/`max:` column decided beforehand (`kind`): the
/// streaming engine resolves a table of the grouped records only, and the kind must be the
/// one of the whole column; and with `most-complete`'s per-record count of NULL or empty values
/// (`missing`) counted beforehand (that table holds only the columns the rules read).
pub fn resolve_with(
    table: &Table,
    matches: &Matches,
    rule: &KeepRule,
    fuzzy: Option<&Fuzzy>,
    kind: Option<TextKind>,
    missing: Option<Vec<u32>>,
) -> Result<Resolution> {
    let keys = match rule {
        KeepRule::Min(c) | KeepRule::Max(c) => Some(order_keys(table, c, kind)?),
        _ => None,
    };
    let missing = match (rule, missing) {
        (KeepRule::MostComplete, Some(m)) => Some(m),
        (KeepRule::MostComplete, None) => Some(missing_counts(table)?),
        _ => None,
    };
    let pick = |g: &Group| -> RowId {
        match rule {
            KeepRule::First => g.members[0],
            KeepRule::Last => *g.members.last().unwrap_or(&g.members[0]),
            KeepRule::MostComplete => {
                let m = missing.as_deref().unwrap_or(&[]);
                *g.members
                    .iter()
                    .min_by_key(|r| (m.get(r.index()).copied().unwrap_or(0), **r))
                    .unwrap_or(&g.members[0])
            }
            KeepRule::Min(_) | KeepRule::Max(_) => {
                let k = keys.as_deref().unwrap_or(&[]);
                let want_max = matches!(rule, KeepRule::Max(_));
                let mut best = g.members[0];
                for &r in &g.members[1..] {
                    let (a, b) = (&k[r.index()], &k[best.index()]);
                    let better = match (a, b) {
                        (Some(_), None) => true,
                        (None, _) => false,
                        (Some(a), Some(b)) => {
                            let ord = a.partial_cmp(b).unwrap_or(Ordering::Equal);
                            if want_max {
                                ord == Ordering::Greater
                            } else {
                                ord == Ordering::Less
                            }
                        }
                    };
                    if better {
                        best = r;
                    }
                }
                best
            }
        }
    };
    let reason: std::sync::Arc<str> = format!("exact:{}", matches.key.join(",")).into();
    let mut kept = vec![true; table.rows()];
    let mut survivors = Vec::with_capacity(matches.groups.len());
    let mut removed = Vec::new();
    for g in &matches.groups {
        let s = pick(g);
        survivors.push(s);
        for &m in &g.members {
            if m != s {
                kept[m.index()] = false;
                removed.push(Removal {
                    row: m,
                    group: g.id(),
                    survivor: s,
                    score: 1.0,
                    reason: reason.clone(),
                });
            }
        }
    }
    // a fuzzy duplicate's probability and reason, on both cores
    if let Some(f) = fuzzy {
        use rayon::prelude::*;
        removed
            .par_iter_mut()
            .filter(|r| f.exact_of[r.row.index()] != f.exact_of[r.survivor.index()])
            .for_each(|r| {
                let (score, why) = f.engine.reason(r.survivor, r.row);
                r.score = score;
                r.reason = if f.decided_same(r.survivor, r.row) {
                    format!("decided:same (model {why})").into()
                } else {
                    why.into()
                };
            });
    }
    removed.sort_unstable_by_key(|r| r.row);
    Ok(Resolution {
        survivors,
        removed,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_compare_across_offsets() {
        let a = parse_iso_time("2024-01-05T10:00:00+02:00").unwrap();
        let b = parse_iso_time("2024-01-05 08:30:00").unwrap();
        assert!(a < b);
        assert!(parse_iso_time("2024-01-05").unwrap() < b);
        assert!(parse_iso_time("05/01/2024").is_none());
    }

    #[test]
    fn numbers_compare_as_numbers() {
        let ca = StringChunked::from_iter_options(
            "x".into(),
            [Some("9"), Some("10"), None, Some("")].into_iter(),
        );
        let k = text_order_keys(&ca);
        assert_eq!(k[0], Some(Ord0::Int(9)));
        assert_eq!(k[1], Some(Ord0::Int(10)));
        assert_eq!(k[2], None);
        assert_eq!(k[3], None);
    }
}
