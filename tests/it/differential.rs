//! Differential replay testing. Each seed makes a random table — column types, hostile values
//! and names, a primary key (one column or two) or none — and random options (key or ignored
//! columns, guard, keep rule, batch size, NULL marker, delimiter, quoting, BOM, line ends,
//! gzip, or Parquet with typed columns, engine), cleans it with dupsweep, and checks the outcome
//! against an oracle written from the rules documented in docs/, not from dupsweep's code:
//! - the cleaned and removed files, read back, hold exactly the oracle's kept and removed rows
//!   (the removed ones with their group and survivor), and both engines write the same bytes;
//! - on SQLite, PostgreSQL and MariaDB (typed columns, case-insensitive collations — an ICU
//!   one on PostgreSQL —, sometimes under hostile session settings): the change script leaves
//!   exactly the oracle's rows, a second run changes nothing, the undo script (twice) gives the
//!   dump back, the prevention script (from a Latin-1 client) succeeds after the cleanup and
//!   rejects a new duplicate, and a table edited since the dump (a value of a row in a group,
//!   letter case only included; a survivor deleted; an extra copy) stops the script with
//!   nothing changed.
//!
//! `DUPSWEEP_DIFF_SEEDS` (default 24) seeds from `DUPSWEEP_DIFF_START` (default 1);
//! `DUPSWEEP_DIFF_SERVERS` (default `sqlite,postgres,mysql`). `scripts/differential.sh` runs
//! thousands. A failure names its seed: `DUPSWEEP_DIFF_START=N DUPSWEEP_DIFF_SEEDS=1` repeats it.

use std::io::Write;
use std::path::Path;

use crate::replay::{Db, Server};
use crate::util::{files, report_of_any_engine, Workdir};

/// SplitMix64: small, seeded, the same on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<T: Copy>(&mut self, v: &[T]) -> T {
        v[self.below(v.len())]
    }
    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Int,
    BigInt,
    /// Text in a binary (case-sensitive) collation.
    Text,
    /// Text in a case-insensitive collation: ICU `und-u-ks-level2`, nondeterministic, on
    /// PostgreSQL; `utf8mb4_general_ci` on MariaDB; `NOCASE` on SQLite.
    TextCi,
    Decimal,
    Float,
    Date,
    Timestamp,
    /// Parquet only: a timestamp with a time zone (UTC instants).
    TimestampTz,
    Bool,
    Json,
}

impl Ty {
    fn sql(self, s: Server, in_pk: bool) -> &'static str {
        use Server::*;
        use Ty::*;
        match (self, s) {
            (Int, _) => "INTEGER",
            (BigInt, Sqlite) => "INTEGER",
            (BigInt, _) => "BIGINT",
            (Text, Postgres) if in_pk => "varchar(100)",
            (Text, Postgres) => "text",
            (TextCi, Postgres) if in_pk => "varchar(100) COLLATE dupsweep_ci",
            (TextCi, Postgres) => "text COLLATE dupsweep_ci",
            (Text, Mysql) if in_pk => "VARCHAR(100) COLLATE utf8mb4_bin",
            (Text, Mysql) => "TEXT COLLATE utf8mb4_bin",
            (TextCi, Mysql) if in_pk => "VARCHAR(100) COLLATE utf8mb4_general_ci",
            (TextCi, Mysql) => "TEXT COLLATE utf8mb4_general_ci",
            (Text, Sqlite) => "TEXT",
            (TextCi, Sqlite) => "TEXT COLLATE NOCASE",
            (Decimal, Sqlite) => "NUMERIC",
            (Decimal, _) => "DECIMAL(12,2)",
            (Float, Postgres) => "double precision",
            (Float, Mysql) => "DOUBLE",
            (Float, Sqlite) => "REAL",
            (Date, _) => "DATE",
            (Timestamp, Postgres) => "timestamp",
            (Timestamp, Mysql) => "DATETIME",
            (Timestamp, Sqlite) => "TIMESTAMP",
            (TimestampTz, Postgres) => "timestamptz",
            (TimestampTz, Mysql) => "DATETIME(6)",
            (TimestampTz, Sqlite) => "TIMESTAMP",
            (Bool, _) => "BOOLEAN",
            (Json, Postgres) => "json",
            (Json, Mysql) => "JSON",
            (Json, Sqlite) => "TEXT",
        }
    }
}

const TEXTS: &[&str] = &[
    "",
    "Zoë",
    "zoë",
    "ZOË",
    "zoe",
    "Straße",
    "STRASSE",
    "O'Brien",
    "say \"hi\"",
    "back\\slash",
    "'; DROP TABLE x; --",
    "two\nlines",
    "cr\r\nlf",
    "tab\there",
    "emoji 😀",
    "\\N",
    "NULL",
    " lead",
    "trail ",
    "50%_off",
    "$dupsweep$",
    "-0",
    "0",
    "e\u{301}",
    "é",
    "x",
];

/// A value of `ty` in its canonical text form (the form every server prints it in, so that a
/// dump made by any of them would hold it). `pg_only`: also values only PostgreSQL keeps apart
/// (SQLite and MariaDB store `-0` as `0`).
fn value(rng: &mut Rng, ty: Ty, pg_only: bool) -> String {
    let s: &str = match ty {
        Ty::Int => rng.pick(&[
            "0",
            "1",
            "-1",
            "7",
            "42",
            "-2147483648",
            "2147483647",
            "100",
        ]),
        Ty::BigInt => rng.pick(&[
            "9007199254740992",
            "9007199254740993",
            "9007199254740994",
            "-9007199254740993",
            "9223372036854775807",
            "1",
            "0",
        ]),
        Ty::Text | Ty::TextCi => {
            if rng.chance(0.03) {
                return "long Zoë ".repeat(70);
            }
            rng.pick(TEXTS)
        }
        Ty::Decimal => rng.pick(&["0.00", "15.00", "-3.50", "99999999.99", "0.01", "12.30"]),
        Ty::Float => {
            if pg_only && rng.chance(0.3) {
                "-0"
            } else {
                rng.pick(&["0", "1.5", "-2.25", "0.1", "100", "-7"])
            }
        }
        Ty::Date => rng.pick(&["2024-01-05", "1999-12-31", "2000-02-29", "1970-01-01"]),
        Ty::Timestamp | Ty::TimestampTz => rng.pick(&[
            "2024-01-05 10:00:00",
            "1999-12-31 23:59:59",
            "2024-01-05 10:00:01",
            "2000-02-29 12:30:00",
        ]),
        Ty::Bool => rng.pick(&["1", "0"]),
        Ty::Json => rng.pick(&[
            "{\"a\": 1}",
            "{\"a\":1}",
            "[1, 2]",
            "\"Zoë\"",
            "null",
            "{}",
            "{\"b\": [true, false]}",
        ]),
    };
    s.to_owned()
}

