//! Fuzzy duplicates: records that describe the same thing without being equal. Exact groups
//! are found first; fuzzy matching then works on one representative per exact group:
//!
//! ```text
//!  roles ──► prepare ──► block ──► compare ──► score (Fellegi–Sunter, EM) ──► cluster
//!  from names  one derived  OR-ed rules,  levels per   u from random pairs,      components,
//!  and content value per    pairs counted comparison   m by EM per rule          chaining guard
//!              comparison   first
//! ```
//! Below this module everything works on `&str`, slices and record indices.

pub mod block;
pub mod cluster;
pub mod compare;
pub mod decisions;
pub mod roles;
pub mod score;

use polars::prelude::ChunkUnique;
use rayon::prelude::*;
use serde::Serialize;

use self::block::Rule;
use self::compare::{Comparison, Packed, Prepared, Val};
use self::roles::Role;
use self::score::{Model, SplitMix};
use crate::error::{Error, Location, Result};
use crate::model::{pairs_among, Group, Matches, RowId, Table};
use crate::progress::{Progress, Unit};

/// How many random pairs estimate `u`.
const RANDOM_PAIRS: u64 = 1_000_000;
/// How many values role inference looks at per column.
const SAMPLE: usize = 20_000;

/// Fuzzy matching settings, resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FuzzyOptions {
    /// Pairs at or above this match probability are duplicates.
    pub threshold: f64,
    /// Pairs from here up to `threshold` go to the review file.
    pub review_threshold: f64,
    /// Every pair inside a group must reach this probability, half of it for a copy of the
    /// group's centre (the chaining guard).
    pub group_floor: f64,
    /// Blocking rules given by the user; empty: chosen from the column roles.
    pub block: Vec<String>,
    /// Roles given by the user, overriding the inferred ones.
    #[serde(skip)]
    pub roles: Vec<(String, Role)>,
    /// Refuse a blocking rule that makes more candidate pairs than this (default: 20 per record,
    /// at least a million).
    pub max_pairs: Option<u64>,
    /// Largest group fuzzy matching forms.
    pub max_group: usize,
    /// A person's decisions on pairs, applied on top of the model.
    #[serde(skip)]
    pub decisions: Option<decisions::Decisions>,
}

/// The trained matcher: prepared values of every record, comparisons, blocking keys, fitted
/// model. It scores any pair of records, for clustering, survivors' reasons and `explain`.
pub struct Engine {
    pub comparisons: Vec<Comparison>,
    /// Every record's prepared values, a record's side by side.
    packed: Packed,
    tf: Vec<Option<Vec<f32>>>,
    /// Per rule, per representative: the blocking key (0: missing).
    keys: Vec<block::Keys>,
    /// Per record: the index of its exact group's representative.
    rep_of: Vec<u32>,
    pub model: Model,
}

/// [`Engine::explain`]'s answer.
pub struct Explained {
    pub verdicts: Vec<Verdict>,
    /// The blocking rule whose model scored the pair; `None`: the model of all pairs.
    pub session: Option<usize>,
    pub prior: f64,
    pub total: f64,
    pub probability: f64,
    /// The rule that found the pair and the total its own model gives, when the model of all
    /// pairs was the more cautious and scored it.
    pub overruled: Option<(usize, f64)>,
    /// The total the comparisons gave, when it was brought down to even odds because no
    /// identifying value agrees ([`Engine::decide`]).
    pub capped: Option<f64>,
}

/// One comparison's verdict on a pair.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub column: String,
    pub left: Option<String>,
    pub right: Option<String>,
    pub level: &'static str,
    pub weight: f64,
    /// The pair's blocking rule requires agreement here: the model of that rule's pairs does
    /// not count it again.
    pub blocked: bool,
}

impl Engine {
    fn levels_into(&self, a: usize, b: usize, out: &mut [u8]) {
        // the values on the stack, but for an unusual number of comparisons
        const MAX: usize = 32;
        let k = self.comparisons.len();
        let (mut sa, mut sb) = ([Val::Missing; MAX], [Val::Missing; MAX]);
        let (mut ha, mut hb) = (Vec::new(), Vec::new());
        let (va, vb) = if k <= MAX {
            (&mut sa[..k], &mut sb[..k])
        } else {
            ha.resize(k, Val::Missing);
            hb.resize(k, Val::Missing);
            (&mut ha[..], &mut hb[..])
        };
        self.packed.values(a, va);
        self.packed.values(b, vb);
        for (c, cmp) in self.comparisons.iter().enumerate() {
            let swap = cmp
                .swap_with
                .map_or((None, None), |o| (va[o].text(), vb[o].text()));
            out[c] = cmp.level_of(va[c], vb[c], swap);
        }
    }

    /// Every pair's levels into `out` (a pair's after the other), on both cores. The pairs'
    /// records are looked up a batch at a time before they are compared: loads that do not wait
    /// for one another, where comparing pair after pair would wait for each record in turn.
    fn levels_of_pairs<P: Sync>(
        &self,
        out: &mut [u8],
        pairs: &[P],
        records: impl Fn(&P) -> (usize, usize) + Sync,
    ) {
        const BATCH: usize = 64;
        let k = self.comparisons.len().max(1);
        out.par_chunks_mut(k * BATCH)
            .zip(pairs.par_chunks(BATCH))
            .for_each(|(out, batch)| {
                let mut ids = [(0usize, 0usize); BATCH];
                for (id, p) in ids.iter_mut().zip(batch) {
                    *id = records(p);
                    self.packed.touch(id.0);
                    self.packed.touch(id.1);
                }
                for (o, &(a, b)) in out.chunks_mut(k).zip(&ids[..batch.len()]) {
                    self.levels_into(a, b, o);
                }
            });
    }

    /// Frees every record's prepared values (the largest part of the matcher) once no pair
    /// will be compared again: `clean` after the survivors are chosen, whose outputs read only
    /// the scored pairs' levels. Comparing records afterwards is a bug (debug builds stop; a
    /// release build finds every value missing).
    pub fn release_values(&mut self) {
        self.packed = Packed::default();
    }

    /// The first blocking rule that pairs records `a` and `b`, whose session scores them.
    fn session(&self, a: usize, b: usize) -> Option<usize> {
        let (ra, rb) = (self.rep_of[a] as usize, self.rep_of[b] as usize);
        self.keys.iter().position(|k| k.agree(ra, rb))
    }

    /// Weight of comparison `c` at `level` for a pair whose left record is `a`, with the
    /// term-frequency adjustment for exact agreement on a rarer or commoner value than average.
    fn weight(&self, s: Option<usize>, c: usize, level: u8, a: usize) -> f64 {
        let mut w = self.model.weight(s, c, level);
        // only the global model: inside a rule's pairs, what they share (a household's
        // surname) is modelled by the session's own u, whatever its frequency overall
        if level == 1 && s.is_none() {
            if let Some(tf) = &self.tf[c] {
                let u = self.model.u_exact(s, c);
                let f = f64::from(tf[a]).max(1e-7);
                w += (u / f).log2().clamp(-8.0, 8.0);
            }
        }
        w
    }

    /// The model that scores a pair whose first blocking rule is `rule`, and its total weight:
    /// that rule's own model, or the model of all pairs where it is less sure. A rule's model
    /// counts nothing for what the rule pins whole, and weighs what it pins in part (a first
    /// initial) as its own pairs do; the all-pairs model counts everything but does not know
    /// what a rule's pairs share (a household's surname).
    /// A pair is as sure as the more cautious of the two. A rule that blocks on no comparison
    /// (a MinHash band) leaves nothing out: its model alone scores its pairs, knowing what
    /// they share (their texts' near-equality is why they were paired).
    ///
    /// A pair on which no identifying comparison agrees (every name, date, e-mail, text and
    /// number differs or is missing) is at most even odds, whatever its address, phone, city or
    /// category share: those are shared by different entities at one place (a hotel's
    /// restaurants on its switchboard number, a family at one address), and the model, which
    /// counts each comparison as independent evidence, would add them up to a sure match. Under
    /// a threshold above 0.5 such a pair goes to review at most (its records may still end in
    /// one group through others they match). A model with no identifying comparison is left as
    /// it is.
    fn decide(&self, levels: &[u8], a: usize, rule: Option<usize>) -> (Option<usize>, f64) {
        let (s, total, cap) = self.decide_parts(levels, a, rule);
        (s, total + cap)
    }

    /// [`Engine::decide`]'s model and total before the cap, and what the cap takes (0 or less).
    fn decide_parts(
        &self,
        levels: &[u8],
        a: usize,
        rule: Option<usize>,
    ) -> (Option<usize>, f64, f64) {
        let (s, total) = self.decide_uncapped(levels, a, rule);
        let cap = match total > 0.0 && self.no_identity(levels) {
            true => -total,
            false => 0.0,
        };
        (s, total, cap)
    }

