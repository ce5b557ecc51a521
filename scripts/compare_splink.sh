#!/usr/bin/env bash
# Compare dupsweep's fuzzy matching with Splink 5 (DuckDB backend) on the same generated data:
# precision, recall and F1 against the ground truth, wall time and peak memory, side by side.
#
#   scripts/compare_splink.sh [SIZES...]        (default: 100000)
#
# For each size N it
#   - generates target/bench-data/people_N.csv with scripts/gen_people.py --rows N --seed 42
#     (kept and reused on later runs; delete it after changing the generator),
#   - runs scripts/splink_run.py on it in a throwaway venv
#     (${DUPSWEEP_BENCH_VENV:-target/bench-venv}, with splink==5.0.0 pip-installed on first use),
#   - builds dupsweep (cargo build --release --locked) and runs
#     target/release/dupsweep eval FILE --pk id --truth entity_id --fuzzy --json
#     (DUPSWEEP_BIN=path runs that binary instead, without building),
# both under GNU time (/usr/bin/time -v; Debian package "time", installed if missing) for the
# wall time and the peak resident memory, and prints a Markdown table. A failing tool gets a
# "failed" row and the others are still reported. Logs and raw outputs: target/bench-results/.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(100000); fi
for n in "${SIZES[@]}"; do
    case "$n" in ''|*[!0-9]*) echo "compare_splink: size must be a number of rows: $n" >&2; exit 2 ;; esac
done
VENV="${DUPSWEEP_BENCH_VENV:-target/bench-venv}"
DATA="$ROOT/target/bench-data"
OUT="$ROOT/target/bench-results"
mkdir -p "$DATA" "$OUT"

. scripts/bench_lib.sh
ensure_gnu_time compare_splink
# Splink venv ---------------------------------------------------------------------------------
ensure_venv compare_splink 'import sys, splink; sys.exit(splink.__version__ != "5.0.0")' "splink==5.0.0"

# dupsweep ------------------------------------------------------------------------------------
# DUPSWEEP_BIN=path uses that binary as is (no cargo build).
BUILD_OK=1
if [ -n "${DUPSWEEP_BIN:-}" ]; then
    DUPSWEEP="$DUPSWEEP_BIN"
else
    DUPSWEEP="$ROOT/target/release/dupsweep"
    echo "compare_splink: cargo build --release --locked" >&2
    if ! cargo build --release --locked >"$OUT/cargo-build.log" 2>&1; then
        BUILD_OK=0
        echo "compare_splink: cargo build failed, see $OUT/cargo-build.log" >&2
    fi
fi

# runs --------------------------------------------------------------------------------------
for n in "${SIZES[@]}"; do
    f="$DATA/people_$n.csv"
    if [ ! -s "$f" ]; then
        echo "compare_splink: generating $f" >&2
        python3 scripts/gen_people.py --rows "$n" --seed 42 --out "$f.part" && mv "$f.part" "$f" ||
            { echo "compare_splink: generating $f failed" >&2; rm -f "$f.part"; exit 1; }
    fi

    echo "compare_splink: splink on $n rows" >&2
    /usr/bin/time -v -o "$OUT/splink_$n.time" \
        "$VENV/bin/python" scripts/splink_run.py "$f" --truth entity_id --json \
        >"$OUT/splink_$n.json" 2>"$OUT/splink_$n.log"
    echo $? >"$OUT/splink_$n.rc"

    if [ "$BUILD_OK" = 1 ]; then
        echo "compare_splink: dupsweep on $n rows" >&2
        /usr/bin/time -v -o "$OUT/dupsweep_$n.time" \
            "$DUPSWEEP" eval "$f" --pk id --truth entity_id --fuzzy --json \
            >"$OUT/dupsweep_$n.json" 2>"$OUT/dupsweep_$n.log"
        echo $? >"$OUT/dupsweep_$n.rc"
    else
        : >"$OUT/dupsweep_$n.json"; : >"$OUT/dupsweep_$n.time"
        echo "build failed (see $OUT/cargo-build.log)" >"$OUT/dupsweep_$n.log"
        echo build >"$OUT/dupsweep_$n.rc"
    fi
done

# table ---------------------------------------------------------------------------------------
python3 - "$OUT" "${SIZES[@]}" <<'PY'
import json, re, sys

out, sizes = sys.argv[1], sys.argv[2:]


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def gnu_time(path):
    """(wall seconds, peak MB) from `/usr/bin/time -v` output."""
    text = read(path)
    wall = peak = None
    m = re.search(r"Elapsed \(wall clock\) time.*?:\s*(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)\s*$", text, re.M)
    if m:
        wall = int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", text)
    if m:
        peak = int(m.group(1)) / 1024
    return wall, peak


def result(tool, n):
    rc = read(f"{out}/{tool}_{n}.rc").strip()
    text = read(f"{out}/{tool}_{n}.json").strip()
    obj = None
    for line in reversed(text.splitlines()):  # the JSON object is the last thing printed
        line = line.strip()
        if line.startswith("{"):
            try:
                obj = json.loads(line)
                break
            except ValueError:
                pass
    if obj is None and text.startswith("{"):
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
    ok = rc == "0" and isinstance(obj, dict) and all(k in obj for k in ("precision", "recall", "f1"))
    wall, peak = gnu_time(f"{out}/{tool}_{n}.time")
    return ok, rc, obj, wall, peak


def f3(x):
    return "—" if x is None else f"{float(x):.3f}"


def f1d(x):
    return "—" if x is None else f"{x:.1f}"


rows = ["| size | tool | precision | recall | F1 | wall s | peak MB | wall ratio Splink/dupsweep |",
        "|---:|---|---:|---:|---:|---:|---:|---:|"]
notes = []
for n in sizes:
    s_ok, s_rc, s, s_wall, s_peak = result("splink", n)
    d_ok, d_rc, d, d_wall, d_peak = result("dupsweep", n)
    size = f"{int(n):,}"
    if s_ok:
        rows.append(f"| {size} | Splink 5.0.0 | {f3(s['precision'])} | {f3(s['recall'])} | "
                    f"{f3(s['f1'])} | {f1d(s_wall)} | {f1d(s_peak)} | |")
    else:
        rows.append(f"| {size} | Splink 5.0.0 | failed | | | {f1d(s_wall)} | {f1d(s_peak)} | |")
        notes.append(f"Splink failed on {n} rows (exit {s_rc or '?'}): see {out}/splink_{n}.log")
    if d_ok:
        ratio = f"{s_wall / d_wall:.1f}×" if (s_ok and s_wall and d_wall) else "—"
        rows.append(f"| {size} | dupsweep | {f3(d['precision'])} | {f3(d['recall'])} | "
                    f"{f3(d['f1'])} | {f1d(d_wall)} | {f1d(d_peak)} | {ratio} |")
    else:
        why = "build failed" if d_rc == "build" else f"exit {d_rc or '?'}"
        rows.append(f"| {size} | dupsweep | failed | | | {f1d(d_wall)} | {f1d(d_peak)} | |")
        notes.append(f"dupsweep failed on {n} rows ({why}): see {out}/dupsweep_{n}.log")
print("\n".join(rows))
for note in notes:
    print(f"\n{note}")
PY
