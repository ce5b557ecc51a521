//! criterion benchmarks, one group per stage, on data generated in-process from a seed:
//! CSV ingest (tokenizer and the whole reader), exact detection and SQL rendering on CSV and
//! Parquet, the streaming engines' key hashing, and the fuzzy kernels (normalisers, comparison
//! levels per column and packed, blocking keys and candidate pairs).
//!
//! `cargo bench --bench stages`

use std::fmt::Write;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use dupsweep::internals::tokenizer::{FieldSpan, Tokenizer};
use dupsweep::progress::Silent;
use dupsweep::{Command, Layer};

/// A students-like dump: `rows` records, 10% duplicates, quoted fields with commas, quotes and
/// newlines. Deterministic (xorshift seeded).
fn dump(rows: usize) -> Vec<u8> {
    let mut s = String::from("id,first_name,last_name,email,city,notes\n");
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for i in 0..rows {
        let base = if i % 10 == 9 {
            next() % (i as u64)
        } else {
            i as u64
        };
        let _ = writeln!(
            s,
            "{},Name{},\"Last, {}\",user{}@example.org,City{},\"said \"\"hi\"\"\nline {}\"",
            i + 1,
            base % 5000,
            base,
            base,
            base % 300,
            base % 7
        );
        let _ = next();
    }
    s.into_bytes()
}

fn ingest(c: &mut Criterion) {
    let mut g = c.benchmark_group("ingest");
    for rows in [10_000usize, 100_000] {
        let data = dump(rows);
        g.throughput(Throughput::Bytes(data.len() as u64));
        g.bench_with_input(BenchmarkId::new("tokenizer", rows), &data, |b, data| {
            let mut fields: Vec<FieldSpan> = Vec::new();
            b.iter(|| {
                let mut t = Tokenizer::new(data, b',');
                let mut n = 0usize;
                while let Ok(Some(_)) = t.next_record(&mut fields) {
                    n += fields.len();
                }
                n
            })
        });
    }
    g.finish();
}

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for (rows, format) in [(10_000usize, "csv"), (100_000, "csv"), (100_000, "parquet")] {
        let path = dir.path().join(format!("students{rows}.csv"));
        std::fs::write(&path, dump(rows)).unwrap();
        let path = if format == "parquet" {
            // the same records as a Parquet file (text columns), for its streaming engine
            let opts = dupsweep::internals::CsvOptions::default();
            let mut t = dupsweep::internals::read(&path, None, &opts, &Silent).unwrap();
            let pq = dir.path().join(format!("students{rows}.parquet"));
            let mut f = std::fs::File::create(&pq).unwrap();
            dupsweep::internals::write_parquet(&mut f, &mut t.df).unwrap();
            pq
        } else {
            path
        };
        g.throughput(Throughput::Elements(rows as u64));
        let id = |name: &str| BenchmarkId::new(format!("{name}_{format}"), rows);
        let layer = || Layer {
            input: Some(path.clone()),
            pk: Some(vec!["id".into()]),
            dialect: Some(vec!["postgres".into(), "mysql".into(), "sqlite".into()]),
            out: Some(dir.path().join("out")),
            ..Layer::default()
        };
        g.bench_function(id("scan"), |b| {
            let job = layer().resolve().unwrap();
            b.iter(|| {
                dupsweep::run(Command::Scan, &job, &Silent)
                    .unwrap()
                    .report
                    .groups
            })
        });
        g.bench_function(id("clean_all_outputs"), |b| {
            let job = layer().resolve().unwrap();
            b.iter(|| {
                dupsweep::run(Command::Clean, &job, &Silent)
                    .unwrap()
                    .report
                    .groups
            })
        });
    }
    g.finish();
}

/// Names and dates with typos, for the fuzzy kernels.
fn names(n: usize) -> Vec<(String, String)> {
    let first = [
        "Omar", "Léa", "Zoë", "James", "Mary", "Robert", "Chloé", "Sanjay", "Aiko",
    ];
    let last = [
        "Ben Amer", "Nakamura", "O'Brien", "Smith", "Haddad", "Dupont", "Silva",
    ];
    (0..n)
        .map(|i| {
            let mut f = first[i % first.len()].to_string();
            if i % 3 == 0 {
                f.push('e');
            }
            let l = format!("{}{}", last[(i / 7) % last.len()], i % 50);
            (f, l)
        })
        .collect()
}