/// A primary-key value, unique in row `i` under every collation the tests use.
fn pk_value(ty: Ty, i: usize, part: usize, rng: &mut Rng) -> String {
    match (ty, part) {
        (Ty::Int, _) => (i as i64 * 3 - 10).to_string(),
        (Ty::BigInt, _) => (9_007_199_254_740_990i64 + i as i64).to_string(),
        // the NULL marker itself once: a key that must not read back as NULL
        (Ty::Text | Ty::TextCi, _) if i == 0 && rng.chance(0.5) => "\\N".into(),
        (Ty::Text | Ty::TextCi, _) => {
            let prefix = rng.pick(&["k", "K'", "ü", "k ", "k\"", "Zoë-"]);
            format!("{prefix}{i}")
        }
        _ => unreachable!("no primary key of type {ty:?}"),
    }
}

#[derive(Clone, Debug)]
struct Col {
    name: String,
    ty: Ty,
}

type Row = Vec<Option<String>>;

#[derive(Clone, Debug)]
enum Keep {
    First,
    Last,
    MostComplete,
    Min(usize),
    Max(usize),
}

#[derive(Clone, Debug)]
struct Csv {
    delimiter: u8,
    give_delimiter: bool,
    null_marker: bool,
    quote_all: bool,
    bom: bool,
    crlf: bool,
    gzip: bool,
}

#[derive(Clone, Debug)]
struct Case {
    seed: u64,
    table: String,
    cols: Vec<Col>,
    /// Primary-key columns, in key order.
    pk: Vec<usize>,
    rows: Vec<Row>,
    /// The duplicate key's columns, in the order dupsweep reports them.
    key: Vec<usize>,
    /// `--key` or `--ignore` as given (names), or nothing.
    key_arg: Option<(&'static str, Vec<usize>)>,
    keep: Keep,
    guard_key: bool,
    batch: Option<usize>,
    /// `None`: Parquet.
    csv: Option<Csv>,
    /// Parquet: the time zone of the `TimestampTz` columns.
    tz: &'static str,
    engine: &'static str,
    prevent: bool,
    hostile: bool,
    /// Values only PostgreSQL keeps apart: the other servers are not replayed.
    pg_only: bool,
    /// `--commit batch`: each batch commits on its own (a stop leaves the batches before it).
    commit_batch: bool,
}

const COL_NAMES: &[&str] = &[
    "name",
    "Näme",
    "my col",
    "we\"ird",
    "back`tick",
    "select",
    "order",
    "value",
    "email",
    "created_at",
    "n",
    "x y",
    "KEY",
    "group",
];

const TABLE_NAMES: &[&str] = &["t", "élèves", "my table", "ta\"ble", "order", "a`b"];

fn generate(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0x1234_5678);
    let parquet = rng.chance(0.2);
    let pg_only = rng.chance(0.2);
    // column names: distinct without regard to case; sometimes every name of SQLite's rowid
    let mut names: Vec<String> = Vec::new();
    if rng.chance(0.15) {
        names.extend(["rowid", "oid", "_rowid_"].map(String::from));
    }
    let pk_kind = rng.below(6); // 0, 1: none; 2: int; 3: bigint; 4: text; 5: two columns
    let pk_tys: Vec<Ty> = match pk_kind {
        0 | 1 => vec![],
        2 => vec![Ty::Int],
        3 => vec![Ty::BigInt],
        4 => vec![rng.pick(&[Ty::Text, Ty::TextCi])],
        _ => {
            if rng.chance(0.5) {
                vec![Ty::Int, Ty::BigInt]
            } else {
                vec![rng.pick(&[Ty::Text, Ty::TextCi]), Ty::Int]
            }
        }
    };
    let others = 1 + rng.below(4);
    let total = (pk_tys.len() + others).max(2).max(names.len());
    while names.len() < total {
        let n = if rng.chance(0.7) {
            rng.pick(COL_NAMES).to_string()
        } else {
            format!("c{}", names.len())
        };
        if !names.iter().any(|m| m.eq_ignore_ascii_case(&n)) {
            names.push(n);
        }
    }
    rng.shuffle(&mut names);
    let tys: Vec<Ty> = if parquet {
        vec![
            Ty::Int,
            Ty::BigInt,
            Ty::Text,
            Ty::TextCi,
            Ty::Float,
            Ty::Date,
            Ty::Timestamp,
            Ty::TimestampTz,
            Ty::Bool,
        ]
    } else {
        vec![
            Ty::Int,
            Ty::BigInt,
            Ty::Text,
            Ty::TextCi,
            Ty::Text,
            Ty::Decimal,
            Ty::Float,
            Ty::Date,
            Ty::Timestamp,
            Ty::Bool,
            Ty::Json,
        ]
    };
    let mut positions: Vec<usize> = (0..names.len()).collect();
    rng.shuffle(&mut positions);
    let pk: Vec<usize> = positions[..pk_tys.len()].to_vec();
    let cols: Vec<Col> = names
        .iter()
        .enumerate()
        .map(|(i, n)| Col {
            name: n.clone(),
            ty: match pk.iter().position(|&p| p == i) {
                Some(k) => pk_tys[k],
                None => rng.pick(&tys),
            },
        })
        .collect();
    let non_pk: Vec<usize> = (0..cols.len()).filter(|c| !pk.contains(c)).collect();

