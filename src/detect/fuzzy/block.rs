//! Blocking: which pairs of records are compared at all. A rule is a set of normalised column
//! expressions (`metaphone(last_name) & date(birth_date)`); two records are a candidate pair
//! when they agree on every expression of at least one rule. Rules are OR-ed; a pair found by
//! several rules is compared once (it is kept only by the first rule that finds it).

use rayon::prelude::*;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crate::error::{Error, Result};
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
    /// An integer without its leading zeros (`03` and `3` agree): a year, month or day kept in
    /// a column of its own.
    Int,
    /// Postcode without spaces, upper case.
    Postcode,
    /// MinHash-LSH over the folded text's words, for long free text: records share a key
    /// when one of [`BANDS`] bands of [`ROWS`] minimum hashes agrees (word sets overlapping by
    /// half agree with probability 0.66, by 70 % with 0.97).
    MinHash,
}

/// MinHash-LSH bands per record.
pub const BANDS: usize = 8;
/// Minimum hashes per band.
pub const ROWS: usize = 3;

/// The MinHash band keys of a text (0 where it has no words).
pub fn minhash_bands(text: &str) -> [u64; BANDS] {
    let folded = normalize::fold(text);
    let mut mins = [u64::MAX; BANDS * ROWS];
    let mut any = false;
    for w in folded.split(' ').filter(|w| !w.is_empty()) {
        any = true;
        let mut h = DefaultHasher::new();
        w.hash(&mut h);
        let base = h.finish();
        for (i, m) in mins.iter_mut().enumerate() {
            // one multiply-xorshift per seed: a cheap family of hash functions
            let mut x = base ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1));
            x = (x ^ (x >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
            x ^= x >> 33;
            *m = (*m).min(x);
        }
    }
    let mut out = [0u64; BANDS];
    if !any {
        return out;
    }
    for (b, o) in out.iter_mut().enumerate() {
        let mut h = DefaultHasher::new();
        (b, &mins[b * ROWS..(b + 1) * ROWS]).hash(&mut h);
        *o = h.finish().max(1);
    }
    out
}

impl Func {
    /// The functions' names (`prefixN` as `prefix3`), for hints.
    const NAMES: [&'static str; 14] = [
        "fold",
        "soundex",
        "metaphone",
        "initial",
        "prefix3",
        "words",
        "date",
        "year",
        "email",
        "phone",
        "digits",
        "int",
        "postcode",
        "minhash",
    ];

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
            "int" => Func::Int,
            "postcode" => Func::Postcode,
            "minhash" => Func::MinHash,
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
            Func::Int => "int".into(),
            Func::Postcode => "postcode".into(),
            Func::MinHash => "minhash".into(),
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
            Func::Int => {
                let d = normalize::digits(v);
                let t = d.trim_start_matches('0');
                if t.is_empty() && !d.is_empty() {
                    "0".to_owned()
                } else {
                    t.to_owned()
                }
            }
            Func::Postcode => normalize::fold(v)
                .chars()
                .filter(|c| *c != ' ')
                .collect::<String>()
                .to_uppercase(),
            // the words, for display; the keys are the bands (see `Rule::keys`)
            Func::MinHash => normalize::fold(v),
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
        if self.parts.is_empty() {
            return f.write_str("all");
        }
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| format!("{}({})", p.func.name(), p.columns.join("|")))
            .collect();
        f.write_str(&parts.join(" & "))
    }
}

