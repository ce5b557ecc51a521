//! Scoring: the Fellegi–Sunter model. Per comparison level, `m` = P(level | match) and
//! `u` = P(level | non-match); a pair's match weight is log2(λ/(1−λ)) + Σ log2(m/u), and its
//! match probability 2^w / (1 + 2^w). `u` is estimated from random pairs of records, `m` by
//! expectation–maximisation over the candidate pairs of each blocking rule in turn, leaving
//! out the comparisons that rule blocks on (they agree by construction there), with no labels.

use std::collections::BTreeMap;

use serde::Serialize;

/// A deterministic pseudo-random generator (SplitMix64) for sampling pairs.
pub struct SplitMix(pub u64);

impl SplitMix {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

const FLOOR: f64 = 1e-6;
/// EM stops after this many iterations if it has not converged.
const MAX_ITERATIONS: usize = 200;

/// Estimates `u` from level vectors of random pairs (`levels`: parts of one row of `k` levels
/// per pair).
pub fn estimate_u(levels: &[&[u8]], k: usize, sizes: &[usize]) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
    for row in levels.iter().flat_map(|l| l.chunks_exact(k)) {
        for (c, &l) in row.iter().enumerate() {
            counts[c][l as usize] += 1.0;
        }
    }
    // a small pseudo-count so that a level never seen among random pairs is rare, not
    // impossible
    distributions(counts, 0.1)
}

/// Per comparison, level counts (index 0, "null", left out) as probabilities, with a
/// pseudo-count per level.
fn distributions(counts: Vec<Vec<f64>>, pseudo: f64) -> Vec<Vec<f64>> {
    counts
        .into_iter()
        .map(|c| {
            let present: f64 = c[1..].iter().sum();
            let n = (c.len() - 1) as f64;
            let mut p = vec![0.0; c.len()];
            for l in 1..c.len() {
                p[l] = ((c[l] + pseudo) / (present + pseudo * n)).max(FLOOR);
            }
            p
        })
        .collect()
}

/// Starting m: most mass on the best levels.
fn initial_m(sizes: &[usize]) -> Vec<Vec<f64>> {
    sizes
        .iter()
        .map(|&n| {
            let mut m = vec![0.0; n];
            let levels = n - 1;
            let mut w = 0.9;
            for (i, slot) in m.iter_mut().enumerate().skip(1) {
                *slot = if i == levels { 0.02 } else { w };
                w *= 0.3;
            }
            let s: f64 = m[1..].iter().sum();
            m.iter_mut().skip(1).for_each(|x| *x /= s);
            m
        })
        .collect()
}

/// Level patterns of a set of pairs with their counts.
fn patterns(levels: &[u8], k: usize, select: &dyn Fn(usize) -> bool) -> BTreeMap<Vec<u8>, f64> {
    let mut p: BTreeMap<Vec<u8>, f64> = BTreeMap::new();
    for (i, row) in levels.chunks_exact(k).enumerate() {
        if select(i) {
            *p.entry(row.to_vec()).or_default() += 1.0;
        }
    }
    p
}

/// The log-likelihoods of a pattern under the match and non-match classes.
fn log_likelihoods(pat: &[u8], s: &Session) -> (f64, f64) {
    let mut lm = s.lambda.ln();
    let mut lu = (1.0 - s.lambda).ln();
    for (c, &l) in pat.iter().enumerate() {
        if l == 0 || !s.active[c] {
            continue;
        }
        lm += s.m[c][l as usize].max(FLOOR).ln();
        lu += s.u[c][l as usize].max(FLOOR).ln();
    }
    (lm, lu)
}

/// EM over `pats`: updates λ, and m and u of the active comparisons when asked. Returns the
/// number of iterations.
fn em(
    pats: &BTreeMap<Vec<u8>, f64>,
    s: &mut Session,
    update_m: bool,
    update_u: bool,
    update_lambda: bool,
) -> usize {
    let mut it = 0;
    while it < MAX_ITERATIONS {
        it += 1;
        let mut acc_m: Vec<Vec<f64>> = s.m.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut acc_u = acc_m.clone();
        let (mut total, mut matched) = (0.0, 0.0);
        for (pat, &n) in pats {
            let (lm, lu) = log_likelihoods(pat, s);
            let p = 1.0 / (1.0 + (lu - lm).exp());
            total += n;
            matched += n * p;
            for (c, &l) in pat.iter().enumerate() {
                if l != 0 && s.active[c] {
                    acc_m[c][l as usize] += n * p;
                    acc_u[c][l as usize] += n * (1.0 - p);
                }
            }
        }
        let mut change = 0.0f64;
        if update_lambda {
            let new_lambda = (matched / total.max(1.0)).clamp(1e-6, 1.0 - 1e-6);
            change = (new_lambda - s.lambda).abs();
            s.lambda = new_lambda;
        }
        // m of every active comparison when asked, else only of those pinned in part
        let m_of = |c: usize| update_m || s.m_free[c];
        let u_of = |_: usize| update_u;
        change = change.max(refit(&acc_m, &mut s.m, &s.active, &m_of));
        change = change.max(refit(&acc_u, &mut s.u, &s.active, &u_of));
        if change < 1e-6 {
            break;
        }
    }
    it
}

