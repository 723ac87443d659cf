#!/bin/sh
# The app container's entrypoint, run as is by the e2e suite on this machine (tests/e2e):
# wait for the database, bring its schema to the latest migration, then replace this shell
# with the server, so that the server is PID 1 and gets Docker's SIGTERM itself.
# With no arguments the server is uWSGI (deploy/uwsgi.ini); arguments name another command
# (the development compose file runs Flask's dev server).
set -eu
cd "$(dirname "$0")/.."

python -m src.infrastructure.wait_for_database --timeout "${DATABASE_WAIT_SECONDS:-60}"
# Replicas starting together queue on a lock in migrations/env.py: one migrates, the rest find
# the schema at head.
alembic upgrade head
# The first admin: with ADMIN_EMAIL and ADMIN_PASSWORD set and no user in the database, the app
# makes that admin as it starts (src/bootstrap.py), exactly once however many replicas start.

if [ "$#" -eq 0 ]; then
    # SOCKET_NETWORK_ALIAS (docker-compose.prod.yml): the uwsgi socket listens on this replica's
    # address on the network where it carries that alias, the one only nginx shares, instead of
    # on every interface; no such address stops the start rather than listen wider.
    if [ -n "${SOCKET_NETWORK_ALIAS:-}" ] && [ -z "${UWSGI_SOCKET:-}" ]; then
        address=$(python -m src.infrastructure.own_address "$SOCKET_NETWORK_ALIAS" --timeout 30)
        UWSGI_SOCKET="$address:3031"
        export UWSGI_SOCKET
        echo "the uwsgi socket listens on $UWSGI_SOCKET ($SOCKET_NETWORK_ALIAS)" >&2
    fi
    set -- uwsgi --ini deploy/uwsgi.ini
fi
exec "$@"
