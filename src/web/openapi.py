"""The OpenAPI 3.1 document, built from the app's routes and the pydantic schemas its views use.

Each view declares its operation next to its code with `@documented(...)`; the document walks
Flask's URL map, so a route without a declaration fails the build instead of going unmentioned.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Literal, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from src.application.bulk_change import CountMismatch
from src.application.errors import (
    Forbidden,
    InvalidCredentials,
    LastActiveAdmin,
    NumberAlreadyExists,
    NumberNotFound,
    TooManyLoginAttempts,
    Unauthenticated,
    UserAlreadyExists,
    UserNotFound,
    VersionMismatch,
)
from src.application.import_jobs import ImportJobNotFound
from src.domain.users import Permission, Role
from src.web.cursors import InvalidCursor
from src.web.errors import PROBLEM_TYPE
from src.web.inventory import WebSettings
from src.web.schemas import (
    BulkChangeIn,
    BulkChangeOut,
    ChangeOut,
    HealthStatus,
    ImportJobOut,
    ImportReportOut,
    MeOut,
    NumberIn,
    NumberOut,
    NumberPatch,
    PasswordChangeIn,
    Problem,
    TokenOut,
    TokenRequest,
    UserIn,
    UserOut,
    UserPatch,
)

API_TITLE = "Number inventory API"
API_VERSION = "1.0.0"
SCHEMA_REF = "#/components/schemas/{model}"
MODELS: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
    (NumberIn, "validation"),
    (NumberPatch, "validation"),
    (NumberOut, "serialization"),
    (Problem, "serialization"),
    (HealthStatus, "serialization"),
    (TokenRequest, "validation"),
    (TokenOut, "serialization"),
    (PasswordChangeIn, "validation"),
    (MeOut, "serialization"),
    (UserIn, "validation"),
    (UserPatch, "validation"),
    (UserOut, "serialization"),
    (ImportReportOut, "serialization"),
    (ImportJobOut, "serialization"),
    (BulkChangeIn, "validation"),
    (BulkChangeOut, "serialization"),
    (ChangeOut, "serialization"),
]
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "number_id": {
        "description": "The number's id, as in its `Location` and in the list.",
        "schema": {"type": "integer", "minimum": 1},
        "example": 1,
    },
    "user_id": {
        "description": "The user's id, as in its `Location` and in the list of users.",
        "schema": {"type": "integer", "minimum": 1},
        "example": 1,
    },
    "job_id": {
        "description": "The import job's id, as in the `Location` of the 202 that started it.",
        "schema": {"type": "integer", "minimum": 1},
        "example": 1,
    },
}
API_DESCRIPTION = """Manage the DID phone numbers for sale. Errors are RFC 9457 problem documents.