/// EM's M-step for one class: the level distribution of each active comparison `c` with
/// `update(c)`, from the expected counts `acc`. Returns the largest change.
fn refit(
    acc: &[Vec<f64>],
    target: &mut [Vec<f64>],
    active: &[bool],
    update: &dyn Fn(usize) -> bool,
) -> f64 {
    let mut change = 0.0f64;
    for (c, a) in acc.iter().enumerate() {
        if !active[c] || !update(c) {
            continue;
        }
        let n = (a.len() - 1) as f64;
        let sum: f64 = a[1..].iter().sum();
        if sum <= 0.0 {
            continue;
        }
        for l in 1..a.len() {
            // a small pseudo-count keeps unseen levels possible
            let v = ((a[l] + 0.01) / (sum + 0.01 * n)).max(FLOOR);
            change = change.max((v - target[c][l]).abs());
            target[c][l] = v;
        }
    }
    change
}

/// Per comparison, the frequency of each level among the pairs (with a small pseudo-count).
fn marginals(pats: &BTreeMap<Vec<u8>, f64>, sizes: &[usize]) -> Vec<Vec<f64>> {
    let mut counts: Vec<Vec<f64>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
    for (pat, &n) in pats {
        for (c, &l) in pat.iter().enumerate() {
            counts[c][l as usize] += n;
        }
    }
    distributions(counts, 0.5)
}

/// Level patterns with the first rule that found each pair.
fn patterns_with_rule(
    levels: &[u8],
    k: usize,
    first: &dyn Fn(usize) -> Option<usize>,
) -> BTreeMap<(usize, Vec<u8>), f64> {
    let mut p: BTreeMap<(usize, Vec<u8>), f64> = BTreeMap::new();
    for (i, row) in levels.chunks_exact(k).enumerate() {
        if let Some(r) = first(i) {
            *p.entry((r, row.to_vec())).or_default() += 1.0;
        }
    }
    p
}

/// How many of its likely matches a rule must have seen a comparison's values in for the m it
/// learns there to count (a rule that saw none keeps the m EM starts from).
const MIN_SEEN: f64 = 5.0;

/// Per comparison, the expected number of matches among `pats` with a value on both sides.
fn match_mass(pats: &BTreeMap<Vec<u8>, f64>, s: &Session) -> Vec<f64> {
    let mut seen = vec![0.0; s.active.len()];
    for (pat, &n) in pats {
        let (lm, lu) = log_likelihoods(pat, s);
        let p = n / (1.0 + (lu - lm).exp());
        for (c, &l) in pat.iter().enumerate() {
            if l != 0 {
                seen[c] += p;
            }
        }
    }
    seen
}

/// The mean of the level distributions the rules learnt (`None` without any).
fn mean_m(learnt: &[Vec<f64>]) -> Option<Vec<f64>> {
    let first = learnt.first()?;
    let mut m = vec![0.0; first.len()];
    for x in learnt {
        for (a, b) in m.iter_mut().zip(x) {
            *a += b / learnt.len() as f64;
        }
    }
    Some(m)
}

/// Total variation distance between two level distributions (level 0 left out).
fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .skip(1)
        .map(|(x, y)| (x - y).abs())
        .sum::<f64>()
        / 2.0
}

