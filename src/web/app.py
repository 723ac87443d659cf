"""The Flask app around the use cases it is handed: create_web_app reads like a table of contents.

Built by the composition root (src/bootstrap.py, whose create_app is the entry point), never here:
the web layer imports the application and nothing of the adapters.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Flask, Response

from src.web.access_log import log_request, start_clock
from src.web.auth import authorize_caller, refuse_unauthorized_answers
from src.web.blueprints import auth, changes, docs, health, numbers, users
from src.web.cli import register_commands
from src.web.errors import register_error_handlers
from src.web.http_policies import http_policies
from src.web.inventory import EXTENSION_KEY, Inventory
from src.web.proxies import trust_proxy_headers
from src.web.request_ids import assign_request_id, echo_request_id


def create_web_app(served: Inventory) -> Flask:
    settings = served.settings
    app = Flask(__name__)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        DEBUG=settings.debug,
        # Flask answers any other Host (after ProxyFix: X-Forwarded-Host) with a 400.
        TRUSTED_HOSTS=list(settings.allowed_hosts),
    )
    app.json.sort_keys = False  # type: ignore[attr-defined]  # documents keep their order
    app.extensions[EXTENSION_KEY] = served
    register_request_cycle(app, settings.cors_origins)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    trust_proxy_headers(app, settings.trust_proxy_headers)
    return app


def register_request_cycle(app: Flask, cors_origins: Collection[str]) -> None:
    """What every request goes through, in this order, as one hook before the view and one after:
    Flask dispatches each hook separately, which cost more than several of these steps."""
    answer_preflight, add_policy_headers = http_policies(cors_origins)

    @app.before_request
    def _before() -> Response | None:
        assign_request_id()
        start_clock()
        preflight = answer_preflight()
        if preflight is not None:
            return preflight
        authorize_caller()
        return None

    @app.after_request
    def _after(response: Response) -> Response:
        refuse_unauthorized_answers(response)
        add_policy_headers(response)
        log_request(response)
        echo_request_id(response)
        return response


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(numbers.bp)
    app.register_blueprint(docs.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(changes.bp)
