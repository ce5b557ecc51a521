//! Blocking: which pairs of records are compared at all. A rule is a set of normalised column
//! expressions (`metaphone(last_name) & date(birth_date)`); two records are a candidate pair
//! when they agree on every expression of at least one rule. Rules are OR-ed; a pair found by
//! several rules is compared once (it is kept only by the first rule that finds it).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::error::{quoted_list, Error, Result};
use crate::normalize;

/// A normaliser applied to a column for blocking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// Folded text (case, accents, punctuation, spaces).
    Fold,
    Soundex,
    Metaphone,
    /// The first N letters of the folded text.
    Prefix(usize),
    /// The folded text's words, sorted.
    Words,
    /// A date in any written form, as `YYYYMMDD`.
    Date,
    /// A date's year.
    Year,
    Email,
    Phone,
    Digits,
    /// Postcode without spaces, upper case.
    Postcode,
}

impl Func {
    fn parse(name: &str) -> Option<Func> {
        Some(match name {
            "fold" | "exact" => Func::Fold,
            "soundex" => Func::Soundex,
            "metaphone" => Func::Metaphone,
            "initial" => Func::Prefix(1),
            "words" => Func::Words,
            "date" => Func::Date,
            "year" => Func::Year,
            "email" => Func::Email,
            "phone" => Func::Phone,
            "digits" => Func::Digits,
            "postcode" => Func::Postcode,
            _ => {
                let n = name.strip_prefix("prefix")?.parse().ok()?;
                if n == 0 {
                    return None;
                }
                Func::Prefix(n)
            }
        })
    }
    fn name(self) -> String {
        match self {
            Func::Fold => "fold".into(),
            Func::Soundex => "soundex".into(),
            Func::Metaphone => "metaphone".into(),
            Func::Prefix(1) => "initial".into(),
            Func::Prefix(n) => format!("prefix{n}"),
            Func::Words => "words".into(),
            Func::Date => "date".into(),
            Func::Year => "year".into(),
            Func::Email => "email".into(),
            Func::Phone => "phone".into(),
            Func::Digits => "digits".into(),
            Func::Postcode => "postcode".into(),
        }
    }
    /// The normalised value; empty means missing.
    pub fn apply(self, v: &str) -> String {
        match self {
            Func::Fold => normalize::fold(v),
            Func::Soundex => normalize::phonetic::soundex(&normalize::fold(v)),
            Func::Metaphone => normalize::phonetic::metaphone(&normalize::fold(v)),
            Func::Prefix(n) => normalize::fold(v)
                .chars()
                .filter(|c| *c != ' ')
                .take(n)
                .collect(),
            Func::Words => normalize::tokens(&normalize::fold(v)).join(" "),
            Func::Date => normalize::parse_date(v)
                .map(|d| d.compact())
                .unwrap_or_default(),
            Func::Year => normalize::parse_date(v)
                .map(|d| d.year.to_string())
                .unwrap_or_default(),
            Func::Email => normalize::canonical_email(v),
            Func::Phone => normalize::canonical_phone(v),
            Func::Digits => normalize::digits(v),
            Func::Postcode => normalize::fold(v)
                .chars()
                .filter(|c| *c != ' ')
                .collect::<String>()
                .to_uppercase(),
        }
    }
}

/// One expression of a rule: a normaliser over one column, or over several columns whose
/// values are sorted first (`metaphone(first_name|last_name)` agrees when the names are swapped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub func: Func,
    pub columns: Vec<String>,
}

/// A blocking rule: expressions that must all agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub parts: Vec<Part>,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| format!("{}({})", p.func.name(), p.columns.join("|")))
            .collect();
        f.write_str(&parts.join(" & "))
    }
}

impl Rule {
    /// Parses `soundex(last_name) & date(birth_date)`; a bare column name means `fold(col)`.
    pub fn parse(s: &str, columns: &[String]) -> Result<Rule> {
        let bad = |why: String| {
            Error::usage(format!("blocking rule \"{s}\": {why}")).with_hint(
                "write expressions joined by &, each FUNC(COLUMN) or FUNC(COL1|COL2) or a column name; FUNC is one of fold, soundex, metaphone, initial, prefixN, words, date, year, email, phone, digits, postcode",
            )
        };
        let mut parts = Vec::new();
        for p in s.split('&') {
            let p = p.trim();
            if p.is_empty() {
                return Err(bad("an expression is empty".into()));
            }
            let (func, inner) = match p.split_once('(') {
                Some((f, rest)) => {
                    let inner = rest
                        .strip_suffix(')')
                        .ok_or_else(|| bad(format!("\"{p}\" lacks its closing parenthesis")))?;
                    let func = Func::parse(f.trim())
                        .ok_or_else(|| bad(format!("\"{}\" is not a function", f.trim())))?;
                    (func, inner)
                }
                None => (Func::Fold, p),
            };
            let cols: Vec<String> = inner.split('|').map(|c| c.trim().to_owned()).collect();
            for c in &cols {
                if !columns.contains(c) {
                    return Err(Error::usage(format!(
                        "blocking rule \"{s}\": column \"{c}\" does not exist"
                    ))
                    .with_hint(format!("the columns are {}", quoted_list(columns))));
                }
            }
            parts.push(Part {
                func,
                columns: cols,
            });
        }
        Ok(Rule { parts })
    }

