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
    /// The primary key's columns (none: a table without one).
    pk: Vec<String>,
    why_pk: String,
    ignore: Vec<String>,
    keep: Option<String>,
    /// (column, parent table, parent column, share of values found)
    fks: Vec<(String, String, String, f64)>,
    /// The columns of `fks` that the dump declares foreign keys.
    declared_fks: Vec<String>,
    notes: Vec<String>,
}

/// Files `init` reads: CSV (possibly compressed), Parquet and `--tab` exports, not dupsweep's
/// own outputs.
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
            .any(|e| n.ends_with(e))
                // a mysqldump --tab export: T.txt beside the T.sql of its CREATE TABLE
                || crate::ingest::textrows::mysql_tab_columns(p).is_some();
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

/// What `init` guesses of the table in `path` (`in_dump`: which table of a PostgreSQL dump,
/// and the primary key it declares).
fn guess_table(
    path: &Path,
    dir: &Path,
    in_dump: Option<(&str, Option<&[String]>)>,
    progress: &dyn Progress,
) -> Result<Guess> {
    let table = ingest::read(path, in_dump.map(|d| d.0), &CsvOptions::default(), progress)?;
    guess_of(table, path, dir, in_dump.and_then(|d| d.1))
}

/// What `init` guesses of `table`, read from `path` (`declared`: the primary key a dump
/// declares for it).
fn guess_of(table: Table, path: &Path, dir: &Path, declared: Option<&[String]>) -> Result<Guess> {
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
    if let Some(declared) = declared {
        return Ok(Guess {
            why_pk: format!("declared in the dump ({})", declared.join(", ")),
            pk: declared.to_vec(),
            ..finish_guess(name, file, table, None, String::new())
        });
    }
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
    Ok(finish_guess(name, file, table, pk, why_pk))
}

