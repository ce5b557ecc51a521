#!/usr/bin/env bash
# Bounded memory: dupsweep's streaming engine on a CSV dump at least twice as large as its
# --memory-limit, against DuckDB given the same memory_limit, in the same run.
#
#   scripts/bench_memory.sh [ROWS] [DUP_PERCENT]      (default: 10000000 2)
#   RUNS=3 scripts/bench_memory.sh                     (runs per tool; the median is reported)
#
# The dump: scripts/gen_bench.py --rows ROWS --dup-percent DUP_PERCENT (kept in
# target/bench-data/). The limit: half the file's size. The job is bench.sh's (clean --pk id
# --keep min:id --dialect postgres: cleaned and removed files, change and undo scripts, report).
# Rows are also run without a limit, with a limit of a fifth of the file, and on bench.sh's
# 10%-duplicate dump of the same size with the same limit (where the grouped records' values
# do not fit: dupsweep spills them to a temporary file). The same dumps as Parquet (written from
# the CSV files by Python Polars, as bench.sh does) with the same limits, and the 10% one also
# under 1.25 times the limit. Removed ids are compared with DuckDB's on the same dump. Table to
# standard output and to target/bench-results/bench-memory-TIMESTAMP.md.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROWS="${1:-10000000}"
DUP="${2:-2}"
RUNS="${RUNS:-3}"
VENV="${DUPSWEEP_BENCH_VENV:-target/bench-venv}"
DATA="$ROOT/target/bench-data"
OUT="$ROOT/target/bench-results"
mkdir -p "$DATA" "$OUT"
. scripts/bench_lib.sh
bench_setup

csv="$DATA/students_${ROWS}_${DUP}pct.csv"
if [ ! -s "$csv" ]; then
    echo "bench: generating $csv" >&2
    python3 scripts/gen_bench.py --rows "$ROWS" --dup-percent "$DUP" --out "$csv.tmp" && mv "$csv.tmp" "$csv" || exit 1
fi
ten="$DATA/students_$ROWS.csv"
if [ ! -s "$ten" ]; then
    echo "bench: generating $ten" >&2
    python3 scripts/gen_bench.py --rows "$ROWS" --out "$ten.tmp" && mv "$ten.tmp" "$ten" || exit 1
fi
# the same dumps as Parquet (bench.sh's)
pq="${csv%.csv}.parquet"
ten_pq="${ten%.csv}.parquet"
students_parquet "$csv" "$pq" || exit 1
students_parquet "$ten" "$ten_pq" || exit 1
bytes=$(stat -c %s "$csv")
limit_mib=$((bytes / 2 / 1048576))
fifth_mib=$((bytes / 5 / 1048576))

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT/bench-memory-$STAMP.md"
{
    machine_lines
    echo "Command: scripts/bench_memory.sh $ROWS $DUP (RUNS=$RUNS); median of $RUNS runs, peak RSS the largest of them"
    echo "Dump: $(basename "$csv"), $ROWS rows, $DUP% duplicates, $(awk -v b="$bytes" 'BEGIN {printf "%.0f MiB", b / 1048576}'); limit: ${limit_mib} MiB (the file is $(awk -v b="$bytes" -v l="$limit_mib" 'BEGIN {printf "%.2f", b / 1048576 / l}')x the limit)"
    echo
    echo "| input | tool | memory limit | exit | median wall | peak RSS | peak RSS ÷ limit | same rows removed |"
    echo "|---|---|---|---|---|---|---|---|"
} | tee "$REPORT"

