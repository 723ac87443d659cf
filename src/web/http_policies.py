"""Headers every response carries: security headers, and CORS for the configured frontends only."""

from __future__ import annotations

from collections.abc import Callable, Collection

from flask import Response, request

API_PREFIX = "/api/"
DOCS_PREFIX = "/docs"
# The API serves JSON only: nothing may load, frame or run from its responses.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI: scripts and styles from our own static files (it sets inline style attributes).
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE"
CORS_REQUEST_HEADERS = "Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key, X-Request-ID"
CORS_EXPOSED_HEADERS = (
    "ETag, Link, Location, Retry-After, X-Request-ID, X-Total-Count, X-Total-Count-Estimated, "
    "Idempotent-Replayed, Content-Disposition, WWW-Authenticate"
)
ANY_PORT = ":*"
PREFLIGHT_MAX_AGE_SECONDS = 600


def origin_matcher(cors_origins: Collection[str]) -> Callable[[str | None], bool]:
    """Whether a browser's Origin is allowed: listed exactly, or a host listed with `:*` (any port,
    so a local frontend's dev server may pick its own)."""
    exact = frozenset(origin for origin in cors_origins if not origin.endswith(ANY_PORT))
    any_port = tuple(origin[: -len(ANY_PORT)] for origin in cors_origins if origin.endswith(ANY_PORT))

    def allowed(origin: str | None) -> bool:
        if origin is None:
            return False
        if origin in exact:
            return True
        host, colon, port = origin.rpartition(":")
        return bool(colon) and port.isdigit() and host in any_port

    return allowed


def http_policies(
    cors_origins: Collection[str],
) -> tuple[Callable[[], Response | None], Callable[[Response], None]]:
    """The preflight answer (before a request) and the headers of every response (after it)."""
    allowed = origin_matcher(cors_origins)

    def answer_preflight() -> Response | None:
        origin = request.headers.get("Origin")
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        if not allowed(origin):
            return None  # Flask's own OPTIONS answer carries no CORS header: the browser refuses
        response = Response(status=204)
        del response.headers["Content-Type"]
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE_SECONDS)
        return response

    def add_headers(response: Response) -> None:
        headers = response.headers
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"
        headers["Content-Security-Policy"] = (
            DOCS_POLICY if request.path.startswith(DOCS_PREFIX) else API_POLICY
        )
        if request.path.startswith(API_PREFIX):
            headers["Cache-Control"] = "no-store"
        origin = request.headers.get("Origin")
        if allowed(origin):
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Expose-Headers"] = CORS_EXPOSED_HEADERS
        if cors_origins:
            # One Vary header listing both (Accept, Origin): a second header line would be read
            # as the only one by clients that take the last value (Postman's headers.get does).
            response.vary.add("Origin")

    return answer_preflight, add_headers
