# Shared by examples/walkthrough.sh and bench/: start a fresh server, run vaultctl act a person.
# Expects ROOT and DATA_DIR set; sets VAULTCTL, VAULT_SERVER_BIN, VAULTCTL_SERVER, SERVER_PID.

TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
VAULTCTL=${VAULTCTL:-$TARGET_DIR/debug/vaultctl}
VAULT_SERVER_BIN=${VAULT_SERVER_BIN:-$TARGET_DIR/debug/vault-server}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n\033[31mFAILED: %s\033[0m\n' "$*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# person_vars NAME: sets PERSON_ENV to NAME's keystore home, passphrase and password, for
# `env "${PERSON_ENV[@]}" …` (an external command can also run under GNU time).
person_vars() {
  PERSON_ENV=(VAULTCTL_HOME="$DATA_DIR/people/$1" VAULTCTL_PASSPHRASE="passphrase of $1, long enough"
    VAULTCTL_PASSWORD="password of $1")
}

# act NAME CMD...: run vaultctl as one person, each with their own keystore and passphrase.
act() {
  person_vars "$1"; shift
  env "${PERSON_ENV[@]}" "$VAULTCTL" "$@"
}

# start_server: bootstrap the platform admin and start vault-server on a free loopback port,
# waiting until /healthz answers. The server takes any other setting from the environment
# (VAULT_DATABASE_URL, VAULT_OBJECT_STORE_URL, VAULT_S3_*), as test.sh does for its S3 pass.
start_server() {
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export VAULTCTL_SERVER="http://127.0.0.1:$port"
  export VAULT_DATA_DIR="$DATA_DIR/server"
  VAULT_ADMIN_PASSWORD="password of admin" "$VAULT_SERVER_BIN" bootstrap-admin \
    --email admin@platform.example
  VAULT_BIND="127.0.0.1:$port" ${SERVER_WRAPPER:-} "$VAULT_SERVER_BIN" serve >"$DATA_DIR/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 300); do
    curl -fsS "$VAULTCTL_SERVER/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited; see $DATA_DIR/server.log"
    sleep 0.1
  done
  fail "server did not become ready"
}

# new_org NAME MANAGER: the platform admin creates an organisation and MANAGER sets up its keys.
# Prints the organisation id.
new_org() {
  local out org invite
  out=$(act admin org create "$1" --json)
  org=$(echo "$out" | json 'd["org"]["org_id"]')
  invite=$(echo "$out" | json 'd["invite_code"]')
  act "$2" init --email "$2@example.org" >&2
  act "$2" register --org "$org" --invite "$invite" >&2
  act "$2" login >&2
  echo "$org"
}

# join WHO MANAGER ORG: WHO registers, MANAGER compares fingerprints and approves.
join() {
  local who=$1 manager=$2 org=$3 fpr uid
  act "$who" init --email "$who@example.org"
  fpr=$(act "$who" keys fingerprint --json | json 'd["member"]')
  act "$who" register --org "$org"
  uid=$(act "$manager" org members --json \
    | json "[m['user_id'] for m in d if m['email']=='$who@example.org'][0]")
  act "$manager" org approve "$uid" --role practitioner --fingerprint "$fpr"
  act "$who" login
}