/// Fits one rule's session: λ and u by EM with m fixed, but for what the rule pins in part (see
/// [`Session`]).
fn session(
    r: usize,
    (blocked, pinned): (&[bool], &[bool]),
    pats: &BTreeMap<Vec<u8>, f64>,
    lambda: f64,
    (m, u): (&[Vec<f64>], &[Vec<f64>]),
    sizes: &[usize],
) -> Session {
    let mut s = Session {
        rule: r,
        blocks: blocked.contains(&true),
        active: blocked.iter().map(|x| !x).collect(),
        m: m.to_vec(),
        u: u.to_vec(),
        lambda,
        pairs: pats.values().sum::<f64>() as u64,
        iterations: 0,
        fallback: false,
        m_free: vec![false; m.len()],
    };
    if !s.active.iter().any(|a| *a) || pats.is_empty() {
        s.lambda = 1.0 - 1e-6;
        return s;
    }
    // a rule that pairs every record with every other sees the random pairs' own population:
    // its non-matches are what u from random pairs describes
    let every_pair = blocked.iter().all(|b| !b);
    let free = !every_pair && pats.values().sum::<f64>() >= MIN_SESSION_PAIRS;
    if free {
        // u starts as the levels' frequencies among the rule's pairs: neutral, so that
        // agreeing on what the rule's pairs commonly share (a household's address) is no
        // evidence, and the sharper m pulls the matches apart; the share of matches starts
        // where the first pass (u from random pairs) left it
        s.u = marginals(pats, sizes);
        // with u learnt among the rule's pairs, what the rule pins only in part (a first
        // initial, a birth date's year, one column of an address) is modelled too, m and u
        // both learnt there: those of records sharing the part
        s.active = pinned.iter().map(|x| !x).collect();
        s.m_free = blocked.iter().zip(pinned).map(|(b, p)| *b && !p).collect();
    }
    s.iterations = em(pats, &mut s, false, free, true);
    // A rule whose pairs are nearly all matches leaves u unidentifiable: EM then drifts u
    // towards m (the classes become one), never converges, or makes the few non-matches a
    // class of whatever pattern m finds rare (at 1M people, among the pairs sharing an
    // e-mail, 99.7% matches: a "non-match" class of 2.6% that agreed on the birth date as
    // often as the matches, weighing an exact date -0.5 and two swapped names -12). Such a
    // rule keeps u from random pairs.
    let active: Vec<usize> = (0..s.active.len()).filter(|&c| s.active[c]).collect();
    let apart = active
        .iter()
        .map(|&c| distance(&s.u[c], &s.m[c]))
        .sum::<f64>()
        / active.len().max(1) as f64;
    if free && (s.iterations >= MAX_ITERATIONS || apart < 0.3 || s.lambda > NEARLY_ALL) {
        s.u = u.to_vec();
        s.m = m.to_vec();
        s.m_free = vec![false; m.len()];
        s.active = blocked.iter().map(|x| !x).collect();
        s.lambda = lambda;
        s.fallback = true;
        s.iterations = em(pats, &mut s, false, false, true);
    }
    s
}

/// The model of the pairs one blocking rule finds. Conditional on two records agreeing on the
/// rule's columns, the other comparisons are modelled by a two-class mixture learnt on exactly
/// those pairs: m (matches) is the global m, which anchors the match class; u (non-matches)
/// and the share of matches are learnt by EM, u starting from the levels' frequencies there. This
/// captures what the rule's non-matches have in common (people of one household share a phone,
/// an address and a surname), which u from random pairs cannot.
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub rule: usize,
    /// Whether the rule blocks on some comparison's column (a MinHash band blocks on none).
    pub blocks: bool,
    /// The comparisons that count: with u learnt among the rule's pairs, those the rule does
    /// not pin whole; else those it does not block on.
    pub active: Vec<bool>,
    pub m: Vec<Vec<f64>>,
    pub u: Vec<Vec<f64>>,
    /// The share of matches among the rule's pairs.
    pub lambda: f64,
    pub pairs: u64,
    pub iterations: usize,
    /// The rule's own u could not be learnt: it uses u from random pairs.
    pub fallback: bool,
    /// The comparisons whose m is learnt among the rule's pairs too: those it pins in part
    /// (matches sharing a first initial agree on the first name more often than matches at
    /// large).
    #[serde(skip)]
    pub m_free: Vec<bool>,
}

/// The fitted model.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The prior: the probability that two records drawn at random are a match.
    pub lambda: f64,
    /// The expected number of matching pairs among the candidates.
    pub expected_matches: f64,
    /// Per comparison, per level (index 0, "null", unused): P(level | match), averaged over the
    /// sessions that learn it.
    pub m: Vec<Vec<f64>>,
    /// Per comparison, per level: P(level | non-match) among random pairs.
    pub u: Vec<Vec<f64>>,
    /// One per blocking rule.
    pub sessions: Vec<Session>,
}

/// A rule's share of matches above which its non-matches are too few to learn their u from.
const NEARLY_ALL: f64 = 0.95;

