#!/bin/sh
# Who does $TOKEN belong to? (id, email, role)
set -eu
. "$(dirname "$0")/common.sh"
request GET /api/v1/auth/me
