#!/usr/bin/env bash
# The test suite, from a fresh machine: installs the sqlite3 client and Chromium if they are
# missing, starts the local PostgreSQL and MariaDB servers if they are down, then runs every
# test.
# With DUPSWEEP_REQUIRE_DB=1 (as in CI) a database that does not answer fails the replay tests
# instead of skipping them.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "installing the sqlite3 client (Debian package sqlite3)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null
fi

# report.html is opened in headless Chromium by a test (Debian package chromium); with
# DUPSWEEP_REQUIRE_DB=1 (CI) a missing browser fails that test instead of skipping it
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Chromium for the report page's browser test (Debian package chromium)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
    echo "could not install Chromium: the browser test will say so"
fi
if [ "${DUPSWEEP_REQUIRE_DB:-}" = 1 ]; then
  export DUPSWEEP_REQUIRE_BROWSER=1
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
mariadb_up() { (mariadb -h 127.0.0.1 -u root -e 'SELECT 1' || mysql -h 127.0.0.1 -u root -e 'SELECT 1') >/dev/null 2>&1; }
if [ -x /usr/sbin/mariadbd ] && ! mariadb_up; then
  echo "starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
fi
for _ in $(seq 1 30); do
  if { ! command -v pg_isready >/dev/null 2>&1 || pg_isready -q -h 127.0.0.1 -p 5432; } \
     && { [ ! -x /usr/sbin/mariadbd ] || mariadb_up; }; then
    break
  fi
  sleep 1
done

# cargo prints one "test result" line per test binary, the last of which (doc tests, benches)
# may count none: close with the totals over all of them.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# `cargo test --all-targets` builds the examples as test harnesses only; the example test runs
# the real example program, so build it first.
cargo build --locked --examples
set +e
cargo test --locked --all-targets "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# the library's documented example (`--all-targets` does not run doc tests)
if [ "$status" -eq 0 ]; then
  cargo test --locked --doc "$@" 2>&1 | tee -a "$log"
  status=${PIPESTATUS[0]}
fi
set -e
passed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
failed=$(sed -n 's/^test result: .* \([0-9][0-9]*\) passed; \([0-9][0-9]*\) failed.*/\2/p' "$log" | awk '{s+=$1} END {print s+0}')
echo "dupsweep: $passed passed, $failed failed"
exit "$status"
