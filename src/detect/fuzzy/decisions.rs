//! A person's decisions on pairs of records (`clean --fuzzy --decisions FILE`), applied on top
//! of the model: "same" links two records whatever their score (a forced link), "different"
//! keeps them out of one group whatever their score (a forced split).
//!
//! The file is a CSV with a header: `left_key` and `right_key` (the primary key's value, its
//! values as a JSON list for a composite key, the record number without a primary key) and/or
//! `left_record` and `right_record` (record numbers), and `decision`: `same`, `different`,
//! `skip` or empty (no decision). Any other column is ignored, so `T.review.csv` with its
//! `decision` column filled in is such a file, and so is the `T.decisions.csv` that
//! `report.html`'s review queue saves. When both keys and records are given they must name
//! the same records: decisions made on another version of the table are refused rather than
//! applied to the wrong records.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Location, Result};
use crate::model::{RowId, Table};

/// A decision on a pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Same,
    Different,
}

/// One side of a decided pair, as the file names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub key: Option<String>,
    pub record: Option<u64>,
}

/// One decided line of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Its line in the file (the header is line 1).
    pub line: u64,
    pub left: Side,
    pub right: Side,
    pub verdict: Verdict,
}

/// A decisions file, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Decisions {
    pub path: PathBuf,
    pub sha256: String,
    /// The decided lines, in the file's order.
    pub list: Vec<Decision>,
    /// Lines left undecided (`skip` or empty).
    pub skipped: usize,
}

/// What the report says of the decisions applied.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionsReport {
    pub path: String,
    pub sha256: String,
    pub same: usize,
    pub different: usize,
    pub skipped: usize,
}

impl Decisions {
    pub fn report(&self) -> DecisionsReport {
        let same = self
            .list
            .iter()
            .filter(|d| d.verdict == Verdict::Same)
            .count();
        DecisionsReport {
            path: self.path.display().to_string(),
            sha256: self.sha256.clone(),
            same,
            different: self.list.len() - same,
            skipped: self.skipped,
        }
    }
}

/// Reads a decisions file; an error names its line and column for a value that is not a
/// decision, a record number that is not one, or a header without the columns needed.
pub fn read(path: &Path) -> Result<Decisions> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the decisions", e))?;
    let sha256 = {
        use sha2::Digest;
        crate::ingest::hex(&sha2::Sha256::digest(&bytes))
    };
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text);
    let at = |line: u64| Location::file(path).line(line);
    let header = reader
        .headers()
        .map_err(|e| Error::data(at(1), format!("cannot read the header: {e}")))?
        .clone();
    let col = |name: &str| header.iter().position(|h| h.trim() == name);
    let (lk, rk, lr, rr) = (
        col("left_key"),
        col("right_key"),
        col("left_record"),
        col("right_record"),
    );
    let Some(dc) = col("decision") else {
        return Err(Error::data(at(1), "the header has no \"decision\" column")
            .with_hint("a decisions file has left_key, right_key (or left_record, right_record) and decision columns, as T.review.csv has"));
    };
    let keys = lk.zip(rk);
    let records = lr.zip(rr);
    if keys.is_none() && records.is_none() {
        return Err(Error::data(
            at(1),
            "the header names neither left_key and right_key nor left_record and right_record",
        ));
    }
    let mut list = Vec::new();
    let mut skipped = 0;
    for row in reader.records() {
        let row = row.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            Error::data(at(line), format!("cannot read this line: {e}"))
        })?;
        let line = row.position().map_or(0, |p| p.line());
        let field = |i: usize| row.get(i).unwrap_or("").trim();
        let verdict = match field(dc).to_ascii_lowercase().as_str() {
            "same" => Verdict::Same,
            "different" => Verdict::Different,
            "skip" | "" => {
                skipped += 1;
                continue;
            }
            other => {
                return Err(Error::data(
                    at(line).column(dc, Some("decision")),
                    format!("\"{other}\" is not a decision"),
                )
                .with_hint("a decision is same, different, skip or empty"))
            }
        };
        let record = |i: usize, name: &str| -> Result<Option<u64>> {
            let v = field(i);
            match v.parse::<u64>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(Error::data(
                    at(line).column(i, Some(name)),
                    format!("\"{v}\" is not a record number"),
                )),
            }
        };
        let side = |k: Option<usize>, r: Option<usize>, name: &str| -> Result<Side> {
            Ok(Side {
                key: k.map(|i| field(i).to_owned()),
                record: match r {
                    Some(i) => record(i, &format!("{name}_record"))?,
                    None => None,
                },
            })
        };
        list.push(Decision {
            line,
            left: side(lk, lr, "left")?,
            right: side(rk, rr, "right")?,
            verdict,
        });
    }
    Ok(Decisions {
        path: path.to_path_buf(),
        sha256,
        list,
        skipped,
    })
}

