//! Phonetic codes for names (rphonetic: Soundex and Double Metaphone), on folded text.

use rphonetic::{DoubleMetaphone, Encoder, Soundex};

/// American Soundex of the letters of `s` (accents stripped first); empty when it has none.
pub fn soundex(s: &str) -> String {
    let ascii: String = super::strip_accents(s)
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if ascii.is_empty() {
        return String::new();
    }
    Soundex::default().encode(&ascii)
}

/// The primary Double Metaphone code of `s` (accents stripped first).
pub fn metaphone(s: &str) -> String {
    let ascii: String = super::strip_accents(s)
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if ascii.is_empty() {
        return String::new();
    }
    DoubleMetaphone::default().encode(&ascii)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names_share_codes() {
        assert_eq!(soundex("Robert"), soundex("Rupert"));
        assert_eq!(soundex("Zoë"), soundex("Zoe"));
        assert_eq!(metaphone("Smith"), metaphone("Smyth"));
        assert_eq!(soundex("123"), "");
    }
}
