# Sourced by the scripts beside it: `request METHOD PATH [JSON_BODY [CONTENT_TYPE]]` prints the
# status line, the headers and the body, and exits non-zero (22) on an error status; `api` is
# the curl underneath, for scripts that send a file or want the body alone.
# BASE_URL picks the server: `make run` (default), or nginx in front of the production stack.
# TOKEN, when set, is sent as the bearer token (get one with token.sh); IF_MATCH and
# IDEMPOTENCY_KEY, when set, are sent as the If-Match and Idempotency-Key headers.
BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"

request() {
    body="${3-}"
    # The body goes through stdin, not argv, so that a password in it stays out of `ps`.
    printf '%s' "$body" | api -X "$1" "$BASE_URL$2" \
        ${body:+-H "Content-Type: ${4:-application/json}" --data-binary @-}
    echo
}

# curl with the options and headers every script sends; more curl arguments follow.
api() {
    curl --silent --show-error --include --fail-with-body \
        ${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
        ${IF_MATCH:+-H "If-Match: $IF_MATCH"} \
        ${IDEMPOTENCY_KEY:+-H "Idempotency-Key: $IDEMPOTENCY_KEY"} \
        "$@"
}

# A secret for a JSON body: from the environment variable named $1, else asked for (not echoed).
secret() {
    eval "value=\${$1-}"
    if [ -z "$value" ]; then
        printf '%s: ' "$2" >&2
        stty -echo 2>/dev/null || true
        read -r value
        stty echo 2>/dev/null || true
        printf '\n' >&2
    fi
    printf '%s' "$value"
}
