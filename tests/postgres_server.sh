#!/usr/bin/env bash
# Start or stop a throwaway PostgreSQL server in a folder, on a free loopback port.
#   tests/postgres_server.sh start DIR   prints the server's SQLAlchemy URL
#   tests/postgres_server.sh stop DIR
# As root, the server runs as the `postgres` user (PostgreSQL refuses to run as root).
set -euo pipefail
action="$1"; dir="$2"
bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[[ -n "$bindir" ]] || { echo "PostgreSQL server binaries not found (apt install postgresql)" >&2; exit 1; }
as_owner=()
if [[ "$(id -u)" -eq 0 ]]; then as_owner=(runuser -u postgres --); fi

case "$action" in
start)
    mkdir -p "$dir"
    chmod 755 "$dir"
    [[ ${#as_owner[@]} -gt 0 ]] && chown postgres "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "${as_owner[@]}" "$bindir/initdb" -D "$dir/data" -U ptw -A trust -E UTF8 --no-locale -N >"$dir/initdb.log"
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start
    echo "postgresql+psycopg://ptw@127.0.0.1:$port/postgres"
    ;;
stop)
    "${as_owner[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w -s stop || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2
    ;;
esac
