"""The one place where exceptions become HTTP problems (RFC 9457, application/problem+json)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, g
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import HTTPException

from src.application.bulk_change import CountMismatch
from src.application.errors import (
    Forbidden,
    IdempotencyKeyReused,
    ImportLineRefused,
    InvalidCredentials,
    LastActiveAdmin,
    MalformedImportFile,
    NumberAlreadyExists,
    NumberChangedMeanwhile,
    NumberNotFound,
    StorageUnavailable,
    TooManyLoginAttempts,
    Unauthenticated,
    UserAlreadyExists,
    UserNotFound,
    VersionMismatch,
)
from src.application.import_jobs import ImportJobNotFound
from src.application.import_numbers import ImportRejected
from src.application.list_changes import TooManyToExport
from src.application.suggestions import did_you_mean
from src.domain.errors import DomainError, InvalidFields
from src.web.cursors import InvalidCursor
from src.web.schemas import (
    BulkChangeIn,
    ChangesParams,
    FieldError,
    HistoryParams,
    ImportParams,
    ListParams,
    NumberIn,
    NumberPatch,
    Problem,
    QueryParameters,
    TokenRequest,
    UserIn,
    UserPatch,
    wire_name,
)

logger = logging.getLogger(__name__)

PROBLEM_TYPE = "tag:number-inventory,2026:problem:"
_PYDANTIC_SHOULD = re.compile(
    r"^(Input|String|Value|List|Dictionary|Object|Tuple|Set|Decimal|Date|Datetime) should "
)
RETRY_AFTER_SECONDS = 5
# Enough to fix a request by; past it a problem says only how many more (a body of 50,000 unknown
# fields would otherwise cost seconds of "did you mean" and megabytes of answer).
MAX_PROBLEM_ERRORS = 50


def problem(
    status: int,
    detail: str,
    *,
    kind: str | None = None,
    errors: list[FieldError] | None = None,
    errors_omitted: int = 0,
    headers: Mapping[str, str] | None = None,
    count: int | None = None,
    expected_count: int | None = None,
) -> Response:
    """A problem+json answer; of `errors`, the first MAX_PROBLEM_ERRORS, and how many more there were
    (`errors_omitted` adds those its caller never listed)."""
    if errors is not None and len(errors) > MAX_PROBLEM_ERRORS:
        errors_omitted += len(errors) - MAX_PROBLEM_ERRORS
        errors = errors[:MAX_PROBLEM_ERRORS]
    body = Problem(
        type=PROBLEM_TYPE + kind if kind else "about:blank",
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        errors=errors,
        errorsOmitted=errors_omitted or None,
        requestId=g.get("request_id"),
        count=count,
        expectedCount=expected_count,
    )
    return Response(
        body.model_dump_json(exclude_none=True),
        status=status,
        mimetype="application/problem+json",
        headers=dict(headers or {}),
    )


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(ValidationError, _invalid_request)
    app.register_error_handler(DomainError, _invalid_number)
    app.register_error_handler(NumberNotFound, _not_found)
    app.register_error_handler(ImportJobNotFound, _import_job_not_found)
    app.register_error_handler(NumberAlreadyExists, _already_exists)
    app.register_error_handler(NumberChangedMeanwhile, _changed_meanwhile)
    app.register_error_handler(VersionMismatch, _version_mismatch)
    app.register_error_handler(CountMismatch, _count_mismatch)
    app.register_error_handler(TooManyToExport, _too_many_to_export)
    app.register_error_handler(IdempotencyKeyReused, _idempotency_key_reused)
    app.register_error_handler(StorageUnavailable, _unavailable)
    app.register_error_handler(Unauthenticated, _unauthenticated)
    app.register_error_handler(InvalidCredentials, _invalid_credentials)
    app.register_error_handler(Forbidden, _forbidden)
    app.register_error_handler(TooManyLoginAttempts, _too_many_login_attempts)
    app.register_error_handler(UserNotFound, _user_not_found)
    app.register_error_handler(UserAlreadyExists, _user_already_exists)
    app.register_error_handler(LastActiveAdmin, _last_active_admin)
    app.register_error_handler(InvalidCursor, _invalid_cursor)
    app.register_error_handler(ImportRejected, _import_rejected)
    app.register_error_handler(MalformedImportFile, _malformed_import_file)
    app.register_error_handler(ImportLineRefused, _import_line_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(UnicodeDecodeError, _not_utf8)
    app.register_error_handler(Exception, _unexpected)


# What each request body (or query string) is, for "did you mean" answers naming the fields it does have.
_BODIES: dict[str, tuple[str, type[BaseModel]]] = {
    model.__name__: (what, model)
    for what, model in (
        ("a number", NumberIn),
        ("a number", NumberPatch),
        ("a login", TokenRequest),
        ("a user", UserIn),
        ("a user change", UserPatch),
        ("GET /numbers", ListParams),
        ("POST /numbers/imports", ImportParams),
        ("a bulk change", BulkChangeIn),
        ("GET /changes", ChangesParams),
        ("GET /numbers/{id}/history", HistoryParams),
    )
}


def _invalid_request(error: ValidationError) -> Response:
    body = _BODIES.get(error.title)
    # Only the errors shown get their messages ("did you mean" costs a search per field).
    details = error.errors(include_url=False)
    errors = [_field_error(detail, body) for detail in details[:MAX_PROBLEM_ERRORS]]
    omitted = len(details) - len(errors)
    return problem(
        422,
        "the request is not valid: see errors",
        kind="validation-error",
        errors=errors,
        errors_omitted=omitted,
    )


def _invalid_number(error: DomainError) -> Response:
    causes = error.errors if isinstance(error, InvalidFields) else (error,)
    errors = [FieldError(field=wire_name(cause.field or ""), message=cause.message) for cause in causes]
    return problem(422, "the request is not valid: see errors", kind="validation-error", errors=errors)


def _not_found(error: NumberNotFound) -> Response:
    return problem(404, str(error), kind="number-not-found")


def _import_job_not_found(error: ImportJobNotFound) -> Response:
    return problem(404, str(error), kind="import-job-not-found")


def _already_exists(error: NumberAlreadyExists) -> Response:
    return problem(409, str(error), kind="number-already-exists")


def _changed_meanwhile(error: NumberChangedMeanwhile) -> Response:
    return problem(409, str(error), kind="number-changed-meanwhile")


def _version_mismatch(error: VersionMismatch) -> Response:
    return problem(412, str(error), kind="version-mismatch")


def _count_mismatch(error: CountMismatch) -> Response:
    return problem(412, str(error), kind="count-mismatch", count=error.actual, expected_count=error.expected)


def _too_many_to_export(error: TooManyToExport) -> Response:
    return problem(422, str(error), kind="too-many-to-export")


def _idempotency_key_reused(error: IdempotencyKeyReused) -> Response:
    errors = [FieldError(field="Idempotency-Key", message="was already used with a different request body")]
    return problem(422, str(error), kind="idempotency-key-reused", errors=errors)


BEARER_CHALLENGE = 'Bearer realm="number-inventory"'


def _unauthenticated(error: Unauthenticated) -> Response:
    challenge = BEARER_CHALLENGE + (', error="invalid_token"' if error.token_given else "")
    return problem(401, str(error), kind="unauthenticated", headers={"WWW-Authenticate": challenge})


def _invalid_credentials(error: InvalidCredentials) -> Response:
    return problem(
        401, str(error), kind="invalid-credentials", headers={"WWW-Authenticate": BEARER_CHALLENGE}
    )


def _forbidden(error: Forbidden) -> Response:
    return problem(403, str(error), kind="forbidden")


def _too_many_login_attempts(error: TooManyLoginAttempts) -> Response:
    headers = {"Retry-After": str(error.retry_after_seconds)}
    return problem(429, str(error), kind="too-many-login-attempts", headers=headers)


def _user_not_found(error: UserNotFound) -> Response:
    return problem(404, str(error), kind="user-not-found")


def _user_already_exists(error: UserAlreadyExists) -> Response:
    return problem(409, str(error), kind="user-already-exists")


def _last_active_admin(error: LastActiveAdmin) -> Response:
    return problem(409, str(error), kind="last-active-admin")


def _unavailable(error: StorageUnavailable) -> Response:
    logger.warning("database unavailable: %s", error.__cause__ or error)
    return problem(
        503,
        "the database cannot be reached; try again shortly",
        kind="database-unavailable",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _invalid_cursor(error: InvalidCursor) -> Response:
    return problem(400, str(error), kind="invalid-cursor")


def _import_rejected(error: ImportRejected) -> Response:
    errors = [
        FieldError(field=wire_name(e.field), message=e.message, line=e.line) for e in error.report.errors
    ]
    return problem(
        422, str(error), kind="import-rejected", errors=errors, errors_omitted=error.report.errors_omitted
    )


def _import_line_refused(error: ImportLineRefused) -> Response:
    errors = [FieldError(field="file", message=error.message, line=error.line)]
    return problem(422, f"the file was refused: {error}", kind="import-line-refused", errors=errors)


def _malformed_import_file(error: MalformedImportFile) -> Response:
    return problem(400, str(error), kind="malformed-import-file")


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
    return problem(status, error.description or HTTPStatus(status).phrase, headers=headers)


def _not_utf8(error: UnicodeDecodeError) -> Response:
    """Werkzeug decodes the query string (request.args) strictly: raw bytes that are not UTF-8
    are the client's fault. (The body's own decoding errors are caught where it is parsed.)"""
    return problem(400, f"the request's query string is not valid UTF-8: {error.reason}")


def _unexpected(error: Exception) -> Response:
    logger.exception("unhandled error (request id %s)", g.get("request_id"))
    return problem(500, "an unexpected error occurred; quote the request id when reporting it")


def _field_error(detail: Mapping[str, Any], body: tuple[str, type[BaseModel]] | None) -> FieldError:
    field = ".".join(str(part) for part in detail["loc"])
    kind = detail["type"]
    if kind == "missing":
        message = "is required"
    elif kind == "extra_forbidden" and body is not None:
        message = _unknown_field_message(str(detail["loc"][-1]), *_part_of(body, detail["loc"][:-1]))
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        message = "must be a JSON object"
    elif kind == "string_type":
        message = "must be a string"
    elif kind in ("bool_type", "bool_parsing"):
        message = "must be true or false"
    elif kind in ("int_type", "int_parsing", "int_from_float"):
        message = "must be a whole number"
    elif kind == "greater_than_equal":
        message = f"must be at least {detail['ctx']['ge']}"
    elif kind == "less_than_equal":
        message = f"must be at most {detail['ctx']['le']}"
    elif kind == "literal_error":
        message = f"must be {detail['ctx']['expected']}"
    else:
        message = _house_style(str(detail["msg"]))
    return FieldError(field=field, message=message)


def _house_style(message: str) -> str:
    """Pydantic's "Input should be ..." as our "must be ...", whatever else it may say."""
    message = message.removeprefix("Value error, ")
    return _PYDANTIC_SHOULD.sub("must ", message, count=1)


def _part_of(body: tuple[str, type[BaseModel]], loc: Sequence[Any]) -> tuple[str, type[BaseModel]]:
    """The part of a body an error is in (a bulk change's `filter`), to name its fields."""
    what, model = body
    for name in loc:
        info = model.model_fields.get(str(name))
        if info is None or not (isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)):
            break
        what, model = f"the {name} of {what}", info.annotation
    return what, model


def _unknown_field_message(field: str, what: str, model: type[BaseModel]) -> str:
    fields = [info.alias or name for name, info in model.model_fields.items()]
    if issubclass(model, QueryParameters):
        message = f"is not a query parameter of {what} (the parameters are {', '.join(fields)})"
        return message + did_you_mean(field, fields, model.synonyms)
    return f"is not a field of {what} (the fields are {', '.join(fields)})" + did_you_mean(field, fields)
