#!/bin/sh
# Import numbers from a CSV file (header value,monthyPrice,setupPrice,currency in any order and
# case; "," or ";", and in ";" files decimal commas such as 1,50):
#   import.sh FILE [all-or-nothing|skip-invalid]   (200 with a report; 422 per-row errors)
# FORM=1 sends it as a browser's form upload (multipart/form-data, one file field) instead of
# the raw text/csv body.
set -eu
. "$(dirname "$0")/common.sh"
file="${1:?usage: import.sh FILE [all-or-nothing|skip-invalid]}"
url="$BASE_URL/api/v1/numbers/imports?mode=${2:-all-or-nothing}"
if [ -n "${FORM:-}" ]; then
    api -X POST "$url" -F "file=@$file"
else
    api -X POST "$url" -H "Content-Type: text/csv" --data-binary "@$file"
fi
echo
