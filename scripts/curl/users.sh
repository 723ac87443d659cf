#!/bin/sh
# List the users (admin)
set -eu
. "$(dirname "$0")/common.sh"
request GET /api/v1/users
