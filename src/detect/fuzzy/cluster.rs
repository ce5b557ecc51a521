//! Clustering: connected components over the pairs above the threshold, then split so that no
//! chain of weak links merges unrelated records. A group grows from its centre (its
//! strongest-linked member); within it every member matches every other member at least at the
//! lower bound (the group floor), whatever member survives, or at half of it for a member that
//! matches the centre above the threshold (two copies of one record, each with its own typos,
//! match each other less than either matches the original), at a quarter of it for such a copy
//! that matches every member of a group of three or more but one above the threshold (one
//! outlying copy does not keep it out of a large entity); each member matches some other
//! member above the threshold; groups are capped in size.
//!
//! A person's decisions ([`Forced`]) come first: two records decided different never share a
//! group, and records decided the same always do (with the records the model grouped with
//! them, unless one of those was decided different from one of them: then it leaves).

/// Each record's links above the threshold (`(other record, probability)`, in the order of the
/// pairs), side by side: a map of vectors held a vector header and an allocation per record.
struct Links {
    /// The linked records, sorted.
    nodes: Vec<u32>,
    /// `edges[offsets[i]..offsets[i + 1]]` are `nodes[i]`'s links.
    offsets: Vec<usize>,
    edges: Vec<(u32, f64)>,
}

impl Links {
    fn new(mut ends: Vec<(u32, u32, f64)>) -> Links {
        // stable: each record's links stay in the order of the pairs
        ends.sort_by_key(|e| e.0);
        let mut nodes = Vec::new();
        let mut offsets = Vec::new();
        for (i, e) in ends.iter().enumerate() {
            if nodes.last() != Some(&e.0) {
                nodes.push(e.0);
                offsets.push(i);
            }
        }
        offsets.push(ends.len());
        let edges = ends.into_iter().map(|(_, y, p)| (y, p)).collect();
        Links {
            nodes,
            offsets,
            edges,
        }
    }

    fn of(&self, x: u32) -> &[(u32, f64)] {
        match self.nodes.binary_search(&x) {
            Ok(i) => &self.edges[self.offsets[i]..self.offsets[i + 1]],
            Err(_) => &[],
        }
    }
}

/// Union–find over record indices (the smaller root wins: the roots are deterministic).
pub(crate) struct Dsu(Vec<u32>);

impl Dsu {
    /// `n` records, each on its own.
    pub(crate) fn new(n: usize) -> Dsu {
        Dsu((0..n as u32).collect())
    }
    pub(crate) fn find(&mut self, x: u32) -> u32 {
        let mut r = x;
        while self.0[r as usize] != r {
            r = self.0[r as usize];
        }
        let mut x = x;
        while self.0[x as usize] != r {
            let next = self.0[x as usize];
            self.0[x as usize] = r;
            x = next;
        }
        r
    }
    /// Joins `a`'s and `b`'s sets; whether they were apart.
    pub(crate) fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
        ra != rb
    }
}

/// The settings of the chaining guard.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Pairs at or above this probability link records.
    pub threshold: f64,
    /// Every pair inside a group must reach this probability (half of it for a member that
    /// matches the group's centre at the threshold, a quarter if it also matches every member of
    /// a group of three or more but one at the threshold).
    pub lower: f64,
    /// No group grows beyond this many records.
    pub max_size: usize,
}

/// Whether record `y` may join `group` (its first member the centre): every member at the
/// floor; a copy of the centre (matched to it at the threshold) at half the floor, as two copies
/// of one record, each with its own typos, match each other less than either matches the
/// original; at a quarter when it is sure with every member of a group of three or more but one.
fn joins(group: &[u32], y: u32, bounds: Bounds, pair_score: &dyn Fn(u32, u32) -> f64) -> bool {
    let copy = pair_score(group[0], y) >= bounds.threshold;
    let least = if copy {
        bounds.lower / 4.0
    } else {
        bounds.lower
    };
    // the lowest score with the group and how many are sure, until one is under any floor it
    // could have
    let (mut lowest, mut sure) = (f64::INFINITY, 0);
    for &g in group {
        let p = pair_score(g, y);
        if p < least {
            return false;
        }
        lowest = lowest.min(p);
        sure += usize::from(p >= bounds.threshold);
    }
    let floor = match (copy, sure + 1 == group.len() && group.len() >= 3) {
        (true, true) => bounds.lower / 4.0,
        (true, false) => bounds.lower / 2.0,
        (false, _) => bounds.lower,
    };
    lowest >= floor
}