    fn decide_uncapped(
        &self,
        levels: &[u8],
        a: usize,
        rule: Option<usize>,
    ) -> (Option<usize>, f64) {
        let own = self.total(levels, a, rule);
        if rule.is_some_and(|r| self.model.leaves_out(r)) {
            let all = self.total(levels, a, None);
            if all < own {
                return (None, all);
            }
        }
        (rule, own)
    }

    /// Whether the model compares some identifying values ([`Role::identifies`]) and none of
    /// them agrees at any level on the pair's `levels` (each is "else" or missing).
    fn no_identity(&self, levels: &[u8]) -> bool {
        let mut compared = false;
        for (cmp, &l) in self.comparisons.iter().zip(levels) {
            if !cmp.role.identifies() {
                continue;
            }
            compared = true;
            if l != 0 && usize::from(l) + 1 < cmp.levels.len() {
                return false;
            }
        }
        compared
    }

    /// What the cap on a pair on which no identifying value agrees takes from records `a` and
    /// `b` at the pair's `levels` (0, or less: see `Engine::decide`), beside the prior and
    /// [`Engine::weights`].
    pub fn cap_weight(&self, levels: &[u8], a: RowId, b: RowId) -> f64 {
        let rule = self.session(a.index(), b.index());
        self.decide_parts(levels, a.index(), rule).2
    }

    /// The weight each comparison gives, at the pair's `levels`, to records `a` and `b`, under
    /// the model that scores them (see `Engine::decide`).
    pub fn weights(&self, levels: &[u8], a: RowId, b: RowId) -> Vec<f64> {
        let rule = self.session(a.index(), b.index());
        let s = self.decide(levels, a.index(), rule).0;
        levels
            .iter()
            .enumerate()
            .map(|(c, &l)| self.weight(s, c, l, a.index()))
            .collect()
    }

    fn total(&self, levels: &[u8], a: usize, s: Option<usize>) -> f64 {
        self.model.prior_weight(s)
            + levels
                .iter()
                .enumerate()
                .map(|(c, &l)| self.weight(s, c, l, a))
                .sum::<f64>()
    }

    /// The match probability of two records.
    pub fn probability(&self, a: RowId, b: RowId) -> f64 {
        self.judged(a, b).1
    }

    /// The first of the rules in use that pairs records `a` and `b` (`None`: `clean` never
    /// compares them), and their match probability.
    pub fn judged(&self, a: RowId, b: RowId) -> (Option<usize>, f64) {
        let (a, b) = (a.index(), b.index());
        let mut l = vec![0u8; self.comparisons.len()];
        self.levels_into(a, b, &mut l);
        let rule = self.session(a, b);
        (rule, score::probability(self.decide(&l, a, rule).1))
    }

    /// Why two records match or not, comparison by comparison: the verdicts, the blocking rule
    /// whose model scored the pair (`None`: the model of all pairs), its prior weight, the total
    /// weight and probability, and, when the model of all pairs scored a pair that a rule
    /// found, that rule and the total its own model gives.
    pub fn explain(&self, a: RowId, b: RowId) -> Explained {
        let (a, b) = (a.index(), b.index());
        let mut l = vec![0u8; self.comparisons.len()];
        self.levels_into(a, b, &mut l);
        let rule = self.session(a, b);
        let (s, uncapped, cap) = self.decide_parts(&l, a, rule);
        let total = uncapped + cap;
        let capped = (cap != 0.0).then_some(uncapped);
        let overruled = match (rule, s) {
            (Some(r), None) => Some((r, self.total(&l, a, rule))),
            _ => None,
        };
        let (mut va, mut vb) = (
            vec![Val::Missing; self.comparisons.len()],
            vec![Val::Missing; self.comparisons.len()],
        );
        self.packed.values(a, &mut va);
        self.packed.values(b, &mut vb);
        let verdicts = self
            .comparisons
            .iter()
            .enumerate()
            .map(|(c, cmp)| Verdict {
                column: cmp.column.clone(),
                left: va[c].show(),
                right: vb[c].show(),
                level: cmp.levels[l[c] as usize],
                weight: self.weight(s, c, l[c], a),
                blocked: self.model.blocked(s, c),
            })
            .collect();
        Explained {
            verdicts,
            session: s,
            prior: self.model.prior_weight(s),
            total,
            probability: score::probability(total),
            overruled,
            capped,
        }
    }

    /// An engine whose model is not fitted yet: the comparisons read the `packed` values;
    /// `rep_of` maps each record to its representative's index among `reps` through `exact_of`
    /// (its exact group's first record).
    fn unfitted(
        comparisons: Vec<Comparison>,
        packed: Packed,
        tf: Vec<Option<Vec<f32>>>,
        keys: Vec<block::Keys>,
        reps: &[usize],
        exact_of: &[u32],
    ) -> Engine {
        let n = exact_of.len();
        let mut rep_of = vec![0u32; n];
        for (i, &r) in reps.iter().enumerate() {
            rep_of[r] = i as u32;
        }
        for i in 0..n {
            rep_of[i] = rep_of[exact_of[i] as usize];
        }
        Engine {
            comparisons,
            packed,
            tf,
            keys,
            rep_of,
            model: Model {
                lambda: 0.5,
                expected_matches: 0.0,
                m: Vec::new(),
                u: Vec::new(),
                sessions: Vec::new(),
            },
        }
    }

    /// The candidate `pairs` of representatives (`reps`) from probability `from` up, with their
    /// index, weight and rules' mask, each scored by the model [`Engine::decide`] picks for its
    /// first rule; the others are not kept (at 1M people, 7.2M pairs: 115 MB at the run's
    /// peak).
    fn score_pairs(
        &self,
        levels: &[u8],
        pairs: &[(u32, u32)],
        masks: &[u64],
        reps: &[usize],
        from: f64,
    ) -> Vec<(usize, f64, u64)> {
        levels
            .par_chunks(self.comparisons.len().max(1))
            .zip(pairs.par_iter().zip(masks.par_iter()))
            .enumerate()
            .filter_map(|(i, (l, (&(a, _), &mask)))| {
                let s = (mask != 0).then_some(mask.trailing_zeros() as usize);
                let w = self.decide(l, reps[a as usize], s).1;
                (score::probability(w) >= from).then_some((i, w, mask))
            })
            .collect()
    }

    /// Each comparison's levels with the model of all pairs' `m`, `u` and weight, for the report.
    fn comparison_reports(&self) -> Vec<ComparisonReport> {
        self.comparisons
            .iter()
            .enumerate()
            .map(|(c, cmp)| ComparisonReport {
                column: cmp.column.clone(),
                role: cmp.role.name(),
                levels: cmp
                    .levels
                    .iter()
                    .enumerate()
                    .skip(1)
                    .map(|(l, name)| LevelReport {
                        level: name,
                        m: round6(self.model.m[c][l]),
                        u: round6(self.model.u[c][l]),
                        weight: round6(self.model.weight(None, c, l as u8)),
                    })
                    .collect(),
            })
            .collect()
    }

    /// What the model of blocking rule `si` (its session) learnt, into that rule's report: its
    /// share of matches, EM iterations, whether it kept the random-pair `u`, and its weights
    /// per comparison it does not block on.
    fn report_session(&self, si: usize, report: &mut RuleReport) {
        let s = &self.model.sessions[si];
        report.share_of_matches = Some(round6(s.lambda));
        report.em_iterations = Some(s.iterations);
        report.random_u = Some(s.fallback);
        report.weights = self
            .comparisons
            .iter()
            .enumerate()
            .filter(|(c, _)| s.active[*c])
            .map(|(c, cmp)| {
                let w = (1..cmp.levels.len())
                    .map(|l| round6(self.model.weight(Some(si), c, l as u8)))
                    .collect();
                (cmp.column.clone(), w)
            })
            .collect();
    }

    /// `fuzzy:0.998(last_name,birth_date)`: the probability and the comparisons that count for
    /// the match (those with a positive weight, and the agreeing ones the blocking rule holds).
    pub fn reason(&self, a: RowId, b: RowId) -> (f64, String) {
        let Explained {
            verdicts,
            probability: p,
            ..
        } = self.explain(a, b);
        let agree: Vec<&str> = verdicts
            .iter()
            .filter(|v| v.weight > 0.0 || (v.blocked && v.level != "null" && v.level != "else"))
            .map(|v| v.column.as_str())
            .collect();
        (
            p,
            format!("fuzzy:{}({})", format_probability(p), agree.join(",")),
        )
    }
}

/// A probability with three decimals, never rounded up to 1 unless it is 1.
pub fn format_probability(p: f64) -> String {
    let s = format!("{:.3}", (p * 1000.0).floor() / 1000.0);
    s
}

