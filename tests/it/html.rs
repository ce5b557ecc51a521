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

/// The page in a real browser: Chromium's DOM has the charts and the groups, the script's
/// filters work (set from the address), and a screenshot is saved under `target/` for people
/// to look at.
#[test]
fn the_page_renders_in_headless_chromium() {
    let Some(chromium) = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
    else {
        assert!(
            std::env::var_os("DUPSWEEP_REQUIRE_BROWSER").is_none(),
            "DUPSWEEP_REQUIRE_BROWSER is set and Chromium is not installed"
        );
        eprintln!("skipped: Chromium is not installed (scripts/test.sh installs it)");
        return;
    };
    let w = Workdir::new();
    let input = testdata("people/contacts.csv");
    clean(&w, &[&input, "--fuzzy"]);
    let page = format!("file://{}", w.path("out/report.html").display());
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
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
    let run = |extra: &[&str], page: &str| {
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
    };
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
    let hidden = |d: &str| d.matches("\" hidden=\"\">").count();
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