    /// The columns the rule reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut c: Vec<&str> = self
            .parts
            .iter()
            .flat_map(|p| p.columns.iter().map(|s| s.as_str()))
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    }

    /// Per record of `rows`: the hash of the rule's key, 0 when a part is missing.
    /// `text(col, row)` gives a column's raw value.
    pub fn keys(
        &self,
        rows: &[usize],
        text: &(dyn Fn(&str, usize) -> Option<String> + Sync),
    ) -> Vec<u64> {
        use rayon::prelude::*;
        rows.par_iter()
            .map(|&r| {
                let mut h = DefaultHasher::new();
                for p in &self.parts {
                    let mut vals: Vec<String> = Vec::with_capacity(p.columns.len());
                    for c in &p.columns {
                        let v = text(c, r).map(|v| p.func.apply(&v)).unwrap_or_default();
                        if v.is_empty() {
                            return 0;
                        }
                        vals.push(v);
                    }
                    vals.sort_unstable();
                    vals.hash(&mut h);
                }
                h.finish().max(1)
            })
            .collect()
    }
}

/// How many pairs a rule makes: per bucket n·(n−1)/2; also the largest bucket's size and one
/// of its records (an index into the rows).
pub fn count_pairs(keys: &[u64]) -> (u64, usize, Option<usize>) {
    let mut order: Vec<(u64, usize)> = keys
        .iter()
        .enumerate()
        .filter(|(_, k)| **k != 0)
        .map(|(i, k)| (*k, i))
        .collect();
    order.sort_unstable();
    let (mut total, mut largest, mut example) = (0u64, 0usize, None);
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j < order.len() && order[j].0 == order[i].0 {
            j += 1;
        }
        let n = (j - i) as u64;
        total += n * (n - 1) / 2;
        if j - i > largest {
            largest = j - i;
            example = Some(order[i].1);
        }
        i = j;
    }
    (total, largest, example)
}

/// Candidate pairs (indices into the rows, smaller first), sorted, each once, with per pair a
/// bit mask of the rules whose keys agree on it.
pub fn candidate_pairs(keys: &[Vec<u64>]) -> (Vec<(u32, u32)>, Vec<u32>) {
    let mut pairs = Vec::new();
    for (r, k) in keys.iter().enumerate() {
        let mut order: Vec<(u64, u32)> = k
            .iter()
            .enumerate()
            .filter(|(_, k)| **k != 0)
            .map(|(i, k)| (*k, i as u32))
            .collect();
        order.sort_unstable();
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            for x in i..j {
                for y in x + 1..j {
                    let (a, b) = (order[x].1, order[y].1);
                    let earlier = keys[..r]
                        .iter()
                        .any(|e| e[a as usize] != 0 && e[a as usize] == e[b as usize]);
                    if !earlier {
                        pairs.push((a, b));
                    }
                }
            }
            i = j;
        }
    }
    pairs.sort_unstable();
    let masks = pairs
        .iter()
        .map(|&(a, b)| {
            keys.iter().enumerate().fold(0u32, |m, (r, k)| {
                if k[a as usize] != 0 && k[a as usize] == k[b as usize] {
                    m | (1 << r.min(31))
                } else {
                    m
                }
            })
        })
        .collect();
    (pairs, masks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_and_print() {
        let cols = vec!["first".to_string(), "last".to_string(), "dob".to_string()];
        let r = Rule::parse("soundex(last) & date(dob)", &cols).unwrap();
        assert_eq!(r.to_string(), "soundex(last) & date(dob)");
        let r = Rule::parse("metaphone(first|last)", &cols).unwrap();
        assert_eq!(r.columns(), ["first", "last"]);
        assert!(Rule::parse("nope(last)", &cols).is_err());
        let e = Rule::parse("fold(x)", &cols).unwrap_err();
        assert!(
            e.render().contains("\"first\", \"last\", \"dob\""),
            "{}",
            e.render()
        );
    }

    #[test]
    fn pairs_are_found_once_across_rules() {
        // rows 0,1,2 share rule 0; rows 1,2,3 share rule 1
        let keys = vec![vec![5, 5, 5, 0], vec![0, 7, 7, 7]];
        let (pairs, masks) = candidate_pairs(&keys);
        assert_eq!(pairs, [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]);
        assert_eq!(masks, [1, 1, 3, 2, 2]);
        assert_eq!(count_pairs(&keys[0]), (3, 3, Some(0)));
    }

    #[test]
    fn swapped_columns_share_a_sorted_key() {
        let cols = vec!["first".to_string(), "last".to_string()];
        let r = Rule::parse("metaphone(first|last)", &cols).unwrap();
        let data = [["Omar", "Haddad"], ["Haddad", "Omar"]];
        let text = |c: &str, i: usize| Some(data[i][if c == "first" { 0 } else { 1 }].to_string());
        let k = r.keys(&[0, 1], &text);
        assert_eq!(k[0], k[1]);
        assert_ne!(k[0], 0);
    }
}
