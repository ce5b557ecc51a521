//! Typed normalisers: digits only, canonical e-mail and phone, numbers, dates in the common
//! written forms.

use chrono::{Datelike, NaiveDate};

/// Only the ASCII digits of `s`.
pub fn digits(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit()).collect()
}

/// Lower case, trimmed, without a `mailto:` prefix or surrounding `<>`.
pub fn canonical_email(s: &str) -> String {
    let t = s.trim();
    let t = t.strip_prefix("mailto:").unwrap_or(t);
    let t = t.trim_start_matches('<').trim_end_matches('>');
    super::strip_accents(t).to_lowercase()
}

/// The digits of a phone number with the national trunk prefix and country code folded
/// together: the last nine digits when there are at least nine (`+44 7700 900123`,
/// `07700900123` and `(07700) 900 123` agree), otherwise all digits.
pub fn canonical_phone(s: &str) -> String {
    let d = digits(s);
    if d.len() > 9 {
        d[d.len() - 9..].to_owned()
    } else {
        d
    }
}

/// A number written with `.` or `,` as decimal separator, spaces or `_` as thousands
/// separators, an optional currency sign or percent.
pub fn parse_number(s: &str) -> Option<f64> {
    let t: String = s
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '$' | '€' | '£' | '%'))
        .collect();
    if t.is_empty() || !t.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    if let Ok(v) = t.parse::<f64>() {
        return v.is_finite().then_some(v);
    }
    // 1.234,56 or 1,5
    let t2 = if t.contains(',') && t.contains('.') {
        if t.rfind(',') > t.rfind('.') {
            t.replace('.', "").replace(',', ".")
        } else {
            t.replace(',', "")
        }
    } else {
        t.replace(',', ".")
    };
    t2.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Days since 1970-01-01.
    pub fn days(self) -> i64 {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day)
            .map(|d| (d - NaiveDate::default()).num_days())
            .unwrap_or(0)
    }
    /// `YYYYMMDD`.
    pub fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

fn ymd(y: i64, m: i64, d: i64) -> Option<Date> {
    let date = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m as u32, d as u32)?;
    Some(Date {
        year: date.year(),
        month: date.month(),
        day: date.day(),
    })
}

/// A date in one of the usual written forms: `YYYY-MM-DD` (ISO, also with a time after it),
/// `YYYY/MM/DD`, `YYYYMMDD`, `DD/MM/YYYY`, `DD.MM.YYYY`, `DD-MM-YYYY` (day first, as in most
/// of the world; when the first number is not a valid day but the second is, month first).
pub fn parse_date(s: &str) -> Option<Date> {
    let t = s.trim();
    // cut a time part
    let t = t.split(['T', ' ']).next().unwrap_or(t);
    let parts: Vec<&str> = t.split(['-', '/', '.']).collect();
    let num = |p: &str| -> Option<i64> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [only] if only.len() == 8 && only.bytes().all(|b| b.is_ascii_digit()) => {
            let n = num(&only[..4])?;
            ymd(n, num(&only[4..6])?, num(&only[6..8])?)
        }
        [a, b, c] => {
            let (x, y, z) = (num(a)?, num(b)?, num(c)?);
            if a.len() == 4 {
                ymd(x, y, z)
            } else if c.len() == 4 {
                ymd(z, y, x).or_else(|| ymd(z, x, y))
            } else {
                None
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_in_several_forms_agree() {
        let a = canonical_phone("07700 900123");
        assert_eq!(a, "700900123");
        assert_eq!(canonical_phone("+44 7700 900123"), a);
        assert_eq!(canonical_phone("(07700) 900 123"), a);
        assert_eq!(canonical_phone("12-34"), "1234");
    }

    #[test]
    fn dates_in_several_forms() {
        let d = Date {
            year: 2011,
            month: 9,
            day: 8,
        };
        assert_eq!(parse_date("2011-09-08"), Some(d));
        assert_eq!(parse_date("2011-09-08 10:00:00"), Some(d));
        assert_eq!(parse_date("08/09/2011"), Some(d));
        assert_eq!(parse_date("2011/09/08"), Some(d));
        assert_eq!(parse_date("20110908"), Some(d));
        assert_eq!(
            parse_date("09/25/2011").map(|d| (d.month, d.day)),
            Some((9, 25))
        );
        assert_eq!(parse_date("2011-02-30"), None);
        assert_eq!(parse_date("hello"), None);
        assert_eq!(d.compact(), "20110908");
    }

    proptest::proptest! {
        /// No input makes a normaliser panic (they see every value of a dump).
        #[test]
        fn normalisers_never_panic(s in "\\PC{0,24}") {
            let _ = parse_date(&s);
            let _ = parse_number(&s);
            let _ = canonical_phone(&s);
            let _ = canonical_email(&s);
            let _ = crate::normalize::fold(&s);
            let _ = crate::normalize::phonetic::soundex(&s);
            let _ = crate::normalize::phonetic::metaphone(&s);
        }
    }

    #[test]
    fn non_ascii_eight_characters_are_not_a_date() {
        assert_eq!(parse_date("Lefèvre"), None);
        assert_eq!(parse_date("２０１１０９０８"), None);
    }

    #[test]
    fn numbers_and_emails() {
        assert_eq!(parse_number("1 234,50"), Some(1234.5));
        assert_eq!(parse_number("£12.5"), Some(12.5));
        assert_eq!(parse_number("abc"), None);
        assert_eq!(
            canonical_email(" Omar.Ben@Example.COM "),
            "omar.ben@example.com"
        );
    }
}
