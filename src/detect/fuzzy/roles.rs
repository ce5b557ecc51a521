//! Column roles: what a column holds (a first name, an e-mail, a date…), worked out from its
//! name and its content. The role decides the normaliser, the comparison and the blocking rules.

use serde::{Deserialize, Serialize};

use crate::normalize;

/// What a column holds, as far as matching is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    FirstName,
    LastName,
    /// A whole person or organisation name in one column.
    FullName,
    Email,
    Phone,
    Date,
    Postcode,
    Address,
    City,
    Number,
    /// Few distinct values (a grade, a gender, a status).
    Category,
    /// Long free text (notes, descriptions).
    Text,
    /// Short text that is none of the above.
    String,
    /// Unique per record (surrogate ids, codes): not evidence, not compared.
    Identifier,
    /// Record-keeping times (`updated_at`): they differ between copies, not compared.
    Timestamp,
}

impl Role {
    /// Whether agreement on this role's values says which entity a record is (a name, a date,
    /// an e-mail, a text, a number), rather than where it is (an address, a city, a postcode, a
    /// phone, which several entities share: a family's home, a hotel's restaurants) or what
    /// kind it is (a category).
    pub fn identifies(self) -> bool {
        matches!(
            self,
            Role::FirstName
                | Role::LastName
                | Role::FullName
                | Role::Email
                | Role::Date
                | Role::Number
                | Role::Text
                | Role::String
        )
    }

    pub const ALL: [Role; 15] = [
        Role::FirstName,
        Role::LastName,
        Role::FullName,
        Role::Email,
        Role::Phone,
        Role::Date,
        Role::Postcode,
        Role::Address,
        Role::City,
        Role::Number,
        Role::Category,
        Role::Text,
        Role::String,
        Role::Identifier,
        Role::Timestamp,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::FirstName => "first-name",
            Role::LastName => "last-name",
            Role::FullName => "full-name",
            Role::Email => "email",
            Role::Phone => "phone",
            Role::Date => "date",
            Role::Postcode => "postcode",
            Role::Address => "address",
            Role::City => "city",
            Role::Number => "number",
            Role::Category => "category",
            Role::Text => "text",
            Role::String => "string",
            Role::Identifier => "identifier",
            Role::Timestamp => "timestamp",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == s)
    }

    /// Whether columns of this role are compared at all.
    pub fn compared(self) -> bool {
        !matches!(self, Role::Identifier | Role::Timestamp)
    }
}

/// What the role inference saw in a column.
#[derive(Debug, Clone)]
pub struct Profile {
    pub present: usize,
    pub distinct: usize,
    pub rows: usize,
}

fn squash(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A column name's words: split at anything not a letter or digit (`fname_c1`: `fname`, `c1`).
fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.to_lowercase())
        .collect()
}

fn role_from_name(name: &str) -> Option<Role> {
    let n = squash(name);
    let lower = name.to_lowercase();
    let has = |k: &str| n.contains(k);
    let words = name_words(name);
    let word = |ks: &[&str]| words.iter().any(|w| ks.contains(&w.as_str()));
    if has("email") || has("mail") {
        return Some(Role::Email);
    }
    if has("phone") || has("mobile") || n.starts_with("tel") || has("cell") || has("fax") {
        return Some(Role::Phone);
    }
    // a name split over columns (`fname_c1`, `fname_c2`) is still a name
    if has("firstname")
        || has("forename")
        || has("givenname")
        || n == "first"
        || word(&["fname", "given", "vorname", "prenom"])
    {
        return Some(Role::FirstName);
    }
    if has("lastname")
        || has("surname")
        || has("familyname")
        || n == "last"
        || word(&["lname", "sname", "nachname", "nom"])
    {
        return Some(Role::LastName);
    }
    if has("birth") || n == "dob" {
        return Some(Role::Date);
    }
    if has("created")
        || has("updated")
        || has("modified")
        || has("inserted")
        || has("timestamp")
        || has("deleted")
        || lower.ends_with("_at")
        || lower.ends_with("_on")
    {
        return Some(Role::Timestamp);
    }
    if has("postcode") || has("zip") || has("postal") || n == "plz" {
        return Some(Role::Postcode);
    }
    if has("address") || has("street") || n.starts_with("addr") {
        return Some(Role::Address);
    }
    if has("city") || has("town") || has("locality") || has("municipality") {
        return Some(Role::City);
    }
    if has("name") {
        return Some(Role::FullName);
    }
    if has("date") || has("day") {
        return Some(Role::Date);
    }
    None
}

/// A part of a date kept in a column of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePart {
    Year,
    Month,
    Day,
}

