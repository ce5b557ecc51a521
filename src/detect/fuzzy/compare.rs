//! Comparisons: each one looks at one column (prepared once, normalised for its role) and puts
//! a pair of records into a level, from "exact" down to "else". Level 0 is always "a value is
//! missing": a missing value is no evidence either way.

use std::collections::HashMap;

use serde::Serialize;
use strsim::{damerau_levenshtein, jaro_winkler};

use super::roles::Role;
use crate::normalize::{self, Date};

/// A level's label, for reports and the pairs file.
pub type Label = &'static str;

/// A column's values prepared for its comparison.
#[derive(Debug, Clone)]
pub enum Prepared {
    /// Normalised text; `code` is a secondary form (phonetic code, postcode district,
    /// e-mail local part, text without spaces) where the comparison uses one.
    Text {
        value: Texts,
        code: Texts,
    },
    Date(Vec<Option<Date>>),
    Number(Vec<Option<f64>>),
    /// An address spread over columns (street, postcode, city): one comparison, because they
    /// move together (counting each would count one move three times).
    Place {
        street: Texts,
        postcode: Texts,
        district: Texts,
        city: Texts,
    },
}

/// A column's prepared texts end to end in one buffer; an empty slot is `None` (a prepared text
/// is never empty). One allocation per column, where a boxed string per value cost 16 bytes of
/// slot and a heap chunk of at least 32 each: on 1M people about half a gigabyte, and a heap
/// left fragmented once they were packed and freed.
#[derive(Debug, Default, Clone)]
pub struct Texts {
    bytes: String,
    ends: Vec<u64>,
}

impl Texts {
    fn with_capacity(n: usize) -> Texts {
        Texts {
            bytes: String::new(),
            ends: Vec::with_capacity(n),
        }
    }
    /// Appends a value (`None` or an empty text: none).
    fn push(&mut self, t: Option<&str>) {
        if let Some(t) = t {
            self.bytes.push_str(t);
        }
        self.ends.push(self.bytes.len() as u64);
    }
    fn done(mut self) -> Texts {
        self.bytes.shrink_to_fit();
        self
    }
    /// Value `i`.
    pub fn get(&self, i: usize) -> Option<&str> {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends[i] as usize;
        (end > start).then(|| &self.bytes[start..end])
    }
    pub fn len(&self) -> usize {
        self.ends.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }
}

impl<S: AsRef<str>> FromIterator<Option<S>> for Texts {
    fn from_iter<I: IntoIterator<Item = Option<S>>>(iter: I) -> Texts {
        let iter = iter.into_iter();
        let mut t = Texts::with_capacity(iter.size_hint().0);
        for v in iter {
            t.push(v.as_ref().map(AsRef::as_ref));
        }
        t.done()
    }
}

/// One comparison: a column, its role and its levels.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// The column compared; for a place, its columns joined with `+`.
    pub column: String,
    /// The columns it reads.
    pub columns: Vec<String>,
    #[serde(skip)]
    pub column_index: usize,
    pub role: Role,
    pub levels: Vec<Label>,
    /// Another comparison whose value a swapped entry would hold (first ↔ last name).
    #[serde(skip)]
    pub swap_with: Option<usize>,
    /// Term-frequency adjustment for exact agreement (rare values weigh more).
    pub term_frequency: bool,
}

impl Comparison {
    /// One comparison over several columns read as one value: a place (street, postcode,
    /// city; role `Address`) or a date split over year, month and day (role `Date`). It is
    /// shown under `column_index`, the first of them the file holds.
    pub fn combined(columns: Vec<String>, column_index: usize, role: Role) -> Comparison {
        Comparison {
            column: columns.join("+"),
            columns,
            column_index,
            role,
            levels: levels_for(role, false, role == Role::Address),
            swap_with: None,
            term_frequency: false,
        }
    }
}

/// Level labels per role: index 0 is "null", the last is "else".
pub fn levels_for(role: Role, swap: bool, place: bool) -> Vec<Label> {
    let mut l: Vec<Label> = match role {
        Role::FirstName => vec![
            "null",
            "exact",
            "jaro-winkler>=0.92",
            "forms of one name (nickname)",
            "jaro-winkler>=0.80 or same sound",
            "else",
        ],
        Role::LastName | Role::String => {
            vec![
                "null",
                "exact",
                "jaro-winkler>=0.92",
                "jaro-winkler>=0.80 or same sound",
                "else",
            ]
        }
        Role::FullName => vec![
            "null",
            "exact",
            "same words or same letters",
            "jaro-winkler>=0.92",
            "jaro-winkler>=0.80 or half the words",
            "else",
        ],
        Role::Email => vec![
            "null",
            "exact",
            "same user name",
            "damerau-levenshtein<=2",
            "else",
        ],
        Role::Phone => vec!["null", "exact", "damerau-levenshtein<=1", "else"],
        Role::Date => vec![
            "null",
            "exact",
            "day/month swapped or one typo",
            "within 31 days",
            "within 366 days",
            "else",
        ],
        Role::Postcode => vec!["null", "exact", "same district", "else"],
        Role::City => vec!["null", "exact", "jaro-winkler>=0.90", "else"],
        Role::Number => vec!["null", "exact", "within 1%", "within 10%", "else"],
        Role::Category => vec!["null", "exact", "else"],
        Role::Address | Role::Text => {
            vec![
                "null",
                "exact",
                "words overlap>=0.7",
                "words overlap>=0.4",
                "else",
            ]
        }
        Role::Identifier | Role::Timestamp => vec!["null", "exact", "else"],
    };
    if place {
        l = vec![
            "null",
            "same street and postcode",
            "same street or postcode",
            "same postcode district",
            "same city",
            "else",
        ];
    }
    if swap {
        l.insert(2, "swapped with the other name");
    }
    l
}

/// UK-style postcode district (`SW1A 1AA` → `SW1A`), else all but the last two characters.
fn district(p: &str) -> String {
    if p.len() >= 5 && p.is_ascii() {
        p[..p.len() - 3].to_owned()
    } else if p.len() > 2 && p.is_ascii() {
        p[..p.len() - 2].to_owned()
    } else {
        p.to_owned()
    }
}

/// Prepares an address given as street, postcode and city columns (any may be absent).
pub fn prepare_place(
    street: Option<&[Option<&str>]>,
    postcode: Option<&[Option<&str>]>,
    city: Option<&[Option<&str>]>,
    n: usize,
) -> Prepared {
    let fold_all = |v: Option<&[Option<&str>]>, f: &dyn Fn(&str) -> String| -> Texts {
        match v {
            None => (0..n).map(|_| None::<&str>).collect(),
            Some(v) => v.iter().map(|x| x.map(f)).collect(),
        }
    };
    let pc = |x: &str| {
        normalize::fold(x)
            .chars()
            .filter(|c| *c != ' ')
            .collect::<String>()
            .to_uppercase()
    };
    let postcode_v = fold_all(postcode, &pc);
    let district = (0..postcode_v.len())
        .map(|i| postcode_v.get(i).map(district))
        .collect();
    Prepared::Place {
        street: fold_all(street, &normalize::fold),
        postcode: postcode_v,
        district,
        city: fold_all(city, &normalize::fold),
    }
}

