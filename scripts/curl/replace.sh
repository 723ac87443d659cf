#!/bin/sh
# Replace a number, every field given: replace.sh ID JSON
#   replace.sh 1 '{"value": "+5584912344321", "monthyPrice": "1", "setupPrice": "2.50", "currency": "R$"}'
set -eu
. "$(dirname "$0")/common.sh"
request PUT "/api/v1/numbers/${1:?usage: replace.sh ID JSON}" "${2:?usage: replace.sh ID JSON}"
