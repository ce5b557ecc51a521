//! `dupsweep init DIR`: a starting `dupsweep.toml` for a folder of CSV or Parquet files. Every
//! table is read; its primary key, the columns left out of the duplicate key (modification
//! times), the keep rule and its foreign keys are guessed from names and checked on the
//! content; each guess is written as a comment beside the setting, so a person can review it.

use std::path::{Path, PathBuf};

use crate::config::dump::DumpFile;
use crate::config::Layer;
use crate::detect;
use crate::error::{Error, Result};
use crate::ingest::{self, CsvOptions};
use crate::model::Table;
use crate::progress::Progress;

/// What `init` found about one table.
struct Guess {
    name: String,
    file: String,
    table: Table,
    pk: Option<String>,
    why_pk: String,
    ignore: Vec<String>,
    keep: Option<String>,
    /// (column, parent table, parent column, share of values found)
    fks: Vec<(String, String, String, f64)>,
    notes: Vec<String>,
}

/// Files `init` reads: CSV (possibly compressed) and Parquet, not dupsweep's own outputs.
fn dump_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, "cannot read the folder", e))?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            let data = [
                ".csv", ".csv.gz", ".csv.zst", ".tsv", ".tsv.gz", ".parquet", ".pq",
            ]
            .iter()
            .any(|e| n.ends_with(e));
            let ours = [
                ".cleaned.",
                ".removed.",
                ".pairs.",
                ".review.",
                ".repointed.",
            ]
            .iter()
            .any(|m| n.contains(m));
            data && !ours && !n.starts_with('.')
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The singular forms a table name may take in a column name (`students` → `student`).
fn singulars(table: &str) -> Vec<String> {
    let t = table.to_ascii_lowercase();
    let mut out = vec![t.clone()];
    if let Some(s) = t.strip_suffix("ies") {
        out.push(format!("{s}y"));
    }
    if let Some(s) = t.strip_suffix("es") {
        out.push(s.to_owned());
    }
    if let Some(s) = t.strip_suffix('s') {
        out.push(s.to_owned());
    }
    out
}

/// True when the column holds no NULL and no repeated value.
fn unique_non_null(table: &Table, col: &str) -> Result<bool> {
    let text = detect::text_columns(table, &[col.to_owned()])?;
    let mut seen = std::collections::HashSet::with_capacity(table.rows());
    for v in text[0].iter() {
        match v {
            None => return Ok(false),
            Some(v) => {
                if !seen.insert(v) {
                    return Ok(false);
                }
            }
        }
    }
    Ok(table.rows() > 0)
}

/// Columns that record when a row changed: left out of the duplicate key.
fn is_modification_time(col: &str) -> bool {
    let c = col.to_ascii_lowercase();
    [
        "updated_at",
        "modified_at",
        "changed_at",
        "last_modified",
        "last_update",
        "last_updated",
        "updated",
        "modified",
        "updated_on",
        "modified_on",
        "inserted_at",
        "created_at",
        "loaded_at",
        "etl_loaded_at",
        "row_version",
    ]
    .contains(&c.as_str())
}

fn guess_table(path: &Path, dir: &Path, progress: &dyn Progress) -> Result<Guess> {
    let table = ingest::read(path, None, &CsvOptions::default(), progress)?;
    let name = table.name.clone();
    let file = path
        .strip_prefix(dir)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned();
    let lower: Vec<String> = table
        .columns
        .iter()
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let mut candidates: Vec<String> = vec!["id".into()];
    for s in singulars(&name) {
        candidates.push(format!("{s}_id"));
        candidates.push(format!("{s}id"));
    }
    let mut pk = None;
    let mut why_pk = String::new();
    for cand in &candidates {
        if let Some(i) = lower.iter().position(|c| c == cand) {
            let col = &table.columns[i];
            if unique_non_null(&table, col)? {
                why_pk = format!("\"{col}\" is named like a key and is unique with no NULL");
                pk = Some(col.clone());
                break;
            }
        }
    }
    if pk.is_none() {
        for (i, c) in lower.iter().enumerate() {
            let keyish = c.ends_with("id") || c.ends_with("code") || c.ends_with("key");
            if keyish && unique_non_null(&table, &table.columns[i])? {
                let col = &table.columns[i];
                why_pk =
                    format!("\"{col}\" is the first key-like column that is unique with no NULL");
                pk = Some(col.clone());
                break;
            }
        }
    }
    if pk.is_none() {
        why_pk = "no column named like a key is unique and non-NULL: the table is treated as one without a key (rows identical in every column are duplicates)".into();
    }
    let ignore: Vec<String> = table
        .columns
        .iter()
        .filter(|c| is_modification_time(c))
        .cloned()
        .collect();
    let keep = ignore
        .iter()
        .find(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("updat") || c.contains("modif") || c.contains("chang")
        })
        .map(|c| format!("max:{c}"));
    Ok(Guess {
        name,
        file,
        table,
        pk,
        why_pk,
        ignore,
        keep,
        fks: Vec::new(),
        notes: Vec::new(),
    })
}

