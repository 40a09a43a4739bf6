#!/usr/bin/env bash
# Seal + upload, then download + open, of one large random file through a local server, next
# to the stock `age` tool encrypting and decrypting the same file in the same run. Prints
# throughput and the peak resident memory of the client and the server.
#
#   bench/roundtrip.sh            2 GiB
#   SIZE_MIB=200 bench/roundtrip.sh
#   QUICK=1 bench/roundtrip.sh    64 MiB
#
# The server runs on the embedded default unless VAULT_DATABASE_URL / VAULT_OBJECT_STORE_URL
# (and VAULT_S3_*) say otherwise; BACKEND names it in the output. With BENCH_RESULTS set, one
# line of figures is appended to that file (bench/run.sh gathers them into one table).
#
# Needs: the stock `age` and `age-keygen` (Debian package age), GNU time (package time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-2048}
[ "${QUICK:-0}" = 1 ] && SIZE_MIB=64
DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vault-bench.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

(cd "$ROOT" && cargo build --release --quiet --bin vaultctl --bin vault-server)
VAULTCTL=${CARGO_TARGET_DIR:-$ROOT/target}/release/vaultctl
VAULT_SERVER_BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release/vault-server
source "$ROOT/scripts/lib.sh"
export VAULTCTL_SCRYPT_WORK_FACTOR=15
export VAULT_MAX_UPLOAD_BYTES=$(( (SIZE_MIB + 64) * 1024 * 1024 ))

start_server >/dev/null
act admin init --email admin@platform.example >/dev/null
act admin login >/dev/null
ORG=$(new_org "Bench Council" manager 2>/dev/null)
CASE=$(act manager case create "BENCH-1" --json | json 'd["case_id"]')

INPUT=$DATA_DIR/input.bin
head -c "$(( SIZE_MIB * 1024 * 1024 ))" /dev/urandom >"$INPUT"
sync

# timed LABEL CMD...: runs CMD under GNU time; leaves seconds and peak KiB in T_SECS / T_KIB.
timed() {
  local label=$1; shift
  /usr/bin/time -f '%e %M' -o "$DATA_DIR/time.out" "$@" >/dev/null
  read -r T_SECS T_KIB <"$DATA_DIR/time.out"
  printf '%-34s %8.2f s %9.1f MiB/s   peak RSS %7.1f MiB\n' "$label" "$T_SECS" \
    "$(python3 -c "print($SIZE_MIB/max($T_SECS,0.001))")" "$(python3 -c "print($T_KIB/1024)")"
}

echo "file: $SIZE_MIB MiB of random bytes, backend ${BACKEND:-embedded} ($(nproc) cores)"
age-keygen -o "$DATA_DIR/age.key" 2>/dev/null
RECIPIENT=$(age-keygen -y "$DATA_DIR/age.key")
timed "age -e (stock tool, to file)" age -r "$RECIPIENT" -o "$DATA_DIR/age.out" "$INPUT"
AGE_ENC=$T_SECS
timed "age -d (stock tool, to file)" age -d -i "$DATA_DIR/age.key" -o "$DATA_DIR/age.plain" "$DATA_DIR/age.out"
AGE_DEC=$T_SECS
rm -f "$DATA_DIR/age.out" "$DATA_DIR/age.plain"

person_vars manager
timed "vaultctl doc seal (seal + upload)" env "${PERSON_ENV[@]}" "$VAULTCTL" doc seal "$CASE" "$INPUT"
SEAL=$T_SECS; SEAL_KIB=$T_KIB
DOC=$(act manager doc list "$CASE" --json | json 'd[0]["document_id"]')
mkdir -p "$DATA_DIR/opened"
timed "vaultctl doc open (download + open)" env "${PERSON_ENV[@]}" "$VAULTCTL" doc open "$DOC" --out-dir "$DATA_DIR/opened"
OPEN=$T_SECS; OPEN_KIB=$T_KIB
cmp "$INPUT" "$DATA_DIR/opened/input.bin" || fail "round trip differs"

SERVER_KIB=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
if [ -n "${BENCH_RESULTS:-}" ]; then
  echo "roundtrip ${BACKEND:-embedded} $SIZE_MIB $AGE_ENC $AGE_DEC $SEAL $OPEN $SEAL_KIB" \
    "$OPEN_KIB $SERVER_KIB" >>"$BENCH_RESULTS"
fi
echo
python3 - <<PY
age_enc, age_dec, seal, open_ = $AGE_ENC, $AGE_DEC, $SEAL, $OPEN
print(f"seal+upload vs age -e: {age_enc/max(seal,0.001):.2f}x the stock tool's speed")
print(f"download+open vs age -d: {age_dec/max(open_,0.001):.2f}x the stock tool's speed")
print(f"peak RSS: client seal {$SEAL_KIB/1024:.1f} MiB, client open {$OPEN_KIB/1024:.1f} MiB, "
      f"server {$SERVER_KIB/1024:.1f} MiB (target: each under 100 MiB)")
PY