/// Pairs of records decided by a person, each `(low, high)`, sorted, without repeats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Forced {
    /// Always in one group.
    pub same: Vec<(u32, u32)>,
    /// Never in one group.
    pub different: Vec<(u32, u32)>,
}

impl Forced {
    fn is_different(&self, a: u32, b: u32) -> bool {
        let key = if a < b { (a, b) } else { (b, a) };
        self.different.binary_search(&key).is_ok()
    }
}

/// Under any floor: the score of a pair decided different.
const APART: f64 = -1.0;

/// Groups of two or more record indices (sorted, groups ordered by their first member).
/// `pairs`: scored candidate pairs; `score(a, b)` scores any pair on demand; `forced`: the
/// pairs a person decided.
pub fn cluster(
    n: usize,
    pairs: &[((u32, u32), f64)],
    bounds: Bounds,
    score: &dyn Fn(u32, u32) -> f64,
    forced: &Forced,
) -> Vec<Vec<u32>> {
    let mut dsu = Dsu::new(n);
    // the scores known from the pairs, by pair (sorted; the last one of a pair given twice);
    // a pair decided different scores under any floor (the decided same join afterwards)
    let mut known: Vec<((u32, u32), f64)> = Vec::new();
    let mut ends: Vec<(u32, u32, f64)> = Vec::new();
    let apart = forced.different.iter().map(|&p| (p, APART));
    for ((a, b), p) in pairs
        .iter()
        .filter(|(p, _)| !forced.is_different(p.0, p.1))
        .copied()
        .chain(apart)
    {
        if p >= bounds.lower || p == APART {
            known.push(((a, b), p));
        }
        if p >= bounds.threshold {
            dsu.union(a, b);
            ends.push((a, b, p));
            ends.push((b, a, p));
        }
    }
    known.sort_by_key(|k| k.0);
    known.dedup_by(|later, kept| {
        let same = later.0 == kept.0;
        if same {
            kept.1 = later.1;
        }
        same
    });
    let strong = Links::new(ends);
    // the components of the linked records: (root, record), by root, then record
    let mut linked: Vec<(u32, u32)> = strong.nodes.iter().map(|&x| (dsu.find(x), x)).collect();
    linked.sort_unstable();
    drop(dsu);
    let components = linked.chunk_by(|a, b| a.0 == b.0);
    let pair_score = |a: u32, b: u32| -> f64 {
        let key = if a < b { (a, b) } else { (b, a) };
        match known.binary_search_by_key(&key, |k| k.0) {
            Ok(i) => known[i].1,
            Err(_) => score(key.0, key.1),
        }
    };
    let mut groups = Vec::new();
    for component in components {
        let members: Vec<u32> = component.iter().map(|&(_, x)| x).collect();
        if members.len() == 2 {
            groups.push(members);
            continue;
        }
        let mut remaining: Vec<u32> = members;
        while remaining.len() >= 2 {
            let in_rem = |x: u32, rem: &[u32]| rem.binary_search(&x).is_ok();
            // the centre: the strongest-linked member
            let mut center = None;
            let mut best = 0.0;
            for &x in &remaining {
                let s: f64 = strong
                    .of(x)
                    .iter()
                    .filter(|(y, _)| in_rem(*y, &remaining))
                    .map(|(_, p)| p)
                    .sum();
                if s > best {
                    best = s;
                    center = Some(x);
                }
            }
            let Some(center) = center else { break };
            let mut group = vec![center];
            loop {
                if group.len() >= bounds.max_size {
                    break;
                }
                // candidates linked strongly to the group, strongest first
                let mut cand: Vec<(f64, u32)> = Vec::new();
                for &g in &group {
                    for &(y, p) in strong.of(g) {
                        if in_rem(y, &remaining) && !group.contains(&y) {
                            cand.push((p, y));
                        }
                    }
                }
                cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
                cand.dedup_by_key(|c| c.1);
                let mut added = false;
                for (_, y) in cand {
                    if joins(&group, y, bounds, &pair_score) {
                        group.push(y);
                        added = true;
                        break;
                    }
                }
                if !added {
                    break;
                }
            }
            group.sort_unstable();
            remaining.retain(|x| group.binary_search(x).is_err());
            if group.len() >= 2 {
                groups.push(group);
            }
        }
    }
    if !forced.same.is_empty() {
        groups = join_decided(groups, n, forced);
    }
    groups.sort_unstable_by_key(|g| g[0]);
    groups
}

