#!/usr/bin/env python3
"""Writes a students dump for the exact-duplicate benchmark (deterministic: seeded).

    python3 scripts/gen_bench.py --rows N --out FILE.csv [--seed S] [--dup-percent P]

10 columns (id, first_name, last_name, email, birth_date, grade, balance, active, notes,
updated_at); 10% (--dup-percent) of the rows are copies of an earlier row under a new, larger id (equal in every
column but id); `notes` holds quoted fields with commas, quotes and newlines; some NULLs
(unquoted empty) next to empty strings (""). Ids grow with the position in the file, so
"keep the smallest id" is "keep the first copy".
"""
import argparse
import random

FIRST = ["Omar", "Amina", "Lucas", "Zoë", "Chloé", "Hiroshi", "Ngozi", "Ana", "Liam", "Fatima",
         "Noah", "Mia", "Yusuf", "Elif", "O'Brien", "Sven", "Priya", "Mateo", "Léa", "Kofi"]
LAST = ["Ben Amer", "Dupont", "Smith", "García", "Müller", "Nakamura", "Okafor", "Kowalski",
        "D'Angelo", "Rossi", "Nguyen", "Jensen", "Silva", "Haddad", "Ivanova", "Chen"]
NOTES = ["", None, "likes maths, and art", 'said "hello"', "line one\nline two", "ok",
         "plain", "a, b, c", "tab\tin text", None]


def field(v):
    if v is None:
        return ""
    if v == "":
        return '""'
    if any(c in v for c in (",", '"', "\n", "\r")):
        return '"' + v.replace('"', '""') + '"'
    return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--dup-percent", type=int, default=10)
    a = ap.parse_args()
    r = random.Random(a.seed)
    n = a.rows
    dups = n * a.dup_percent // 100
    base = n - dups
    # positions (0-based, among all rows) that are copies, each of an earlier base row
    copy_at = set(r.sample(range(1, n), dups))
    rows_written = 0
    bases = []  # the encoded fields (without id) of base rows written so far
    with open(a.out, "w", encoding="utf-8", newline="") as f:
        f.write("id,first_name,last_name,email,birth_date,grade,balance,active,notes,updated_at\n")
        out = []
        for i in range(n):
            if i in copy_at and bases:
                rec = bases[r.randrange(len(bases))]
            else:
                fn = r.choice(FIRST)
                ln = r.choice(LAST)
                k = len(bases)
                email = None if k % 41 == 0 else f"{fn.lower()}.{k}@school.example"
                bd = f"20{r.randint(5, 14):02d}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
                rec = ",".join([
                    field(fn), field(ln), field(email), bd, str(r.randint(1, 12)),
                    f"{r.randint(0, 999)}.{r.randint(0, 99):02d}", r.choice(["0", "1"]),
                    field(r.choice(NOTES)),
                    f"2026-{r.randint(1, 9):02d}-{r.randint(10, 28)} {r.randint(10, 23)}:{r.randint(10, 59)}:00",
                ])
                bases.append(rec)
            out.append(f"{i + 1},{rec}\n")
            if len(out) >= 100000:
                f.write("".join(out))
                out.clear()
            rows_written += 1
        f.write("".join(out))
    _ = base


if __name__ == "__main__":
    main()