/// A scored candidate pair.
#[derive(Debug, Clone)]
pub struct ScoredPair {
    pub a: RowId,
    pub b: RowId,
    pub probability: f64,
    pub weight: f64,
    pub levels: Vec<u8>,
}

/// What the report says about a blocking rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleReport {
    pub rule: String,
    pub pairs: u64,
    pub largest_block: usize,
    /// The estimated share of matches among the rule's pairs (its own model).
    pub share_of_matches: Option<f64>,
    pub em_iterations: Option<usize>,
    /// Whether the rule's own non-match model could not be learnt (u from random pairs).
    pub random_u: Option<bool>,
    /// The weights this rule's model gives, per comparison it does not block on, per level
    /// (from the first level after "null").
    pub weights: Vec<(String, Vec<f64>)>,
    /// Why an automatically chosen rule was not used.
    pub dropped: Option<String>,
    /// An automatically chosen rule over the pair limit whose blocks were split by a further
    /// key: the rule as first chosen and the pairs it would have made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refined_from: Option<(String, u64)>,
    /// Of the pairs above the threshold that the other rules make, the share this rule makes
    /// too: its recall, as the other rules see it (`None`: no other rule found one).
    pub recall: Option<f64>,
}

/// A comparison with its fitted parameters, for the report.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonReport {
    pub column: String,
    pub role: &'static str,
    pub levels: Vec<LevelReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelReport {
    pub level: &'static str,
    pub m: f64,
    pub u: f64,
    pub weight: f64,
}

