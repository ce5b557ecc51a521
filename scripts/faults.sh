#!/usr/bin/env bash
# Fault injection: what dupsweep leaves behind when it is killed, starved, refused or raced.
#
#   scripts/faults.sh            (as root: it mounts small tmpfs folders; installs strace)
#
# 1. kill -9 at each rename of a run's commit, and during its writing (strace -e inject): the
#    output folder holds files of one run only, report.json only with every file it lists, and
#    the next run finishes or clears what the killed one left (no temporary file, no journal);
# 2. a full disk (a small tmpfs): the run exits 3, the older run's outputs stay as they were,
#    no temporary file is left;
# 3. a read-only folder (the tmpfs remounted read-only): exit 3, nothing changed;
# 4. concurrent runs on one folder: each exits 0 or 3 (the lock), the folder ends with one
#    run's outputs and no lock file;
# 5. the input edited during the run (same size, modification time put back): exit 2, "the
#    file changed while dupsweep read it", nothing written.
# Prints one line per check and exits 1 if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; }; }
need strace strace
need python3 python3

# DUPSWEEP_BIN: another build to check (an older one, say)
if [ -z "${DUPSWEEP_BIN:-}" ]; then cargo build --locked --quiet; fi
bin=${DUPSWEEP_BIN:-$root/target/debug/dupsweep}
work=$(mktemp -d /tmp/dupsweep-faults.XXXXXX)
mounts=()
cleanup() {
  for m in "${mounts[@]:-}"; do [ -n "$m" ] && umount "$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
pass() { echo "PASS  $*"; }
fail() { echo "FAIL  $*"; failed=1; }

input="$root/testdata/school/students.csv"
# two runs whose every output differs: generation A keeps the first of each group, B the last
runA=(clean "$input" --pk id --keep first --dialect postgres --dialect mysql --dialect sqlite --prevent)
runB=(clean "$input" --pk id --keep last --dialect postgres --dialect mysql --dialect sqlite --prevent)

"$bin" "${runA[@]}" --out "$work/refA" >/dev/null
"$bin" "${runB[@]}" --out "$work/refB" >/dev/null

# gen_csv FILE ROWS SEED: a CSV of ROWS records, about one in four a duplicate of another
gen_csv() {
  python3 - "$@" <<'EOF'
import random, sys
path, rows, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
random.seed(seed)
with open(path, "w") as f:
    f.write("id,name,city\n")
    for i in range(rows):
        k = random.randrange(rows * 3 // 4)
        f.write(f"{i},name {k:07d},city {k % 97:02d}\n")
EOF
}

# the outputs of a folder (not history.jsonl, which every run appends to, nor the manifest,
# which names them; hidden files apart: the lock, the journal and temporary files)
outputs() { (cd "$1" && find . -maxdepth 1 -type f ! -name '.*' ! -name history.jsonl ! -name dupsweep-manifest.txt -printf '%f\n' | sort); }
hidden() { (cd "$1" && find . -maxdepth 1 -type f -name '.*' -printf '%f\n' | sort); }

# which generation a folder's outputs belong to: "A", "B", "none", or "MIXED" (references:
# the folders of a whole run of each, refA and refB unless given)
generation() {
  local dir=$1 ra=${2:-$work/refA} rb=${3:-$work/refB} a=0 b=0 n=0 f
  for f in $(outputs "$dir"); do
    [ "$f" = report.json ] && continue
    n=$((n + 1))
    if [ -f "$ra/$f" ] && cmp -s "$dir/$f" "$ra/$f"; then a=$((a + 1)); fi
    if [ -f "$rb/$f" ] && cmp -s "$dir/$f" "$rb/$f"; then b=$((b + 1)); fi
  done
  if [ "$n" -eq 0 ]; then echo none
  elif [ "$a" -eq "$n" ]; then echo A
  elif [ "$b" -eq "$n" ]; then echo B
  else echo MIXED; fi
}

# report.json present => every file of that generation is there
complete_if_reported() {
  local dir=$1 gen=$2
  [ -f "$dir/report.json" ] || return 0
  [ "$gen" = A ] && [ "$(outputs "$dir")" = "$(outputs "$work/refA")" ] && return 0
  [ "$gen" = B ] && [ "$(outputs "$dir")" = "$(outputs "$work/refB")" ] && return 0
  return 1
}

# ---- 1. kill -9 at each rename, and while writing ----
# every rename of a run's commit, in order, as (system call, its count so far): strace counts
# each call on its own (when=N is the Nth call of that name)
(cd "$work" && rm -rf count && cp -a refA count \
  && strace -f -qq -e trace=rename,renameat,renameat2 -o trace.log "$bin" "${runB[@]}" --out count >/dev/null)
points=$(grep -oE '^[0-9]+ +(rename|renameat|renameat2)\(' "$work/trace.log" | awk '{print $2}' | tr -d '(' \
  | awk '{n[$1]++; print $1 ":" n[$1]}')
renames=$(echo "$points" | wc -l)
n=0
for point in $points; do
  n=$((n + 1))
  call=${point%%:*}; when=${point#*:}
  d="$work/kill$n"
  cp -a "$work/refA" "$d"
  set +e
  # (strace delivers the signal as the call enters; the rename itself may still be made)
  strace -f -qq -o /dev/null -e trace="$call" -e inject="$call":signal=KILL:when="$when" \
    "$bin" "${runB[@]}" --out "$d" >/dev/null 2>&1
  code=$?
  set -e
  if [ "$code" != 137 ]; then fail "kill at rename $n of $renames ($call #$when): the run was not killed (exit $code)"; continue; fi
  gen=$(generation "$d")
  if [ "$gen" = MIXED ]; then fail "kill at rename $n of $renames: outputs of two runs side by side"; continue; fi
  if ! complete_if_reported "$d" "$gen"; then fail "kill at rename $n: report.json beside an incomplete set of files ($gen)"; continue; fi
  state="$(outputs "$d" | grep -vc '^report.json$' || true) files of generation $gen, $([ -f "$d/report.json" ] && echo 'its report' || echo 'no report'), $(hidden "$d" | grep -c '^\.dupsweep-run-' || true) temporary files$([ -f "$d/.dupsweep-commit" ] && echo ', the journal' || true)"
  # the next run finishes what was left, then writes its own
  "$bin" "${runA[@]}" --out "$d" >/dev/null
  if [ "$(generation "$d")" != A ] || [ "$(outputs "$d")" != "$(outputs "$work/refA")" ] \
     || [ -n "$(hidden "$d")" ] || ! cmp -s "$d/dupsweep-manifest.txt" "$work/refA/dupsweep-manifest.txt"; then
    fail "kill at rename $n: the next run left $(hidden "$d" | tr '\n' ' ') / $(generation "$d")"
    continue
  fi
  pass "kill -9 at rename $n of $renames ($call #$when): left $state; the next run finished and cleaned up"
done

for n in 1 2 3 5 8; do
  d="$work/killw$n"
  cp -a "$work/refA" "$d"
  set +e
  strace -f -qq -o /dev/null -e trace=write,pwrite64 -e inject=write,pwrite64:signal=KILL:when="$n" \
    "$bin" "${runB[@]}" --out "$d" >/dev/null 2>&1
  code=$?
  set -e
  gen=$(generation "$d")
  left=$(hidden "$d" | grep -c '^\.dupsweep-run-' || true)
  if [ "$gen" != A ] && [ "$gen" != B ]; then fail "kill at write $n: generation $gen"; continue; fi
  "$bin" "${runA[@]}" --out "$d" >/dev/null
  if [ -n "$(hidden "$d")" ]; then fail "kill at write $n: the next run left $(hidden "$d" | tr '\n' ' ')"; continue; fi
  pass "kill -9 at write $n (exit $code): generation $gen, $left temporary files left, removed by the next run"
done

# ---- 2. a full disk ----
mnt="$work/small"; mkdir -p "$mnt"
mount -t tmpfs -o size=4m tmpfs "$mnt"; mounts+=("$mnt")
"$bin" "${runA[@]}" --out "$mnt/out" >/dev/null
used=$(du -sk "$mnt" | cut -f1)
mount -o remount,size=$((used + 64))k "$mnt"
set +e
err=$("$bin" "${runB[@]}" --out "$mnt/out" 2>&1 >/dev/null); code=$?
set -e
if [ "$code" = 3 ] && [ "$(generation "$mnt/out")" = A ] && [ "$(outputs "$mnt/out")" = "$(outputs "$work/refA")" ] \
   && [ -z "$(hidden "$mnt/out")" ]; then
  pass "full disk: exit 3 ($(echo "$err" | head -n1)); the older run's outputs intact, no temporary file"
else
  fail "full disk: exit $code, generation $(generation "$mnt/out"), hidden: $(hidden "$mnt/out" | tr '\n' ' ') ($err)"
fi
mnt2="$work/tiny"; mkdir -p "$mnt2"
mount -t tmpfs -o size=16k tmpfs "$mnt2"; mounts+=("$mnt2")
set +e
"$bin" "${runB[@]}" --out "$mnt2/out" >/dev/null 2>&1; code=$?
set -e
if [ "$code" = 3 ] && [ ! -e "$mnt2/out" ]; then pass "full disk, new folder: exit 3, no folder left"
else fail "full disk, new folder: exit $code, $(ls -A "$mnt2/out" 2>/dev/null | tr '\n' ' ')"; fi

# ---- 3. a read-only folder ----
mount -o remount,size=4m "$mnt"
before=$(cd "$mnt/out" && sha256sum $(outputs .) history.jsonl)
mount -o remount,ro "$mnt"
set +e
err=$("$bin" "${runB[@]}" --out "$mnt/out" 2>&1 >/dev/null); code=$?
set -e
after=$(cd "$mnt/out" && sha256sum $(outputs .) history.jsonl)
if [ "$code" = 3 ] && [ "$before" = "$after" ]; then pass "read-only folder: exit 3 ($(echo "$err" | head -n1)), nothing changed"
else fail "read-only folder: exit $code, changed: $([ "$before" = "$after" ] && echo no || echo yes)"; fi
mount -o remount,rw "$mnt"

# ---- 4. concurrent runs ----
big="$work/big.csv"
gen_csv "$big" 200000 7
bigA=(clean "$big" --pk id --keep first --dialect postgres --dialect sqlite)
bigB=(clean "$big" --pk id --keep last --dialect postgres --dialect sqlite)
"$bin" "${bigA[@]}" --out "$work/bigrefA" >/dev/null
"$bin" "${bigB[@]}" --out "$work/bigrefB" >/dev/null
ok=1; both=0; refused=0
for i in $(seq 1 12); do
  d="$work/race$i"
  set +e
  "$bin" "${bigA[@]}" --out "$d" >/dev/null 2>"$work/ea" & pa=$!
  "$bin" "${bigB[@]}" --out "$d" >/dev/null 2>"$work/eb" & pb=$!
  wait $pa; ca=$?; wait $pb; cb=$?
  set -e
  for c in $ca $cb; do [ "$c" = 0 ] || [ "$c" = 3 ] || ok=0; done
  [ "$ca" = 0 ] && [ "$cb" = 0 ] && both=$((both + 1))
  { [ "$ca" = 3 ] || [ "$cb" = 3 ]; } && refused=$((refused + 1))
  # one run's outputs, whole
  g=$(generation "$d" "$work/bigrefA" "$work/bigrefB")
  if { [ "$g" != A ] && [ "$g" != B ]; } || [ "$(outputs "$d")" != "$(outputs "$work/bigrefA")" ]; then ok=0; fi
  [ -e "$d/.dupsweep.lock" ] && ok=0
  [ -n "$(hidden "$d")" ] && ok=0
done
if [ "$ok" = 1 ]; then pass "12 pairs of concurrent runs: every exit 0 or 3 ($refused pairs had one refused by the lock, $both ran one after the other), one run's outputs in each folder, no lock file left"
else fail "concurrent runs: an exit code, a mix of outputs or a leftover file (see $work)"; fi

# ---- 5. the input edited during the run ----
edit="$work/edit.csv"
gen_csv "$edit" 2000000 11
size=$(stat -c %s "$edit")
touch -d '2020-01-01 00:00:00' "$edit"
set +e
"$bin" clean "$edit" --pk id --out "$work/editout" >/dev/null 2>"$work/edit.err" & p=$!
set -e
# wait until the run has started writing (its first pass is over), then flip one byte in place
for _ in $(seq 1 200); do [ -d "$work/editout" ] && break; sleep 0.05; done
python3 - "$edit" "$size" <<'EOF'
import sys
path, size = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(size // 2)
    b = f.read(1)
    f.seek(size // 2)
    f.write(b"7" if b != b"7" else b"8")
EOF
touch -d '2020-01-01 00:00:00' "$edit"
set +e
wait $p; code=$?
set -e
if [ "$code" = 2 ] && grep -q "changed while dupsweep read it" "$work/edit.err" && [ ! -e "$work/editout" ]; then
  pass "input edited during the run (same size, time put back): exit 2, $(head -n1 "$work/edit.err"), nothing written"
elif [ ! -d "$work/editout" ] && [ "$code" = 0 ]; then
  fail "input edit: the run ended before the edit (make the file larger)"
else
  fail "input edit: exit $code, $(cat "$work/edit.err"), folder: $(ls -A "$work/editout" 2>/dev/null | tr '\n' ' ')"
fi

exit "$failed"
