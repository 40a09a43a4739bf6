#!/usr/bin/env bash
# An auditor's check of a large platform: `vaultctl audit verify --offline` over an export whose
# log holds about 1,000,000 leaves. The export is written straight to disk, without a server, by
# tests/examples/audit_export.rs: twenty organisations with certified members, cases of eight
# documents sealed as age files, a quarter of them shared, one case in ten transferred; every
# statement signed with Ed25519 and every key wrapped with age, as clients and server do.
# Prints the audit's own report (per check: what was checked and its seconds; where the time
# went, the signature checks apart) and GNU time's totals (wall time, CPU, peak RSS), for a
# first audit and for a repeat that starts from the checkpoint the first one saved.
#
#   bench/audit.sh                  about 1,000,000 leaves (2.8 GB on disk; ~5 min to write)
#   QUICK=1 bench/audit.sh          about 50,000 leaves
#   LEAVES=N bench/audit.sh         any size
#   AUDIT_EXPORT=DIR bench/audit.sh keep the export in DIR, and reuse it if it is there
#
# Needs GNU time (Debian package time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${QUICK:-0}" = 1 ]; then LEAVES=${LEAVES:-50000}; else LEAVES=${LEAVES:-1000000}; fi
source "$ROOT/bench/lib.sh"
build_release
if [ -z "${BENCH_BIN_DIR:-}" ]; then
  (cd "$ROOT" && cargo build --release --quiet -p vault-tests --example audit_export)
fi
[ -x /usr/bin/time ] || fail "GNU time is needed (/usr/bin/time)"

EXPORT=${AUDIT_EXPORT:-$BENCH_DIR/export}
if [ -f "$EXPORT/manifest.json" ]; then
  echo "reusing the export in $EXPORT"
else
  echo "writing an export of about $LEAVES leaves to $EXPORT"
  "$BIN_DIR/examples/audit_export" --out "$EXPORT" --leaves "$LEAVES"
fi
echo "export size: $(du -sh "$EXPORT" | cut -f1)"

# A fresh vaultctl home: the first audit has no saved checkpoint and verifies every signature;
# the repeat finds the checkpoint the first one saved, with the same root, and skips the
# signatures of the leaves below it (the objects, envelopes and key scan are read again).
HOME_DIR=$BENCH_DIR/auditor
mkdir -p "$HOME_DIR"
echo "cores: $(nproc); load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in first repeat; do
  echo "--- $run audit"
  status=0
  /usr/bin/time -v -o "$BENCH_DIR/time" \
    "$VAULTCTL" --home "$HOME_DIR" audit verify --timings --offline "$EXPORT" || status=$?
  grep -E 'Elapsed \(wall|User time|System time|Percent of CPU|Maximum resident' \
    "$BENCH_DIR/time" | sed 's/^\s*/    /'
  rss_kib=$(awk -F: '/Maximum resident/ { gsub(/ /, "", $2); print $2 }' "$BENCH_DIR/time")
  wall=$(awk '/Elapsed \(wall/ { print $NF }' "$BENCH_DIR/time")
  echo "$run audit verify --offline: $wall wall, peak RSS $((rss_kib / 1024)) MiB, exit $status"
  [ "$status" = 0 ] || fail "the $run audit of an untouched export failed"
done
