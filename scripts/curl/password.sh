#!/bin/sh
# Change your own password (204; every other token of yours stops working): password.sh
# (current from $PASSWORD, new from $NEW_PASSWORD, else both asked for)
set -eu
. "$(dirname "$0")/common.sh"
current="$(secret PASSWORD "Current password")"
new="$(secret NEW_PASSWORD "New password")"
request PUT /api/v1/auth/me/password "{\"currentPassword\": \"$current\", \"newPassword\": \"$new\"}"
