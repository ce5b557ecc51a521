//! Command-line types (clap derive) and their conversion into a configuration [`Layer`]. No
//! logic beyond that: every value flag is an `Option`, defaults live in `config::defaults`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use dupsweep::Layer;

#[derive(Debug, Parser)]
#[command(
    name = "dupsweep",
    version,
    about = "Find and remove duplicate rows in database dumps (CSV, Parquet, pg_dump, mysqldump), and write the SQL that does the same on the live database",
    after_help = "Exit codes: 0 success (scan: no duplicates), 1 scan found duplicates, 2 usage, configuration or data error, 3 I/O error (a file could not be read or written, or another run is writing the output folder)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Cmd,
    /// How errors and the end of a run are logged on standard error: text, or json (one object per line, for scheduled jobs)
    #[arg(long, global = true, value_name = "text|json", default_value = "text")]
    pub log_format: LogFormat,
    /// Print nothing but the command's own output, warnings and errors: no progress, no summary
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log every stage (with its count and time) and every file written on standard error, on a terminal or not
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Colour in messages on standard error: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(
        long,
        global = true,
        value_name = "auto|always|never",
        default_value = "auto"
    )]
    pub color: ColorWhen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Remove duplicate rows: write the cleaned table, the removed rows, SQL scripts and a report
    #[command(after_help = "Examples:
  dupsweep clean students.csv --pk id
      rows equal in every column but id are duplicates; the first one in the file stays;
      writes dupsweep-out/students.cleaned.csv, students.removed.csv, students.postgres.sql,
      report.json
  dupsweep clean students.csv --pk id --ignore updated_at --keep max:updated_at --dialect mysql --dialect sqlite
      ignore updated_at when comparing, keep the newest row, write MySQL/MariaDB and SQLite scripts
  dupsweep clean dump/log.csv.gz --key user_id,event,at --delimiter ';' --null '\\N' --out cleaned/
      a table without primary key: the scripts delete surplus copies (ctid, rowid, LIMIT)")]
    Clean(CleanArgs),
    /// Report duplicate rows without writing anything (exit 1 when there are duplicates)
    #[command(after_help = "Examples:
  dupsweep scan students.csv --pk id
  dupsweep scan students.parquet --pk id --key first_name,last_name,email --json > report.json")]
    Scan(ScanArgs),
    /// Measure detection against a ground-truth entity column: pairwise precision, recall, F1
    #[command(after_help = "Examples:
  dupsweep eval people.csv --pk id --truth entity_id --fuzzy
  dupsweep eval people.csv --pk id --truth entity_id --fuzzy --threshold 0.99 --json
The truth column is never used for matching. Exit code 0, or 2 on error.")]
    Eval(EvalArgs),
    /// Show why two records match or not, comparison by comparison (fuzzy matching)
    #[command(after_help = "Examples:
  dupsweep explain people.csv --pk id 17 942
      records with id 17 and 942: each comparison's values, level and weight, the match probability
  dupsweep explain log.csv 3 10
      without --pk, records are named by their number (1 = first record after the header)")]
    Explain(ExplainArgs),
    /// Work out fuzzy-matching settings for a file (column roles, blocking rules) and write them as an editable TOML config
    #[command(after_help = "Examples:
  dupsweep suggest people.csv --pk id > people.toml
      roles, blocking rules (with the pairs each makes on this file), thresholds
  dupsweep clean people.csv --config people.toml
      the same run with the (edited) settings; flags given on the command line win over the file")]
    Suggest(SuggestArgs),
    /// Clean a whole dump described by a dupsweep.toml: every table, children re-pointed to the surviving parents
    #[command(after_help = "Examples:
  dupsweep run testdata/school/dupsweep.toml --out cleaned/
      per table T.cleaned.csv, T.removed.csv (and T.repointed.csv when foreign keys moved);
      dump.postgres.sql (one transaction: re-point, then delete), report.json
  dupsweep scan --config testdata/school/dupsweep.toml
      the same checks without writing anything (exit 1 when there are duplicates)

