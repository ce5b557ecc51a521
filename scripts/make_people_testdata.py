#!/usr/bin/env python3
"""Regenerates the fuzzy-matching fixtures in testdata/people/ (seeded, deterministic):

- people.csv: 1000 generated person records with labelled duplicates (scripts/gen_people.py,
  seed 7); `id` is the primary key, `entity_id` the ground truth.
- contacts.csv: a table without primary key: 200 generated records (seed 11) without the id
  and truth columns, plus identical copies of a few of them, shuffled.

The Parquet version of people.csv is made with
`cargo run --example csv_to_parquet -- testdata/people/people.csv testdata/people/people.parquet`.
"""
import csv
import io
import os
import random
import subprocess
import sys

here = os.path.dirname(os.path.abspath(__file__))
out = os.path.join(here, "..", "testdata", "people")
os.makedirs(out, exist_ok=True)
gen = os.path.join(here, "gen_people.py")
subprocess.run([sys.executable, gen, "--rows", "1000", "--seed", "7", "-q",
                "--out", os.path.join(out, "people.csv")], check=True)

tmp = os.path.join(out, ".contacts.tmp.csv")
subprocess.run([sys.executable, gen, "--rows", "200", "--seed", "11", "-q", "--out", tmp],
               check=True)
with open(tmp, newline="", encoding="utf-8") as f:
    rows = list(csv.reader(f))
os.remove(tmp)
header, body = rows[0][2:], [r[2:] for r in rows[1:]]
rng = random.Random(11)
copies = [list(body[i]) for i in rng.sample(range(len(body)), 6)]
copies.append(list(copies[0]))  # one record three times
body.extend(copies)
rng.shuffle(body)
buf = io.StringIO()
w = csv.writer(buf, lineterminator="\n")
w.writerow(header)
w.writerows(body)
with open(os.path.join(out, "contacts.csv"), "w", encoding="utf-8", newline="") as f:
    f.write(buf.getvalue())
print(f"wrote {out}/people.csv and contacts.csv ({len(body)} rows)")