    // rows: random base rows, then copies of some of them (equal on the key, sometimes
    // different elsewhere), at random places; then the primary keys
    let mut rows: Vec<Row> = Vec::new();
    let base = 2 + rng.below(20);
    let fresh = |rng: &mut Rng, c: usize| -> Option<String> {
        if rng.chance(0.15) {
            None
        } else {
            Some(value(rng, cols[c].ty, pg_only))
        }
    };
    for _ in 0..base {
        rows.push((0..cols.len()).map(|c| fresh(&mut rng, c)).collect());
    }
    // the key
    let pool = if pk.is_empty() {
        (0..cols.len()).collect::<Vec<_>>()
    } else {
        non_pk.clone()
    };
    let (key, key_arg) = match rng.below(4) {
        0 | 1 => {
            let mut k = pool.clone();
            rng.shuffle(&mut k);
            k.truncate(1 + rng.below(k.len()));
            (k.clone(), Some(("--key", k)))
        }
        2 if pool.len() > 1 => {
            let mut ig = pool.clone();
            rng.shuffle(&mut ig);
            ig.truncate(1 + rng.below(pool.len() - 1));
            let k: Vec<usize> = pool.iter().copied().filter(|c| !ig.contains(c)).collect();
            (k, Some(("--ignore", ig)))
        }
        _ => (pool.clone(), None),
    };
    let copies = rng.below(base * 2);
    for _ in 0..copies {
        let mut r = rows[rng.below(rows.len())].clone();
        if rng.chance(0.5) {
            for (c, v) in r.iter_mut().enumerate() {
                if !key.contains(&c) && rng.chance(0.5) {
                    *v = fresh(&mut rng, c);
                }
            }
        }
        let at = rng.below(rows.len() + 1);
        rows.insert(at, r);
    }
    if !pk.is_empty() {
        let mut ids: Vec<usize> = (0..rows.len()).collect();
        rng.shuffle(&mut ids);
        for (r, id) in rows.iter_mut().zip(ids) {
            for (part, &c) in pk.iter().enumerate() {
                r[c] = Some(if pk.len() == 2 && part == 0 && cols[c].ty == Ty::Int {
                    // few values, so that the second column's values beyond 2^53 meet
                    ((id % 2) + 1).to_string()
                } else {
                    pk_value(cols[c].ty, id, part, &mut rng)
                });
            }
        }
    }
    let ints: Vec<usize> = (0..cols.len())
        .filter(|&c| matches!(cols[c].ty, Ty::Int | Ty::BigInt))
        .collect();
    let keep = match rng.below(5) {
        0 => Keep::First,
        1 => Keep::Last,
        2 => Keep::MostComplete,
        3 if !ints.is_empty() => Keep::Min(rng.pick(&ints)),
        4 if !ints.is_empty() => Keep::Max(rng.pick(&ints)),
        _ => Keep::First,
    };
    let csv = (!parquet).then(|| Csv {
        delimiter: rng.pick(b",;\t|"),
        give_delimiter: rng.chance(0.5),
        null_marker: rng.chance(0.3),
        quote_all: rng.chance(0.2),
        bom: rng.chance(0.2),
        crlf: rng.chance(0.3),
        gzip: rng.chance(0.15),
    });
    Case {
        seed,
        table: format!("{}_{seed}", rng.pick(TABLE_NAMES)),
        cols,
        pk,
        rows,
        key,
        key_arg,
        keep,
        guard_key: rng.chance(0.4),
        batch: rng.chance(0.7).then(|| 1 + rng.below(4)),
        csv,
        tz: rng.pick(&["UTC", "Europe/Paris"]),
        engine: rng.pick(&["auto", "stream", "memory"]),
        prevent: rng.chance(0.5),
        hostile: rng.chance(0.5),
        pg_only,
        // drawn last, so that the cases drawn before it stay as they were
        commit_batch: rng.chance(0.3),
    }
}

impl Case {
    fn describe(&self) -> String {
        let cols: Vec<String> = self
            .cols
            .iter()
            .enumerate()
            .map(|(i, c)| {
                format!(
                    "{:?} {:?}{}",
                    c.name,
                    c.ty,
                    if self.pk.contains(&i) { " (pk)" } else { "" }
                )
            })
            .collect();
        format!(
            "seed {}: table {:?}, {} rows, columns [{}], args {:?}, {}",
            self.seed,
            self.table,
            self.rows.len(),
            cols.join(", "),
            self.args("t.csv", "out", &[]),
            match &self.csv {
                Some(c) => format!("{c:?}"),
                None => format!("Parquet (time zone {})", self.tz),
            }
        )
    }

    fn names(&self, cols: &[usize]) -> String {
        cols.iter()
            .map(|&c| self.cols[c].name.clone())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn input_name(&self) -> &'static str {
        match &self.csv {
            None => "t.parquet",
            Some(c) if c.gzip => "t.csv.gz",
            Some(_) => "t.csv",
        }
    }

    /// The `clean` command's arguments (dialects not included).
    fn args(&self, input: &str, out: &str, extra: &[&str]) -> Vec<String> {
        let mut a: Vec<String> = vec![
            "clean".into(),
            input.into(),
            "--out".into(),
            out.into(),
            "--table".into(),
            self.table.clone(),
        ];
        if !self.pk.is_empty() {
            a.extend(["--pk".into(), self.names(&self.pk)]);
        }
        if let Some((flag, cols)) = &self.key_arg {
            a.extend([flag.to_string(), self.names(cols)]);
        }
        a.push("--keep".into());
        a.push(match &self.keep {
            Keep::First => "first".into(),
            Keep::Last => "last".into(),
            Keep::MostComplete => "most-complete".into(),
            Keep::Min(c) => format!("min:{}", self.cols[*c].name),
            Keep::Max(c) => format!("max:{}", self.cols[*c].name),
        });
        if self.guard_key {
            a.extend(["--guard".into(), "key".into()]);
        }
        if let Some(b) = self.batch {
            a.extend(["--batch-size".into(), b.to_string()]);
        }
        if self.commit_batch {
            a.extend(["--commit".into(), "batch".into()]);
        }
        if let Some(c) = &self.csv {
            if c.null_marker {
                a.extend(["--null".into(), "\\N".into()]);
            }
            if c.give_delimiter {
                a.push("--delimiter".into());
                a.push(match c.delimiter {
                    b'\t' => "tab".into(),
                    d => (d as char).to_string(),
                });
            }
        }
        if self.prevent {
            a.push("--prevent".into());
        }
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    }

    /// The input file's bytes.
    fn input(&self) -> Vec<u8> {
        match &self.csv {
            Some(c) => self.csv_bytes(c),
            None => self.parquet_bytes(),
        }
    }

    fn csv_bytes(&self, c: &Csv) -> Vec<u8> {
        let mut rng = Rng(self.seed ^ 0xC5C5);
        let d = c.delimiter as char;
        let nl = if c.crlf { "\r\n" } else { "\n" };
        let field = |rng: &mut Rng, v: Option<&str>| -> String {
            match v {
                None if c.null_marker && rng.chance(0.7) => "\\N".into(),
                None => String::new(),
                Some(v) => {
                    let needs = v.is_empty()
                        || (c.null_marker && v == "\\N")
                        || v.contains(d)
                        || v.contains('"')
                        || v.contains('\n')
                        || v.contains('\r');
                    if needs || c.quote_all || rng.chance(0.1) {
                        format!("\"{}\"", v.replace('"', "\"\""))
                    } else {
                        v.to_owned()
                    }
                }
            }
        };
        let mut out = String::new();
        if c.bom {
            out.push('\u{feff}');
        }
        let header: Vec<String> = self
            .cols
            .iter()
            .map(|col| field(&mut rng, Some(&col.name)))
            .collect();
        out.push_str(&header.join(&d.to_string()));
        out.push_str(nl);
        for r in &self.rows {
            let f: Vec<String> = r.iter().map(|v| field(&mut rng, v.as_deref())).collect();
            out.push_str(&f.join(&d.to_string()));
            out.push_str(nl);
        }
        if c.gzip {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(out.as_bytes()).unwrap();
            e.finish().unwrap()
        } else {
            out.into_bytes()
        }
    }