/// Prepares a column's values (NULL as `None`) for a role.
pub fn prepare(role: Role, values: &[Option<&str>]) -> Prepared {
    let text = |f: &dyn Fn(&str) -> (String, String)| {
        let mut value = Texts::with_capacity(values.len());
        let mut code = Texts::with_capacity(values.len());
        for v in values {
            match v.map(f) {
                Some((a, b)) if !a.is_empty() => {
                    value.push(Some(&a));
                    code.push(Some(&b));
                }
                _ => {
                    value.push(None);
                    code.push(None);
                }
            }
        }
        Prepared::Text {
            value: value.done(),
            code: code.done(),
        }
    };
    match role {
        Role::Date => Prepared::Date(
            values
                .iter()
                .map(|v| v.and_then(normalize::parse_date))
                .collect(),
        ),
        Role::Number => Prepared::Number(
            values
                .iter()
                .map(|v| v.and_then(normalize::parse_number))
                .collect(),
        ),
        Role::FirstName | Role::LastName | Role::String => text(&|v| {
            let f = normalize::fold(v);
            let code = normalize::phonetic::metaphone(&f);
            (f, code)
        }),
        Role::FullName => text(&|v| {
            let f = normalize::fold(v);
            let joined: String = f.chars().filter(|c| *c != ' ').collect();
            (f, joined)
        }),
        Role::Email => text(&|v| {
            let e = normalize::canonical_email(v);
            let user = e.split('@').next().unwrap_or("").to_owned();
            (e, user)
        }),
        Role::Phone => text(&|v| (normalize::canonical_phone(v), String::new())),
        Role::Postcode => text(&|v| {
            let p: String = normalize::fold(v).chars().filter(|c| *c != ' ').collect();
            let p = p.to_uppercase();
            let d = district(&p);
            (p, d)
        }),
        // free text: its distinct words sorted as the code, so that two texts' word overlap is
        // one merge of the codes (long track lists and abstracts are compared a million times
        // while `u` is estimated)
        Role::Text => text(&|v| {
            let f = normalize::fold(v);
            let code = sorted_words(&f);
            (f, code)
        }),
        _ => text(&|v| (normalize::fold(v), String::new())),
    }
}

/// A date split over three columns (year, month, day) as one prepared date; a record missing a
/// part, or whose parts make no calendar date, has none.
pub fn prepare_split_date(
    year: &[Option<&str>],
    month: &[Option<&str>],
    day: &[Option<&str>],
) -> Prepared {
    Prepared::Date(
        year.iter()
            .zip(month)
            .zip(day)
            .map(|((y, m), d)| {
                let (y, m, d) = ((*y)?.trim(), (*m)?.trim(), (*d)?.trim());
                if y.len() != 4 {
                    return None;
                }
                normalize::parse_date(&format!("{y}-{m}-{d}"))
            })
            .collect(),
    )
}

/// Width of one word in the form of [`sorted_words`]: its 64-bit hash in hexadecimal.
const WORD_HEX: usize = 16;

/// A text's distinct words as their 64-bit hashes, sorted, each written in [`WORD_HEX`]
/// hexadecimal digits: the form [`sorted_overlap`] reads without splitting or comparing words
/// (a million random pairs of long texts are compared while `u` is estimated). Two different
/// words share a hash with a chance of one in 2^64.
fn sorted_words(text: &str) -> String {
    use std::fmt::Write as _;
    use std::hash::{Hash, Hasher};
    let mut h: Vec<u64> = text
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut s = std::collections::hash_map::DefaultHasher::new();
            w.hash(&mut s);
            s.finish()
        })
        .collect();
    h.sort_unstable();
    h.dedup();
    let mut out = String::with_capacity(h.len() * WORD_HEX);
    for x in h {
        let _ = write!(out, "{x:016x}");
    }
    out
}

/// [`word_overlap`] of two texts in the form of [`sorted_words`], without allocating: one
/// merge of fixed-width words.
fn sorted_overlap(a: &str, b: &str) -> f64 {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let word = |s: &[u8], i: usize| -> u128 {
        let mut w = [0u8; WORD_HEX];
        w.copy_from_slice(&s[i * WORD_HEX..(i + 1) * WORD_HEX]);
        u128::from_be_bytes(w)
    };
    sorted_jaccard(
        a.len() / WORD_HEX,
        b.len() / WORD_HEX,
        |i| word(a, i),
        |j| word(b, j),
    )
}