/// Below this many pairs a rule's session keeps the global u and the averaged m.
const MIN_SESSION_PAIRS: f64 = 200.0;

/// What the model needs to know of the blocking rules, per rule `r`.
pub struct RuleShapes<'a> {
    /// `blocked[r][c]`: rule `r` blocks on comparison `c`'s column.
    pub blocked: &'a [Vec<bool>],
    /// `pinned[r][c]`: it pins that comparison's every column whole (a model with u learnt among
    /// the rule's pairs leaves out only those, and learns m of the others it blocks on).
    pub pinned: &'a [Vec<bool>],
    /// `teaches[r]`: the m rule `r` learns counts in the global m.
    pub teaches: &'a [bool],
}

/// Fits the model. `levels`: the candidate pairs' level rows; `masks`: per pair, the rules that
/// found it; `rules`: what each rule blocks on; `all_pairs`: how many pairs of records there are
/// in all.
///
/// First, per rule, m of the comparisons it does not block on by EM with u fixed (random pairs);
/// the average over the rules that teach m and saw the comparison's values in `MIN_SEEN` of
/// their likely matches is the global m. Then per rule its own session (m fixed, u and λ free).
/// The expected number of matching candidate pairs, each pair under the session of the first
/// rule that found it, divided by `all_pairs` is the prior λ of the global model, which scores
/// pairs that no rule finds.
pub fn fit(
    levels: &[u8],
    masks: &[u64],
    sizes: &[usize],
    u: Vec<Vec<f64>>,
    rules: RuleShapes,
    all_pairs: u64,
) -> Model {
    let RuleShapes {
        blocked,
        pinned,
        teaches,
    } = rules;
    let k = sizes.len();
    let init = initial_m(sizes);
    // per comparison, the m each rule that models it learnt
    let mut learnt: Vec<Vec<Vec<f64>>> = vec![Vec::new(); k];
    let mut pats_per_rule = Vec::new();
    for (r, b) in blocked.iter().enumerate() {
        let active: Vec<bool> = b.iter().map(|x| !x).collect();
        let bit = 1u64 << r.min(63);
        let pats = patterns(levels, k, &|i| masks[i] & bit != 0);
        let mut s = Session {
            rule: r,
            blocks: b.contains(&true),
            active,
            m: init.clone(),
            u: u.clone(),
            lambda: 0.1,
            pairs: pats.values().sum::<f64>() as u64,
            iterations: 0,
            fallback: false,
            m_free: vec![false; k],
        };
        if !pats.is_empty() && s.active.iter().any(|a| *a) {
            em(&pats, &mut s, true, false, true);
            let seen = match_mass(&pats, &s);
            for c in 0..k {
                if s.active[c] && seen[c] >= MIN_SEEN && teaches[r] {
                    learnt[c].push(s.m[c].clone());
                }
            }
        }
        pats_per_rule.push((pats, s.lambda));
    }
    let m: Vec<Vec<f64>> = (0..k)
        .map(|c| mean_m(&learnt[c]).unwrap_or_else(|| init[c].clone()))
        .collect();
    // each rule's own session, m fixed; the expected number of matching candidate pairs, each
    // pair under the session of the first rule that found it
    let first_of = |i: usize| (masks[i] != 0).then(|| masks[i].trailing_zeros() as usize);
    let sessions: Vec<Session> = blocked
        .iter()
        .enumerate()
        .map(|(r, b)| {
            let (pats, lambda) = &pats_per_rule[r];
            session(r, (b, &pinned[r]), pats, *lambda, (&m, &u), sizes)
        })
        .collect();
    let mut expected = 0.0;
    for ((r, pat), n) in &patterns_with_rule(levels, k, &first_of) {
        let (lm, lu) = log_likelihoods(pat, &sessions[*r]);
        expected += n / (1.0 + (lu - lm).exp());
    }
    let lambda = (expected / all_pairs.max(1) as f64).clamp(1e-12, 0.5);
    Model {
        lambda,
        expected_matches: expected,
        m,
        u,
        sessions,
    }
}

