//! Configuration: one all-`Option` [`Layer`] that command-line flags (and, later, a TOML file)
//! fill in, merged field by field over the defaults and resolved into a [`Job`] with no `Option`
//! left. Stages receive the `Job`; they never see clap types.

pub mod defaults;
pub mod dump;
pub mod file;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::detect::fuzzy::roles::Role;
use crate::error::{quoted_list, Error, Result};
pub use crate::ingest::CsvOptions;

/// One layer of settings; `None` means "not said here".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layer {
    #[serde(alias = "file")]
    pub input: Option<PathBuf>,
    pub table: Option<String>,
    pub pk: Option<Vec<String>>,
    pub key: Option<Vec<String>>,
    pub ignore: Option<Vec<String>>,
    pub keep: Option<String>,
    pub guard: Option<String>,
    pub dialect: Option<Vec<String>>,
    pub out: Option<PathBuf>,
    pub delimiter: Option<String>,
    pub null: Option<Vec<String>>,
    /// What the input file is: `auto` (from its content), `csv`, `pg-copy`, `mysql-tab`.
    pub format: Option<String>,
    /// The column names of an input without a header line.
    pub columns: Option<Vec<String>>,
    pub batch_size: Option<usize>,
    /// `end` (one transaction) or `batch` (each batch commits on its own).
    pub commit: Option<String>,
    /// Seconds between two batches' commits (`commit = "batch"`).
    pub pause: Option<f64>,
    /// Fuzzy matching on top of exact duplicates.
    pub fuzzy: Option<bool>,
    pub threshold: Option<f64>,
    pub review_threshold: Option<f64>,
    /// The chaining guard's floor (fuzzy).
    pub group_floor: Option<f64>,
    /// Blocking rules (fuzzy), replacing the automatic ones.
    pub block: Option<Vec<String>>,
    /// Column roles (fuzzy), `COLUMN=ROLE`, replacing the inferred ones.
    pub role: Option<Vec<String>>,
    pub max_pairs: Option<u64>,
    pub max_group: Option<usize>,
    /// A person's same/different decisions on pairs (fuzzy): a CSV file, e.g. `T.review.csv`
    /// with its `decision` column filled in.
    pub decisions: Option<PathBuf>,
    /// `eval`: the ground-truth entity column.
    pub truth: Option<String>,
    /// Also write the DDL that keeps the duplicates from coming back (unique indexes).
    pub prevent: Option<bool>,
    /// Also write `T.groups.csv`: every group's records, the survivor first.
    pub groups: Option<bool>,
    /// Whole dumps: `COLUMN = "TABLE.COLUMN"`, the table's foreign keys.
    pub foreign_keys: Option<std::collections::BTreeMap<String, String>>,
    /// `auto`, `stream`, `memory`, `datafusion` or `ballista`.
    pub engine: Option<String>,
    /// `--engine ballista`: the scheduler of the Ballista cluster, `df://HOST:PORT`.
    pub cluster: Option<String>,
    /// The memory the run may use, e.g. `2G`.
    pub memory_limit: Option<String>,
}

impl Layer {
    /// `self` over `under`, field by field.
    pub fn over(self, under: Layer) -> Layer {
        Layer {
            input: self.input.or(under.input),
            table: self.table.or(under.table),
            pk: self.pk.or(under.pk),
            key: self.key.or(under.key),
            ignore: self.ignore.or(under.ignore),
            keep: self.keep.or(under.keep),
            guard: self.guard.or(under.guard),
            dialect: self.dialect.or(under.dialect),
            out: self.out.or(under.out),
            delimiter: self.delimiter.or(under.delimiter),
            null: self.null.or(under.null),
            format: self.format.or(under.format),
            columns: self.columns.or(under.columns),
            batch_size: self.batch_size.or(under.batch_size),
            commit: self.commit.or(under.commit),
            pause: self.pause.or(under.pause),
            fuzzy: self.fuzzy.or(under.fuzzy),
            threshold: self.threshold.or(under.threshold),
            review_threshold: self.review_threshold.or(under.review_threshold),
            group_floor: self.group_floor.or(under.group_floor),
            block: self.block.or(under.block),
            role: self.role.or(under.role),
            max_pairs: self.max_pairs.or(under.max_pairs),
            max_group: self.max_group.or(under.max_group),
            decisions: self.decisions.or(under.decisions),
            truth: self.truth.or(under.truth),
            prevent: self.prevent.or(under.prevent),
            groups: self.groups.or(under.groups),
            foreign_keys: self.foreign_keys.or(under.foreign_keys),
            engine: self.engine.or(under.engine),
            cluster: self.cluster.or(under.cluster),
            memory_limit: self.memory_limit.or(under.memory_limit),
        }
    }
}