/// The groups with every set of records that "same" decisions link in one group: the groups
/// holding its records merge; a record of theirs decided different from a record already in
/// the merged group (the linked records first, then the others in order, a linked set as one)
/// stays out, with the others left of its group.
fn join_decided(groups: Vec<Vec<u32>>, n: usize, forced: &Forced) -> Vec<Vec<u32>> {
    let mut linked = Dsu::new(n);
    for &(a, b) in &forced.same {
        linked.union(a, b);
    }
    // the records' groups, as slots (None: a group merged away)
    let mut slots: Vec<Option<Vec<u32>>> = groups.into_iter().map(Some).collect();
    let mut slot_of: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (i, g) in slots.iter().enumerate() {
        for &x in g.iter().flatten() {
            slot_of.insert(x, i);
        }
    }
    // the linked sets, by their smallest record
    let mut sets: std::collections::BTreeMap<u32, Vec<u32>> = std::collections::BTreeMap::new();
    for &(a, b) in &forced.same {
        for x in [a, b] {
            sets.entry(linked.find(x)).or_default().push(x);
        }
    }
    for (_, mut set) in sets {
        set.sort_unstable();
        set.dedup();
        // the groups it touches, in order
        let mut touched: Vec<usize> = set.iter().filter_map(|x| slot_of.get(x).copied()).collect();
        touched.sort_unstable();
        touched.dedup();
        let mut group = set.clone();
        let mut others: Vec<u32> = Vec::new();
        for &t in &touched {
            others.extend(
                slots[t]
                    .iter()
                    .flatten()
                    .filter(|x| set.binary_search(x).is_err()),
            );
        }
        others.sort_unstable();
        // a unit: a record, or every record another linked set links to it
        let mut left: Vec<u32> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for &x in &others {
            let root = linked.find(x);
            if !seen.insert(root) {
                continue;
            }
            let unit: Vec<u32> = others
                .iter()
                .copied()
                .filter(|&y| linked.find(y) == root)
                .collect();
            let apart = unit
                .iter()
                .any(|&u| group.iter().any(|&g| forced.is_different(u, g)));
            if apart {
                left.extend(unit);
            } else {
                group.extend(unit);
            }
        }
        group.sort_unstable();
        // what is left of each touched group stays a group
        for &t in &touched {
            let rest: Vec<u32> = slots[t]
                .take()
                .into_iter()
                .flatten()
                .filter(|x| left.contains(x))
                .collect();
            if rest.len() >= 2 {
                for &x in &rest {
                    slot_of.insert(x, t);
                }
                slots[t] = Some(rest);
            } else {
                for x in rest {
                    slot_of.remove(&x);
                }
            }
        }
        let at = slots.len();
        for &x in &group {
            slot_of.insert(x, at);
        }
        slots.push(Some(group));
    }
    slots.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Bounds = Bounds {
        threshold: 0.9,
        lower: 0.5,
        max_size: 10,
    };

    #[test]
    fn strong_pairs_form_groups() {
        let pairs = [
            ((0, 1), 0.99),
            ((1, 2), 0.95),
            ((0, 2), 0.97),
            ((3, 4), 0.3),
        ];
        let g = cluster(5, &pairs, B, &|_, _| 0.0, &Forced::default());
        assert_eq!(g, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn a_chain_of_links_does_not_merge_unrelated_records() {
        // 0~1~2~3~4 each strongly linked to the next, but the ends do not match each other
        let pairs = [
            ((0, 1), 0.99),
            ((1, 2), 0.99),
            ((2, 3), 0.99),
            ((3, 4), 0.99),
        ];
        let g = cluster(
            5,
            &pairs,
            B,
            &|a, b| if b - a == 1 { 0.99 } else { 0.01 },
            &Forced::default(),
        );
        for grp in &g {
            assert!(grp.len() <= 2, "{g:?}");
        }
        assert!(g.len() >= 2);
    }

    #[test]
    fn two_copies_of_one_record_join_it_though_they_match_each_other_less() {
        // 0 is the original, 1 and 2 copies of it with different typos: 1~2 is under the floor
        // (0.5) but over half of it
        let pairs = [((0, 1), 0.99), ((0, 2), 0.98)];
        let g = cluster(3, &pairs, B, &|_, _| 0.3, &Forced::default());
        assert_eq!(g, vec![vec![0, 1, 2]]);
        // far under it, they do not
        let g = cluster(3, &pairs, B, &|_, _| 0.1, &Forced::default());
        assert_eq!(g, vec![vec![0, 1]]);
        // a member linked to another member but not to the centre needs the whole floor
        let pairs = [((0, 1), 0.99), ((0, 2), 0.98), ((1, 3), 0.97)];
        let g = cluster(
            4,
            &pairs,
            B,
            &|a, b| match (a, b) {
                (1, 2) => 0.6,
                _ => 0.3,
            },
            &Forced::default(),
        );
        assert_eq!(g, vec![vec![0, 1, 2]]);
    }

    #[test]
    fn a_copy_sure_with_all_of_a_group_but_one_needs_a_quarter_of_the_floor() {
        // 0 is the original, 1, 2 and 3 copies of it, each sure with the others; 4 is a copy
        // sure with 0, 1 and 2 but matching 3 at 0.15 (under half the floor, over a quarter)
        let mut pairs = Vec::new();
        for a in 0..4u32 {
            for b in a + 1..5 {
                if (a, b) != (3, 4) {
                    pairs.push(((a, b), 0.99));
                }
            }
        }
        let g = cluster(5, &pairs, B, &|_, _| 0.15, &Forced::default());
        assert_eq!(g, vec![vec![0, 1, 2, 3, 4]]);
        // under a quarter of the floor it stays out
        let g = cluster(5, &pairs, B, &|_, _| 0.1, &Forced::default());
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].len(), 4, "{g:?}");
        // sure with the centre and one other member of four, it needs half the floor
        let pairs: Vec<((u32, u32), f64)> = pairs
            .into_iter()
            .filter(|&((a, b), _)| b != 4 || a < 2)
            .collect();
        let g = cluster(5, &pairs, B, &|_, _| 0.15, &Forced::default());
        assert_eq!(g, vec![vec![0, 1, 2, 3]]);
        // in a group of two, a copy needs half the floor still
        let pairs = [((0, 1), 0.99), ((0, 2), 0.98)];
        let g = cluster(3, &pairs, B, &|_, _| 0.15, &Forced::default());
        assert_eq!(g, vec![vec![0, 1]]);
    }

    #[test]
    fn groups_are_capped() {
        let mut pairs = Vec::new();
        for a in 0..20u32 {
            for b in a + 1..20 {
                pairs.push(((a, b), 0.99));
            }
        }
        let g = cluster(
            20,
            &pairs,
            Bounds { max_size: 5, ..B },
            &|_, _| 0.99,
            &Forced::default(),
        );
        assert!(g.iter().all(|x| x.len() <= 5));
        assert_eq!(g.iter().map(|x| x.len()).sum::<usize>(), 20);
    }

    #[test]
    fn decisions_link_and_split_whatever_the_scores() {
        let pairs = [
            ((0, 1), 0.99),
            ((1, 2), 0.97),
            ((0, 2), 0.96),
            ((3, 4), 0.6),
        ];
        let none = Forced::default();
        assert_eq!(
            cluster(6, &pairs, B, &|_, _| 0.0, &none),
            vec![vec![0, 1, 2]]
        );
        // 3 and 4 decided the same (under the threshold), 2 different from 0
        let forced = Forced {
            same: vec![(3, 4)],
            different: vec![(0, 2)],
        };
        let g = cluster(6, &pairs, B, &|_, _| 0.0, &forced);
        assert_eq!(g, vec![vec![0, 1], vec![3, 4]]);
        // a record decided the same as a grouped one joins its group; one decided different
        // from the record it joins leaves (the rest stays together)
        let forced = Forced {
            same: vec![(0, 5)],
            different: vec![(2, 5)],
        };
        let g = cluster(6, &pairs, B, &|_, _| 0.0, &forced);
        assert_eq!(g, vec![vec![0, 1, 5]]);
        // two groups linked by a decision merge
        let pairs = [((0, 1), 0.99), ((2, 3), 0.99)];
        let forced = Forced {
            same: vec![(1, 2)],
            different: vec![],
        };
        assert_eq!(
            cluster(4, &pairs, B, &|_, _| 0.0, &forced),
            vec![vec![0, 1, 2, 3]]
        );
    }
}