impl Model {
    /// The weight of comparison `c` at `level` under session `s` (the global model for
    /// `None`); 0 for "null" and for the comparisons the session's rule blocks on.
    pub fn weight(&self, s: Option<usize>, c: usize, level: u8) -> f64 {
        if level == 0 {
            return 0.0;
        }
        let l = level as usize;
        let (m, u) = match s.and_then(|s| self.sessions.get(s)) {
            Some(s) if !s.active[c] => return 0.0,
            Some(s) => (s.m[c][l], s.u[c][l]),
            None => (self.m[c][l], self.u[c][l]),
        };
        (m.max(FLOOR) / u.max(FLOOR)).log2()
    }
    /// The u of exact agreement on comparison `c` under a session.
    pub fn u_exact(&self, s: Option<usize>, c: usize) -> f64 {
        match s.and_then(|s| self.sessions.get(s)) {
            Some(s) => s.u[c][1],
            None => self.u[c][1],
        }
    }
    /// Whether session `s`'s rule blocks on some comparison (what its pairs share there, its
    /// model does not weigh as the model of all pairs does).
    pub fn leaves_out(&self, s: usize) -> bool {
        self.sessions.get(s).is_some_and(|s| s.blocks)
    }
    /// Whether session `s` blocks on comparison `c`.
    pub fn blocked(&self, s: Option<usize>, c: usize) -> bool {
        s.and_then(|s| self.sessions.get(s))
            .is_some_and(|s| !s.active[c])
    }
    /// The prior weight log2(λ/(1−λ)) of a session (the global prior for `None`).
    pub fn prior_weight(&self, s: Option<usize>) -> f64 {
        let l = s
            .and_then(|s| self.sessions.get(s))
            .map_or(self.lambda, |s| s.lambda)
            .clamp(1e-12, 1.0 - 1e-9);
        (l / (1.0 - l)).log2()
    }
}