    fn frame(&self, rows: &[&Row]) -> polars::prelude::DataFrame {
        use polars::prelude::*;
        let mut columns = Vec::new();
        for (c, col) in self.cols.iter().enumerate() {
            let vals = rows.iter().map(|r| r[c].as_deref());
            let name: PlSmallStr = col.name.as_str().into();
            let s: Series = match col.ty {
                Ty::Int | Ty::BigInt => Series::new(
                    name,
                    vals.map(|v| v.map(|v| v.parse::<i64>().unwrap()))
                        .collect::<Vec<_>>(),
                ),
                Ty::Text | Ty::TextCi => Series::new(name, vals.collect::<Vec<_>>()),
                Ty::Float => Series::new(
                    name,
                    vals.map(|v| v.map(|v| v.parse::<f64>().unwrap()))
                        .collect::<Vec<_>>(),
                ),
                Ty::Bool => {
                    Series::new(name, vals.map(|v| v.map(|v| v == "1")).collect::<Vec<_>>())
                }
                Ty::Date => Series::new(
                    name,
                    vals.map(|v| {
                        v.map(|v| {
                            let d = chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").unwrap();
                            (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
                                as i32
                        })
                    })
                    .collect::<Vec<_>>(),
                )
                .cast(&DataType::Date)
                .unwrap(),
                Ty::Timestamp | Ty::TimestampTz => {
                    let micros: Vec<Option<i64>> = vals
                        .map(|v| {
                            v.map(|v| {
                                chrono::NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M:%S")
                                    .unwrap()
                                    .and_utc()
                                    .timestamp_micros()
                            })
                        })
                        .collect();
                    let tz = (col.ty == Ty::TimestampTz)
                        .then(|| TimeZone::opt_try_new(Some(self.tz)).unwrap().unwrap());
                    Int64Chunked::new(name, &micros)
                        .into_datetime(TimeUnit::Microseconds, tz)
                        .into_series()
                }
                Ty::Decimal | Ty::Json => unreachable!("not in Parquet cases"),
            };
            columns.push(s.into_column());
        }
        DataFrame::new(rows.len(), columns).unwrap()
    }

    fn parquet_bytes(&self) -> Vec<u8> {
        use polars::prelude::*;
        let mut df = self.frame(&self.rows.iter().collect::<Vec<_>>());
        let mut out = Vec::new();
        ParquetWriter::new(&mut out)
            .with_row_group_size(Some(1 + self.seed as usize % 7))
            .finish(&mut df)
            .unwrap();
        out
    }
}

/// What must go: per removed row, its group's first row and its survivor.
struct Oracle {
    kept: Vec<bool>,
    /// (row, group's first row, survivor), in file order.
    removed: Vec<(usize, usize, usize)>,
}

impl Oracle {
    /// The rows that stay, in file order.
    fn kept_rows<'c>(&self, case: &'c Case) -> Vec<&'c Row> {
        case.rows
            .iter()
            .zip(&self.kept)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r)
            .collect()
    }
}

fn oracle(case: &Case) -> Oracle {
    // the key's values: exact text; Parquet floats by value (-0.0 = 0.0, as Polars groups)
    let key_of = |r: &Row| -> Vec<Option<String>> {
        case.key
            .iter()
            .map(|&c| {
                let v = r[c].clone();
                match (&case.csv, case.cols[c].ty, v.as_deref()) {
                    (None, Ty::Float, Some(x)) if x.parse::<f64>().unwrap() == 0.0 => {
                        Some("0".into())
                    }
                    _ => v,
                }
            })
            .collect()
    };
    let mut groups: Vec<(Vec<Option<String>>, Vec<usize>)> = Vec::new();
    for (i, r) in case.rows.iter().enumerate() {
        let k = key_of(r);
        match groups.iter_mut().find(|g| g.0 == k) {
            Some(g) => g.1.push(i),
            None => groups.push((k, vec![i])),
        }
    }
    let missing = |r: &Row| {
        r.iter()
            .filter(|v| v.as_deref().is_none_or(str::is_empty))
            .count()
    };
    let mut kept = vec![true; case.rows.len()];
    let mut removed = Vec::new();
    for (_, members) in groups.iter().filter(|g| g.1.len() > 1) {
        let num = |i: usize, c: usize| {
            case.rows[i][c]
                .as_deref()
                .map(|v| v.parse::<i128>().unwrap())
        };
        let survivor = match &case.keep {
            Keep::First => members[0],
            Keep::Last => *members.last().unwrap(),
            Keep::MostComplete => {
                // fewest missing values; ties to the earliest
                let best = members
                    .iter()
                    .map(|&i| missing(&case.rows[i]))
                    .min()
                    .unwrap();
                *members
                    .iter()
                    .find(|&&i| missing(&case.rows[i]) == best)
                    .unwrap()
            }
            Keep::Min(c) | Keep::Max(c) => {
                let max = matches!(case.keep, Keep::Max(_));
                let mut best: Option<(i128, usize)> = None;
                for &i in members {
                    if let Some(v) = num(i, *c) {
                        let better = match best {
                            None => true,
                            Some((b, _)) => (max && v > b) || (!max && v < b),
                        };
                        if better {
                            best = Some((v, i));
                        }
                    }
                }
                best.map_or(members[0], |b| b.1)
            }
        };
        for &m in members {
            if m != survivor {
                kept[m] = false;
                removed.push((m, members[0], survivor));
            }
        }
    }
    removed.sort_unstable();
    Oracle { kept, removed }
}

/// A CSV file's records, each field with whether it was quoted (the `csv` crate does not say,
/// and NULL is an unquoted empty field or marker).
fn parse_csv(data: &[u8], delimiter: u8) -> Vec<Vec<(String, bool)>> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let text = std::str::from_utf8(data).expect("UTF-8 output");
    let d = delimiter as char;
    let mut records = Vec::new();
    let mut record: Vec<(String, bool)> = Vec::new();
    let (mut field, mut quoted, mut in_quotes, mut started) = (String::new(), false, false, false);
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_quotes {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_quotes = false;
                }
            } else {
                field.push(ch);
            }
            continue;
        }
        match ch {
            '"' if field.is_empty() && !quoted => {
                quoted = true;
                in_quotes = true;
                started = true;
            }
            c if c == d => {
                record.push((std::mem::take(&mut field), quoted));
                quoted = false;
                started = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if started || !field.is_empty() || !record.is_empty() {
                    record.push((std::mem::take(&mut field), quoted));
                    records.push(std::mem::take(&mut record));
                }
                quoted = false;
                started = false;
            }
            c => {
                field.push(c);
                started = true;
            }
        }
    }
    if started || !field.is_empty() || !record.is_empty() {
        record.push((field, quoted));
        records.push(record);
    }
    records
}