impl Rule {
    /// Parses `soundex(last_name) & date(birth_date)`; a bare column name means `fold(col)`;
    /// `all` pairs every record with every other (small tables).
    pub fn parse(s: &str, columns: &[String]) -> Result<Rule> {
        if s.trim() == "all" {
            return Ok(Rule { parts: Vec::new() });
        }
        let bad = |why: String| {
            Error::usage(format!("blocking rule \"{s}\": {why}")).with_hint(
                "write `all`, or expressions joined by &, each FUNC(COLUMN) or FUNC(COL1|COL2) or a column name; FUNC is one of fold, soundex, metaphone, initial, prefixN, words, date, year, email, phone, digits, postcode, minhash",
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
                    let func = Func::parse(f.trim()).ok_or_else(|| {
                        Error::usage(format!(
                            "blocking rule \"{s}\": \"{}\" is not a function",
                            f.trim()
                        ))
                        .with_hint(crate::error::unknown_hint(
                            f.trim(),
                            &Func::NAMES,
                            "functions",
                        ))
                    })?;
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
                    .with_hint(crate::error::unknown_hint(c, columns, "columns")));
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

    /// Whether the rule uses MinHash bands (several keys per record).
    pub fn banded(&self) -> bool {
        self.parts.iter().any(|p| p.func == Func::MinHash)
    }

    /// Per record of `rows`: the rule's keys (one, or one per MinHash band), 0 when a part is
    /// missing. `text(col, row)` gives a column's raw value.
    pub fn keys<'t>(
        &self,
        rows: &[usize],
        text: &(dyn Fn(&str, usize) -> Option<&'t str> + Sync),
    ) -> Keys {
        let stride = if self.banded() { BANDS } else { 1 };
        let mut data = vec![0u64; rows.len() * stride];
        data.par_chunks_mut(stride)
            .zip(rows.par_iter())
            .for_each(|(out, &r)| {
                let mut h = DefaultHasher::new();
                let mut bands: Option<[u64; BANDS]> = None;
                for p in &self.parts {
                    if p.func == Func::MinHash {
                        let mut joined = String::new();
                        for c in &p.columns {
                            if let Some(v) = text(c, r) {
                                joined.push(' ');
                                joined.push_str(v);
                            }
                        }
                        let b = minhash_bands(&joined);
                        if b[0] == 0 {
                            return;
                        }
                        bands = Some(b);
                        continue;
                    }
                    let mut vals: Vec<String> = Vec::with_capacity(p.columns.len());
                    for c in &p.columns {
                        let v = text(c, r).map(|v| p.func.apply(v)).unwrap_or_default();
                        if v.is_empty() {
                            return;
                        }
                        vals.push(v);
                    }
                    vals.sort_unstable();
                    vals.hash(&mut h);
                }
                match bands {
                    None => out[0] = h.finish().max(1),
                    Some(b) => {
                        for (o, band) in out.iter_mut().zip(&b) {
                            let mut h = h.clone();
                            band.hash(&mut h);
                            *o = h.finish().max(1);
                        }
                    }
                }
            });
        Keys { stride, data }
    }
}

/// A rule's keys: `stride` per record (0: missing).
#[derive(Debug, Clone)]
pub struct Keys {
    pub stride: usize,
    pub data: Vec<u64>,
}

impl Keys {
    /// One key per record.
    pub fn single(data: Vec<u64>) -> Keys {
        Keys { stride: 1, data }
    }
    pub fn of(&self, row: usize) -> &[u64] {
        &self.data[row * self.stride..(row + 1) * self.stride]
    }
    /// Whether records `a` and `b` share a key.
    pub fn agree(&self, a: usize, b: usize) -> bool {
        self.of(a)
            .iter()
            .zip(self.of(b))
            .any(|(x, y)| *x != 0 && x == y)
    }
    /// (key, record) for every non-missing key, sorted.
    fn entries(&self) -> Vec<(u64, u32)> {
        let mut e: Vec<(u64, u32)> = self
            .data
            .iter()
            .enumerate()
            .filter(|(_, k)| **k != 0)
            .map(|(i, k)| (*k, (i / self.stride) as u32))
            .collect();
        e.par_sort_unstable();
        e
    }
}

/// How many pairs a rule makes: per bucket n·(n−1)/2 (for MinHash bands an upper bound, as a
/// pair may share several bands); also the largest bucket's size and one of its records (an
/// index into the rows).
pub fn count_pairs(keys: &Keys) -> (u64, usize, Option<usize>) {
    let order = keys.entries();
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
            example = Some(order[i].1 as usize);
        }
        i = j;
    }
    (total, largest, example)
}

