"""Behind a reverse proxy: where the client really came from."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def trust_proxy_headers(app: Flask, hops: int) -> None:
    """Behind `hops` proxies (nginx in deploy/ is one), read the client-facing scheme, host and
    address from the X-Forwarded-* headers they set, so Location and Link URLs point where the
    client came from. Off by default: with no proxy overwriting them a client could forge them."""
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
