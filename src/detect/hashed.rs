//! Hashed keys for the streaming engine: a 64-bit hash per value and per record key, and the
//! exact number of distinct values of a column counted from those hashes within a memory
//! budget (spilling to a temporary file). Equal values always hash alike; different values
//! share a hash with odds of about 2^-64 per pair, and the streaming engine never deletes on a
//! hash alone: the records whose keys hash alike are compared again on their values.

use std::fs::File;
use std::io::Write;

use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

use crate::error::{Error, Result};

/// The hash of NULL (no text hashes to it in practice: it is not the hash of any short text
/// under the value seed).
pub const NULL_HASH: u64 = 0x9e37_79b9_7f4a_7c15;

/// The hash of one value (`None`: NULL).
#[inline]
pub fn value(v: Option<&[u8]>) -> u64 {
    match v {
        None => NULL_HASH,
        Some(b) => xxh3_64_with_seed(b, 0x5eed),
    }
}

/// The hash of a record's key from its values' hashes, in key order.
#[inline]
pub fn combine(hashes: &[u64]) -> u64 {
    let mut bytes = [0u8; 8 * 16];
    if hashes.len() <= 16 {
        for (i, h) in hashes.iter().enumerate() {
            bytes[i * 8..i * 8 + 8].copy_from_slice(&h.to_le_bytes());
        }
        return xxh3_64(&bytes[..hashes.len() * 8]);
    }
    let all: Vec<u8> = hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
    xxh3_64(&all)
}

/// The hashes with at least one equal partner: sorts `pairs` (hash, row) and calls `each` for
/// every (hash, row) whose hash appears twice or more, a hash's rows one after another.
pub fn repeated(pairs: &mut [(u64, u32)], mut each: impl FnMut(u64, u32)) {
    use rayon::slice::ParallelSliceMut;
    pairs.par_sort_unstable_by_key(|p| p.0);
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i + 1;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        if j - i > 1 {
            for p in &pairs[i..j] {
                each(p.0, p.1);
            }
        }
        i = j;
    }
}

/// Fixed-size items a [`Parts`] spills, little-endian.
trait Item: Copy + Send + Sync {
    const BYTES: usize;
    fn put(&self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
}

impl Item for u64 {
    const BYTES: usize = 8;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        u64::from_le_bytes(b.try_into().unwrap_or([0; 8]))
    }
}

/// A hash, then a record.
impl Item for (u64, u32) {
    const BYTES: usize = 12;
    fn put(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
        out.extend_from_slice(&self.1.to_le_bytes());
    }
    fn get(b: &[u8]) -> Self {
        let (h, r) = b.split_at(8);
        (
            u64::get(h),
            u32::from_le_bytes(r.try_into().unwrap_or([0; 4])),
        )
    }
}

/// Items by partition: held in memory, and at each [`Parts::flush`] appended to one temporary
/// file, a block per partition, to be read back a partition at a time.
struct Parts<T> {
    /// Per partition: the items held.
    held: Vec<Vec<T>>,
    /// Items held in all.
    held_len: usize,
    file: Option<File>,
    written: u64,
    /// Per partition: where its spilled blocks are (offset, count).
    blocks: Vec<Vec<(u64, usize)>>,
}

impl<T: Item> Parts<T> {
    fn new(parts: usize) -> Self {
        Parts {
            held: vec![Vec::new(); parts],
            held_len: 0,
            file: None,
            written: 0,
            blocks: vec![Vec::new(); parts],
        }
    }

    #[inline]
    fn push(&mut self, part: usize, v: T) {
        self.held[part].push(v);
        self.held_len += 1;
    }

    fn is_spilled(&self) -> bool {
        self.file.is_some()
    }

