#!/bin/sh
# Add a user (admin): user-create.sh EMAIL ROLE   (admin|supervisor|viewer; password from $NEW_PASSWORD, else asked)
set -eu
. "$(dirname "$0")/common.sh"
email="${1:?usage: user-create.sh EMAIL ROLE}"
role="${2:?usage: user-create.sh EMAIL ROLE}"
password="$(secret NEW_PASSWORD "Password for $email")"
request POST /api/v1/users "{\"email\": \"$email\", \"password\": \"$password\", \"role\": \"$role\"}"
