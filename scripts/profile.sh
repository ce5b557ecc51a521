#!/usr/bin/env bash
# Repeatable profile: instruction counts (valgrind's callgrind), which do not move with the
# host's load as wall times do. Runs bench.sh's job (clean --pk id --keep min:id --dialect
# postgres) on a generated students dump and prints the total instructions and the functions
# that execute most of them (inclusive and self), so that two commits can be compared.
#
#   scripts/profile.sh [ROWS] [FORMAT]      (default: 100000 csv; FORMAT csv or parquet)
#
# The dump: scripts/gen_bench.py --rows ROWS (kept in target/bench-data/; Parquet written by
# Python Polars from the throwaway venv, as bench.sh does). The callgrind output and the
# summary go to target/bench-results/profile-FORMAT-ROWS-TIMESTAMP.{out,txt}. Needs valgrind
# (Debian package valgrind; installed when missing, as root).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROWS="${1:-100000}"
FORMAT="${2:-csv}"
DATA="$ROOT/target/bench-data"
OUT="$ROOT/target/bench-results"
VENV="${DUPSWEEP_BENCH_VENV:-target/bench-venv}"
mkdir -p "$DATA" "$OUT"
. scripts/bench_lib.sh

ensure_tool profile valgrind valgrind
build_release profile profiling

csv="$DATA/students_$ROWS.csv"
if [ ! -s "$csv" ]; then
    echo "profile: generating $csv" >&2
    python3 scripts/gen_bench.py --rows "$ROWS" --out "$csv.tmp" && mv "$csv.tmp" "$csv"
fi
input=$csv
if [ "$FORMAT" = parquet ]; then
    input="$DATA/students_$ROWS.parquet"
    if [ ! -s "$input" ]; then
        ensure_venv profile 'import polars' polars
        echo "profile: writing $input" >&2
        "$VENV/bin/python" -c "import polars as pl, sys; pl.read_csv(sys.argv[1], infer_schema_length=0).write_parquet(sys.argv[2])" "$csv" "$input.tmp"
        mv "$input.tmp" "$input"
    fi
elif [ "$FORMAT" != csv ]; then
    echo "profile: FORMAT is csv or parquet" >&2
    exit 2
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
base="$OUT/profile-$FORMAT-$ROWS-$STAMP"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "profile: valgrind --tool=callgrind (about 50 times slower than a normal run)" >&2
valgrind --tool=callgrind --callgrind-out-file="$base.out" \
    "$DUPSWEEP" clean "$input" --pk id --keep min:id --dialect postgres --out "$dir/out" \
    >"$dir/log" 2>"$dir/valgrind.log" ||
    { cat "$dir/valgrind.log" >&2; exit 1; }
{
    echo "Commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)'); $(date -u +%Y-%m-%d)"
    echo "Command: scripts/profile.sh $ROWS $FORMAT"
    echo "Job: dupsweep clean $(basename "$input") --pk id --keep min:id --dialect postgres"
    echo
    echo "Note: under valgrind the CPU's SHA extensions are not used, so the input's SHA-256 (on"
    echo "its own thread) counts more instructions than it costs natively."
    echo
    echo "== inclusive (a function and what it calls; thread and runtime wrappers left out), top 30 =="
    callgrind_annotate --inclusive=yes "$base.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" |
        grep -v -E "rayon_core::|rayon::iter::plumbing|std::sys::|std::rt::|core::ops::function|start_thread|libc_start|ld-linux|\(below main\)|\?\?\?:main|FnOnce::call_once" |
        sed -E 's#(/root/.cargo/registry/src/[^/]+/|/rustc/[0-9a-f]+/library/|/work/main/)##' | cut -c1-200 | head -30
    echo
    echo "== self, top 30 =="
    callgrind_annotate "$base.out" 2>/dev/null | grep -E "^ *[0-9,]+ \(" |
        sed -E 's#(/root/.cargo/registry/src/[^/]+/|/rustc/[0-9a-f]+/library/|/work/main/)##' | cut -c1-200 | head -30
} | tee "$base.txt"
echo >&2
echo "profile: summary in $base.txt, callgrind output in $base.out (callgrind_annotate, kcachegrind)" >&2