    /// Writes every item held to the file.
    fn flush(&mut self) -> Result<()> {
        let io = |e| Error::io(&std::env::temp_dir(), "cannot write a temporary file", e);
        if self.file.is_none() {
            self.file = Some(tempfile::tempfile().map_err(io)?);
        }
        let Some(file) = self.file.as_mut() else {
            return Ok(());
        };
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        let mut bytes = Vec::new();
        for (i, part) in self.held.iter_mut().enumerate() {
            if part.is_empty() {
                continue;
            }
            bytes.clear();
            part.iter().for_each(|v| v.put(&mut bytes));
            w.write_all(&bytes).map_err(io)?;
            self.blocks[i].push((self.written, part.len()));
            self.written += bytes.len() as u64;
            part.clear();
        }
        w.flush().map_err(io)?;
        self.held_len = 0;
        Ok(())
    }

    /// Appends partition `part`'s spilled items to `out` (not those held).
    fn read_spilled(&self, part: usize, out: &mut Vec<T>) -> Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        for &(offset, n) in &self.blocks[part] {
            let mut bytes = vec![0u8; n * T::BYTES];
            read_at(file, &mut bytes, offset)
                .map_err(|e| Error::io(&std::env::temp_dir(), "cannot read a temporary file", e))?;
            out.extend(bytes.chunks_exact(T::BYTES).map(T::get));
        }
        Ok(())
    }
}

/// The (key hash, record) pairs of a pass: held in memory up to a budget, past it spilled to a
/// temporary file by partition (the hash's top bits), so that [`KeyIndex::repeated`] sorts a
/// partition at a time.
pub struct KeyIndex {
    parts: Parts<(u64, u32)>,
    budget: usize,
    len: usize,
}

