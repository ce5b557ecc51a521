#!/usr/bin/env bash
# End-to-end benchmark of the exact-duplicate job against what users would otherwise write:
# DuckDB and Python Polars (streaming and eager), installed from PyPI into a throwaway venv,
# on the same generated files, in the same run.
#
#   scripts/bench.sh [SIZES...]            (default: 1000000 10000000)
#   RUNS=5 scripts/bench.sh 1000000        (runs per tool; the median is reported; default 3)
#   FORMATS="csv parquet" scripts/bench.sh (default: csv csv.gz parquet)
#   FORMATS="parquet-typed parquet-rg1m parquet-rg-whole" scripts/bench.sh
#   (on Parquet formats dupsweep also runs with --engine datafusion: "dupsweep-datafusion")
#   BALLISTA=1 scripts/bench.sh            (on Parquet formats, also --engine ballista on a local
#                                          cluster: `dupsweep cluster scheduler` and two
#                                          executors of one core each on this machine,
#                                          "dupsweep-ballista"; its peak RSS is the client's, the
#                                          executors' and the scheduler's beside it)
#                                          (the same rows as Parquet of other shapes: typed
#                                          columns, larger row groups; see students_parquet in
#                                          scripts/bench_lib.sh)
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

# shared with scripts/bench_memory.sh: GNU time, the venv, the release build, helpers
. scripts/bench_lib.sh
bench_setup

# BALLISTA=1: a scheduler and two executors (one task at a time each) for the run's length
CLUSTER_PIDS=()
if [ "${BALLISTA:-0}" = 1 ]; then
    port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
    sp=$(port)
    "$DUPSWEEP" cluster scheduler --bind "127.0.0.1:$sp" 2>"$OUT/scheduler.log" &
    CLUSTER_PIDS+=($!)
    sleep 1
    for i in 1 2; do
        "$DUPSWEEP" cluster executor --scheduler "127.0.0.1:$sp" --bind "127.0.0.1:$(port)" --cores 1 \
            --memory-limit "${EXECUTOR_MEMORY:-2G}" 2>"$OUT/executor-$i.log" &
        CLUSTER_PIDS+=($!)
    done
    trap 'kill "${CLUSTER_PIDS[@]}" 2>/dev/null' EXIT
    sleep 2
    CLUSTER="df://127.0.0.1:$sp"
fi
# the cluster's processes' peak RSS so far (KiB), "scheduler+executor+executor"
cluster_rss() {
    local out=() p
    for p in "${CLUSTER_PIDS[@]}"; do
        out+=("$(awk '/VmHWM/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)")
    done
    (IFS=+; echo "${out[*]}")
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT/bench-$STAMP.md"
{
    machine_lines
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
    if [[ " $FORMATS " == *" parquet "* ]]; then
        students_parquet "$csv" "$pq"
    fi
    for shape in typed rg1m rg-whole; do
        if [[ " $FORMATS " == *" parquet-$shape "* ]]; then
            students_parquet "$csv" "$DATA/students_${shape}_$n.parquet" "$shape"
        fi
    done
    for fmt in $FORMATS; do
        case "$fmt" in
            csv) input="$csv" ;;
            csv.gz) input="$csv.gz" ;;
            parquet) input="$pq" ;;
            parquet-typed|parquet-rg1m|parquet-rg-whole) input="$DATA/students_${fmt#parquet-}_$n.parquet" ;;
            *) echo "bench: unknown format $fmt" >&2; exit 2 ;;
        esac
        declare -A WALL=() RSS=() SAME=()
        tools="dupsweep duckdb polars-streaming polars-eager"
        case "$fmt" in parquet*) tools="dupsweep dupsweep-datafusion duckdb polars-streaming polars-eager" ;; esac
        case "$fmt" in parquet*) [ "${BALLISTA:-0}" = 1 ] && tools="dupsweep dupsweep-datafusion dupsweep-ballista duckdb polars-streaming polars-eager" ;; esac
        for tool in $tools; do
            if [ "$tool" = polars-streaming ] && [ "$fmt" = csv.gz ]; then
                WALL[$tool]="n/a"; continue  # Polars cannot stream a gzip file
            fi
            walls=(); rss=0; ok=1
            for r in $(seq 1 "$RUNS"); do
                dir="$OUT/run-$n-$fmt-$tool"
                # the previous run's outputs gone and on disk first: no run waits for the disk to
                # finish another's writes (dupsweep fsyncs its 2.3 GB at 10M rows; the peers do not)
                rm -rf "$dir"; mkdir -p "$dir"; sync
                if [ "$tool" = dupsweep ]; then
                    res=$(timed "$dir.log" "$DUPSWEEP" clean "$input" --pk id --keep min:id --dialect postgres --out "$dir")
                elif [ "$tool" = dupsweep-datafusion ]; then
                    res=$(timed "$dir.log" "$DUPSWEEP" clean "$input" --pk id --keep min:id --dialect postgres --engine datafusion --out "$dir")
                elif [ "$tool" = dupsweep-ballista ]; then
                    res=$(timed "$dir.log" "$DUPSWEEP" clean "$input" --pk id --keep min:id --dialect postgres --engine ballista --cluster "$CLUSTER" --out "$dir")
                else
                    res=$(timed "$dir.log" "$PY" scripts/bench_peers.py "$tool" "$input" "$dir")
                fi
                if [ "$res" = fail ]; then ok=0; break; fi
                walls+=("${res% *}")
                m=${res#* }; [ "$m" -gt "$rss" ] && rss=$m
            done
            if [ "$ok" = 0 ]; then WALL[$tool]="failed"; continue; fi
            case "$tool" in dupsweep*) dupsweep_ids "$dir" "$fmt" ;; esac
            WALL[$tool]=$(printf '%s\n' "${walls[@]}" | median)
            RSS[$tool]=$rss
            SAME[$tool]=$(cmp -s "$dir/removed_ids.txt" "$OUT/run-$n-$fmt-dupsweep/removed_ids.txt" && echo yes || echo "NO")
        done
        for tool in $tools; do
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
if [ "${#CLUSTER_PIDS[@]}" -gt 0 ]; then
    echo | tee -a "$REPORT"
    echo "dupsweep-ballista's cluster, peak RSS in KiB over the whole run (scheduler+executor+executor): $(cluster_rss)" | tee -a "$REPORT"
fi
echo >&2
echo "bench: table written to $REPORT" >&2
