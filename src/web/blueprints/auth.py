"""/api/v1/auth: log in (get a bearer token), log out, and who am I."""

from __future__ import annotations

from flask import Blueprint, Response, request

from src.application.change_password import PasswordChange
from src.application.issue_token import Credentials
from src.domain.users import Permission
from src.web.auth import bearer_token, principal
from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, documented
from src.web.request_body import json_object
from src.web.responses import empty_response, json_response
from src.web.schemas import MeOut, PasswordChangeIn, TokenOut, TokenRequest

bp = Blueprint("auth", __name__, url_prefix="/api/v1/auth")


@bp.post("/tokens")
@documented(
    Operation(
        "createToken",
        "Log in: exchange an email and password for a bearer token",
        "auth",
        {201: Reply("A new token; it expires at expiresAt.", "TokenOut")},
        problems=(400, 401, 413, 415, 422, 429),
        body="TokenRequest",
        permission=None,
        description="Logins are limited per client (429 with `Retry-After`, docs/security.md): five "
        "failures at one account within 15 minutes, or forty at all accounts, refuse that client "
        "only; an account guessed at by many clients refuses only those that already failed at it.",
    )
)
def create_token() -> Response:
    body = TokenRequest.model_validate(json_object())
    issued = inventory().issue_token(Credentials(body.email, body.password, client_address()))
    return json_response(TokenOut.of(issued), status=201)


@bp.delete("/tokens/current")
@documented(
    Operation(
        "revokeCurrentToken",
        "Log out: the token used for this request stops working",
        "auth",
        {204: Reply("Revoked.")},
        permission=Permission.USE_OWN_ACCOUNT,
    )
)
def revoke_current_token() -> Response:
    inventory().revoke_token(bearer_token() or "")
    return empty_response(204)


@bp.put("/me/password")
@documented(
    Operation(
        "changeOwnPassword",
        "Change your own password: every other token of yours stops working",
        "auth",
        {204: Reply("Changed; this token still works, every other one of yours is revoked.")},
        problems=(400, 413, 415, 422, 429),
        body="PasswordChangeIn",
        permission=Permission.USE_OWN_ACCOUNT,
        description="The current password is required (a token alone may have been stolen); a wrong "
        "one is a 422 on `currentPassword` and counts as a failed login.",
    )
)
def change_own_password() -> Response:
    body = PasswordChangeIn.model_validate(json_object())
    change = PasswordChange(
        principal().id, bearer_token() or "", body.currentPassword, body.newPassword, client_address()
    )
    inventory().change_password(change)
    return empty_response(204)


def client_address() -> str:
    """The client's address (behind nginx, the one it forwarded: see src/web/proxies.py)."""
    return request.remote_addr or ""


@bp.get("/me")
@documented(
    Operation(
        "whoAmI",
        "The user this token belongs to",
        "auth",
        {200: Reply("You.", "MeOut")},
        permission=Permission.USE_OWN_ACCOUNT,
    )
)
def who_am_i() -> Response:
    me = principal()
    return json_response(MeOut(id=me.id, email=me.email, role=me.role.value))
