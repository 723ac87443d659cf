#!/bin/sh
# Log in: login.sh EMAIL   (password from $PASSWORD, else asked; 201 with the token and expiresAt)
set -eu
. "$(dirname "$0")/common.sh"
email="${1:?usage: login.sh EMAIL}"
password="$(secret PASSWORD Password)"
request POST /api/v1/auth/tokens "{\"email\": \"$email\", \"password\": \"$password\"}"
