//! `report.html`: the run for people, in one self-contained file (styles and its one small
//! script inlined, charts as inline SVG, nothing fetched), readable in any browser, with
//! JavaScript off too (the script only adds the groups' filters): what was found (rows in,
//! kept, removed; group sizes; duplicates per key column), how long each phase took, for fuzzy
//! runs the scores of the compared pairs against the thresholds and the weight of every
//! comparison level, then the groups themselves, the survivor first and every value that
//! differs from the survivor's marked (lowest-confidence groups first, a sample: never every
//! row of a large run).
//!
//! It is rendered from what `report.json` holds and a [`View`] of the groups taken while the
//! outputs are written.

use std::fmt::Write;

use serde_json::Value;

/// Around what differs from one run of the same job to the next (its timings) or from one
/// engine to another (its name), as in `report.json`: what a comparison of two pages leaves out.
pub const VOLATILE: &str = "<!--volatile-->";
pub const END: &str = "<!--/volatile-->";

/// Groups shown at most; rows of a group shown at most.
pub const MAX_GROUPS: usize = 100;
pub const MAX_ROWS: usize = 20;

/// What the page shows beyond `report.json`.
#[derive(Debug, Default)]
pub struct View {
    /// How many groups have each size: (size, groups), by size.
    pub sizes: Vec<(usize, usize)>,
    /// The probability of every scored pair kept (fuzzy runs, from the review threshold up).
    pub scores: Vec<f64>,
    /// The table's columns.
    pub columns: Vec<String>,
    /// The groups shown, in the order shown.
    pub groups: Vec<GroupView>,
    /// All the groups.
    pub total_groups: usize,
    /// Fuzzy runs: the review queue and what other thresholds would link.
    pub queue: Queue,
}

/// A fuzzy table's review queue and threshold moves.
#[derive(Debug, Default)]
pub struct Queue {
    /// The pairs of the review queue, in its order (the pairs left for review, the likeliest
    /// first, then the least certain pairs inside groups).
    pub pairs: Vec<PairView>,
    /// How many pairs were left for review in all.
    pub total: usize,
    /// What other thresholds would link.
    pub moves: Vec<Move>,
    /// The name of the decisions file the review queue saves (`T.decisions.csv`).
    pub decisions_file: String,
}

/// A pair of records in the review queue.
#[derive(Debug)]
pub struct PairView {
    /// Each record's key (as the review file gives it) and record number.
    pub keys: [String; 2],
    pub records: [u64; 2],
    pub probability: f64,
    /// Whether the two records are in one group now.
    pub grouped: bool,
    /// Per column: both records' values (None: NULL), whether they differ (never for the
    /// primary key), and the level and weight of its comparison, for a column compared on its
    /// own.
    pub cells: Vec<PairCell>,
    /// Per comparison: its column(s), level and weight.
    pub steps: Vec<(String, String, f64)>,
    /// The weight before any comparison (the prior) and the total (the pair's match weight).
    pub prior: f64,
    pub total: f64,
}

/// A column of a pair in the review queue.
#[derive(Debug)]
pub struct PairCell {
    pub values: [Option<String>; 2],
    pub differs: bool,
    pub level: Option<(String, f64)>,
}

/// Where the threshold could be, and what it would then link.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    pub at: f64,
    /// Scored pairs at or above it.
    pub pairs: usize,
    /// Records the pairs at or above it would link to another (the rows a threshold there
    /// would remove as fuzzy duplicates before the chaining guard splits any group).
    pub rows: usize,
}

#[derive(Debug)]
pub struct GroupView {
    /// Its record number (as `dupsweep_group` in the removed file).
    pub id: u64,
    /// The survivor first, then the removed records.
    pub rows: Vec<RowView>,
    /// Records of the group not shown.
    pub more: usize,
    /// Over all its records, shown or not: the lowest score (as written, 1 for an exact
    /// group) and the distinct reasons of its removed records.
    pub lowest: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug)]
pub struct RowView {
    pub record: u64,
    pub kept: bool,
    /// As in the removed file (empty for the survivor).
    pub score: String,
    pub reason: String,
    /// Per column: its value (None: NULL) and whether it differs from the survivor's.
    pub cells: Vec<(Option<String>, bool)>,
    /// Fuzzy groups, per column: the level of its comparison between this record and the
    /// survivor and that level's weight, when fuzzy matching scored the two (empty
    /// otherwise).
    pub levels: Vec<Option<(String, f64)>>,
}

