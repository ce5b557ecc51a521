//! `report.html`: one self-contained page per run (nothing fetched), its overview, its
//! charts and its groups with the survivor first and the differing values marked; opened in
//! headless Chromium where the machine has it (`scripts/test.sh` installs it).

use crate::util::{testdata, Workdir};

fn clean(w: &Workdir, args: &[&str]) -> String {
    let mut a = vec!["clean"];
    a.extend_from_slice(args);
    a.extend(["--out", "out"]);
    w.run(&a).ok();
    w.read_str("out/report.html")
}

/// Every `<tr class="kept">` / `"removed"` row of the group tables, in order.
fn group_rows(html: &str) -> Vec<&str> {
    html.split("<tr class=\"")
        .skip(1)
        .map(|r| r.split('"').next().unwrap())
        .collect()
}

#[test]
fn the_page_shows_the_run_and_each_group_with_its_survivor_first() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let html = clean(&w, &[&input, "--pk", "id", "--ignore", "updated_at"]);
    // self-contained: nothing fetched, nothing run
    for banned in ["<script src", "http://", "https://", " src=", "<link"] {
        assert!(!html.contains(banned), "{banned}");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.ends_with("</html>\n"));
    for card in [
        "<b>136</b><span>rows in</span>",
        "<b>122</b><span>kept</span>",
        "<b>14</b><span>removed</span>",
        "<b>12</b><span>groups</span>",
    ] {
        assert!(html.contains(card), "{card}");
    }
    assert!(html.contains("Keep rule: <b>first</b>"));
    assert!(html.contains("of <b>students.csv</b>"));
    // 12 groups, each a table whose first row is its survivor
    let rows = group_rows(&html);
    assert_eq!(rows.len(), 26);
    assert_eq!(rows.iter().filter(|r| **r == "kept").count(), 12);
    for g in html.split("<div class=\"group\"").skip(1) {
        assert_eq!(group_rows(g)[0], "kept", "{g}");
    }
    // record 61 differs from its survivor 58 in updated_at (ignored in the key): marked
    let g58 = html
        .split("id=\"g58\"")
        .nth(1)
        .unwrap()
        .split("</table>")
        .next()
        .unwrap();
    assert!(
        g58.contains("<td class=\"diff\">2026-10-19 12:00:00</td>"),
        "{g58}"
    );
    assert_eq!(g58.matches("class=\"diff\"").count(), 1, "{g58}");
    // listed in the report
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    assert!(report["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["kind"] == "report_html"));
}

#[test]
fn a_fuzzy_page_shows_scores_weights_and_the_least_certain_groups_first() {
    let w = Workdir::new();
    let input = testdata("people/contacts.csv");
    let html = clean(&w, &[&input, "--fuzzy"]);
    assert!(html.contains("Scores of the pairs kept"));
    assert!(html.contains(">threshold 0.95</text>") && html.contains(">review 0.5</text>"));
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let levels: usize = report["fuzzy"]["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["levels"].as_array().unwrap().len())
        .sum();
    let weights = html
        .split("Weight of each comparison level")
        .nth(1)
        .unwrap();
    let weights = weights.split("</table>").next().unwrap();
    assert_eq!(weights.matches("<tr><td>").count(), levels);
    // groups by their lowest score, ascending
    let lowest: Vec<f64> = html
        .split("<div class=\"group\"")
        .skip(1)
        .map(|g| {
            g.split("<tr class=\"removed\">")
                .skip(1)
                .map(|r| {
                    let score = r.split("<td class=\"num\">").nth(2).unwrap();
                    score.split('<').next().unwrap().parse::<f64>().unwrap()
                })
                .fold(f64::INFINITY, f64::min)
        })
        .collect();
    assert_eq!(lowest.len(), report["groups"].as_u64().unwrap() as usize);
    assert!(lowest.windows(2).all(|p| p[0] <= p[1]), "{lowest:?}");
    assert!(lowest[0] < 1.0);
    // each blocking rule's own weights beside the global ones: a column per rule in use
    let used = report["fuzzy"]["blocking"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["dropped"].is_null())
        .count();
    let header = weights.split("</tr>").next().unwrap();
    assert_eq!(header.matches("<th title=").count(), used, "{header}");
    // a differing value that still counts for a match is marked lighter, with its level
    let groups = html.split("<h2 id=\"groups\">").nth(1).unwrap();
    let groups = groups.split("<h2 id=\"review\">").next().unwrap();
    assert!(
        groups.contains("<td class=\"near\" title=\""),
        "a near value in a group"
    );
    // what moving the threshold would change, the threshold used among the positions
    let moves = html.split("<h3 id=\"moves\">").nth(1).unwrap();
    let moves = moves.split("</table>").next().unwrap();
    let above = report["fuzzy"]["pairs_above_threshold"].as_u64().unwrap();
    assert!(
        moves.contains(&format!(
            "<td class=\"num\">0.95 (used)</td><td class=\"num\">{above}</td>"
        )),
        "{moves}"
    );
}

/// The review queue: every pair left for review (the likeliest first), then the least certain
/// pairs inside groups, each with both records, its comparisons' levels and its match weight
/// built up from the prior (the total is the pair's weight in the pairs file).
#[test]
fn the_review_queue_lists_the_pairs_to_decide_with_their_weights() {
    let w = Workdir::new();
    let input = testdata("people/people.csv");
    let html = clean(
        &w,
        &[&input, "--pk", "id", "--ignore", "entity_id", "--fuzzy"],
    );
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let queue = html.split("<h2 id=\"review\">").nth(1).unwrap();
    let pairs: Vec<&str> = queue.split("<div class=\"pair\"").skip(1).collect();
    let review = report["fuzzy"]["review_pairs"].as_u64().unwrap() as usize;
    let apart = pairs.iter().filter(|p| p.contains("apart now")).count();
    assert_eq!(apart, review.min(200));
    // the pairs to review first, the likeliest first; then pairs inside groups, least certain
    // first
    let p: Vec<f64> = pairs
        .iter()
        .map(|x| {
            let v = x.split("data-p=\"").nth(1).unwrap();
            v[..v.find('"').unwrap()].parse().unwrap()
        })
        .collect();
    assert!(p[..apart].windows(2).all(|w| w[0] >= w[1]), "{p:?}");
    assert!(p[apart..].windows(2).all(|w| w[0] <= w[1]), "{p:?}");
    assert!(pairs[apart..]
        .iter()
        .all(|x| x.contains("in one group now")));
    // every pair's waterfall: the prior, one bar per comparison, the total
    let comparisons = report["fuzzy"]["comparisons"].as_array().unwrap().len();
    for x in &pairs {
        let svg = x.split("<svg class=\"waterfall\"").nth(1).unwrap();
        let svg = svg.split("</svg>").next().unwrap();
        assert_eq!(svg.matches("<rect").count(), comparisons + 2, "{svg}");
    }
    // the totals are the pairs file's match weights
    let file = crate::util::records(&w.read("out/people.pairs.csv"), b',');
    let first = pairs[0];
    let keys: Vec<String> = ["data-left-key=\"", "data-right-key=\""]
        .iter()
        .map(|k| {
            let v = first.split(k).nth(1).unwrap();
            v[..v.find('"').unwrap()].to_owned()
        })
        .collect();
    let row = file[1..]
        .iter()
        .find(|r| r[0] == keys[0] && r[1] == keys[1])
        .unwrap();
    let total: f64 = row[5].parse().unwrap();
    let shown = first.split("<text").last().unwrap();
    let shown = shown.split('>').nth(1).unwrap().split('<').next().unwrap();
    assert!(
        (shown.parse::<f64>().unwrap() - total).abs() < 0.006,
        "{shown} against {total}"
    );
}

/// A whole dump's page: its totals, its tables with their foreign keys and counts, each
/// table's groups; it replaces the page an earlier run of one table left in the folder.
#[test]
fn a_dump_page_lists_its_tables_and_their_groups() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    clean(&w, &[&input, "--pk", "id"]);
    let config = testdata("school/dupsweep.toml");
    w.run(&["run", &config, "--out", "out"]).ok();
    let html = w.read_str("out/report.html");
    assert!(
        html.contains("<h1>Duplicates in the dump dupsweep.toml</h1>"),
        "{html}"
    );
    for banned in ["<script src", "http://", "https://", " src="] {
        assert!(!html.contains(banned), "{banned}");
    }
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    assert!(html.contains(&format!(
        "<b>{}</b><span>removed</span>",
        report["totals"]["rows_removed"]
    )));
    let tables = report["tables"].as_array().unwrap();
    let heading = |i: usize| format!("<h2 id=\"t{i}\">");
    for (i, t) in tables.iter().enumerate() {
        let name = t["name"].as_str().unwrap();
        // a row of the tables' table linking to the table's section, which lists its groups
        assert!(
            html.contains(&format!("<a href=\"#t{i}\">{name}</a>")),
            "{name}"
        );
        let section = html.split(&heading(i)).nth(1).unwrap();
        assert!(section.starts_with(&format!("{name}</h2>")), "{name}");
        let section = match tables.get(i + 1) {
            Some(_) => section.split(&heading(i + 1)).next().unwrap(),
            None => section,
        };
        let kept = section.matches("<tr class=\"kept\">").count() as u64;
        assert_eq!(kept, t["groups"].as_u64().unwrap().min(100), "{name}");
    }
    assert!(html.contains("course_code → courses.code; student_id → students.id"));
}

/// Chromium's path; `None` (the test then skips, saying so) when it is not installed, unless
/// `DUPSWEEP_REQUIRE_BROWSER` is set.
fn chromium() -> Option<&'static str> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    if found.is_none() {
        assert!(
            std::env::var_os("DUPSWEEP_REQUIRE_BROWSER").is_none(),
            "DUPSWEEP_REQUIRE_BROWSER is set and Chromium is not installed"
        );
        eprintln!("skipped: Chromium is not installed (scripts/test.sh installs it)");
    }
    found
}

