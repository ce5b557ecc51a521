#!/usr/bin/env bash
# Benchmark of replaying dupsweep's SQL scripts on a production-size table, on PostgreSQL,
# MariaDB and SQLite, against the deletion a DBA would write by hand.
#
#   scripts/bench_replay.sh [ROWS]              (default: 1000000)
#   RUNS=3 scripts/bench_replay.sh 1000000      (replays per server; the median is reported; default 1)
#   DUPSWEEP_BIN=path/to/dupsweep scripts/bench_replay.sh   (default: cargo build --release, as bench.sh)
#   STEP_TIMEOUT=600 scripts/bench_replay.sh    (seconds a step may take; default 1800)
#   SERVERS="postgres sqlite" scripts/bench_replay.sh       (default: postgres mysql sqlite; mysql = MariaDB)
#   NO_DUPSWEEP=1 scripts/bench_replay.sh       (no dupsweep binary: loaders, checks and the
#                                                hand-written deletion only, with the removed ids of
#                                                a reference deduplication in Python)
#   KEEP_DB=1 scripts/bench_replay.sh           (keep the database dupsweep_bench at the end)
#
# The dump: scripts/gen_bench.py (10 columns, 10% duplicates equal in every column but id, NULLs
# next to empty strings, quoted fields with commas, quotes and newlines), kept in
# target/bench-data/ and reused. The job: `dupsweep clean CSV --pk id --keep min:id --dialect
# postgres --dialect mysql --dialect sqlite` (timed with GNU time: wall and peak RSS), whose
# change and undo scripts are replayed on a typed table `students_ROWS` (the table name the
# scripts use) in the database `dupsweep_bench` (PostgreSQL at 127.0.0.1:5432 as postgres,
# MariaDB at 127.0.0.1:3306 as root; both dropped and created again by this script) and in
# target/bench-replay/sqlite/. Each server's own loader fills a pristine copy once (psql \copy;
# LOAD DATA LOCAL INFILE from a TSV converted by scripts/bench_replay.py; SQLite from Python's
# sqlite3 module, values bound as text as a dump's literals would be); every timed step starts
# from a fresh table copied from it. Per server and run, timed as a whole with the server's own
# client (psql -X -v ON_ERROR_STOP=1 -f, mariadb dupsweep_bench < file, sqlite3 DB < file):
#   1. dupsweep's change script, then the table is compared with the cleaned file;
#   2. dupsweep's undo script, then the table is compared with the original dump (when the
#      change script failed, the undo starts from a table cleaned by the hand-written deletion);
#   3. on a fresh table, the hand-written unguarded deletion: the removed ids (from the removed
#      file) loaded into a temporary table (\copy, LOAD DATA LOCAL, multi-row INSERT) and one
#      DELETE joined on it, in one transaction, loading included; then the table is compared
#      with the cleaned file.
# The comparisons read the whole table through each server's client and compare every value
# with the file's, both in one normal form (booleans, decimal scale, timestamp fractions; NULL
# is not the empty string; SQLite's storage classes are checked too): scripts/bench_replay.py.
# A script that fails is reported as FAILED with the first lines of its error, one that runs past
# STEP_TIMEOUT as not finished (its session is ended); the other servers still run. The Markdown
# goes to standard output and to target/bench-results/bench-replay-TIMESTAMP.md. The targets:
# the change script at most 2x the hand-written deletion on every server, and each script at most
# 1.5x the size of the removed file.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROWS="${1:-1000000}"
RUNS="${RUNS:-1}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1800}"
SERVERS=$(echo "${SERVERS:-postgres mysql sqlite}" | sed -E 's/(^| )mariadb( |$)/\1mysql\2/g')
NO_DUPSWEEP="${NO_DUPSWEEP:-0}"
for v in "$ROWS" "$RUNS" "$STEP_TIMEOUT"; do
    case "$v" in ''|*[!0-9]*|0) echo "bench-replay: ROWS, RUNS and STEP_TIMEOUT must be positive numbers: $v" >&2; exit 2 ;; esac