/// The fuzzy part of the report: the settings chosen and what they found.
#[derive(Debug, Clone, Serialize)]
pub struct FuzzyReport {
    pub roles: Vec<(String, &'static str)>,
    pub comparisons: Vec<ComparisonReport>,
    pub blocking: Vec<RuleReport>,
    pub records_compared: usize,
    pub candidate_pairs: u64,
    pub random_pairs: u64,
    /// The probability that two records drawn at random match.
    pub prior: f64,
    /// The expected number of matching pairs among the candidates.
    pub expected_matching_pairs: f64,
    /// An estimate of the share of the matching pairs that some blocking rule makes, from how
    /// the rules overlap on the pairs above the threshold (capture–recapture, an upper
    /// estimate); `None` with a single rule.
    pub blocking_recall: Option<f64>,
    pub threshold: f64,
    pub review_threshold: f64,
    /// The chaining guard's floor: every pair inside a group reaches it (half of it for a copy
    /// of the group's centre).
    pub group_floor: f64,
    pub pairs_above_threshold: usize,
    pub review_pairs: usize,
    pub fuzzy_groups: usize,
    /// Milliseconds per step (prepare, block, compare, random_pairs, fit, score, cluster):
    /// reported under `timings`, the one part of the report that differs between runs.
    #[serde(skip)]
    pub timings_ms: Vec<(&'static str, u64)>,
    /// The decisions applied (`--decisions`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decisions: Option<decisions::DecisionsReport>,
}

/// Step timings.
struct Clock {
    at: std::time::Instant,
    laps: Vec<(&'static str, u64)>,
}

impl Clock {
    fn new() -> Clock {
        Clock {
            at: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }
    fn lap(&mut self, name: &'static str) {
        self.laps.push((name, self.at.elapsed().as_millis() as u64));
        self.at = std::time::Instant::now();
    }
}

/// Everything fuzzy detection produced.
pub struct Fuzzy {
    pub engine: Engine,
    pub report: FuzzyReport,
    /// Candidate pairs at or above the review threshold, for the pairs file.
    pub pairs: Vec<ScoredPair>,
    /// Pairs at or above the review threshold whose records did not end in one group and
    /// that no decision settled, the likeliest first.
    pub review: Vec<ScoredPair>,
    /// Per record: the first record of its exact group (itself when it has no exact copy).
    pub exact_of: Vec<u32>,
    /// The records that a person's "same" decisions link (by their exact group's first
    /// record): each one's set, named by its smallest such record.
    pub decided: std::collections::HashMap<u32, u32>,
}

impl Fuzzy {
    /// Whether a person's decisions link records `a` and `b` (through any chain of "same").
    pub fn decided_same(&self, a: RowId, b: RowId) -> bool {
        let set = |r: RowId| self.decided.get(&self.exact_of[r.index()]);
        matches!((set(a), set(b)), (Some(x), Some(y)) if x == y)
    }
}

/// Where two records stand after `clean`: in one group, or apart and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    SameGroup,
    /// No blocking rule pairs them: never scored, neither joined nor listed for review.
    NotCompared,
    /// Scored under the review threshold.
    Below,
    /// Scored in the review band, under the threshold.
    Review,
    /// Scored above the threshold, but the chaining guard (or `--max-group`) kept them apart.
    KeptApart,
}

impl Fuzzy {
    /// Where records `a` and `b` stand (`same_group`: whether `clean` grouped them), with the
    /// first rule that pairs them and their match probability.
    pub fn standing(&self, a: RowId, b: RowId, same_group: bool) -> (Standing, Option<usize>, f64) {
        let (rule, p) = self.engine.judged(a, b);
        let standing = if same_group {
            Standing::SameGroup
        } else if rule.is_none() {
            Standing::NotCompared
        } else if p < self.report.review_threshold {
            Standing::Below
        } else if p < self.report.threshold {
            Standing::Review
        } else {
            Standing::KeptApart
        };
        (standing, rule, p)
    }
}

impl FuzzyReport {
    /// The blocking rules in use (not dropped), in the order the engine numbers them.
    pub fn rules_in_use(&self) -> Vec<&str> {
        self.blocking
            .iter()
            .filter(|r| r.dropped.is_none())
            .map(|r| r.rule.as_str())
            .collect()
    }
}

/// The year, month and day columns of a date split over three.
pub type SplitDate = [String; 3];

/// What role inference found in the key columns.
pub struct ColumnRoles {
    pub roles: Vec<(String, Role)>,
    pub split_date: Option<SplitDate>,
}

/// The roles of the key columns: inferred, then overridden by `opts.roles`; and the columns of
/// a date split over three, when exactly one compared column holds each part (one date
/// comparison and blocking key), all from one sample of each column.
pub fn column_roles(table: &Table, key: &[String], opts: &FuzzyOptions) -> Result<ColumnRoles> {
    let cols = crate::detect::text_columns(table, key)?;
    let n = table.rows();
    let step = (n / SAMPLE).max(1);
    let mut out = Vec::new();
    let mut parts: [Vec<String>; 3] = Default::default();
    for (name, ca) in key.iter().zip(&cols) {
        let sample: Vec<&str> = (0..n)
            .step_by(step)
            .filter_map(|i| ca.get(i))
            .filter(|v| !v.trim().is_empty())
            .collect();
        let mut role = roles::infer(name, &sample, n);
        if let Some((_, r)) = opts.roles.iter().find(|(c, _)| c == name) {
            role = *r;
        }
        if role.compared() {
            let part = match roles::date_part(name, &sample) {
                Some(roles::DatePart::Year) => Some(0),
                Some(roles::DatePart::Month) => Some(1),
                Some(roles::DatePart::Day) => Some(2),
                None => None,
            };
            if let Some(p) = part {
                parts[p].push(name.clone());
            }
        }
        out.push((name.clone(), role));
    }
    let split_date = parts.iter().all(|p| p.len() == 1).then(|| {
        let [y, m, d] = parts;
        [y[0].clone(), m[0].clone(), d[0].clone()]
    });
    for (c, _) in &opts.roles {
        if !key.contains(c) {
            return Err(Error::usage(format!(
                "--role names column \"{c}\", which is not among the compared columns"
            ))
            .with_hint(format!(
                "the compared columns are {}",
                crate::error::quoted_list(key)
            )));
        }
    }
    Ok(ColumnRoles {
        roles: out,
        split_date,
    })
}

/// Share of distinct values among the present ones (a value held by four records on average,
/// copies included) from which a column alone identifies a record well enough to block on it:
/// an ID-like number, a birth date in a file of a few thousand people. A date in a million
/// people's file stays under it (a value per 30 records or more), so it adds no huge blocks.
const STRONG_DISTINCT: f64 = 0.25;

/// Keys that split the blocks of an automatic rule over the pair limit, most selective first:
/// the year of the date, an initial of each name, the postcode, the city's sound; none on a
/// column the rule already blocks on.
fn refinements(
    rule: &Rule,
    roles: &[(String, Role)],
    split_date: Option<&[String; 3]>,
) -> Vec<String> {
    let used = rule.columns();
    let free = |c: &str| !used.contains(&c);
    let mut out = Vec::new();
    match split_date {
        Some([y, ..]) if free(y) => out.push(format!("int({y})")),
        _ => {}
    }
    let order = [
        (Role::Date, "year"),
        (Role::LastName, "initial"),
        (Role::FirstName, "initial"),
        (Role::FullName, "initial"),
        (Role::Postcode, "postcode"),
        (Role::City, "metaphone"),
    ];
    for (role, f) in order {
        for (c, r) in roles {
            if *r == role && free(c) {
                out.push(format!("{f}({c})"));
            }
        }
    }
    out
}

/// The blocking rules chosen from the roles when the user gives none.
/// `split_date`: the year, month and day columns of a date split over three, blocked on as one
/// date (`int(by) & int(bm) & int(bd)`); `distinct` of the three joined by `+` is the share of
/// distinct dates.
pub fn auto_rules(
    roles: &[(String, Role)],
    split_date: Option<&[String; 3]>,
    distinct: &dyn Fn(&str) -> f64,
) -> Vec<String> {
    let find = |r: Role| roles.iter().find(|(_, x)| *x == r).map(|(c, _)| c.as_str());
    let split = split_date.map(|[y, m, d]| {
        (
            format!("{y}+{m}+{d}"),
            format!("int({y}) & int({m}) & int({d})"),
        )
    });
    let (first, last, full) = (
        find(Role::FirstName),
        find(Role::LastName),
        find(Role::FullName),
    );
    let (date, email, phone, post) = (
        find(Role::Date).or(split.as_ref().map(|(name, _)| name.as_str())),
        find(Role::Email),
        find(Role::Phone),
        find(Role::Postcode),
    );
    let mut rules = Vec::new();
    match (first, last) {
        (Some(f), Some(l)) => rules.push(format!("metaphone({f}|{l})")),
        (Some(x), None) | (None, Some(x)) => rules.push(format!("metaphone({x})")),
        _ => {}
    }
    if let Some(n) = full {
        rules.push(format!("words({n})"));
    }
    // a date's blocking key: the column's date, or the three parts of a split one
    let date_key = |d: &str| match &split {
        Some((name, key)) if name == d => key.clone(),
        _ => format!("date({d})"),
    };
    if let Some(d) = date {
        let k = date_key(d);
        match (first, last, full) {
            (f, Some(l), _) => {
                rules.push(format!("{k} & soundex({l})"));
                if let Some(f) = f {
                    rules.push(format!("{k} & soundex({f})"));
                }
            }
            (Some(f), None, _) => rules.push(format!("{k} & soundex({f})")),
            (None, None, Some(n)) => rules.push(format!("{k} & initial({n})")),
            _ => rules.push(k),
        }
    }
    if let Some(e) = email {
        rules.push(format!("email({e})"));
    }
    if let Some(p) = phone {
        rules.push(format!("phone({p})"));
    }
    if let Some(z) = post {
        if let Some(x) = first.or(full).or(last) {
            rules.push(format!("postcode({z}) & initial({x})"));
        }
        // a copy at one address whose first name is missing or another: by the surname's sound
        if let (Some(l), Some(_)) = (last, first.or(full)) {
            rules.push(format!("postcode({z}) & soundex({l})"));
        }
    }
    if !rules.is_empty() {
        // a strong identifier alone: a copy whose names were mistyped still agrees on it
        if let Some(d) = date {
            let k = date_key(d);
            if distinct(d) >= STRONG_DISTINCT && !rules.contains(&k) {
                rules.push(k);
            }
        }
        for (c, r) in roles {
            if *r == Role::Number && distinct(c) >= STRONG_DISTINCT {
                rules.push(format!("digits({c})"));
            }
        }
        // long free text next to person columns: near-duplicate texts block together too
        for (c, r) in roles {
            if *r == Role::Text {
                rules.push(format!("minhash({c})"));
            }
        }
    }
    if rules.is_empty() {
        // no person-like columns: each distinctive column blocks on its own
        for (c, r) in roles {
            if matches!(r, Role::Identifier | Role::Timestamp | Role::Category) {
                continue;
            }
            if distinct(c) >= 0.2 {
                let f = match r {
                    Role::String | Role::City => "metaphone",
                    Role::Text => "minhash",
                    Role::Address => "words",
                    Role::Date => "date",
                    Role::Number => "digits",
                    _ => "fold",
                };
                rules.push(format!("{f}({c})"));
            }
        }
    }
    rules
}

/// How many of the matching pairs the blocking rules make, estimated from the pairs they make
/// (capture–recapture): `masks` holds, for each pair above the threshold, the rules that make
/// it (bit `r` for rule `r` of `rules`). A rule's recall is the share of the pairs that other
/// rules make which it makes too; a matching pair is missed when every rule misses it, the rules
/// taken as independent, so the estimate is `1 - Π (1 - recall)`. Rules that share a column
/// miss the same pairs more often than independent ones would: the estimate is an upper one.
/// `None` with fewer than two rules, or without a pair above the threshold.
pub fn blocking_recall(
    masks: impl Iterator<Item = u64>,
    rules: usize,
) -> (Option<f64>, Vec<Option<f64>>) {
    let rules = rules.min(64);
    let (mut others, mut both) = (vec![0u64; rules], vec![0u64; rules]);
    for m in masks {
        for r in 0..rules {
            let bit = 1u64 << r;
            if m & !bit != 0 {
                others[r] += 1;
                if m & bit != 0 {
                    both[r] += 1;
                }
            }
        }
    }
    let recall: Vec<Option<f64>> = others
        .iter()
        .zip(&both)
        .map(|(&o, &b)| (o > 0).then(|| b as f64 / o as f64))
        .collect();
    if rules < 2 || recall.iter().all(Option::is_none) {
        return (None, recall);
    }
    let missed: f64 = recall.iter().flatten().map(|r| 1.0 - r).product();
    (Some(1.0 - missed), recall)
}

/// `u` from random pairs of representatives (every pair when there are few, else
/// [`RANDOM_PAIRS`] drawn with a fixed seed), and how many were compared. When every pair is
/// compared, the candidate pairs (`candidates`, sorted, smaller index first, whose levels are
/// `candidate_levels`) are not compared twice.
fn random_u(
    engine: &Engine,
    reps: &[usize],
    sizes: &[usize],
    (candidates, candidate_levels): (&[(u32, u32)], &[u8]),
) -> (Vec<Vec<f64>>, u64) {
    let mut random: Vec<(usize, usize)> = Vec::new();
    let every_pair = pairs_among(reps.len() as u64) <= RANDOM_PAIRS;
    if every_pair {
        let mut known = candidates.iter().peekable();
        for a in 0..reps.len() {
            for b in a + 1..reps.len() {
                if known.next_if_eq(&&(a as u32, b as u32)).is_none() {
                    random.push((reps[a], reps[b]));
                }
            }
        }
    } else {
        let mut rng = SplitMix(0x5EED_D0B5);
        while (random.len() as u64) < RANDOM_PAIRS {
            let a = rng.below(reps.len() as u64) as usize;
            let b = rng.below(reps.len() as u64) as usize;
            if a != b {
                random.push((reps[a.min(b)], reps[a.max(b)]));
            }
        }
    }
    let k = engine.comparisons.len();
    let mut rlevels = vec![0u8; random.len() * k];
    engine.levels_of_pairs(&mut rlevels, &random, |&p| p);
    if every_pair {
        let u = score::estimate_u(&[&rlevels, candidate_levels], k, sizes);
        (u, (random.len() + candidates.len()) as u64)
    } else {
        (
            score::estimate_u(&[&rlevels], k, sizes),
            random.len() as u64,
        )
    }
}

/// Per rule, the comparisons whose every column it pins whole, by a part that keeps a value's
/// identity (folded text, its sound, its words, a date, an e-mail, a phone, digits, an
/// integer, a postcode): its pairs agree there, or nearly, so a model learnt among its pairs
/// leaves them out. What a rule pins only in part (a first initial or prefix, a birth date's
/// year, one column of an address) still tells its pairs apart, and is modelled there. A
/// MinHash band pins nothing.
fn pinned_comparisons(rules: &[Rule], comparisons: &[Comparison]) -> Vec<Vec<bool>> {
    use block::Func;
    let whole = |f: &Func| !matches!(f, Func::Prefix(_) | Func::Year | Func::MinHash);
    on_columns_of_parts(rules, comparisons, &whole, true)
}

/// Per rule, the comparisons on a column it blocks on (which its own model leaves out). MinHash
/// agreement says little about how close two texts are: the comparison on that column still
/// counts within the rule's pairs.
fn blocked_comparisons(rules: &[Rule], comparisons: &[Comparison]) -> Vec<Vec<bool>> {
    let blocks = |f: &block::Func| *f != block::Func::MinHash;
    on_columns_of_parts(rules, comparisons, &blocks, false)
}

/// Per rule: whether the m it learns counts in the m of all rules. A rule keyed on a place and a
/// surname pairs the members of each household by construction: against u from random pairs
/// (where sharing an address and a surname is rare) they look like matches, and the m learnt
/// from them would make disagreeing on a first name or a birth date weak evidence everywhere.
/// Such a rule still finds its pairs and scores them with its own model (its u learnt among
/// them, where households are common).
fn teaches_m(blocked: &[Vec<bool>], comparisons: &[Comparison]) -> Vec<bool> {
    let on = |b: &[bool], roles: &[Role]| {
        b.iter()
            .zip(comparisons)
            .any(|(x, c)| *x && roles.contains(&c.role))
    };
    blocked
        .iter()
        .map(|b| !(on(b, &[Role::Address, Role::Postcode, Role::City]) && on(b, &[Role::LastName])))
        .collect()
}

/// Per rule, per comparison: whether the columns of the rule's parts whose function passes
/// `part` hold every column of the comparison (`every`), or one of them.
fn on_columns_of_parts(
    rules: &[Rule],
    comparisons: &[Comparison],
    part: &dyn Fn(&block::Func) -> bool,
    every: bool,
) -> Vec<Vec<bool>> {
    rules
        .iter()
        .map(|r| {
            let cols: Vec<&str> = r
                .parts
                .iter()
                .filter(|p| part(&p.func))
                .flat_map(|p| p.columns.iter().map(|c| c.as_str()))
                .collect();
            comparisons
                .iter()
                .map(|c| {
                    let mut on = c.columns.iter().map(|x| cols.contains(&x.as_str()));
                    if every {
                        on.all(|b| b)
                    } else {
                        on.any(|b| b)
                    }
                })
                .collect()
        })
        .collect()
}

/// The groups of records: each group of representatives with the exact copies of each joined
/// in, and the exact groups no fuzzy group took, ordered by first member; and for each
/// representative its group's index among `rep_groups` (`u32::MAX`: none).
fn final_groups(
    rep_groups: &[Vec<u32>],
    reps: &[usize],
    exact: &Matches,
) -> (Vec<Group>, Vec<u32>) {
    let exact_members: std::collections::HashMap<u32, &Group> =
        exact.groups.iter().map(|g| (g.members[0].0, g)).collect();
    let expand = |rep: usize| -> Vec<RowId> {
        match exact_members.get(&(rep as u32)) {
            Some(g) => g.members.clone(),
            None => vec![RowId(rep as u32)],
        }
    };
    let mut in_group = vec![u32::MAX; reps.len()];
    let mut groups: Vec<Group> = Vec::new();
    for (gi, g) in rep_groups.iter().enumerate() {
        let mut members = Vec::new();
        for &r in g {
            in_group[r as usize] = gi as u32;
            members.extend(expand(reps[r as usize]));
        }
        members.sort_unstable();
        groups.push(Group { members });
    }
    for g in &exact.groups {
        let rep = reps.binary_search(&g.members[0].index()).unwrap_or(0);
        if in_group[rep] == u32::MAX {
            groups.push(g.clone());
        }
    }
    groups.sort_unstable_by_key(|g| g.id());
    (groups, in_group)
}

/// What turns a blocking rule's text into the rule used: the key columns, the representatives,
/// their values, the pair limit, whether the rules are the user's, and the roles and split date
/// that refinements come from.
struct RuleChooser<'a, 't> {
    key: &'a [String],
    reps: &'a [usize],
    raw: &'a (dyn Fn(&str, usize) -> Option<&'t str> + Sync),
    limit: u64,
    user_rules: bool,
    roles: &'a [(String, Role)],
    split_date: Option<&'a SplitDate>,
}

impl RuleChooser<'_, '_> {
    /// The rule `text` with its keys, or `None` when an automatic rule is over the pair limit
    /// and no refinement brings it under (its report says why); a user's rule over the limit is
    /// an error.
    fn choose(&self, text: &str) -> Result<(Option<(Rule, block::Keys)>, RuleReport)> {
        let (reps, raw, limit) = (self.reps, self.raw, self.limit);
        let rule = Rule::parse(text, self.key)?;
        let k = rule.keys(reps, raw);
        let (pairs, largest, example) = block::count_pairs(&k);
        let mut report = RuleReport {
            rule: rule.to_string(),
            pairs,
            largest_block: largest,
            share_of_matches: None,
            em_iterations: None,
            random_u: None,
            weights: Vec::new(),
            dropped: None,
            refined_from: None,
            recall: None,
        };
        if pairs <= limit {
            return Ok((Some((rule, k)), report));
        }
        let ex = example
            .map(|i| {
                rule.parts
                    .iter()
                    .map(|p| {
                        p.columns
                            .iter()
                            .map(|c| raw(c, reps[i]).map(|v| p.func.apply(v)).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect::<Vec<_>>()
                    .join(" & ")
            })
            .unwrap_or_default();
        if self.user_rules {
            return Err(usage_explosion(&report.rule, pairs, largest, &ex, limit));
        }
        // an automatic rule is refined before it is given up: its oversized blocks split by a
        // further key, the first that brings it under the limit
        let refined = refinements(&rule, self.roles, self.split_date)
            .into_iter()
            .find_map(|extra| {
                let r = Rule::parse(&format!("{text} & {extra}"), self.key).ok()?;
                let k = r.keys(reps, raw);
                let (p, l, _) = block::count_pairs(&k);
                (p <= limit).then_some((r, k, p, l))
            });
        if let Some((r, k, p, l)) = refined {
            report.refined_from = Some((report.rule.clone(), pairs));
            report.rule = r.to_string();
            report.pairs = p;
            report.largest_block = l;
            return Ok((Some((r, k)), report));
        }
        report.dropped = Some(format!(
            "would compare {pairs} pairs, more than the limit of {limit} (largest block: {largest} records with \"{ex}\")"
        ));
        Ok((None, report))
    }
}

/// What to prepare for a comparison: a place (street, postcode, city), a date split over
/// three columns, or one column in its role (by column name: each is read when it is prepared,
/// so that only the columns being prepared are held as slices at once).
#[derive(Clone, Copy)]
enum Spec<'c> {
    Place(Option<&'c str>, Option<&'c str>, Option<&'c str>),
    SplitDate(&'c str, &'c str, &'c str),
    Column(Role, &'c str),
}

/// The comparisons of the compared columns (`values_of` gives a column's values, of some
/// records), their values
/// prepared, and the term frequencies among the representatives `reps` of those whose exact
/// agreement weighs by its rarity. Street, postcode and city make one place comparison when at
/// least two of them exist; a date split over three columns makes one date comparison; a single
/// first name and a single last name are compared with each other too (swapped names).
#[allow(clippy::type_complexity)]
fn prepare_comparisons<'v>(
    table: &Table,
    compared: &[(String, Role)],
    split_date: Option<&SplitDate>,
    values_of: &(dyn Fn(&str, std::ops::Range<usize>) -> Vec<Option<&'v str>> + Sync),
    reps: &[usize],
) -> (Vec<Comparison>, Packed, Vec<Option<Vec<f32>>>) {
    let swaps = swap_partners(compared);
    // street, postcode and city make one place comparison when at least two of them exist
    let place_of = |r: Role| {
        let mut it = compared.iter().filter(|(_, x)| *x == r);
        match (it.next(), it.next()) {
            (Some((c, _)), None) => Some(c.clone()),
            _ => None,
        }
    };
    let place = [
        place_of(Role::Address),
        place_of(Role::Postcode),
        place_of(Role::City),
    ];
    let place_cols: Vec<String> = place.iter().flatten().cloned().collect();
    let use_place = place_cols.len() >= 2;
    // a date split over three columns (year, month, day) makes one date comparison
    let split_cols: Vec<String> = split_date.into_iter().flatten().cloned().collect();
    let mut split_done = false;
    let mut comparisons = Vec::new();
    let mut specs: Vec<Spec> = Vec::new();
    let mut place_done = false;
    for (i, (name, role)) in compared.iter().enumerate() {
        if use_place && place_cols.contains(name) {
            if place_done {
                continue;
            }
            place_done = true;
            let mut ordered = place_cols.clone();
            ordered.sort_by_key(|c| table.column_index(c));
            let at = table.column_index(name).unwrap_or(0);
            comparisons.push(Comparison::combined(ordered, at, Role::Address));
            let [st, pc, ci] = &place;
            specs.push(Spec::Place(st.as_deref(), pc.as_deref(), ci.as_deref()));
            continue;
        }
        if split_cols.contains(name) {
            if split_done {
                continue;
            }
            split_done = true;
            let Some(parts) = split_date else { continue };
            let at = table.column_index(name).unwrap_or(0);
            comparisons.push(Comparison::combined(parts.to_vec(), at, Role::Date));
            let [y, m, d] = parts;
            specs.push(Spec::SplitDate(y, m, d));
            continue;
        }
        let swap_with = swaps[i];
        comparisons.push(Comparison {
            column: name.clone(),
            columns: vec![name.clone()],
            column_index: table.column_index(name).unwrap_or(0),
            role: *role,
            levels: compare::levels_for(*role, swap_with.is_some(), false),
            swap_with,
            term_frequency: matches!(
                role,
                Role::FirstName | Role::LastName | Role::FullName | Role::City | Role::Postcode
            ),
        });
        specs.push(Spec::Column(*role, name));
    }
    // Prepared and packed a slice of records at a time: the prepared columns of every record
    // and the packed buffer side by side were the fuzzy run's peak.
    let n = table.rows();
    let mut packed = Packed::default();
    const SLICE: usize = 4 * Packed::CHUNK;
    for first in (0..n).step_by(SLICE) {
        let range = first..n.min(first + SLICE);
        let len = range.len();
        let of = |name: &str| values_of(name, range.clone());
        let prepared: Vec<Prepared> = specs
            .par_iter()
            .map(|&spec| match spec {
                Spec::Place(st, pc, ci) => {
                    let [sv, pv, cv] = [st, pc, ci].map(|c| c.map(of));
                    compare::prepare_place(sv.as_deref(), pv.as_deref(), cv.as_deref(), len)
                }
                Spec::SplitDate(y, m, d) => compare::prepare_split_date(&of(y), &of(m), &of(d)),
                Spec::Column(role, name) => compare::prepare(role, &of(name)),
            })
            .collect();
        packed.push(&prepared, len);
    }
    // swap partners are indices among the comparisons
    let index_of = |name: &str| comparisons.iter().position(|c| c.column == name);
    let partners: Vec<Option<usize>> = comparisons
        .iter()
        .map(|c| c.swap_with.and_then(|i| index_of(&compared[i].0)))
        .collect();
    for (c, p) in comparisons.iter_mut().zip(partners) {
        c.swap_with = p;
    }
    let tf: Vec<Option<Vec<f32>>> = comparisons
        .par_iter()
        .enumerate()
        .map(|(c, cmp)| {
            cmp.term_frequency
                .then(|| compare::term_frequencies_packed(&packed, c, reps))
        })
        .collect();
    (comparisons, packed, tf)
}

/// Per compared column, the column a swapped entry would hold its value in: a single first
/// name and a single last name are each other's.
fn swap_partners(compared: &[(String, Role)]) -> Vec<Option<usize>> {
    let only = |role: Role| {
        let mut it = (0..compared.len()).filter(|&i| compared[i].1 == role);
        match (it.next(), it.next()) {
            (Some(i), None) => Some(i),
            _ => None,
        }
    };
    let mut partners = vec![None; compared.len()];
    if let (Some(first), Some(last)) = (only(Role::FirstName), only(Role::LastName)) {
        partners[first] = Some(last);
        partners[last] = Some(first);
    }
    partners
}

/// The share of distinct values among the representatives `reps` holding one, in column `c` of
/// `all_text` (`col_of` gives its index), or, when `c` names the split date (`y+m+d`), the
/// share of distinct dates among those holding all three parts.
fn distinct_share(
    c: &str,
    split_date: Option<&SplitDate>,
    all_text: &[polars::prelude::StringChunked],
    col_of: &dyn Fn(&str) -> Option<usize>,
    reps: &[usize],
) -> f64 {
    if let Some(parts) = split_date.filter(|p| p.join("+") == c) {
        let cols: Vec<_> = parts
            .iter()
            .map(|p| &all_text[col_of(p).unwrap_or(0)])
            .collect();
        let mut seen = std::collections::HashSet::new();
        let mut present = 0usize;
        for &r in reps {
            let v: Option<Vec<&str>> = cols.iter().map(|ca| ca.get(r)).collect();
            if let Some(v) = v {
                present += 1;
                seen.insert(v);
            }
        }
        return if present == 0 {
            0.0
        } else {
            seen.len() as f64 / present as f64
        };
    }
    let ca = &all_text[col_of(c).unwrap_or(0)];
    let present = ca.len() - ca.null_count();
    if present == 0 {
        return 0.0;
    }
    ca.n_unique().unwrap_or(0) as f64 / present as f64
}

/// The scored pairs (`scored`: index among `pairs`, weight) as [`ScoredPair`]s of records, with
/// their comparison levels (`k` per scored pair in `levels`, in `scored`'s order); and those of
/// them whose two records are not in one group (`in_group`, per representative) and that no
/// decision (`forced`) settled, for review.
fn kept_and_review(
    scored: &[(usize, f64, u64)],
    pairs: &[(u32, u32)],
    levels: &[u8],
    k: usize,
    reps: &[usize],
    in_group: &[u32],
    forced: &cluster::Forced,
) -> (Vec<ScoredPair>, Vec<ScoredPair>) {
    let mut kept = Vec::new();
    let mut review = Vec::new();
    for (j, &(i, w, _)) in scored.iter().enumerate() {
        let (a, b) = pairs[i];
        let sp = ScoredPair {
            a: RowId(reps[a as usize] as u32),
            b: RowId(reps[b as usize] as u32),
            probability: score::probability(w),
            weight: w,
            levels: levels[j * k..(j + 1) * k].to_vec(),
        };
        let together =
            in_group[a as usize] != u32::MAX && in_group[a as usize] == in_group[b as usize];
        // (a pair a person decided is not asked again)
        let decided = forced.same.binary_search(&(a.min(b), a.max(b))).is_ok()
            || forced
                .different
                .binary_search(&(a.min(b), a.max(b)))
                .is_ok();
        if !together && !decided {
            review.push(sp.clone());
        }
        kept.push(sp);
    }
    // the likeliest first (a person deciding from the top settles the most pairs first)
    review.sort_by(|x, y| {
        y.probability
            .total_cmp(&x.probability)
            .then(x.a.cmp(&y.a))
            .then(x.b.cmp(&y.b))
    });
    (kept, review)
}

/// The blocking rules chosen: those used with their keys, a report for every rule tried
/// (dropped ones included), and the indices of the used ones among the reports.
struct Blocking {
    rules: Vec<Rule>,
    keys: Vec<block::Keys>,
    reports: Vec<RuleReport>,
    used: Vec<usize>,
}

/// The user's blocking rules (`opts.block`), or rules chosen from the column roles (every pair
/// of a small table), each checked against the pair limit ([`RuleChooser`]); an error when no
/// rule is left.
fn choose_rules(
    key: &[String],
    opts: &FuzzyOptions,
    compared: &[(String, Role)],
    split_date: Option<&SplitDate>,
    all_text: &[polars::prelude::StringChunked],
    col_of: &(dyn Fn(&str) -> Option<usize> + Sync),
    reps: &[usize],
) -> Result<Blocking> {
    let limit = opts
        .max_pairs
        .unwrap_or_else(|| (reps.len() as u64 * 20).max(1_000_000));
    let distinct = |c: &str| distinct_share(c, split_date, all_text, col_of, reps);
    let user_rules = !opts.block.is_empty();
    let texts: Vec<String> = if user_rules {
        opts.block.clone()
    } else {
        let mut t = auto_rules(compared, split_date, &distinct);
        // a small table needs no blocking: every pair is compared
        if t.is_empty() && pairs_among(reps.len() as u64) <= limit {
            t.push("all".to_owned());
        }
        t
    };
    let raw = |c: &str, r: usize| -> Option<&str> { col_of(c).and_then(|i| all_text[i].get(r)) };
    let mut rules: Vec<Rule> = Vec::new();
    let mut keys: Vec<block::Keys> = Vec::new();
    let mut rule_reports = Vec::new();
    let chooser = RuleChooser {
        key,
        reps,
        raw: &raw,
        limit,
        user_rules,
        roles: compared,
        split_date,
    };
    for text in &texts {
        let (used, report) = chooser.choose(text)?;
        if let Some((rule, k)) = used {
            rules.push(rule);
            keys.push(k);
        }
        rule_reports.push(report);
    }
    if rules.is_empty() {
        return Err(Error::usage(
            "fuzzy matching has no usable blocking rule: every candidate rule would compare too many pairs, or no column suits one",
        )
        .with_hint("name a rule with --block (e.g. --block 'soundex(last_name) & year(birth_date)')"));
    }
    let used: Vec<usize> = rule_reports
        .iter()
        .enumerate()
        .filter(|(_, r)| r.dropped.is_none())
        .map(|(i, _)| i)
        .collect();
    Ok(Blocking {
        rules,
        keys,
        reports: rule_reports,
        used,
    })
}

fn usage_explosion(rule: &str, pairs: u64, largest: usize, example: &str, limit: u64) -> Error {
    Error::usage(format!(
        "blocking rule \"{rule}\" would compare {pairs} pairs (more than the limit of {limit}); its largest block holds {largest} records with the value \"{example}\""
    ))
    .with_hint("block on more columns (join expressions with &), on a more distinctive column, or raise --max-pairs")
}

/// The columns whose roles are compared; an error when there is none.
fn compared_columns(roles: &[(String, Role)]) -> Result<Vec<(String, Role)>> {
    let compared: Vec<(String, Role)> = roles
        .iter()
        .filter(|(_, r)| r.compared())
        .cloned()
        .collect();
    if compared.is_empty() {
        return Err(Error::usage(
            "fuzzy matching found no column to compare (all key columns look like identifiers or timestamps)",
        )
        .with_hint("set a column's role with --role COLUMN=ROLE (e.g. --role name=full-name)"));
    }
    Ok(compared)
}

/// Per record, the first record of its exact group (itself when it has no exact copy), and the
/// representatives: the records that are their group's first (exact copies are compared once).
fn representatives(n: usize, exact: &Matches) -> (Vec<u32>, Vec<usize>) {
    let mut exact_of: Vec<u32> = (0..n as u32).collect();
    for g in &exact.groups {
        for m in &g.members {
            exact_of[m.index()] = g.members[0].0;
        }
    }
    let reps: Vec<usize> = (0..n).filter(|&i| exact_of[i] as usize == i).collect();
    (exact_of, reps)
}

impl Engine {
    /// The engine with its model fitted, and how many random pairs estimated `u`: `u` from
    /// random pairs of representatives, then m by EM per blocking rule (`rules`) over the
    /// candidate pairs (their levels and rules' masks), then each rule's own model.
    fn fitted(
        self,
        reps: &[usize],
        rules: &[Rule],
        (pairs, levels, masks): (&[(u32, u32)], &[u8], &[u64]),
        clock: &mut Clock,
    ) -> (Engine, u64) {
        let sizes: Vec<usize> = self.comparisons.iter().map(|c| c.levels.len()).collect();
        let (u, random_pairs) = random_u(&self, reps, &sizes, (pairs, levels));
        let blocked = blocked_comparisons(rules, &self.comparisons);
        let pinned = pinned_comparisons(rules, &self.comparisons);
        clock.lap("random_pairs");
        let total_pairs = pairs_among(reps.len() as u64);
        let teaches = teaches_m(&blocked, &self.comparisons);
        let shapes = score::RuleShapes {
            blocked: &blocked,
            pinned: &pinned,
            teaches: &teaches,
        };
        let model = score::fit(levels, masks, &sizes, u, shapes, total_pairs);
        clock.lap("fit");
        (Engine { model, ..self }, random_pairs)
    }

    /// Fills the reports of the rules in use (`used`: their indices among `reports`): each
    /// one's recall, as the others see it, and its own model; returns the estimated recall of
    /// all rules together, from the `scored` pairs at or above `threshold`.
    fn report_rules(
        &self,
        scored: &[(usize, f64, u64)],
        threshold: f64,
        used: &[usize],
        reports: &mut [RuleReport],
    ) -> Option<f64> {
        let (recall, rule_recall) = blocking_recall(
            scored
                .iter()
                .filter(|s| score::probability(s.1) >= threshold)
                .map(|s| s.2),
            used.len(),
        );
        for (&i, r) in used.iter().zip(rule_recall) {
            reports[i].recall = r.map(round6);
        }
        for (si, &i) in used.iter().enumerate().take(self.model.sessions.len()) {
            self.report_session(si, &mut reports[i]);
        }
        recall
    }

    /// The groups of representatives (indices into `reps`): the `scored` candidate `pairs`
    /// clustered with the chaining guard, which asks the engine for any other pair's
    /// probability.
    fn cluster(
        &self,
        reps: &[usize],
        pairs: &[(u32, u32)],
        scored: &[(usize, f64, u64)],
        opts: &FuzzyOptions,
        forced: &cluster::Forced,
    ) -> Vec<Vec<u32>> {
        let edges: Vec<((u32, u32), f64)> = scored
            .iter()
            .map(|&(i, w, _)| (pairs[i], score::probability(w)))
            .collect();
        let bounds = cluster::Bounds {
            threshold: opts.threshold,
            lower: opts.group_floor,
            max_size: opts.max_group,
        };
        cluster::cluster(
            reps.len(),
            &edges,
            bounds,
            &|a, b| {
                self.probability(
                    RowId(reps[a as usize] as u32),
                    RowId(reps[b as usize] as u32),
                )
            },
            forced,
        )
    }
}

/// Every candidate pair's level on every comparison, side by side (pairs of representatives);
/// `progress` advances by the pairs compared, a sixty-fourth of them at a time (65,536 at
/// least).
fn compare_pairs(
    engine: &Engine,
    pairs: &[(u32, u32)],
    reps: &[usize],
    progress: &dyn Progress,
) -> Vec<u8> {
    let k = engine.comparisons.len();
    let mut levels = vec![0u8; pairs.len() * k];
    let step = (pairs.len() / 64).max(1 << 16);
    for (lv, pr) in levels.chunks_mut((step * k).max(1)).zip(pairs.chunks(step)) {
        engine.levels_of_pairs(lv, pr, |&(a, b)| (reps[a as usize], reps[b as usize]));
        progress.advance(pr.len() as u64);
    }
    levels
}

/// The levels of the scored pairs only, in their order: from here on no other pair's levels
/// are read, so all of them (`levels`, taken) are freed before clustering.
fn scored_levels(scored: &[(usize, f64, u64)], levels: Vec<u8>, k: usize) -> Vec<u8> {
    scored
        .iter()
        .flat_map(|&(i, _, _)| &levels[i * k..(i + 1) * k])
        .copied()
        .collect()
}

/// Finds fuzzy groups on top of the exact `matches`.
pub fn detect(
    table: &Table,
    key: &[String],
    exact: Matches,
    opts: &FuzzyOptions,
    decided: &[decisions::Resolved],
    progress: &dyn Progress,
) -> Result<(Matches, Fuzzy)> {
    let n = table.rows();
    let ColumnRoles { roles, split_date } = column_roles(table, key, opts)?;
    let compared = compared_columns(&roles)?;
    if n > u32::MAX as usize {
        return Err(Error::data(
            Location::file(&table.source.path),
            "too many records for fuzzy matching",
        ));
    }
    let all_text = crate::detect::text_columns(table, key)?;
    let col_of = |name: &str| key.iter().position(|k| k == name);
    let (exact_of, reps) = representatives(n, &exact);
    let rep_index = |r: RowId| {
        reps.binary_search(&(exact_of[r.index()] as usize))
            .unwrap_or(0) as u32
    };
    let forced = match &opts.decisions {
        Some(d) => decisions::between_representatives(decided, &rep_index, reps.len(), &d.path)?,
        None => cluster::Forced::default(),
    };

    // comparisons and prepared values
    let mut clock = Clock::new();
    progress.start("preparing", None);
    let values_of = |name: &str, rows: std::ops::Range<usize>| -> Vec<Option<&str>> {
        let column = &all_text[col_of(name).unwrap_or(0)];
        rows.map(|i| column.get(i)).collect()
    };
    let (comparisons, packed, tf) =
        prepare_comparisons(table, &compared, split_date.as_ref(), &values_of, &reps);
    progress.finish();
    clock.lap("prepare");

    // blocking
    progress.start("blocking", None);
    let Blocking {
        rules,
        keys,
        reports: mut rule_reports,
        used,
    } = choose_rules(
        key,
        opts,
        &compared,
        split_date.as_ref(),
        &all_text,
        &col_of,
        &reps,
    )?;
    let (pairs, masks) = block::candidate_pairs(&keys);
    progress.finish();

    // compare
    let k = comparisons.len();
    let engine_tmp = Engine::unfitted(comparisons, packed, tf, keys, &reps, &exact_of);
    clock.lap("block");
    progress.start_counting("comparing", pairs.len() as u64, Unit::Pairs);
    let levels = compare_pairs(&engine_tmp, &pairs, &reps, progress);
    progress.finish();

    clock.lap("compare");
    let (engine, random_pairs) =
        engine_tmp.fitted(&reps, &rules, (&pairs, &levels, &masks), &mut clock);

    // score: only the pairs from the review threshold up are kept
    let scored = engine.score_pairs(&levels, &pairs, &masks, &reps, opts.review_threshold);
    drop(masks);
    let levels = scored_levels(&scored, levels, k);
    let recall = engine.report_rules(&scored, opts.threshold, &used, &mut rule_reports);

    // cluster representatives
    clock.lap("score");
    progress.start("clustering", None);
    let rep_groups = engine.cluster(&reps, &pairs, &scored, opts, &forced);
    progress.finish();

    let (groups, in_group) = final_groups(&rep_groups, &reps, &exact);
    let (kept_pairs, review) =
        kept_and_review(&scored, &pairs, &levels, k, &reps, &in_group, &forced);
    let above = kept_pairs
        .iter()
        .filter(|p| p.probability >= opts.threshold)
        .count();

    clock.lap("cluster");
    let report = FuzzyReport {
        timings_ms: clock.laps,
        roles: roles.iter().map(|(c, r)| (c.clone(), r.name())).collect(),
        comparisons: engine.comparison_reports(),
        blocking: rule_reports,
        records_compared: reps.len(),
        candidate_pairs: pairs.len() as u64,
        random_pairs,
        prior: engine.model.lambda,
        expected_matching_pairs: round6(engine.model.expected_matches),
        blocking_recall: recall.map(round6),
        threshold: opts.threshold,
        review_threshold: opts.review_threshold,
        group_floor: opts.group_floor,
        pairs_above_threshold: above,
        review_pairs: review.len(),
        fuzzy_groups: rep_groups.len(),
        decisions: opts.decisions.as_ref().map(decisions::Decisions::report),
    };
    let decided = decided_sets(&forced, &reps);
    let matches = Matches {
        key: exact.key,
        groups,
        repeats_per_column: exact.repeats_per_column,
    };
    Ok((
        matches,
        Fuzzy {
            engine,
            report,
            pairs: kept_pairs,
            review,
            exact_of,
            decided,
        },
    ))
}

/// Each representative (by its record) that "same" decisions link to others, and its set (by
/// the set's smallest such record).
fn decided_sets(forced: &cluster::Forced, reps: &[usize]) -> std::collections::HashMap<u32, u32> {
    let mut linked = cluster::Dsu::new(reps.len());
    for &(a, b) in &forced.same {
        linked.union(a, b);
    }
    forced
        .same
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .map(|x| {
            (
                reps[x as usize] as u32,
                reps[linked.find(x) as usize] as u32,
            )
        })
        .collect()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(list: &[(&str, Role)]) -> Vec<(String, Role)> {
        list.iter().map(|(c, r)| (c.to_string(), *r)).collect()
    }

    #[test]
    fn blocking_recall_from_the_rules_overlap() {
        // rule 0 makes 9 of the 10 pairs rule 1 makes; rule 1 makes 9 of the 14 rule 0 makes:
        // each misses a pair with 1/10 and 5/14, both with 1/10 * 5/14
        let mut masks = vec![0b11u64; 9];
        masks.push(0b10);
        masks.extend([0b01; 5]);
        let (all, each) = blocking_recall(masks.into_iter(), 2);
        assert_eq!(each, vec![Some(0.9), Some(9.0 / 14.0)]);
        let want = 1.0 - 0.1 * (5.0 / 14.0);
        assert!((all.unwrap() - want).abs() < 1e-12, "{all:?}");
        // one rule, or no pair: no estimate
        assert_eq!(blocking_recall([1u64, 1].into_iter(), 1).0, None);
        assert_eq!(blocking_recall(std::iter::empty(), 3).0, None);
        // rules that never meet: each misses every pair the other finds
        let (zero, each) = blocking_recall([0b01u64, 0b10].into_iter(), 2);
        assert_eq!(zero, Some(0.0));
        assert_eq!(each, vec![Some(0.0), Some(0.0)]);
    }

    #[test]
    fn strong_identifiers_block_alone() {
        let r = roles(&[
            ("given_name", Role::FirstName),
            ("surname", Role::LastName),
            ("date_of_birth", Role::Date),
            ("soc_sec_id", Role::Number),
            ("street_number", Role::Number),
        ]);
        // a few thousand people: birth dates and the ID-like number are nearly unique
        let small = |c: &str| match c {
            "street_number" => 0.05,
            _ => 0.45,
        };
        let rules = auto_rules(&r, None, &small);
        assert!(
            rules.contains(&"date(date_of_birth)".to_owned()),
            "{rules:?}"
        );
        assert!(
            rules.contains(&"digits(soc_sec_id)".to_owned()),
            "{rules:?}"
        );
        assert!(
            !rules.iter().any(|x| x == "digits(street_number)"),
            "{rules:?}"
        );
        // a million people: a birth date is shared by dozens, so it never blocks alone
        let big = |c: &str| match c {
            "date_of_birth" => 0.03,
            "street_number" => 0.001,
            _ => 0.9,
        };
        let rules = auto_rules(&r, None, &big);
        assert!(
            !rules.iter().any(|x| x == "date(date_of_birth)"),
            "{rules:?}"
        );
        assert!(
            rules.contains(&"digits(soc_sec_id)".to_owned()),
            "{rules:?}"
        );
        assert_eq!(rules[0], "metaphone(given_name|surname)");
    }

    #[test]
    fn a_split_date_blocks_as_one_date() {
        let r = roles(&[
            ("fname_c1", Role::FirstName),
            ("lname_c1", Role::LastName),
            ("by", Role::Number),
            ("bm", Role::Category),
            ("bd", Role::Number),
        ]);
        let split = ["by".to_owned(), "bm".to_owned(), "bd".to_owned()];
        let distinct = |c: &str| if c == "by+bm+bd" { 0.6 } else { 0.01 };
        let rules = auto_rules(&r, Some(&split), &distinct);
        assert!(
            rules.contains(&"int(by) & int(bm) & int(bd) & soundex(lname_c1)".to_owned()),
            "{rules:?}"
        );
        assert!(
            rules.contains(&"int(by) & int(bm) & int(bd)".to_owned()),
            "{rules:?}"
        );
        // the parts are not ID-like numbers of their own
        assert!(!rules.iter().any(|x| x.starts_with("digits(")), "{rules:?}");
    }

    #[test]
    fn a_rule_pins_whole_what_keeps_a_values_identity() {
        let comparison = |cols: &[&str], role: Role| Comparison {
            column: cols.join("+"),
            columns: cols.iter().map(|c| c.to_string()).collect(),
            column_index: 0,
            role,
            levels: compare::levels_for(role, false, cols.len() > 1),
            swap_with: None,
            term_frequency: false,
        };
        let comparisons = [
            comparison(&["first_name"], Role::FirstName),
            comparison(&["last_name"], Role::LastName),
            comparison(&["birth_date"], Role::Date),
            comparison(&["street", "city", "postcode"], Role::Address),
            comparison(&["notes"], Role::Text),
        ];
        let key: Vec<String> = ["first_name", "last_name", "birth_date", "street", "city"]
            .iter()
            .chain(&["postcode", "notes"])
            .map(|c| c.to_string())
            .collect();
        let pinned = |rule: &str| {
            let r = Rule::parse(rule, &key).unwrap();
            pinned_comparisons(&[r], &comparisons).remove(0)
        };
        // a sound and a whole date pin their columns; an initial does not pin the first name,
        // nor a postcode the address it is a part of
        assert_eq!(
            pinned("date(birth_date) & soundex(last_name)"),
            [false, true, true, false, false]
        );
        assert_eq!(
            pinned("postcode(postcode) & initial(first_name)"),
            [false, false, false, false, false]
        );
        // a year pins part of a date; a MinHash band pins nothing
        assert_eq!(
            pinned("metaphone(first_name|last_name) & year(birth_date)"),
            [true, true, false, false, false]
        );
        assert_eq!(pinned("minhash(notes)"), [false; 5]);
        // a rule on a place and a surname pairs households: its m does not count
        let rules: Vec<Rule> = [
            "metaphone(first_name|last_name)",
            "postcode(postcode) & initial(first_name)",
            "postcode(postcode) & soundex(last_name)",
            "date(birth_date) & soundex(last_name)",
        ]
        .iter()
        .map(|r| Rule::parse(r, &key).unwrap())
        .collect();
        let blocked = blocked_comparisons(&rules, &comparisons);
        assert_eq!(teaches_m(&blocked, &comparisons), [true, true, false, true]);
    }

    #[test]
    fn a_postcode_and_surname_rule_comes_with_names_and_a_postcode() {
        let r = roles(&[
            ("given_name", Role::FirstName),
            ("surname", Role::LastName),
            ("postcode", Role::Postcode),
        ]);
        let rules = auto_rules(&r, None, &|_| 0.5);
        assert!(
            rules.contains(&"postcode(postcode) & soundex(surname)".to_owned()),
            "{rules:?}"
        );
        assert!(
            rules.contains(&"postcode(postcode) & initial(given_name)".to_owned()),
            "{rules:?}"
        );
        // a surname alone is what the other rule keys on already
        let r = roles(&[("surname", Role::LastName), ("postcode", Role::Postcode)]);
        let rules = auto_rules(&r, None, &|_| 0.5);
        assert_eq!(
            rules,
            [
                "metaphone(surname)",
                "postcode(postcode) & initial(surname)"
            ]
        );
    }
}
