# Shared by the benchmarks that run a server: a temporary directory removed on exit (after the
# server and whatever `on_exit` named are stopped), the release binaries' paths, and the
# helpers of scripts/lib.sh. Source it with ROOT set; DATA_DIR starts as the temporary
# directory (BENCH_DIR) and may be pointed at a subdirectory of it for a second server.

BENCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vault-bench.XXXXXX")
DATA_DIR=$BENCH_DIR
SERVER_PID=
EXIT_HOOKS=()

# stop_pid PID: ends a process this script started, if any, and waits for it.
stop_pid() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

# on_exit FUNCTION: runs FUNCTION at exit, after the server is stopped, before the directory
# is removed.
on_exit() { EXIT_HOOKS+=("$1"); }

bench_cleanup() {
  local hook
  stop_pid "$SERVER_PID"
  for hook in "${EXIT_HOOKS[@]}"; do "$hook"; done
  rm -rf "$BENCH_DIR"
}
trap bench_cleanup EXIT

# build_release [CARGO ARGS...]: release builds of vaultctl, vault-server, and anything named;
# nothing when BENCH_BIN_DIR names a directory of binaries built before (for measuring one
# build while the checkout changes).
build_release() {
  [ -z "${BENCH_BIN_DIR:-}" ] || return 0
  (cd "$ROOT" && cargo build --release --quiet --bin vaultctl --bin vault-server "$@")
}

# BIN_DIR: where the binaries are, examples in its examples/ as cargo lays them out.
BIN_DIR=${BENCH_BIN_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/release}
VAULTCTL=$BIN_DIR/vaultctl
VAULT_SERVER_BIN=$BIN_DIR/vault-server
source "$ROOT/scripts/lib.sh"
# Fewer scrypt rounds than the default keep each client start quick; still above the client's
# enforced minimum.
export VAULTCTL_SCRYPT_WORK_FACTOR=15