**Log in**: run `POST /api/v1/auth/tokens` below ("Try it out" is filled in with the local admin
that `make run` creates: `admin@localhost`, `local-admin-password`), copy the `token` of the answer,
click **Authorize** and paste it. Every call then sends `Authorization: Bearer <token>`."""
# One example problem per status, made by the very exceptions the code raises, so that each error
# response shows what it really looks like; operations whose problems differ say so below.
ProblemExample = tuple[str | None, str]  # (type after PROBLEM_TYPE, or None for about:blank; detail)
PROBLEM_EXAMPLES: dict[int, ProblemExample] = {
    400: (None, "the body is not valid JSON: Expecting value: line 1 column 1 (char 0)"),
    401: ("unauthenticated", str(Unauthenticated(token_given=False))),
    403: ("forbidden", str(Forbidden("viewer", Permission.WRITE_NUMBERS.value))),
    404: ("number-not-found", str(NumberNotFound(42))),
    409: ("number-already-exists", str(NumberAlreadyExists("+55 84 91234-4321"))),
    412: ("version-mismatch", str(VersionMismatch(42, 3))),
    413: (None, "The data value transmitted exceeds the capacity limit."),
    415: (None, "send the body as application/json"),
    422: ("validation-error", "the request is not valid: see errors"),
    429: ("too-many-login-attempts", str(TooManyLoginAttempts(900))),
    500: (None, "an unexpected error occurred; quote the request id when reporting it"),
    503: ("database-unavailable", "the database cannot be reached; try again shortly"),
}
USER_PROBLEMS: dict[int, ProblemExample] = {
    404: ("user-not-found", str(UserNotFound(42))),
    409: ("user-already-exists", str(UserAlreadyExists("ana@example.com"))),
}
OPERATION_PROBLEM_EXAMPLES: dict[str, dict[int, ProblemExample]] = {
    "listNumbers": {400: ("invalid-cursor", str(InvalidCursor()))},
    "importNumbers": {
        400: ("malformed-import-file", "the file is not valid CSV: unexpected end of data"),
        415: (
            None,
            "send the file as text/csv (or application/csv, text/plain, application/vnd.ms-excel), "
            "or as multipart/form-data with one file field",
        ),
        422: (
            "import-rejected",
            "1 of 2 rows are invalid, so nothing was stored; fix them, or import "
            "with mode=skip-invalid to store the valid rows",
        ),
    },
    "getImportJob": {404: ("import-job-not-found", str(ImportJobNotFound(7)))},
    "bulkChangeNumbers": {412: ("count-mismatch", str(CountMismatch(3120, 3121)))},
    "createToken": {401: ("invalid-credentials", str(InvalidCredentials()))},
    "createUser": USER_PROBLEMS,
    "getUser": USER_PROBLEMS,
    "updateUser": {**USER_PROBLEMS, 409: ("last-active-admin", str(LastActiveAdmin()))},
    "deleteUser": {**USER_PROBLEMS, 409: ("last-active-admin", str(LastActiveAdmin()))},
}
BEARER = "bearerAuth"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reply:
    description: str
    body: str | None = None  # a schema name from MODELS, or "[Name]" for an array of them
    headers: tuple[str, ...] = ()
    media_type: str = "application/json"
    schema: dict[str, Any] | None = None  # for a body that is no model of ours
    other_content: Mapping[str, dict[str, Any]] = field(default_factory=dict)  # media type -> schema


@dataclass(frozen=True)
class Operation:
    operation_id: str
    summary: str
    tag: str
    replies: Mapping[int, Reply]
    problems: tuple[int, ...] = ()  # statuses answered with application/problem+json
    body: str | None = None
    body_media_types: tuple[str, ...] = ("application/json",)
    body_schema: dict[str, Any] | None = None  # for a body that is no model of ours
    body_content: Mapping[str, dict[str, Any]] | None = None  # media type -> its whole description
    query: type[BaseModel] | None = None
    request_headers: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # What the caller must be allowed to do; None = anyone. The authorization hook enforces
    # exactly this, so the document and the behaviour cannot disagree. Deny by default.
    permission: Permission | None = Permission.MANAGE_USERS
    # The view checks the permission itself, in the same round trip as its read (auth.py makes
    # sure it did before anything but an error goes out).
    authorized_by_view: bool = False


def documented(operation: Operation) -> Callable[[View], View]:
    def mark(view: View) -> View:
        view.openapi_operation = operation  # type: ignore[attr-defined]
        return view

    return mark


# Every operation may answer these, whatever it does.
COMMON_PROBLEMS = (500, 503)
RESPONSE_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id: the caller's when sane, else a new one.",
        "schema": {"type": "string"},
    },
    "ETag": {
        "description": 'Strong entity tag of the number: `"<id>.<version>"`.',
        "schema": {"type": "string"},
    },
    "Location": {
        "description": "Where the resource is: the created number's absolute URL, an import job's, "
        "or /docs from /.",
        "schema": {"type": "string", "format": "uri-reference"},
    },
    "Link": {
        "description": "RFC 8288 links to other pages (absolute URLs): first, and next while there "
        "is one; a list paged by page number also prev and last.",
        "schema": {"type": "string"},
    },
    "X-Total-Count": {
        "description": "How many numbers match: exact up to 1000, past that possibly PostgreSQL's "
        "estimate (then X-Total-Count-Estimated is sent).",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-Total-Count-Estimated": {
        "description": "`true` when X-Total-Count is an estimate (more than 1000 matches).",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "WWW-Authenticate": {"description": "How to authenticate: `Bearer`.", "schema": {"type": "string"}},
    "Idempotent-Replayed": {
        "description": "`true` when this replays the response to an earlier request with the same key.",
        "schema": {"type": "string", "enum": ["true"]},
    },
}
REQUEST_HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "Your id for this request (1-128 of A-Z a-z 0-9 . _ : -), echoed back and logged.",
        "schema": {"type": "string"},
        "examples": {
            "example1": {"summary": "not given", "value": ""},
            "example2": {"value": "frontend-7f3a"},
        },
    },
    "If-Match": {
        "description": "Write only if the number is still at one of these ETags (`*`: if it exists); "
        "send the ETag its GET answered.",
        "schema": {"type": "string"},
        "examples": {
            "example1": {"summary": "not given", "value": ""},
            "example2": {"summary": "an ETag", "value": '"1.1"'},
            "example3": {"summary": "any version", "value": "*"},
        },
    },
    "If-None-Match": {
        "description": "Answer 304 if the number is still at one of these ETags.",
        "schema": {"type": "string"},
        "examples": {"example1": {"summary": "not given", "value": ""}, "example2": {"value": '"1.1"'}},
    },
    "Idempotency-Key": {
        "description": "Makes the create safe to retry: the same key and body get the first response back.",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
        "examples": {
            "example1": {"summary": "not given", "value": ""},
            "example2": {"value": "create-5584912344321-1"},
        },
    },
}


def build_openapi(app: Flask, settings: WebSettings) -> dict[str, Any]:
    _, definitions = models_json_schema(MODELS, ref_template=SCHEMA_REF, by_alias=True)
    currencies = _currencies_allowed(settings)
    for model in ("NumberIn", "NumberPatch"):
        definitions["$defs"][model]["properties"]["currency"]["description"] = currencies
    definitions["$defs"]["NumberOut"]["properties"]["currency"]["enum"] = list(settings.currencies)
    paths: dict[str, dict[str, Any]] = {}
    used_ids: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint.rsplit(".", 1)[-1] == "static":
            continue  # files, not API
        operation: Operation | None = getattr(app.view_functions[rule.endpoint], "openapi_operation", None)
        if operation is None:
            raise LookupError(f"route {rule.rule} ({rule.endpoint}) has no @documented operation")
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation_id = operation.operation_id
            if operation_id in used_ids:  # the same view under a second path
                operation_id += "At" + "".join(part.title() for part in re.findall(r"\w+", path))
            used_ids.add(operation_id)
            paths.setdefault(path, {})[method.lower()] = _operation(
                operation, operation_id, sorted(rule.arguments), settings
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": API_DESCRIPTION,
        },
        "tags": [
            {"name": "numbers", "description": "The inventory of DID numbers for sale."},
            {"name": "history", "description": "Who changed what, and when: the change history."},
            {"name": "probes", "description": "For load balancers and orchestrators."},
            {"name": "docs", "description": "This document and its viewer."},
        ],
        "paths": paths,
        "components": {
            "schemas": definitions["$defs"],
            "headers": RESPONSE_HEADERS,
            "parameters": {
                name: {"name": name, "in": "header", "required": False, **spec}
                for name, spec in REQUEST_HEADERS.items()
            },
            "securitySchemes": {
                BEARER: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A token from POST /api/v1/auth/tokens.",
                }
            },
        },
        "security": [{BEARER: []}],
    }


def _operation(
    operation: Operation, operation_id: str, path_arguments: list[str], settings: WebSettings
) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, **PATH_PARAMETERS[name]} for name in path_arguments
    ]
    if operation.query is not None:
        parameters += _query_parameters(operation.query, settings)
    parameters += [
        {"$ref": f"#/components/parameters/{name}"} for name in ("X-Request-ID", *operation.request_headers)
    ]
    spec: dict[str, Any] = {
        "operationId": operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "responses": {str(status): _reply(reply) for status, reply in operation.replies.items()},
    }
    if operation.description:
        spec["description"] = operation.description
    if parameters:
        spec["parameters"] = parameters
    if operation.body_content is not None:
        spec["requestBody"] = {"required": True, "content": dict(operation.body_content)}
    elif operation.body is not None or operation.body_schema is not None:
        schema = operation.body_schema or {"$ref": SCHEMA_REF.format(model=operation.body)}
        spec["requestBody"] = {
            "required": True,
            "content": {media_type: {"schema": schema} for media_type in operation.body_media_types},
        }
    problems = operation.problems
    if operation.permission is None:
        spec["security"] = []
    else:
        allowed = [role.value for role in Role if role.may(operation.permission)]
        # 403 only where some role is refused: a documented status nobody can get misleads.
        problems = (*problems, 401, *((403,) if len(allowed) < len(Role) else ()))
        spec["description"] = (
            f"{operation.description}\n\nNeeds the `{operation.permission}` permission "
            f"(roles: {', '.join(allowed)})."
        ).strip()
    examples = OPERATION_PROBLEM_EXAMPLES.get(operation.operation_id, {})
    for status in (*problems, *COMMON_PROBLEMS):
        spec["responses"][str(status)] = _problem_reply(status, examples.get(status))
    spec.update(operation.extra)
    return spec


def _reply(reply: Reply) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "description": reply.description,
        "headers": _headers(("X-Request-ID", *reply.headers)),
    }
    if reply.schema is not None:
        spec["content"] = {reply.media_type: {"schema": reply.schema}}
    elif reply.body is not None:
        name = reply.body.strip("[]")
        schema: dict[str, Any] = {"$ref": SCHEMA_REF.format(model=name)}
        if reply.body.startswith("["):
            schema = {"type": "array", "items": schema}
        spec["content"] = {reply.media_type: {"schema": schema}}
    for media_type, schema in reply.other_content.items():
        spec.setdefault("content", {})[media_type] = {"schema": schema}
    return spec


def _problem_reply(status: int, example: ProblemExample | None) -> dict[str, Any]:
    headers: tuple[str, ...] = ("X-Request-ID",)
    if status in (429, 503):
        headers += ("Retry-After",)
    elif status == 401:
        headers += ("WWW-Authenticate",)
    return {
        "description": HTTPStatus(status).phrase,
        "headers": _headers(headers),
        "content": {
            "application/problem+json": {
                "schema": {"$ref": SCHEMA_REF.format(model="Problem")},
                "example": problem_example(status, example or PROBLEM_EXAMPLES[status]),
            }
        },
    }


def problem_example(status: int, example: ProblemExample) -> dict[str, Any]:
    kind, detail = example
    problem: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE}{kind}" if kind else "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if kind == "validation-error":
        problem["errors"] = [{"field": "monthyPrice", "message": "must not be negative"}]
    elif kind == "count-mismatch":
        problem.update(count=3121, expectedCount=3120)
    elif kind == "import-rejected":
        problem["errors"] = [{"line": 3, "field": "value", "message": "is not a valid phone number"}]
    problem["requestId"] = "3f2c9a7e1b8d4c56"
    return problem


def _currencies_allowed(settings: WebSettings) -> str:
    """The CURRENCIES setting in words: what a client may send as a currency."""
    pairs = ", ".join(f"`{symbol}` ({code})" for symbol, code in settings.currencies.items())
    return f"One of {pairs}: the symbol or the ISO 4217 code; both prices share it. Answers use the symbol."


def _headers(names: tuple[str, ...]) -> dict[str, Any]:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _query_parameters(model: type[BaseModel], settings: WebSettings) -> list[dict[str, Any]]:
    """Query parameters from the model the view validates with; limits that are settings filled in."""
    limits = {"per_page": {"maximum": settings.max_page_size, "default": settings.page_size}}
    parameters = []
    descriptions = {"currency": f"Numbers in this currency. {_currencies_allowed(settings)}"}
    for name, schema in model.model_json_schema()["properties"].items():
        schema = {key: value for key, value in schema.items() if key != "title"}
        if "anyOf" in schema:  # optional in Python (None = use the setting), never null on the wire
            (schema_without_null,) = [s for s in schema.pop("anyOf") if s.get("type") != "null"]
            schema = {**schema_without_null, **{k: v for k, v in schema.items() if v is not None}}
        schema.update(limits.get(name, {}))
        parameter: dict[str, Any] = {"name": name, "in": "query", "required": False}
        # On the parameter, where Swagger UI shows them (it ignores the schema's description).
        parameter["description"] = descriptions.get(name) or schema.pop("description")
        schema.pop("description", None)
        examples = schema.pop("examples", [])
        if "default" in schema:
            parameter["example"] = schema["default"]
        else:
            # Swagger UI fills "Try it out" in with the first example: an empty one leaves the
            # parameter out, so that trying the list shows the numbers, not an example's filter.
            parameter["examples"] = {
                "none": {"summary": "not given", "value": ""},
                **{
                    f"example{i}": {"summary": str(value), "value": value}
                    for i, value in enumerate(examples, 1)
                },
            }
        if getattr(model, "empty_is_absent", False):
            schema = _or_empty(schema)
        parameters.append({**parameter, "schema": schema})
    return parameters


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a parameter whose empty value means "not given" (`cursor=`), as it is read."""
    if "enum" in schema:
        return {**schema, "enum": ["", *schema["enum"]]}
    plain_text = schema.get("type") == "string" and not schema.keys() & {"format", "minLength"}
    if plain_text and re.search(schema.get("pattern", ""), ""):
        return schema  # it admits an empty text already
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
