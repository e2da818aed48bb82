#!/usr/bin/env bash
# start|stop a throwaway PostgreSQL 15 cluster on a free loopback port, for tests.
# start prints: TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:PORT/postgres
# PostgreSQL refuses to run as root, so the cluster runs as the `postgres` system user
# with its data under /tmp (a directory that user owns); the pointer to it lives in
# .stack/postgres. Auth is `trust`, and the server listens on 127.0.0.1 only.
# The Debian package's own `main` cluster (port 5432) is neither used nor touched.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
state="$STACK_DIR/postgres"

# as_postgres CMD...: runs CMD as the postgres user when we are root (as that user otherwise).
as_postgres() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
    [ -x "$bin/initdb" ] || { echo "no $bin/initdb: install the postgresql package (scripts/deps.sh)" >&2; exit 1; }
    [ -f "$state/datadir" ] && stop
    mkdir -p "$state"
    local data port
    data=$(mktemp -d /tmp/recording-api-pg.XXXXXX)
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    echo "$data" >"$state/datadir"
    port=${POSTGRES_PORT:-$(free_port)}
    as_postgres "$bin/initdb" -D "$data/data" -U postgres --auth=trust --encoding=UTF8 --no-locale >"$data/initdb.log" 2>&1 \
        || { cat "$data/initdb.log" >&2; exit 1; }
    # Sockets go into the data dir (not /var/run/postgresql, which may not exist or belong to the main cluster).
    as_postgres "$bin/pg_ctl" -D "$data/data" -l "$data/server.log" -w -t 30 \
        -o "-h 127.0.0.1 -p $port -k $data -c fsync=off -c max_connections=200" start >/dev/null \
        || { cat "$data/server.log" >&2; exit 1; }
    echo "$port" >"$state/port"
    echo "TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:$port/postgres"
}

# restart: stops and starts the same cluster on the same port (reconnect tests).
restart() {
    local data
    data=$(cat "$state/datadir")
    as_postgres "$bin/pg_ctl" -D "$data/data" -m fast -w restart >/dev/null
}

stop() {
    [ -f "$state/datadir" ] || return 0
    local data
    data=$(cat "$state/datadir")
    if [ -f "$data/data/postmaster.pid" ]; then
        as_postgres "$bin/pg_ctl" -D "$data/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    case "$data" in /tmp/recording-api-pg.*) rm -rf "$data" ;; esac
    rm -rf "$state"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
restart) restart ;;
*) echo "usage: $0 start|stop|restart" >&2; exit 2 ;;
esac
