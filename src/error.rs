//! Errors the library returns, sorted by what a user can do about them, with the position in the
//! input that caused them, a hint, and the process exit code each kind maps to.

use std::fmt;
use std::path::{Path, PathBuf};

/// Where in an input a problem is: file, line (1-based, the line where the record starts),
/// column (1-based field number) and the column's name, plus the record number (1-based, header
/// excluded) when it differs from what the line says (multi-line records, Parquet rows).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub path: PathBuf,
    pub line: Option<u64>,
    pub column: Option<usize>,
    pub field: Option<String>,
    pub record: Option<u64>,
}

/// The names inputs are shown by when they are not the file read: a stream (standard input, a
/// pipe) is copied to a temporary file, whose name means nothing to the user.
static SHOWN: std::sync::Mutex<Vec<(PathBuf, PathBuf)>> = std::sync::Mutex::new(Vec::new());

/// Shows `path` as `shown` in every message, report and script header from now on.
pub fn show_as(path: &Path, shown: &Path) {
    if let Ok(mut s) = SHOWN.lock() {
        s.push((path.to_path_buf(), shown.to_path_buf()));
    }
}

/// How `path` is shown: as it is, or by the name [`show_as`] gave it.
pub fn shown(path: &Path) -> PathBuf {
    SHOWN
        .lock()
        .ok()
        .and_then(|s| s.iter().find(|(p, _)| p == path).map(|(_, n)| n.clone()))
        .unwrap_or_else(|| path.to_path_buf())
}

impl Location {
    pub fn file(path: &Path) -> Self {
        Location {
            path: path.to_path_buf(),
            ..Default::default()
        }
    }
    pub fn line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    pub fn record(mut self, record: u64) -> Self {
        self.record = Some(record);
        self
    }
    /// Names the column by its 1-based position and its header name.
    pub fn column(mut self, index: usize, name: Option<&str>) -> Self {
        self.column = Some(index + 1);
        self.field = name.map(str::to_owned);
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", shown(&self.path).display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        let mut extra = Vec::new();
        if let Some(record) = self.record {
            extra.push(format!("record {record}"));
        }
        if let Some(field) = &self.field {
            extra.push(format!("column \"{field}\""));
        } else if self.line.is_none() {
            if let Some(col) = self.column {
                extra.push(format!("column {col}"));
            }
        }
        if !extra.is_empty() {
            write!(f, " ({})", extra.join(", "))?;
        }
        Ok(())
    }
}

/// Every error dupsweep reports. `Usage` and `Config`: the command line or its options are wrong;
/// `Data`: the input is not what it must be; `Io`: reading or writing a file failed;
/// `Internal` and `Polars`: a bug in dupsweep.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error("{location}: {message}")]
    Config {
        location: Box<Location>,
        message: String,
        hint: Option<String>,
    },
    #[error("{location}: {message}")]
    Data {
        location: Box<Location>,
        message: String,
        hint: Option<String>,
    },
    #[error("{}: {action}: {source}", path.display())]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error (a bug in dupsweep, please report it): {0}")]
    Internal(String),
    /// A Polars operation failed where dupsweep expects none to (a bug in dupsweep), the
    /// error kept as Polars gave it.
    #[error("internal error (a bug in dupsweep, please report it): {0}")]
    Polars(#[from] polars::prelude::PolarsError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }
    /// A configuration file is wrong: `location` names it, and the line and column when known.
    pub fn config(location: Location, message: impl Into<String>) -> Self {
        Error::Config {
            location: Box::new(location),
            message: message.into(),
            hint: None,
        }
    }
    pub fn data(location: Location, message: impl Into<String>) -> Self {
        Error::Data {
            location: Box::new(location),
            message: message.into(),
            hint: None,
        }
    }
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            action,
            source,
        }
    }
    /// Adds (or replaces) the `hint:` line shown under the message.
    pub fn with_hint(mut self, text: impl Into<String>) -> Self {
        match &mut self {
            Error::Usage { hint, .. } | Error::Config { hint, .. } | Error::Data { hint, .. } => {
                *hint = Some(text.into())
            }
            Error::Io { .. } | Error::Internal(_) | Error::Polars(_) => {}
        }
        self
    }
    pub fn hint(&self) -> Option<&str> {
        match self {
            Error::Usage { hint, .. } | Error::Config { hint, .. } | Error::Data { hint, .. } => {
                hint.as_deref()
            }
            Error::Io { .. } | Error::Internal(_) | Error::Polars(_) => None,
        }
    }
    /// The process exit code: 2 for usage, configuration and data errors, 3 when reading or
    /// writing a file failed, 70 for a bug in dupsweep (`EX_SOFTWARE` of BSD's `sysexits.h`), so
    /// that a scheduled run can tell its own mistakes from dupsweep's (0 is success, 1 is
    /// "duplicates found" for `scan`).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io { .. } => 3,
            Error::Internal(_) | Error::Polars(_) => 70,
            Error::Usage { .. } | Error::Config { .. } | Error::Data { .. } => 2,
        }
    }
    /// The message as the command line prints it: `error: …` and an optional `hint: …` line.
    pub fn render(&self) -> String {
        let mut out = format!("error: {self}");
        if let Some(h) = self.hint() {
            out.push_str("\nhint: ");
            out.push_str(h);
        }
        out
    }
}