type Check = Result<(), String>;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)*) => {
        if !$cond {
            return Err(format!($($msg)*));
        }
    };
}

/// The cleaned and removed files read back hold the oracle's rows.
fn check_outputs(case: &Case, o: &Oracle, out: &Path) -> Check {
    match &case.csv {
        Some(c) => check_csv_outputs(case, c, o, out),
        None => check_parquet_outputs(case, o, out),
    }
}

fn check_csv_outputs(case: &Case, c: &Csv, o: &Oracle, out: &Path) -> Check {
    let read = |name: &str| {
        std::fs::read(out.join(dupsweep::internals::Outputs::file_name(
            &case.table,
            &format!("{name}.csv"),
        )))
        .map_err(|e| format!("{name}: {e}"))
    };
    let value = |(v, quoted): &(String, bool)| -> Option<String> {
        if !quoted && (v.is_empty() || (c.null_marker && v == "\\N")) {
            None
        } else {
            Some(v.clone())
        }
    };
    let names: Vec<Option<String>> = case.cols.iter().map(|c| Some(c.name.clone())).collect();
    let cleaned = parse_csv(&read("cleaned")?, c.delimiter);
    let rows: Vec<Row> = cleaned
        .iter()
        .map(|r| r.iter().map(value).collect())
        .collect();
    ensure!(
        rows.first() == Some(&names),
        "cleaned header: {:?}",
        rows.first()
    );
    let want: Vec<&Row> = o.kept_rows(case);
    ensure!(
        rows[1..].iter().collect::<Vec<_>>() == want,
        "the cleaned file holds other rows than the oracle's:\n got {:?}\nwant {want:?}",
        &rows[1..]
    );
    let removed = parse_csv(&read("removed")?, c.delimiter);
    let n = case.cols.len();
    ensure!(
        removed.len() == o.removed.len() + 1,
        "removed file: {} records, the oracle removes {}",
        removed.len() - 1,
        o.removed.len()
    );
    for (rec, &(row, group, survivor)) in removed[1..].iter().zip(&o.removed) {
        let vals: Row = rec.iter().map(value).collect();
        ensure!(
            vals.len() == n + 4,
            "removed record of {} fields",
            vals.len()
        );
        ensure!(
            vals[..n] == case.rows[row][..],
            "removed record {:?}, the oracle removes {:?}",
            &vals[..n],
            case.rows[row]
        );
        ensure!(
            vals[n] == Some((group + 1).to_string()),
            "record {}: group {:?}, expected {}",
            row + 1,
            vals[n],
            group + 1
        );
        let want = survivor_text(case, survivor);
        ensure!(
            vals[n + 1].as_deref() == Some(want.as_str()),
            "record {}: survivor {:?} read back, expected {want:?}",
            row + 1,
            vals[n + 1]
        );
        ensure!(
            vals[n + 2].as_deref() == Some("1"),
            "score {:?}",
            vals[n + 2]
        );
        let reason = format!("exact:{}", case.names(&case.key));
        ensure!(
            vals[n + 3].as_deref() == Some(reason.as_str()),
            "reason {:?}, expected {reason:?}",
            vals[n + 3]
        );
    }
    Ok(())
}

/// The survivor's key as the removed file writes it.
fn survivor_text(case: &Case, survivor: usize) -> String {
    let r = &case.rows[survivor];
    match case.pk.len() {
        0 => (survivor + 1).to_string(),
        1 => r[case.pk[0]].clone().unwrap(),
        _ => serde_json::to_string(
            &case
                .pk
                .iter()
                .map(|&c| r[c].clone().unwrap())
                .collect::<Vec<_>>(),
        )
        .unwrap(),
    }
}

fn check_parquet_outputs(case: &Case, o: &Oracle, out: &Path) -> Check {
    use polars::prelude::*;
    let read = |name: &str| -> Result<DataFrame, String> {
        let f = std::fs::File::open(out.join(dupsweep::internals::Outputs::file_name(
            &case.table,
            &format!("{name}.parquet"),
        )))
        .map_err(|e| format!("{name}: {e}"))?;
        ParquetReader::new(f).finish().map_err(|e| e.to_string())
    };
    let kept: Vec<&Row> = o.kept_rows(case);
    let cleaned = read("cleaned")?;
    ensure!(
        cleaned.equals_missing(&case.frame(&kept)),
        "the cleaned file holds other rows than the oracle's:\n{cleaned}\n{}",
        case.frame(&kept)
    );
    let removed = read("removed")?;
    let gone: Vec<&Row> = o.removed.iter().map(|r| &case.rows[r.0]).collect();
    let names: Vec<PlSmallStr> = case.cols.iter().map(|c| c.name.as_str().into()).collect();
    let original = removed.select(names).map_err(|e| e.to_string())?;
    ensure!(
        original.equals_missing(&case.frame(&gone)),
        "the removed file holds other rows than the oracle's:\n{original}"
    );
    let groups = removed
        .column("dupsweep_group")
        .map_err(|e| e.to_string())?;
    let survivors = removed
        .column("dupsweep_survivor")
        .map_err(|e| e.to_string())?;
    for (i, &(row, group, survivor)) in o.removed.iter().enumerate() {
        let g = groups.get(i).map_err(|e| e.to_string())?.to_string();
        ensure!(
            g == (group + 1).to_string(),
            "record {}: group {g}",
            row + 1
        );
        let s = survivors.str().map_err(|e| e.to_string())?.get(i);
        let want = survivor_text(case, survivor);
        ensure!(
            s == Some(want.as_str()),
            "record {}: survivor {s:?}, expected {want:?}",
            row + 1
        );
    }
    Ok(())
}

