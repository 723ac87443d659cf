#!/bin/sh
# Print only a new bearer token, for: export TOKEN="$(scripts/curl/token.sh EMAIL)"
set -eu
reply="$("$(dirname "$0")/login.sh" "${1:?usage: token.sh EMAIL}")"
printf '%s\n' "$reply" | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p'
