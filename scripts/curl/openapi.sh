#!/bin/sh
# The OpenAPI 3.1 document (no token needed)
set -eu
. "$(dirname "$0")/common.sh"
request GET /api/v1/openapi.json
