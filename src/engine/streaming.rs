//! What both streaming engines ([`super::csv_stream`] for CSV, [`super::parquet_stream`] for
//! Parquet) share: the input's stamp (it must not change while it is read), the first pass's
//! distinct-value counters, and the end of the road: the grouped records verified on their
//! values, counted, and their survivors picked (`grouped_detected`).

use std::path::Path;
use std::time::Instant;

use super::{Detected, Engine, Written};
use crate::config::Job;
use crate::detect::hashed::DistinctCounter;
use crate::emit::files::Outputs;
use crate::error::{Error, Location, Result};
use crate::model::Command;
use crate::model::{Matches, Table};
use crate::progress::Progress;

/// What an input was when a run read it first: its size and modification time, then (once
/// the first pass has read it all) the hash of its content ([`crate::ingest::content_hash`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stamp {
    pub(super) len: u64,
    pub(super) modified: std::time::SystemTime,
    pub(super) content: Option<u128>,
}

/// A streaming engine's passes: the first ones read the input and find the groups, and what
/// they leave serves the last one, which writes the table files.
pub trait Passes: Sized + Sync {
    /// The engine's name, as `--engine` says it.
    const NAME: &'static str = "stream";
    /// The first passes: the groups found and what the last pass needs.
    fn read(command: Command, job: &Job, progress: &dyn Progress) -> Result<(Found, Self)>;
    /// The input when the first pass began, and its content's hash.
    fn stamp(&self) -> Option<Stamp>;
    /// The last pass: the table files.
    fn write(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written>;
}

/// A streaming engine: [`Passes`] `P`, once they have read the input, and what the reading
/// found besides the table.
pub struct Streaming<P> {
    passes: Option<P>,
    values: Option<crate::values::Values>,
    long: Vec<bool>,
}

impl<P> Default for Streaming<P> {
    fn default() -> Self {
        Streaming {
            passes: None,
            values: None,
            long: Vec::new(),
        }
    }
}

/// What a streaming engine's reading found: the groups and survivors, the grouped records'
/// values row by row when it filled them while reading (CSV, and a Parquet engine's lean
/// table), and per key column whether a value is over 512 bytes.
pub struct Found {
    pub detected: Detected,
    pub values: Option<crate::values::Values>,
    pub long: Vec<bool>,
}

impl<P: Passes> Streaming<P> {
    fn passes(&self) -> Result<&P> {
        self.passes.as_ref().ok_or_else(|| {
            Error::Internal("a streaming engine was asked for its files before reading".into())
        })
    }
}

impl<P: Passes> Engine for Streaming<P> {
    fn stages(&self, _: &Job) -> usize {
        // reading, then reading the grouped rows
        2
    }
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn detect(&mut self, command: Command, job: &Job, progress: &dyn Progress) -> Result<Detected> {
        let (found, passes) = P::read(command, job, progress)?;
        self.passes = Some(passes);
        self.values = found.values;
        self.long = found.long;
        Ok(found.detected)
    }
    /// `unchanged` for a run that reads the input no more (scan, eval): its report's SHA-256
    /// describes the file the counts come from.
    fn input_unchanged(&self, job: &Job) -> Result<()> {
        unchanged(&job.input, self.passes()?.stamp())
    }
    fn write_table_files(&self, outs: &mut Outputs, job: &Job, d: &Detected) -> Result<Written> {
        self.passes()?.write(outs, job, d)
    }
    fn take_values(&mut self) -> Option<crate::values::Values> {
        self.values.take()
    }
    fn long_keys(&self) -> Option<&[bool]> {
        self.passes.as_ref().map(|_| &self.long[..])
    }
}

pub(super) fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some(Stamp {
        len: m.len(),
        modified: m.modified().ok()?,
        content: None,
    })
}

fn changed(path: &Path) -> Error {
    Error::data(
        Location::file(path),
        "the file changed while dupsweep read it",
    )
    .with_hint("run again on a copy that nothing writes to")
}

/// Checks, after a run's last read of its input, that the file is the one it read first: the
/// same size and modification time, and the same content (read again and hashed: an edit of
/// the same size with its time put back is found too).
pub(super) fn unchanged(path: &Path, before: Option<Stamp>) -> Result<()> {
    let Some(before) = before else {
        return Ok(());
    };
    let changed = || changed(path);
    let now = stamp(path).ok_or_else(changed)?;
    if (now.len, now.modified) != (before.len, before.modified) {
        return Err(changed());
    }
    if let Some(content) = before.content {
        if crate::ingest::content_hash(path)? != content {
            return Err(changed());
        }
    }
    Ok(())
}

