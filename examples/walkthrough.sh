#!/usr/bin/env bash
# The whole story with the built binaries, against a fresh server in a temporary directory:
# a platform admin onboards three organisations, a Northshire practitioner seals every sample
# document into a case, one document is shared with Harbour, the case is transferred to
# Brightwater, Brightwater opens every document byte for byte, Northshire no longer can, and one
# document opens with the stock `age` tool from exported keys. Then an auditor verifies the live
# platform and an export of it, cosigns the log, and sees a tampered copy of the export caught.
#
# Environment:
#   SAMPLES_DIR  documents to seal (default ../shared/samples, next to the checkout)
#   DATA_DIR     where the server data and each person's keystore live (default: a new
#                temporary directory, removed at the end; when set, it is kept)
#   VAULTCTL, VAULT_SERVER_BIN   the binaries (default target/debug/…; built if missing)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SAMPLES_DIR=${SAMPLES_DIR:-$ROOT/../shared/samples}
SAMPLES_DIR=$(cd "$SAMPLES_DIR" && pwd)
if [ -n "${DATA_DIR:-}" ]; then
  mkdir -p "$DATA_DIR"; KEEP=1
else
  DATA_DIR=$(mktemp -d); KEEP=0
fi
DATA_DIR=$(cd "$DATA_DIR" && pwd)
source "$ROOT/scripts/lib.sh"
if [ ! -x "$VAULTCTL" ] || [ ! -x "$VAULT_SERVER_BIN" ]; then
  (cd "$ROOT" && cargo build --quiet --bin vaultctl --bin vault-server)
fi

SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "$KEEP" = 0 ]; then rm -rf "$DATA_DIR"; else echo "data kept in $DATA_DIR"; fi
}
trap cleanup EXIT

# A lower scrypt work factor than the default keeps the many unlocks below quick; it is still
# above the client's enforced minimum.
export VAULTCTL_SCRYPT_WORK_FACTOR=${VAULTCTL_SCRYPT_WORK_FACTOR:-15}

step "Start vault-server (data in $DATA_DIR/server)"
start_server
echo "listening on $VAULTCTL_SERVER"

step "The platform admin creates three organisations; each first manager sets up its keys"
act admin init --email admin@platform.example
act admin login
NORTH=$(new_org "Northshire Council" north-manager)
BRIGHT=$(new_org "Brightwater Adoption Agency" bright-manager)
HARBOUR=$(new_org "Harbour Fostering" harbour-manager)
echo "Northshire $NORTH, Brightwater $BRIGHT, Harbour $HARBOUR"

step "Practitioners register; their managers approve them after comparing fingerprints"
join north-practitioner north-manager "$NORTH"
join bright-practitioner bright-manager "$BRIGHT"
join harbour-practitioner harbour-manager "$HARBOUR"

step "A Northshire practitioner seals every sample document into one case"
CASE=$(act north-practitioner case create "NC-2026-0142" --json | json 'd["case_id"]')
mapfile -d '' FILES < <(find "$SAMPLES_DIR" -maxdepth 1 -type f -print0 | sort -z)
act north-practitioner doc seal "$CASE" "${FILES[@]}"
act north-practitioner doc list "$CASE"
mapfile -t DOCS < <(act north-practitioner doc list "$CASE" --json | json '"\n".join(x["document_id"] for x in d)')
[ "${#DOCS[@]}" -eq "${#FILES[@]}" ] || fail "expected ${#FILES[@]} documents, found ${#DOCS[@]}"

# open_all WHO DIR: open every document of the case into DIR and compare with the samples.
open_all() {
  local who=$1 dir=$2
  mkdir -p "$dir"
  for doc in "${DOCS[@]}"; do act "$who" doc open "$doc" --out-dir "$dir"; done
  for f in "${FILES[@]}"; do
    cmp "$f" "$dir/$(basename "$f")" || fail "$(basename "$f") differs after opening act $who"
  done
  echo "all ${#FILES[@]} documents byte-identical for $who"
}
open_all north-practitioner "$DATA_DIR/opened/north"

step "One document is shared with Harbour Fostering, and opens there"
SHARED=${DOCS[0]}
act north-practitioner doc share "$SHARED" --org "$HARBOUR"
act harbour-practitioner doc shared
act harbour-practitioner doc open "$SHARED" --out-dir "$DATA_DIR/opened/harbour"
name=$(ls "$DATA_DIR/opened/harbour")
cmp "$SAMPLES_DIR/$name" "$DATA_DIR/opened/harbour/$name" || fail "shared document differs"
echo "Harbour opened \"$name\" byte-identical"

step "Northshire's manager transfers the case to Brightwater; Brightwater's manager accepts"
TRANSFER=$(act north-manager case transfer "$CASE" --to "$BRIGHT" --json | json 'd["transfer_id"]')
act bright-manager case transfers
act bright-manager case accept "$TRANSFER"

step "A Brightwater practitioner opens every document"
open_all bright-practitioner "$DATA_DIR/opened/bright"

step "Northshire can no longer open them through the platform"
for doc in "${DOCS[@]}"; do
  if act north-practitioner doc open "$doc" --out-dir "$DATA_DIR/opened/north-after" 2>/dev/null; then
    fail "Northshire still opened $doc after the transfer"
  fi
done
echo "every open by Northshire refused"

step "One document opens with the stock age tool from exported keys"
mkdir -p "$DATA_DIR/export"
# The largest document: age writes no output file at all for an empty one.
listed=$(act bright-practitioner doc list "$CASE" --json)
EXPORTED=$(echo "$listed" | json 'max(d, key=lambda x: x["size"] or 0)["document_id"]')
name=$(echo "$listed" | json "[x['file_name'] for x in d if x['document_id']=='$EXPORTED'][0]")
act bright-practitioner keys export "$EXPORTED" --out "$DATA_DIR/export/document.key" \
  --body "$DATA_DIR/export/document.age"
age -d -i "$DATA_DIR/export/document.key" -o "$DATA_DIR/export/$name" "$DATA_DIR/export/document.age"
cmp "$SAMPLES_DIR/$name" "$DATA_DIR/export/$name" || fail "age-decrypted document differs"
echo "age -d opened \"$name\" byte-identical"

step "An auditor, who holds no key that opens anything, verifies the live platform"
AUDITOR=$(act auditor init --email auditor@example.org --json | json 'd["user_id"]')
act admin org add-auditor "$AUDITOR" --email auditor@example.org \
  --password-file <(echo "password of auditor")
act auditor login
act auditor audit verify
act auditor audit witness

step "The operator exports the audit data; the auditor verifies the export offline"
"$VAULT_SERVER_BIN" export-audit --out "$DATA_DIR/audit-export"
act auditor audit verify --offline "$DATA_DIR/audit-export"

step "A copy of the export with one byte of one stored object changed is caught"
cp -r "$DATA_DIR/audit-export" "$DATA_DIR/audit-tampered"
object=$(find "$DATA_DIR/audit-tampered/objects" -type f -size +1k | sort | head -n 1)
python3 - "$object" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
data[len(data) // 2] ^= 1
open(path, "wb").write(data)
PY
if act auditor audit verify --offline "$DATA_DIR/audit-tampered" >"$DATA_DIR/tampered.txt" 2>&1; then
  fail "audit verify passed over a tampered export"
fi
grep -A 2 "FAILED" "$DATA_DIR/tampered.txt" | head -n 3
echo "audit verify refused the tampered copy"

printf '\n\033[32mWalkthrough complete.\033[0m\n'
