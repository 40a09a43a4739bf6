#!/usr/bin/env bash
# The web app in a real browser: starts a fresh vault-server (debug build) on a free loopback
# port over a temporary data directory, bootstraps the platform admin, waits for /healthz, runs
# the Playwright specs in Debian's Chromium, then stops the server and removes the directory.
# Ends with one line "browser tests: N passed, M failed" that scripts/test.sh reads.
#
# Environment:
#   VAULT_SERVER_BIN, VAULTCTL   the server and client binaries (default target/debug/…,
#                      built when not given); the scenario opens a case with vaultctl
#   CHROMIUM           the browser (default /usr/bin/chromium)
#   KEEP_DATA=1        keep the data directory and server log for a look after a failure
#   VAULT_SCREENSHOTS_DIR=docs/screenshots
#                      save the main pages' screenshots for the README (relative to the
#                      repository; by default they go to tests/browser/test-results/screenshots)
# Arguments are passed to `playwright test` (a spec file, --grep, --headed ...).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
export CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] || { echo "no Chromium at $CHROMIUM: apt-get install chromium" >&2; exit 1; }
[ -d "$HERE/node_modules/@playwright/test" ] \
  || { echo "Playwright is not installed: (cd tests/browser && npm ci)" >&2; exit 1; }

if [ -z "${VAULT_SERVER_BIN:-}" ] || [ -z "${VAULTCTL:-}" ]; then
  # A no-op when cargo test or the walkthrough already built them.
  (cd "$ROOT" && cargo build --quiet --bin vault-server --bin vaultctl)
fi
VAULT_SERVER_BIN=${VAULT_SERVER_BIN:-$TARGET_DIR/debug/vault-server}
export VAULTCTL=${VAULTCTL:-$TARGET_DIR/debug/vaultctl}

DATA_DIR=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_DATA:-0}" = 1 ]; then echo "data and server.log kept in $DATA_DIR"
  else rm -rf "$DATA_DIR"; fi
}
trap cleanup EXIT

port=$(node -e 'const s=require("net").createServer();
  s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});')
export VAULT_URL="http://127.0.0.1:$port"
# Unique per run, so a kept server or a rerun never meets an address already taken.
export VAULT_RUN_ID=${VAULT_RUN_ID:-$(printf '%x' "$(date +%s)")}
# Where the scenario keeps a vault member's keystore and the document it seals.
export VAULT_BROWSER_DATA=$DATA_DIR
export VAULT_ADMIN_EMAIL="admin@platform.example"
export VAULT_ADMIN_PASSWORD="password of the platform admin, $VAULT_RUN_ID"

"$VAULT_SERVER_BIN" bootstrap-admin --data-dir "$DATA_DIR/server" \
  --email "$VAULT_ADMIN_EMAIL" >"$DATA_DIR/bootstrap.log" 2>&1 \
  || { cat "$DATA_DIR/bootstrap.log" >&2; exit 1; }
# Every spec registers people from this one address; the hourly limit is tested in Rust.
VAULT_REGISTRATIONS_PER_HOUR=1000 \
  "$VAULT_SERVER_BIN" serve --bind "127.0.0.1:$port" --data-dir "$DATA_DIR/server" \
  >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 300); do
  if curl -fsS "$VAULT_URL/healthz" >/dev/null 2>&1; then ready=1; break; fi
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if [ "$ready" = 0 ]; then
  echo "the server did not answer /healthz; its log:" >&2
  cat "$DATA_DIR/server.log" >&2
  exit 1
fi
echo "==> vault-server on $VAULT_URL (data in $DATA_DIR)"

cd "$HERE"
# A report left by an earlier run must not stand in for this one's.
rm -f "$HERE/test-results/results.json"
status=0
"$HERE/node_modules/.bin/playwright" test "$@" || status=$?
node "$HERE/summary.js" "$HERE/test-results/results.json" || status=1
if [ "$status" != 0 ]; then
  echo "==> the server's last log lines:" >&2
  tail -n 40 "$DATA_DIR/server.log" >&2
fi
exit "$status"
