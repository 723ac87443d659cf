#!/bin/sh
# Change a role or deactivate (admin): user-update.sh ID JSON   e.g. '{"role": "viewer"}', '{"active": false}'
set -eu
. "$(dirname "$0")/common.sh"
request PATCH "/api/v1/users/${1:?usage: user-update.sh ID JSON}" "${2:?usage: user-update.sh ID JSON}"