A table section: file = \"students.csv\", pk = [\"id\"], key/ignore, keep, fuzzy settings,
foreign-keys = { student_id = \"students.id\" }; [defaults] holds settings for every table.")]
    Run(RunArgs),
    /// Show how the duplicates found by earlier runs into an output folder evolved (its history.jsonl)
    #[command(after_help = "Examples:
  dupsweep history cleaned/
      one line per run: time, command, duplicate rows removed per table; then whether
      duplicates are coming back
  dupsweep history cleaned/ --json")]
    History(HistoryArgs),
    /// Rebuild an output folder's report.html from its report.json: the run's job again on its unchanged input, nothing else rewritten
    #[command(after_help = "Examples:
  dupsweep report dupsweep-out/
      after a dupsweep upgrade, or when the page was deleted: the same job read from
      report.json (its settings, its input checked against the SHA-256 it gives) finds the same
      groups, and only report.html is written")]
    Report(ReportArgs),
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish)
    #[command(after_help = "Examples:
  dupsweep completions bash > ~/.local/share/bash-completion/completions/dupsweep
  dupsweep completions zsh > ~/.zfunc/_dupsweep
  dupsweep completions fish > ~/.config/fish/completions/dupsweep.fish")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff), every command and option
    #[command(after_help = "Examples:
  dupsweep man | man -l -
  dupsweep man > ~/.local/share/man/man1/dupsweep.1")]
    Man,
    /// Write DIR/dupsweep.toml, a starting config for a folder of CSV or Parquet files (or a PostgreSQL or MySQL dump): keys and foreign keys guessed from names and content (or read from the dump)
    #[command(after_help = "Examples:
  dupsweep init dumps/2026-11-25/
      reads every table, guesses each primary key (a unique, non-NULL column named like a key),
      the columns to leave out of the duplicate key (updated_at...), the keep rule and the
      foreign keys (student_id -> students.id, checked on the values); writes
      dumps/2026-11-25/dupsweep.toml with a comment beside each guess
  dupsweep run dumps/2026-11-25/dupsweep.toml --out cleaned/")]
    Init(InitArgs),
    /// Run a Ballista cluster's scheduler or one of its executors, for `--engine ballista`
    #[command(after_help = "Examples:
  dupsweep cluster scheduler --bind 0.0.0.0:50050
      on one machine: the scheduler, which plans the queries and hands their tasks out
  dupsweep cluster executor --scheduler 10.0.0.5:50050 --bind 0.0.0.0:50051
      on each machine that works (the same dupsweep version everywhere); the input file
      must be at the same path on every executor (shared storage)
  dupsweep clean /shared/students.parquet --pk id --engine ballista --cluster df://10.0.0.5:50050
      the duplicates found by the cluster, the outputs written where dupsweep runs")]
    Cluster(ClusterArgs),
}

#[derive(Debug, Args)]
pub struct ClusterArgs {
    #[command(subcommand)]
    pub role: ClusterRole,
}

