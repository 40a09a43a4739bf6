#!/usr/bin/env bash
# Builds the browser vault bundle (vault-server/static/vault.js) from web/: installs exactly the
# packages pinned in web/package-lock.json (npm ci), then bundles with web/build.mjs. The same
# inputs always give the same bytes, so the bundle is committed and CI can check it.
#   scripts/build-web.sh          rebuild vault-server/static/vault.js
#   scripts/build-web.sh --check  rebuild into a temporary file and fail if it differs from the
#                                 committed bundle (a source change without a rebuild)
set -euo pipefail
cd "$(dirname "$0")/../web"
bundle=../vault-server/static/vault.js

npm ci --prefer-offline --no-audit --no-fund --loglevel=error

case "${1:-}" in
  "")
    node build.mjs
    echo "built vault-server/static/vault.js ($(wc -c <"$bundle") bytes)"
    ;;
  --check)
    fresh=$(mktemp)
    trap 'rm -f "$fresh"' EXIT
    node build.mjs --out "$fresh"
    if ! cmp -s "$fresh" "$bundle"; then
      echo "vault-server/static/vault.js is not the bundle web/src builds to:" \
        "run scripts/build-web.sh and commit the result" >&2
      diff -u "$bundle" "$fresh" | head -n 40 >&2 || true
      exit 1
    fi
    echo "vault-server/static/vault.js matches web/src"
    ;;
  *)
    echo "usage: scripts/build-web.sh [--check]" >&2
    exit 2
    ;;
esac
