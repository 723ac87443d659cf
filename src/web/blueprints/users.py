"""/api/v1/users: admins manage the accounts. No response ever holds a password or a hash."""

from __future__ import annotations

from flask import Blueprint, Response, url_for
from pydantic import TypeAdapter

from src.application.create_user import NewUser
from src.application.update_user import UserChanges
from src.domain.users import Permission
from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, documented
from src.web.request_body import json_object
from src.web.responses import empty_response, json_response
from src.web.schemas import UserIn, UserOut, UserPatch

bp = Blueprint("users", __name__, url_prefix="/api/v1/users")
USER_ID = "<int:user_id>"
_user_list = TypeAdapter(list[UserOut])
ADMIN = Permission.MANAGE_USERS


@bp.get("")
@documented(
    Operation(
        "listUsers", "List the users", "users", {200: Reply("All users.", "[UserOut]")}, permission=ADMIN
    )
)
def list_users() -> Response:
    users = [UserOut.of(user) for user in inventory().list_users()]
    return Response(_user_list.dump_json(users), mimetype="application/json")


@bp.post("")
@documented(
    Operation(
        "createUser",
        "Create a user",
        "users",
        {201: Reply("Created.", "UserOut", ("Location",))},
        problems=(400, 409, 413, 415, 422),
        body="UserIn",
        permission=ADMIN,
    )
)
def create_user() -> Response:
    body = UserIn.model_validate(json_object())
    user = inventory().create_user(NewUser(body.email, body.password, body.role))
    response = json_response(UserOut.of(user), status=201)
    response.headers["Location"] = url_for("users.get_user", user_id=user.id, _external=True)
    return response


@bp.get(f"/{USER_ID}")
@documented(
    Operation(
        "getUser", "Get a user", "users", {200: Reply("The user.", "UserOut")}, (404,), permission=ADMIN
    )
)
def get_user(user_id: int) -> Response:
    return json_response(UserOut.of(inventory().get_user(user_id)))


@bp.patch(f"/{USER_ID}")
@documented(
    Operation(
        "updateUser",
        "Change a user's role, or (de)activate them",
        "users",
        {200: Reply("The user as stored now.", "UserOut")},
        problems=(400, 404, 409, 413, 415, 422),
        body="UserPatch",
        body_media_types=("application/merge-patch+json", "application/json"),
        permission=ADMIN,
        description="Deactivating revokes every token of the user. The last active admin cannot be demoted.",
    )
)
def update_user(user_id: int) -> Response:
    body = UserPatch.model_validate(json_object())
    user = inventory().update_user(UserChanges(user_id, role=body.role, active=body.active))
    return json_response(UserOut.of(user))


@bp.delete(f"/{USER_ID}")
@documented(
    Operation(
        "deleteUser",
        "Delete a user and their tokens",
        "users",
        {204: Reply("Deleted.")},
        problems=(404, 409),
        permission=ADMIN,
    )
)
def delete_user(user_id: int) -> Response:
    inventory().delete_user(user_id)
    return empty_response(204)
