#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests, then the walkthrough against
# the built binaries. Needs the stock `age` tool (Debian package `age`) for the walkthrough's
# last step and the tests that compare with it.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v age >/dev/null || { echo "the stock age tool is missing: apt-get install age" >&2; exit 1; }

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> cargo test"
cargo test --workspace
echo "==> walkthrough"
cargo build --quiet --bin vaultctl --bin vault-server
bash examples/walkthrough.sh