/// Whether a column holds one part of a date split over three columns (`by`, `bm`, `bd`;
/// `birth_year`, `birth_month`, `birth_day`; `yob`, `mob`, `dob_day` …): its name says which
/// part, and nearly all of its values (a sample, NULLs left out) are integers in that part's
/// range. A column holding whole dates (`birthday`) is not a part: its values are not integers.
pub fn date_part(name: &str, values: &[&str]) -> Option<DatePart> {
    let n = squash(name);
    let part =
        if n == "by" || n == "yob" || n == "jahr" || n.ends_with("year") || n.ends_with("yyyy") {
            DatePart::Year
        } else if n == "bm" || n == "mob" || n == "monat" || n.ends_with("month") {
            DatePart::Month
        } else if n == "bd" || n == "tag" || n.ends_with("day") {
            DatePart::Day
        } else {
            return None;
        };
    let (lo, hi) = match part {
        DatePart::Year => (1000, 2999),
        DatePart::Month => (1, 12),
        DatePart::Day => (1, 31),
    };
    if values.is_empty() {
        return None;
    }
    let fit = values
        .iter()
        .filter(|v| {
            let v = v.trim();
            !v.is_empty()
                && v.len() <= 4
                && v.bytes().all(|b| b.is_ascii_digit())
                && v.parse::<u32>().is_ok_and(|x| (lo..=hi).contains(&x))
        })
        .count();
    (fit as f64 >= 0.95 * values.len() as f64).then_some(part)
}

/// Guesses a column's role from its name and a sample of its values (NULLs left out).
pub fn infer(name: &str, values: &[&str], rows: usize) -> Role {
    let present = values.len();
    let mut distinct: Vec<&str> = values.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let distinct = distinct.len();
    let share = |f: &dyn Fn(&str) -> bool| -> f64 {
        if present == 0 {
            0.0
        } else {
            values.iter().filter(|v| f(v)).count() as f64 / present as f64
        }
    };
    let unique = present > 20 && distinct as f64 >= 0.98 * present as f64;
    let by_name = role_from_name(name);
    let dates = share(&|v| normalize::parse_date(v).is_some());
    let numbers = share(&|v| normalize::parse_number(v).is_some() && !v.contains(['@', '/']));
    let has_time = share(&|v| v.contains(':'));
    match by_name {
        Some(Role::Date) if dates >= 0.5 => return Role::Date,
        Some(Role::Timestamp) => return Role::Timestamp,
        Some(r @ (Role::FirstName | Role::LastName | Role::FullName | Role::City))
            if numbers < 0.5 =>
        {
            return r
        }
        Some(r @ (Role::Email | Role::Phone | Role::Postcode | Role::Address)) => return r,
        _ => {}
    }
    if share(&|v| v.contains('@') && v.contains('.')) >= 0.8 {
        return Role::Email;
    }
    if dates >= 0.8 {
        return if has_time >= 0.5 {
            Role::Timestamp
        } else {
            Role::Date
        };
    }
    let low_cardinality =
        present > 0 && (distinct <= 20 || (distinct as f64) < 0.001 * rows as f64);
    if numbers >= 0.9 {
        if unique && share(&|v| v.trim().bytes().all(|b| b.is_ascii_digit())) >= 0.99 {
            return Role::Identifier;
        }
        return if low_cardinality {
            Role::Category
        } else {
            Role::Number
        };
    }
    if low_cardinality {
        return Role::Category;
    }
    let avg_len = if present == 0 {
        0.0
    } else {
        values.iter().map(|v| v.chars().count()).sum::<usize>() as f64 / present as f64
    };
    if avg_len > 40.0 {
        return Role::Text;
    }
    if unique && share(&|v| !v.contains(' ') && v.bytes().any(|b| b.is_ascii_digit())) >= 0.9 {
        return Role::Identifier;
    }
    Role::String
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_from_names_and_content() {
        let names = ["Omar", "Léa", "Zoë"];
        assert_eq!(infer("first_name", &names, 3), Role::FirstName);
        assert_eq!(infer("Surname", &names, 3), Role::LastName);
        assert_eq!(
            infer("contact", &["a@b.example", "c@d.example"], 2),
            Role::Email
        );
        assert_eq!(infer("dob", &["2011-09-08", "08/09/2011"], 2), Role::Date);
        assert_eq!(
            infer("updated_at", &["2026-08-13 04:49:00"], 1),
            Role::Timestamp
        );
        let ids: Vec<String> = (0..100).map(|i| i.to_string()).collect();
        let ids: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
        assert_eq!(infer("student_no", &ids, 100), Role::Identifier);
        assert_eq!(infer("grade", &["1", "2", "1", "3"], 4), Role::Category);
        // names split over columns, in other namings
        assert_eq!(infer("fname_c1", &names, 3), Role::FirstName);
        assert_eq!(infer("lname_c2", &names, 3), Role::LastName);
        assert_eq!(infer("given", &names, 3), Role::FirstName);
        // "last" as a word of another name is not a surname
        assert_ne!(
            infer("last_login", &["2026-08-13 04:49:00"], 1),
            Role::LastName
        );
    }

    #[test]
    fn date_parts_by_name_and_range() {
        assert_eq!(date_part("by", &["1975", "2001"]), Some(DatePart::Year));
        assert_eq!(
            date_part("birth_month", &["3", "12", "07"]),
            Some(DatePart::Month)
        );
        assert_eq!(date_part("bd", &["31", "1"]), Some(DatePart::Day));
        // out of range, whole dates, or a name that says nothing
        assert_eq!(date_part("bm", &["13", "14"]), None);
        assert_eq!(date_part("birthday", &["1975-03-12"]), None);
        assert_eq!(date_part("grade", &["3", "4"]), None);
        assert_eq!(date_part("by", &[]), None);
    }
}