/// `s` with `&`, `<`, `>`, `"` and `'` escaped.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#1d2733}
h1{font-size:22px}h2{font-size:17px;margin-top:32px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.meta{color:#57606a;font-size:12px;word-break:break-all}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #d8dee4;border-radius:6px;padding:8px 14px;min-width:110px}
.card b{display:block;font-size:20px}.card span{color:#57606a;font-size:12px}
table{border-collapse:collapse;margin:6px 0 14px}td,th{border:1px solid #d8dee4;padding:3px 7px;text-align:left;vertical-align:top;font-size:13px}
th{background:#f6f8fa}td.num{text-align:right}tr.kept td{background:#eef8ee}td.diff{background:#ffe2b8;font-weight:600}
td.null{color:#8c959f;font-style:italic}.group{overflow-x:auto}.tag{font-size:11px;border-radius:8px;padding:0 6px}
.tag.kept{background:#2da44e;color:#fff}.tag.removed{background:#cf222e;color:#fff}
svg text{font:11px system-ui,sans-serif;fill:#1d2733}.note{color:#57606a;font-size:12px}
td.near{background:#fff4c2}.pair{border:1px solid #d8dee4;border-radius:6px;padding:8px 12px;margin:10px 0;overflow-x:auto}
.pair.current{border:2px solid #4c8bf5}.pair .verdict{font-weight:600}.pair[data-decision=same] .verdict{color:#2da44e}
.pair[data-decision=different] .verdict{color:#cf222e}.controls{position:sticky;top:0;background:#fff;padding:6px 0;z-index:1}
.controls button{font:inherit;margin-right:6px;padding:3px 10px}kbd{border:1px solid #8c959f;border-radius:3px;padding:0 4px;font-size:12px}";

/// What a page shows beyond `report.json`: one table's groups, or each table's of a whole dump
/// (in the report's order).
pub enum Page {
    Table(View),
    Dump(Vec<View>),
}

/// The page's only script, inlined: shows each group list's filters (by size, lowest score and
/// reason; from the address's `#minsize=3&maxscore=0.99&reason=fuzzy` too) and hides the
/// groups they leave out. Without it the page lists every group it holds.
const SCRIPT: &str = "<script>(function(){var h=new URLSearchParams(location.hash.slice(1));\
document.querySelectorAll('div.groups').forEach(function(box){var f=box.querySelector('form.filters');\
var gs=[].slice.call(box.querySelectorAll('div.group'));f.hidden=false;\
['minsize','maxscore','reason'].forEach(function(k){if(h.has(k))f.elements[k].value=h.get(k);});\
function apply(){var s=+f.elements.minsize.value||0,m=f.elements.maxscore.value===''?1:+f.elements.maxscore.value,\
r=f.elements.reason.value.toLowerCase(),n=0;gs.forEach(function(g){var ok=+g.dataset.size>=s&&\
+g.dataset.score<=m&&g.dataset.reason.toLowerCase().indexOf(r)>=0;g.hidden=!ok;if(ok)n++;});\
f.querySelector('.shown').textContent=n;}f.addEventListener('input',apply);apply();});})();</script>\n";

/// The page of a run: `report` is `report.json`'s content.
pub fn render_page(report: &Value, page: &Page) -> String {
    match page {
        Page::Table(view) => render(report, view),
        Page::Dump(views) => render_dump(report, views),
    }
}

/// The page of a whole dump's run: its totals, its tables with their foreign keys and counts,
/// then each table's group sizes and groups.
pub fn render_dump(report: &Value, views: &[View]) -> String {
    let config = file_name(&text(&report["config"]));
    let mut h = page_start(&config, &format!("the dump {config}"));
    let totals = &report["totals"];
    h.push_str("<h2 id=\"overview\">Overview</h2>\n<div class=\"cards\">");
    for (label, key) in [
        ("tables", "tables"),
        ("rows in", "rows"),
        ("groups", "groups"),
        ("removed", "rows_removed"),
        ("re-pointed", "rows_repointed"),
    ] {
        let _ = write!(
            h,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
            escape(&text(&totals[key]))
        );
    }
    h.push_str("</div>\n<h2 id=\"tables\">Tables</h2>\n<p class=\"note\">In the order they were cleaned (parents before their children); a child's foreign keys are re-pointed to the surviving parents, which can make some of its rows duplicates only then.</p>\n<table><tr><th>table</th><th>rows in</th><th>groups</th><th>removed</th><th>kept</th><th>re-pointed</th><th>removed only after re-pointing</th><th>foreign keys</th></tr>\n");
    let tables = report["tables"].as_array().cloned().unwrap_or_default();
    // (a table's elements are named by its place: a table's name may hold any character)
    for (i, t) in tables.iter().enumerate() {
        let fks: Vec<String> = t["foreign_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                format!(
                    "{} → {}.{}",
                    text(&f["column"]),
                    text(&f["table"]),
                    text(&f["references"])
                )
            })
            .collect();
        let name = text(&t["name"]);
        let _ = writeln!(
            h,
            "<tr><td><a href=\"#t{i}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&name),
            escape(&text(&t["input"]["rows"])),
            escape(&text(&t["groups"])),
            escape(&text(&t["rows_removed"])),
            escape(&text(&t["rows_kept"])),
            escape(&text(&t["rows_repointed"])),
            escape(&text(&t["rows_removed_after_repointing"])),
            escape(&fks.join("; "))
        );
    }
    h.push_str("</table>\n");
    let _ = writeln!(
        h,
        "{VOLATILE}<p class=\"note\">Total {} ms.</p>{END}",
        escape(&text(&report["total_ms"]))
    );
    for (i, (t, view)) in tables.iter().zip(views).enumerate() {
        let name = text(&t["name"]);
        let _ = writeln!(
            h,
            "<h2 id=\"t{i}\">{n}</h2>\n<p class=\"meta\">{} rows from <b>{}</b>. Key: {}. Primary key: {}. Keep rule: <b>{}</b>.</p>",
            escape(&text(&t["input"]["rows"])),
            escape(&file_name(&text(&t["input"]["path"]))),
            escape(&text(&t["options"]["key"])),
            escape(&text(&t["options"]["pk"])),
            escape(&text(&t["options"]["keep"])),
            n = escape(&name),
        );
        let id = format!("t{i}-");
        sizes(&mut h, view, &id);
        groups(&mut h, view, &id);
        if t["fuzzy"].is_object() {
            review_queue(&mut h, t, view, &id);
        }
    }
    h.push_str(SCRIPT);
    if views.iter().any(|v| !v.queue.pairs.is_empty()) {
        h.push_str(REVIEW_SCRIPT);
    }
    h.push_str("</body></html>\n");
    h
}

/// A page up to its heading, "Duplicates in `what`", titled after `title`.
fn page_start(title: &str, what: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>dupsweep: {}</title><style>{STYLE}</style></head><body>\n<h1>Duplicates in {}</h1>\n",
        escape(title),
        escape(what)
    )
}

/// A path's file name (a page reads the same wherever the dump lies).
fn file_name(path: &str) -> String {
    std::path::Path::new(path)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The page for one table's run: `report` is `report.json`'s content.
pub fn render(report: &Value, view: &View) -> String {
    let table = report["options"]["table"].as_str().unwrap_or("table");
    let mut h = page_start(table, table);
    meta(&mut h, report);
    overview(&mut h, report);
    sizes(&mut h, view, "");
    columns(&mut h, report);
    timings(&mut h, report);
    if report["fuzzy"].is_object() {
        fuzzy(&mut h, report, view);
    }
    groups(&mut h, view, "");
    if report["fuzzy"].is_object() {
        review_queue(&mut h, report, view, "");
    }
    h.push_str(SCRIPT);
    if !view.queue.pairs.is_empty() {
        h.push_str(REVIEW_SCRIPT);
    }
    h.push_str("</body></html>\n");
    h
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn meta(h: &mut String, r: &Value) {
    let o = &r["options"];
    let pk = text(&o["pk"]);
    let _ = writeln!(
        h,
        "<p class=\"meta\">{} of <b>{}</b> ({}, {} rows, sha256 {}) by dupsweep {}, {VOLATILE}{} engine{END}. Key: {}. Primary key: {}. Keep rule: <b>{}</b>.</p>",
        escape(&text(&r["command"])),
        // the file's name (as the scripts' headers give it)
        escape(&file_name(&text(&r["input"]["path"]))),
        escape(&text(&r["input"]["format"])),
        escape(&text(&r["input"]["rows"])),
        escape(&text(&r["input"]["sha256"])),
        escape(&text(&r["dupsweep_version"])),
        escape(&text(&r["engine"])),
        escape(&text(&o["key"])),
        if pk.is_empty() { "none (records by their number)".to_owned() } else { escape(&pk) },
        escape(&text(&o["keep"])),
    );
}

fn overview(h: &mut String, r: &Value) {
    h.push_str("<h2 id=\"overview\">Overview</h2>\n<div class=\"cards\">");
    for (label, key) in [
        ("rows in", &r["input"]["rows"]),
        ("kept", &r["rows_kept"]),
        ("removed", &r["rows_removed"]),
        ("groups", &r["groups"]),
        ("rows in groups", &r["rows_in_groups"]),
        ("largest group", &r["largest_group"]),
    ] {
        let _ = write!(
            h,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
            escape(&text(key))
        );
    }
    if let Some(f) = r["fuzzy"]["rows_removed_fuzzy"].as_u64() {
        let _ = write!(
            h,
            "<div class=\"card\"><b>{f}</b><span>removed as fuzzy duplicates</span></div>"
        );
    }
    h.push_str("</div>\n");
}

/// Horizontal bars: one per (label, value), scaled to the largest.
fn bars(h: &mut String, rows: &[(String, f64, String)]) {
    let max = rows.iter().map(|r| r.1).fold(0.0, f64::max).max(1e-9);
    let height = rows.len() * 20 + 4;
    let _ = write!(
        h,
        "<svg role=\"img\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\">"
    );
    for (i, (label, v, shown)) in rows.iter().enumerate() {
        let y = i * 20 + 2;
        let w = (v / max * 380.0).max(if *v > 0.0 { 1.0 } else { 0.0 });
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"170\" y=\"{y}\" width=\"{w:.1}\" height=\"15\" fill=\"#4c8bf5\"/><text x=\"{:.1}\" y=\"{}\">{}</text>",
            y + 12,
            escape(label),
            176.0 + w,
            y + 12,
            escape(shown)
        );
    }
    h.push_str("</svg>\n");
}

fn sizes(h: &mut String, view: &View, id: &str) {
    if view.sizes.is_empty() {
        return;
    }
    let _ = writeln!(h, "<h2 id=\"{id}sizes\">Group sizes</h2>");
    let rows: Vec<(String, f64, String)> = view
        .sizes
        .iter()
        .map(|&(s, n)| (format!("{s} records"), n as f64, format!("{n} groups")))
        .collect();
    bars(h, &rows);
}

fn columns(h: &mut String, r: &Value) {
    let Some(cols) = r["duplicates_per_key_column"].as_array() else {
        return;
    };
    if cols.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"columns\">Repeated values per key column</h2>\n<p class=\"note\">Per column on its own: the records whose value in it an earlier record already holds.</p>\n");
    let rows: Vec<(String, f64, String)> = cols
        .iter()
        .map(|c| {
            let n = c["repeated_values"].as_f64().unwrap_or(0.0);
            (text(&c["column"]), n, text(&c["repeated_values"]))
        })
        .collect();
    bars(h, &rows);
}

fn timings(h: &mut String, r: &Value) {
    let t = &r["timings"];
    h.push_str(VOLATILE);
    h.push_str("<h2 id=\"timings\">Time per phase</h2>\n");
    let mut rows: Vec<(String, f64, String)> = Vec::new();
    for (label, key) in [
        ("read", "read_ms"),
        ("detect", "detect_ms"),
        ("survive", "survive_ms"),
        ("write", "write_ms"),
    ] {
        let ms = t[key].as_f64().unwrap_or(0.0);
        rows.push((label.to_owned(), ms, format!("{ms} ms")));
    }
    if let Some(laps) = t["fuzzy_ms"].as_array() {
        for lap in laps {
            let ms = lap[1].as_f64().unwrap_or(0.0);
            rows.push((
                format!("  fuzzy: {}", text(&lap[0])),
                ms,
                format!("{ms} ms"),
            ));
        }
    }
    bars(h, &rows);
    let _ = writeln!(
        h,
        "<p class=\"note\">Total {} ms.</p>",
        escape(&text(&t["total_ms"]))
    );
    h.push_str(END);
}

fn fuzzy(h: &mut String, r: &Value, view: &View) {
    let f = &r["fuzzy"];
    let threshold = f["threshold"].as_f64().unwrap_or(0.95);
    let review = f["review_threshold"].as_f64().unwrap_or(0.5);
    h.push_str("<h2 id=\"fuzzy\">Fuzzy matching</h2>\n<div class=\"cards\">");
    for (label, v) in [
        ("records compared", &f["records_compared"]),
        ("candidate pairs", &f["candidate_pairs"]),
        ("pairs above the threshold", &f["pairs_above_threshold"]),
        ("pairs to review", &f["review_pairs"]),
        ("fuzzy groups", &f["fuzzy_groups"]),
    ] {
        let _ = write!(
            h,
            "<div class=\"card\"><b>{}</b><span>{label}</span></div>",
            escape(&text(v))
        );
    }
    h.push_str("</div>\n");
    let _ = writeln!(
        h,
        "<p class=\"note\">Pairs from {review} up are kept and scored; from {threshold} up they are duplicates, between the two they go to the review file. Blocking rules: {}.</p>",
        escape(
            &f["blocking"]
                .as_array()
                .map(|b| b.iter().map(|x| text(&x["rule"])).collect::<Vec<_>>().join("; "))
                .unwrap_or_default()
        )
    );
    score_histogram(h, &view.scores, review, threshold);
    moves(h, &view.queue.moves, threshold);
    weights(h, f);
}

/// What each position of the threshold would link, against the threshold used.
fn moves(h: &mut String, moves: &[Move], threshold: f64) {
    let Some(now) = moves.iter().find(|m| m.at == threshold) else {
        return;
    };
    h.push_str("<h3 id=\"moves\">Moving the threshold</h3>\n<p class=\"note\">For each position: the scored pairs at or above it, and the records they would link to another (what a threshold there would remove as fuzzy duplicates, before the chaining guard splits a group that only a chain of links holds together).</p>\n<table><tr><th>threshold</th><th>pairs at or above</th><th>change</th><th>records linked</th><th>change</th></tr>\n");
    for m in moves {
        let delta = |a: usize, b: usize| -> String {
            match a.cmp(&b) {
                std::cmp::Ordering::Equal => String::new(),
                std::cmp::Ordering::Greater => format!("+{}", a - b),
                std::cmp::Ordering::Less => format!("−{}", b - a),
            }
        };
        let _ = writeln!(
            h,
            "<tr{}><td class=\"num\">{}{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            if m.at == threshold { " class=\"kept\"" } else { "" },
            m.at,
            if m.at == threshold { " (used)" } else { "" },
            m.pairs,
            delta(m.pairs, now.pairs),
            m.rows,
            delta(m.rows, now.rows)
        );
    }
    h.push_str("</table>\n");
}

/// The scored pairs' probabilities in 20 bins from the review threshold to 1, with the two
/// thresholds drawn.
fn score_histogram(h: &mut String, scores: &[f64], review: f64, threshold: f64) {
    if scores.is_empty() {
        return;
    }
    const BINS: usize = 20;
    let lo = review.min(threshold);
    let span = (1.0 - lo).max(1e-9);
    let mut counts = [0usize; BINS];
    for &s in scores {
        let b = (((s - lo) / span) * BINS as f64)
            .floor()
            .clamp(0.0, (BINS - 1) as f64);
        counts[b as usize] += 1;
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (w, ht) = (600.0, 160.0);
    let bw = w / BINS as f64;
    let _ = write!(
        h,
        "<h3>Scores of the pairs kept</h3>\n<svg role=\"img\" width=\"640\" height=\"200\" viewBox=\"0 0 640 200\">"
    );
    for (i, &c) in counts.iter().enumerate() {
        let bh = c as f64 / max * ht;
        let _ = write!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4c8bf5\"><title>{c} pairs</title></rect>",
            20.0 + i as f64 * bw,
            10.0 + ht - bh,
            bw - 1.0
        );
    }
    for (p, label, color) in [
        (review, "review", "#bf8700"),
        (threshold, "threshold", "#cf222e"),
    ] {
        let x = 20.0 + (p - lo) / span * w;
        let _ = write!(
            h,
            "<line x1=\"{x:.1}\" y1=\"5\" x2=\"{x:.1}\" y2=\"172\" stroke=\"{color}\" stroke-width=\"2\"/><text x=\"{:.1}\" y=\"190\">{label} {p}</text>",
            x - 20.0
        );
    }
    let _ = write!(
        h,
        "<text x=\"20\" y=\"190\"></text></svg>\n<p class=\"note\">{} pairs, probability from {lo} (left) to 1 (right).</p>\n",
        scores.len()
    );
}

fn weights(h: &mut String, f: &Value) {
    let Some(comparisons) = f["comparisons"].as_array() else {
        return;
    };
    // the blocking rules in use with their own model: a pair is scored by the model of the
    // rule that found it (its weights per comparison, the rule's own columns left out)
    let rules: Vec<&Value> = f["blocking"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["dropped"].is_null() && b["weights"].is_array())
        .collect();
    h.push_str("<h3>Weight of each comparison level</h3>\n<p class=\"note\">m: how often matches are at the level; u: how often non-matches are; weight: log2(m/u), what the level adds to a pair's score. Each blocking rule also has its own model, fitted on the pairs it makes (R1, R2… below; — where the rule's own key fixes the comparison).</p>\n<table><tr><th>column</th><th>level</th><th>m</th><th>u</th><th>weight</th>");
    for (i, b) in rules.iter().enumerate() {
        let _ = write!(
            h,
            "<th title=\"{}\">R{}</th>",
            escape(&text(&b["rule"])),
            i + 1
        );
    }
    h.push_str("</tr>\n");
    for c in comparisons {
        let column = text(&c["column"]);
        for (li, l) in c["levels"].as_array().into_iter().flatten().enumerate() {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td>",
                escape(&column),
                escape(&text(&l["level"])),
                escape(&text(&l["m"])),
                escape(&text(&l["u"])),
                l["weight"].as_f64().unwrap_or(0.0)
            );
            for b in &rules {
                let w = b["weights"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|e| e[0].as_str() == Some(column.as_str()))
                    .and_then(|e| e[1][li].as_f64());
                match w {
                    Some(w) => {
                        let _ = write!(h, "<td class=\"num\">{w:.2}</td>");
                    }
                    None => h.push_str("<td class=\"num\">—</td>"),
                }
            }
            h.push_str("</tr>\n");
        }
    }
    h.push_str("</table>\n");
    if !rules.is_empty() {
        h.push_str("<p class=\"note\">");
        for (i, b) in rules.iter().enumerate() {
            let _ = write!(
                h,
                "R{}: <code>{}</code> ({} pairs, matches about {} of them). ",
                i + 1,
                escape(&text(&b["rule"])),
                escape(&text(&b["pairs"])),
                escape(&text(&b["share_of_matches"]))
            );
        }
        h.push_str("</p>\n");
    }
}

fn groups(h: &mut String, view: &View, id: &str) {
    let _ = writeln!(h, "<h2 id=\"{id}groups\">Groups</h2>");
    if view.total_groups == 0 {
        h.push_str("<p>No duplicates.</p>\n");
        return;
    }
    let _ = writeln!(
        h,
        "<p class=\"note\">{} of {} groups, the least certain first; in each the survivor first, then the records removed in its favour; a marked cell differs from the survivor's value.</p>",
        view.groups.len(),
        view.total_groups
    );
    // the filters: shown by the page's script (without it, every group is listed)
    h.push_str("<div class=\"groups\"><form class=\"filters\" hidden>groups of at least <input name=\"minsize\" type=\"number\" min=\"2\" value=\"2\"> records, a score of at most <input name=\"maxscore\" type=\"number\" min=\"0\" max=\"1\" step=\"0.01\" value=\"1\">, a reason holding <input name=\"reason\" type=\"search\">: <b class=\"shown\"></b> shown</form>\n");
    for g in &view.groups {
        let size = g.rows.len() + g.more;
        let _ = write!(
            h,
            "<div class=\"group\" id=\"{id}g{}\" data-size=\"{size}\" data-score=\"{}\" data-reason=\"{}\"><table><tr><th>record</th><th></th><th>score</th>",
            g.id,
            g.lowest,
            escape(&g.reasons.join(" "))
        );
        for c in &view.columns {
            let _ = write!(h, "<th>{}</th>", escape(c));
        }
        h.push_str("</tr>\n");
        for r in &g.rows {
            let (class, tag) = if r.kept {
                ("kept", "kept")
            } else {
                ("removed", "removed")
            };
            let _ = write!(
                h,
                "<tr class=\"{class}\"><td class=\"num\">{}</td><td><span class=\"tag {class}\" title=\"{}\">{tag}</span></td><td class=\"num\">{}</td>",
                r.record,
                escape(&r.reason),
                escape(&r.score)
            );
            for (c, (v, differs)) in r.cells.iter().enumerate() {
                // a differing value: marked, lighter where its comparison's level still
                // counts for a match (a typo, a nickname), with the level as its title
                let level = r.levels.get(c).and_then(Option::as_ref);
                let (mark, title) = match level {
                    Some((l, w)) if *differs => (
                        if *w > 0.0 { "near" } else { "diff" },
                        format!(" title=\"{}: weight {w:+.2}\"", escape(l)),
                    ),
                    _ => (if *differs { "diff" } else { "" }, String::new()),
                };
                match v {
                    None => {
                        let c = if *differs {
                            format!("null {mark}")
                        } else {
                            "null".to_owned()
                        };
                        let _ = write!(h, "<td class=\"{c}\"{title}>NULL</td>");
                    }
                    Some(v) if *differs => {
                        let _ = write!(h, "<td class=\"{mark}\"{title}>{}</td>", escape(v));
                    }
                    Some(v) => {
                        let _ = write!(h, "<td>{}</td>", escape(v));
                    }
                }
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>");
        if g.more > 0 {
            let _ = write!(h, "<p class=\"note\">and {} more records</p>", g.more);
        }
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
}

/// The review queues' script, inlined: shows one pair at a time with the buttons and keys
/// (S same, D different, K skip, arrows to move; the keys act on the queue last clicked, the
/// first one at first: a whole dump has one per fuzzy table), keeps the decisions in the page
/// and offers them as a CSV download (a `data:` link: nothing leaves the machine). Without it
/// every pair is listed, for reading.
const REVIEW_SCRIPT: &str = "<script>(function(){var qs=[].slice.call(document.querySelectorAll('div.queue'));if(!qs.length)return;\
function cell(v){v=String(v);return /[\",\\r\\n]/.test(v)?'\"'+v.replace(/\"/g,'\"\"')+'\"':v;}\
var active=qs[0];qs.forEach(function(q){\
var ps=[].slice.call(q.querySelectorAll('div.pair')),c=q.querySelector('.controls'),i=0,dl=c.querySelector('a.download');c.hidden=false;\
function csv(){var out=['left_key,right_key,left_record,right_record,probability,decision'],n=0;ps.forEach(function(p){var d=p.dataset;\
if(d.decision){n++;out.push([d.leftKey,d.rightKey,d.leftRecord,d.rightRecord,d.p,d.decision].map(cell).join(','));}});return [out.join('\\n')+'\\n',n];}\
function show(){ps.forEach(function(p,j){p.hidden=j!==i;p.classList.toggle('current',j===i);});var r=csv();\
dl.href='data:text/csv;charset=utf-8,'+encodeURIComponent(r[0]);dl.querySelector('b').textContent=r[1];\
c.querySelector('.pos').textContent=ps.length?(i+1)+' of '+ps.length:'nothing to review';}\
function decide(v){var p=ps[i];if(!p)return;if(v==='skip'){delete p.dataset.decision;}else{p.dataset.decision=v;}\
p.querySelector('.verdict').textContent=v==='skip'?'skipped':v;if(i<ps.length-1)i++;show();}\
q.key=function(k){if(k==='s')decide('same');else if(k==='d')decide('different');else if(k==='k')decide('skip');\
else if(k==='arrowright'||k==='j'){if(i<ps.length-1)i++;show();}else if(k==='arrowleft'||k==='h'){if(i>0)i--;show();}else return false;return true;};\
q.addEventListener('click',function(e){active=q;var d=e.target.dataset&&e.target.dataset.d;if(d)decide(d);});show();});\
document.addEventListener('keydown',function(e){if(e.target.tagName==='INPUT'||e.ctrlKey||e.metaKey||e.altKey)return;\
if(active.key(e.key.toLowerCase()))e.preventDefault();});})();</script>\n";

/// The review queue: a pair at a time (every pair, without JavaScript), both records and the
/// comparison levels, the pair's match weight built up comparison by comparison, and the
/// decisions saved for `--decisions`.
fn review_queue(h: &mut String, r: &Value, view: &View, id: &str) {
    let _ = writeln!(h, "<h2 id=\"{id}review\">Review queue</h2>");
    if view.queue.pairs.is_empty() {
        h.push_str("<p>No pair to review.</p>\n");
        return;
    }
    let grouped = view.queue.pairs.iter().filter(|p| p.grouped).count();
    let _ = writeln!(
        h,
        "<p class=\"note\">{} of the {} pairs left for review (between the review threshold {} and the threshold {}), the likeliest first, then the {grouped} least certain pairs inside groups. Decide each pair with the buttons or the keys <kbd>S</kbd> same, <kbd>D</kbd> different, <kbd>K</kbd> skip (<kbd>←</kbd> <kbd>→</kbd> move); download the decisions as <b>{}</b> and give them back with <code>--decisions {}</code> (a whole dump: <code>decisions = \"{}\"</code> in the table's section): records decided the same end in one group, records decided different never do. The other pairs are in the review file.</p>",
        view.queue.pairs.len() - grouped,
        view.queue.total,
        escape(&text(&r["fuzzy"]["review_threshold"])),
        escape(&text(&r["fuzzy"]["threshold"])),
        escape(&view.queue.decisions_file),
        escape(&view.queue.decisions_file),
        escape(&view.queue.decisions_file),
    );
    let _ = writeln!(
        h,
        "<div class=\"queue\"><div class=\"controls\" hidden><button type=\"button\" data-d=\"same\">Same (S)</button><button type=\"button\" data-d=\"different\">Different (D)</button><button type=\"button\" data-d=\"skip\">Skip (K)</button> <span class=\"pos\"></span> · <a class=\"download\" download=\"{}\" href=\"#\">Download the decisions (<b>0</b>)</a></div>",
        escape(&view.queue.decisions_file)
    );
    for p in &view.queue.pairs {
        let _ = write!(
            h,
            "<div class=\"pair\" data-left-key=\"{}\" data-right-key=\"{}\" data-left-record=\"{}\" data-right-record=\"{}\" data-p=\"{}\"><p>Records {} and {}: match probability <b>{}</b>, {}. <span class=\"verdict\"></span></p><table><tr><th>record</th>",
            escape(&p.keys[0]),
            escape(&p.keys[1]),
            p.records[0],
            p.records[1],
            p.probability,
            p.records[0],
            p.records[1],
            crate::detect::fuzzy::format_probability(p.probability),
            if p.grouped { "in one group now" } else { "apart now" },
        );
        for c in &view.columns {
            let _ = write!(h, "<th>{}</th>", escape(c));
        }
        h.push_str("</tr>\n");
        for side in 0..2 {
            let _ = write!(h, "<tr><td class=\"num\">{}</td>", p.records[side]);
            for PairCell {
                values,
                differs,
                level,
            } in &p.cells
            {
                let v = &values[side];
                let class = match (*differs, level) {
                    (false, _) => "",
                    (true, Some((_, w))) if *w > 0.0 => "near",
                    (true, _) => "diff",
                };
                let title = level
                    .as_ref()
                    .map(|(l, w)| format!(" title=\"{}: weight {w:+.2}\"", escape(l)))
                    .unwrap_or_default();
                let null = if v.is_none() { " null" } else { "" };
                let _ = write!(
                    h,
                    "<td class=\"{class}{null}\"{title}>{}</td>",
                    v.as_deref().map_or_else(|| "NULL".to_owned(), escape)
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>");
        waterfall(h, p);
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
}

/// A pair's match weight built up: the prior, then each comparison's weight (green adds,
/// red takes away), then the total and its probability.
fn waterfall(h: &mut String, p: &PairView) {
    let mut rows: Vec<(String, f64, f64)> = vec![("prior".to_owned(), 0.0, p.prior)];
    let mut at = p.prior;
    for (column, level, w) in &p.steps {
        rows.push((format!("{column}: {level}"), at, at + w));
        at += w;
    }
    rows.push(("total".to_owned(), 0.0, p.total));
    let lo = rows.iter().map(|r| r.1.min(r.2)).fold(0.0, f64::min);
    let hi = rows.iter().map(|r| r.1.max(r.2)).fold(0.0, f64::max);
    let span = (hi - lo).max(1e-9);
    let x = |v: f64| 220.0 + (v - lo) / span * 360.0;
    let height = rows.len() * 18 + 6;
    let _ = write!(
        h,
        "<svg class=\"waterfall\" role=\"img\" width=\"640\" height=\"{height}\" viewBox=\"0 0 640 {height}\"><title>match weight, comparison by comparison</title><line x1=\"{z:.1}\" y1=\"0\" x2=\"{z:.1}\" y2=\"{height}\" stroke=\"#8c959f\"/>",
        z = x(0.0)
    );
    for (i, (label, from, to)) in rows.iter().enumerate() {
        let y = i * 18 + 3;
        let (a, b) = (x(from.min(*to)), x(from.max(*to)));
        let colour = match (i, to - from) {
            (0, _) => "#8c959f",
            _ if i == rows.len() - 1 => "#4c8bf5",
            (_, d) if d >= 0.0 => "#2da44e",
            _ => "#cf222e",
        };
        let _ = write!(
            h,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"{a:.1}\" y=\"{y}\" width=\"{:.1}\" height=\"13\" fill=\"{colour}\"/><text x=\"{:.1}\" y=\"{}\">{:+.2}</text>",
            y + 11,
            escape(label),
            (b - a).max(1.0),
            b + 4.0,
            y + 11,
            to - from
        );
    }
    h.push_str("</svg>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("<b>\"O'Brien\" & co</b>"),
            "&lt;b&gt;&quot;O&#39;Brien&quot; &amp; co&lt;/b&gt;"
        );
    }
}