/// The Jaccard index of two sorted sequences without repeats, of `na` and `nb` items read by
/// `a` and `b`: their shared items (one merge) over all their items; 1 for two empty ones.
fn sorted_jaccard<T: Ord>(
    na: usize,
    nb: usize,
    a: impl Fn(usize) -> T,
    b: impl Fn(usize) -> T,
) -> f64 {
    if na == 0 && nb == 0 {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < na && j < nb {
        match a(i).cmp(&b(j)) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (na + nb - common) as f64
}

/// One record's prepared value for one comparison.
#[derive(Debug, Clone, Copy, Default)]
pub enum Val<'a> {
    /// Nothing to compare (only a default).
    #[default]
    Missing,
    Text {
        value: Option<&'a str>,
        code: Option<&'a str>,
    },
    Date(Option<Date>),
    Number(Option<f64>),
    Place {
        street: Option<&'a str>,
        postcode: Option<&'a str>,
        district: Option<&'a str>,
        city: Option<&'a str>,
    },
}

impl<'a> Val<'a> {
    fn is_null(&self) -> bool {
        match *self {
            Val::Missing => true,
            Val::Text { value, .. } => value.is_none(),
            Val::Date(d) => d.is_none(),
            Val::Number(n) => n.is_none(),
            Val::Place {
                street,
                postcode,
                city,
                ..
            } => street.is_none() && postcode.is_none() && city.is_none(),
        }
    }

    /// The value as text, for reports (`None`: missing).
    pub fn show(&self) -> Option<String> {
        match *self {
            Val::Missing => None,
            Val::Text { value, .. } => value.map(str::to_owned),
            Val::Date(d) => d.map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
            Val::Number(n) => n.map(|v| v.to_string()),
            Val::Place {
                street,
                postcode,
                city,
                ..
            } => {
                let parts: Vec<&str> = [street, postcode, city]
                    .iter()
                    .map(|p| p.unwrap_or("NULL"))
                    .collect();
                Some(parts.join(" | "))
            }
        }
    }

    pub fn text(&self) -> Option<&'a str> {
        match *self {
            Val::Text { value, .. } => value,
            _ => None,
        }
    }

    /// How many bytes [`Val::encode`] writes.
    fn encoded_len(&self) -> usize {
        fn text(t: Option<&str>) -> usize {
            match t {
                None => 1,
                Some(t) if t.len() < 254 => 1 + t.len(),
                Some(t) => 9 + t.len(),
            }
        }
        1 + match *self {
            Val::Missing => 0,
            Val::Text { value, code } => text(value) + text(code),
            Val::Date(_) | Val::Number(_) => 9,
            Val::Place {
                street,
                postcode,
                district,
                city,
            } => text(street) + text(postcode) + text(district) + text(city),
        }
    }

    fn encode(&self, out: &mut Vec<u8>) {
        fn text(out: &mut Vec<u8>, t: Option<&str>) {
            match t {
                None => out.push(254),
                Some(t) if t.len() < 254 => {
                    out.push(t.len() as u8);
                    out.extend_from_slice(t.as_bytes());
                }
                Some(t) => {
                    out.push(255);
                    out.extend_from_slice(&(t.len() as u64).to_le_bytes());
                    out.extend_from_slice(t.as_bytes());
                }
            }
        }
        match *self {
            Val::Missing => out.push(0),
            Val::Text { value, code } => {
                out.push(1);
                text(out, value);
                text(out, code);
            }
            Val::Date(d) => {
                out.push(2);
                let d = d.map_or([0u8; 9], |d| {
                    let mut b = [1u8; 9];
                    b[1..5].copy_from_slice(&d.year.to_le_bytes());
                    b[5..7].copy_from_slice(&(d.month as u16).to_le_bytes());
                    b[7..9].copy_from_slice(&(d.day as u16).to_le_bytes());
                    b
                });
                out.extend_from_slice(&d);
            }
            Val::Number(n) => {
                out.push(3);
                out.push(n.is_some() as u8);
                out.extend_from_slice(&n.unwrap_or(0.0).to_le_bytes());
            }
            Val::Place {
                street,
                postcode,
                district,
                city,
            } => {
                out.push(4);
                for t in [street, postcode, district, city] {
                    text(out, t);
                }
            }
        }
    }

    /// The value [`Val::encode`] wrote at the start of `b`, and the bytes after it.
    fn decode(b: &'a [u8]) -> (Val<'a>, &'a [u8]) {
        fn text(b: &[u8]) -> (Option<&str>, &[u8]) {
            match b[0] {
                254 => (None, &b[1..]),
                255 => {
                    let n = u64::from_le_bytes(b[1..9].try_into().unwrap_or([0; 8])) as usize;
                    (Some(utf8(&b[9..9 + n])), &b[9 + n..])
                }
                n => {
                    let n = n as usize;
                    (Some(utf8(&b[1..1 + n])), &b[1 + n..])
                }
            }
        }
        let rest = &b[1..];
        match b[0] {
            1 => {
                let (value, rest) = text(rest);
                let (code, rest) = text(rest);
                (Val::Text { value, code }, rest)
            }
            2 => {
                let d = (rest[0] == 1).then(|| Date {
                    year: i32::from_le_bytes(rest[1..5].try_into().unwrap_or([0; 4])),
                    month: u32::from(u16::from_le_bytes([rest[5], rest[6]])),
                    day: u32::from(u16::from_le_bytes([rest[7], rest[8]])),
                });
                (Val::Date(d), &rest[9..])
            }
            3 => {
                let n = f64::from_le_bytes(rest[1..9].try_into().unwrap_or([0; 8]));
                (Val::Number((rest[0] == 1).then_some(n)), &rest[9..])
            }
            4 => {
                let (street, rest) = text(rest);
                let (postcode, rest) = text(rest);
                let (district, rest) = text(rest);
                let (city, rest) = text(rest);
                (
                    Val::Place {
                        street,
                        postcode,
                        district,
                        city,
                    },
                    rest,
                )
            }
            _ => (Val::Missing, rest),
        }
    }
}

/// A text [`Val::encode`] copied from a `&str`, read back at the same place.
fn utf8(b: &[u8]) -> &str {
    debug_assert!(std::str::from_utf8(b).is_ok());
    // SAFETY: `Packed` holds only what `Val::encode` wrote: each text's bytes, copied whole
    // from a `&str` after its length, and `Val::decode` reads them back with that length from
    // the same position (the compare step's hot path: checking them again cost 6% of it)
    unsafe { std::str::from_utf8_unchecked(b) }
}

/// Every record's prepared values, all comparisons side by side: comparing a pair reads a
/// record's values from one or two cache lines, where the per-column vectors cost a cache miss
/// (or two: the value's slot, then its text) per comparison. Held in chunks of
/// [`Packed::CHUNK`] records, so that records can be prepared and packed a slice at a time
/// (each chunk allocated once, at its size).
#[derive(Debug, Default)]
pub struct Packed {
    chunks: Vec<PackedChunk>,
}

#[derive(Debug)]
struct PackedChunk {
    /// Per record, where its values start in `data`; and the end.
    starts: Vec<u64>,
    data: Vec<u8>,
}

impl Packed {
    /// Records per chunk.
    pub const CHUNK: usize = 1 << 16;

    pub fn new(prepared: &[Prepared], rows: usize) -> Packed {
        let mut p = Packed::default();
        p.push(prepared, rows);
        p
    }

    /// How many records it holds.
    pub fn rows(&self) -> usize {
        self.chunks.iter().map(|c| c.starts.len() - 1).sum()
    }

    /// Appends `rows` records: `prepared` holds their values (record `i` of them is
    /// `prepared[c].val(i)`). Every push but the last must hold a whole number of chunks.
    pub fn push(&mut self, prepared: &[Prepared], rows: usize) {
        debug_assert!(self
            .chunks
            .last()
            .is_none_or(|c| c.starts.len() - 1 == Self::CHUNK));
        for first in (0..rows).step_by(Self::CHUNK) {
            let last = rows.min(first + Self::CHUNK);
            // the sizes first, so that the chunk is allocated once, at its size (grown by
            // doubling it was up to twice that)
            let mut starts = Vec::with_capacity(last - first + 1);
            let mut total = 0usize;
            for i in first..last {
                starts.push(total as u64);
                for c in prepared {
                    total += c.val(i).encoded_len();
                }
            }
            starts.push(total as u64);
            let mut data = Vec::with_capacity(total);
            for i in first..last {
                for c in prepared {
                    c.val(i).encode(&mut data);
                }
            }
            debug_assert_eq!(data.len(), total);
            self.chunks.push(PackedChunk { starts, data });
        }
    }