fn fuzzy(c: &mut Criterion) {
    use dupsweep::internals::block::{candidate_pairs, Rule};
    use dupsweep::internals::compare::{levels_for, prepare, Comparison, Packed, Val};
    use dupsweep::internals::roles::Role;
    let mut g = c.benchmark_group("fuzzy");
    let data = names(10_000);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("fold_and_metaphone_10k", |b| {
        b.iter(|| {
            data.iter()
                .map(|(f, _)| dupsweep::internals::metaphone(&dupsweep::internals::fold(f)).len())
                .sum::<usize>()
        })
    });
    let vals: Vec<Option<&str>> = data.iter().map(|(_, l)| Some(l.as_str())).collect();
    let prepared = vec![prepare(Role::LastName, &vals)];
    let cmp = Comparison {
        column: "last".into(),
        columns: vec!["last".into()],
        column_index: 0,
        role: Role::LastName,
        levels: levels_for(Role::LastName, false, false),
        swap_with: None,
        term_frequency: false,
    };
    g.bench_function("name_levels_10k_pairs", |b| {
        b.iter(|| {
            (0..data.len())
                .map(|i| cmp.level(&prepared, 0, i, (i * 7 + 1) % data.len()) as usize)
                .sum::<usize>()
        })
    });
    // the compare step's path: every record's values packed side by side
    let both = vec![
        prepare(
            Role::FirstName,
            &data
                .iter()
                .map(|(f, _)| Some(f.as_str()))
                .collect::<Vec<_>>(),
        ),
        prepare(Role::LastName, &vals),
    ];
    let packed = Packed::new(&both, data.len());
    let cmps: Vec<Comparison> = [Role::FirstName, Role::LastName]
        .into_iter()
        .map(|role| Comparison {
            role,
            levels: levels_for(role, false, false),
            ..cmp.clone()
        })
        .collect();
    g.bench_function("packed_name_levels_10k_pairs", |b| {
        let (mut va, mut vb) = ([Val::Missing; 2], [Val::Missing; 2]);
        b.iter(|| {
            let mut sum = 0usize;
            for i in 0..data.len() {
                packed.values(i, &mut va);
                packed.values((i * 7 + 1) % data.len(), &mut vb);
                for (c, cmp) in cmps.iter().enumerate() {
                    sum += cmp.level_of(va[c], vb[c], (None, None)) as usize;
                }
            }
            sum
        })
    });
    let cols = vec!["first".to_string(), "last".to_string()];
    let rule = Rule::parse("metaphone(first|last)", &cols).unwrap();
    let rows: Vec<usize> = (0..data.len()).collect();
    let text = |c: &str, i: usize| {
        Some(if c == "first" {
            data[i].0.as_str()
        } else {
            data[i].1.as_str()
        })
    };
    g.bench_function("blocking_keys_and_pairs_10k", |b| {
        b.iter(|| {
            let keys = rule.keys(&rows, &text);
            candidate_pairs(&[keys]).0.len()
        })
    });
    g.finish();
}

/// The streaming engines' key hashing: a value's hash, a record's key hash, the distinct-value
/// counter.
fn hashing(c: &mut Criterion) {
    use dupsweep::internals::hashed::{combine, value, DistinctCounter};
    let mut g = c.benchmark_group("hashing");
    let data = names(100_000);
    g.throughput(Throughput::Elements(data.len() as u64));
    g.bench_function("key_hash_and_count_100k", |b| {
        b.iter(|| {
            let mut counter = DistinctCounter::new(2, 64 << 20);
            let mut x = 0u64;
            for (f, l) in &data {
                let h = [value(Some(f.as_bytes())), value(Some(l.as_bytes()))];
                counter.add(0, h[0]).unwrap();
                counter.add(1, h[1]).unwrap();
                x ^= combine(&h);
            }
            (x, counter.finish().unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, ingest, pipeline, fuzzy, hashing);
criterion_main!(benches);
