#!/usr/bin/env bash
# Writes docs/cli.md, the command-line reference, from the program's own help (the test
# `the_cli_reference_in_docs_is_the_programs_help` checks that it is current).
set -euo pipefail
cd "$(dirname "$0")/.."
DUPSWEEP_WRITE_CLI_DOC=1 cargo test --locked --test it the_cli_reference_in_docs_is_the_programs_help -- --quiet
echo "wrote docs/cli.md"