/// Runs headless Chromium on `page` with the `extra` flags (its profile in `w`); its standard
/// output (the DOM with `--dump-dom`).
fn browse(w: &Workdir, chromium: &str, extra: &[&str], page: &str) -> String {
    let flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ];
    let profile = format!("--user-data-dir={}", w.path("chromium").display());
    let out = std::process::Command::new(chromium)
        .args(flags)
        .arg(&profile)
        .args(extra)
        .arg(page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Where the screenshots go, for people to look at.
fn screenshots() -> std::path::PathBuf {
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// The page in a real browser: Chromium's DOM has the charts and the groups, the script's
/// filters work (set from the address), and a screenshot is saved under `target/` for people
/// to look at.
#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let w = Workdir::new();
    let input = testdata("people/contacts.csv");
    clean(&w, &[&input, "--fuzzy"]);
    let page = format!("file://{}", w.path("out/report.html").display());
    let shots = screenshots();
    let run = |extra: &[&str], page: &str| browse(&w, chromium, extra, page);
    let dom = run(&["--dump-dom"], &page);
    assert!(dom.contains("<h1>Duplicates in contacts</h1>"), "{dom}");
    assert!(dom.matches("<svg").count() >= 4, "charts drawn");
    assert!(
        dom.contains("<td class=\"diff\">"),
        "a differing cell marked"
    );
    // the script shows the filters and, with none set, every group
    let groups = dom.matches("<div class=\"group\" id=").count();
    assert!(
        dom.contains("<form class=\"filters\">"),
        "filters shown: {dom}"
    );
    assert!(
        dom.contains(&format!("<b class=\"shown\">{groups}</b>")),
        "{dom}"
    );
    // (the groups hidden: the review queue hides pairs too)
    let hidden = |d: &str| {
        d.split("<div class=\"group\" id=")
            .skip(1)
            .filter(|g| g[..g.find('>').unwrap()].ends_with(" hidden=\"\""))
            .count()
    };
    assert_eq!(hidden(&dom), 0);
    // filtered from the address: groups of three records or more, then groups below 0.999
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let (n, rows) = (
        report["groups"].as_u64().unwrap() as usize,
        report["rows_in_groups"].as_u64().unwrap() as usize,
    );
    // (groups of two or three here: rows beyond two per group are the groups of three)
    assert_eq!(report["largest_group"], 3);
    let threes = rows - 2 * n;
    let big = run(&["--dump-dom"], &format!("{page}#minsize=3"));
    assert_eq!(groups - hidden(&big), threes, "{big}");
    assert!(big.contains(&format!("<b class=\"shown\">{threes}</b>")));
    let unsure = run(&["--dump-dom"], &format!("{page}#maxscore=0.998"));
    let shown = groups - hidden(&unsure);
    assert!(shown > 0 && shown < groups, "{unsure}");
    let shot = shots.join("report-contacts.png");
    let _ = std::fs::remove_file(&shot);
    run(
        &[
            "--window-size=1280,2000",
            &format!("--screenshot={}", shot.display()),
        ],
        &page,
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}

/// A group larger than the page shows: 20 of its records, the rest counted; its size (for the
/// filters) is the whole group's.
#[test]
fn a_large_group_shows_twenty_records_and_counts_the_rest() {
    let w = Workdir::new();
    let mut data = String::from("name,city\n");
    for _ in 0..25 {
        data.push_str("Ann,Leeds\n");
    }
    data.push_str("Bob,York\n");
    w.write("t.csv", data.as_bytes());
    let html = clean(&w, &["t.csv"]);
    let g = html.split("<div class=\"group\"").nth(1).unwrap();
    assert!(
        g.starts_with(" id=\"g1\" data-size=\"25\" data-score=\"1\""),
        "{g}"
    );
    assert_eq!(g.matches("<tr class=").count(), 20);
    assert!(g.contains("and 5 more records"), "{g}");
}

/// `%XX` escapes decoded (a `data:` link's text).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// An attribute's value as the DOM dump writes it, unescaped.
fn attribute(dom: &str, element_id: &str, name: &str) -> String {
    let at = dom.find(&format!("id=\"{element_id}\"")).unwrap();
    let tag = &dom[dom[..at].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
    let value = &tag[start..];
    value[..value.find('"').unwrap()]
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The review queue in a real browser: one pair at a time; the keys decide (S same on the
/// first pair, K skip on the second, D different on the first pair inside a group); the
/// download link holds the decisions file, which `clean --decisions` then applies: the pair
/// decided the same is in one group, the pair decided different is not. No console error, no
/// request; a screenshot of the queue is saved.
#[test]
fn the_review_queue_saves_decisions_that_clean_applies() {
    let Some(chromium) = chromium() else {
        return;
    };
    let w = Workdir::new();
    let input = testdata("people/people.csv");
    let args = |out: &'static str| -> Vec<String> {
        [
            "clean",
            &input,
            "--pk",
            "id",
            "--ignore",
            "entity_id",
            "--fuzzy",
            "--groups",
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let first: Vec<String> = args("out");
    w.run(&first.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let html = w.read_str("out/report.html");
    // without the script every pair is listed
    let listed = html.matches("<div class=\"pair\"").count();
    assert!(listed > 2, "pairs in the queue: {listed}");
    assert!(html.contains("in one group now") && html.contains("apart now"));
    assert!(html.contains("class=\"waterfall\""));
    // the page, with a catcher of errors first and a driver last
    let catcher = "<script>window.__errors=[];addEventListener('error',function(e){__errors.push(String(e.message));});</script>";
    let driver = "<script>(function(){var out={errors:window.__errors};\
function key(k){document.dispatchEvent(new KeyboardEvent('keydown',{key:k,bubbles:true}));}\
function current(){return ps.findIndex(function(p){return !p.hidden;});}\
var ps=[].slice.call(document.querySelectorAll('div.queue div.pair'));out.pairs=ps.length;\
out.visible=ps.filter(function(p){return !p.hidden;}).length;out.pos=document.querySelector('.controls .pos').textContent;\
key('s');key('k');out.after=current();\
var g=ps.findIndex(function(p){return p.textContent.indexOf('in one group now')>=0;});\
while(current()<g){key('ArrowRight');}key('d');\
var a=document.querySelector('a.download');out.href=a.getAttribute('href');out.file=a.getAttribute('download');\
out.count=a.querySelector('b').textContent;out.requests=performance.getEntriesByType('resource').length;\
var pre=document.createElement('pre');pre.id='driver';pre.setAttribute('data-out',JSON.stringify(out));\
document.body.appendChild(pre);})();</script>";
    let driven = html
        .replacen("<head>", &format!("<head>{catcher}"), 1)
        .replacen("</body>", &format!("{driver}</body>"), 1);
    w.write("out/driven.html", driven.as_bytes());
    let page = format!("file://{}", w.path("out/driven.html").display());
    let dom = browse(&w, chromium, &["--dump-dom"], &page);
    let out: serde_json::Value =
        serde_json::from_str(&attribute(&dom, "driver", "data-out")).unwrap();
    assert_eq!(out["errors"], serde_json::json!([]), "no script error");
    assert_eq!(out["requests"], 0, "nothing fetched");
    assert_eq!(out["pairs"].as_u64().unwrap() as usize, listed);
    assert_eq!(out["visible"], 1, "one pair at a time");
    assert_eq!(out["pos"], format!("1 of {listed}"));
    assert_eq!(out["after"], 2, "decided, skipped: the third pair is shown");
    assert_eq!(out["count"], "2");
    assert_eq!(out["file"], "people.decisions.csv");
    let href = out["href"].as_str().unwrap();
    let csv = percent_decode(href.strip_prefix("data:text/csv;charset=utf-8,").unwrap());
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "left_key,right_key,left_record,right_record,probability,decision"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[1].ends_with(",same") && lines[2].ends_with(",different"),
        "{csv}"
    );
    let pair = |line: &str| -> (String, String) {
        let f: Vec<&str> = line.split(',').collect();
        (f[0].to_owned(), f[1].to_owned())
    };
    let (same, different) = (pair(lines[1]), pair(lines[2]));

    // given back: the groups change as decided
    w.write("people.decisions.csv", csv.as_bytes());
    let mut again: Vec<String> = args("again");
    again.extend(["--decisions".to_owned(), "people.decisions.csv".to_owned()]);
    w.run(&again.iter().map(String::as_str).collect::<Vec<_>>())
        .ok();
    let groups = crate::util::records(&w.read("again/people.groups.csv"), b',');
    let id = groups[0].iter().position(|c| c == "id").unwrap();
    let group = |key: &str| {
        groups[1..]
            .iter()
            .find(|r| r[id] == key)
            .map(|r| r[0].clone())
    };
    assert!(group(&same.0).is_some() && group(&same.0) == group(&same.1));
    assert!(group(&different.0).is_none() || group(&different.0) != group(&different.1));

    // the queue, for people to look at
    let shot = screenshots().join("report-review.png");
    let _ = std::fs::remove_file(&shot);
    let queue_only = html.replacen(
        "<h1>",
        "<style>body>*:not(.queue):not(#review){display:none}</style><h1>",
        1,
    );
    w.write("out/queue.html", queue_only.as_bytes());
    browse(
        &w,
        chromium,
        &[
            "--window-size=1280,900",
            &format!("--screenshot={}", shot.display()),
        ],
        &format!("file://{}", w.path("out/queue.html").display()),
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
}

/// A 100,000-row run's page opens in the browser quickly: a sample of the groups, never every
/// row, and the page stays small.
#[test]
fn a_100k_row_run_has_a_small_page_that_opens() {
    let Some(chromium) = chromium() else {
        return;
    };
    let w = Workdir::new();
    let mut data = String::from("id,name,email,city\n");
    for i in 0..100_000u32 {
        // every tenth record repeats the one before it (a new id)
        let n = if i % 10 == 9 { i - 1 } else { i };
        data.push_str(&format!(
            "{i},Name {n},user{n}@example.org,City {}\n",
            n % 97
        ));
    }
    w.write("big.csv", data.as_bytes());
    w.run(&["clean", "big.csv", "--pk", "id", "--out", "out"])
        .ok();
    let html = w.read_str("out/report.html");
    assert!(html.len() < 1_000_000, "{} bytes", html.len());
    let page = format!("file://{}", w.path("out/report.html").display());
    let dom = browse(&w, chromium, &["--dump-dom"], &page);
    assert_eq!(dom.matches("<div class=\"group\" id=").count(), 100);
    assert!(dom.contains("<b class=\"shown\">100</b>"));
    assert!(dom.contains("100 of 10000 groups"), "the sample is said");
}

/// `dupsweep report OUT_DIR` rebuilds the page byte for byte from `report.json` (a fuzzy
/// table's run, an exact one through the streaming engine, a whole dump's), writing nothing
/// else; an input changed since the run, or a folder without a report, is refused.
#[test]
fn the_report_command_rebuilds_the_page() {
    let w = Workdir::new();
    let people = testdata("people/people.csv");
    let students = w.write(
        "students.csv",
        &std::fs::read(testdata("school/students.csv")).unwrap(),
    );
    let students = students.display().to_string();
    let config = testdata("school/dupsweep.toml");
    let runs: [&[&str]; 3] = [
        &[
            "clean",
            &people,
            "--pk",
            "id",
            "--ignore",
            "entity_id",
            "--fuzzy",
            "--out",
            "a",
        ],
        &["clean", &students, "--pk", "id", "--out", "b"],
        &["run", &config, "--out", "c"],
    ];
    for (args, dir) in runs.iter().zip(["a", "b", "c"]) {
        w.run(args).ok();
        let page = w.read(&format!("{dir}/report.html"));
        let others: Vec<(String, Vec<u8>)> = std::fs::read_dir(w.path(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.file_name().unwrap() != "report.html")
            .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
            .collect();
        std::fs::remove_file(w.path(&format!("{dir}/report.html"))).unwrap();
        let run = w.run(&["report", dir]).ok();
        assert!(run.stdout().contains("report.html"), "{}", run.stdout());
        assert!(
            w.read(&format!("{dir}/report.html")) == page,
            "{dir}: the page rebuilt is the page written"
        );
        for (p, data) in others {
            assert!(std::fs::read(&p).unwrap() == data, "{p} untouched");
        }
    }
    // the input changed since the run: refused, the page left as it was
    let mut changed = std::fs::read(&students).unwrap();
    changed.extend_from_slice(
        b"999,Zed,Zed,zed@school.example,2014-01-01,9,1.00,1,,2026-01-01 00:00:00\n",
    );
    std::fs::write(&students, changed).unwrap();
    let page = w.read("b/report.html");
    let run = w.run(&["report", "b"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("the input changed since the run"),
        "{}",
        run.stderr()
    );
    assert!(w.read("b/report.html") == page);
    // a dump run from its configuration's relative path, its page rebuilt from elsewhere
    std::fs::create_dir_all(w.path("school")).unwrap();
    for e in std::fs::read_dir(testdata("school")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(
            &p,
            w.path(&format!(
                "school/{}",
                p.file_name().unwrap().to_string_lossy()
            )),
        )
        .unwrap();
    }
    w.run(&["run", "school/dupsweep.toml", "--out", "d"]).ok();
    let page = w.read("d/report.html");
    std::fs::remove_file(w.path("d/report.html")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_dupsweep"))
        .arg("report")
        .arg(w.path("d"))
        .current_dir(w.path("school"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(w.read("d/report.html") == page);
    // not an output folder
    let run = w.run(&["report", "nowhere"]);
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("holds no report.json"),
        "{}",
        run.stderr()
    );
}

/// A whole dump with two fuzzy tables: each table's section has its own review queue; in the
/// browser the keys act on the queue last clicked; the decisions one saves, named in its
/// table's section of `dupsweep.toml`, change that table's groups.
#[test]
fn a_dump_page_has_a_review_queue_per_fuzzy_table() {
    let w = Workdir::new();
    std::fs::create_dir_all(w.path("dump")).unwrap();
    for f in ["people.csv", "contacts.csv"] {
        w.write(
            &format!("dump/{f}"),
            &std::fs::read(testdata(&format!("people/{f}"))).unwrap(),
        );
    }
    let config = "[tables.people]\nfile = \"people.csv\"\npk = [\"id\"]\nignore = [\"entity_id\"]\nfuzzy = true\n\n[tables.contacts]\nfile = \"contacts.csv\"\nfuzzy = true\n";
    w.write("dump/dupsweep.toml", config.as_bytes());
    w.run(&["run", "dump/dupsweep.toml", "--out", "out"]).ok();
    let html = w.read_str("out/report.html");
    assert_eq!(html.matches("<div class=\"queue\">").count(), 2);
    assert!(html.contains("<h2 id=\"t0-review\">") && html.contains("<h2 id=\"t1-review\">"));
    assert_eq!(
        html.matches("<script>").count(),
        2,
        "the two scripts, once each"
    );
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let name = |i: usize| report["tables"][i]["name"].as_str().unwrap().to_owned();
    if let Some(chromium) = chromium() {
        let driver = "<script>(function(){var qs=document.querySelectorAll('div.queue');\
function key(k){document.dispatchEvent(new KeyboardEvent('keydown',{key:k,bubbles:true}));}\
key('s');qs[1].querySelector('button[data-d=different]').click();key('s');\
var out=[].map.call(qs,function(q){return q.querySelector('a.download b').textContent;});\
var pre=document.createElement('pre');pre.id='driver';pre.setAttribute('data-out',JSON.stringify(out));\
document.body.appendChild(pre);})();</script>";
        w.write(
            "out/driven.html",
            html.replacen("</body>", &format!("{driver}</body>"), 1)
                .as_bytes(),
        );
        let page = format!("file://{}", w.path("out/driven.html").display());
        let dom = browse(&w, chromium, &["--dump-dom"], &page);
        assert_eq!(attribute(&dom, "driver", "data-out"), "[\"1\",\"2\"]");
    }
    // the people table's first pair to review, decided the same in its section
    let i = (0..2).find(|&i| name(i) == "people").unwrap();
    let queue = html
        .split(&format!("<h2 id=\"t{i}-review\">"))
        .nth(1)
        .unwrap();
    let first = queue.split("<div class=\"pair\"").nth(1).unwrap();
    let data = |k: &str| {
        let v = first.split(&format!("{k}=\"")).nth(1).unwrap();
        v[..v.find('"').unwrap()].to_owned()
    };
    w.write(
        "dump/people.decisions.csv",
        format!(
            "left_key,right_key,decision\n{},{},same\n",
            data("data-left-key"),
            data("data-right-key")
        )
        .as_bytes(),
    );
    let config = config.replace(
        "fuzzy = true\n\n",
        "fuzzy = true\ndecisions = \"people.decisions.csv\"\n\n",
    );
    w.write("dump/dupsweep.toml", config.as_bytes());
    w.run(&["run", "dump/dupsweep.toml", "--out", "again"]).ok();
    let again: serde_json::Value = serde_json::from_str(&w.read_str("again/report.json")).unwrap();
    let t = &again["tables"][i];
    assert_eq!(t["fuzzy"]["decisions"]["same"], 1, "{}", t["fuzzy"]);
    assert_eq!(
        t["rows_removed"].as_u64().unwrap(),
        report["tables"][i]["rows_removed"].as_u64().unwrap() + 1
    );
}
