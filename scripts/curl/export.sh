#!/bin/sh
# Export the numbers as CSV, the body alone (the format import.sh reads), with the list's filters
# and sort: export.sh ['country=BR&sort=-monthyPrice'] > inventory.csv
set -eu
. "$(dirname "$0")/common.sh"
api --no-include "$BASE_URL/api/v1/numbers?${1-}" -H "Accept: text/csv"
