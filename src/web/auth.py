"""Who is calling, and may they? Decided once per request, before any view runs.

The permission an endpoint needs is the one its @documented operation declares (so the OpenAPI
document says exactly what is enforced); an endpoint that declares nothing is admin-only.
"""

from __future__ import annotations

from flask import Response, current_app, g, has_request_context, request

from src.application.changes import SYSTEM, Actor
from src.application.errors import Forbidden
from src.application.results import UserResult
from src.domain.users import Permission
from src.web.inventory import inventory
from src.web.openapi import Operation


def authorize_caller() -> None:
    """Before the view: the caller's token judged against the permission the endpoint declares,
    or, for a view that authorizes along with its read, that permission left for it to take."""
    if request.method == "OPTIONS" or request.endpoint is None:
        return  # preflights, and 404/405 answers, need no identity
    permission = required_permission(request.endpoint)
    if permission is None:
        return
    operation = _operation(request.endpoint)
    if operation is not None and operation.authorized_by_view:
        g.pending_permission = permission
        return
    authorize(bearer_token(), permission)


def refuse_unauthorized_answers(response: Response) -> None:
    """Fails closed: a view that was to authorize and did not never answers with content."""
    if g.get("pending_permission") is not None and response.status_code < 400:
        raise RuntimeError(f"{request.endpoint} answered without authorizing its caller")


def required_permission(endpoint: str) -> Permission | None:
    if endpoint.rsplit(".", 1)[-1] == "static":
        return None
    operation = _operation(endpoint)
    return Permission.MANAGE_USERS if operation is None else operation.permission


def _operation(endpoint: str) -> Operation | None:
    operation: Operation | None = getattr(current_app.view_functions[endpoint], "openapi_operation", None)
    return operation


def pending_authorization() -> tuple[str | None, Permission]:
    """For a view that authorizes along with its read: the caller's token and the permission its
    operation needs. Taken once; the answer is refused unless the view took it."""
    permission: Permission = g.pop("pending_permission")
    return bearer_token(), permission


def authorize(token: str | None, permission: Permission) -> UserResult:
    """Judge the caller now, on a read of its own; the caller becomes this request's principal."""
    caller = inventory().authorize_request(token, permission)
    g.principal = caller
    return caller


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def principal() -> UserResult:
    """The authorized caller (only in views that need a permission)."""
    caller: UserResult = g.principal
    return caller


def current_actor() -> Actor:
    """Who the change being recorded is by: the authorized caller of this request and its id.
    Outside a request (command line, worker) it is the system."""
    if not has_request_context():
        return SYSTEM
    caller: UserResult | None = g.get("principal")
    return Actor(caller.id if caller else None, caller.email if caller else None, g.get("request_id") or None)


def require(permission: Permission) -> None:
    """A stricter permission than the endpoint declares, for one variant of it (the CSV export),
    judged on the caller this request already authorized: the token is not looked up again."""
    caller = principal()
    if not caller.role.may(permission):
        raise Forbidden(caller.role.value, permission.value)