/// Which record of a group survives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum KeepRule {
    First,
    Last,
    Min(String),
    Max(String),
    MostComplete,
}

impl KeepRule {
    pub fn parse(s: &str) -> Result<KeepRule> {
        let rule = match s {
            "first" => KeepRule::First,
            "last" => KeepRule::Last,
            "most-complete" => KeepRule::MostComplete,
            _ => match s.split_once(':') {
                Some(("min", col)) if !col.is_empty() => KeepRule::Min(col.to_owned()),
                Some(("max", col)) if !col.is_empty() => KeepRule::Max(col.to_owned()),
                _ => {
                    return Err(Error::usage(format!("--keep \"{s}\" is not a rule"))
                        .with_hint("use first, last, min:COLUMN, max:COLUMN or most-complete"))
                }
            },
        };
        Ok(rule)
    }
    pub fn column(&self) -> Option<&str> {
        match self {
            KeepRule::Min(c) | KeepRule::Max(c) => Some(c),
            _ => None,
        }
    }
}

impl std::fmt::Display for KeepRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeepRule::First => f.write_str("first"),
            KeepRule::Last => f.write_str("last"),
            KeepRule::Min(c) => write!(f, "min:{c}"),
            KeepRule::Max(c) => write!(f, "max:{c}"),
            KeepRule::MostComplete => f.write_str("most-complete"),
        }
    }
}

/// Which columns the SQL guards compare before deleting a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Guard {
    /// Every column must still hold its dumped value.
    All,
    /// Only the primary key and key columns.
    Key,
}

/// The SQL dialects scripts are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DialectName {
    Postgres,
    Mysql,
    Sqlite,
}

impl DialectName {
    pub fn parse(s: &str) -> Result<DialectName> {
        match s.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" | "pg" => Ok(DialectName::Postgres),
            "mysql" | "mariadb" => Ok(DialectName::Mysql),
            "sqlite" | "sqlite3" => Ok(DialectName::Sqlite),
            _ => Err(Error::usage(format!("--dialect \"{s}\" is not supported"))
                .with_hint("use postgres, mysql (also for MariaDB) or sqlite")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            DialectName::Postgres => "postgres",
            DialectName::Mysql => "mysql",
            DialectName::Sqlite => "sqlite",
        }
    }
}

/// Which columns make two records duplicates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeySpec {
    /// Exactly these columns.
    Columns(Vec<String>),
    /// Every column but the primary key and these.
    AllExcept(Vec<String>),
}

pub use crate::detect::fuzzy::FuzzyOptions;

