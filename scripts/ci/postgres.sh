#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server on loopback for the test suite and prints its URL.
# Installs Debian's postgresql package first when the machine lacks it (CI machines do).
# Usage: eval "$(bash scripts/ci/postgres.sh)"   -> exports TEST_DATABASE_URL
set -euo pipefail

# First free loopback port from PGTEST_PORT (default 54329) on, so a server left running by
# someone else is never mistaken for ours.
port="${PGTEST_PORT:-54329}"
while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "[postgres] installing Debian's postgresql package" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bindir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi

dir="$(mktemp -d /tmp/dataledger-pg.XXXXXX)"
# PostgreSQL refuses to run as root; use the postgres system user the package creates.
# runuser lives in /usr/sbin, which a minimal PATH may lack.
export PATH="$PATH:/usr/sbin:/sbin"
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
run "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >/dev/null
run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off" start >&2
echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
echo "export DATALEDGER_PG_DIR=$dir"