    /// Record `i`'s encoded values (`None` once released: see
    /// [`super::Engine::release_values`]).
    #[inline]
    fn record(&self, i: usize) -> Option<&[u8]> {
        let c = self.chunks.get(i / Self::CHUNK)?;
        let j = i % Self::CHUNK;
        Some(&c.data[c.starts[j] as usize..c.starts[j + 1] as usize])
    }

    /// Brings record `i`'s values into the cache (see [`Packed::values`]).
    #[inline]
    pub fn touch(&self, i: usize) {
        if let Some(b) = self.record(i) {
            if let (Some(first), Some(last)) = (b.first(), b.last()) {
                std::hint::black_box((first, last));
            }
        }
    }

    /// Record `i`'s values, one per comparison, into `out` (all missing once released: see
    /// [`super::Engine::release_values`]).
    pub fn values<'a>(&'a self, i: usize, out: &mut [Val<'a>]) {
        let Some(mut b) = self.record(i) else {
            debug_assert!(false, "record {i}'s prepared values were released");
            out.fill(Val::Missing);
            return;
        };
        for o in out {
            if b.is_empty() {
                *o = Val::Missing;
                continue;
            }
            let (v, rest) = Val::decode(b);
            *o = v;
            b = rest;
        }
    }

    /// Record `i`'s value for comparison `c`.
    fn value(&self, i: usize, c: usize) -> Val<'_> {
        let Some(mut b) = self.record(i) else {
            return Val::Missing;
        };
        for _ in 0..c {
            if b.is_empty() {
                return Val::Missing;
            }
            b = Val::decode(b).1;
        }
        if b.is_empty() {
            return Val::Missing;
        }
        Val::decode(b).0
    }
}

impl Prepared {
    /// Record `i`'s value.
    pub fn val(&self, i: usize) -> Val<'_> {
        match self {
            Prepared::Text { value, code } => Val::Text {
                value: value.get(i),
                code: code.get(i),
            },
            Prepared::Date(d) => Val::Date(d[i]),
            Prepared::Number(n) => Val::Number(n[i]),
            Prepared::Place {
                street,
                postcode,
                district,
                city,
            } => Val::Place {
                street: street.get(i),
                postcode: postcode.get(i),
                district: district.get(i),
                city: city.get(i),
            },
        }
    }

    pub fn is_null(&self, i: usize) -> bool {
        match self {
            Prepared::Place {
                street,
                postcode,
                city,
                ..
            } => street.get(i).is_none() && postcode.get(i).is_none() && city.get(i).is_none(),
            Prepared::Text { value, .. } => value.get(i).is_none(),
            Prepared::Date(d) => d[i].is_none(),
            Prepared::Number(n) => n[i].is_none(),
        }
    }
    pub fn text(&self, i: usize) -> Option<&str> {
        match self {
            Prepared::Text { value, .. } => value.get(i),
            _ => None,
        }
    }
    pub fn code(&self, i: usize) -> Option<&str> {
        match self {
            Prepared::Text { code, .. } => code.get(i),
            _ => None,
        }
    }
    /// The prepared value as text, for reports.
    pub fn show(&self, i: usize) -> Option<String> {
        self.val(i).show()
    }
    /// A hashable form of the value for term frequencies (text and dates).
    fn tf_key(&self, i: usize) -> Option<TfKey<'_>> {
        match self {
            Prepared::Text { value, .. } => value.get(i).map(TfKey::Text),
            Prepared::Date(d) => d[i].map(TfKey::Date),
            _ => self.show(i).map(TfKey::Shown),
        }
    }
}

/// A prepared value as term frequencies count it (equal exactly when the shown values are).
#[derive(PartialEq, Eq, Hash)]
enum TfKey<'a> {
    Text(&'a str),
    Date(Date),
    Shown(String),
}

/// Per record: the share of non-NULL records holding the same prepared value (the reference
/// for [`term_frequencies_packed`], which the matcher uses).
pub fn term_frequencies(p: &Prepared, rows: &[usize]) -> Vec<f32> {
    shares(p_len(p), rows, |i| p.tf_key(i))
}

/// [`term_frequencies`] of comparison `c` from the packed values: the same shares.
pub fn term_frequencies_packed(packed: &Packed, c: usize, rows: &[usize]) -> Vec<f32> {
    shares(packed.rows(), rows, |i| match packed.value(i, c) {
        Val::Missing => None,
        Val::Text { value, .. } => value.map(TfKey::Text),
        Val::Date(d) => d.map(TfKey::Date),
        v => v.show().map(TfKey::Shown),
    })
}

/// Per record of `n`: the share of the `rows` with a value (`key`) that hold its value.
fn shares<'a>(n: usize, rows: &[usize], key: impl Fn(usize) -> Option<TfKey<'a>>) -> Vec<f32> {
    let mut counts: HashMap<TfKey<'a>, u32> = HashMap::new();
    let mut present = 0u32;
    for &i in rows {
        if let Some(k) = key(i) {
            *counts.entry(k).or_default() += 1;
            present += 1;
        }
    }
    let mut tf = vec![0f32; n];
    if present == 0 {
        return tf;
    }
    for (i, t) in tf.iter_mut().enumerate() {
        if let Some(k) = key(i) {
            *t = counts.get(&k).copied().unwrap_or(1) as f32 / present as f32;
        }
    }
    tf
}

fn p_len(p: &Prepared) -> usize {
    match p {
        Prepared::Text { value, .. } => value.len(),
        Prepared::Date(d) => d.len(),
        Prepared::Number(n) => n.len(),
        Prepared::Place { street, .. } => street.len(),
    }
}

/// Jaccard overlap of the word sets of two folded texts (no allocation: names and addresses
/// have few words).
fn word_overlap(a: &str, b: &str) -> f64 {
    // up to 16 distinct words each, on the stack; more: the general path below
    if let (Some((wa, na)), Some((wb, nb))) = (few_words(a), few_words(b)) {
        if na == 0 && nb == 0 {
            return 1.0;
        }
        let common = wa[..na].iter().filter(|x| wb[..nb].contains(x)).count();
        return common as f64 / (na + nb - common) as f64;
    }
    word_overlap_any(a, b)
}

/// At most this many distinct words of a text are held on the stack ([`few_words`]).
const FEW: usize = 16;

