#!/bin/sh
# pg_cluster.sh - a throwaway PostgreSQL 15 cluster for the store tests (the
# CTest fixture of tests/store/CMakeLists.txt).
#   pg_cluster.sh start DIR   initdb into DIR/data, socket in DIR, no TCP, fsync off
#   pg_cluster.sh stop DIR    stop it and remove DIR
# As root, initdb/pg_ctl run as the postgres user (DIR is owned by postgres);
# otherwise as the current user. The cluster's superuser is cl_super; local
# connections are trusted (nothing listens on TCP).
set -eu
BIN=${CL_PG_BIN:-/usr/lib/postgresql/15/bin}
act=$1
dir=$2

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_pg "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            as_pg "$BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

case $act in
start)
    stop
    mkdir -p "$dir"
    chmod 700 "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
    as_pg "$BIN/initdb" -D "$dir/data" -U cl_super -A trust -E UTF8 --locale=C --no-sync \
        >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 40
CONF
    if ! as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null; then
        cat "$dir/server.log" >&2
        exit 1
    fi
    echo "PostgreSQL up, socket in $dir"
    ;;
stop)
    stop
    ;;
*)
    echo "usage: pg_cluster.sh start|stop DIR" >&2
    exit 2
    ;;
esac
