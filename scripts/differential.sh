#!/usr/bin/env bash
# The differential replay test on many seeds: random tables cleaned by dupsweep, checked against
# an independent oracle, and replayed on SQLite, PostgreSQL and MariaDB (tests/it/differential.rs).
#
#   scripts/differential.sh [SEEDS [FIRST_SEED]]     (default: 2000 seeds from 1)
#   DUPSWEEP_DIFF_SERVERS=sqlite,postgres scripts/differential.sh 500
#
# The servers must answer (scripts/test.sh starts them); a failure prints its seed, what the
# table and options were, and what went wrong, and keeps the seed's files under
# target/tmp/differential/seed-N. Repeat one seed with: scripts/differential.sh 1 N
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-2000}
first=${2:-1}
export DUPSWEEP_DIFF_SEEDS=$seeds DUPSWEEP_DIFF_START=$first DUPSWEEP_REQUIRE_DB=1
start=$(date +%s)
cargo test --locked --test it differential_replay_on_every_server -- --nocapture
echo "differential: seeds $first..$((first + seeds - 1)) passed in $(( $(date +%s) - start )) s"
