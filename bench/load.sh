#!/usr/bin/env bash
# The metadata API under load: requests per second and p50/p99 latency of an authenticated case
# listing (`GET /v1/cases` with a bearer token) at 64 connections, from wrk in a second process
# on loopback, with vault-server on SQLite (the embedded default) and on a throwaway PostgreSQL,
# next to a bare axum handler answering a fixed small JSON body (the ceiling of the HTTP stack
# on this machine). Each run is bounded in time and preceded by a one-second warm-up.
#
#   bench/load.sh                 10 s per run
#   QUICK=1 bench/load.sh         3 s per run
#   DURATION=30 CASES=500 bench/load.sh
#
# Needs: wrk (Debian package wrk), initdb and pg_ctl (Debian package postgresql).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
[ "${QUICK:-0}" = 1 ] && DURATION=3
CASES=${CASES:-50}
CONNECTIONS=64
source "$ROOT/bench/lib.sh"
source "$ROOT/scripts/pg.sh"
BARE_PID=
stop_bare() { stop_pid "$BARE_PID"; }
on_exit stop_bare
on_exit stop_postgres

command -v wrk >/dev/null || fail "bench/load.sh needs wrk (Debian package wrk)"
build_release -p vault-client -p vault-server --example bare_axum
BARE_BIN=$BIN_DIR/examples/bare_axum
RESULTS=$BENCH_DIR/results
: >"$RESULTS"

# measure LABEL URL: a warm-up, then wrk for DURATION seconds; appends LABEL's figures to
# RESULTS. The bearer token, when BENCH_TOKEN is set, reaches wrk through its environment.
measure() {
  local label=$1 url=$2 out n duration p50 p99 errors
  local run=(wrk -t2 "-c$CONNECTIONS" --timeout 10s -s "$ROOT/bench/wrk-report.lua")
  VAULT_BENCH_TOKEN=${BENCH_TOKEN:-} "${run[@]}" -d1s "$url" >/dev/null
  out=$(VAULT_BENCH_TOKEN=${BENCH_TOKEN:-} "${run[@]}" "-d${DURATION}s" "$url")
  read -r _ n duration p50 p99 errors < <(grep '^RESULT ' <<<"$out") \
    || fail "$label: wrk printed no result"
  [ "$errors" = 0 ] || fail "$label: $errors of $n requests failed"
  echo "$label $n $duration $p50 $p99" >>"$RESULTS"
}

# measure_vault LABEL: a fresh server (database chosen by VAULT_DATABASE_URL when set), one
# organisation with CASES cases, its manager's token, and the listing under load.
measure_vault() {
  local label=$1 count
  DATA_DIR=$BENCH_DIR/$label
  mkdir -p "$DATA_DIR"
  start_server >/dev/null
  act admin init --email admin@platform.example >/dev/null
  act admin login >/dev/null
  new_org "Load Council" manager >/dev/null 2>&1
  for i in $(seq 1 "$CASES"); do
    act manager case create "LOAD-$i" >/dev/null
  done
  BENCH_TOKEN=$(printf '{"email":"manager@example.org","password":"password of manager"}' \
    | curl -fsS -H 'content-type: application/json' --data-binary @- \
      "$VAULTCTL_SERVER/v1/auth/login" | json 'd["token"]')
  # The listing answers every case, checked once before the load (header kept off argv).
  (umask 077; printf 'Authorization: Bearer %s\n' "$BENCH_TOKEN" >"$DATA_DIR/auth.header")
  curl -fsS -H "@$DATA_DIR/auth.header" "$VAULTCTL_SERVER/v1/cases" >"$DATA_DIR/cases.json"
  count=$(json 'len(d)' <"$DATA_DIR/cases.json")
  [ "$count" = "$CASES" ] || fail "$label: the listing has $count cases, not $CASES"
  LISTING_BYTES=$(wc -c <"$DATA_DIR/cases.json")
  measure "$label" "$VAULTCTL_SERVER/v1/cases"
  BENCH_TOKEN=
  stop_pid "$SERVER_PID"
  SERVER_PID=
}

echo "== bare axum handler" >&2
"$BARE_BIN" 127.0.0.1:0 >"$BENCH_DIR/bare.out" 2>&1 &
BARE_PID=$!
for _ in $(seq 1 100); do
  [ -s "$BENCH_DIR/bare.out" ] && break
  kill -0 "$BARE_PID" 2>/dev/null || fail "bare_axum exited: $(cat "$BENCH_DIR/bare.out")"
  sleep 0.1
done
BARE_URL="http://$(head -n1 "$BENCH_DIR/bare.out")/"
curl -fsS "$BARE_URL" >/dev/null || fail "bare_axum does not answer at $BARE_URL"
BARE_BYTES=$(curl -fsS "$BARE_URL" | wc -c)
measure "bare-axum" "$BARE_URL"
stop_pid "$BARE_PID"
BARE_PID=

echo "== vault-server on SQLite" >&2
measure_vault sqlite

echo "== vault-server on PostgreSQL" >&2
start_postgres
VAULT_DATABASE_URL=$PG_URL measure_vault postgres
stop_postgres

echo
echo "GET /v1/cases ($CASES cases, $LISTING_BYTES bytes) against a fixed $BARE_BYTES-byte answer;" \
  "$CONNECTIONS connections, $DURATION s, wrk on the same $(nproc) cores"
python3 - "$RESULTS" <<'PY'
import sys

rows = {}
for line in open(sys.argv[1]):
    label, n, duration, p50, p99 = line.split()
    rows[label] = (int(n) / (int(duration) / 1e6), int(p50) / 1000, int(p99) / 1000)
names = {
    "bare-axum": "bare axum handler (ceiling)",
    "sqlite": "vault-server, SQLite",
    "postgres": "vault-server, PostgreSQL",
}
ceiling = rows["bare-axum"][0]
print("| backend | req/s | p50 | p99 | ratio to ceiling |")
print("| --- | --- | --- | --- | --- |")
for label in ("bare-axum", "sqlite", "postgres"):
    rate, p50, p99 = rows[label]
    print(f"| {names[label]} | {rate:,.0f} | {p50:.2f} ms | {p99:.2f} ms | {rate / ceiling:.3f} |")
PY