/// A table's guess once its primary key is known: the columns left out of the duplicate key
/// and the keep rule.
fn finish_guess(
    name: String,
    file: String,
    table: Table,
    pk: Option<String>,
    why_pk: String,
) -> Guess {
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
    Guess {
        name,
        file,
        table,
        pk: pk.into_iter().collect(),
        why_pk,
        ignore,
        keep,
        fks: Vec::new(),
        declared_fks: Vec::new(),
        notes: Vec::new(),
    }
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
        if let [pk] = &g.pk[..] {
            let text = detect::text_columns(&g.table, std::slice::from_ref(pk))?;
            let keys: std::collections::HashSet<String> =
                text[0].iter().flatten().map(str::to_owned).collect();
            parents.push((g.name.clone(), pk.clone(), keys));
        }
    }
    // child → parent edges taken so far: an edge that would close a cycle is left out
    let mut edges: Vec<(String, String)> = guesses
        .iter()
        .flat_map(|g| g.fks.iter().map(|f| (g.name.clone(), f.1.clone())))
        .collect();
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
            // a primary key's column, or a foreign key the dump declares
            if g.pk.contains(&col) || g.fks.iter().any(|f| f.0 == col) {
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
                if g.pk.is_empty() {
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

/// Where `init` writes the configuration for `input` (a folder, or a PostgreSQL dump): in
/// the folder, or beside the dump.
pub fn config_path(input: &Path) -> std::path::PathBuf {
    if input.is_file() {
        input
            .parent()
            .unwrap_or(Path::new("."))
            .join("dupsweep.toml")
    } else {
        input.join("dupsweep.toml")
    }
}

/// The guesses for every table of the PostgreSQL dump at `path` (in the default schema): its
/// declared primary keys and foreign keys are taken as they are.
fn guess_sql_dump(path: &Path, dir: &Path, progress: &dyn Progress) -> Result<Vec<Guess>> {
    use crate::ingest::pgdump::Declared;
    use crate::ingest::sniff::SqlDump;
    let Some(kind) = ingest::sql_dump(path) else {
        return Err(Error::usage(format!(
            "{}: init reads a folder of tables, a PostgreSQL dump (pg_dump's plain format) or a mysqldump file",
            path.display()
        ))
        .with_hint("give the folder the table files are in"));
    };
    if kind == SqlDump::Postgres {
        return guess_pg_dump(path, dir, progress);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, "cannot read the input", e))?;
    let compression = ingest::sniff::compression(&bytes);
    let data = ingest::csv::decompress(path, bytes, compression)?;
    // (schema, name, the name --table takes) of each mysqldump table with rows, and the
    // declared keys
    let blocks: Vec<(Option<String>, String, String)> =
        crate::ingest::mysqldump::tables(path, &data)?
            .into_iter()
            .filter(|t| !t.inserts.is_empty())
            .map(|t| (None, t.name.clone(), t.name))
            .collect();
    let declared: Vec<Declared> = crate::ingest::mysqldump::declared(&data);
    drop(data);
    let public = |t: &(Option<String>, String)| t.0.as_deref().unwrap_or("public") == "public";
    let mut guesses = Vec::new();
    for (schema, name, given) in &blocks {
        let me = (schema.clone(), name.clone());
        if !public(&me) {
            continue;
        }
        let pk = declared.iter().find_map(|d| match d {
            Declared::PrimaryKey { table, columns } if *table == me => Some(&columns[..]),
            _ => None,
        });
        guesses.push(guess_table(path, dir, Some((given, pk)), progress)?);
    }
    declared_foreign_keys(&mut guesses, &declared)?;
    Ok(guesses)
}

/// The guesses for the tables of a PostgreSQL dump (in the default schema), its declared keys
/// taken as they are: the dump is scanned once for its blocks and keys, then read once for
/// all its tables.
fn guess_pg_dump(path: &Path, dir: &Path, progress: &dyn Progress) -> Result<Vec<Guess>> {
    use crate::ingest::pgdump::{self, Declared};
    let (blocks, declared) = pgdump::scan(path, ingest::compression_of(path)?)?;
    let public: Vec<&pgdump::CopyBlock> = blocks
        .iter()
        .filter(|b| b.schema.as_deref().unwrap_or("public") == "public")
        .collect();
    let names: Vec<String> = public.iter().map(|b| b.qualified()).collect();
    let given: Vec<Option<&str>> = names.iter().map(|n| Some(n.as_str())).collect();
    let tables = ingest::read_dump_tables(path, &given, progress)?;
    let mut guesses = Vec::new();
    for (b, table) in public.iter().zip(tables) {
        let me = (b.schema.clone(), b.name.clone());
        let pk = declared.iter().find_map(|d| match d {
            Declared::PrimaryKey { table, columns } if *table == me => Some(&columns[..]),
            _ => None,
        });
        guesses.push(guess_of(table, path, dir, pk)?);
    }
    declared_foreign_keys(&mut guesses, &declared)?;
    Ok(guesses)
}

/// Sets the foreign keys a dump declares (one column, to a parent's one-column primary key,
/// both in the default schema) on the guesses.
fn declared_foreign_keys(
    guesses: &mut [Guess],
    declared: &[crate::ingest::pgdump::Declared],
) -> Result<()> {
    use crate::ingest::pgdump::Declared;
    let public = |t: &(Option<String>, String)| t.0.as_deref().unwrap_or("public") == "public";
    for d in declared {
        let Declared::ForeignKey {
            table,
            columns,
            parent,
            parent_columns,
        } = d
        else {
            continue;
        };
        if !public(table) || !public(parent) {
            continue;
        }
        let (Some(p), [col], [pcol]) = (
            guesses.iter().find(|g| g.name == parent.1),
            &columns[..],
            &parent_columns[..],
        ) else {
            continue;
        };
        if p.pk[..] != [pcol.clone()] {
            continue;
        }
        let keys: std::collections::HashSet<String> =
            detect::text_columns(&p.table, std::slice::from_ref(pcol))?[0]
                .iter()
                .flatten()
                .map(str::to_owned)
                .collect();
        let parent_name = p.name.clone();
        let Some(g) = guesses.iter_mut().find(|g| g.name == table.1) else {
            continue;
        };
        if g.pk.is_empty() || g.fks.iter().any(|f| f.0 == *col) {
            continue;
        }
        let share = share_found(&g.table, col, &keys)?.unwrap_or(1.0);
        g.fks.push((col.clone(), parent_name, pcol.clone(), share));
        g.declared_fks.push(col.clone());
    }
    Ok(())
}

/// Writes the starting configuration's text for the folder `dir` (or the PostgreSQL dump),
/// and a summary for people.
pub fn init(dir: &Path, progress: &dyn Progress) -> Result<(String, String)> {
    let config = config_path(dir);
    let mut guesses = Vec::new();
    if dir.is_file() {
        let folder = config.parent().unwrap_or(Path::new("."));
        guesses = guess_sql_dump(dir, folder, progress)?;
        if guesses.is_empty() {
            return Err(Error::usage(format!(
                "{}: the dump holds no table data in the public schema",
                dir.display()
            )));
        }
    } else {
        let files = dump_files(dir)?;
        if files.is_empty() {
            return Err(Error::usage(format!(
                "{}: no CSV or Parquet file in this folder",
                dir.display()
            ))
            .with_hint("init reads *.csv (also .gz, .zst), *.tsv and *.parquet files, or a PostgreSQL dump"));
        }
        for f in &files {
            guesses.push(guess_table(f, dir, None, progress)?);
        }
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
    // a dump's values are its server's text (PostgreSQL's t/f for booleans): its scripts are
    // for its server
    let mysql = ingest::sql_dump(dir) == Some(ingest::sniff::SqlDump::Mysql);
    out.push_str(if mysql {
        "[defaults]\ndialect = [\"mysql\"]\n"
    } else if dir.is_file() {
        "[defaults]\ndialect = [\"postgres\"]\n"
    } else {
        "[defaults]\ndialect = [\"postgres\", \"mysql\", \"sqlite\"]\n"
    });
    let mut summary = String::new();
    for g in &guesses {
        out.push('\n');
        out.push_str(&format!(
            "# {}: {} rows, columns {}\n",
            match &g.table.source.format {
                crate::model::Format::PgDump { table, .. } => format!("{}, table {table}", g.file),
                crate::model::Format::MysqlDump { .. } => format!("{}, table {}", g.file, g.name),
                _ => g.file.clone(),
            },
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
        if !g.pk.is_empty() {
            out.push_str(&format!("pk = {}\n", toml_list(&g.pk)));
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
                .map(|(c, t, p, s)| {
                    let declared = if g.declared_fks.contains(c) {
                        " (declared in the dump)"
                    } else {
                        ""
                    };
                    format!(
                        "{c}{declared}: {:.1}% of its values are in {t}.{p}",
                        s * 100.0
                    )
                })
                .collect();
            out.push_str(&format!("# {}\n", why.join("; ")));
            out.push_str("# the duplicate key is every column but the primary key; when the table has a natural\n# key (a unique constraint, e.g. key = [\"student_id\", \"course_id\"]), set it: after\n# re-pointing, rows equal on it are duplicates\n");
            out.push_str(&format!("foreign-keys = {{ {} }}\n", parts.join(", ")));
        }
        summary.push_str(&format!(
            "{}: {} rows; primary key {}; {}{}\n",
            g.name,
            g.table.rows(),
            if g.pk.is_empty() {
                "none".to_owned()
            } else {
                g.pk.join(", ")
            },
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
    let parsed: DumpFile = crate::config::file::parse_as(&config, &out)?;
    crate::config::dump::resolve(parsed, &config, Layer::default())?;
    Ok((out, summary))
}
