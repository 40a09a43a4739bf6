#!/usr/bin/env bash
# Every benchmark in one run, each printing its own figures, then one table of the round trips:
#   1. bench/seal.sh       sealing to a local file beside the stock age tool
#   2. bench/roundtrip.sh  seal + upload, download + open, for 10 MiB, 200 MiB and 2 GiB, on
#                          the embedded default and on PostgreSQL + S3 (throwaway servers from
#                          scripts/pg.sh and scripts/s3.sh)
#   3. bench/transfer.sh   a case of 1,000 documents transferred, beside re-encrypting them all
#   4. bench/load.sh       the case listing under 64 connections, beside a bare axum handler
#   5. bench/audit.sh      `vaultctl audit verify --offline` over an export of 1,000,000 log
#                          leaves (written by tests/examples/audit_export.rs, ~5 minutes)
#
#   bench/run.sh           everything at full size (about 13 minutes on two cores)
#   QUICK=1 bench/run.sh   small sizes and short runs (a few minutes)
#   ONLY="seal roundtrip" bench/run.sh    some of them (seal roundtrip transfer load audit)
#
# Needs: age, GNU time, wrk, psql, initdb/pg_ctl (Debian packages age, time, wrk, postgresql),
# python3 with venv.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ONLY=${ONLY:-seal roundtrip transfer load audit}
if [ "${QUICK:-0}" = 1 ]; then SIZES=(10 64); else SIZES=(10 200 2048); fi
export BENCH_RESULTS
BENCH_RESULTS=$(mktemp "${TMPDIR:-/tmp}/vault-bench-results.XXXXXX")

source "$ROOT/scripts/pg.sh"
source "$ROOT/scripts/s3.sh"
trap 'stop_s3; stop_postgres; rm -f "$BENCH_RESULTS"' EXIT

wanted() { [[ " $ONLY " == *" $1 "* ]]; }
section() { printf '\n==> %s\n' "$*"; }

if wanted seal; then
  section "1. sealing to a local file"
  bash "$ROOT/bench/seal.sh"
fi

if wanted roundtrip; then
  for size in "${SIZES[@]}"; do
    section "2. round trip of $size MiB on the embedded default"
    QUICK=0 BACKEND=embedded SIZE_MIB=$size bash "$ROOT/bench/roundtrip.sh"
  done
  start_postgres
  start_s3 >/dev/null
  run=0
  for size in "${SIZES[@]}"; do
    run=$((run + 1))
    section "2. round trip of $size MiB on PostgreSQL + S3 (moto)"
    psql -q "postgresql://vault@localhost/postgres?host=$pg_dir" \
      -c "CREATE DATABASE vault_bench_$run" >/dev/null
    QUICK=0 BACKEND=postgres+s3 SIZE_MIB=$size \
      VAULT_DATABASE_URL="postgres://vault@localhost/vault_bench_$run?host=$pg_dir" \
      VAULT_OBJECT_STORE_URL="$VAULT_TEST_OBJECT_STORE_URL/bench-$run" \
      bash "$ROOT/bench/roundtrip.sh"
  done
  stop_s3
  stop_postgres
  # The later benchmarks run on the embedded default.
  unset VAULT_TEST_OBJECT_STORE_URL VAULT_S3_ENDPOINT VAULT_S3_REGION VAULT_S3_ALLOW_HTTP \
    VAULT_S3_ACCESS_KEY_ID VAULT_S3_SECRET_ACCESS_KEY
fi

if wanted transfer; then
  section "3. transfer of a case"
  bash "$ROOT/bench/transfer.sh"
fi

if wanted load; then
  section "4. the metadata API under load"
  bash "$ROOT/bench/load.sh"
fi

if wanted audit; then
  section "5. audit verify over a large export"
  bash "$ROOT/bench/audit.sh"
fi

if [ -s "$BENCH_RESULTS" ]; then
  section "round trips (throughput in MiB/s; peak RSS in MiB)"
  python3 - "$BENCH_RESULTS" <<'PY'
import sys
rows = [line.split() for line in open(sys.argv[1]) if line.startswith("roundtrip ")]
print(f"{'backend':12} {'size':>8} {'seal+up':>8} {'age -e':>8} {'dl+open':>8} {'age -d':>8}"
      f" {'RSS seal':>9} {'RSS open':>9} {'RSS srv':>8}")
for _, backend, mib, age_e, age_d, seal, open_, seal_k, open_k, srv_k in rows:
    mib = float(mib)
    rate = lambda secs: mib / max(float(secs), 0.001)
    print(f"{backend:12} {mib:6.0f} M {rate(seal):8.1f} {rate(age_e):8.1f} {rate(open_):8.1f}"
          f" {rate(age_d):8.1f} {int(seal_k) / 1024:9.1f} {int(open_k) / 1024:9.1f}"
          f" {int(srv_k) / 1024:8.1f}")
PY
fi
