#!/bin/sh
# Revoke $TOKEN at once (204)
set -eu
. "$(dirname "$0")/common.sh"
request DELETE /api/v1/auth/tokens/current