/// A fully resolved job: everything a run needs, nothing optional.
#[derive(Debug, Clone, Serialize)]
pub struct Job {
    pub input: PathBuf,
    pub table: Option<String>,
    pub pk: Vec<String>,
    pub key: KeySpec,
    pub keep: KeepRule,
    pub guard: Guard,
    pub dialects: Vec<DialectName>,
    pub out: PathBuf,
    #[serde(skip)]
    pub csv: CsvOptions,
    pub delimiter: Option<String>,
    pub null: Vec<String>,
    pub batch_size: usize,
    pub batch_bytes: usize,
    /// When the change script commits (`--commit`).
    pub commit: Commit,
    /// Seconds between two batches (`--pause`, with `--commit batch`).
    pub pause: f64,
    /// Present when fuzzy matching is on.
    pub fuzzy: Option<FuzzyOptions>,
    /// `eval`: the ground-truth entity column (never used for matching).
    pub truth: Option<String>,
    /// Write the prevention DDL (`--prevent`).
    pub prevent: bool,
    /// Write `T.groups.csv` (`--groups`).
    pub groups: bool,
    /// How the dump is read (`--engine`); never changes an output.
    pub engine: Engine,
    /// `--engine ballista`: the cluster's scheduler, `df://HOST:PORT` (`--cluster`).
    pub cluster: Option<String>,
    /// The memory the run may use, in bytes (`--memory-limit`).
    pub memory_limit: u64,
    /// The Parquet streaming engine reads the grouped records into its lean table whatever the
    /// limit (`DUPSWEEP_PARQUET_LEAN=1`, as `POLARS_FORCE_OOC` forces Polars' out-of-core path):
    /// for the tests, which compare its outputs with the in-memory engine's on files too small
    /// to need it, and for trying it. Never changes an output.
    #[serde(skip)]
    pub force_lean: bool,
    /// `eval --misses`: where the pairs it counts wrong are listed (a command-line option only).
    #[serde(skip)]
    pub misses: Option<PathBuf>,
    /// The settings that made this job, as `report.json` records them for `dupsweep report`
    /// to run the job again: its paths absolute, without what never changes an output (the
    /// output folder, the engine, the memory limit).
    #[serde(skip)]
    pub settings: Layer,
}

/// When a change script commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Commit {
    /// Once, at the end: every batch or none.
    End,
    /// After each batch (a live system's locks last one batch); the script resumes when rerun.
    Batch,
}

/// How a dump is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Engine {
    /// The streaming engine where it applies (exact duplicates in a CSV or Parquet file), else in memory.
    Auto,
    /// Two passes over the file; only the records in groups are held.
    Stream,
    /// The whole table in memory.
    Memory,
    /// Exact duplicates in a Parquet file: Apache DataFusion finds the grouped records (its
    /// sorts and aggregates spill to disk), the streaming engine's last passes write the files.
    #[serde(rename = "datafusion")]
    DataFusion,
    /// [`Engine::DataFusion`]'s queries run on an Apache DataFusion Ballista cluster
    /// (`--cluster df://HOST:PORT`), whose executors read the file at the same path.
    Ballista,
}

impl Engine {
    pub fn parse(s: &str) -> Result<Engine> {
        match s {
            "auto" => Ok(Engine::Auto),
            "stream" => Ok(Engine::Stream),
            "memory" => Ok(Engine::Memory),
            "datafusion" => Ok(Engine::DataFusion),
            "ballista" => Ok(Engine::Ballista),
            _ => Err(Error::usage(format!("--engine \"{s}\" is not an engine"))
                .with_hint("use auto, stream, memory, datafusion or ballista")),
        }
    }
}

/// A Ballista scheduler's address as `--cluster` gives it: `df://HOST:PORT` (the port may be
/// left out: Ballista's 50050), checked, returned as given.
pub fn parse_cluster(s: &str) -> Result<String> {
    s.strip_prefix("df://")
        .and_then(split_host_port)
        .map(|_| s.to_owned())
        .ok_or_else(|| {
            Error::usage(format!("--cluster \"{s}\" is not a scheduler's address"))
                .with_hint("write it as df://HOST:PORT, e.g. df://10.0.0.5:50050")
        })
}

/// `HOST:PORT` split: a name (letters, digits, `-`, `.`, `_`), an IPv4 address or a bracketed
/// IPv6 one, and a port from 1 to 65535 or none; `None` when `s` is not one.
pub(crate) fn split_host_port(s: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match s.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6.split_once(']')?;
            if addr.is_empty() || !addr.chars().all(|c| c.is_ascii_hexdigit() || c == ':') {
                return None;
            }
            match after {
                "" => (addr, None),
                _ => (addr, Some(after.strip_prefix(':')?)),
            }
        }
        None => {
            let (host, port) = match s.split_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (s, None),
            };
            let name = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
            if host.is_empty() || !host.chars().all(name) {
                return None;
            }
            (host, port)
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p > 0)?),
        None => None,
    };
    Some((host, port))
}

