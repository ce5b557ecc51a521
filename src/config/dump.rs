//! Whole dumps: a `dupsweep.toml` with `[tables.NAME]` sections describes several tables, their
//! keys and the foreign keys between them. Each section is the same all-`Option` [`Layer`] as
//! the flags, over the file's `[defaults]` section, and resolves into the same [`Job`]; the
//! dump adds the foreign keys and the order in which tables are processed (parents first).
//!
//! ```toml
//! [defaults]
//! dialect = ["postgres", "mysql", "sqlite"]
//!
//! [tables.students]
//! file = "students.csv"
//! pk = ["id"]
//! ignore = ["updated_at"]
//!
//! [tables.enrolments]
//! file = "enrolments.csv"
//! pk = ["id"]
//! key = ["student_id", "course_code"]
//! foreign-keys = { student_id = "students.id", course_code = "courses.code" }
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{DialectName, Job, Layer};
use crate::error::{quoted_list, Error, Location, Result};

/// The file as written.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DumpFile {
    /// The folder the tables' files are in, relative to the configuration file (default: the
    /// configuration file's own folder).
    pub folder: Option<PathBuf>,
    /// Settings for every table; a table's own section wins.
    #[serde(default)]
    pub defaults: Layer,
    /// One section per table, by table name.
    #[serde(default)]
    pub tables: BTreeMap<String, Layer>,
}

/// A foreign key: `column` of this table references `table.references` (the parent's primary
/// key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignKey {
    pub column: String,
    pub table: String,
    pub references: String,
}

/// One table of the dump, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct TableJob {
    pub name: String,
    pub job: Job,
    pub foreign_keys: Vec<ForeignKey>,
}

/// A whole dump, resolved: tables in processing order, parents before their children.
#[derive(Debug, Clone, Serialize)]
pub struct Dump {
    pub config: PathBuf,
    pub tables: Vec<TableJob>,
    pub out: PathBuf,
    pub dialects: Vec<DialectName>,
    /// Write `dump.<dialect>.prevent.sql`.
    pub prevent: bool,
}

impl Dump {
    pub fn table(&self, name: &str) -> Option<&TableJob> {
        self.tables.iter().find(|t| t.name == name)
    }
    /// The foreign keys that reference `parent`, as (child table, foreign key).
    pub fn children_of<'a>(
        &'a self,
        parent: &'a str,
    ) -> impl Iterator<Item = (&'a TableJob, &'a ForeignKey)> + 'a {
        self.tables.iter().flat_map(move |t| {
            t.foreign_keys
                .iter()
                .filter(move |fk| fk.table == parent)
                .map(move |fk| (t, fk))
        })
    }
}

/// True when a configuration file's text describes a whole dump (it has `[tables.…]`).
pub fn is_dump(text: &str) -> bool {
    toml::from_str::<toml::Table>(text)
        .map(|t| t.contains_key("tables"))
        .unwrap_or(false)
}

/// Where a dump's table sections are read from and written to: the configuration file, the
/// tables' folder, the output folder.
#[derive(Clone, Copy)]
struct Paths<'a> {
    config: &'a Path,
    folder: &'a Path,
    out: &'a Path,
}

/// One `[tables.NAME]` section resolved: its settings over the dump's `defaults`, with `flags`
/// over both, and its foreign keys.
fn table_job(
    name: &str,
    section: &Layer,
    defaults: &Layer,
    at: Paths<'_>,
    flags: &Layer,
) -> Result<TableJob> {
    let config = at.config;
    let here = |what: &str| {
        Error::config(
            Location::file(config),
            format!("[tables.{name}] sets {what}, which is one setting for the whole dump"),
        )
        .with_hint(format!("set {what} in [defaults] or on the command line"))
    };
    if name.is_empty() || name.contains('\0') {
        return Err(Error::config(
            Location::file(config),
            format!("\"{name}\" cannot be a table name (empty, or with a NUL byte)"),
        ));
    }
    // NAME or SCHEMA.NAME, as --table takes it
    crate::ingest::table_ident(Path::new(""), Some(name))
        .map_err(|e| Error::config(Location::file(config), format!("[tables.{name}]: {e}")))?;
    if section.out.is_some() {
        return Err(here("out"));
    }
    if section.dialect.is_some() {
        return Err(here("dialect"));
    }
    if section.prevent.is_some() {
        return Err(here("prevent"));
    }
    if section.memory_limit.is_some() {
        return Err(here("memory-limit"));
    }
    if section.table.is_some() {
        return Err(Error::config(
            Location::file(config),
            format!("[tables.{name}] sets table: the section's name is the table's name"),
        ));
    }
    let Some(input) = &section.input else {
        return Err(Error::config(
            Location::file(config),
            format!("[tables.{name}] names no file"),
        )
        .with_hint(format!(
            "add file = \"{name}.csv\" (relative to the configuration file)"
        )));
    };
    let mut layer = section.clone().over(defaults.clone());
    let fks = layer.foreign_keys.take().unwrap_or_default();
    layer.input = Some(at.folder.join(input));
    // (like the table's file, its decisions are relative to the configuration file)
    layer.decisions = layer.decisions.map(|d| at.folder.join(d));
    layer.table = Some(name.to_owned());
    layer.out = Some(at.out.to_path_buf());
    let layer = Layer {
        input: None,
        table: None,
        ..flags.clone()
    }
    .over(layer);
    if layer.engine.is_some() {
        return Err(Error::config(Location::file(config), format!(
            "[tables.{name}]: engine applies to one table's clean and scan; a whole dump is read in memory"
        ))
        .with_hint("leave it out of the dump's configuration"));
    }
    let job = layer.resolve()?;
    let mut foreign_keys = Vec::new();
    for (column, target) in fks {
        // the table may be SCHEMA.NAME: the column is after the last dot
        let Some((table, references)) = target.rsplit_once('.') else {
            return Err(Error::config(
                Location::file(config),
                format!(
                    "[tables.{name}] foreign key {column} = \"{target}\" is not \"TABLE.COLUMN\""
                ),
            ));
        };
        foreign_keys.push(ForeignKey {
            column,
            table: table.trim().to_owned(),
            references: references.trim().to_owned(),
        });
    }
    Ok(TableJob {
        name: name.to_owned(),
        job,
        foreign_keys,
    })
}

