//! Phonetic codes for names (rphonetic: Soundex and Double Metaphone), on folded text.

use rphonetic::{DoubleMetaphone, Encoder, Soundex};

/// `encoder` over the ASCII letters of `s` (accents stripped first); empty when it has none.
fn encode(s: &str, encoder: &dyn Encoder) -> String {
    let ascii: String = super::strip_accents(s)
        .chars()
        .filter(|c| c.is_ascii_alphabetic())
        .collect();
    if ascii.is_empty() {
        return String::new();
    }
    encoder.encode(&ascii)
}

/// American Soundex of the letters of `s`.
pub fn soundex(s: &str) -> String {
    encode(s, &Soundex::default())
}

/// The primary Double Metaphone code of `s`.
pub fn metaphone(s: &str) -> String {
    encode(s, &DoubleMetaphone::default())
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