/// The match probability of a total weight.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn em_separates_matches_from_non_matches() {
        // two comparisons with levels [null, exact, else]; 100 matching pairs agreeing on
        // both, 900 non-matching pairs agreeing by chance as often as random pairs do
        let sizes = [3usize, 3];
        let mut levels = Vec::new();
        let mut masks = Vec::new();
        for i in 0..1000 {
            if i < 100 {
                levels.extend([1u8, 1]);
            } else {
                levels.extend([
                    if i % 50 == 0 { 1 } else { 2 },
                    if i % 40 == 0 { 1 } else { 2 },
                ]);
            }
            masks.push(1);
        }
        let mut random = Vec::new();
        for i in 0..10_000 {
            random.extend([
                if i % 50 == 0 { 1u8 } else { 2 },
                if i % 40 == 0 { 1 } else { 2 },
            ]);
        }
        let u = estimate_u(&[&random], 2, &sizes);
        let none = [vec![false, false]];
        let rules = RuleShapes {
            blocked: &none,
            pinned: &none,
            teaches: &[true],
        };
        let model = fit(&levels, &masks, &sizes, u, rules, 10_000);
        assert!(
            (model.expected_matches - 100.0).abs() < 30.0,
            "{}",
            model.expected_matches
        );
        assert!((model.lambda - 0.01).abs() < 0.003, "{}", model.lambda);
        for s in [None, Some(0)] {
            let w = model.prior_weight(s) + model.weight(s, 0, 1) + model.weight(s, 1, 1);
            assert!(probability(w) > 0.9, "{s:?}");
            let w = model.prior_weight(s) + model.weight(s, 0, 2) + model.weight(s, 1, 2);
            assert!(probability(w) < 0.01, "{s:?}");
        }
        assert!(
            (model.sessions[0].lambda - 0.1).abs() < 0.03,
            "{}",
            model.sessions[0].lambda
        );
    }

    /// A rule blocking on comparison 0 of three ([null, exact, else] each): its pairs' levels
    /// (`n` pairs of each pattern), u from random pairs agreeing now and then.
    fn rule_model(pairs: &[([u8; 3], usize)], pinned: bool) -> Model {
        let sizes = [3usize, 3, 3];
        let mut levels = Vec::new();
        for (pat, n) in pairs {
            for _ in 0..*n {
                levels.extend(pat);
            }
        }
        let masks = vec![1u64; levels.len() / 3];
        let mut random = Vec::new();
        for i in 0..10_000 {
            random.extend([
                if i % 100 == 0 { 1u8 } else { 2 },
                if i % 50 == 0 { 1 } else { 2 },
                if i % 40 == 0 { 1 } else { 2 },
            ]);
        }
        let u = estimate_u(&[&random], 3, &sizes);
        let blocked = [vec![true, false, false]];
        let pinned = [vec![pinned, false, false]];
        let rules = RuleShapes {
            blocked: &blocked,
            pinned: &pinned,
            teaches: &[true],
        };
        fit(&levels, &masks, &sizes, u, rules, 1_000_000)
    }

    #[test]
    fn a_rule_of_nearly_all_matches_keeps_u_from_random_pairs() {
        // 98.5% of the rule's pairs agree on everything: too few non-matches to learn from
        let model = rule_model(&[([1, 1, 1], 985), ([1, 2, 2], 15)], true);
        let s = &model.sessions[0];
        assert!(s.fallback, "{s:?}");
        assert_eq!(s.active, [false, true, true]);
        for (c, l) in [(1, 1), (1, 2), (2, 1), (2, 2)] {
            assert_eq!(model.weight(Some(0), c, l), model.weight(None, c, l));
        }
        // agreeing is evidence, disagreeing against
        assert!(model.weight(Some(0), 1, 1) > 3.0);
        assert!(model.weight(Some(0), 1, 2) < 0.0);
    }

    #[test]
    fn a_rule_learns_what_it_pins_in_part() {
        // half the rule's pairs are matches; comparison 0 is a first name of which the rule
        // pins the initial: its pairs still differ there, non-matches mostly, matches one in
        // five (a nickname)
        let pairs = [
            ([1, 1, 1], 400),
            ([2, 1, 1], 100),
            ([2, 2, 2], 450),
            ([1, 2, 2], 50),
        ];
        let model = rule_model(&pairs, false);
        let s = &model.sessions[0];
        assert!(!s.fallback, "{s:?}");
        assert!((s.lambda - 0.5).abs() < 0.1, "{}", s.lambda);
        assert_eq!(s.active, [true, true, true]);
        assert_eq!(s.m_free, [true, false, false]);
        // its m and u learnt among the rule's pairs: agreeing is evidence, disagreeing against
        assert!((s.m[0][1] - 0.8).abs() < 0.05, "{:?}", s.m[0]);
        assert!((s.u[0][1] - 0.1).abs() < 0.05, "{:?}", s.u[0]);
        let w = |c, l| model.weight(Some(0), c, l);
        assert!(w(0, 1) > 2.0 && w(0, 2) < -2.0, "{} {}", w(0, 1), w(0, 2));
        // pinned whole, it is left out of the rule's model
        let model = rule_model(&pairs, true);
        assert_eq!(model.sessions[0].active, [false, true, true]);
        assert_eq!(model.weight(Some(0), 0, 1), 0.0);
    }

    #[test]
    fn m_comes_from_the_rules_that_saw_the_values_and_teach() {
        // two comparisons ([null, exact, else]); rule 0 blocks on comparison 0, rule 1 on
        // comparison 1; rule 1's pairs have no value of comparison 0 (null on one side)
        let sizes = [3usize, 3];
        let (mut levels, mut masks) = (Vec::new(), Vec::new());
        for i in 0..1000 {
            // rule 0: a fifth matches, agreeing on comparison 1 nine times in ten
            levels.extend([1u8, if i < 180 || i % 50 == 0 { 1 } else { 2 }]);
            masks.push(0b01);
        }
        for i in 0..1000 {
            levels.extend([0u8, if i < 300 { 1 } else { 2 }]);
            masks.push(0b10);
        }
        let mut random = Vec::new();
        for i in 0..10_000 {
            random.extend([
                if i % 50 == 0 { 1u8 } else { 2 },
                if i % 50 == 0 { 1 } else { 2 },
            ]);
        }
        let u = estimate_u(&[&random], 2, &sizes);
        let blocked = [vec![true, false], vec![false, true]];
        let fit_with = |teaches: &[bool]| {
            let rules = RuleShapes {
                blocked: &blocked,
                pinned: &blocked,
                teaches,
            };
            fit(&levels, &masks, &sizes, u.clone(), rules, 1_000_000)
        };
        let model = fit_with(&[true, true]);
        // comparison 0: only rule 1 models it, and it never saw a value: m stays where EM starts
        assert_eq!(model.m[0], initial_m(&sizes)[0]);
        // comparison 1: learnt by rule 0 alone
        let first_pass = model.m[1].clone();
        assert!(first_pass[1] > 0.8, "{first_pass:?}");
        // a rule that does not teach leaves m to the others (here, to where EM starts)
        let model = fit_with(&[false, true]);
        assert_eq!(model.m[1], initial_m(&sizes)[1]);
    }

    #[test]
    fn splitmix_is_deterministic() {
        let mut a = SplitMix(42);
        let mut b = SplitMix(42);
        assert_eq!(a.next_u64(), b.next_u64());
        assert!(a.below(10) < 10);
    }
}