#[derive(Debug, Subcommand)]
pub enum ClusterRole {
    /// The scheduler: plans each job's queries and hands their tasks to the executors; runs until stopped (Ctrl-C or SIGTERM)
    Scheduler {
        /// The address to listen on
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
        bind: String,
    },
    /// An executor: runs the tasks the scheduler hands it and serves their results to the others; runs until stopped (Ctrl-C or SIGTERM)
    Executor {
        /// The scheduler's address
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// The address to listen on for the other executors and the client
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:50051")]
        bind: String,
        /// The name or address the others reach this executor by [default: the address the scheduler sees]
        #[arg(long, value_name = "HOST")]
        external_host: Option<String>,
        /// Tasks run at once [default: the machine's cores]
        #[arg(long, value_name = "N")]
        cores: Option<usize>,
        /// Memory its tasks' sorts and aggregates may hold before they spill, e.g. 4G [default: most of the machine's memory]
        #[arg(long, value_name = "SIZE")]
        memory_limit: Option<String>,
        /// Where its shuffle files and spills go [default: a new temporary folder, deleted when it stops]
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder holding one file per table, or a PostgreSQL dump (pg_dump's plain format) or
    /// mysqldump file (dupsweep.toml is then written beside it)
    pub dir: PathBuf,
    /// Replace an existing DIR/dupsweep.toml
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The output folder of a `clean` or `run`
    pub dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The output folder of earlier runs
    pub dir: PathBuf,
    /// Print the entries as a JSON array
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The dump's configuration file (dupsweep.toml)
    pub config: PathBuf,
    /// SQL dialects of the scripts, over the file's: postgres, mysql, sqlite; may repeat
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<Vec<String>>,
    /// Output folder [default: the file's out, else dupsweep-out]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Print the report as JSON instead of a summary
    #[arg(long)]
    pub json: bool,
    /// Also write dump.<dialect>.prevent.sql: unique indexes that keep the duplicates from coming back
    #[arg(long)]
    pub prevent: bool,
    /// Also write T.groups.csv for every table: its groups' records, the survivor first
    #[arg(long)]
    pub groups: bool,
    /// Memory the run may use, e.g. 2G or 512M [default: the file's memory-limit, else a quarter of the machine's memory]; every table is held in memory until the end, and the run stops with an error, writing nothing, when the next one would not fit
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The dump of one table: CSV (optionally .gz or .zst), Parquet, a PostgreSQL dump (pg_dump's plain format) or a mysqldump file (--table picks the table); - reads standard input; postgres://USER@HOST:PORT/DB or mysql://… reads the live table --table names
    pub input: PathBuf,
    #[command(flatten)]
    pub detection: Detection,
    /// Write the config to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The dump of one table: CSV (optionally .gz or .zst), Parquet, a PostgreSQL dump (pg_dump's plain format) or a mysqldump file (--table picks the table); - reads standard input; postgres://USER@HOST:PORT/DB or mysql://… reads the live table --table names
    pub input: PathBuf,
    #[command(flatten)]
    pub detection: Detection,
    /// The column holding the true entity id of each record
    #[arg(long, value_name = "COL")]
    pub truth: String,
    /// Print the figures as JSON
    #[arg(long)]
    pub json: bool,
    /// List the pairs counted wrong in this CSV file: true pairs left in different groups
    /// ("missed") and pairs grouped across entities ("wrong"), each with the blocking rule that
    /// compares it, its match probability and why
    #[arg(long, value_name = "FILE")]
    pub misses: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The dump of one table: CSV (optionally .gz or .zst), Parquet, a PostgreSQL dump (pg_dump's plain format) or a mysqldump file (--table picks the table); - reads standard input; postgres://USER@HOST:PORT/DB or mysql://… reads the live table --table names
    pub input: PathBuf,
    #[command(flatten)]
    pub detection: Detection,
    /// The first record: its primary key (comma-separated for a composite key), or its record number without --pk
    pub a: String,
    /// The second record
    pub b: String,
}

/// The options that decide what is read and what counts as a duplicate.
#[derive(Debug, Args)]
pub struct Detection {
    /// Primary key column(s); must be unique and non-NULL. Without it, records are identified by position
    #[arg(long, value_name = "COL[,COL...]", value_delimiter = ',')]
    pub pk: Option<Vec<String>>,
    /// Columns that make two rows duplicates [default: every column except --pk]
    #[arg(
        long,
        value_name = "COLS",
        value_delimiter = ',',
        conflicts_with = "ignore"
    )]
    pub key: Option<Vec<String>>,
    /// Columns left out of the default key (e.g. updated_at)
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub ignore: Option<Vec<String>>,
    /// Which row of a group stays: first, last, min:COL, max:COL, most-complete [default: first]
    #[arg(long, value_name = "RULE")]
    pub keep: Option<String>,
    /// Table name in SQL and output file names [default: the input's file name without extensions]; in a PostgreSQL dump, the table to read (NAME or SCHEMA.NAME)
    #[arg(long, value_name = "NAME")]
    pub table: Option<String>,
    /// CSV delimiter: one character, or "tab" [default: detected among , ; TAB |]
    #[arg(long, value_name = "C")]
    pub delimiter: Option<String>,
    /// An unquoted value that means NULL, besides the empty field (e.g. '\N'); may repeat
    #[arg(long, value_name = "STR")]
    pub null: Option<Vec<String>>,
    /// What the input is: auto (CSV, Parquet, a pg_dump or mysqldump file, a mysqldump --tab export, from the content), csv, pg-copy (PostgreSQL COPY … TO, text format) or mysql-tab (SELECT … INTO OUTFILE) [default: auto]
    #[arg(long, value_name = "auto|csv|pg-copy|mysql-tab")]
    pub format: Option<String>,
    /// The column names of an input without a header line (a COPY file written without HEADER), in order
    #[arg(long, value_name = "COLS", value_delimiter = ',')]
    pub columns: Option<Vec<String>>,
    /// Settings from a TOML file (keys: the long option names); flags given here win over it
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How the dump is read: stream (exact duplicates in a CSV or Parquet file: passes over the file, only the grouped rows in memory), memory (the whole table in memory), datafusion (exact duplicates in a Parquet file: Apache DataFusion finds the grouped rows, spilling to disk), ballista (the same, on the Ballista cluster of --cluster), auto (stream where it can) [default: auto]
    #[arg(long, value_name = "auto|stream|memory|datafusion|ballista")]
    pub engine: Option<String>,
    /// With --engine ballista: the cluster's scheduler (`dupsweep cluster scheduler`), e.g. df://10.0.0.5:50050; its executors read the input at the same path
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// Memory the run may use, e.g. 2G or 512M [default: a quarter of the machine's memory]; the streaming engine spills its key hashes, counters and grouped records to temporary files past it, and the run stops with an error, writing nothing, when what it must hold would not fit (a per-record index, or for the in-memory engine the whole table)
    #[arg(long, value_name = "SIZE")]
    pub memory_limit: Option<String>,
    #[command(flatten)]
    pub fuzzy: FuzzyArgs,
}

/// Fuzzy matching options.
#[derive(Debug, Args)]
pub struct FuzzyArgs {
    /// Also find records that are duplicates without being equal (typos, formats, swapped names)
    #[arg(long, help_heading = "Fuzzy matching")]
    pub fuzzy: bool,
    /// Match probability from which two records are duplicates [default: 0.95]
    #[arg(long, value_name = "P", help_heading = "Fuzzy matching")]
    pub threshold: Option<f64>,
    /// Pairs from this probability up to --threshold go to the review file, not deleted [default: 0.5]
    #[arg(long, value_name = "P", help_heading = "Fuzzy matching")]
    pub review_threshold: Option<f64>,
    /// Every member of a fuzzy group matches every other at least at this probability (half of it for a copy of the group's best-linked record, a quarter for such a copy sure with all of the group but one), and some member above --threshold (the guard against chaining) [default: 0.2]
    #[arg(long, value_name = "P", help_heading = "Fuzzy matching")]
    pub group_floor: Option<f64>,
    /// A blocking rule replacing the automatic ones, e.g. 'soundex(last_name) & year(birth_date)'; may repeat
    #[arg(long, value_name = "RULE", help_heading = "Fuzzy matching")]
    pub block: Option<Vec<String>>,
    /// A column's role, replacing the inferred one: COLUMN=ROLE (first-name, last-name, full-name, email, phone, date, postcode, address, city, number, category, text, string, identifier, timestamp); may repeat
    #[arg(long, value_name = "COL=ROLE", help_heading = "Fuzzy matching")]
    pub role: Option<Vec<String>>,
    /// Refuse a blocking rule that makes more candidate pairs than this [default: 20 per record, at least 1000000]
    #[arg(long, value_name = "N", help_heading = "Fuzzy matching")]
    pub max_pairs: Option<u64>,
    /// Largest group fuzzy matching forms [default: 50]
    #[arg(long, value_name = "N", help_heading = "Fuzzy matching")]
    pub max_group: Option<usize>,
    /// Same/different decisions a person made on pairs, applied on top of the model: a CSV with left_key, right_key (or left_record, right_record) and decision (same, different, skip or empty), e.g. T.review.csv filled in or the T.decisions.csv that report.html's review queue saves
    #[arg(long, value_name = "FILE", help_heading = "Fuzzy matching")]
    pub decisions: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CleanArgs {
    /// The dump of one table: CSV (optionally .gz or .zst), Parquet, a PostgreSQL dump (pg_dump's plain format) or a mysqldump file (--table picks the table); - reads standard input; postgres://USER@HOST:PORT/DB or mysql://… reads the live table --table names
    pub input: PathBuf,
    #[command(flatten)]
    pub detection: Detection,
    /// SQL dialect of the scripts: postgres, mysql (also MariaDB), sqlite; may repeat [default: postgres]
    #[arg(long, value_name = "DIALECT")]
    pub dialect: Option<Vec<String>>,
    /// Output folder [default: dupsweep-out]
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Rows deleted per SQL statement [default: 1000]
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// When the change script commits: end (one transaction: every batch or none) or batch (after each batch, for a live system; rerun the script to resume) [default: end]
    #[arg(long, value_name = "end|batch")]
    pub commit: Option<String>,
    /// Seconds to wait between two batches, with --commit batch (lets the server catch up) [default: 0]
    #[arg(long, value_name = "SECONDS")]
    pub pause: Option<f64>,
    /// Columns the SQL checks before deleting a row: all (every column unchanged since the dump) or key [default: all]
    #[arg(long, value_name = "all|key")]
    pub guard: Option<String>,
    /// Also write T.<dialect>.prevent.sql: unique indexes that keep the duplicates from coming back
    #[arg(long)]
    pub prevent: bool,
    /// Also write T.groups.csv: every group's records one under the other, the survivor first, each with the columns where it differs from the survivor
    #[arg(long)]
    pub groups: bool,
    /// "-": also write the cleaned table to standard output, for a pipeline (the summary then goes to standard error)
    #[arg(long, value_name = "-")]
    pub cleaned: Option<String>,
    /// Print the report (report.json's content) instead of a summary
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The dump of one table: CSV (optionally .gz or .zst) or Parquet; leave it out with a whole dump's --config
    #[arg(required_unless_present = "config")]
    pub input: Option<PathBuf>,
    #[command(flatten)]
    pub detection: Detection,
    /// Print the report as JSON instead of a summary
    #[arg(long)]
    pub json: bool,
}

impl Detection {
    /// The flags as a layer, over the `--config` file when one is given.
    pub fn layer_with_file(self, input: Option<PathBuf>) -> dupsweep::Result<Layer> {
        let file = match &self.config {
            Some(path) => dupsweep::config::file::read(path)?,
            None => Layer::default(),
        };
        Ok(Layer {
            input,
            ..self.layer()
        }
        .over(file))
    }

    pub fn layer(self) -> Layer {
        Layer {
            table: self.table,
            pk: self.pk,
            key: self.key,
            ignore: self.ignore,
            keep: self.keep,
            delimiter: self.delimiter,
            null: self.null,
            format: self.format,
            columns: self.columns,
            fuzzy: self.fuzzy.fuzzy.then_some(true),
            threshold: self.fuzzy.threshold,
            review_threshold: self.fuzzy.review_threshold,
            group_floor: self.fuzzy.group_floor,
            block: self.fuzzy.block,
            role: self.fuzzy.role,
            max_pairs: self.fuzzy.max_pairs,
            max_group: self.fuzzy.max_group,
            decisions: self.fuzzy.decisions,
            engine: self.engine,
            cluster: self.cluster,
            memory_limit: self.memory_limit,
            ..Layer::default()
        }
    }
}
