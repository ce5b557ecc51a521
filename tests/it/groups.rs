//! `T.groups.csv` (`--groups`): every group's records, the survivor first, each removed record
//! with the score and reason of the removed file and the columns where it differs from the
//! survivor; the same in every engine.

use crate::util::{records, testdata, Workdir};

/// The file's records as (header, rows), read by the `csv` crate.
fn groups(w: &Workdir, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = records(&w.read(path), b',');
    let head = r.remove(0);
    (head, r)
}

#[test]
fn each_group_shows_its_survivor_first_and_what_its_copies_differ_in() {
    let w = Workdir::new();
    let input = testdata("school/students.csv");
    let run = w.run(&[
        "clean",
        &input,
        "--pk",
        "id",
        "--ignore",
        "updated_at",
        "--groups",
        "--out",
        "out",
    ]);
    run.ok();
    let (head, rows) = groups(&w, "out/students.groups.csv");
    assert_eq!(
        head[..6],
        [
            "dupsweep_group",
            "dupsweep_record",
            "dupsweep_status",
            "dupsweep_score",
            "dupsweep_differs",
            "id"
        ]
    );
    // 12 groups of 26 records: each group's survivor, then its 14 removed copies
    assert_eq!(rows.len(), 26);
    assert_eq!(rows.iter().filter(|r| r[2] == "kept").count(), 12);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (id, updated) = (col("id"), col("updated_at"));
    let mut survivor: Option<&Vec<String>> = None;
    for r in &rows {
        if r[2] == "kept" {
            assert!(r[3].is_empty() && r[4].is_empty(), "{r:?}");
            survivor = Some(r);
            continue;
        }
        let s = survivor.unwrap();
        assert_eq!(r[0], s[0], "a removed record follows its group's survivor");
        assert_eq!(r[3], "1", "an exact duplicate's score");
        // the key columns are equal; updated_at (ignored) is listed exactly when it differs
        let differs: Vec<&str> = r[4].split(", ").filter(|c| !c.is_empty()).collect();
        assert_eq!(
            differs.contains(&"updated_at"),
            r[updated] != s[updated],
            "{r:?}"
        );
        assert!(differs.iter().all(|c| *c == "updated_at"), "{r:?}");
    }
    // every removed record of the removed file is there, in the same group, with the same score
    let mut removed = records(&w.read("out/students.removed.csv"), b',');
    let rh = removed.remove(0);
    let rc = |name: &str| rh.iter().position(|h| h == name).unwrap();
    assert_eq!(removed.len(), 14);
    for r in &removed {
        let g = rows
            .iter()
            .find(|x| x[id] == r[rc("id")])
            .expect("each removed record is in the groups file");
        assert_eq!(
            (&g[0], &g[2]),
            (&r[rc("dupsweep_group")], &"removed".into())
        );
        assert_eq!(g[3], r[rc("dupsweep_score")]);
        let s = rows
            .iter()
            .find(|x| x[0] == g[0] && x[2] == "kept")
            .unwrap();
        assert_eq!(s[id], r[rc("dupsweep_survivor")]);
    }
    // the report lists the file
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let kinds: Vec<&str> = report["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"groups"), "{kinds:?}");
}

#[test]
fn fuzzy_groups_list_the_columns_their_copies_differ_in() {
    let w = Workdir::new();
    let input = testdata("people/contacts.csv");
    w.run(&["clean", &input, "--fuzzy", "--groups", "--out", "out"])
        .ok();
    let (head, rows) = groups(&w, "out/contacts.groups.csv");
    let removed = rows.iter().filter(|r| r[2] == "removed").count();
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    assert_eq!(removed as u64, report["rows_removed"].as_u64().unwrap());
    let mut survivor: Option<&Vec<String>> = None;
    for r in &rows {
        if r[2] == "kept" {
            survivor = Some(r);
            continue;
        }
        let s = survivor.unwrap();
        let p: f64 = r[3].parse().unwrap();
        assert!(p > 0.0 && p <= 1.0, "{r:?}");
        // dupsweep_differs names exactly the columns whose values differ
        let listed: Vec<&str> = r[4].split(", ").filter(|c| !c.is_empty()).collect();
        let differ: Vec<&str> = (5..head.len())
            .filter(|&c| r[c] != s[c])
            .map(|c| head[c].as_str())
            .collect();
        assert_eq!(listed, differ, "{r:?}");
    }
}

#[test]
fn a_whole_dump_writes_a_groups_file_per_table() {
    let w = Workdir::new();
    let config = testdata("school/dupsweep.toml");
    w.run(&["run", &config, "--groups", "--out", "out"]).ok();
    let (_, rows) = groups(&w, "out/students.groups.csv");
    let report: serde_json::Value = serde_json::from_str(&w.read_str("out/report.json")).unwrap();
    let students = report["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "students")
        .unwrap();
    let removed = rows.iter().filter(|r| r[2] == "removed").count() as u64;
    assert!(removed > 0);
    assert_eq!(removed, students["rows_removed"].as_u64().unwrap());
}