/// The distinct words of a folded text, in their order, and how many: `None` past [`FEW`].
fn few_words(s: &str) -> Option<([&str; FEW], usize)> {
    let mut w = [""; FEW];
    let mut n = 0;
    for x in s.split(' ').filter(|w| !w.is_empty()) {
        if w[..n].contains(&x) {
            continue;
        }
        if n == FEW {
            return None;
        }
        w[n] = x;
        n += 1;
    }
    Some((w, n))
}

/// Words this long or longer are the same word one typo apart in [`near_word_overlap`].
const NEAR_WORD: usize = 4;

/// [`word_overlap`] of an address's words, where two words one typo apart (both of at least
/// [`NEAR_WORD`] characters: `sreet` and `street`, not `34` and `39`) count as one, and two
/// texts of the same characters but for their spaces (`locn 3439`, `locn 34 39`) are the same.
/// Each word of one text is paired with at most one of the other, an equal one first. Texts of
/// more than 16 distinct words: [`word_overlap`].
fn near_word_overlap(a: &str, b: &str) -> f64 {
    if a.contains(' ') || b.contains(' ') {
        let (x, y) = (
            a.bytes().filter(|c| *c != b' '),
            b.bytes().filter(|c| *c != b' '),
        );
        if x.eq(y) {
            return 1.0;
        }
    }
    let (Some((wa, na)), Some((wb, nb))) = (few_words(a), few_words(b)) else {
        return word_overlap(a, b);
    };
    if na == 0 && nb == 0 {
        return 1.0;
    }
    let mut used = [false; FEW];
    let mut paired = [false; FEW];
    let mut common = 0;
    // equal words first, then those one typo apart
    for (i, x) in wa[..na].iter().enumerate() {
        if let Some(j) = wb[..nb].iter().position(|y| y == x) {
            used[j] = true;
            paired[i] = true;
            common += 1;
        }
    }
    for (i, x) in wa[..na].iter().enumerate() {
        if paired[i] || x.len() < NEAR_WORD {
            continue;
        }
        if let Some(j) =
            (0..nb).find(|&j| !used[j] && wb[j].len() >= NEAR_WORD && within_one_edit(x, wb[j]))
        {
            used[j] = true;
            common += 1;
        }
    }
    common as f64 / (na + nb - common) as f64
}

/// [`word_overlap`] of texts with any number of words: each text's distinct words sorted, then
/// one merge (n log n in the words; track lists and abstracts have hundreds).
fn word_overlap_any(a: &str, b: &str) -> f64 {
    fn distinct(s: &str) -> Vec<&str> {
        let mut w: Vec<&str> = s.split(' ').filter(|w| !w.is_empty()).collect();
        w.sort_unstable();
        w.dedup();
        w
    }
    let (wa, wb) = (distinct(a), distinct(b));
    sorted_jaccard(wa.len(), wb.len(), |i| wa[i], |j| wb[j])
}

/// A lower bound of the edit distance between two ASCII texts, Damerau-Levenshtein's too: how
/// many letters one holds more of than the other, the larger side (an edit changes that by at
/// most one, a swap not at all); 0 for other texts. Most pairs of different addresses are told
/// apart by it without the distance's matrix.
fn letters_apart(a: &str, b: &str) -> usize {
    if !(a.is_ascii() && b.is_ascii()) {
        return 0;
    }
    let mut count = [0i32; 128];
    for &c in a.as_bytes() {
        count[c as usize] += 1;
    }
    for &c in b.as_bytes() {
        count[c as usize] -= 1;
    }
    let (mut more, mut fewer) = (0, 0);
    for c in count {
        if c > 0 {
            more += c;
        } else {
            fewer -= c;
        }
    }
    more.max(fewer) as usize
}

/// Whether two texts are at most one edit apart (insertion, deletion, substitution, or two
/// adjacent characters swapped), without allocating.
fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    if long.len() - short.len() > 1 {
        return false;
    }
    let p = short.iter().zip(long).take_while(|(x, y)| x == y).count();
    if p == short.len() {
        return true;
    }
    if short.len() == long.len() {
        // substitution, or adjacent swap
        short[p + 1..] == long[p + 1..]
            || (p + 1 < short.len()
                && short[p] == long[p + 1]
                && short[p + 1] == long[p]
                && short[p + 2..] == long[p + 2..])
    } else {
        short[p..] == long[p + 1..]
    }
}

impl Comparison {
    /// The level of the pair (`a`, `b`): 0 when either value is missing, then 1 ("exact") and
    /// down to the last level ("else").
    pub fn level(&self, prepared: &[Prepared], me: usize, a: usize, b: usize) -> u8 {
        let swap = self
            .swap_with
            .map_or((None, None), |o| (prepared[o].text(a), prepared[o].text(b)));
        self.level_of(prepared[me].val(a), prepared[me].val(b), swap)
    }

    /// [`Comparison::level`] of two records' values `x` and `y`; `swap`: each record's value
    /// of the comparison [`Comparison::swap_with`] names.
    pub fn level_of(&self, x: Val<'_>, y: Val<'_>, swap: (Option<&str>, Option<&str>)) -> u8 {
        if x.is_null() || y.is_null() {
            return 0;
        }
        let last = (self.levels.len() - 1) as u8;
        match (x, y) {
            (
                Val::Place {
                    street: sa,
                    postcode: pa,
                    district: da,
                    city: ca,
                },
                Val::Place {
                    street: sb,
                    postcode: pb,
                    district: db,
                    city: cb,
                },
            ) => place_level([sa, pa, da, ca], [sb, pb, db, cb], last),
            (Val::Date(x), Val::Date(y)) => date_level(x, y, last),
            (Val::Number(x), Val::Number(y)) => number_level(x, y, last),
            (Val::Text { value: x, code: cx }, Val::Text { value: y, code: cy }) => {
                self.text_level((x.unwrap_or(""), cx), (y.unwrap_or(""), cy), swap, last)
            }
            _ => last,
        }
    }

