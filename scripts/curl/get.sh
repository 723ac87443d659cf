#!/bin/sh
# Show one number: get.sh ID
set -eu
. "$(dirname "$0")/common.sh"
request GET "/api/v1/numbers/${1:?usage: get.sh ID}"