/// The hint for a `name` that is none of the `known` ones (`kind`: what they are, plural:
/// "columns", "roles"): the nearest when some are near (the same but for case, `_`, `-` and
/// spaces; a typo or two away; one holding the other), else every one when they are few, else
/// how many there are with the first few: a table of 200 columns is not listed whole.
pub fn unknown_hint<S: AsRef<str>>(name: &str, known: &[S], kind: &str) -> String {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-' | ' '))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = plain(name);
    let mut near: Vec<(usize, &str)> = known
        .iter()
        .map(AsRef::as_ref)
        .filter_map(|k| {
            let p = plain(k);
            let typos = strsim::damerau_levenshtein(&wanted, &p);
            let allowed = if wanted.chars().count() >= 6 { 2 } else { 1 };
            let holds =
                wanted.len() >= 3 && p.len() >= 3 && (p.contains(&wanted) || wanted.contains(&p));
            match () {
                _ if p == wanted => Some((0, k)),
                _ if typos <= allowed => Some((typos, k)),
                _ if holds => Some((allowed + 1, k)),
                _ => None,
            }
        })
        .collect();
    // the nearest only (three at most)
    near.sort_by_key(|n| n.0);
    let best = near.first().map_or(0, |n| n.0);
    near.retain(|n| n.0 == best);
    near.truncate(3);
    if !near.is_empty() {
        let names: Vec<String> = near.iter().map(|n| format!("\"{}\"", n.1)).collect();
        return format!("did you mean {}?", names.join(" or "));
    }
    const LISTED: usize = 12;
    if known.len() <= LISTED {
        format!("the {kind} are {}", quoted_list(known))
    } else {
        format!(
            "there are {} {kind}; the first ones are {}, …",
            known.len(),
            quoted_list(&known[..LISTED])
        )
    }
}

/// Names a list of valid choices for messages: `"a", "b", "c"`.
pub fn quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    items
        .iter()
        .map(|s| format!("\"{}\"", s.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_its_exit_code() {
        assert_eq!(Error::usage("x").exit_code(), 2);
        let config = Error::config(Location::file(Path::new("d.toml")).line(3), "x");
        assert_eq!(config.exit_code(), 2);
        assert_eq!(config.render(), "error: d.toml:3: x");
        assert_eq!(Error::data(Location::default(), "x").exit_code(), 2);
        let io = std::io::Error::other("x");
        assert_eq!(Error::io(Path::new("f"), "reading", io).exit_code(), 3);
        let bug = Error::Internal("x".into());
        assert_eq!(bug.exit_code(), 70);
        assert!(bug
            .render()
            .starts_with("error: internal error (a bug in dupsweep"));
        // a Polars error is kept as Polars gave it, reported as the bug it is
        let polars = Error::from(polars::prelude::PolarsError::ComputeError("y".into()));
        assert_eq!(polars.exit_code(), 70);
        assert_eq!(polars.hint(), None);
        assert!(polars
            .render()
            .starts_with("error: internal error (a bug in dupsweep, please report it): "));
        assert!(std::error::Error::source(&polars).is_some());
    }

    #[test]
    fn an_unknown_name_gets_the_near_ones_or_a_short_list() {
        let cols = ["id", "first_name", "last_name", "email"];
        assert_eq!(unknown_hint("ID", &cols, "columns"), "did you mean \"id\"?");
        assert_eq!(
            unknown_hint("firstname", &cols, "columns"),
            "did you mean \"first_name\"?"
        );
        assert_eq!(
            unknown_hint("emial", &cols, "columns"),
            "did you mean \"email\"?"
        );
        assert_eq!(
            unknown_hint("name", &cols, "columns"),
            "did you mean \"first_name\" or \"last_name\"?"
        );
        assert_eq!(
            unknown_hint("zzz", &cols, "columns"),
            "the columns are \"id\", \"first_name\", \"last_name\", \"email\""
        );
        let many: Vec<String> = (0..200).map(|i| format!("col{i:03}")).collect();
        let hint = unknown_hint("zzz", &many, "columns");
        assert!(
            hint.starts_with("there are 200 columns; the first ones are \"col000\""),
            "{hint}"
        );
        assert!(hint.len() < 200, "{hint}");
        assert_eq!(
            unknown_hint("COL099", &many, "columns"),
            "did you mean \"col099\"?"
        );
    }
}