done
for s in $SERVERS; do
    case "$s" in postgres|mysql|sqlite) ;; *) echo "bench-replay: unknown server $s (postgres, mysql, sqlite)" >&2; exit 2 ;; esac
done

DATA="$ROOT/target/bench-data"
WORK="$ROOT/target/bench-replay"
OUT="$ROOT/target/bench-results"
DB=dupsweep_bench
T="students_$ROWS"
CSV="$DATA/$T.csv"
PY=python3
HELPER="$ROOT/scripts/bench_replay.py"
mkdir -p "$DATA" "$WORK" "$OUT"

# shared with scripts/bench.sh: ensure_tool, ensure_gnu_time, build_release, median, machine_lines
. scripts/bench_lib.sh
ensure_gnu_time bench-replay
ensure_tool bench-replay timeout coreutils
[[ " $SERVERS " == *" sqlite "* ]] && ensure_tool bench-replay sqlite3 sqlite3

if [ "$NO_DUPSWEEP" = 1 ]; then
    DUPSWEEP=""
elif [ -n "${DUPSWEEP_BIN:-}" ]; then
    DUPSWEEP=$(realpath "$DUPSWEEP_BIN")
    [ -x "$DUPSWEEP" ] || { echo "bench-replay: $DUPSWEEP_BIN is not an executable" >&2; exit 2; }
else
    build_release bench-replay
fi

log() { echo "bench-replay: $*" >&2; }

# ---------- clients ----------
pg() { psql -X -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
pg_admin() { psql -X -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -d postgres -c "$1"; }
my() { mariadb -h 127.0.0.1 -u root --default-character-set=utf8mb4 "$@"; }
SQLITE_DIR="$WORK/sqlite"
SQLITE_DB="$SQLITE_DIR/$T.db"
SQLITE_PRISTINE="$SQLITE_DIR/${T}_pristine.db"

# the typed table NAME for SERVER
ddl() { # SERVER NAME
    case "$1" in
        postgres) echo "CREATE TABLE \"$2\" (id bigint PRIMARY KEY, first_name varchar(100), last_name varchar(100), email varchar(200), birth_date date, grade integer, balance numeric(10,2), active boolean, notes text, updated_at timestamp)" ;;
        # DATETIME without fraction: the dump's timestamps have none, and MariaDB's guard
        # compares the text the server prints (README, "What the guard assumes")
        mysql) echo "CREATE TABLE \`$2\` (id BIGINT NOT NULL PRIMARY KEY, first_name VARCHAR(100), last_name VARCHAR(100), email VARCHAR(200), birth_date DATE, grade INT, balance DECIMAL(10,2), active BOOLEAN, notes TEXT, updated_at DATETIME) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4" ;;
        sqlite) echo "CREATE TABLE \"$2\" (id INTEGER PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, birth_date DATE, grade INTEGER, balance NUMERIC(10,2), active BOOLEAN, notes TEXT, updated_at TIMESTAMP)" ;;
    esac
}
COLS="id, first_name, last_name, email, birth_date, grade, balance, active, notes, updated_at"

# ---------- timed steps ----------
# one step with a timeout, timed by GNU time: sets STATUS (ok, fail, timeout), SECS and RC
step() { # LOG STDIN_FILE_OR_- CMD...
    local log=$1 in=$2; shift 2
    local t; t=$(mktemp)
    sync
    if [ "$in" = - ]; then
        /usr/bin/time -f %e -o "$t" timeout -k 30 "$STEP_TIMEOUT" "$@" >"$log" 2>&1 </dev/null
    else
        /usr/bin/time -f %e -o "$t" timeout -k 30 "$STEP_TIMEOUT" "$@" >"$log" 2>&1 <"$in"
    fi
    RC=$?
    SECS=$(tail -n1 "$t"); rm -f "$t"
    case "$RC" in 0) STATUS=ok ;; 124|137) STATUS=timeout ;; *) STATUS=fail ;; esac
}

