#!/usr/bin/env bash
# The official postgres image's entrypoint, as far as this project and common use go, for the
# Debian stand-in (deploy/offline-images/README.md lists what it leaves out):
# - started as root, it gives PGDATA to postgres and runs itself again as postgres;
# - on an empty PGDATA it runs initdb with POSTGRES_USER (default postgres) and POSTGRES_PASSWORD
#   (required unless POSTGRES_HOST_AUTH_METHOD=trust), POSTGRES_INITDB_ARGS, creates POSTGRES_DB
#   (default: the user's name), runs /docker-entrypoint-initdb.d/*.sh and *.sql, and lets every
#   host in with POSTGRES_HOST_AUTH_METHOD (default scram-sha-256);
# - then it replaces itself with the command (postgres; arguments starting with "-" are
#   postgres's).
set -Eeuo pipefail

if [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && [ "$(id -u)" = 0 ]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres "$PGDATA" /var/run/postgresql
    chmod 700 "$PGDATA"
    chmod 3777 /var/run/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
fi

initialize() {
    : "${POSTGRES_USER:=postgres}"
    : "${POSTGRES_DB:=$POSTGRES_USER}"
    local auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
        echo "$0: the database is uninitialized and POSTGRES_PASSWORD is not set" \
            "(or set POSTGRES_HOST_AUTH_METHOD=trust to let every host in without one)" >&2
        exit 1
    fi
    local password_file
    password_file=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$password_file"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of arguments
    initdb --username="$POSTGRES_USER" --pwfile="$password_file" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust ${POSTGRES_INITDB_ARGS:-}
    rm -f "$password_file"
    printf "\nhost all all all %s\n" "$auth" >>"$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    # A server of the init step only, on a socket of its own: nothing (the compose health
    # check's pg_isready included) can reach the database before it is fully made.
    local socket_dir
    socket_dir=$(mktemp -d)
    pg_ctl -D "$PGDATA" -w -o "-c listen_addresses='' -c unix_socket_directories=$socket_dir" start
    local psql=(psql -v ON_ERROR_STOP=1 --no-password --no-psqlrc -h "$socket_dir" -U "$POSTGRES_USER")
    if [ "$POSTGRES_DB" != postgres ]; then
        "${psql[@]}" -d postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi
    local script
    for script in /docker-entrypoint-initdb.d/*; do
        case "$script" in
            *.sh) echo "$0: running $script"; PGHOST=$socket_dir . "$script" ;;
            *.sql) echo "$0: running $script"; "${psql[@]}" -d "$POSTGRES_DB" -f "$script" ;;
            *) ;;
        esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    rm -rf "$socket_dir"
    echo "$0: PostgreSQL init process complete; ready for start up."
}

# `postgres --version`, `--help`, `-C name` and the like only print: no cluster for them.
asks_only() {
    local arg
    for arg in "$@"; do
        case "$arg" in
            -'?' | --help | --describe-config | -V | --version | -C | -C*) return 0 ;;
            *) ;;
        esac
    done
    return 1
}

if [ "$1" = postgres ] && ! asks_only "$@" && [ ! -s "$PGDATA/PG_VERSION" ]; then
    initialize
fi
exec "$@"