    /// [`Comparison::level_of`] two texts (with their codes: a sound, a canonical form, sorted
    /// words), neither missing.
    #[inline(always)]
    fn text_level(
        &self,
        (x, cx): (&str, Option<&str>),
        (y, cy): (&str, Option<&str>),
        swap: (Option<&str>, Option<&str>),
        last: u8,
    ) -> u8 {
        if x == y {
            return 1;
        }
        // a swap: one record's value is the other's other name, and the two records'
        // other names differ (two records sharing a surname, one of whose first name
        // is that surname, "Thomas Thomas", have not swapped anything)
        if self.swap_with.is_some() && swap.0 != swap.1 && (swap.1 == Some(x) || swap.0 == Some(y))
        {
            return 2;
        }
        let swap = self.swap_with.is_some() as u8;
        match self.role {
            Role::FirstName | Role::LastName | Role::String => {
                let jw = jaro_winkler(x, y);
                // a first name's own level: forms of one name (Becky, Rebecca)
                let nick = (self.role == Role::FirstName) as u8;
                if jw >= 0.92 {
                    2 + swap
                } else if nick == 1 && normalize::nicknames::related(x, y) {
                    3 + swap
                } else if jw >= 0.80 || (cx.is_some() && cx == cy) {
                    3 + nick + swap
                } else {
                    last
                }
            }
            Role::FullName => {
                if normalize::tokens(x) == normalize::tokens(y) || (cx.is_some() && cx == cy) {
                    return 2;
                }
                let jw = jaro_winkler(cx.unwrap_or(x), cy.unwrap_or(y));
                if jw >= 0.92 {
                    3
                } else if jw >= 0.80 || word_overlap(x, y) >= 0.5 {
                    4
                } else {
                    last
                }
            }
            Role::Email => {
                if cx.is_some() && cx == cy {
                    2
                } else if x.len().abs_diff(y.len()) <= 2
                    && letters_apart(x, y) <= 2
                    && damerau_levenshtein(x, y) <= 2
                {
                    3
                } else {
                    last
                }
            }
            Role::Phone => {
                if within_one_edit(x, y) {
                    2
                } else {
                    last
                }
            }
            Role::Postcode => {
                if cx.is_some() && cx == cy {
                    2
                } else {
                    last
                }
            }
            Role::City => {
                if jaro_winkler(x, y) >= 0.9 {
                    2
                } else {
                    last
                }
            }
            Role::Address | Role::Text => {
                let o = match (cx, cy) {
                    (Some(a), Some(b)) if self.role == Role::Text => sorted_overlap(a, b),
                    _ => near_word_overlap(x, y),
                };
                if o >= 0.7 {
                    2
                } else if o >= 0.4 {
                    3
                } else {
                    last
                }
            }
            _ => last,
        }
    }
}

/// The level of two places (street, postcode, postcode district, city; each missing or not):
/// same street and postcode, same street (or close) or postcode, same district, same city, else;
/// 0 when neither street, postcode nor city can be compared.
#[inline(always)]
fn place_level(a: [Option<&str>; 4], b: [Option<&str>; 4], last: u8) -> u8 {
    let [sa, pa, da, ca] = a;
    let [sb, pb, db, cb] = b;
    // None: not comparable (missing on a side); Some(equal?)
    let same = |x: Option<&str>, y: Option<&str>| match (x, y) {
        (Some(x), Some(y)) => Some(x == y),
        _ => None,
    };
    let (st, pc, di, ci) = (same(sa, sb), same(pa, pb), same(da, db), same(ca, cb));
    if st.is_none() && pc.is_none() && ci.is_none() {
        return 0;
    }
    let street_close =
        st == Some(true) || matches!((sa, sb), (Some(x), Some(y)) if word_overlap(x, y) >= 0.7);
    if st == Some(true) && pc == Some(true) {
        1
    } else if street_close || pc == Some(true) {
        2
    } else if di == Some(true) {
        3
    } else if ci == Some(true) {
        4
    } else {
        last
    }
}

/// The level of two dates: exact, day and month swapped or one typo, within 31 days, within a
/// year, else.
#[inline(always)]
fn date_level(x: Option<Date>, y: Option<Date>, last: u8) -> u8 {
    let (x, y) = (x.unwrap_or(Date::MIN), y.unwrap_or(Date::MIN));
    if x == y {
        return 1;
    }
    let swapped = x.year == y.year && x.month == y.day && x.day == y.month;
    if swapped || one_typo(x, y) {
        return 2;
    }
    let gap = (x.days() - y.days()).abs();
    if gap <= 31 {
        3
    } else if gap <= 366 {
        4
    } else {
        last
    }
}

/// The level of two numbers: exact, within 1 %, within 10 %, else.
#[inline(always)]
fn number_level(x: Option<f64>, y: Option<f64>, last: u8) -> u8 {
    let (x, y) = (x.unwrap_or(0.0), y.unwrap_or(0.0));
    if x == y {
        return 1;
    }
    let rel = (x - y).abs() / x.abs().max(y.abs());
    if rel <= 0.01 {
        2
    } else if rel <= 0.1 {
        3
    } else {
        last
    }
}