# the first lines of an error, for a Markdown cell
excerpt() { # LOG
    local lines
    lines=$(grep -m3 -iE 'error|fail|fatal|abort|denied|refused' "$1")
    [ -n "$lines" ] || lines=$(grep -v '^[[:space:]]*$' "$1" | head -n3)
    printf '%s' "$lines" | tr '\n\r' '  ' | sed -E 's/\|/\\|/g; s/[[:space:]]+/ /g' | cut -c1-300
}

# a step's result for the table: "12.34 s", "FAILED (exit N): ...", "not finished after N s"
cell() { # STATUS SECS LOG
    case "$1" in
        ok) echo "$2 s" ;;
        timeout) echo "not finished after $STEP_TIMEOUT s" ;;
        skipped) echo "$3" ;;
        *) echo "FAILED (exit $RC): $(excerpt "$3")" ;;
    esac
}

# ends this benchmark's sessions on a server after a timeout (the client was killed, the server
# may still be running its statement): only sessions of the database dupsweep_bench
end_sessions() { # SERVER
    case "$1" in
        postgres) pg_admin "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$DB' AND pid <> pg_backend_pid()" >/dev/null ;;
        mysql)
            local id
            for id in $(my -N -B -e "SELECT id FROM information_schema.processlist WHERE db = '$DB' AND id <> CONNECTION_ID()"); do
                my -e "KILL $id" 2>/dev/null
            done ;;
        # the killed client's hot journal is rolled back by the next connection
        sqlite) sqlite3 "$SQLITE_DB" "SELECT count(*) FROM sqlite_master" >/dev/null 2>&1 ;;
    esac
}

# a table compared with a canonical file: prints "yes (N rows)" or "NO: ..."
check() { # SERVER CANON [TABLE [SQLITE_FILE]]   (default: the table the scripts change)
    local table=${3:-$T} db=$DB
    [ "$1" = sqlite ] && db=${4:-$SQLITE_DB}
    "$PY" "$HELPER" check "$1" "$table" "$2" --db "$db" 2>>"$WORK/check-errors.log"
}

# a fresh table T copied from the pristine one (not timed in the results; its time in FRESH_SECS)
fresh() { # SERVER
    local t0 t1 ok=0
    t0=$(date +%s.%N)
    case "$1" in
        postgres)
            pg -c "DROP TABLE IF EXISTS \"$T\"" -c "$(ddl postgres "$T")" \
               -c "INSERT INTO \"$T\" SELECT * FROM \"${T}_pristine\" ORDER BY id" \
               -c "ANALYZE \"$T\"" -c "CHECKPOINT" >"$WORK/fresh.log" 2>&1 && ok=1 ;;
        mysql)
            my "$DB" >"$WORK/fresh.log" 2>&1 <<EOF && ok=1