/// A decision resolved to the table's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub line: u64,
    pub left: RowId,
    pub right: RowId,
    pub verdict: Verdict,
}

/// The records each decision names in `table`, whose primary key is `pk` (`key(row)` gives a
/// record's key as the review file writes it); `same_exact(a, b)` tells whether two records
/// are exact duplicates (one record for matching). An error names the decision's line when a
/// record is not in the table, when its key and record number disagree, or when a key names
/// records that are not exact duplicates of each other.
pub fn resolve(
    decisions: &Decisions,
    table: &Table,
    key: &dyn Fn(RowId) -> String,
    same_exact: &dyn Fn(RowId, RowId) -> bool,
) -> Result<Vec<Resolved>> {
    // the records by key and by number, each built only when some decision names records so
    let rows = || (0..table.rows()).map(|i| RowId(i as u32));
    let sides = || decisions.list.iter().flat_map(|d| [&d.left, &d.right]);
    let mut by_key: HashMap<String, Vec<RowId>> = HashMap::new();
    if sides().any(|s| s.record.is_none()) {
        for r in rows() {
            by_key.entry(key(r)).or_default().push(r);
        }
    }
    let by_number: HashMap<u64, RowId> = if sides().any(|s| s.record.is_some()) {
        rows().map(|r| (table.number_of(r), r)).collect()
    } else {
        HashMap::new()
    };
    let at = |line: u64| Location::file(&decisions.path).line(line);
    let find = |side: &Side, line: u64| -> Result<RowId> {
        if let Some(n) = side.record {
            let Some(&r) = by_number.get(&n) else {
                return Err(Error::data(
                    at(line),
                    format!("the table has no record {n}"),
                ));
            };
            if let Some(k) = &side.key {
                let now = key(r);
                if &now != k {
                    return Err(Error::data(
                        at(line),
                        format!("record {n}'s key is \"{now}\" in the table, \"{k}\" in the decisions"),
                    )
                    .with_hint("the decisions were made on another version of this table: review its pairs again"));
                }
            }
            return Ok(r);
        }
        let k = side.key.as_deref().unwrap_or("");
        match by_key.get(k).map(Vec::as_slice) {
            None | Some([]) => Err(Error::data(
                at(line),
                format!("no record of the table has the key \"{k}\""),
            )),
            Some([r]) => Ok(*r),
            Some(many) => {
                if many.iter().all(|&m| same_exact(many[0], m)) {
                    Ok(many[0])
                } else {
                    Err(Error::data(
                        at(line),
                        format!("{} records that are not duplicates have the key \"{k}\"", many.len()),
                    )
                    .with_hint("name the records by number: left_record and right_record columns, as in T.review.csv"))
                }
            }
        }
    };
    decisions
        .list
        .iter()
        .map(|d| {
            Ok(Resolved {
                line: d.line,
                left: find(&d.left, d.line)?,
                right: find(&d.right, d.line)?,
                verdict: d.verdict,
            })
        })
        .collect()
}

