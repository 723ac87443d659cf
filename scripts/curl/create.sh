#!/bin/sh
# Create a number: create.sh [JSON]   (201, with the number and its Location)
set -eu
. "$(dirname "$0")/common.sh"
example='{"value": "+55 84 91234-4321", "monthyPrice": "0.03", "setupPrice": "3.40", "currency": "U$"}'
request POST /api/v1/numbers "${1:-$example}"