/// Share of a column's non-NULL values found among `keys`; None when it has no value.
fn share_found(
    table: &Table,
    col: &str,
    keys: &std::collections::HashSet<String>,
) -> Result<Option<f64>> {
    let text = detect::text_columns(table, &[col.to_owned()])?;
    let (mut n, mut found) = (0usize, 0usize);
    for v in text[0].iter().flatten() {
        n += 1;
        if keys.contains(v) {
            found += 1;
        }
    }
    Ok((n > 0).then(|| found as f64 / n as f64))
}

/// Guesses the foreign keys between the tables, checked on the content.
fn guess_foreign_keys(guesses: &mut [Guess]) -> Result<()> {
    let mut parents = Vec::new();
    for g in guesses.iter() {
        if let Some(pk) = &g.pk {
            let text = detect::text_columns(&g.table, std::slice::from_ref(pk))?;
            let keys: std::collections::HashSet<String> =
                text[0].iter().flatten().map(str::to_owned).collect();
            parents.push((g.name.clone(), pk.clone(), keys));
        }
    }
    // child → parent edges taken so far: an edge that would close a cycle is left out
    let mut edges: Vec<(String, String)> = Vec::new();
    let reaches = |edges: &[(String, String)], from: &str, to: &str| -> bool {
        let mut stack = vec![from.to_owned()];
        let mut seen = std::collections::HashSet::new();
        while let Some(t) = stack.pop() {
            if t == to {
                return true;
            }
            if seen.insert(t.clone()) {
                stack.extend(
                    edges
                        .iter()
                        .filter(|(c, _)| *c == t)
                        .map(|(_, p)| p.clone()),
                );
            }
        }
        false
    };
    for g in guesses.iter_mut() {
        for col in g.table.columns.clone() {
            if Some(&col) == g.pk.as_ref() {
                continue;
            }
            let c = col.to_ascii_lowercase();
            for (parent, ppk, keys) in &parents {
                if *parent == g.name {
                    continue;
                }
                let named = singulars(parent).iter().any(|s| {
                    c == format!("{s}_{}", ppk.to_ascii_lowercase())
                        || c == format!("{s}{}", ppk.to_ascii_lowercase())
                        || (c == *s && !ppk.eq_ignore_ascii_case("id"))
                });
                if !named {
                    continue;
                }
                let Some(share) = share_found(&g.table, &col, keys)? else {
                    continue;
                };
                if share < 0.9 {
                    g.notes.push(format!(
                        "\"{col}\" is named like a reference to {parent}.{ppk}, but only {:.0}% of its values are there: not a foreign key",
                        share * 100.0
                    ));
                    continue;
                }
                if g.pk.is_none() {
                    g.notes.push(format!(
                        "\"{col}\" looks like a reference to {parent}.{ppk} ({:.0}% of its values found), but the table has no primary key, which re-pointing needs: not used",
                        share * 100.0
                    ));
                    continue;
                }
                if reaches(&edges, parent, &g.name) {
                    g.notes.push(format!(
                        "\"{col}\" looks like a reference to {parent}.{ppk}, but it would close a cycle of foreign keys: not used"
                    ));
                    continue;
                }
                if g.pk.as_deref() == Some(col.as_str()) {
                    continue;
                }
                edges.push((g.name.clone(), parent.clone()));
                g.fks
                    .push((col.clone(), parent.clone(), ppk.clone(), share));
                break;
            }
        }
    }
    Ok(())
}

/// A TOML string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn toml_list(items: &[String]) -> String {
    let v: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", v.join(", "))
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        s.to_owned()
    } else {
        toml_str(s)
    }
}

