#!/usr/bin/env bash
# Transfer of a case of many sealed documents from one organisation to another, for small and
# large documents: wall time of the offer (`vaultctl case transfer`) and of the acceptance
# (`vaultctl case accept`), and the body bytes the object store read and wrote meanwhile, from
# the server's Prometheus counters. Next to it, in the same run, the way without re-wrapping
# keys: after the transfer the receiving organisation downloads and opens every document, then
# seals and uploads them all again into a new case.
#
#   bench/transfer.sh            1,000 documents of 10 KiB, then of 10 MiB
#   QUICK=1 bench/transfer.sh    50 documents of 10 KiB, then of 1 MiB
#   DOCS=200 bench/transfer.sh   any number of documents
#
# Every input document is a symbolic link to one random file per size. `vaultctl doc open`
# opens one document per call, so the alternative also pays one client start (keystore unlock,
# session, directory checks) per document; the script prints that cost on its own.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "${QUICK:-0}" = 1 ]; then
  DOCS=${DOCS:-50}; SIZES_KIB=(10 1024)
else
  DOCS=${DOCS:-1000}; SIZES_KIB=(10 10240)
fi
# Opened plaintext is removed after each batch is sealed again, so the disk holds at most one
# batch of it besides the store.
BATCH=100
source "$ROOT/bench/lib.sh"
build_release

# body_bytes read|written: the server's counter of object body bytes, summed over its labels.
body_bytes() {
  local name=vault_object_body_bytes_$1_total
  curl -fsS "$VAULTCTL_SERVER/metrics" >"$DATA_DIR/metrics" || fail "no /metrics on the server"
  grep -Eq "^$name[ {]" "$DATA_DIR/metrics" || fail "the server does not export $name"
  awk -v n="$name" '$1 == n || index($1, n "{") == 1 { s += $NF } END { printf "%.0f\n", s }' \
    "$DATA_DIR/metrics"
}

# since T0: seconds elapsed since the $EPOCHREALTIME value T0.
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" \
  "$1" "$EPOCHREALTIME"; }

# doc_ids WHO CASE: the document ids of CASE, one a line.
doc_ids() {
  act "$1" doc list "$2" --json | json '"\n".join(x["document_id"] for x in d)'
}

start_server >/dev/null
act admin init --email admin@platform.example >/dev/null
act admin login >/dev/null
SENDER=$(new_org "Sending Council" sender-manager 2>/dev/null)
RECEIVER=$(new_org "Receiving Agency" receiver-manager 2>/dev/null)
join sender-practitioner sender-manager "$SENDER" >/dev/null 2>&1

t0=$EPOCHREALTIME
act receiver-manager case list >/dev/null
STARTUP=$(since "$t0")

RESULTS=$DATA_DIR/results
: >"$RESULTS"
for kib in "${SIZES_KIB[@]}"; do
  echo "== $DOCS documents of $kib KiB" >&2
  inputs=$DATA_DIR/inputs-$kib
  mkdir -p "$inputs"
  head -c "$(( kib * 1024 ))" /dev/urandom >"$DATA_DIR/source-$kib.bin"
  files=()
  for i in $(seq -f '%04g' 1 "$DOCS"); do
    ln -s "$DATA_DIR/source-$kib.bin" "$inputs/doc-$i.bin"
    files+=("$inputs/doc-$i.bin")
  done
  case_id=$(act sender-practitioner case create "TRANSFER-$kib" --json | json 'd["case_id"]')
  act sender-practitioner doc seal "$case_id" "${files[@]}" >/dev/null 2>&1 \
    || fail "sealing $DOCS documents of $kib KiB"

  read0=$(body_bytes read); written0=$(body_bytes written)
  t0=$EPOCHREALTIME
  transfer=$(act sender-manager case transfer "$case_id" --to "$RECEIVER" --json \
    | json 'd["transfer_id"]')
  offer=$(since "$t0")
  t0=$EPOCHREALTIME
  act receiver-manager case accept "$transfer" >/dev/null
  accept=$(since "$t0")
  read1=$(body_bytes read); written1=$(body_bytes written)
  mapfile -t docs < <(doc_ids receiver-manager "$case_id")
  [ "${#docs[@]}" -eq "$DOCS" ] || fail "the receiver sees ${#docs[@]} of $DOCS documents"

  # The way without re-wrapping: every body downloaded, opened, sealed again and uploaded.
  # Only the vaultctl calls are timed; the byte-for-byte checks between batches are not.
  copy=$(act receiver-manager case create "RESEALED-$kib" --json | json 'd["case_id"]')
  opened=$DATA_DIR/opened
  alt=0
  for (( start = 0; start < DOCS; start += BATCH )); do
    mkdir -p "$opened"
    t0=$EPOCHREALTIME
    for doc in "${docs[@]:start:BATCH}"; do
      act receiver-manager doc open "$doc" --out-dir "$opened" >/dev/null 2>&1 \
        || fail "opening $doc"
    done
    act receiver-manager doc seal "$copy" "$opened"/* >/dev/null 2>&1 || fail "sealing again"
    alt=$(python3 -c "print($alt + $(since "$t0"))")
    for f in "$opened"/*; do
      cmp -s "$f" "$DATA_DIR/source-$kib.bin" || fail "$(basename "$f") differs after opening"
    done
    rm -rf "$opened"
  done
  read2=$(body_bytes read); written2=$(body_bytes written)
  resealed=$(doc_ids receiver-manager "$copy" | wc -l)
  [ "$resealed" -eq "$DOCS" ] || fail "$resealed of $DOCS documents sealed again"

  echo "$kib $offer $accept $(( read1 - read0 )) $(( written1 - written0 ))" \
    "$alt $(( read2 - read1 )) $(( written2 - written1 ))" >>"$RESULTS"
  rm -rf "$inputs" "$DATA_DIR/source-$kib.bin"
done

echo
echo "case of $DOCS documents, server on loopback with the embedded default ($(nproc) cores)"
python3 - "$RESULTS" "$STARTUP" "$DOCS" <<'PY'
import sys

def size(kib):
    return f"{kib // 1024} MiB" if kib >= 1024 else f"{kib} KiB"

def mib(n):
    return f"{n / 2**20:,.1f} MiB" if n >= 2**20 else f"{n:,} B"

rows = [line.split() for line in open(sys.argv[1])]
print("| documents | way | time | offer / accept | body read | body written | time ratio |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    kib, rd, wr, ard, awr = int(r[0]), int(r[3]), int(r[4]), int(r[6]), int(r[7])
    offer, accept, alt = float(r[1]), float(r[2]), float(r[5])
    total = offer + accept
    print(f"| {size(kib)} | transfer (keys re-wrapped) | {total:.2f} s | {offer:.2f} s / "
          f"{accept:.2f} s | {mib(rd)} | {mib(wr)} | 1 |")
    print(f"| {size(kib)} | download, open, seal, upload | {alt:.2f} s | | {mib(ard)} | "
          f"{mib(awr)} | {alt / max(total, 0.001):.1f}x |")
if len(rows) == 2:
    small, large = (float(r[1]) + float(r[2]) for r in rows)
    print(f"\ntransfer time, large documents / small: {large / max(small, 0.001):.2f}x")
print(f"one vaultctl start (keystore unlock, `case list`): {float(sys.argv[2]):.2f} s; the "
      f"alternative pays it once per document ({int(sys.argv[3]) * float(sys.argv[2]):.1f} s)")
PY