/// Every foreign key references another table the dump names.
fn check_foreign_keys(tables: &[TableJob], config: &Path) -> Result<()> {
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    for t in tables {
        for fk in &t.foreign_keys {
            if !names.contains(&fk.table.as_str()) {
                return Err(Error::config(Location::file(config), format!(
                    "[tables.{}] foreign key {} references table \"{}\", which the dump does not name",
                    t.name,
                    fk.column,
                    fk.table
                ))
                .with_hint(format!("the tables are {}", quoted_list(&names))));
            }
            if fk.table == t.name {
                return Err(Error::config(Location::file(config), format!(
                    "[tables.{}] foreign key {} references its own table; self-references are not supported yet",
                    t.name,
                    fk.column
                )));
            }
        }
    }
    Ok(())
}

/// Resolves a dump file read from `config`, with `flags` over every table's settings.
pub fn resolve(file: DumpFile, config: &Path, flags: Layer) -> Result<Dump> {
    let base = config
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let folder = match &file.folder {
        Some(f) => base.join(f),
        None => base.clone(),
    };
    if file.tables.is_empty() {
        return Err(
            Error::config(Location::file(config), "the dump names no table")
                .with_hint("add a [tables.NAME] section with file = \"NAME.csv\" per table"),
        );
    }
    for name in ["input", "table", "truth"] {
        if file.defaults_has(name) {
            return Err(Error::config(
                Location::file(config),
                format!("[defaults] cannot set {name}: it belongs to one table"),
            ));
        }
    }
    let out = flags
        .out
        .clone()
        .or_else(|| file.defaults.out.as_ref().map(|o| base.join(o)))
        .unwrap_or_else(|| PathBuf::from(super::defaults::OUT_DIR));
    let mut tables = Vec::new();
    for (name, section) in &file.tables {
        let at = Paths {
            config,
            folder: &folder,
            out: &out,
        };
        tables.push(table_job(name, section, &file.defaults, at, &flags)?);
    }
    check_foreign_keys(&tables, config)?;
    let order = parents_first(&tables, config)?;
    let mut by_name: BTreeMap<String, TableJob> =
        tables.into_iter().map(|t| (t.name.clone(), t)).collect();
    let tables: Vec<TableJob> = order
        .iter()
        .filter_map(|n| by_name.remove(n.as_str()))
        .collect();
    let dialects = tables
        .first()
        .map(|t| t.job.dialects.clone())
        .unwrap_or_default();
    let prevent = tables.iter().any(|t| t.job.prevent);
    Ok(Dump {
        prevent,
        config: config.to_path_buf(),
        tables,
        out,
        dialects,
    })
}

impl DumpFile {
    fn defaults_has(&self, key: &str) -> bool {
        match key {
            "input" => self.defaults.input.is_some(),
            "table" => self.defaults.table.is_some(),
            "truth" => self.defaults.truth.is_some(),
            _ => false,
        }
    }
}

