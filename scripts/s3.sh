# A throwaway S3-compatible server for .ci/run and bench/: moto's server mode (pinned, from
# PyPI, in a virtualenv of its own in a temporary directory), listening on 127.0.0.1 only and
# keeping everything in memory, with one bucket. Source this file, then:
#
#   trap stop_s3 EXIT
#   start_s3                # exports VAULT_TEST_OBJECT_STORE_URL and the VAULT_S3_* settings
#
# The credentials are random per run; moto accepts any, the server and the tests sign with them.
# Needs python3 with venv (Debian package python3-venv) and curl.

MOTO_VERSION=5.2.5
s3_dir=
s3_pid=

start_s3() {
  s3_dir=$(mktemp -d "${TMPDIR:-/tmp}/vault-s3.XXXXXX")
  python3 -m venv "$s3_dir/venv"
  "$s3_dir/venv/bin/pip" install --quiet --disable-pip-version-check \
    "moto[server]==$MOTO_VERSION"
  local port
  port=$(python3 -c \
    'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$s3_dir/venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$s3_dir/server.log" 2>&1 &
  s3_pid=$!
  export VAULT_TEST_OBJECT_STORE_URL=s3://vault-ci VAULT_S3_ENDPOINT="http://127.0.0.1:$port" \
    VAULT_S3_REGION=eu-west-2 VAULT_S3_ALLOW_HTTP=true \
    VAULT_S3_ACCESS_KEY_ID="ci-key-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" \
    VAULT_S3_SECRET_ACCESS_KEY="ci-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  for _ in $(seq 1 600); do
    curl -fsS -o /dev/null "$VAULT_S3_ENDPOINT/" 2>/dev/null && break
    kill -0 "$s3_pid" 2>/dev/null || { cat "$s3_dir/server.log" >&2; return 1; }
    sleep 0.1
  done
  curl -fsS -o /dev/null "$VAULT_S3_ENDPOINT/" || { echo "moto did not start" >&2; return 1; }
  "$s3_dir/venv/bin/python" - <<'PY'
import os
import boto3
s3 = boto3.client("s3", endpoint_url=os.environ["VAULT_S3_ENDPOINT"],
                  region_name=os.environ["VAULT_S3_REGION"],
                  aws_access_key_id=os.environ["VAULT_S3_ACCESS_KEY_ID"],
                  aws_secret_access_key=os.environ["VAULT_S3_SECRET_ACCESS_KEY"])
s3.create_bucket(Bucket="vault-ci",
                 CreateBucketConfiguration={"LocationConstraint": os.environ["VAULT_S3_REGION"]})
PY
}

stop_s3() {
  if [ -n "$s3_pid" ]; then
    kill "$s3_pid" 2>/dev/null || true
    wait "$s3_pid" 2>/dev/null || true
  fi
  if [ -n "$s3_dir" ]; then rm -rf "$s3_dir"; fi
}