/// A size such as `512M`, `2G`, `1.5GiB` or a number of bytes.
pub fn parse_size(s: &str) -> Result<u64> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => 0,
    };
    match num.parse::<f64>() {
        Ok(n) if mult > 0 && n.is_finite() && n > 0.0 => Ok((n * mult as f64) as u64),
        _ => Err(
            Error::usage(format!("--memory-limit \"{s}\" is not a size"))
                .with_hint("e.g. --memory-limit 2G or --memory-limit 512M"),
        ),
    }
}

/// The default `--memory-limit`: a quarter of the machine's memory (2 GiB when it cannot be
/// read).
pub fn default_memory_limit() -> u64 {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        m.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
    });
    total.map_or(2 << 30, |t| t / 4)
}

fn parse_delimiter(s: &str) -> Result<u8> {
    let b = match s {
        "tab" | "TAB" | "\\t" | "\t" => b'\t',
        _ if s.len() == 1 && s.is_ascii() => s.as_bytes()[0],
        _ => {
            return Err(
                Error::usage(format!("--delimiter \"{s}\" is not one ASCII character"))
                    .with_hint("use e.g. --delimiter ';' or --delimiter tab"),
            )
        }
    };
    if matches!(b, b'"' | b'\n' | b'\r') {
        return Err(Error::usage(format!(
            "--delimiter cannot be {}",
            crate::ingest::csv::describe_byte(b)
        )));
    }
    Ok(b)
}

