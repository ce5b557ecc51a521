//! `T.groups.csv` (`--groups`): every group's records one under the other, for people who read
//! CSVs: the survivor first, then the records removed in its favour, each with its status, its
//! score and the columns where its value differs from the survivor's, then all its values. The
//! removed file says what went; this one shows what each removed record looked like beside the
//! record that stayed, without joining the two by hand.

use std::io::Write;

use crate::emit::tables::{csv_field, score_text};
use crate::model::{Matches, Resolution, RowId, Table};
use crate::values::{Val, Values};

/// The columns the file adds before the table's own.
pub const COLUMNS: [&str; 5] = [
    "dupsweep_group",
    "dupsweep_record",
    "dupsweep_status",
    "dupsweep_score",
    "dupsweep_differs",
];

/// How the file is written: the input's delimiter and line end when it is a CSV file (`,` and
/// `\n` for Parquet), and its `--null` markers (a value equal to one is quoted, as an empty
/// string is; NULL is an empty unquoted field).
pub struct GroupsCsv<'a> {
    pub delimiter: u8,
    pub newline: &'a str,
    pub nulls: &'a [String],
    /// The primary key's columns, left out of `dupsweep_differs`.
    pub pk: &'a [String],
}

/// Writes the file for `table`'s groups (`matches`, with their survivors and removals in
/// `res`), reading every record's values from `values` (its rows are `table`'s); returns the
/// number of records written. Groups in their order (by their first record), a group's
/// removed records in record order after its survivor.
pub fn write(
    w: &mut dyn Write,
    (table, matches, res): (&Table, &Matches, &Resolution),
    values: &Values,
    f: &GroupsCsv<'_>,
) -> std::io::Result<usize> {
    let d = [f.delimiter];
    let field = |s: &str| csv_field(s, f.delimiter, f.nulls);
    let names = COLUMNS
        .iter()
        .map(|n| field(n))
        .chain(values.names.iter().map(|n| field(n)));
    write_line(w, &d, names, f.newline)?;
    let ncols = values.names.len();
    // a record's primary key differs from its survivor's by definition: not listed
    let pk: Vec<bool> = values.names.iter().map(|n| f.pk.contains(n)).collect();
    let text =
        |row: RowId| -> Vec<Option<Val<'_>>> { (0..ncols).map(|c| values.get(c, row)).collect() };
    let mut written = 0;
    for (g, &survivor) in matches.groups.iter().zip(&res.survivors) {
        let group = table.number_of(g.id()).to_string();
        let kept = text(survivor);
        let mut line = |row: RowId, status: &str, score: String, vals: &[Option<Val<'_>>]| {
            let differs: Vec<&str> = (0..ncols)
                .filter(|&c| !pk[c] && !same(vals[c], kept[c]))
                .map(|c| values.names[c].as_str())
                .collect();
            let differs = match differs.is_empty() {
                true => String::new(),
                false => field(&differs.join(", ")),
            };
            let head = [
                group.clone(),
                table.number_of(row).to_string(),
                status.to_owned(),
                score,
                differs,
            ];
            let cells = vals
                .iter()
                .map(|v| v.map_or(String::new(), |v| field(v.text)));
            written += 1;
            write_line(w, &d, head.into_iter().chain(cells), f.newline)
        };
        line(survivor, "kept", String::new(), &kept)?;
        for m in g.survivor_first(survivor).skip(1) {
            let score = res
                .removed
                .binary_search_by_key(&m, |r| r.row)
                .ok()
                .map_or(String::new(), |i| score_text(&res.removed[i]));
            line(m, "removed", score, &text(m))?;
        }
    }
    Ok(written)
}

/// Two values the same to a reader of the file: both NULL, or the same text.
fn same(a: Option<Val<'_>>, b: Option<Val<'_>>) -> bool {
    a.map(|v| v.text) == b.map(|v| v.text)
}

fn write_line(
    w: &mut dyn Write,
    delimiter: &[u8],
    fields: impl Iterator<Item = String>,
    newline: &str,
) -> std::io::Result<()> {
    for (i, s) in fields.enumerate() {
        if i > 0 {
            w.write_all(delimiter)?;
        }
        w.write_all(s.as_bytes())?;
    }
    w.write_all(newline.as_bytes())
}
