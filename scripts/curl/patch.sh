#!/bin/sh
# Change some fields of a number (JSON merge patch): patch.sh ID [JSON]
set -eu
. "$(dirname "$0")/common.sh"
example='{"setupPrice": "10"}'
request PATCH "/api/v1/numbers/${1:?usage: patch.sh ID [JSON]}" "${2:-$example}" application/merge-patch+json