fn clean_names(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

impl Layer {
    /// The fuzzy-matching options, checked; `None` without `fuzzy` (and then an error if any
    /// fuzzy option is set).
    fn fuzzy_options(&self) -> Result<Option<FuzzyOptions>> {
        let fuzzy_flags = self.threshold.is_some()
            || self.review_threshold.is_some()
            || self.group_floor.is_some()
            || self.block.is_some()
            || self.role.is_some()
            || self.max_pairs.is_some()
            || self.max_group.is_some()
            || self.decisions.is_some();
        if self.fuzzy.unwrap_or(false) {
            let threshold = self.threshold.unwrap_or(defaults::THRESHOLD);
            let review_threshold = self.review_threshold.unwrap_or(defaults::REVIEW_THRESHOLD);
            let group_floor = self.group_floor.unwrap_or(defaults::GROUP_FLOOR);
            for (flag, v) in [
                ("--threshold", threshold),
                ("--review-threshold", review_threshold),
                ("--group-floor", group_floor),
            ] {
                if !(v > 0.0 && v < 1.0) {
                    return Err(Error::usage(format!(
                        "{flag} must be a probability between 0 and 1 (exclusive), not {v}"
                    )));
                }
            }
            if review_threshold > threshold {
                return Err(Error::usage(format!(
                    "--review-threshold ({review_threshold}) is above --threshold ({threshold})"
                ))
                .with_hint("pairs between the two go to the review file: the review threshold must be the lower one"));
            }
            if group_floor > threshold {
                return Err(Error::usage(format!(
                    "--group-floor ({group_floor}) is above --threshold ({threshold})"
                ))
                .with_hint("every member of a group matches every other at least at the floor, and some member above the threshold: the floor must be the lower one"));
            }
            let mut roles = Vec::new();
            for r in self.role.iter().flatten() {
                let Some((col, role)) = r.split_once('=') else {
                    return Err(Error::usage(format!("--role \"{r}\" is not COLUMN=ROLE")));
                };
                let Some(role) = crate::detect::fuzzy::roles::Role::parse(role.trim()) else {
                    let names: Vec<&str> = crate::detect::fuzzy::roles::Role::ALL
                        .iter()
                        .map(|r| r.name())
                        .collect();
                    return Err(Error::usage(format!(
                        "--role \"{r}\": \"{}\" is not a role",
                        role.trim()
                    ))
                    .with_hint(crate::error::unknown_hint(
                        role.trim(),
                        &names,
                        "roles",
                    )));
                };
                roles.push((col.trim().to_owned(), role));
            }
            let max_group = self.max_group.unwrap_or(defaults::MAX_GROUP);
            if max_group < 2 {
                return Err(Error::usage("--max-group must be at least 2"));
            }
            Ok(Some(FuzzyOptions {
                threshold,
                review_threshold,
                group_floor,
                block: self.block.clone().unwrap_or_default(),
                roles,
                max_pairs: self.max_pairs,
                max_group,
                decisions: match &self.decisions {
                    Some(path) => Some(crate::detect::fuzzy::decisions::read(path)?),
                    None => None,
                },
            }))
        } else {
            if fuzzy_flags {
                return Err(Error::usage(
                    "--threshold, --review-threshold, --group-floor, --block, --role, --max-pairs, --max-group and --decisions need --fuzzy",
                ));
            }
            Ok(None)
        }
    }

    /// Merges over the defaults and checks the settings as a whole.
    pub fn resolve(self) -> Result<Job> {
        let absolute = |p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        };
        // a stream copied to a temporary file is recorded by the name it was given ("-")
        let input_shown = self.input.as_ref().map(|p| crate::error::shown(p));
        let settings = Layer {
            input: match (&self.input, &input_shown) {
                (Some(p), Some(s)) if s != p => Some(s.clone()),
                _ => absolute(&self.input),
            },
            decisions: absolute(&self.decisions),
            out: None,
            engine: None,
            cluster: None,
            memory_limit: None,
            ..self.clone()
        };
        // checked here, reported in its turn below
        let fuzzy = self.fuzzy_options();
        let input = self
            .input
            .ok_or_else(|| Error::usage("no input file given"))?;
        refuse_streams(&input)?;
        if self.foreign_keys.is_some() {
            return Err(Error::usage(
                "foreign-keys belong to a whole dump's configuration ([tables.NAME] sections)",
            )
            .with_hint(
                "describe every table in dupsweep.toml and run `dupsweep run dupsweep.toml`",
            ));
        }
        let pk = clean_names(self.pk.unwrap_or_default());
        let key = match (self.key, self.ignore) {
            (Some(_), Some(_)) => {
                return Err(Error::usage("--key and --ignore cannot be used together")
                    .with_hint("--key lists the columns to compare; --ignore removes columns from the default (every column but the --pk columns)"))
            }
            (Some(k), None) => {
                let k = clean_names(k);
                if k.is_empty() {
                    return Err(Error::usage("--key names no column"));
                }
                KeySpec::Columns(k)
            }
            (None, ignore) => KeySpec::AllExcept(clean_names(ignore.unwrap_or_default())),
        };
        let keep = KeepRule::parse(self.keep.as_deref().unwrap_or(defaults::KEEP))?;
        let guard = match self.guard.as_deref().unwrap_or(defaults::GUARD) {
            "all" => Guard::All,
            "key" => Guard::Key,
            other => {
                return Err(Error::usage(format!("--guard \"{other}\" is not a guard"))
                    .with_hint("use all (every column must be unchanged) or key"))
            }
        };
        let input_format = match self.format.as_deref() {
            None | Some("auto") => crate::ingest::csv::InputFormat::Auto,
            Some("csv") => crate::ingest::csv::InputFormat::Csv,
            Some("pg-copy") => crate::ingest::csv::InputFormat::PgCopy,
            Some("mysql-tab") => crate::ingest::csv::InputFormat::MysqlTab,
            Some(other) => {
                return Err(
                    Error::usage(format!("--format \"{other}\" is not a format")).with_hint(
                        crate::error::unknown_hint(
                            other,
                            &["auto", "csv", "pg-copy", "mysql-tab"],
                            "formats",
                        ),
                    ),
                )
            }
        };
        // a MySQL dump's scripts are for MySQL/MariaDB unless --dialect says otherwise
        let mysql = crate::ingest::sql_dump(&input) == Some(crate::ingest::sniff::SqlDump::Mysql)
            || input_format == crate::ingest::csv::InputFormat::MysqlTab
            || (input_format == crate::ingest::csv::InputFormat::Auto
                && crate::ingest::textrows::mysql_tab_columns(&input).is_some());
        let default_dialects = if mysql {
            defaults::MYSQLDUMP_DIALECTS
        } else {
            defaults::DIALECTS
        };
        let mut dialects = self
            .dialect
            .unwrap_or_else(|| default_dialects.iter().map(|s| s.to_string()).collect())
            .iter()
            .flat_map(|s| s.split(','))
            .map(|s| DialectName::parse(s.trim()))
            .collect::<Result<Vec<_>>>()?;
        dialects.sort();
        dialects.dedup();
        let batch_size = self.batch_size.unwrap_or(defaults::BATCH_SIZE);
        if batch_size == 0 {
            return Err(Error::usage("--batch-size must be at least 1"));
        }
        let commit = match self.commit.as_deref().unwrap_or(defaults::COMMIT) {
            "end" => Commit::End,
            "batch" => Commit::Batch,
            other => {
                return Err(
                    Error::usage(format!("--commit \"{other}\" is not a choice")).with_hint(
                        "use end (one transaction) or batch (a commit after each batch)",
                    ),
                )
            }
        };
        let pause = self.pause.unwrap_or(0.0);
        if !(0.0..=86_400.0).contains(&pause) {
            return Err(Error::usage("--pause must be between 0 and 86400 seconds"));
        }
        if pause > 0.0 && commit == Commit::End {
            return Err(Error::usage("--pause needs --commit batch")
                .with_hint("a pause inside one transaction would hold its locks longer"));
        }
        let delimiter_byte = self.delimiter.as_deref().map(parse_delimiter).transpose()?;
        let null = self.null.unwrap_or_default();
        if let Some(t) = &self.table {
            if t.is_empty() || t.contains('\0') {
                return Err(Error::usage(
                    "--table must be a non-empty name without NUL bytes",
                ));
            }
        }
        let fuzzy = fuzzy?;
        let engine = Engine::parse(self.engine.as_deref().unwrap_or("auto"))?;
        let cluster = match (engine, self.cluster) {
            (Engine::Ballista, Some(url)) => Some(parse_cluster(&url)?),
            (Engine::Ballista, None) => {
                return Err(
                    Error::usage("--engine ballista needs --cluster df://HOST:PORT")
                        .with_hint("the address of a running `dupsweep cluster scheduler`"),
                )
            }
            (_, Some(_)) => {
                return Err(Error::usage("--cluster is for --engine ballista")
                    .with_hint("add --engine ballista, or leave --cluster out"))
            }
            (_, None) => None,
        };
        let memory_limit = match &self.memory_limit {
            Some(s) => parse_size(s)?,
            None => default_memory_limit(),
        };
        Ok(Job {
            engine,
            cluster,
            memory_limit,
            force_lean: std::env::var_os("DUPSWEEP_PARQUET_LEAN").is_some_and(|v| v == "1"),
            misses: None,
            prevent: self.prevent.unwrap_or(false),
            groups: self.groups.unwrap_or(false),
            fuzzy,
            truth: self.truth,
            input,
            table: self.table,
            pk,
            key,
            keep,
            guard,
            dialects,
            out: self.out.unwrap_or_else(|| PathBuf::from(defaults::OUT_DIR)),
            csv: CsvOptions {
                delimiter: delimiter_byte,
                null_markers: null.clone(),
                format: input_format,
                columns: self.columns.clone(),
            },
            delimiter: self.delimiter,
            null,
            batch_size,
            batch_bytes: defaults::BATCH_BYTES,
            commit,
            pause,
            settings,
        })
    }
}

