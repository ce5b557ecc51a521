//! Normalise: derived, comparable forms of values (folded text, digits, e-mail, dates,
//! phonetic codes). Originals are never changed; these functions return new values and are
//! used by fuzzy detection to prepare one derived column per comparison.

pub mod nicknames;
pub mod phonetic;
pub mod text;
pub mod typed;

pub use text::{fold, strip_accents, tokens};
pub use typed::{canonical_email, canonical_phone, digits, parse_date, parse_number, Date};