/// Runs dupsweep on the case with every dialect; checks its outputs and that the other
/// engine writes the same bytes.
fn clean(case: &Case, w: &Workdir, o: &Oracle) -> Check {
    let input = case.input_name();
    let data = case.input();
    let dialects = [
        "--dialect",
        "postgres",
        "--dialect",
        "mysql",
        "--dialect",
        "sqlite",
    ];
    let other = Workdir::new();
    let mut runs = Vec::new();
    for (w, engine) in [(w, case.engine), (&other, "memory")] {
        w.write(input, &data);
        let mut extra = dialects.to_vec();
        extra.extend(["--engine", engine]);
        let args = case.args(input, "out", &extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = w.run(&args);
        ensure!(
            run.code() == 0,
            "dupsweep exited {} ({engine} engine): {}",
            run.code(),
            run.stderr()
        );
        runs.push(w.path("out"));
    }
    check_outputs(case, o, &runs[0])?;
    let strip = |dir: &Path| {
        files(dir)
            .into_iter()
            .filter(|(n, _)| n != "history.jsonl")
            .map(|(n, b)| {
                if n == "report.json" {
                    (n, report_of_any_engine(&b).to_string().into_bytes())
                } else if n == "report.html" {
                    (n, crate::util::html_without_volatile(&b))
                } else {
                    (n, b)
                }
            })
            .collect::<Vec<_>>()
    };
    let (a, b) = (strip(&runs[0]), strip(&runs[1]));
    for ((na, ba), (nb, bb)) in a.iter().zip(&b) {
        ensure!(
            na == nb && ba == bb,
            "the {} and memory engines wrote different {na}",
            case.engine
        );
    }
    ensure!(a.len() == b.len(), "the engines wrote different files");
    Ok(())
}

// ---- the servers ----

fn quote(s: Server, name: &str) -> String {
    match s {
        Server::Mysql => format!("`{}`", name.replace('`', "``")),
        _ => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// How a value is stored on `s` (the form its own dump would print), as a literal.
fn literal(case: &Case, s: Server, c: usize, v: Option<&str>) -> String {
    let Some(v) = v else {
        return "NULL".into();
    };
    let v = match (case.cols[c].ty, s) {
        (Ty::TimestampTz, Server::Postgres) => format!("{v}+00"),
        // Parquet timestamps, as dupsweep writes them for SQLite (text)
        (Ty::Timestamp, Server::Sqlite) if case.csv.is_none() => format!("{v}.000000"),
        (Ty::TimestampTz, Server::Sqlite) => format!("{v}.000000+00:00"),
        _ => v.to_owned(),
    };
    let hex = dupsweep::internals::hex(v.as_bytes());
    match s {
        Server::Postgres => format!("'{}'", v.replace('\'', "''")),
        Server::Mysql => format!("_utf8mb4 X'{hex}'"),
        Server::Sqlite => format!("CAST(X'{hex}' AS TEXT)"),
    }
}

/// True when column `c` holds exactly `v` (`WHERE` of the tests' own edits).
fn same(case: &Case, s: Server, c: usize, v: Option<&str>) -> String {
    let q = quote(s, &case.cols[c].name);
    let ty = case.cols[c].ty;
    let Some(_) = v else {
        return format!("{q} IS NULL");
    };
    let lit = literal(case, s, c, v);
    match (s, ty) {
        (Server::Postgres, Ty::Text | Ty::TextCi | Ty::Json | Ty::Float) => {
            format!("{q}::text = {lit} COLLATE \"C\"")
        }
        (Server::Mysql, Ty::Timestamp | Ty::TimestampTz) => format!("{q} = {lit}"),
        (Server::Mysql, _) => format!(
            "CAST(CONVERT({q} USING utf8mb4) AS BINARY) = X'{}'",
            dupsweep::internals::hex(v.unwrap().as_bytes())
        ),
        (Server::Sqlite, _) => format!("{q} = {lit} COLLATE BINARY"),
        _ => format!("{q} = {lit}"),
    }
}

fn row_is(case: &Case, s: Server, r: &Row) -> String {
    let cols: Vec<usize> = if case.pk.is_empty() {
        (0..case.cols.len()).collect()
    } else {
        case.pk.clone()
    };
    cols.iter()
        .map(|&c| same(case, s, c, r[c].as_deref()))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn create(case: &Case, s: Server, table: &str, rows: &[&Row]) -> String {
    let mut defs: Vec<String> = case
        .cols
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "{} {}",
                quote(s, &c.name),
                c.ty.sql(s, case.pk.contains(&i))
            )
        })
        .collect();
    if !case.pk.is_empty() {
        let pk: Vec<String> = case
            .pk
            .iter()
            .map(|&c| quote(s, &case.cols[c].name))
            .collect();
        defs.push(format!("PRIMARY KEY ({})", pk.join(", ")));
    }
    let t = quote(s, table);
    let mut sql = String::new();
    if s == Server::Mysql {
        sql.push_str("SET NAMES utf8mb4; SET SESSION sql_mode = 'STRICT_ALL_TABLES';\n");
    }
    sql.push_str(&format!("DROP TABLE IF EXISTS {t};\n"));
    sql.push_str(&format!(
        "CREATE TABLE {t} ({}){};\n",
        defs.join(", "),
        if s == Server::Mysql {
            " ENGINE=InnoDB"
        } else {
            ""
        }
    ));
    for r in rows {
        sql.push_str(&insert(case, s, table, r));
    }
    sql
}

fn insert(case: &Case, s: Server, table: &str, r: &Row) -> String {
    let vals: Vec<String> = (0..case.cols.len())
        .map(|c| literal(case, s, c, r[c].as_deref()))
        .collect();
    format!(
        "INSERT INTO {} VALUES ({});\n",
        quote(s, table),
        vals.join(", ")
    )
}

/// The table's rows, sorted, each in a canonical text form.
fn contents(db: &Db, case: &Case, s: Server, table: &str) -> Result<Vec<String>, String> {
    let t = quote(s, table);
    let list: Vec<String> = case
        .cols
        .iter()
        .map(|c| {
            let q = quote(s, &c.name);
            match s {
                Server::Postgres => format!("coalesce(quote_literal({q}::text), 'NULL')"),
                Server::Mysql => {
                    format!("IFNULL(HEX(CAST(CONVERT({q} USING utf8mb4) AS BINARY)), 'NULL')")
                }
                Server::Sqlite => format!("hex(quote({q}))"),
            }
        })
        .collect();
    let sql = match s {
        Server::Mysql => format!("SELECT CONCAT_WS('|', {}) FROM {t};", list.join(", ")),
        _ => format!("SELECT {} FROM {t};", list.join(" || '|' || ")),
    };
    let sql = match s {
        Server::Postgres => format!(
            "SELECT encode(convert_to({}, 'UTF8'), 'hex') FROM {t};",
            list.join(" || '|' || ")
        ),
        _ => sql,
    };
    let out = db.query(&sql);
    ensure!(
        out.status.success(),
        "reading {table}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rows: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    rows.sort();
    Ok(rows)
}

fn exec(db: &Db, sql: &str) -> Check {
    let out = db.try_exec(sql);
    ensure!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        sql.chars().take(2000).collect::<String>()
    );
    Ok(())
}

fn script_ok(what: &str, out: &std::process::Output) -> Check {
    ensure!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
            .chars()
            .take(2000)
            .collect::<String>()
    );
    Ok(())
}

