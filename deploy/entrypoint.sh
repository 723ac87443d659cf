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
    set -- uwsgi --ini deploy/uwsgi.ini
fi
exec "$@"
