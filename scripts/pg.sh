# A throwaway PostgreSQL for .ci/run and bench/: a cluster in a temporary directory, listening
# only on a Unix socket there (no TCP at all), with durability off since it is deleted at the
# end. Source this file, then:
#
#   trap stop_postgres EXIT
#   start_postgres          # sets PG_URL (a sqlx URL) and pg_dir
#
# initdb refuses to run as root, so as root the cluster belongs to the unprivileged `postgres`
# user (created when missing). Needs initdb and pg_ctl (Debian package postgresql).

# Debian keeps the PostgreSQL programs off PATH, under a versioned directory.
if ! command -v initdb >/dev/null; then
  for bin in /usr/lib/postgresql/*/bin; do PATH="$bin:$PATH"; done
fi

pg_dir=
pg_as_owner=()

start_postgres() {
  pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/vault-pg.XXXXXX")
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 \
      || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
    chown postgres "$pg_dir"
    pg_as_owner=(runuser -u postgres --)
  fi
  (cd "$pg_dir" && "${pg_as_owner[@]}" initdb -D "$pg_dir/data" -U vault --auth=trust \
    --no-sync -E UTF8 >"$pg_dir/initdb.log")
  (cd "$pg_dir" && "${pg_as_owner[@]}" pg_ctl -D "$pg_dir/data" -l "$pg_dir/server.log" -w -o \
    "-c listen_addresses='' -c unix_socket_directories='$pg_dir' -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null)
  PG_URL="postgres://vault@localhost/postgres?host=$pg_dir"
}

# Safe to call when nothing was started, and twice.
stop_postgres() {
  [ -n "$pg_dir" ] || return 0
  "${pg_as_owner[@]}" pg_ctl -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
  pg_dir=
}
