#!/bin/sh
# The change log, newest first, with its filters (number, actor, action, since, until, bulkChange):
# changes.sh ['action=bulk-change&since=2026-12-01T00:00:00Z']
# ACCEPT=text/csv: every matching change as CSV, the body alone (changes.sh '' > changes.csv).
set -eu
. "$(dirname "$0")/common.sh"
if [ "${ACCEPT:-}" = "text/csv" ]; then
    api --no-include "$BASE_URL/api/v1/changes?${1-}" -H "Accept: text/csv"
else
    request GET "/api/v1/changes?${1-}"
fi
