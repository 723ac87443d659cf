#!/bin/sh
# Import numbers from a CSV file (header value,monthyPrice,setupPrice,currency; "," or ";"):
#   import.sh FILE [all-or-nothing|skip-invalid]   (200 with a report; 422 per-row errors)
set -eu
. "$(dirname "$0")/common.sh"
file="${1:?usage: import.sh FILE [all-or-nothing|skip-invalid]}"
api -X POST "$BASE_URL/api/v1/numbers/imports?mode=${2:-all-or-nothing}" \
    -H "Content-Type: text/csv" --data-binary "@$file"
echo