/// An edit of the live table after the dump that the change script must notice.
fn drift(case: &Case, o: &Oracle, s: Server, rng: &mut Rng) -> Option<String> {
    let t = quote(s, &case.table);
    let in_group: Vec<usize> = o.removed.iter().flat_map(|r| [r.0, r.2]).collect();
    if in_group.is_empty() {
        return None;
    }
    let keyless = case.pk.is_empty();
    // which columns the script guards: with a primary key, the other columns it compares
    let guarded: Vec<usize> = (0..case.cols.len())
        .filter(|c| keyless || (!case.pk.contains(c) && (!case.guard_key || case.key.contains(c))))
        .collect();
    let choice = rng.below(3);
    if choice == 0 && !keyless {
        // a survivor is gone
        let r = &case.rows[o.removed[rng.below(o.removed.len())].2];
        return Some(format!("DELETE FROM {t} WHERE {};", row_is(case, s, r)));
    }
    if choice == 1 && keyless {
        // one more copy of a group's row
        let r = &case.rows[rng.pick(&in_group)];
        return Some(insert(case, s, &case.table, r));
    }
    if guarded.is_empty() {
        return None;
    }
    // a value of a row in a group, changed (in letter case only where it can be); without a
    // key, a row whose copies all stay (so that no count can look like the cleaned one)
    let row = if keyless {
        let survivors: Vec<usize> = o
            .removed
            .iter()
            .map(|r| r.2)
            .filter(|&sv| {
                case.rows
                    .iter()
                    .enumerate()
                    .filter(|(i, r)| **r == case.rows[sv] && o.kept[*i])
                    .count()
                    == case.rows.iter().filter(|r| **r == case.rows[sv]).count()
            })
            .collect();
        if survivors.is_empty() {
            return Some(insert(
                case,
                s,
                &case.table,
                &case.rows[rng.pick(&in_group)],
            ));
        }
        rng.pick(&survivors)
    } else {
        rng.pick(&in_group)
    };
    let c = rng.pick(&guarded);
    let old = case.rows[row][c].clone();
    let ty = case.cols[c].ty;
    let new = match old.as_deref() {
        None => Some(value(rng, ty, false))
            .filter(|v| !v.is_empty())
            .or(Some("x".into())),
        Some(v) => Some(match ty {
            Ty::Text | Ty::TextCi => {
                let up = v.to_uppercase();
                let low = v.to_lowercase();
                if up != v {
                    up
                } else if low != v {
                    low
                } else {
                    format!("{v}x")
                }
            }
            Ty::Int | Ty::BigInt => {
                let n: i128 = v.parse().unwrap();
                if n > 0 { n - 1 } else { n + 1 }.to_string()
            }
            Ty::Decimal => if v == "1.00" { "2.00" } else { "1.00" }.into(),
            Ty::Float => match v {
                "-0" => "0".into(),
                "3.5" => "4.5".into(),
                _ => "3.5".into(),
            },
            Ty::Date => if v == "2011-11-11" {
                "2012-12-12"
            } else {
                "2011-11-11"
            }
            .into(),
            Ty::Timestamp | Ty::TimestampTz => if v == "2011-11-11 11:11:11" {
                "2012-12-12 12:12:12"
            } else {
                "2011-11-11 11:11:11"
            }
            .into(),
            Ty::Bool => if v == "1" { "0" } else { "1" }.into(),
            Ty::Json => "{\"changed\": 1}".into(),
        }),
    };
    let set = literal(case, s, c, new.as_deref());
    let q = quote(s, &case.cols[c].name);
    let which = row_is(case, s, &case.rows[row]);
    Some(match (s, keyless) {
        (Server::Postgres, true) => format!(
            "UPDATE {t} SET {q} = {set} WHERE ctid = (SELECT ctid FROM {t} WHERE {which} LIMIT 1);"
        ),
        (_, true) => format!("UPDATE {t} SET {q} = {set} WHERE {which} LIMIT 1;"),
        _ => format!("UPDATE {t} SET {q} = {set} WHERE {which};"),
    })
}

