#!/bin/sh
# Show one user (admin): user-get.sh ID
set -eu
. "$(dirname "$0")/common.sh"
request GET "/api/v1/users/${1:?usage: user-get.sh ID}"