/// Table names with every parent before its children; ties by name. A cycle is an error that
/// names it.
fn parents_first(tables: &[TableJob], config: &Path) -> Result<Vec<String>> {
    let mut done: Vec<String> = Vec::new();
    let mut left: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let parents = |t: &str| -> BTreeSet<&str> {
        tables
            .iter()
            .find(|x| x.name == t)
            .map(|x| x.foreign_keys.iter().map(|f| f.table.as_str()).collect())
            .unwrap_or_default()
    };
    while !left.is_empty() {
        let ready = left
            .iter()
            .copied()
            .find(|t| parents(t).iter().all(|p| !left.contains(p)));
        match ready {
            Some(t) => {
                left.remove(t);
                done.push(t.to_owned());
            }
            None => {
                // walk parent links from any remaining table until one repeats: that is a cycle
                let mut path: Vec<&str> = vec![left.iter().next().copied().unwrap_or_default()];
                loop {
                    let last = path[path.len() - 1];
                    let next = parents(last)
                        .into_iter()
                        .find(|p| left.contains(p))
                        .unwrap_or(last);
                    if let Some(i) = path.iter().position(|p| *p == next) {
                        let mut cycle: Vec<&str> = path[i..].to_vec();
                        cycle.reverse();
                        cycle.push(cycle[0]);
                        return Err(Error::config(Location::file(config), format!(
                            "the foreign keys form a cycle: {}",
                            cycle.join(" → ")
                        ))
                        .with_hint("dupsweep processes parents before children; remove one foreign key of the cycle from the configuration"));
                    }
                    path.push(next);
                }
            }
        }
    }
    Ok(done)
}

/// Reads and resolves a dump configuration file.
pub fn read(config: &Path, flags: Layer) -> Result<Dump> {
    let text = std::fs::read_to_string(config)
        .map_err(|e| Error::io(config, "cannot read the configuration file", e))?;
    let file: DumpFile = super::file::parse_as(config, &text)?;
    resolve(file, config, flags)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Dump> {
        let file: DumpFile = super::super::file::parse_as(Path::new("d/x.toml"), text)?;
        resolve(file, Path::new("d/x.toml"), Layer::default())
    }

    #[test]
    fn parents_come_first_and_paths_are_relative_to_the_file() {
        let d = parse(
            "[tables.b]\nfile = \"b.csv\"\npk = [\"id\"]\nforeign-keys = { a_id = \"a.id\" }\n[tables.a]\nfile = \"a.csv\"\npk = [\"id\"]\n[tables.c]\nfile = \"c.csv\"\nforeign-keys = { b = \"b.id\" }\n",
        )
        .unwrap();
        let names: Vec<&str> = d.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(d.tables[0].job.input, Path::new("d/a.csv"));
        assert_eq!(d.tables[0].job.table.as_deref(), Some("a"));
        assert_eq!(d.children_of("a").count(), 1);
    }

    #[test]
    fn a_cycle_is_named() {
        let e = parse(
            "[tables.a]\nfile = \"a.csv\"\nforeign-keys = { b = \"b.id\" }\n[tables.b]\nfile = \"b.csv\"\nforeign-keys = { a = \"a.id\" }\n",
        )
        .unwrap_err();
        assert!(
            e.render().contains("cycle: a → b → a") || e.render().contains("cycle: b → a → b"),
            "{}",
            e.render()
        );
    }

    #[test]
    fn mistakes_are_named() {
        let e = parse("[tables.a]\npk = [\"id\"]\n").unwrap_err();
        assert!(
            e.render().contains("[tables.a] names no file"),
            "{}",
            e.render()
        );
        let e = parse("[tables.a]\nfile = \"a.csv\"\nforeign-keys = { x = \"nope.id\" }\n")
            .unwrap_err();
        assert!(
            e.render().contains("references table \"nope\""),
            "{}",
            e.render()
        );
        let e = parse("[tables.a]\nfile = \"a.csv\"\nout = \"o\"\n").unwrap_err();
        assert!(e.render().contains("sets out"), "{}", e.render());
        // a whole dump is read in memory: the engine is refused, and the memory limit is the
        // whole run's
        let e =
            parse("[defaults]\nengine = \"stream\"\n[tables.a]\nfile = \"a.csv\"\n").unwrap_err();
        assert!(
            e.render()
                .contains("[tables.a]: engine applies to one table's clean and scan"),
            "{}",
            e.render()
        );
        let e = parse("[tables.a]\nfile = \"a.csv\"\nmemory-limit = \"1G\"\n").unwrap_err();
        assert!(
            e.render()
                .contains("[tables.a] sets memory-limit, which is one setting for the whole dump"),
            "{}",
            e.render()
        );
        let d = parse("[defaults]\nmemory-limit = \"1G\"\n[tables.a]\nfile = \"a.csv\"\n").unwrap();
        assert_eq!(d.tables[0].job.memory_limit, 1 << 30);
        let e = parse("[tables.a]\nfile = \"a.csv\"\nkepp = \"first\"\n").unwrap_err();
        assert!(e.render().contains("x.toml:3:1"), "{}", e.render());
    }
}
