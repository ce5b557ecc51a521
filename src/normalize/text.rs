//! Text normalisers: trim, Unicode NFKC, accent stripping, case folding, whitespace collapsing,
//! tokens.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Removes accents: `Zoë` → `Zoe`, `Łódź` keeps letters that are not base + mark.
pub fn strip_accents(s: &str) -> String {
    s.nfd().filter(|c| !is_combining_mark(*c)).collect()
}

/// The comparable form of a text value: NFKC, accents stripped, lower case, punctuation other
/// than letters and digits turned into spaces, whitespace collapsed, trimmed.
/// `"  Zoë  O'Brien-Smith "` → `"zoe o brien smith"`.
pub fn fold(s: &str) -> String {
    if s.is_ascii() {
        // NFKC and NFD leave ASCII as it is
        fold_chars(s.chars(), s.len())
    } else {
        fold_chars(s.nfkc().collect::<String>().nfd(), s.len())
    }
}

/// [`fold`] of the normalised characters `chars`.
fn fold_chars(chars: impl Iterator<Item = char>, len: usize) -> String {
    let mut out = String::with_capacity(len);
    let mut space = false;
    for c in chars {
        if !c.is_ascii() && is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else {
            space = true;
        }
    }
    out
}

/// The folded value's words, sorted and deduplicated (order-insensitive comparison).
pub fn tokens(folded: &str) -> Vec<&str> {
    let mut t: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    t.sort_unstable();
    t.dedup();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_accents_punctuation_and_space() {
        assert_eq!(fold("  Zoë  O'Brien-Smith "), "zoe o brien smith");
        assert_eq!(fold("ＯＭＡＲ"), "omar");
        assert_eq!(fold("Ben\tAmer"), "ben amer");
        assert_eq!(fold(""), "");
        assert_eq!(strip_accents("Léa Chloé"), "Lea Chloe");
    }

    proptest::proptest! {
        /// The ASCII shortcut folds as the Unicode path does.
        #[test]
        fn ascii_folds_as_unicode(s in "[ -~\t]{0,30}") {
            let unicode = fold_chars(s.nfkc().collect::<String>().nfd(), s.len());
            proptest::prop_assert_eq!(fold(&s), unicode);
        }
    }

    #[test]
    fn tokens_are_sorted_and_unique() {
        assert_eq!(tokens("smith john john"), ["john", "smith"]);
    }
}