/// Replays the case's scripts on `s`.
fn replay(case: &Case, o: &Oracle, db: &Db, s: Server, w: &Workdir) -> Check {
    let mut rng = Rng(case.seed ^ 0xD1F7 ^ s as u64);
    let (t, e) = (case.table.as_str(), format!("dsx_{}", case.seed));
    let all: Vec<&Row> = case.rows.iter().collect();
    let kept = o.kept_rows(case);
    exec(
        db,
        &format!("{}{}", create(case, s, t, &all), create(case, s, &e, &kept)),
    )?;
    let before = contents(db, case, s, t)?;
    let expected = contents(db, case, s, &e)?;
    let d = s.dialect();
    let path = |kind: &str| {
        w.path(&format!(
            "out/{}",
            dupsweep::internals::Outputs::file_name(&case.table, &format!("{d}.{kind}"))
        ))
    };
    let change = if case.hostile {
        let prefix: &[u8] = match s {
            Server::Postgres => b"SET standard_conforming_strings = off;\nSET client_encoding = 'LATIN1';\nSET DateStyle = 'SQL, DMY';\nSET TimeZone = 'Asia/Kolkata';\nSET extra_float_digits = 3;\n",
            Server::Mysql => b"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT,IGNORE_SPACE';\nSET time_zone = '+05:30';\n",
            Server::Sqlite => b"PRAGMA case_sensitive_like = ON;\n",
        };
        let mut text = prefix.to_vec();
        text.extend(std::fs::read(path("sql")).unwrap());
        w.write(&format!("hostile-{d}.sql"), &text)
    } else {
        path("sql")
    };
    let undo = path("undo.sql");
    if s == Server::Postgres
        && case.pk.is_empty()
        && case.key.iter().any(|&c| case.cols[c].ty == Ty::Json)
        && !o.removed.is_empty()
    {
        // (docs/sql.md) a table without primary key is looked up by its key columns with `=`,
        // which json lacks: unless the group's json values are all NULL, the script stops at
        // once with the server's error
        let out = db.run_script(&change);
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            ensure!(
                err.contains("operator does not exist: json = unknown"),
                "a json key column without primary key: {err}"
            );
            // (with --commit batch, the batches before the failing group stay applied)
            ensure!(
                case.commit_batch || contents(db, case, s, t)? == before,
                "a failed script changed the table"
            );
            return exec(
                db,
                &format!(
                    "DROP TABLE IF EXISTS {};\nDROP TABLE IF EXISTS {};\n",
                    quote(s, t),
                    quote(s, &e)
                ),
            );
        }
    }
    for round in ["first", "second"] {
        script_ok(&format!("the {round} replay"), &db.run_script(&change))?;
        let now = contents(db, case, s, t)?;
        ensure!(
            now == expected,
            "after the {round} replay the table is not the cleaned one:\n got {now:?}\nwant {expected:?}"
        );
    }
    for round in ["first", "second"] {
        script_ok(&format!("the {round} undo"), &db.run_script(&undo))?;
        let now = contents(db, case, s, t)?;
        ensure!(
            now == before,
            "after the {round} undo the table is not the dump's:\n got {now:?}\nwant {before:?}"
        );
    }
    // PostgreSQL's unique index compares in the column's type and collation: values dupsweep
    // keeps apart (`Zoë` and `ZOË` in a case-insensitive collation, `-0` and `0` in a float
    // column) are one there (docs/sql.md), and json has no index
    let typed_key = s == Server::Postgres
        && case.key.iter().any(|&c| {
            matches!(case.cols[c].ty, Ty::TextCi | Ty::Json)
                || (case.pg_only && case.cols[c].ty == Ty::Float)
        });
    if case.prevent && !typed_key {
        script_ok(
            "the replay before the prevention DDL",
            &db.run_script(&change),
        )?;
        let prevent = path("prevent.sql");
        for round in ["first", "second"] {
            script_ok(
                &format!("the {round} prevention DDL"),
                &db.run_script_latin1(&prevent),
            )?;
        }
        if let Some(&(_, _, survivor)) = o.removed.first() {
            // a new copy of a survivor, with a primary key of its own
            let mut r = case.rows[survivor].clone();
            for (part, &c) in case.pk.iter().enumerate() {
                r[c] = Some(match case.cols[c].ty {
                    Ty::Int if part == 0 && case.pk.len() == 2 => "99".into(),
                    Ty::Int => "1000000".into(),
                    Ty::BigInt => "8000000000000000001".into(),
                    _ => "new key".into(),
                });
            }
            let out = db.try_exec(&insert(case, s, t, &r));
            ensure!(
                !out.status.success(),
                "the prevention DDL let a new duplicate in"
            );
        }
    }
    // a table edited since the dump: the script stops and changes nothing
    if let Some(edit) = drift(case, o, s, &mut rng) {
        exec(db, &create(case, s, t, &all))?;
        exec(db, &edit)?;
        let edited = contents(db, case, s, t)?;
        let out = db.run_script(&change);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        ensure!(
            !out.status.success(),
            "the script ran on a table edited since the dump ({edit}): {}",
            if contents(db, case, s, t)? == edited {
                "nothing changed".to_string()
            } else {
                "ROWS WERE DELETED".to_string()
            }
        );
        ensure!(
            err.contains("changed since the dump"),
            "the script failed on the edited table, but not at a guard: {err}"
        );
        let now = contents(db, case, s, t)?;
        if case.commit_batch {
            // the batches before the stop stay applied: every row gone must be one the
            // cleaning removes, with its dumped values
            let mut removable = before.clone();
            for row in &expected {
                if let Some(i) = removable.iter().position(|r| r == row) {
                    removable.remove(i);
                }
            }
            let mut gone = edited.clone();
            for row in &now {
                let i = gone.iter().position(|r| r == row);
                ensure!(i.is_some(), "a failed script added or changed a row: {row}");
                gone.remove(i.unwrap_or_default());
            }
            for row in &gone {
                let i = removable.iter().position(|r| r == row);
                ensure!(
                    i.is_some(),
                    "a stopped --commit batch script deleted a row the cleaning keeps: {row}"
                );
                removable.remove(i.unwrap_or_default());
            }
        } else {
            ensure!(now == edited, "a failed script changed the table");
        }
    }
    exec(
        db,
        &format!(
            "DROP TABLE IF EXISTS {};\nDROP TABLE IF EXISTS {};\n",
            quote(s, t),
            quote(s, &e)
        ),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    let _ = std::fs::create_dir_all(to);
    for e in std::fs::read_dir(from).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            let _ = std::fs::copy(&p, to.join(e.file_name()));
        }
    }
}

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn differential_replay_on_every_server() {
    let start = env_num("DUPSWEEP_DIFF_START", 1);
    let seeds = env_num("DUPSWEEP_DIFF_SEEDS", 24);
    let wanted =
        std::env::var("DUPSWEEP_DIFF_SERVERS").unwrap_or_else(|_| "sqlite,postgres,mysql".into());
    let mut dbs: Vec<(Server, Db)> = Vec::new();
    for (name, s) in [
        ("sqlite", Server::Sqlite),
        ("postgres", Server::Postgres),
        ("mysql", Server::Mysql),
    ] {
        if wanted.split(',').any(|w| w.trim() == name) {
            if let Some(db) = Db::create(s) {
                if s == Server::Postgres {
                    db.exec("CREATE COLLATION IF NOT EXISTS dupsweep_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);");
                }
                dbs.push((s, db));
            }
        }
    }
    let mut failures: Vec<String> = Vec::new();
    for seed in start..start + seeds {
        let case = generate(seed);
        let o = oracle(&case);
        let w = Workdir::new();
        let before = failures.len();
        if let Err(e) = clean(&case, &w, &o) {
            failures.push(format!("{}\n  outputs: {e}", case.describe()));
        } else {
            for (s, db) in &dbs {
                if case.pg_only && *s != Server::Postgres {
                    continue;
                }
                if let Err(e) = replay(&case, &o, db, *s, &w) {
                    failures.push(format!("{}\n  {s:?}: {e}", case.describe()));
                    let _ =
                        db.try_exec(&format!("DROP TABLE IF EXISTS {};", quote(*s, &case.table)));
                }
            }
        }
        if failures.len() > before {
            // the seed's files, to look at
            let keep = Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join("differential")
                .join(format!("seed-{seed}"));
            let _ = std::fs::remove_dir_all(&keep);
            copy_dir(w.dir.path(), &keep);
        }
        if seeds >= 100 && (seed - start + 1).is_multiple_of(100) {
            eprintln!(
                "differential: {} seeds, {} failures",
                seed - start + 1,
                failures.len()
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures in {seeds} seeds (files kept in {}/differential; repeat a seed with DUPSWEEP_DIFF_START=N DUPSWEEP_DIFF_SEEDS=1):\n\n{}",
        failures.len(),
        env!("CARGO_TARGET_TMPDIR"),
        failures.join("\n\n")
    );
}