/// [`unchanged`], for a last read that went over the whole file: `read` is its size and
/// content hash as that read saw them (no read of its own).
pub(super) fn unchanged_as_read(
    path: &Path,
    before: Option<Stamp>,
    read: Option<(u64, u128)>,
) -> Result<()> {
    match (before, read) {
        (Some(b), Some((len, content))) if b.content.is_some() => {
            if (len, Some(content)) != (b.len, b.content) {
                return Err(changed(path));
            }
            // and it has not been touched since
            unchanged(path, Some(Stamp { content: None, ..b }))
        }
        _ => unchanged(path, before),
    }
}

/// A first-pass thread's distinct-value counters: each key column's values, and the primary
/// key's (all distinct proves it unique without keeping a hash per record).
pub(super) struct Counters {
    pub values: DistinctCounter,
    pub pk: DistinctCounter,
}

impl Counters {
    /// One per thread of the first pass, for `keys` key columns: their hashes take a sixteenth
    /// of `limit` (at most 128 MiB) each before they spill to a temporary file.
    pub fn per_thread(keys: usize, limit: u64) -> [Counters; 2] {
        let budget = crate::budget::distinct_counter(limit);
        [(); 2].map(|_| Counters {
            values: DistinctCounter::new(keys, budget),
            pk: DistinctCounter::new(1, budget),
        })
    }

    /// The two threads' counts merged: the distinct values of each key column, and whether
    /// the primary key (`has_pk`) holds fewer distinct values than the `rows` records.
    pub fn finish(counters: [Counters; 2], has_pk: bool, rows: usize) -> Result<(Vec<u64>, bool)> {
        let [a, b] = counters;
        let distinct = DistinctCounter::finish_all(vec![a.values, b.values])?;
        let pk_distinct = DistinctCounter::finish_all(vec![a.pk, b.pk])?;
        let pk_repeats = has_pk && pk_distinct.first().copied().unwrap_or(0) < rows as u64;
        Ok((distinct, pk_repeats))
    }
}

/// What a streaming engine's first pass learns of the whole file; `L`: what the engine keeps
/// of its records' places (the CSV engine: every record's span and line).
pub(super) struct FirstPass<L> {
    /// Per thread, the distinct values of the key columns and of the primary key.
    pub counters: [Counters; 2],
    /// Every record's key hash.
    pub keys: crate::detect::hashed::KeyIndex,
    /// The first record whose primary key is NULL.
    pub first_null_pk: Option<usize>,
    /// How the keep column's text orders.
    pub tracker: crate::survive::KindTracker,
    /// Per key column: a value over 512 bytes was seen.
    pub long: Vec<bool>,
    pub layout: L,
}

impl<L> FirstPass<L> {
    /// Nothing read yet, for `nkeys` key columns within `limit` (the key hashes take an eighth
    /// of it, then spill).
    pub fn new(nkeys: usize, limit: u64, layout: L) -> Self {
        FirstPass {
            counters: Counters::per_thread(nkeys, limit),
            keys: crate::detect::hashed::KeyIndex::new(crate::budget::key_index(limit)),
            first_null_pk: None,
            tracker: crate::survive::KindTracker::default(),
            long: vec![false; nkeys],
            layout,
        }
    }

    /// What one part of the records (the next in file order) found: which key columns hold a
    /// value over 512 bytes, how the keep column's text orders, its first NULL primary key.
    pub fn merge(
        &mut self,
        long: &[bool],
        tracker: &crate::survive::KindTracker,
        first_null_pk: Option<usize>,
    ) {
        self.long.iter_mut().zip(long).for_each(|(l, p)| *l |= *p);
        self.tracker.merge(tracker);
        if self.first_null_pk.is_none() {
            self.first_null_pk = first_null_pk;
        }
    }
}

/// What a streaming engine's reading found besides the grouped records' table: the key
/// columns, their distinct values (per column, among all records), the number of records, when
/// reading started, and per key column whether a value is over 512 bytes.
pub(super) struct Read {
    pub key: Vec<String>,
    pub distinct: Vec<u64>,
    pub rows: usize,
    pub start: Instant,
    pub long: Vec<bool>,
}