/// Candidate pairs (indices into the rows, smaller first), sorted, each once, with per pair a
/// bit mask of the rules whose keys agree on it (rules past the 64th share the last bit).
pub fn candidate_pairs(keys: &[Keys]) -> (Vec<(u32, u32)>, Vec<u64>) {
    let mut pairs = Vec::new();
    for (r, k) in keys.iter().enumerate() {
        let order = k.entries();
        // the buckets (records sharing a key), their pairs on both cores
        let mut buckets = Vec::new();
        let mut i = 0;
        while i < order.len() {
            let mut j = i;
            while j < order.len() && order[j].0 == order[i].0 {
                j += 1;
            }
            if j - i > 1 {
                buckets.push((i, j));
            }
            i = j;
        }
        let found: Vec<(u32, u32)> = buckets
            .par_iter()
            .flat_map_iter(|&(i, j)| {
                let order = &order;
                (i..j).flat_map(move |x| {
                    (x + 1..j).filter_map(move |y| {
                        let (a, b) = (order[x].1.min(order[y].1), order[x].1.max(order[y].1));
                        let earlier = keys[..r].iter().any(|e| e.agree(a as usize, b as usize));
                        (a != b && !earlier).then_some((a, b))
                    })
                })
            })
            .collect();
        // grown to the size needed, not doubled (at 1M people the doubling left 46 MB unused
        // at the run's peak)
        pairs.reserve_exact(found.len());
        pairs.extend(found);
    }
    pairs.par_sort_unstable();
    pairs.dedup();
    pairs.shrink_to_fit();
    let masks = pairs
        .par_iter()
        .map(|&(a, b)| {
            keys.iter().enumerate().fold(0u64, |m, (r, k)| {
                if k.agree(a as usize, b as usize) {
                    m | (1 << r.min(63))
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
        let all = Rule::parse("all", &cols).unwrap();
        assert_eq!(all.to_string(), "all");
        assert!(all.columns().is_empty());
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
        let keys = vec![
            Keys::single(vec![5, 5, 5, 0]),
            Keys::single(vec![0, 7, 7, 7]),
        ];
        let (pairs, masks) = candidate_pairs(&keys);
        assert_eq!(pairs, [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]);
        assert_eq!(masks, [1, 1, 3, 2, 2]);
        assert_eq!(count_pairs(&keys[0]), (3, 3, Some(0)));
    }

    #[test]
    fn minhash_bands_pair_near_duplicate_texts() {
        let cols = vec!["notes".to_string()];
        let r = Rule::parse("minhash(notes)", &cols).unwrap();
        let data = [
            "the quick brown fox jumps over the lazy dog near the river bank today",
            "the quick brown fox jumped over the lazy dog near the river bank today",
            "completely different words about invoices taxes and quarterly reports",
            "",
        ];
        let text = |_: &str, i: usize| Some(data[i]);
        let k = r.keys(&[0, 1, 2, 3], &text);
        assert_eq!(k.stride, BANDS);
        assert!(k.agree(0, 1));
        assert!(!k.agree(0, 2));
        assert!(k.of(3).iter().all(|x| *x == 0));
        let (pairs, _) = candidate_pairs(&[k]);
        assert_eq!(pairs, [(0, 1)]);
    }

    #[test]
    fn swapped_columns_share_a_sorted_key() {
        let cols = vec!["first".to_string(), "last".to_string()];
        let r = Rule::parse("metaphone(first|last)", &cols).unwrap();
        let data = [["Omar", "Haddad"], ["Haddad", "Omar"]];
        let text = |c: &str, i: usize| Some(data[i][if c == "first" { 0 } else { 1 }]);
        let k = r.keys(&[0, 1], &text);
        assert!(k.agree(0, 1));
    }
}