impl KeyIndex {
    /// An index that holds at most `budget` bytes of pairs before it spills.
    pub fn new(budget: usize) -> Self {
        KeyIndex {
            parts: Parts::new(PARTS),
            budget: budget.max(1 << 16),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Room for `total` pairs in all, spread over the partitions as hashes spread, when that
    /// fits the budget (the vectors then do not double past what they hold).
    pub fn reserve(&mut self, total: usize) {
        let each = total / PARTS + total / PARTS / 16 + 1024;
        if each * PARTS * 16 <= self.budget {
            for part in &mut self.parts.held {
                part.reserve_exact(each.saturating_sub(part.len()));
            }
        }
    }

    /// True once pairs went to the temporary file.
    pub fn is_spilled(&self) -> bool {
        self.parts.is_spilled()
    }

    #[inline]
    pub fn push(&mut self, hash: u64, row: u32) -> Result<()> {
        self.parts.push((hash >> 58) as usize, (hash, row));
        self.len += 1;
        // the vectors' spare room can double what they hold
        if self.parts.held_len * 32 >= self.budget {
            self.parts.flush()?;
        }
        Ok(())
    }

    /// Calls `each` for every (hash, record) whose hash appears twice or more: hashes
    /// ascending, a hash's records one after another (as [`repeated`] does).
    pub fn repeated(mut self, mut each: impl FnMut(u64, u32)) -> Result<()> {
        use rayon::prelude::*;
        let mut held = std::mem::take(&mut self.parts.held);
        let parts = &self.parts;
        // the partitions on both cores, a few at a time (their repeats are kept, in order)
        for start in (0..PARTS).step_by(8) {
            let chunk: Vec<(usize, Vec<(u64, u32)>)> = (start..(start + 8).min(PARTS))
                .map(|i| (i, std::mem::take(&mut held[i])))
                .collect();
            let found = chunk
                .into_par_iter()
                .map(|(i, mut pairs)| -> Result<Vec<(u64, u32)>> {
                    parts.read_spilled(i, &mut pairs)?;
                    let mut out = Vec::new();
                    repeated(&mut pairs, |h, r| out.push((h, r)));
                    Ok(out)
                })
                .collect::<Result<Vec<_>>>()?;
            for (h, r) in found.into_iter().flatten() {
                each(h, r);
            }
        }
        Ok(())
    }
}

/// Partitions of one column's hashes (by their top bits), so that each can be counted alone.
const PARTS: usize = 64;
/// Hashes a column's small set remembers as lately inserted.
const RECENT: usize = 256;
/// A column with up to this many distinct values is counted in a hash set; past it, its hashes
/// are kept (and spilled) to be counted at the end.
const SMALL: usize = 1 << 16;

/// Hashes are already well mixed: a set of them needs no hashing again.
#[derive(Default, Clone, Copy)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type HashSet64 = std::collections::HashSet<u64, std::hash::BuildHasherDefault<Identity>>;

/// Counts the distinct values of several columns from their values' hashes. A column with few
/// distinct values is counted in a small set; the others keep their hashes, at most `budget`
/// bytes of them in memory, the rest in a temporary file, and count them at the end one
/// partition at a time.
pub struct DistinctCounter {
    /// Per column: the set, while the column has few distinct values.
    sets: Vec<Option<HashSet64>>,
    /// Per column, `RECENT` hashes lately inserted in its set, by their low bits (a hash is
    /// never 0 there: see [`DistinctCounter::new`]).
    recent: Vec<u64>,
    /// Per column and partition: the hashes kept.
    parts: Parts<u64>,
    budget: usize,
}

impl DistinctCounter {
    pub fn new(columns: usize, budget: usize) -> Self {
        DistinctCounter {
            sets: vec![Some(HashSet64::default()); columns],
            // slot i holds a hash whose low bits are i: slot 0 starts at 1 (not such a hash),
            // the others at 0
            recent: (0..columns * RECENT)
                .map(|i| u64::from(i % RECENT == 0))
                .collect(),
            parts: Parts::new(columns * PARTS),
            budget: budget.max(1 << 16),
        }
    }

    /// Adds one value's hash of column `col`.
    #[inline]
    pub fn add(&mut self, col: usize, h: u64) -> Result<()> {
        if let Some(set) = &mut self.sets[col] {
            // a hash met lately is in the set already (most values of a column with few)
            let slot = &mut self.recent[col * RECENT + (h as usize & (RECENT - 1))];
            if *slot == h {
                return Ok(());
            }
            *slot = h;
            set.insert(h);
            if set.len() <= SMALL {
                return Ok(());
            }
            // many distinct values: keep the hashes instead (a value seen again is kept again)
            let set = self.sets[col].take().unwrap_or_default();
            for h in set {
                self.parts.push(col * PARTS + (h >> 58) as usize, h);
            }
        } else {
            self.parts.push(col * PARTS + (h >> 58) as usize, h);
        }
        // 8 bytes a hash, and the vectors' spare room can double it
        if self.parts.held_len * 16 >= self.budget {
            self.parts.flush()?;
        }
        Ok(())
    }
    /// The number of distinct values of each column.
    pub fn finish(self) -> Result<Vec<u64>> {
        DistinctCounter::finish_all(vec![self])
    }

    /// The number of distinct values of each column, over several counters of the same
    /// columns (each thread of a pass fills its own).
    pub fn finish_all(counters: Vec<DistinctCounter>) -> Result<Vec<u64>> {
        use rayon::prelude::*;
        let columns = counters.first().map_or(0, |c| c.sets.len());
        let all_small = |c: usize| counters.iter().all(|k| k.sets[c].is_some());
        let counts = (0..columns * PARTS)
            .into_par_iter()
            .map(|i| -> Result<u64> {
                let (c, part) = (i / PARTS, i % PARTS);
                if all_small(c) {
                    return Ok(0);
                }
                let mut hashes: Vec<u64> = Vec::new();
                for k in &counters {
                    match &k.sets[c] {
                        Some(set) => hashes
                            .extend(set.iter().copied().filter(|h| (h >> 58) as usize == part)),
                        None => {
                            hashes.extend_from_slice(&k.parts.held[i]);
                            k.parts.read_spilled(i, &mut hashes)?;
                        }
                    }
                }
                // a set of the partition's hashes: 4x faster than sorting them at 10M rows
                let mut set = HashSet64::with_capacity_and_hasher(hashes.len(), Default::default());
                set.extend(hashes);
                Ok(set.len() as u64)
            })
            .collect::<Result<Vec<u64>>>()?;
        Ok((0..columns)
            .map(|c| {
                if all_small(c) {
                    let mut union = HashSet64::default();
                    for k in &counters {
                        union.extend(k.sets[c].iter().flatten().copied());
                    }
                    union.len() as u64
                } else {
                    counts[c * PARTS..(c + 1) * PARTS].iter().sum()
                }
            })
            .collect())
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spilled_key_index_finds_the_same_repeats() {
        // 100,000 records, a third of them sharing their hash with two or three others
        let hash = |r: u32| -> u64 {
            let k = if r.is_multiple_of(3) {
                r / 3 % 10_000
            } else {
                r + 1_000_000
            };
            value(Some(k.to_string().as_bytes()))
        };
        let mut pairs: Vec<(u64, u32)> = (0..100_000).map(|r| (hash(r), r)).collect();
        let mut expect = Vec::new();
        repeated(&mut pairs, |h, r| expect.push((h, r)));
        assert!(expect.len() > 30_000);
        for budget in [1 << 30, 1] {
            let mut index = KeyIndex::new(budget);
            for r in 0..100_000 {
                index.push(hash(r), r).unwrap();
            }
            assert_eq!(index.len(), 100_000);
            assert_eq!(index.is_spilled(), budget == 1);
            let mut got = Vec::new();
            index.repeated(|h, r| got.push((h, r))).unwrap();
            // a hash's records in any order, the hashes ascending
            let mut sorted = got.clone();
            sorted.sort_unstable();
            let mut want = expect.clone();
            want.sort_unstable();
            assert_eq!(sorted, want, "budget {budget}");
            assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
        }
    }

    #[test]
    fn counts_distinct_values_with_and_without_spilling() {
        for budget in [1 << 30, 1] {
            let mut c = DistinctCounter::new(3, budget);
            for i in 0..200_000u64 {
                c.add(0, value(Some((i % 1000).to_string().as_bytes())))
                    .unwrap();
                c.add(1, value(if i % 2 == 0 { None } else { Some(b"x") }))
                    .unwrap();
                // past the small set's size
                c.add(2, value(Some((i % 150_000).to_string().as_bytes())))
                    .unwrap();
            }
            assert_eq!(c.finish().unwrap(), vec![1000, 2, 150_000]);
        }
    }

    #[test]
    fn counters_of_two_threads_count_together() {
        for budget in [1 << 30, 1] {
            let mut a = DistinctCounter::new(2, budget);
            let mut b = DistinctCounter::new(2, budget);
            for i in 0..200_000u64 {
                let k = if i % 2 == 0 { &mut a } else { &mut b };
                k.add(0, value(Some((i % 100).to_string().as_bytes())))
                    .unwrap();
                // one side past the small set's size, the other not
                let v = if i % 2 == 0 { i % 90_000 } else { i % 1000 };
                k.add(1, value(Some(v.to_string().as_bytes()))).unwrap();
            }
            assert_eq!(
                DistinctCounter::finish_all(vec![a, b]).unwrap(),
                vec![100, 45_500]
            );
        }
    }

    #[test]
    fn null_and_empty_differ() {
        assert_ne!(value(None), value(Some(b"")));
        assert_ne!(combine(&[value(None)]), combine(&[value(Some(b""))]));
    }

    #[test]
    fn repeated_hashes_are_found() {
        let mut pairs = vec![(5, 0), (7, 1), (5, 2), (9, 3), (7, 4), (7, 5)];
        let mut rows = Vec::new();
        repeated(&mut pairs, |_, r| rows.push(r));
        rows.sort();
        assert_eq!(rows, vec![0, 1, 2, 4, 5]);
    }
}