/// A streaming engine's result: the streamed `table` (the grouped records) with its primary key
/// checked (the end of the reading), then its groups, from
/// the records whose key hashes repeat (`hashed`: the values row by row and the repeats, by
/// hash), verified on their values, or else by Polars on the table; then each group's survivor
/// (`kind`: how the keep column's text orders, when the engine tracked it; `most-complete`
/// counts the missing values in the row store, which the scripts then read).
pub(super) fn grouped_detected(
    job: &Job,
    table: Table,
    read: Read,
    hashed: Option<(crate::values::Values, Vec<(u64, u32)>)>,
    kind: Option<crate::survive::TextKind>,
) -> Result<Found> {
    let Read {
        key,
        distinct,
        rows,
        start,
        long,
    } = read;
    crate::detect::check_primary_key(&table, &job.pk)?;
    let read_ms = start.elapsed().as_millis() as u64;
    let t = Instant::now();
    let (values, same_hash) = hashed.unzip();
    let groups = match (&values, same_hash) {
        (Some(values), Some(same_hash)) => {
            let key_idx: Vec<usize> = key.iter().filter_map(|k| table.column_index(k)).collect();
            verified_groups(&same_hash, &table, values, &key_idx)?
        }
        _ => crate::detect::exact::groups(&table, &key)?,
    };
    let matches = counted_matches(&key, distinct, rows, groups);
    let detect_ms = t.elapsed().as_millis() as u64;

    let t = Instant::now();
    let missing = match (&values, &job.keep) {
        (Some(values), crate::config::KeepRule::MostComplete) => {
            Some(missing_counts(&table, values))
        }
        _ => None,
    };
    let resolution =
        crate::survive::resolve_with(&table, &matches, &job.keep, None, kind, missing)?;
    let detected = Detected {
        table,
        key,
        matches,
        fuzzy: None,
        resolution,
        read_ms,
        detect_ms,
        survive_ms: t.elapsed().as_millis() as u64,
    };
    Ok(Found {
        detected,
        values,
        long,
    })
}

/// Per record of `table` (grouped records only), how many of its values are missing (NULL, or
/// empty text), read from `values`: what `most-complete` compares when the table does not hold
/// every column.
pub(super) fn missing_counts(table: &Table, values: &crate::values::Values) -> Vec<u32> {
    (0..table.rows())
        .map(|r| {
            (0..table.columns.len())
                .filter(|&c| values.is_blank(c, crate::model::RowId(r as u32)))
                .count() as u32
        })
        .collect()
}

/// The memory the rest of a run needs when the grouped records' values are in a temporary
/// file: per record of the dump (`rows`), its span's length, whether it is grouped and, while
/// the groups are verified, its place among the grouped; per grouped record (`grouped`), its
/// values' offsets (`ncols` columns), its `framed` values in Polars, its number and line, its
/// share of a group, of the removals and of the scripts' plan (more without a primary key,
/// `keyless`: each group's copies); and the values read back into memory at once (a sixteenth
/// of them on each core while the groups are verified, and a batch per script while the
/// scripts are written).
pub(super) fn spilled_need(
    rows: usize,
    grouped: usize,
    ncols: usize,
    framed: usize,
    wanted: u64,
    keyless: bool,
) -> u64 {
    let per_grouped =
        (ncols as u64 + 2) * 4 + 128 + 16 * framed as u64 + if keyless { 64 } else { 0 };
    rows as u64 * 10 + grouped as u64 * per_grouped + wanted / 8
}

/// The matches of `groups` in a dump of `rows` records, each key column's repeats counted from
/// its number of distinct values (`distinct`, in key order) by a first pass.
pub(super) fn counted_matches(
    key: &[String],
    distinct: Vec<u64>,
    rows: usize,
    groups: Vec<crate::model::Group>,
) -> Matches {
    Matches {
        repeats_per_column: key
            .iter()
            .zip(distinct)
            .map(|(k, d)| (k.clone(), (rows as u64).saturating_sub(d)))
            .collect(),
        key: key.to_vec(),
        groups,
    }
}

/// Two key values equal as Polars' group-by compares them: floats by value (`-0.0` equal to
/// `0.0`, every NaN equal to every other), the rest (and NULL) by their text.
fn same_value(a: Option<crate::values::Val<'_>>, b: Option<crate::values::Val<'_>>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) if x.kind == crate::values::Kind::Float && x.text != y.text => {
            match (x.text.parse::<f64>(), y.text.parse::<f64>()) {
                (Ok(x), Ok(y)) => x == y || (x.is_nan() && y.is_nan()),
                _ => false,
            }
        }
        (a, b) => a == b,
    }
}

