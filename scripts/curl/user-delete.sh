#!/bin/sh
# Delete a user (admin): user-delete.sh ID   (204)
set -eu
. "$(dirname "$0")/common.sh"
request DELETE "/api/v1/users/${1:?usage: user-delete.sh ID}"
