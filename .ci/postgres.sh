#!/usr/bin/env bash
# A PostgreSQL server for the test suite's conformance test (docs/decisions/0008-ibis-portability.md):
# the flow figures' Ibis definitions run on it and on DuckDB, and must give the same rows.
#
#   .ci/postgres.sh start   install PostgreSQL from Debian when missing, make the cluster the first time,
#                           start it (nothing when it runs already); prints the server's directory
#   .ci/postgres.sh stop    stop it (nothing when it does not run)
#   .ci/postgres.sh status  exit 0 when it runs, 3 when it does not
#   .ci/postgres.sh dir     print the server's directory
#
# The server listens on a unix socket only (no TCP port to collide with), in its own data directory
# under /tmp, one per checkout and user (ORGFLOW_PG_DIR overrides it). Run as root, it runs as the
# Debian `postgres` user (PostgreSQL refuses root). Its superuser is `orgflow`, trusted on the socket.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
checkout="$(printf %s "$root" | cksum | cut -d' ' -f1)"
# Under /tmp whatever $TMPDIR says: the `postgres` user must reach it, and a socket path must stay short.
dir="${ORGFLOW_PG_DIR:-/tmp/orgflow-pg-$(id -u)-$checkout}"
# The port only names the socket file (.s.PGSQL.5432 in $dir).
port=5432

pg_bin() {
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_server() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

running() {
    [ -f "$dir/PG_VERSION" ] && as_server "$(pg_bin)/pg_ctl" -D "$dir" status >/dev/null 2>&1
}

start() {
    trap 'echo "postgres: could not start PostgreSQL in $dir (the conformance test needs it)" >&2' ERR
    if [ -z "$(pg_bin)" ]; then
        echo "postgres: installing PostgreSQL from Debian" >&2
        if [ "$(id -u)" = 0 ]; then sudo=; else sudo=sudo; fi
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    fi
    bin="$(pg_bin)"
    if [ -z "$bin" ]; then
        echo "postgres: no PostgreSQL server under /usr/lib/postgresql after installing it" >&2
        exit 1
    fi
    if running; then
        echo "$dir"
        return
    fi
    # A cluster made by another major version of PostgreSQL is made again (it holds nothing to keep).
    if [ ! -f "$dir/PG_VERSION" ] || [ "$(cat "$dir/PG_VERSION")" != "$(basename "$(dirname "$bin")")" ]; then
        rm -rf "$dir"
        mkdir -p "$dir"
        chmod 700 "$dir"
        if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
        # C collation: strings sort by their bytes, as DuckDB sorts them.
        as_server "$bin/initdb" -D "$dir" -U orgflow --auth=trust --encoding=UTF8 --no-locale --no-sync \
            >"$dir.initdb.log" 2>&1 || { cat "$dir.initdb.log" >&2; exit 1; }
        rm -f "$dir.initdb.log"
    fi
    if ! as_server "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $dir -p $port -c TimeZone=UTC -c fsync=off" start >/dev/null; then
        echo "postgres: the server in $dir did not start; its log:" >&2
        tail -n 20 "$dir/server.log" >&2 || true
        exit 1
    fi
    echo "$dir"
}

stop() {
    if running; then
        as_server "$(pg_bin)/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) running || exit 3 ;;
    dir) echo "$dir" ;;
    *)
        echo "usage: $0 start|stop|status|dir" >&2
        exit 2
        ;;
esac
