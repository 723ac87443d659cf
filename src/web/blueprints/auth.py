"""/api/v1/auth: log in (get a bearer token), log out, and who am I."""

from __future__ import annotations

from flask import Blueprint, Response

from src.application.issue_token import Credentials
from src.domain.users import Permission
from src.web.auth import bearer_token, principal
from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, documented
from src.web.request_body import json_object
from src.web.responses import empty_response, json_response
from src.web.schemas import MeOut, TokenOut, TokenRequest

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
        description="Five failed logins for one email within 15 minutes close it for a while (429).",
    )
)
def create_token() -> Response:
    body = TokenRequest.model_validate(json_object())
    issued = inventory().issue_token(Credentials(body.email, body.password))
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
