#!/usr/bin/env bash
# End-to-end benchmark of the exact-duplicate job against what users would otherwise write:
# DuckDB and Python Polars (streaming and eager), installed from PyPI into a throwaway venv,
# on the same generated files, in the same run.
#
#   scripts/bench.sh [SIZES...]            (default: 1000000 10000000)
#   RUNS=5 scripts/bench.sh 1000000        (runs per tool; the median is reported; default 3)
#   FORMATS="csv parquet" scripts/bench.sh (default: csv csv.gz parquet)
#
# The job: rows equal in every column but `id` are duplicates, the smallest id stays; write
# the cleaned table (in the input's format) and the removed rows (dupsweep also writes its
# SQL scripts, undo scripts and report.json: `clean --pk id --keep min:id --dialect postgres`).
# Data: scripts/gen_bench.py (10 columns, 10% duplicates, quoted fields with commas, quotes and
# newlines), kept in target/bench-data/ and reused. Every tool's removed ids are compared with
# dupsweep's: a difference is printed as a failure, never hidden. Wall time and peak resident
# memory come from GNU time (/usr/bin/time). The Markdown table goes to standard output and to
# target/bench-results/bench-TIMESTAMP.md; copy it into benches/RESULTS.md.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
if [ "$#" -gt 0 ]; then SIZES=("$@"); else SIZES=(1000000 10000000); fi
RUNS="${RUNS:-3}"
FORMATS="${FORMATS:-csv csv.gz parquet}"
VENV="${DUPSWEEP_BENCH_VENV:-target/bench-venv}"
DATA="$ROOT/target/bench-data"
OUT="$ROOT/target/bench-results"
mkdir -p "$DATA" "$OUT"
for n in "${SIZES[@]}"; do
    case "$n" in ''|*[!0-9]*) echo "bench: size must be a number of rows: $n" >&2; exit 2 ;; esac
done

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }
if [ ! -x /usr/bin/time ]; then
    echo "bench: installing GNU time (Debian package 'time')" >&2
    as_root apt-get install -y -q time >/dev/null 2>&1 ||
        { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q time >/dev/null; } ||
        { echo "bench: could not install /usr/bin/time" >&2; exit 1; }
fi
if [ ! -x "$VENV/bin/python" ]; then
    echo "bench: creating venv $VENV" >&2
    python3 -m venv "$VENV" || { echo "bench: python3 -m venv failed" >&2; exit 1; }
fi
if ! "$VENV/bin/python" -c 'import duckdb, polars' 2>/dev/null; then
    echo "bench: pip install duckdb polars into $VENV" >&2
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check duckdb polars ||
        { echo "bench: pip install failed" >&2; exit 1; }
fi
PY="$VENV/bin/python"
echo "bench: cargo build --release --locked" >&2
cargo build --release --locked >"$OUT/cargo-build.log" 2>&1 ||
    { echo "bench: cargo build failed (see $OUT/cargo-build.log)" >&2; exit 1; }
DUPSWEEP="$ROOT/target/release/dupsweep"

