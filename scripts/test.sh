#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests, then the walkthrough against
# the built binaries. Needs the stock `age` tool (Debian package `age`) for the walkthrough's
# last step and the tests that compare with it. With VAULT_TEST_DATABASE_URL set (a PostgreSQL
# role allowed to create databases), the database tests run a second time on PostgreSQL, each
# server in a fresh database. Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v age >/dev/null || { echo "the stock age tool is missing: apt-get install age" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> cargo test"
cargo test --workspace 2>&1 | tee "$log"
if [ -n "${VAULT_TEST_DATABASE_URL:-}" ]; then
  echo "==> cargo test on PostgreSQL (server and end-to-end tests)"
  VAULT_TEST_BACKEND=postgres cargo test -p vault-server -p vault-tests --tests 2>&1 | tee -a "$log"
fi
echo "==> walkthrough"
cargo build --quiet --bin vaultctl --bin vault-server
bash examples/walkthrough.sh

passed=$(awk '/^test result:/ { n += $4 } END { print n + 1 }' "$log")
echo
echo "suite: $passed passed, 0 failed"
