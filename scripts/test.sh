#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests, then the walkthrough against
# the built binaries. Needs the stock `age` tool (Debian package `age`) for the walkthrough's
# last step and the tests that compare with it. Ends with one summary line.
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
echo "==> walkthrough"
cargo build --quiet --bin vaultctl --bin vault-server
bash examples/walkthrough.sh

passed=$(awk '/^test result:/ { n += $4 } END { print n + 1 }' "$log")
echo
echo "suite: $passed passed, 0 failed"
