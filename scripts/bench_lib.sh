# Helpers of the end-to-end benchmarks, sourced from the repository's root with VENV, OUT and
# ROOT set (scripts/bench.sh, bench_memory.sh, compare_splink.sh, profile.sh). bench_setup installs GNU
# time, creates the venv with DuckDB and Python Polars, builds dupsweep in release mode, and
# sets PY and DUPSWEEP.

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else "$@"; fi; }

# a Debian package's program, installed when missing: ensure_tool NAME PROGRAM PACKAGE (NAME
# prefixes the messages; PROGRAM a path or a command name)
ensure_tool() {
    if ! command -v "$2" >/dev/null 2>&1; then
        echo "$1: installing $2 (Debian package '$3')" >&2
        as_root apt-get install -y -q "$3" >/dev/null 2>&1 ||
            { as_root apt-get update -q >/dev/null && as_root apt-get install -y -q "$3" >/dev/null; } ||
            { echo "$1: could not install $2" >&2; exit 1; }
    fi
}

# GNU time, for wall time and peak memory: ensure_gnu_time NAME
ensure_gnu_time() { ensure_tool "$1" /usr/bin/time time; }

# dupsweep in release mode, as DUPSWEEP: build_release NAME [PROFILE] (the log in
# $OUT/cargo-build.log; PROFILE: release, or profiling for the same code with line tables)
build_release() {
    local profile=${2:-release}
    echo "$1: cargo build --profile $profile --locked" >&2
    cargo build --profile "$profile" --locked >"$OUT/cargo-build.log" 2>&1 ||
        { echo "$1: cargo build failed (see $OUT/cargo-build.log)" >&2; exit 1; }
    DUPSWEEP="$ROOT/target/$profile/dupsweep"
}

# the throwaway venv $VENV with packages: ensure_venv NAME PYTHON_CHECK PACKAGE... (installed
# when PYTHON_CHECK, a Python snippet, fails)
ensure_venv() {
    local name=$1 check=$2; shift 2
    if [ ! -x "$VENV/bin/python" ]; then
        echo "$name: creating venv $VENV" >&2
        python3 -m venv "$VENV" || { echo "$name: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
    fi
    if ! "$VENV/bin/python" -c "$check" 2>/dev/null; then
        echo "$name: pip install $* into $VENV" >&2
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" ||
            { echo "$name: pip install $* failed" >&2; exit 1; }
    fi
}

# what bench.sh and bench_memory.sh need: GNU time, DuckDB and Python Polars, a release build
bench_setup() {
    ensure_gnu_time bench
    ensure_venv bench 'import duckdb, polars' duckdb polars
    PY="$VENV/bin/python"
    build_release bench
}

# a generated students dump as Parquet, written by Python Polars with its typed columns, unless
# already there: students_parquet CSV PARQUET [SHAPE]
# SHAPE: plain (the default: text columns but id, grade and active; Polars' row groups of
# 262,144 rows), typed (dates, a timestamp, a float and a boolean column, with their NULLs),
# rg1m (row groups of 1,048,576 rows, pyarrow's default) or rg-whole (the whole table in one
# row group)
students_parquet() {
    [ -s "$2" ] && return 0
    echo "bench: writing $2" >&2
    "$PY" - "$1" "$2.tmp" "${3:-plain}" <<'EOF' && mv "$2.tmp" "$2"
import sys
import polars as pl
src, dst, shape = sys.argv[1:4]
types = {'id': pl.Int64, 'grade': pl.Int32, 'active': pl.Int8}
if shape == "typed":
    df = pl.read_csv(src, schema_overrides={**types, 'balance': pl.Float64}, try_parse_dates=True)
    df = df.with_columns(pl.col('active').cast(pl.Boolean))
else:
    df = pl.read_csv(src, schema_overrides=types)
groups = {"rg1m": 1 << 20, "rg-whole": max(df.height, 1)}.get(shape)
df.write_parquet(dst, row_group_size=groups)
EOF
}

# removed ids of a dupsweep run, sorted numerically, one per line
dupsweep_ids() { # DIR FORMAT
    "$PY" - "$1" "$2" <<'EOF'
import csv, sys, glob
d, fmt = sys.argv[1], sys.argv[2]
if fmt.startswith("parquet"):
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


# the machine, the date and the versions measured, for a table's header
machine_lines() {
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
    echo "Date: $(date -u +%Y-%m-%d); dupsweep $("$DUPSWEEP" --version | cut -d' ' -f2) (release build of $(git rev-parse --short HEAD 2>/dev/null || echo 'an unknown commit')$(git diff --quiet HEAD 2>/dev/null || echo ', with uncommitted changes')); $("$PY" -c 'import duckdb, polars, sys; print(f"DuckDB {duckdb.__version__}, Python Polars {polars.__version__}, Python {sys.version.split()[0]}")')"
}