/// The groups: records whose key hashes are equal and whose key values are equal too (NULL
/// equal to NULL), in rows of the candidates' table; members ascending, groups by their first
/// member, as Polars' group-by gives them in memory. `same_hash`: (hash, record in the dump),
/// a hash's records one after another.
pub(super) fn verified_groups(
    same_hash: &[(u64, u32)],
    table: &Table,
    values: &crate::values::Values,
    key: &[usize],
) -> Result<Vec<crate::model::Group>> {
    use crate::model::{Group, RowId};
    let numbers = table.subset.as_ref().map_or(&[][..], |s| &s.numbers[..]);
    // each record's row in the candidates' table: from a table of 4 bytes per record of the
    // dump, or, when the values are spilled (memory is short), by a search (`numbers` ascends)
    let table_of: Option<Vec<u32>> = (!values.is_spilled()).then(|| {
        let rows = table.subset.as_ref().map_or(0, |s| s.rows);
        let mut t = vec![u32::MAX; rows];
        for (i, &n) in numbers.iter().enumerate() {
            t[n as usize] = i as u32;
        }
        t
    });
    let slot = |n: u32| match &table_of {
        Some(t) => t[n as usize],
        None => numbers.binary_search(&n).map_or(u32::MAX, |i| i as u32),
    };
    // the runs of one hash, cut into pieces at run boundaries, verified on both cores
    let mut cuts = vec![0];
    let piece = same_hash.len() / 16 + 1;
    while let Some(&last) = cuts.last() {
        let mut c = (last + piece).min(same_hash.len());
        while c < same_hash.len() && same_hash[c].0 == same_hash[c - 1].0 {
            c += 1;
        }
        if c == last {
            break;
        }
        cuts.push(c);
    }
    use rayon::prelude::*;
    let pieces: Vec<Vec<(RowId, Group)>> = cuts
        .par_windows(2)
        .map(|w| -> Result<Vec<(RowId, Group)>> {
            let mut out = Vec::new();
            let run = &same_hash[w[0]..w[1]];
            // spilled values: the piece's records read into memory
            let loaded = match values.is_spilled() {
                true => values.load(run.iter().map(|p| slot(p.1)).collect())?,
                false => None,
            };
            let get = |c: usize, r: RowId| match loaded.as_ref().and_then(|l| l.get(c, r)) {
                Some(v) => v,
                None => values.get(c, r),
            };
            let same = |a: RowId, b: RowId| key.iter().all(|&c| same_value(get(c, a), get(c, b)));
            let mut i = 0;
            while i < run.len() {
                let mut j = i + 1;
                while j < run.len() && run[j].0 == run[i].0 {
                    j += 1;
                }
                let mut rows: Vec<RowId> = run[i..j].iter().map(|p| RowId(slot(p.1))).collect();
                rows.sort_unstable();
                i = j;
                if rows[1..].iter().all(|&r| same(rows[0], r)) {
                    out.push((rows[0], Group { members: rows }));
                    continue;
                }
                // a hash shared by different keys: one class per distinct key
                let mut classes: Vec<Vec<RowId>> = Vec::new();
                for r in rows {
                    match classes.iter_mut().find(|c| same(c[0], r)) {
                        Some(c) => c.push(r),
                        None => classes.push(vec![r]),
                    }
                }
                out.extend(
                    classes
                        .into_iter()
                        .filter(|c| c.len() > 1)
                        .map(|members| (members[0], Group { members })),
                );
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    let mut groups: Vec<(RowId, Group)> = pieces.into_iter().flatten().collect();
    // by first member, held beside each group (not read through its members: a cache miss each)
    groups.sort_unstable_by_key(|g| g.0);
    Ok(groups.into_iter().map(|g| g.1).collect())
}

#[cfg(test)]
mod tests {
    /// A small CSV file in `dir`, and the stamp of a first read of it (with its content hash).
    fn read_once(dir: &Path) -> (std::path::PathBuf, Stamp) {
        let path = dir.join("t.csv");
        std::fs::write(&path, b"id,name\n1,a\n2,b\n").unwrap();
        let mut read = super::stamp(&path).unwrap();
        read.content = Some(crate::ingest::content_hash(&path).unwrap());
        (path, read)
    }

    /// One byte of `path` changed in place, its size kept and its modification time put back
    /// to `read`'s.
    fn edit_in_place(path: &Path, read: Stamp) {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = std::fs::OpenOptions::new().write(true).open(path).unwrap();
        f.seek(SeekFrom::Start(10)).unwrap();
        f.write_all(b"z").unwrap();
        f.set_modified(read.modified).unwrap();
        drop(f);
        let now = super::stamp(path).unwrap();
        assert_eq!((now.len, now.modified), (read.len, read.modified));
    }

    fn is_changed(r: Result<()>) {
        let e = r.unwrap_err();
        assert!(
            e.to_string()
                .contains("the file changed while dupsweep read it"),
            "{e}"
        );
    }

    /// An input edited during a run to the same size, with its modification time put back,
    /// was taken for the one read (the report's SHA-256 then described another file): the
    /// content is now hashed again after the last read.
    #[test]
    fn an_input_edited_in_place_with_its_time_put_back_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let (path, read) = read_once(dir.path());
        assert!(super::unchanged(&path, Some(read)).is_ok());
        edit_in_place(&path, read);
        is_changed(super::unchanged(&path, Some(read)));
    }

    /// The CSV engine's last read hashes the file as it copies it: that hash, not another read,
    /// decides whether the file is the one the first pass read, and an edit that kept the size
    /// and the time is still found.
    #[test]
    fn the_last_read_checks_the_content_it_read() {
        let dir = tempfile::tempdir().unwrap();
        let (path, read) = read_once(dir.path());
        let window_read = |path: &Path| {
            let mut w = crate::ingest::stream::Window::open_content_hashed(path).unwrap();
            w.range(0, 4).unwrap();
            w.finish_content().unwrap()
        };
        let as_read = window_read(&path);
        assert_eq!(as_read, Some((read.len, read.content.unwrap())));
        assert!(super::unchanged_as_read(&path, Some(read), as_read).is_ok());
        // a hash that is not the first pass's fails, without reading the file again
        let other = as_read.map(|(n, x)| (n, x ^ 1));
        assert!(super::unchanged_as_read(&path, Some(read), other).is_err());

        edit_in_place(&path, read);
        is_changed(super::unchanged_as_read(
            &path,
            Some(read),
            window_read(&path),
        ));
    }

    use super::*;
    use crate::model::{Compression, Format, RowId, Source, Subset};
    use polars::prelude::DataFrame;

    fn table(numbers: Vec<u32>, rows: usize) -> Table {
        Table {
            name: "t".into(),
            source: Source {
                path: "t.csv".into(),
                format: Format::Csv {
                    delimiter: b',',
                    compression: Compression::None,
                    bom: false,
                },
                sha256: String::new(),
                bytes: 0,
            },
            columns: vec!["a".into(), "b".into()],
            df: DataFrame::empty(),
            raw: None,
            subset: Some(Subset { numbers, rows }),
            schema: None,
        }
    }

    #[test]
    fn equal_hashes_with_different_values_are_not_duplicates() {
        // records 3, 5, 8 and 9 of a dump share a hash (as a collision would); only 3 and 8 hold
        // the same values, and 5 and 9 too, with NULL equal to NULL
        let values = [
            (Some("x"), Some("1")),
            (Some("y"), None),
            (Some("x"), Some("1")),
            (Some("y"), None),
        ];
        // held in memory, and spilled to a temporary file (read back a piece at a time)
        for spill in [false, true] {
            let mut rows = if spill {
                crate::values::Rows::spilled(2, 4).unwrap()
            } else {
                crate::values::Rows::new(2, 4, 16)
            };
            for (a, b) in values {
                rows.push(a);
                rows.push(b);
                rows.end_row();
            }
            let v = crate::values::Values::text_rows(vec!["a".into(), "b".into()], rows).unwrap();
            assert_eq!(v.is_spilled(), spill);
            let t = table(vec![3, 5, 8, 9], 10);
            let same_hash = [(7, 9), (7, 3), (7, 8), (7, 5)];
            let groups = verified_groups(&same_hash, &t, &v, &[0, 1]).unwrap();
            let members: Vec<Vec<RowId>> = groups.into_iter().map(|g| g.members).collect();
            assert_eq!(
                members,
                vec![vec![RowId(0), RowId(2)], vec![RowId(1), RowId(3)]]
            );
            // records 3 and 5 share a hash but not their value of a
            let groups = verified_groups(&[(1, 3), (1, 5)], &t, &v, &[0]).unwrap();
            assert!(groups.is_empty());
        }
    }
}
