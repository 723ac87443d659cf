# Sourced by the scripts beside it: `request METHOD PATH [JSON_BODY [CONTENT_TYPE]]` prints the
# status line, the headers and the body, and exits non-zero (22) on an error status.
# BASE_URL picks the server: `make run` (default), or nginx in front of the production stack.
# TOKEN, when set, is sent as the bearer token (get one with token.sh); IF_MATCH and
# IDEMPOTENCY_KEY, when set, are sent as the If-Match and Idempotency-Key headers.
BASE_URL="${BASE_URL:-http://127.0.0.1:8000}"

request() {
    method="$1"
    path="$2"
    body="${3-}"
    content_type="${4:-application/json}"
    # The body goes through stdin, not argv, so that a password in it stays out of `ps`.
    printf '%s' "$body" | curl --silent --show-error --include --fail-with-body -X "$method" \
        "$BASE_URL$path" \
        ${TOKEN:+-H "Authorization: Bearer $TOKEN"} \
        ${IF_MATCH:+-H "If-Match: $IF_MATCH"} \
        ${IDEMPOTENCY_KEY:+-H "Idempotency-Key: $IDEMPOTENCY_KEY"} \
        ${body:+-H "Content-Type: $content_type" --data-binary @-}
    echo
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