/// Writes the starting configuration's text for the folder `dir`, and a summary for people.
pub fn init(dir: &Path, progress: &dyn Progress) -> Result<(String, String)> {
    let files = dump_files(dir)?;
    if files.is_empty() {
        return Err(Error::usage(format!(
            "{}: no CSV or Parquet file in this folder",
            dir.display()
        ))
        .with_hint("init reads *.csv (also .gz, .zst), *.tsv and *.parquet files"));
    }
    let mut guesses = Vec::new();
    for f in &files {
        guesses.push(guess_table(f, dir, progress)?);
    }
    let mut names: Vec<&str> = guesses.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(Error::usage(format!(
            "{}: two files make a table named \"{}\"",
            dir.display(),
            w[0]
        ))
        .with_hint("keep one file per table in the folder"));
    }
    guess_foreign_keys(&mut guesses)?;

    let mut out = String::new();
    out.push_str(&format!(
        "# dupsweep.toml for {} tables, written by `dupsweep init` {}: review every guess\n",
        guesses.len(),
        env!("CARGO_PKG_VERSION")
    ));
    out.push_str("# (the comments say why), then: dupsweep run dupsweep.toml --out cleaned\n");
    out.push_str(
        "# Each [tables.NAME] takes the command-line options' long names (pk, key, ignore,\n",
    );
    out.push_str(
        "# keep, delimiter, null, fuzzy, ...); foreign-keys = { COLUMN = \"TABLE.COLUMN\" }.\n\n",
    );
    out.push_str("[defaults]\ndialect = [\"postgres\", \"mysql\", \"sqlite\"]\n");
    let mut summary = String::new();
    for g in &guesses {
        out.push('\n');
        out.push_str(&format!(
            "# {}: {} rows, columns {}\n",
            g.file,
            g.table.rows(),
            g.table.columns.join(", ")
        ));
        out.push_str(&format!("# primary key: {}\n", g.why_pk));
        if !g.ignore.is_empty() {
            out.push_str(&format!(
                "# left out of the duplicate key (they record when a row changed): {}\n",
                g.ignore.join(", ")
            ));
        }
        for n in &g.notes {
            out.push_str(&format!("# note: {n}\n"));
        }
        out.push_str(&format!("[tables.{}]\n", toml_key(&g.name)));
        out.push_str(&format!("file = {}\n", toml_str(&g.file)));
        if let Some(pk) = &g.pk {
            out.push_str(&format!("pk = {}\n", toml_list(std::slice::from_ref(pk))));
        }
        if !g.ignore.is_empty() {
            out.push_str(&format!("ignore = {}\n", toml_list(&g.ignore)));
        }
        if let Some(k) = &g.keep {
            out.push_str(&format!("keep = {}  # the newest row stays\n", toml_str(k)));
        }
        if !g.fks.is_empty() {
            let parts: Vec<String> = g
                .fks
                .iter()
                .map(|(c, t, p, _)| format!("{} = {}", toml_key(c), toml_str(&format!("{t}.{p}"))))
                .collect();
            let why: Vec<String> = g
                .fks
                .iter()
                .map(|(c, t, p, s)| format!("{c}: {:.1}% of its values are in {t}.{p}", s * 100.0))
                .collect();
            out.push_str(&format!("# {}\n", why.join("; ")));
            out.push_str("# the duplicate key is every column but the primary key; when the table has a natural\n# key (a unique constraint, e.g. key = [\"student_id\", \"course_id\"]), set it: after\n# re-pointing, rows equal on it are duplicates\n");
            out.push_str(&format!("foreign-keys = {{ {} }}\n", parts.join(", ")));
        }
        summary.push_str(&format!(
            "{}: {} rows; primary key {}; {}{}\n",
            g.name,
            g.table.rows(),
            g.pk.as_deref().unwrap_or("none"),
            if g.fks.is_empty() {
                "no foreign key".to_owned()
            } else {
                let f: Vec<String> = g
                    .fks
                    .iter()
                    .map(|(c, t, p, _)| format!("{c} → {t}.{p}"))
                    .collect();
                format!("foreign keys {}", f.join(", "))
            },
            if g.ignore.is_empty() {
                String::new()
            } else {
                format!("; ignoring {}", g.ignore.join(", "))
            }
        ));
    }
    // the file must read back as a dump, or init wrote something wrong
    let config = dir.join("dupsweep.toml");
    let parsed: DumpFile = crate::config::file::parse_as(&config, &out)?;
    crate::config::dump::resolve(parsed, &config, Layer::default())?;
    Ok((out, summary))
}