/// Standard input (`-`), a pipe or a named pipe as the input: refused with a clear error. The
/// engines read a file more than once (a second open of a pipe starts mid-stream, and opening
/// a named pipe nobody writes to waits forever), so they need a regular file.
fn refuse_streams(input: &std::path::Path) -> Result<()> {
    let stream = input.as_os_str() == "-"
        || std::fs::metadata(input).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if stream {
        return Err(Error::usage(format!(
            "{} is standard input or a pipe: dupsweep reads a regular file (several times)",
            input.display()
        ))
        .with_hint("write the stream to a file first, e.g. `cat dump.csv > t.csv` or `pg_dump … > t.csv`, then give that file"));
    }
    Ok(())
}

impl Job {
    /// The key columns for a table with these columns, checked: every named column exists.
    pub fn key_columns(&self, path: &std::path::Path, columns: &[String]) -> Result<Vec<String>> {
        let check = |flag: &str, names: &[String]| -> Result<()> {
            for n in names {
                if !columns.contains(n) {
                    return Err(Error::data(
                        crate::error::Location::file(path),
                        format!("{flag} column \"{n}\" does not exist"),
                    )
                    .with_hint(crate::error::unknown_hint(n, columns, "columns")));
                }
            }
            Ok(())
        };
        check("--pk", &self.pk)?;
        if let Some(c) = self.keep.column() {
            check("--keep", &[c.to_owned()])?;
        }
        if let Some(t) = &self.truth {
            check("--truth", std::slice::from_ref(t))?;
        }
        let truth = self.truth.as_deref();
        let key: Vec<String> = match &self.key {
            KeySpec::Columns(k) => {
                check("--key", k)?;
                if let Some(t) = truth.filter(|t| k.iter().any(|c| c == t)) {
                    return Err(Error::usage(format!(
                        "the --truth column \"{t}\" cannot be a --key column: it is never used for matching"
                    )));
                }
                let mut seen = std::collections::HashSet::new();
                k.iter().filter(|c| seen.insert(*c)).cloned().collect()
            }
            KeySpec::AllExcept(ignore) => {
                check("--ignore", ignore)?;
                columns
                    .iter()
                    .filter(|c| {
                        !self.pk.contains(c) && !ignore.contains(c) && Some(c.as_str()) != truth
                    })
                    .cloned()
                    .collect()
            }
        };
        if key.is_empty() {
            return Err(
                Error::usage("no column is left to compare: the key is empty").with_hint(format!(
                    "name the columns that make rows duplicates with --key (the columns are {})",
                    quoted_list(columns)
                )),
            );
        }
        Ok(key)
    }

