#!/bin/sh
# Delete a number: delete.sh ID   (204, no body)
set -eu
. "$(dirname "$0")/common.sh"
request DELETE "/api/v1/numbers/${1:?usage: delete.sh ID}"
