//! Configuration files: `dupsweep.toml` deserialises into the same all-`Option` [`Layer`] as the
//! command-line flags (keys are the long flag names: `pk`, `ignore`, `keep`, `fuzzy`,
//! `threshold`, `block`, `role`…). Unknown keys are errors, with the line and column.

use std::path::Path;

use super::Layer;
use crate::error::{Error, Location, Result};

/// Reads a configuration file.
pub fn read(path: &Path) -> Result<Layer> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::io(path, "cannot read the configuration file", e))?;
    if super::dump::is_dump(&text) {
        return Err(Error::usage(format!(
            "{} describes a whole dump ([tables.NAME] sections), not one table",
            path.display()
        ))
        .with_hint(format!(
            "run it with `dupsweep run {}`, or check it with `dupsweep scan --config {}`",
            path.display(),
            path.display()
        )));
    }
    parse(path, &text)
}

/// Parses a configuration file's text; errors name the file, line and column.
pub fn parse(path: &Path, text: &str) -> Result<Layer> {
    parse_as(path, text)
}

/// Parses a configuration file's text into `T` (a [`Layer`], or a whole dump's file).
pub fn parse_as<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T> {
    toml::from_str::<T>(text).map_err(|e| {
        let (line, col) = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                (line, col)
            })
            .unwrap_or((1, 1));
        let at = Location::file(path).line(line as u64).column(col - 1, None);
        let message = e.message().trim();
        // an unknown key: the near known ones rather than all of them
        if let Some((unknown, expected)) = message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split_once("`, expected "))
        {
            let known: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            return Error::config(at, format!("unknown field `{unknown}`"))
                .with_hint(crate::error::unknown_hint(unknown, &known, "keys"));
        }
        Error::config(at, message)
        .with_hint("the keys are the long option names (pk, key, ignore, keep, dialect, fuzzy, threshold, review-threshold, block, role, …); see `dupsweep suggest`")
    })
}

/// Writes a layer as TOML (the values only; comments are the caller's).
pub fn to_toml(layer: &Layer) -> String {
    toml::to_string(layer).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_fills_a_layer() {
        let l = parse(
            Path::new("d.toml"),
            "pk = [\"id\"]\nfuzzy = true\nthreshold = 0.99\nblock = [\"email(email)\"]\nrole = [\"name=full-name\"]\n",
        )
        .unwrap();
        assert_eq!(l.pk, Some(vec!["id".to_string()]));
        assert_eq!(l.fuzzy, Some(true));
        assert_eq!(l.threshold, Some(0.99));
        assert_eq!(l.block, Some(vec!["email(email)".to_string()]));
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_line() {
        let e = parse(Path::new("d.toml"), "pk = [\"id\"]\nthreshhold = 0.9\n").unwrap_err();
        assert!(
            e.render()
                .starts_with("error: d.toml:2:1: unknown field `threshhold`"),
            "{}",
            e.render()
        );
        let e = parse(Path::new("d.toml"), "fuzzy = \"yes\"\n").unwrap_err();
        assert!(
            e.render().starts_with("error: d.toml:1:9: "),
            "{}",
            e.render()
        );
    }

    #[test]
    fn round_trip() {
        let l = Layer {
            pk: Some(vec!["id".into()]),
            fuzzy: Some(true),
            threshold: Some(0.95),
            block: Some(vec!["metaphone(a|b) & date(\"c\")".into()]),
            ..Layer::default()
        };
        assert_eq!(parse(Path::new("x"), &to_toml(&l)).unwrap(), l);
    }
}
