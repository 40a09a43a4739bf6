#!/usr/bin/env bash
# Sealing alone, to a local file: `vaultctl doc seal-local` (the same sealing as `doc seal`
# before its upload: age encryption plus SHA-256 of plaintext and ciphertext) next to the stock
# `age` tool encrypting the same file, turn about, in the same run. Prints the best of ROUNDS
# for each, the CPU time each used, and the ratio.
#
#   bench/seal.sh                 2 GiB, 3 rounds
#   QUICK=1 bench/seal.sh         256 MiB, 2 rounds
#   SIZE_MIB=N ROUNDS=K bench/seal.sh
#
# Needs: the stock `age` and `age-keygen` (Debian package age), GNU time (package time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SIZE_MIB=${SIZE_MIB:-2048}
ROUNDS=${ROUNDS:-3}
if [ "${QUICK:-0}" = 1 ]; then SIZE_MIB=256; ROUNDS=2; fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vault-bench-seal.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

(cd "$ROOT" && cargo build --release --quiet --bin vaultctl)
VAULTCTL=${CARGO_TARGET_DIR:-$ROOT/target}/release/vaultctl

head -c "$(( SIZE_MIB * 1024 * 1024 ))" /dev/urandom >"$WORK/input.bin"
age-keygen -o "$WORK/age.key" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/age.key")

# run NAME CMD...: runs CMD under GNU time, appends "NAME seconds cpu_seconds peak_kib".
run() {
  local name=$1; shift
  rm -f "$WORK/out"
  /usr/bin/time -f '%e %U %S %M' -o "$WORK/time.out" "$@" >/dev/null
  read -r secs user sys kib <"$WORK/time.out"
  echo "$name $secs $(python3 -c "print($user + $sys)") $kib" >>"$WORK/results"
  rm -f "$WORK/out"
}

for _ in $(seq "$ROUNDS"); do
  run age age -r "$RECIPIENT" -o "$WORK/out" "$WORK/input.bin"
  run vaultctl "$VAULTCTL" doc seal-local "$WORK/input.bin" --out "$WORK/out"
done

python3 - "$WORK/results" "$SIZE_MIB" "$ROUNDS" "$(nproc)" <<'PY'
import sys
path, mib, rounds, cores = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = {}
for line in open(path):
    name, secs, cpu, kib = line.split()
    runs.setdefault(name, []).append((float(secs), float(cpu), int(kib)))
print(f"seal {mib} MiB of random bytes to a local file, best of {rounds} ({cores} cores)")
best = {}
for name, label in (("age", "age -e (stock tool)"), ("vaultctl", "vaultctl doc seal-local")):
    secs, cpu, kib = min(runs[name])
    best[name] = secs
    print(f"  {label:26} {secs:7.2f} s {mib / secs:8.1f} MiB/s   CPU {cpu:6.2f} s"
          f"   peak RSS {kib / 1024:6.1f} MiB")
print(f"  vaultctl seals at {best['age'] / best['vaultctl']:.2f}x the stock tool's speed")
PY
