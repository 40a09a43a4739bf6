#!/usr/bin/env bash
# The whole test suite: formatting, lints, every crate's tests, then the walkthrough against
# the built binaries. Needs the stock `age` tool (Debian package `age`) for the walkthrough's
# last step and the tests that compare with it. With VAULT_TEST_DATABASE_URL set (a PostgreSQL
# role allowed to create databases), the database tests run a second time on PostgreSQL, each
# server in a fresh database. With VAULT_TEST_OBJECT_STORE_URL (s3://BUCKET) and the VAULT_S3_*
# settings, the storage, upload and end-to-end tests and the walkthrough run once more on that
# S3-compatible store (with PostgreSQL too when it is set), each server under a fresh prefix.
# Then the browser tests (tests/browser/run.sh: Playwright in Debian's Chromium, against the
# debug server built above); they are skipped with a message only when Chromium or the npm
# packages are missing and VAULT_REQUIRE_BROWSER is not set (.ci/run sets it). Before the Rust
# tests, the browser vault's bundle is rebuilt from web/package-lock.json and must equal the
# committed vault-server/static/vault.js, and its own tests run under Node.js (same rule).
# Ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v age >/dev/null || { echo "the stock age tool is missing: apt-get install age" >&2; exit 1; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "==> cargo fmt --check"
cargo fmt --all --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> web bundle: rebuilt from web/package-lock.json, must equal the committed one"
web_log=$(mktemp)
trap 'rm -f "$log" "$web_log"' EXIT
if command -v node >/dev/null && command -v npm >/dev/null || [ -n "${VAULT_REQUIRE_BROWSER:-}" ]
then
  bash scripts/build-web.sh --check
  echo "==> web tests (node --test)"
  (cd web && node --test test/) 2>&1 | tee "$web_log"
else
  echo "web bundle check and tests SKIPPED: they need Node.js and npm" \
    "(apt-get install nodejs npm); .ci/run installs both"
fi
web_passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$web_log")
echo "==> cargo test"
cargo test --workspace 2>&1 | tee "$log"
if [ -n "${VAULT_TEST_DATABASE_URL:-}" ]; then
  echo "==> cargo test on PostgreSQL (server and end-to-end tests)"
  VAULT_TEST_BACKEND=postgres cargo test -p vault-server -p vault-tests --tests 2>&1 | tee -a "$log"
fi
echo "==> walkthrough"
walkthroughs=1
cargo build --quiet --bin vaultctl --bin vault-server
bash examples/walkthrough.sh
if [ -n "${VAULT_TEST_OBJECT_STORE_URL:-}" ]; then
  s3_started=$(date +%s)
  echo "==> cargo test on S3 (storage, upload and end-to-end tests)"
  backend=
  [ -n "${VAULT_TEST_DATABASE_URL:-}" ] && backend=postgres
  export VAULT_TEST_BACKEND=$backend VAULT_TEST_OBJECT_STORE=s3
  # One invocation over both packages, as for PostgreSQL, so nothing is compiled again.
  cargo test -p vault-server -p vault-tests --test upload_checks --test happy_path \
    --test all_or_nothing --test story --test replicas --test lying_server --test body_first \
    --test sealing_upload --test upload_parts --test transfer_outcome --test stale_offer \
    --test export_audit 2>&1 \
    | tee -a "$log"
  echo "==> walkthrough on S3"
  walk_dir=$(mktemp -d)
  VAULT_OBJECT_STORE_URL="${VAULT_TEST_OBJECT_STORE_URL%/}/walkthrough-$(basename "$walk_dir")" \
    DATA_DIR="$walk_dir" bash examples/walkthrough.sh
  # The server logged its settings at start: the S3 credentials must not be in that log.
  server_log="$walk_dir/server.log"
  if grep -qF -e "$VAULT_S3_SECRET_ACCESS_KEY" -e "$VAULT_S3_ACCESS_KEY_ID" "$server_log"; then
    echo "the server log shows an S3 credential" >&2; exit 1
  fi
  grep -q 's3: S3Settings' "$server_log" || { echo "no S3 settings in the server log" >&2; exit 1; }
  rm -rf "$walk_dir"
  walkthroughs=2
  echo "==> the S3 pass took $(( $(date +%s) - s3_started )) s"
fi

echo "==> browser tests"
browser_log=$(mktemp)
trap 'rm -f "$log" "$web_log" "$browser_log"' EXIT
if [ -x /usr/bin/chromium ] && [ -d tests/browser/node_modules/@playwright/test ] \
  || [ -n "${VAULT_REQUIRE_BROWSER:-}" ]; then
  bin_dir=${CARGO_TARGET_DIR:-$PWD/target}/debug
  VAULT_SERVER_BIN=$bin_dir/vault-server VAULTCTL=$bin_dir/vaultctl bash tests/browser/run.sh \
    2>&1 | tee "$browser_log"
else
  echo "browser tests SKIPPED: they need Debian's chromium (apt-get install chromium) and" \
    "the npm packages (cd tests/browser && npm ci); .ci/run installs both"
fi
browser_passed=$(sed -n 's/^browser tests: \([0-9]*\) passed.*/\1/p' "$browser_log")

passed=$(awk -v w="$walkthroughs" -v b="${browser_passed:-0}" -v j="${web_passed:-0}" \
  '/^test result:/ { n += $4 } END { print n + w + b + j }' "$log")
echo
echo "suite: $passed passed, 0 failed"
