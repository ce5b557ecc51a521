//! Known forms of one English given name: nicknames and diminutives (Rebecca, Becky, Becca;
//! Robert, Bob, Rob, Bert).
//!
//! The list is `nicknames.csv` beside this file: the "Nicknames" lookup of Old Dominion
//! University's Web Science and Digital Libraries Research Group
//! (<https://github.com/carltonnorthern/nicknames>, commit 21d7505, Apache License 2.0, whose
//! text is `nicknames.LICENSE.txt` beside this file), about 1,100 canonical names
//! and 2,700 `has_nickname` relations, kept as published. No crate serves it, and it is data,
//! not code: it is read once into a map.
//!
//! Two names are forms of one name when one is a nickname of the other, or both are forms of
//! one canonical name (Bob and Rob, of Robert). Names are compared folded ([`super::fold`]).

use std::collections::HashMap;
use std::sync::OnceLock;

const LIST: &str = include_str!("nicknames.csv");

/// Per folded name, the canonical names (their numbers in the list) it is a form of, sorted.
fn forms() -> &'static HashMap<String, Vec<u16>> {
    static FORMS: OnceLock<HashMap<String, Vec<u16>>> = OnceLock::new();
    FORMS.get_or_init(|| {
        let mut canonical: HashMap<String, u16> = HashMap::new();
        let mut forms: HashMap<String, Vec<u16>> = HashMap::new();
        for line in LIST.lines().skip(1) {
            let mut f = line.split(',');
            let (Some(name), Some("has_nickname"), Some(nick)) = (f.next(), f.next(), f.next())
            else {
                continue;
            };
            let (name, nick) = (super::fold(name), super::fold(nick));
            if name.is_empty() || nick.is_empty() {
                continue;
            }
            let next = canonical.len() as u16;
            let id = *canonical.entry(name.clone()).or_insert(next);
            for n in [name, nick] {
                let v = forms.entry(n).or_default();
                if !v.contains(&id) {
                    v.push(id);
                }
            }
        }
        forms.values_mut().for_each(|v| v.sort_unstable());
        forms
    })
}

/// Whether two different folded given names are forms of one name (a nickname of the other, or
/// both of one canonical name).
pub fn related(a: &str, b: &str) -> bool {
    let forms = forms();
    let (Some(x), Some(y)) = (forms.get(a), forms.get(b)) else {
        return false;
    };
    // both short and sorted: a merge
    let (mut i, mut j) = (0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Equal => return true,
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nicknames_and_shared_canonical_names_are_related() {
        assert!(related("rebecca", "becky"));
        assert!(related("becky", "rebecca"));
        assert!(related("robert", "bob"));
        // both forms of robert
        assert!(related("bob", "rob"));
        assert!(related("william", "bill"));
        assert!(!related("rebecca", "rachel"));
        assert!(!related("john", "mary"));
        assert!(!related("zzz", "bob"));
    }

    #[test]
    fn every_relation_of_the_list_is_read() {
        let rows = LIST
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .count();
        assert!(rows > 2_500, "{rows} relations");
        for line in LIST.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 3, "{line}");
            assert_eq!(f[1], "has_nickname", "{line}");
            assert!(related(&fold(f[0]), &fold(f[2])), "{line}");
        }
    }

    use super::super::fold;
}
