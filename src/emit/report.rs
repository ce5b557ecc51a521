//! The run's report: `report.json` for machines, a short summary for people. Its fields are
//! documented in the README ("Report fields").

use serde::Serialize;

use crate::config::Job;
use crate::model::{Format, Matches, Resolution, Table};

#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub path: String,
    pub format: &'static str,
    pub compression: Option<&'static str>,
    pub delimiter: Option<String>,
    pub sha256: String,
    pub bytes: u64,
    pub rows: usize,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OptionsReport {
    pub table: String,
    pub pk: Vec<String>,
    pub key: Vec<String>,
    pub keep: String,
    pub guard: &'static str,
    pub dialects: Vec<&'static str>,
    pub null: Vec<String>,
    pub batch_size: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnRepeats {
    pub column: String,
    pub repeated_values: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputReport {
    pub kind: String,
    pub path: String,
    pub rows: Option<usize>,
}

impl OutputReport {
    /// The report's list of outputs from (kind, path, rows) as the writers return them.
    pub fn list(written: Vec<(&str, std::path::PathBuf, Option<usize>)>) -> Vec<OutputReport> {
        written
            .into_iter()
            .map(|(kind, path, rows)| OutputReport {
                kind: kind.to_owned(),
                path: path.display().to_string(),
                rows,
            })
            .collect()
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub read_ms: u64,
    pub detect_ms: u64,
    pub survive_ms: u64,
    pub write_ms: u64,
    pub total_ms: u64,
    /// Fuzzy matching's steps, in milliseconds (within `detect_ms`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fuzzy_ms: Vec<(&'static str, u64)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dupsweep_version: &'static str,
    pub command: &'static str,
    /// The engine that read the table (`stream` or `memory`).
    pub engine: &'static str,
    pub input: InputReport,
    pub options: OptionsReport,
    /// The settings of the run (flags over its configuration file; paths absolute), from
    /// which `dupsweep report` runs it again to rebuild `report.html` (the settings given).
    #[serde(serialize_with = "given_only")]
    pub settings: crate::config::Layer,
    pub groups: usize,
    pub rows_in_groups: usize,
    pub rows_removed: usize,
    pub rows_kept: usize,
    pub largest_group: usize,
    pub duplicates_per_key_column: Vec<ColumnRepeats>,
    pub outputs: Vec<OutputReport>,
    /// Fuzzy matching: the settings chosen and what they found (with `--fuzzy` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fuzzy: Option<FuzzySection>,
    pub timings: Timings,
}

/// The `fuzzy` object of the report.
#[derive(Debug, Clone, Serialize)]
pub struct FuzzySection {
    #[serde(flatten)]
    pub found: crate::detect::fuzzy::FuzzyReport,
    /// Removed records that are not exact copies of their survivor.
    pub rows_removed_fuzzy: usize,
}

/// A layer of settings with only what it says (no `null` for what it leaves to the defaults).
fn given_only<S: serde::Serializer>(
    layer: &crate::config::Layer,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    use serde::Serialize;
    let mut v = serde_json::to_value(layer).map_err(serde::ser::Error::custom)?;
    if let serde_json::Value::Object(m) = &mut v {
        m.retain(|_, x| !x.is_null());
    }
    v.serialize(s)
}

impl Report {
    pub fn new(
        command: &'static str,
        job: &Job,
        table: &Table,
        matches: &Matches,
        res: &Resolution,
    ) -> Report {
        let (compression, delimiter) = match &table.source.format {
            Format::Csv {
                delimiter,
                compression,
                ..
            } => (
                Some(compression.name()),
                Some((*delimiter as char).to_string()),
            ),
            Format::PgDump { compression, .. }
            | Format::MysqlDump { compression, .. }
            | Format::TextRows { compression, .. } => (Some(compression.name()), None),
            Format::Parquet => (None, None),
        };
        Report {
            dupsweep_version: env!("CARGO_PKG_VERSION"),
            command,
            engine: "memory",
            input: InputReport {
                path: crate::error::shown(&table.source.path)
                    .display()
                    .to_string(),
                format: table.source.format.name(),
                compression,
                delimiter,
                sha256: table.source.sha256.clone(),
                bytes: table.source.bytes,
                rows: table.dumped_rows(),
                columns: table.columns.clone(),
            },
            settings: job.settings.clone(),
            options: OptionsReport {
                table: table.name.clone(),
                pk: job.pk.clone(),
                key: matches.key.clone(),
                keep: job.keep.to_string(),
                guard: match job.guard {
                    crate::config::Guard::All => "all",
                    crate::config::Guard::Key => "key",
                },
                dialects: job.dialects.iter().map(|d| d.name()).collect(),
                null: job.null.clone(),
                batch_size: job.batch_size,
            },
            groups: matches.groups.len(),
            rows_in_groups: matches.groups.iter().map(|g| g.members.len()).sum(),
            rows_removed: res.removed.len(),
            rows_kept: table.dumped_rows() - res.removed.len(),
            largest_group: matches
                .groups
                .iter()
                .map(|g| g.members.len())
                .max()
                .unwrap_or(0),
            duplicates_per_key_column: matches
                .repeats_per_column
                .iter()
                .map(|(c, n)| ColumnRepeats {
                    column: c.clone(),
                    repeated_values: *n,
                })
                .collect(),
            outputs: Vec::new(),
            fuzzy: None,
            timings: Timings::default(),
        }
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }

    /// A few lines for people.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{}: {} rows, {} duplicate group{} ({} rows), {} row{} to remove, {} kept\n",
            self.options.table,
            self.input.rows,
            self.groups,
            if self.groups == 1 { "" } else { "s" },
            self.rows_in_groups,
            self.rows_removed,
            if self.rows_removed == 1 { "" } else { "s" },
            self.rows_kept
        );
        s.push_str(&format!("  key: {}\n", self.options.key.join(", ")));
        if !self.options.pk.is_empty() {
            s.push_str(&format!("  primary key: {}\n", self.options.pk.join(", ")));
        }
        if let Some(f) = &self.fuzzy {
            let g = &f.found;
            s.push_str(&format!(
                "  fuzzy: {} records compared (one per exact group), {} candidate pairs, about {:.0} of them matches (prior {:.3e})\n",
                g.records_compared, g.candidate_pairs, g.expected_matching_pairs, g.prior
            ));
            let roles: Vec<String> = g.roles.iter().map(|(c, r)| format!("{c}={r}")).collect();
            s.push_str(&format!("    roles: {}\n", roles.join(", ")));
            for b in &g.blocking {
                match &b.dropped {
                    None => match &b.refined_from {
                        None => s.push_str(&format!("    block: {} ({} pairs)\n", b.rule, b.pairs)),
                        Some((first, would)) => s.push_str(&format!(
                            "    block: {} ({} pairs; {} alone would compare {})\n",
                            b.rule, b.pairs, first, would
                        )),
                    },
                    Some(why) => s.push_str(&format!("    block: {} not used: {}\n", b.rule, why)),
                }
            }
            if let Some(r) = g.blocking_recall {
                s.push_str(&format!(
                    "    blocking recall: about {:.4} of the matching pairs are made by some rule (estimated from how often each rule makes the pairs the others make; an upper estimate)\n",
                    r
                ));
            }
            s.push_str(&format!(
                "    threshold {} (review from {}): {} pairs above, {} fuzzy groups, {} rows removed as fuzzy duplicates, {} {} to review\n",
                g.threshold,
                g.review_threshold,
                g.pairs_above_threshold,
                g.fuzzy_groups,
                f.rows_removed_fuzzy,
                g.review_pairs,
                if g.review_pairs == 1 { "pair" } else { "pairs" }
            ));
        }
        for o in &self.outputs {
            match o.rows {
                Some(r) => s.push_str(&format!("  wrote {} ({} rows)\n", o.path, r)),
                None => s.push_str(&format!("  wrote {}\n", o.path)),
            }
        }
        s
    }
}
