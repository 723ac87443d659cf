#!/bin/sh
# Set prices or the currency of every number a filter matches, only if exactly EXPECTED match now
# (else 412 with the real count): bulk-change.sh FILTER_JSON SET_JSON EXPECTED
# e.g. bulk-change.sh '{"country": "BR"}' '{"monthyPrice": "0.05"}' 3120; EXPECTED=dry-run to preview.
set -eu
. "$(dirname "$0")/common.sh"
usage="usage: bulk-change.sh FILTER_JSON SET_JSON EXPECTED|dry-run"
filter="${1:?$usage}"
fields="${2:?$usage}"
case "${3:?$usage}" in
    dry-run) guard='"dryRun": true' ;;
    *) guard="\"expectedCount\": $3" ;;
esac
request POST /api/v1/numbers/bulk-changes "{\"filter\": $filter, \"set\": $fields, $guard}"