    /// The options as one line, for script headers.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.pk.is_empty() {
            parts.push(format!("--pk {}", self.pk.join(",")));
        }
        match &self.key {
            KeySpec::Columns(k) => parts.push(format!("--key {}", k.join(","))),
            KeySpec::AllExcept(i) if !i.is_empty() => {
                parts.push(format!("--ignore {}", i.join(",")))
            }
            KeySpec::AllExcept(_) => {}
        }
        parts.push(format!("--keep {}", self.keep));
        parts.push(format!(
            "--guard {}",
            match self.guard {
                Guard::All => "all",
                Guard::Key => "key",
            }
        ));
        parts.push(format!("--batch-size {}", self.batch_size));
        if self.commit == Commit::Batch {
            parts.push("--commit batch".into());
            if self.pause > 0.0 {
                parts.push(format!("--pause {}", self.pause));
            }
        }
        for n in &self.null {
            parts.push(format!("--null {n:?}"));
        }
        if let Some(f) = &self.fuzzy {
            parts.push(format!(
                "--fuzzy --threshold {} --review-threshold {} --group-floor {}",
                f.threshold, f.review_threshold, f.group_floor
            ));
            for b in &f.block {
                parts.push(format!("--block {b:?}"));
            }
            for (c, r) in &f.roles {
                parts.push(format!("--role {c}={}", r.name()));
            }
        }
        parts.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_lower_layers() {
        let flags = Layer {
            keep: Some("last".into()),
            ..Default::default()
        };
        let file = Layer {
            keep: Some("first".into()),
            batch_size: Some(5),
            ..Default::default()
        };
        let merged = flags.over(file);
        assert_eq!(merged.keep.as_deref(), Some("last"));
        assert_eq!(merged.batch_size, Some(5));
    }

    #[test]
    fn keep_rules_parse() {
        assert_eq!(
            KeepRule::parse("max:updated_at").unwrap(),
            KeepRule::Max("updated_at".into())
        );
        assert_eq!(
            KeepRule::parse("most-complete").unwrap(),
            KeepRule::MostComplete
        );
        let e = KeepRule::parse("newest").unwrap_err();
        assert!(e.render().contains("min:COLUMN"), "{}", e.render());
    }

    #[test]
    fn key_and_ignore_exclude_each_other() {
        let l = Layer {
            input: Some("x.csv".into()),
            key: Some(vec!["a".into()]),
            ignore: Some(vec!["b".into()]),
            ..Default::default()
        };
        assert!(l.resolve().is_err());
    }
}