/// Whether two dates written `YYYYMMDD` differ by one digit or by two adjacent digits swapped.
fn one_typo(x: Date, y: Date) -> bool {
    let digits = |d: Date| -> [u8; 8] {
        let mut out = [0u8; 8];
        let mut v = [d.year.rem_euclid(10000) as u32, d.month, d.day];
        let widths = [4usize, 2, 2];
        let mut i = 8;
        for k in (0..3).rev() {
            for _ in 0..widths[k] {
                i -= 1;
                out[i] = (v[k] % 10) as u8;
                v[k] /= 10;
            }
        }
        out
    };
    let (a, b) = (digits(x), digits(y));
    let diff: Vec<usize> = (0..8).filter(|&i| a[i] != b[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && a[*i] == b[*j] && a[*j] == b[*i],
        _ => false,
    }
}

impl Date {
    const MIN: Date = Date {
        year: 0,
        month: 1,
        day: 1,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plain comparison of column "c" for a role.
    fn plain(role: Role) -> Comparison {
        Comparison {
            column: "c".into(),
            columns: vec!["c".into()],
            column_index: 0,
            role,
            levels: levels_for(role, false, false),
            swap_with: None,
            term_frequency: false,
        }
    }

    fn cmp(role: Role, a: &str, b: &str) -> Label {
        let p = vec![prepare(role, &[Some(a), Some(b)])];
        let c = plain(role);
        c.levels[c.level(&p, 0, 0, 1) as usize]
    }

    #[test]
    fn levels_by_role() {
        assert_eq!(cmp(Role::LastName, "Ben Amer", "ben amer"), "exact");
        assert_eq!(
            cmp(Role::LastName, "Nakamura", "Nakamuro"),
            "jaro-winkler>=0.92"
        );
        assert_eq!(cmp(Role::LastName, "Smith", "Jones"), "else");
        assert_eq!(
            cmp(Role::FullName, "Omar Ben Amer", "omar benamer"),
            "same words or same letters"
        );
        assert_eq!(
            cmp(Role::FullName, "Amer Omar", "omar amer"),
            "same words or same letters"
        );
        assert_eq!(
            cmp(Role::Date, "2011-09-08", "2011-08-09"),
            "day/month swapped or one typo"
        );
        assert_eq!(cmp(Role::Date, "2011-09-08", "08/09/2011"), "exact");
        assert_eq!(cmp(Role::Phone, "07700 900123", "+44 7700 900123"), "exact");
        assert_eq!(cmp(Role::Email, "Omar@X.com", "omar@x.com"), "exact");
        assert_eq!(
            cmp(Role::Email, "omar@x.com", "omar@y.org"),
            "same user name"
        );
        assert_eq!(cmp(Role::Postcode, "SW1A 1AA", "sw1a 2bb"), "same district");
        assert_eq!(cmp(Role::Number, "100", "100.5"), "within 1%");
    }

    #[test]
    fn first_names_that_are_forms_of_one_name_have_their_own_level() {
        let nick = "forms of one name (nickname)";
        assert_eq!(cmp(Role::FirstName, "Becky", "REBECCA"), nick);
        assert_eq!(cmp(Role::FirstName, "Bob", "Rob"), nick);
        // a typo stays a typo, a near spelling is not a nickname
        assert_eq!(
            cmp(Role::FirstName, "Rebecca", "Rebeca"),
            "jaro-winkler>=0.92"
        );
        assert_eq!(
            cmp(Role::FirstName, "Jennifer", "Jenefer"),
            "jaro-winkler>=0.80 or same sound"
        );
        assert_eq!(cmp(Role::FirstName, "Rebecca", "Rachel"), "else");
        // surnames and other texts know no nicknames
        assert_eq!(cmp(Role::LastName, "Becky", "Rebecca"), "else");
        assert_eq!(cmp(Role::String, "Bob", "Robert"), "else");
    }

    #[test]
    fn swapped_names_are_a_swap_only_when_the_other_names_differ() {
        // first names compared, each record's surname the value a swap would hold
        let level = |(f1, l1): (&str, &str), (f2, l2): (&str, &str)| {
            let p = vec![
                prepare(Role::FirstName, &[Some(f1), Some(f2)]),
                prepare(Role::LastName, &[Some(l1), Some(l2)]),
            ];
            let c = Comparison {
                levels: levels_for(Role::FirstName, true, false),
                swap_with: Some(1),
                ..plain(Role::FirstName)
            };
            c.levels[c.level(&p, 0, 0, 1) as usize]
        };
        let swapped = "swapped with the other name";
        assert_eq!(level(("John", "Smith"), ("Smith", "John")), swapped);
        // a surname changed too: the first name is still where the surname was
        assert_eq!(
            level(("Patricia", "Thompson"), ("Stephenson", "Patricia")),
            swapped
        );
        // two people of one surname, one of whose first name is that surname
        assert_eq!(level(("Jennifer", "Thomas"), ("Thomas", "Thomas")), "else");
        assert_eq!(level(("James", "James"), ("Margaret", "James")), "else");
    }

    proptest::proptest! {
        /// Any two values of any role get a level, without panicking.
        #[test]
        fn every_role_compares_any_values(a in "\\PC{0,20}", b in "\\PC{0,20}") {
            for role in Role::ALL {
                let p = vec![prepare(role, &[Some(a.as_str()), Some(b.as_str())])];
                let c = plain(role);
                let l = c.level(&p, 0, 0, 1);
                proptest::prop_assert!((l as usize) < c.levels.len());
            }
            for f in ["fold", "soundex", "metaphone", "initial", "prefix3", "words", "date", "year", "email", "phone", "digits", "postcode"] {
                let cols = vec!["c".to_string()];
                let r = super::super::block::Rule::parse(&format!("{f}(c)"), &cols).unwrap();
                let _ = r.keys(&[0], &|_, _| Some(a.as_str()));
            }
        }
    }

    #[test]
    fn edits_and_overlaps() {
        assert!(within_one_edit("770900123", "770900124"));
        assert!(within_one_edit("770900123", "770901023"));
        assert!(!within_one_edit("770900123", "770901923"));
        assert!(within_one_edit("77090123", "770900123"));
        assert!(!within_one_edit("770900123", "770911123"));
        assert!(within_one_edit("", "1"));
        assert!((word_overlap("12 oak road", "oak road 12") - 1.0).abs() < 1e-9);
        assert!((word_overlap("a a b", "b c") - 1.0 / 3.0).abs() < 1e-9);
        assert_eq!(word_overlap("", ""), 1.0);
    }

    #[test]
    fn letters_apart_never_exceeds_the_distance() {
        for (a, b) in [
            ("omar@x.com", "omra@x.com"),
            ("ca", "abc"),
            ("abc", "xyz"),
            ("", "ab"),
            ("aab", "abb"),
            ("zoë", "zoe"),
        ] {
            assert!(letters_apart(a, b) <= damerau_levenshtein(a, b), "{a} {b}");
        }
        assert_eq!(letters_apart("abc", "xyz"), 3);
        assert_eq!(letters_apart("omar@x.com", "omra@x.com"), 0);
    }

    proptest::proptest! {
        #[test]
        fn letters_apart_is_a_lower_bound(a in "[a-e@.]{0,12}", b in "[a-e@.]{0,12}") {
            proptest::prop_assert!(letters_apart(&a, &b) <= damerau_levenshtein(&a, &b));
        }
    }

    proptest::proptest! {
        #[test]
        fn word_overlap_of_few_words_as_of_many(a in "[ab c]{0,40}", b in "[ab c]{0,40}") {
            proptest::prop_assert_eq!(word_overlap(&a, &b), word_overlap_any(&a, &b));
        }

        #[test]
        fn sorted_overlap_is_word_overlap(
            a in proptest::collection::vec("[a-e]{1,2}", 1..80),
            b in proptest::collection::vec("[a-e]{1,2}", 1..80),
        ) {
            let (a, b) = (a.join(" "), b.join("  "));
            proptest::prop_assert_eq!(
                sorted_overlap(&sorted_words(&a), &sorted_words(&b)),
                word_overlap(&a, &b)
            );
        }

        #[test]
        fn word_overlap_of_many_words_is_jaccard(
            a in proptest::collection::vec("[a-e]{1,2}", 0..80),
            b in proptest::collection::vec("[a-e]{1,2}", 0..80),
        ) {
            use std::collections::HashSet;
            let (sa, sb): (HashSet<&String>, HashSet<&String>) = (a.iter().collect(), b.iter().collect());
            let union = sa.union(&sb).count();
            let want = if union == 0 { 1.0 } else { sa.intersection(&sb).count() as f64 / union as f64 };
            proptest::prop_assert_eq!(word_overlap(&a.join("  "), &b.join(" ")), want);
        }
    }

    #[test]
    fn an_address_word_one_typo_apart_is_the_same_word() {
        let near = near_word_overlap;
        assert_eq!(near("sanford xplace", "sanford place"), 1.0);
        assert_eq!(near("hopkins street", "hopkins sreet"), 1.0);
        // the same characters but for the spaces
        assert_eq!(near("locn 3439", "locn 34 39"), 1.0);
        // short words (numbers) must be equal
        assert_eq!(near("34", "39"), 0.0);
        assert!((near("12 oak road", "13 oak road") - 0.5).abs() < 1e-9);
        // one word pairs with one word only, an equal one first
        assert!((near("street street", "street sreet") - 0.5).abs() < 1e-9);
        assert!((near("sreet", "street street") - 1.0).abs() < 1e-9);
        assert!((near("place palce", "place") - 0.5).abs() < 1e-9);
        assert_eq!(near("", ""), 1.0);
        assert_eq!(near("oak road", "elm lane"), 0.0);
        // never less than the exact overlap
        for (a, b) in [
            ("a b c", "b c d"),
            ("12 oak road", "oak road 12"),
            ("x", ""),
        ] {
            assert!(near(a, b) >= word_overlap(a, b), "{a} / {b}");
        }
        assert_eq!(
            cmp(Role::Address, "Sanford Xplace", "sanford place"),
            "words overlap>=0.7"
        );
    }

    #[test]
    fn word_overlap_of_many_words() {
        let many: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
        let (a, b) = (many.join(" "), many[..18].join(" "));
        assert!((word_overlap(&a, &b) - 0.9).abs() < 1e-9);
    }

    #[test]
    fn date_typos() {
        let d = |s: &str| normalize::parse_date(s).unwrap();
        assert!(one_typo(d("2011-09-08"), d("2011-09-03")));
        assert!(one_typo(d("2011-09-08"), d("2101-09-08")));
        assert!(!one_typo(d("2011-09-08"), d("2012-10-08")));
        assert!(!one_typo(d("2011-09-08"), d("2011-09-08")));
    }

    #[test]
    fn texts_keep_each_value_and_none_in_one_buffer() {
        let t: Texts = [Some("ab"), None, Some(""), Some("é x"), Some("c")]
            .into_iter()
            .collect();
        assert_eq!(t.len(), 5);
        let got: Vec<Option<&str>> = (0..t.len()).map(|i| t.get(i)).collect();
        // an empty text is none, as a prepared text never is empty
        assert_eq!(got, [Some("ab"), None, None, Some("é x"), Some("c")]);
        assert_eq!(t.bytes.len(), 7);
    }

    #[test]
    fn packed_sizes_are_what_is_written() {
        let long = "w ".repeat(200);
        let texts = [Some("ann"), None, Some(long.as_str()), Some("1980-02-03")];
        let mut prepared: Vec<Prepared> = Role::ALL.iter().map(|&r| prepare(r, &texts)).collect();
        prepared.push(prepare_place(Some(&texts), None, Some(&texts), texts.len()));
        for i in 0..texts.len() {
            for p in &prepared {
                let mut out = Vec::new();
                p.val(i).encode(&mut out);
                assert_eq!(out.len(), p.val(i).encoded_len());
            }
        }
        let packed = Packed::new(&prepared, texts.len());
        let c = &packed.chunks[0];
        assert_eq!(c.data.len() as u64, *c.starts.last().unwrap());
        // term frequencies read from the packed values are the prepared columns' own
        let rows: Vec<usize> = (0..texts.len()).collect();
        for (c, p) in prepared.iter().enumerate() {
            assert_eq!(
                term_frequencies_packed(&packed, c, &rows),
                term_frequencies(p, &rows)
            );
        }
    }

    #[test]
    fn records_packed_a_slice_at_a_time_read_back_across_chunks() {
        let n = Packed::CHUNK + 1000;
        let names: Vec<String> = (0..n).map(|i| format!("name{}", i % 7)).collect();
        let texts: Vec<Option<&str>> = (0..n)
            .map(|i| (i % 5 != 0).then(|| names[i].as_str()))
            .collect();
        let whole = [
            prepare(Role::FirstName, &texts),
            prepare(Role::Date, &texts),
        ];
        let one = Packed::new(&whole, n);
        // the first chunk, then the rest, each prepared on its own
        let mut sliced = Packed::default();
        for range in [0..Packed::CHUNK, Packed::CHUNK..n] {
            let part = [
                prepare(Role::FirstName, &texts[range.clone()]),
                prepare(Role::Date, &texts[range.clone()]),
            ];
            sliced.push(&part, range.len());
        }
        assert_eq!((one.rows(), sliced.rows()), (n, n));
        let (mut a, mut b) = (vec![Val::Missing; 2], vec![Val::Missing; 2]);
        for i in [
            0,
            1,
            Packed::CHUNK - 1,
            Packed::CHUNK,
            Packed::CHUNK + 1,
            n - 1,
        ] {
            one.values(i, &mut a);
            sliced.values(i, &mut b);
            assert_eq!(a[0].show(), whole[0].show(i), "{i}");
            assert_eq!(b[0].show(), whole[0].show(i), "{i}");
            assert_eq!(a[1].show(), b[1].show(), "{i}");
        }
        let rows: Vec<usize> = (0..n).step_by(3).collect();
        assert_eq!(
            term_frequencies_packed(&sliced, 0, &rows),
            term_frequencies(&whole[0], &rows)
        );
    }

    #[test]
    fn packed_values_give_the_levels_of_the_columns() {
        let texts = [
            Some("Omar Ben Amer"),
            None,
            Some("omar@x.com"),
            Some("2011-09-08"),
            Some(""),
            Some("100.5"),
            Some(&*"x".repeat(300)),
            Some("SW1A 1AA"),
        ];
        let n = texts.len();
        let mut prepared: Vec<Prepared> = Role::ALL.iter().map(|&r| prepare(r, &texts)).collect();
        prepared.push(prepare_place(Some(&texts), Some(&texts[1..]), None, n - 1));
        let rows = n - 1;
        let packed = Packed::new(&prepared, rows);
        let comparisons: Vec<Comparison> = Role::ALL.iter().map(|&r| plain(r)).collect();
        let mut va = vec![Val::Missing; prepared.len()];
        let mut vb = vec![Val::Missing; prepared.len()];
        for a in 0..rows {
            for b in 0..rows {
                packed.values(a, &mut va);
                packed.values(b, &mut vb);
                for (c, cmp) in comparisons.iter().enumerate() {
                    assert_eq!(
                        cmp.level(&prepared, c, a, b),
                        cmp.level_of(va[c], vb[c], (None, None)),
                        "{:?} {a} {b}",
                        cmp.role
                    );
                }
                assert_eq!(
                    va.last().unwrap().is_null(),
                    prepared.last().unwrap().is_null(a)
                );
            }
        }
    }

    #[test]
    fn missing_is_level_zero() {
        let p = vec![prepare(Role::LastName, &[Some("x"), None])];
        let c = plain(Role::LastName);
        assert_eq!(c.level(&p, 0, 0, 1), 0);
    }
}