/// The decisions between representatives of exact groups (`rep_index(record)` gives its
/// representative's index): pairs "same" and "different", each `(low, high)`, sorted and
/// without repeats. An error names the lines when decisions contradict each other (two records
/// decided different that decisions link, or exact duplicates decided different).
pub fn between_representatives(
    resolved: &[Resolved],
    rep_index: &dyn Fn(RowId) -> u32,
    n: usize,
    path: &Path,
) -> Result<crate::detect::fuzzy::cluster::Forced> {
    let mut same = Vec::new();
    let mut different = Vec::new();
    for d in resolved {
        let (a, b) = (rep_index(d.left), rep_index(d.right));
        let pair = (a.min(b), a.max(b));
        match d.verdict {
            Verdict::Same if a != b => same.push((pair, d.line)),
            Verdict::Same => {}
            Verdict::Different if a == b => {
                return Err(Error::data(
                    Location::file(path).line(d.line),
                    "these two records are exact duplicates (equal on the key): a decision cannot keep them apart",
                )
                .with_hint("choose the key with --key, or decide \"same\""))
            }
            Verdict::Different => different.push((pair, d.line)),
        }
    }
    // the records that decisions link, through any chain of "same"
    let mut dsu = crate::detect::fuzzy::cluster::Dsu::new(n);
    for &((a, b), _) in &same {
        dsu.union(a, b);
    }
    for &((a, b), line) in &different {
        if dsu.find(a) == dsu.find(b) {
            let chain: Vec<String> = same.iter().map(|s| s.1.to_string()).collect();
            return Err(Error::data(
                Location::file(path).line(line),
                "these records are decided different, but \"same\" decisions link them",
            )
            .with_hint(format!(
                "the \"same\" decisions are on lines {}: change one of them or this one",
                chain.join(", ")
            )));
        }
    }
    let strip = |mut v: Vec<((u32, u32), u64)>| {
        let mut v: Vec<(u32, u32)> = v.drain(..).map(|x| x.0).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    Ok(crate::detect::fuzzy::cluster::Forced {
        same: strip(same),
        different: strip(different),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.csv");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn a_review_file_with_decisions_filled_in_is_read() {
        let (_d, p) = write(
            "decision,probability,left_key,right_key,left_record,right_record,left.name\n\
             same,0.8,7,9,1,3,Ann\n\
             ,0.7,8,10,2,4,Bob\n\
             Different,0.6,8,11,2,5,Bob\n\
             skip,0.55,1,2,6,7,x\n",
        );
        let d = read(&p).unwrap();
        assert_eq!(d.skipped, 2);
        assert_eq!(d.list.len(), 2);
        assert_eq!(d.list[0].line, 2);
        assert_eq!(d.list[0].verdict, Verdict::Same);
        assert_eq!(
            d.list[0].left,
            Side {
                key: Some("7".into()),
                record: Some(1)
            }
        );
        assert_eq!(d.list[1].line, 4);
        assert_eq!(d.list[1].verdict, Verdict::Different);
        let r = d.report();
        assert_eq!((r.same, r.different, r.skipped), (1, 1, 2));
    }

    #[test]
    fn a_bad_decision_is_named_by_line_and_column() {
        let (_d, p) = write("left_key,right_key,decision\n1,2,same\n3,4,maybe\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(
            e.contains("d.csv:3:3") && e.contains("decision") && e.contains("maybe"),
            "{e}"
        );
        let (_d, p) = write("left_key,right_key\n1,2\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("no \"decision\" column"), "{e}");
        let (_d, p) = write("a,b,decision\n1,2,same\n");
        assert!(read(&p).is_err());
        let (_d, p) = write("left_record,right_record,decision\n1,x,same\n");
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("right_record") && e.contains("\"x\""), "{e}");
    }

    #[test]
    fn contradicting_decisions_are_refused() {
        let r = |line, a, b, verdict| Resolved {
            line,
            left: RowId(a),
            right: RowId(b),
            verdict,
        };
        let p = Path::new("d.csv");
        let ok = between_representatives(
            &[
                r(2, 0, 1, Verdict::Same),
                r(3, 2, 1, Verdict::Same),
                r(4, 3, 0, Verdict::Different),
                r(5, 1, 0, Verdict::Same),
            ],
            &|x| x.0,
            4,
            p,
        )
        .unwrap();
        assert_eq!(ok.same, vec![(0, 1), (1, 2)]);
        assert_eq!(ok.different, vec![(0, 3)]);
        let e = between_representatives(
            &[
                r(2, 0, 1, Verdict::Same),
                r(3, 2, 1, Verdict::Same),
                r(4, 2, 0, Verdict::Different),
            ],
            &|x| x.0,
            4,
            p,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("d.csv:4"), "{e}");
        // exact duplicates (one representative) cannot be decided different
        let e = between_representatives(&[r(2, 0, 1, Verdict::Different)], &|_| 0, 2, p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("exact duplicates"), "{e}");
    }
}