# one row of the table: LABEL INPUT TOOL LIMIT_MIB(or -) DIR_TAG REFERENCE_TAG (whose removed ids it is compared with)
row() {
    local label=$1 input=$2 tool=$3 lim=$4 tag=$5
    local walls=() rss=0 code=0 dir="$OUT/mem-$tag"
    for r in $(seq 1 "$RUNS"); do
        rm -rf "$dir"; mkdir -p "$dir"; sync  # no run waits for another's writes
        local t; t=$(mktemp)
        if [ "$tool" = dupsweep ]; then
            args=(clean "$input" --pk id --keep min:id --dialect postgres --out "$dir")
            [ "$lim" != - ] && args+=(--memory-limit "${lim}M")
            /usr/bin/time -f "%e %M" -o "$t" "$DUPSWEEP" "${args[@]}" >"$dir.log" 2>&1; code=$?
        else
            if [ "$lim" != - ]; then
                DUCKDB_MEMORY_LIMIT="${lim}MB" /usr/bin/time -f "%e %M" -o "$t" "$PY" scripts/bench_peers.py duckdb "$input" "$dir" >"$dir.log" 2>&1; code=$?
            else
                /usr/bin/time -f "%e %M" -o "$t" "$PY" scripts/bench_peers.py duckdb "$input" "$dir" >"$dir.log" 2>&1; code=$?
            fi
        fi
        local res; res=$(tail -n1 "$t"); rm -f "$t"
        walls+=("${res% *}")
        local m=${res#* }; [ "$m" -gt "$rss" ] 2>/dev/null && rss=$m
    done
    local same="-"
    if [ "$code" = 0 ]; then
        local fmt=csv; [[ "$input" == *.parquet ]] && fmt=parquet
        [ "$tool" = dupsweep ] && dupsweep_ids "$dir" "$fmt"
        if [ -s "$OUT/mem-$6/removed_ids.txt" ]; then
            same=$(cmp -s "$dir/removed_ids.txt" "$OUT/mem-$6/removed_ids.txt" && echo yes || echo NO)
        fi
        [ "$tag" = "$6" ] && same="(reference)"
    fi
    local w; w=$(printf '%s\n' "${walls[@]}" | median)
    local limtext="none"; [ "$lim" != - ] && limtext="${lim} MiB"
    local ratio="-"; [ "$lim" != - ] && ratio=$(awk -v k="$rss" -v l="$lim" 'BEGIN {printf "%.2f", k / 1024 / l}')
    echo "| $label | $tool | $limtext | $code | ${w} s | $(awk -v k="$rss" 'BEGIN {printf "%.0f MiB", k / 1024}') | $ratio | $same |" | tee -a "$REPORT"
}

row "${DUP}% duplicates" "$csv" duckdb "$limit_mib" duck-limit duck-limit
row "${DUP}% duplicates" "$csv" dupsweep "$limit_mib" ds-limit duck-limit
row "${DUP}% duplicates" "$csv" dupsweep - ds-free duck-limit
row "${DUP}% duplicates" "$csv" duckdb "$fifth_mib" duck-fifth duck-limit
row "${DUP}% duplicates" "$csv" dupsweep "$fifth_mib" ds-fifth duck-limit
row "10% duplicates" "$ten" duckdb "$limit_mib" duck-ten duck-ten
row "10% duplicates" "$ten" dupsweep "$limit_mib" ds-ten duck-ten
row "${DUP}% duplicates, Parquet" "$pq" duckdb "$limit_mib" duck-pq duck-pq
row "${DUP}% duplicates, Parquet" "$pq" dupsweep "$limit_mib" ds-pq duck-pq
row "${DUP}% duplicates, Parquet" "$pq" dupsweep "$fifth_mib" ds-pq-fifth duck-pq
row "10% duplicates, Parquet" "$ten_pq" duckdb "$limit_mib" duck-ten-pq duck-ten-pq
row "10% duplicates, Parquet" "$ten_pq" dupsweep "$limit_mib" ds-ten-pq duck-ten-pq
row "10% duplicates, Parquet" "$ten_pq" dupsweep "$((limit_mib * 5 / 4))" ds-ten-pq-more duck-ten-pq
for tag in ds-limit ds-fifth ds-ten ds-pq ds-pq-fifth ds-ten-pq ds-ten-pq-more; do
    if ! grep -q "wrote .*report.json" "$OUT/mem-$tag.log"; then
        echo "last message of dupsweep ($tag): $(tail -n2 "$OUT/mem-$tag.log" | head -n1)" | tee -a "$REPORT"
    fi
done
echo >&2
echo "bench: table written to $REPORT" >&2
