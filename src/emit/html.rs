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
svg text{font:11px system-ui,sans-serif;fill:#1d2733}.note{color:#57606a;font-size:12px}";

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
    }
    h.push_str(SCRIPT);
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
    h.push_str(SCRIPT);
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
    weights(h, f);
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
    h.push_str("<h3>Weight of each comparison level</h3>\n<p class=\"note\">m: how often matches are at the level; u: how often non-matches are; weight: log2(m/u), what the level adds to a pair's score.</p>\n<table><tr><th>column</th><th>level</th><th>m</th><th>u</th><th>weight</th></tr>\n");
    for c in comparisons {
        for l in c["levels"].as_array().into_iter().flatten() {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{:.2}</td></tr>",
                escape(&text(&c["column"])),
                escape(&text(&l["level"])),
                escape(&text(&l["m"])),
                escape(&text(&l["u"])),
                l["weight"].as_f64().unwrap_or(0.0)
            );
        }
    }
    h.push_str("</table>\n");
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
            for (v, differs) in &r.cells {
                match v {
                    None => {
                        let c = if *differs { "null diff" } else { "null" };
                        let _ = write!(h, "<td class=\"{c}\">NULL</td>");
                    }
                    Some(v) if *differs => {
                        let _ = write!(h, "<td class=\"diff\">{}</td>", escape(v));
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