# removed ids of a dupsweep run, sorted numerically, one per line
dupsweep_ids() { # DIR FORMAT
    "$PY" - "$1" "$2" <<'EOF'
import csv, sys, glob
d, fmt = sys.argv[1], sys.argv[2]
if fmt == "parquet":
    import polars as pl
    ids = pl.read_parquet(glob.glob(d + "/*.removed.parquet")[0])["id"].to_list()
else:
    with open(glob.glob(d + "/*.removed.csv")[0], newline="", encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        ids = [row[0] for row in r]
ids = sorted(int(i) for i in ids)
with open(d + "/removed_ids.txt", "w") as f:
    f.write("\n".join(str(i) for i in ids) + "\n")
EOF
}

# one timed run: prints "WALL_SECONDS MAX_RSS_KB" or "fail"
timed() { # LOG CMD...
    local log=$1; shift
    local t; t=$(mktemp)
    if /usr/bin/time -f "%e %M" -o "$t" "$@" >"$log" 2>&1; then
        tail -n1 "$t"
    else
        echo fail
    fi
    rm -f "$t"
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT/bench-$STAMP.md"
{
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "Date: $(date -u +%Y-%m-%d); dupsweep $("$DUPSWEEP" --version | cut -d' ' -f2) (release build of $(git rev-parse --short HEAD 2>/dev/null || echo 'an unknown commit')$(git diff --quiet HEAD 2>/dev/null || echo ', with uncommitted changes')); $("$PY" -c 'import duckdb, polars, sys; print(f"DuckDB {duckdb.__version__}, Python Polars {polars.__version__}, Python {sys.version.split()[0]}")')"
    echo "Command: scripts/bench.sh ${SIZES[*]} (RUNS=$RUNS, FORMATS=\"$FORMATS\"); median of $RUNS runs, peak RSS the largest of them"
    echo
    echo "| rows | format | tool | median wall | peak RSS | rows/s | dupsweep's time ÷ this | same rows removed |"
    echo "|---|---|---|---|---|---|---|---|"
} | tee "$REPORT"

for n in "${SIZES[@]}"; do
    csv="$DATA/students_$n.csv"
    if [ ! -s "$csv" ]; then
        echo "bench: generating $csv" >&2
        python3 scripts/gen_bench.py --rows "$n" --out "$csv.tmp" && mv "$csv.tmp" "$csv" || exit 1
    fi
    if [[ " $FORMATS " == *" csv.gz "* ]] && [ ! -s "$csv.gz" ]; then
        gzip -1 -c "$csv" >"$csv.gz.tmp" && mv "$csv.gz.tmp" "$csv.gz"
    fi
    pq="$DATA/students_$n.parquet"
    if [[ " $FORMATS " == *" parquet "* ]] && [ ! -s "$pq" ]; then
        "$PY" -c "import polars as pl, sys; pl.read_csv(sys.argv[1], schema_overrides={'id': pl.Int64, 'grade': pl.Int32, 'active': pl.Int8}).write_parquet(sys.argv[2])" "$csv" "$pq.tmp" && mv "$pq.tmp" "$pq"
    fi
    for fmt in $FORMATS; do
        case "$fmt" in
            csv) input="$csv" ;;
            csv.gz) input="$csv.gz" ;;
            parquet) input="$pq" ;;
            *) echo "bench: unknown format $fmt" >&2; exit 2 ;;
        esac
        declare -A WALL=() RSS=() SAME=()
        for tool in dupsweep duckdb polars-streaming polars-eager; do
            if [ "$tool" = polars-streaming ] && [ "$fmt" = csv.gz ]; then
                WALL[$tool]="n/a"; continue  # Polars cannot stream a gzip file
            fi
            walls=(); rss=0; ok=1
            for r in $(seq 1 "$RUNS"); do
                dir="$OUT/run-$n-$fmt-$tool"
                rm -rf "$dir"; mkdir -p "$dir"
                if [ "$tool" = dupsweep ]; then
                    res=$(timed "$dir.log" "$DUPSWEEP" clean "$input" --pk id --keep min:id --dialect postgres --out "$dir")
                else
                    res=$(timed "$dir.log" "$PY" scripts/bench_peers.py "$tool" "$input" "$dir")
                fi
                if [ "$res" = fail ]; then ok=0; break; fi
                walls+=("${res% *}")
                m=${res#* }; [ "$m" -gt "$rss" ] && rss=$m
            done
            if [ "$ok" = 0 ]; then WALL[$tool]="failed"; continue; fi
            [ "$tool" = dupsweep ] && dupsweep_ids "$dir" "$fmt"
            WALL[$tool]=$(printf '%s\n' "${walls[@]}" | median)
            RSS[$tool]=$rss
            SAME[$tool]=$(cmp -s "$dir/removed_ids.txt" "$OUT/run-$n-$fmt-dupsweep/removed_ids.txt" && echo yes || echo "NO")
        done
        for tool in dupsweep duckdb polars-streaming polars-eager; do
            w=${WALL[$tool]}
            if [ "$w" = "n/a" ] || [ "$w" = failed ]; then
                echo "| $n | $fmt | $tool | $w | | | | |" | tee -a "$REPORT"; continue
            fi
            rate=$(awk -v n="$n" -v w="$w" 'BEGIN {printf "%.2fM", n / w / 1e6}')
            mem=$(awk -v k="${RSS[$tool]}" 'BEGIN {printf "%.2f GB", k / 1e6}')
            d=${WALL[dupsweep]}
            ratio=$(awk -v d="$d" -v w="$w" 'BEGIN {if (d+0 > 0 && w+0 > 0) printf "%.2f", d / w; else print "-"}')
            echo "| $n | $fmt | $tool | ${w} s | $mem | $rate | $ratio | ${SAME[$tool]} |" | tee -a "$REPORT"
        done
        unset WALL RSS SAME
    done
done
echo >&2
echo "bench: table written to $REPORT" >&2