DROP TABLE IF EXISTS \`$T\`;
$(ddl mysql "$T");
INSERT INTO \`$T\` SELECT * FROM \`${T}_pristine\` ORDER BY id;
ANALYZE TABLE \`$T\`;
EOF
            ;;
        sqlite)
            rm -f "$SQLITE_DB" "$SQLITE_DB-journal" "$SQLITE_DB-wal" &&
                cp "$SQLITE_PRISTINE" "$SQLITE_DB" && ok=1 ;;
    esac
    t1=$(date +%s.%N)
    FRESH_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
    sync
    [ "$ok" = 1 ] || { log "could not make a fresh $1 table: $(excerpt "$WORK/fresh.log")"; return 1; }
}

# a client command that runs a script file as its header says
runner() { # SERVER -> the command (the script is given on standard input, or with -f for psql)
    case "$1" in
        postgres) echo "psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d $DB -f" ;;
        mysql) echo "mariadb -h 127.0.0.1 -u root $DB" ;;
        sqlite) echo "sqlite3 $SQLITE_DB" ;;
    esac
}

run_script() { # SERVER SCRIPT LOG [extra client option]
    case "$1" in
        postgres) step "$3" - psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d "$DB" -f "$2" ;;
        mysql) step "$3" "$2" mariadb ${4:-} -h 127.0.0.1 -u root "$DB" ;;
        sqlite) step "$3" "$2" sqlite3 "$SQLITE_DB" ;;
    esac
    [ "$STATUS" = timeout ] && end_sessions "$1"
}

# ---------- 1. the dump and its reference deduplication ----------
if [ ! -s "$CSV" ]; then
    log "generating $CSV"
    python3 scripts/gen_bench.py --rows "$ROWS" --out "$CSV.tmp" && mv "$CSV.tmp" "$CSV" || exit 1
fi
CANON="$WORK/$T.original.canon"
PY_IDS="$WORK/$T.reference-removed-ids.txt"
if [ ! -s "$CANON" ] || [ ! -s "$PY_IDS" ] || [ "$CSV" -nt "$CANON" ]; then
    log "reading $CSV (canonical rows, reference deduplication)"
    "$PY" "$HELPER" canon "$CSV" "$CANON.tmp" --removed-ids "$PY_IDS" >&2 &&
        mv "$CANON.tmp.cleaned" "$CANON.reference-cleaned" && mv "$CANON.tmp" "$CANON" || exit 1
fi

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT/bench-replay-$STAMP.md"
CMDLINE="scripts/bench_replay.sh $ROWS (RUNS=$RUNS, STEP_TIMEOUT=$STEP_TIMEOUT, SERVERS=\"$SERVERS\"${DUPSWEEP_BIN:+, DUPSWEEP_BIN=$DUPSWEEP_BIN}$([ "$NO_DUPSWEEP" = 1 ] && echo ', NO_DUPSWEEP=1'))"

server_versions() {
    local v line="Servers:"
    for s in $SERVERS; do
        case "$s" in
            postgres) v=$(psql -X -At -h 127.0.0.1 -U postgres -d postgres -c 'SHOW server_version' 2>/dev/null) && line+=" PostgreSQL ${v%% *} (psql ${PSQL_V:-?})," ;;
            mysql) v=$(my -N -B -e 'SELECT VERSION()' 2>/dev/null) && line+=" MariaDB ${v%%-*}," ;;
            sqlite) line+=" SQLite $(sqlite3 -version | cut -d' ' -f1)," ;;
        esac
    done
    echo "${line%,}; Python $($PY -c 'import sys; print(sys.version.split()[0])') (scripts/bench_replay.py)"
}
PSQL_V=$(psql --version 2>/dev/null | awk '{print $3}')

{
    if [ -n "$DUPSWEEP" ]; then
        # machine_lines prints bench.sh's DuckDB and Polars versions last: not measured here
        machine_lines 2>/dev/null | sed -E 's/; DuckDB .*$//; s/; *$//' |
            if [ -n "${DUPSWEEP_BIN:-}" ]; then sed "s|(release build of |($DUPSWEEP, the repository at |"; else cat; fi
    else
        machine_lines 2>/dev/null | head -n1
        echo "Date: $(date -u +%Y-%m-%d); no dupsweep (NO_DUPSWEEP=1): loaders, checks and hand-written deletions only, with the removed ids of a reference deduplication in Python"
    fi
    server_versions
    echo "Command: $CMDLINE; median of $RUNS runs"
    echo
} | tee "$REPORT"

# ---------- 2. dupsweep's outputs ----------
DS_OUT="$WORK/out"
CLEANED_CANON="$CANON.reference-cleaned"
IDS="$PY_IDS"
declare -A SCRIPT=() UNDO=()
if [ -n "$DUPSWEEP" ]; then
    rm -rf "$DS_OUT"; sync
    log "dupsweep clean $CSV"
    res=$(timed "$WORK/dupsweep.log" "$DUPSWEEP" clean "$CSV" --pk id --keep min:id \
        --dialect postgres --dialect mysql --dialect sqlite --out "$DS_OUT")
    if [ "$res" = fail ]; then
        echo "dupsweep clean FAILED: $(excerpt "$WORK/dupsweep.log") (log: $WORK/dupsweep.log)" | tee -a "$REPORT"
        exit 1
    fi
    removed="$DS_OUT/$T.removed.csv"
    cleaned="$DS_OUT/$T.cleaned.csv"
    {
        echo "dupsweep clean $T.csv --pk id --keep min:id --dialect postgres --dialect mysql --dialect sqlite: $(awk -v w="${res% *}" -v k="${res#* }" 'BEGIN {printf "%s s wall, %.2f GB peak RSS", w, k / 1e6}')"
        echo
    } | tee -a "$REPORT"
    "$PY" "$HELPER" ids "$removed" "$WORK/$T.removed-ids.txt" >/dev/null || exit 1
    "$PY" "$HELPER" canon "$cleaned" "$WORK/$T.cleaned.canon" >/dev/null || exit 1
    IDS="$WORK/$T.removed-ids.txt"
    CLEANED_CANON="$WORK/$T.cleaned.canon"
    same_ids=$(cmp -s "$IDS" "$PY_IDS" && echo yes || echo NO)
    same_cleaned=$(cmp -s "$CLEANED_CANON" "$CANON.reference-cleaned" && echo yes || echo NO)
    rsize=$(stat -c %s "$removed")
    {
        echo "Removed: $(wc -l <"$IDS") rows; the same ids as a reference deduplication in Python: $same_ids; cleaned file = the dump without them: $same_cleaned"
        echo
        echo "| file | size | ÷ removed file ($T.removed.csv) |"
        echo "|---|---|---|"
        echo "| $T.removed.csv | $(awk -v b="$rsize" 'BEGIN {printf "%.2f MB", b / 1e6}') | 1.00 |"
        for d in postgres mysql sqlite; do
            for kind in sql undo.sql; do
                f="$DS_OUT/$T.$d.$kind"
                if [ -s "$f" ]; then
                    b=$(stat -c %s "$f")
                    echo "| $T.$d.$kind | $(awk -v b="$b" 'BEGIN {printf "%.2f MB", b / 1e6}') | $(awk -v b="$b" -v r="$rsize" 'BEGIN {printf "%.2f", b / r}') |"
                else
                    echo "| $T.$d.$kind | missing | |"
                fi
            done
        done
        echo
    } | tee -a "$REPORT"
    SIZES_OK=yes
    for d in postgres mysql sqlite; do
        SCRIPT[$d]="$DS_OUT/$T.$d.sql"
        UNDO[$d]="$DS_OUT/$T.$d.undo.sql"
        for f in "${SCRIPT[$d]}" "${UNDO[$d]}"; do
            [ -s "$f" ] && awk -v b="$(stat -c %s "$f")" -v r="$rsize" 'BEGIN {exit !(b > 1.5 * r)}' && SIZES_OK=no
        done
    done
fi
[ -s "$CLEANED_CANON" ] || { log "no cleaned rows to compare with"; exit 1; }

# ---------- 3. the hand-written deletions (loading the ids included) ----------
HAND_DIR="$WORK/hand"
mkdir -p "$HAND_DIR"
cat >"$HAND_DIR/postgres.sql" <<EOF
\\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE removed_ids (id bigint PRIMARY KEY) ON COMMIT DROP;
\\copy removed_ids FROM '$IDS'
DELETE FROM "$T" s USING removed_ids r WHERE s.id = r.id;
COMMIT;
EOF
cat >"$HAND_DIR/mysql.sql" <<EOF
CREATE TEMPORARY TABLE removed_ids (id BIGINT NOT NULL PRIMARY KEY) ENGINE=InnoDB;
START TRANSACTION;
LOAD DATA LOCAL INFILE '$IDS' INTO TABLE removed_ids (id);
DELETE s FROM \`$T\` s JOIN removed_ids r ON s.id = r.id;
COMMIT;
EOF
{
    echo ".bail on"
    echo "BEGIN;"
    echo "CREATE TEMP TABLE removed_ids (id INTEGER PRIMARY KEY);"
    awk '{ if (n % 1000 == 0) { if (n) print ";"; printf "INSERT INTO removed_ids VALUES (%s)", $1 } else printf ",(%s)", $1; n++ } END { if (n) print ";" }' "$IDS"
    echo "DELETE FROM \"$T\" WHERE id IN (SELECT id FROM removed_ids);"
    echo "COMMIT;"
} >"$HAND_DIR/sqlite.sql"

# ---------- 4. per server: load, replay, check ----------
declare -A LOAD_NOTE=()
setup_server() { # SERVER: creates the database and loads the pristine table; sets LOAD_NOTE
    local s=$1 t0 t1 c
    case "$s" in
        postgres)
            command -v psql >/dev/null || { LOAD_NOTE[$s]="psql not found"; return 1; }
            pg_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >"$WORK/setup-$s.log" 2>&1 &&
                pg_admin "CREATE DATABASE $DB" >>"$WORK/setup-$s.log" 2>&1 &&
                pg -c "$(ddl postgres "${T}_pristine")" >>"$WORK/setup-$s.log" 2>&1 ||
                { LOAD_NOTE[$s]="PostgreSQL is not available: $(excerpt "$WORK/setup-$s.log")"; return 1; }
            log "postgres: \\copy $T.csv"
            step "$WORK/load-$s.log" - psql -X -q -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -d "$DB" \
                -c "\\copy \"${T}_pristine\" FROM '$CSV' WITH (FORMAT csv, HEADER true)"
            [ "$STATUS" = ok ] || { LOAD_NOTE[$s]="\\copy $(cell "$STATUS" "$SECS" "$WORK/load-$s.log")"; return 1; }
            LOAD_NOTE[$s]="psql \\copy (FORMAT csv) $SECS s"
            pg -c "ANALYZE \"${T}_pristine\"" >/dev/null 2>&1
            ;;
        mysql)
            command -v mariadb >/dev/null || { LOAD_NOTE[$s]="mariadb not found"; return 1; }
            my -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci" >"$WORK/setup-$s.log" 2>&1 &&
                my "$DB" -e "$(ddl mysql "${T}_pristine")" >>"$WORK/setup-$s.log" 2>&1 ||
                { LOAD_NOTE[$s]="MariaDB is not available: $(excerpt "$WORK/setup-$s.log")"; return 1; }
            if [ "$(my -N -B -e 'SELECT @@GLOBAL.local_infile')" != 1 ]; then
                log "mysql: SET GLOBAL local_infile = 1 (LOAD DATA LOCAL INFILE is off)"
                my -e "SET GLOBAL local_infile = 1" || { LOAD_NOTE[$s]="LOAD DATA LOCAL INFILE is off and cannot be turned on"; return 1; }
            fi
            local tsv="$WORK/$T.tsv"
            log "mysql: converting $T.csv to TSV"
            step "$WORK/tsv.log" - "$PY" "$HELPER" tsv "$CSV" "$tsv"
            [ "$STATUS" = ok ] || { LOAD_NOTE[$s]="CSV to TSV $(cell "$STATUS" "$SECS" "$WORK/tsv.log")"; return 1; }
            local tsv_secs=$SECS
            log "mysql: LOAD DATA LOCAL INFILE"
            printf '%s\n' "LOAD DATA LOCAL INFILE '$tsv' INTO TABLE \`${T}_pristine\` CHARACTER SET utf8mb4 ($COLS);" \
                "SELECT @@warning_count;" >"$WORK/load-mysql.sql"
            run_script mysql "$WORK/load-mysql.sql" "$WORK/load-$s.log" "--local-infile=1 -N -B"
            [ "$STATUS" = ok ] || { LOAD_NOTE[$s]="LOAD DATA $(cell "$STATUS" "$SECS" "$WORK/load-$s.log")"; return 1; }
            c=$(tail -n1 "$WORK/load-$s.log")
            [ "$c" = 0 ] || { LOAD_NOTE[$s]="LOAD DATA gave $c warnings"; return 1; }
            LOAD_NOTE[$s]="CSV to TSV (Python) $tsv_secs s + LOAD DATA LOCAL INFILE $SECS s"
            ;;
        sqlite)
            mkdir -p "$SQLITE_DIR"
            rm -f "$SQLITE_PRISTINE" "$SQLITE_DB"
            log "sqlite: loading $T.csv with Python's sqlite3 module"
            step "$WORK/load-$s.log" - "$PY" "$HELPER" sqlite-load "$CSV" "$SQLITE_PRISTINE" "$T" "$(ddl sqlite "$T")"
            [ "$STATUS" = ok ] || { LOAD_NOTE[$s]="load $(cell "$STATUS" "$SECS" "$WORK/load-$s.log")"; return 1; }
            LOAD_NOTE[$s]="Python sqlite3 module (executemany, values as text) $SECS s"
            ;;
    esac
    # the loader is checked like the replays: the pristine table holds the dump's values
    t0=$(date +%s)
    if [ "$s" = sqlite ]; then c=$(check "$s" "$CANON" "$T" "$SQLITE_PRISTINE"); else c=$(check "$s" "$CANON" "${T}_pristine"); fi
    t1=$(date +%s)
    LOAD_NOTE[$s]+="; loaded table = dump: $c (check $((t1 - t0)) s)"
    [[ "$c" == yes* ]] || return 1
    return 0
}

hand_cleaned() { # SERVER: the hand-written deletion, untimed (to reach the cleaned state)
    run_script "$1" "$HAND_DIR/$1.sql" "$WORK/hand-untimed-$1.log" "--local-infile=1"
}

median_cell() { # "s1 s2 ..." -> the median, two decimals
    printf '%s\n' $1 | median | awk '{printf "%.2f", $1}'
}

{
    echo "| server | dupsweep change script | undo script | hand-written unguarded DELETE | change ÷ hand-written | table = cleaned file |"
    echo "|---|---|---|---|---|---|"
} | tee -a "$REPORT"

declare -A NOTES=() RATIO=()
for s in $SERVERS; do
    name=$(case "$s" in postgres) echo PostgreSQL ;; mysql) echo MariaDB ;; sqlite) echo SQLite ;; esac)
    log "$s: setting up"
    if ! setup_server "$s"; then
        echo "| $name | not run: ${LOAD_NOTE[$s]:-setup failed} | | | | |" | tee -a "$REPORT"
        continue
    fi
    ch_times=() un_times=() ha_times=() fresh_times=()
    ch_cell="" un_cell="" ha_cell="" checks=() notes=()
    for r in $(seq 1 "$RUNS"); do
        if [ -n "$DUPSWEEP" ]; then
            # a. the change script
            fresh "$s" || break
            fresh_times+=("$FRESH_SECS")
            log "$s run $r: change script"
            run_script "$s" "${SCRIPT[$s]}" "$WORK/change-$s-$r.log"
            if [ "$STATUS" = ok ]; then ch_times+=("$SECS"); else [ -n "$ch_cell" ] || ch_cell=$(cell "$STATUS" "$SECS" "$WORK/change-$s-$r.log"); fi
            # b. the table against the cleaned file
            c=$(check "$s" "$CLEANED_CANON")
            if [[ "$c" != yes* ]]; then
                if [ "$STATUS" != ok ]; then
                    u=$(check "$s" "$CANON")
                    if [[ "$u" == yes* ]]; then
                        checks+=("the change script did not complete (run $r): the table was left as the dump")
                    else
                        checks+=("the change script did not complete (run $r) and left the table neither cleaned (${c#NO: }) nor as the dump (${u#NO: })")
                    fi
                else
                    checks+=("after the change script (run $r): ${c#NO: }")
                fi
                # the undo is timed from a table cleaned by the hand-written deletion
                fresh "$s" && hand_cleaned "$s"
                c2=$(check "$s" "$CLEANED_CANON")
                notes+=("$name, run $r: the undo script ran on a table cleaned by the hand-written deletion (that table = cleaned file: $c2)")
            fi
            # c. the undo script, then the table against the dump
            log "$s run $r: undo script"
            run_script "$s" "${UNDO[$s]}" "$WORK/undo-$s-$r.log"
            if [ "$STATUS" = ok ]; then un_times+=("$SECS"); else [ -n "$un_cell" ] || un_cell=$(cell "$STATUS" "$SECS" "$WORK/undo-$s-$r.log"); fi
            c=$(check "$s" "$CANON")
            [[ "$c" == yes* ]] || checks+=("after the undo script (run $r), against the dump: ${c#NO: }")
        fi
        # d. the hand-written unguarded deletion on a fresh table
        fresh "$s" || break
        fresh_times+=("$FRESH_SECS")
        log "$s run $r: hand-written deletion"
        run_script "$s" "$HAND_DIR/$s.sql" "$WORK/hand-$s-$r.log" "--local-infile=1"
        if [ "$STATUS" = ok ]; then ha_times+=("$SECS"); else [ -n "$ha_cell" ] || ha_cell=$(cell "$STATUS" "$SECS" "$WORK/hand-$s-$r.log"); fi
        c=$(check "$s" "$CLEANED_CANON")
        [[ "$c" == yes* ]] || checks+=("after the hand-written deletion (run $r): ${c#NO: }")
    done
    if [ -z "$DUPSWEEP" ]; then ch_cell="not run (NO_DUPSWEEP=1)"; un_cell="$ch_cell"; fi
    [ -n "$ch_cell" ] || { [ "${#ch_times[@]}" -gt 0 ] && ch_cell="$(median_cell "${ch_times[*]}") s"; }
    [ -n "$un_cell" ] || { [ "${#un_times[@]}" -gt 0 ] && un_cell="$(median_cell "${un_times[*]}") s"; }
    [ -n "$ha_cell" ] || { [ "${#ha_times[@]}" -gt 0 ] && ha_cell="$(median_cell "${ha_times[*]}") s"; }
    ratio=$(awk -v c="${ch_cell% s}" -v h="${ha_cell% s}" 'BEGIN {if (c ~ /^[0-9.]+$/ && h ~ /^[0-9.]+$/ && h > 0) printf "%.2f", c / h; else print "-"}')
    RATIO[$s]=$ratio
    if [ "${#checks[@]}" -eq 0 ]; then
        ok_text="yes"
        [ -n "$DUPSWEEP" ] && ok_text="yes (change script and hand-written deletion; the undo gives back the dump)"
    else
        ok_text="NO: $(printf '%s; ' "${checks[@]}" | sed -E 's/; $//; s/\|/\\|/g' | cut -c1-600)"
    fi
    echo "| $name | ${ch_cell:-?} | ${un_cell:-?} | ${ha_cell:-?} | $ratio | $ok_text |" | tee -a "$REPORT"
    NOTES[$s]="$name: load ${LOAD_NOTE[$s]}; a fresh table from the pristine one $(median_cell "${fresh_times[*]:-0}") s (not timed in the table); each run (s): change ${ch_times[*]:--}, undo ${un_times[*]:--}, hand-written ${ha_times[*]:--}"
    for n in "${notes[@]}"; do NOTES[$s]+=$'\n'"$n"; done
done

{
    echo
    for s in $SERVERS; do [ -n "${NOTES[$s]:-}" ] && echo "${NOTES[$s]}" && echo; done
    if [ -n "$DUPSWEEP" ]; then
        t="" each=""
        for s in $SERVERS; do
            t+=" ${RATIO[$s]:--}"
            each+=", $(case "$s" in postgres) echo PostgreSQL ;; mysql) echo MariaDB ;; sqlite) echo SQLite ;; esac) ${RATIO[$s]:--}"
        done
        met=$(awk -v r="$t" 'BEGIN {n = split(r, a, " "); ok = (n > 0); for (i = 1; i <= n; i++) if (a[i] !~ /^[0-9.]+$/ || a[i] > 2) ok = 0; print ok ? "met" : "NOT met"}')
        echo "Targets: change script at most 2× the hand-written deletion on every server: $met (${each#, }); every script at most 1.5× the removed file: $([ "$SIZES_OK" = yes ] && echo met || echo 'NOT met')."
    fi
    echo "Hand-written deletions: $HAND_DIR/{postgres,mysql,sqlite}.sql; logs in $WORK/."
} | tee -a "$REPORT"

if [ "${KEEP_DB:-0}" != 1 ]; then
    [[ " $SERVERS " == *" postgres "* ]] && pg_admin "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
    [[ " $SERVERS " == *" mysql "* ]] && my -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
    rm -f "$SQLITE_DB" "$SQLITE_PRISTINE"
fi
echo >&2
log "table written to $REPORT"
