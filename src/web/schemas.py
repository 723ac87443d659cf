"""The HTTP contract (docs/api.md) as pydantic models: shapes and JSON types only;
the domain judges values, so a rule lives in one place."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.config import JsonDict
from pydantic_core import PydanticCustomError

from src.application.changes import Action
from src.application.import_jobs import ImportJob
from src.application.import_numbers import ImportReport
from src.application.number_fields import NumberData
from src.application.results import IssuedToken, NumberResult, NumberView, UserResult
from src.domain.money import CurrencyCatalog

MAX_PAGE = 2**31 - 1


def _price(raw: object) -> object:
    if isinstance(raw, bool) or not isinstance(raw, str | Decimal | int):
        raise PydanticCustomError(
            "price_type", 'must be a decimal number, as a string ("3.40") or a JSON number'
        )
    return raw


Price = Annotated[
    object,
    PlainValidator(_price),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^\d{1,6}(\.\d{1,2})?$", "examples": ["3.40"]},
                {"type": "number", "minimum": 0, "maximum": 999999.99, "multipleOf": 0.01},
            ],
            "description": "An amount of at most 999999.99 with at most 2 decimal places, never negative.",
        }
    ),
]
PhoneValue = Annotated[StrictStr, Field(examples=["+55 84 91234-4321"])]
CurrencyText = Annotated[StrictStr, Field(examples=["U$"])]


class NumberIn(BaseModel):
    """Body of POST and PUT: every field is required; `id` is ignored on create."""

    model_config = ConfigDict(extra="forbid")

    id: StrictInt | None = None
    value: PhoneValue
    monthly_price: Price = Field(alias="monthyPrice")
    setup_price: Price = Field(alias="setupPrice")
    currency: CurrencyText

    def to_data(self) -> NumberData:
        return NumberData(
            value=self.value,
            monthly_price=self.monthly_price,
            setup_price=self.setup_price,
            currency=self.currency,
        )


class NumberPatch(BaseModel):
    """Body of PATCH, a JSON merge patch: only the given fields change."""

    model_config = ConfigDict(extra="forbid")

    id: StrictInt | None = None
    value: PhoneValue | None = None
    monthly_price: Price | None = Field(None, alias="monthyPrice")
    setup_price: Price | None = Field(None, alias="setupPrice")
    currency: CurrencyText | None = None

    def changes(self) -> dict[str, object]:
        """The given fields (null included: the use case refuses to remove one), `id` aside."""
        return {name: getattr(self, name) for name in self.model_fields_set if name != "id"}


class NumberOut(BaseModel):
    """A number as every response shows it: exactly these keys, in this order."""

    id: int
    value: str = Field(examples=["+55 84 91234-4321"])
    monthyPrice: str = Field(examples=["0.03"])  # noqa: N815 - spelt as agreed with the frontend
    setupPrice: str = Field(examples=["3.40"])  # noqa: N815
    currency: str = Field(examples=["U$"])

    @staticmethod
    def view(result: NumberResult, currencies: CurrencyCatalog) -> NumberView:
        """A number a write returned, as the read side shows numbers."""
        return NumberView(
            result.id,
            result.version,
            result.international,
            f"{result.monthly_price:.2f}",
            f"{result.setup_price:.2f}",
            currencies.symbol(result.currency),
        )

    @staticmethod
    def document(view: NumberView) -> dict[str, object]:
        return {
            "id": view.id,
            "value": view.value,
            "monthyPrice": view.monthly_price,
            "setupPrice": view.setup_price,
            "currency": view.currency,
        }


def numbers_json(views: Iterable[NumberView]) -> bytes:
    """One pass from views to UTF-8 bytes, no dict or model per row."""
    return ("[" + ",".join(map(_view_json, views)) + "]").encode()


def number_json(view: NumberView) -> bytes:
    return _view_json(view).encode()


def _view_json(view: NumberView) -> str:
    """NumberOut.document(view) as JSON, written into a template: the encoder, which makes a chunk
    of every key and value, took twice as long for a page. Text goes through the encoder's
    own escaping."""
    return (
        f'{{"id":{view.id:d},"value":{_quoted(view.value)},"monthyPrice":{_quoted(view.monthly_price)},'
        f'"setupPrice":{_quoted(view.setup_price)},"currency":{_quoted(view.currency)}}}'
    )


_quoted = json.encoder.encode_basestring


# An empty filter parameter is no filter, so every pattern also allows "".
AMOUNT_PATTERN = r"^(\d{1,6}(\.\d{1,2})?)?$"


AMOUNT_BOUND: JsonDict = {"pattern": AMOUNT_PATTERN}
# 1 to 15 digits among formatting (spaces, +, (, ), -, .), at most 40 characters; or empty.
FORMATTED_DIGITS: JsonDict = {"pattern": r"^([ +().-]*\d){0,15}[ +().-]*$", "maxLength": 40}


class QueryParameters(BaseModel):
    """A query string: a parameter it does not name is a 422 naming it (as unknown body fields
    are), rather than being ignored while the client believes it took effect."""

    model_config = ConfigDict(extra="forbid")

    # Names other APIs use for these parameters, for "did you mean" answers.
    synonyms: ClassVar[Mapping[str, str]] = {}
    # Whether an empty value is read as no value (and documented so).
    empty_is_absent: ClassVar[bool] = False

    @field_validator("per_page", check_fields=False)
    @classmethod
    def _at_most_max_page_size(cls, per_page: int | None, info: ValidationInfo) -> int | None:
        """Of the lists that take `per_page`: at most MAX_PAGE_SIZE, a setting (so, context)."""
        limit = (info.context or {}).get("max_page_size")
        if per_page is not None and limit is not None and per_page > limit:
            raise PydanticCustomError(
                "less_than_equal", "Input should be less than or equal to {le}", {"le": limit}
            )
        return per_page


class ListParams(QueryParameters):
    """Query parameters of GET /numbers; every other one is a 422.

    The filters stay text here: the application parses them (NumberFilter), naming each bad one.
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    synonyms: ClassVar[Mapping[str, str]] = {
        "limit": "per_page",
        "size": "per_page",
        "page_size": "per_page",
        "pagesize": "per_page",
        "perpage": "per_page",
        "offset": "page",
        "order": "sort",
        "order_by": "sort",
        "orderby": "sort",
        "sort_by": "sort",
        "sortby": "sort",
        "search": "q",
        "query": "q",
    }

    page: int = Field(
        1,
        ge=1,
        le=MAX_PAGE,
        description="Page number, from 1; a page past the last is an empty array. Not with `cursor`.",
    )
    per_page: int | None = Field(None, ge=1, description="Numbers per page.")
    cursor: str | None = Field(
        None,
        description="Keyset paging: empty for the first page, then the `cursor` of the `next` Link. "
        "Opaque and checked: a changed one, or one used with another filter or sort, is a 400. "
        "Cannot be combined with `page` (422).",
    )
    sort: str | None = Field(
        None,
        description="Comma-separated keys among id, value, monthyPrice, setupPrice; a leading - "
        "sorts descending. Ties are broken by id (in the direction of the last key). Default: id.",
        examples=["-monthyPrice,value"],
    )
    q: str | None = Field(
        None,
        description="Digits contained anywhere in the number (1 to 15); spaces, +, (, ), - and . "
        "are ignored, so `+55 (84)` is `5584`.",
        examples=["91234"],
        json_schema_extra=FORMATTED_DIGITS,
    )
    country: str | None = Field(
        None,
        description="ISO 3166 alpha-2 country of the number, any case.",
        examples=["BR"],
        json_schema_extra={"pattern": "^([A-Za-z]{2})?$"},
    )
    prefix: str | None = Field(
        None,
        description="E.164 digits the number starts with, country code first (1 to 15); spaces, +, "
        "(, ), - and . are ignored, so `+55 84` is `5584`.",
        examples=["5584"],
        json_schema_extra=FORMATTED_DIGITS,
    )
    currency: str | None = Field(
        None,
        description="Currency symbol or ISO code (the allowed ones: see `currency` of a number).",
        examples=["U$"],
    )
    monthly_min: str | None = Field(
        None,
        alias="monthyPrice_min",
        json_schema_extra=AMOUNT_BOUND,
        description="Lowest monthyPrice, inclusive, in plain notation.",
        examples=["0.50"],
    )
    monthly_max: str | None = Field(
        None,
        alias="monthyPrice_max",
        json_schema_extra=AMOUNT_BOUND,
        description="Highest monthyPrice, inclusive, in plain notation.",
        examples=["10.00"],
    )
    setup_min: str | None = Field(
        None,
        alias="setupPrice_min",
        json_schema_extra=AMOUNT_BOUND,
        description="Lowest setupPrice, inclusive, in plain notation.",
        examples=["0.50"],
    )
    setup_max: str | None = Field(
        None,
        alias="setupPrice_max",
        json_schema_extra=AMOUNT_BOUND,
        description="Highest setupPrice, inclusive, in plain notation.",
        examples=["10.00"],
    )

    def filters(self) -> dict[str, str | None]:
        """The filter parameters by their wire names."""
        return self.model_dump(by_alias=True, include=FILTER_FIELDS)


FILTER_FIELDS = {"q", "country", "prefix", "currency", "monthly_min", "monthly_max", "setup_min", "setup_max"}


class FieldError(BaseModel):
    # `line` first: an import's row errors read {"line", "field", "message"}, as in its report.
    line: int | None = Field(None, description="The line of an imported CSV file the error is on.")
    field: str = Field(examples=["monthyPrice"])
    message: str = Field(examples=["must not be negative"])


class Problem(BaseModel):
    """An error, as RFC 9457 application/problem+json; `errors` only for validation problems."""

    type: str = Field(examples=["tag:number-inventory,2026:problem:validation-error"])
    title: str = Field(examples=["Unprocessable Entity"])
    status: int = Field(ge=400, le=599, examples=[422])
    detail: str
    errors: list[FieldError] | None = None
    errorsOmitted: int | None = Field(  # noqa: N815 - the frontend's camelCase
        None, description="How many errors past the first 50 were left out of `errors`."
    )
    requestId: str | None = Field(None, description="Quote it when reporting a problem.")  # noqa: N815
    count: int | None = Field(None, description="A refused bulk change: how many numbers match now.")
    expectedCount: int | None = Field(None, description="A refused bulk change: the count it was sent.")  # noqa: N815


class HealthStatus(BaseModel):
    status: str = Field(examples=["ok"])


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field(examples=["admin@localhost"])
    # The local admin of `make run`: "Try it out" works as it is filled in.
    password: StrictStr = Field(repr=False, examples=["local-admin-password"])


class PasswordChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currentPassword: StrictStr = Field(repr=False)  # noqa: N815 - the frontend's camelCase
    newPassword: StrictStr = Field(  # noqa: N815
        repr=False,
        description="10 to 256 characters, not only spaces, not a common or easily guessed password.",
    )


class TokenOut(BaseModel):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`. Shown only once.")
    expiresAt: datetime  # noqa: N815 - the frontend's camelCase

    @classmethod
    def of(cls, issued: IssuedToken) -> TokenOut:
        return cls(token=issued.token, expiresAt=issued.expires_at)


class MeOut(BaseModel):
    id: int
    email: str
    role: str = Field(examples=["supervisor"])


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr = Field(examples=["ana@example.com"])
    password: StrictStr = Field(
        repr=False, description="10 to 256 characters.", examples=["a-long-passphrase"]
    )
    role: StrictStr = Field(examples=["viewer"], description="admin, supervisor or viewer")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: StrictStr | None = Field(None, description="admin, supervisor or viewer")
    active: StrictBool | None = Field(None, description="false deactivates the user and revokes their tokens")


class UserOut(BaseModel):
    """A user as responses show it: never a password or its hash."""

    id: int
    email: str
    role: str
    active: bool

    @classmethod
    def of(cls, user: UserResult) -> UserOut:
        return cls(id=user.id, email=user.email, role=user.role.value, active=user.active)


def wire_name(field: str) -> str:
    """The name the client knows a domain field by (monthly_price -> monthyPrice; within a
    body's part, set.monthly_price -> set.monthyPrice)."""
    part, dot, name = field.rpartition(".")
    model_field = NumberIn.model_fields.get(name)
    return f"{part}{dot}{model_field.alias or name}" if model_field else field


class ImportParams(QueryParameters):
    mode: Literal["all-or-nothing", "skip-invalid"] = Field(
        "all-or-nothing",
        description="all-or-nothing: any bad row and nothing is stored (422); "
        "skip-invalid: the valid rows are stored and the bad ones reported.",
    )


class RowErrorOut(BaseModel):
    line: int = Field(description="The line of the file (the header is line 1).", examples=[7])
    field: str = Field(examples=["monthyPrice"])
    message: str = Field(examples=["must not be negative"])


class ImportReportOut(BaseModel):
    received: int = Field(description="Rows read (the header aside).")
    created: int = Field(description="Numbers stored.")
    skipped: int = Field(description="Rows not stored: invalid, or duplicates.")
    errors: list[RowErrorOut] = Field(description="What is wrong with each skipped row (at most 1000).")
    errorsOmitted: int = Field(0, description="Errors past the reported maximum.")  # noqa: N815
    notes: list[str] = Field(
        default_factory=list,
        description="About the file as a whole, e.g. columns that are not ours and were ignored.",
        examples=[["the column 'notes' is not one of ours: it was ignored"]],
    )

    @classmethod
    def of(cls, report: ImportReport) -> ImportReportOut:
        return cls(
            received=report.received,
            created=report.created,
            skipped=report.skipped,
            errors=[
                RowErrorOut(line=e.line, field=wire_name(e.field), message=e.message) for e in report.errors
            ],
            errorsOmitted=report.errors_omitted,
            notes=list(report.notes),
        )


class ImportJobOut(BaseModel):
    id: int = Field(description="The job's id, as in its Location.")
    status: Literal["queued", "running", "succeeded", "failed"] = Field(
        description="queued, running, then succeeded or failed."
    )
    mode: Literal["all-or-nothing", "skip-invalid"]
    bytes: int = Field(description="Size of the file.")
    rowsDone: int = Field(description="Rows read so far (the header aside).")  # noqa: N815
    report: ImportReportOut | None = Field(
        description="Once done: what was stored and each bad row; in a failed all-or-nothing import, "
        "the rows that made it fail (nothing was stored). Null until then."
    )
    error: str | None = Field(description="Why the job failed; null otherwise.")

    @classmethod
    def of(cls, job: ImportJob) -> ImportJobOut:
        return cls(
            id=job.id,
            status=job.status.value,
            mode=job.mode.value,
            bytes=job.bytes,
            rowsDone=job.rows_done,
            report=None if job.report is None else ImportReportOut.of(job.report),
            error=job.error,
        )


class BulkFilter(BaseModel):
    """The filters of GET /numbers, by the same names, as strings; none means none."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    q: StrictStr | None = None
    country: StrictStr | None = None
    prefix: StrictStr | None = None
    currency: StrictStr | None = None
    monthly_min: StrictStr | None = Field(None, alias="monthyPrice_min")
    monthly_max: StrictStr | None = Field(None, alias="monthyPrice_max")
    setup_min: StrictStr | None = Field(None, alias="setupPrice_min")
    setup_max: StrictStr | None = Field(None, alias="setupPrice_max")

    def filters(self) -> dict[str, str | None]:
        return self.model_dump(by_alias=True)


class BulkSet(BaseModel):
    """The fields a bulk change sets: prices and/or the currency (of both prices)."""

    model_config = ConfigDict(extra="forbid")

    monthly_price: Price | None = Field(None, alias="monthyPrice")
    setup_price: Price | None = Field(None, alias="setupPrice")
    currency: CurrencyText | None = None

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class BulkChangeIn(BaseModel):
    """Body of POST /numbers/bulk-changes."""

    model_config = ConfigDict(extra="forbid")

    filter: BulkFilter = Field(default_factory=BulkFilter, description="As GET /numbers filters.")
    set: BulkSet = Field(description="The fields to set on every matching number.")
    expectedCount: StrictInt | None = Field(  # noqa: N815
        None,
        ge=0,
        description="How many numbers you saw match: a dry run's `count`, which is exact (the list's "
        "X-Total-Count is an estimate past 1,000). The change is made only if exactly that many match "
        "now. Required unless dryRun.",
        examples=[3120],
    )
    dryRun: StrictBool = Field(  # noqa: N815
        False, description="Only count the matching numbers and show the first 20: nothing changes."
    )
    all: StrictBool = Field(False, description="Needed to send an empty filter: every number matches it.")


class BulkChangeOut(BaseModel):
    count: int = Field(description="How many numbers match the filter (on a change: `expectedCount`).")
    changed: int | None = Field(
        description="How many of them changed: each got a new version (ETag) and a record in the "
        "history. The others already had every value set, and keep their version. Null on a dry run."
    )
    dryRun: bool  # noqa: N815
    bulkChangeId: int | None = Field(  # noqa: N815
        description="The bulk change's id in the history (GET /changes?bulkChange=<id>); null on a "
        "dry run, or when no number changed (nothing is recorded then)."
    )
    numbers: list[NumberOut] = Field(description="A dry run's first 20 matching numbers; empty otherwise.")


FieldValueOut = str | bool | None


class FieldChangeOut(BaseModel):
    before: FieldValueOut
    after: FieldValueOut


class ChangeOut(BaseModel):
    """One recorded change. Numbers' values read as in responses (international format, currency
    symbols); a bulk change's `subject` is its filter as JSON (or "all"), an import's its mode."""

    id: int
    at: datetime
    actorId: int | None = Field(description="The user who made it; null for the system.")  # noqa: N815
    actorEmail: str | None = Field(description="Their email at the time.")  # noqa: N815
    requestId: str | None = Field(description="X-Request-ID of the request that made it.")  # noqa: N815
    action: Literal[
        "create",
        "replace",
        "patch",
        "delete",
        "import",
        "bulk-update",
        "bulk-change",
        "user-create",
        "user-update",
        "user-password",
        "user-delete",
    ]
    subjectType: Literal["number", "user", "bulk-change", "import"]  # noqa: N815
    subjectId: int | None = Field(description="The number's or user's id.")  # noqa: N815
    subject: str = Field(examples=["+55 84 91234-4321"])
    fields: dict[str, FieldChangeOut] = Field(description="Only the fields that changed.")
    bulkChangeId: int | None = Field(description="The bulk change this was part of.")  # noqa: N815
    count: int | None = Field(description="How many numbers a bulk change changed or an import created.")
    importId: int | None = Field(  # noqa: N815
        description="On a delete: the import that had created the number (its record's id)."
    )


MAX_CHANGE_ID = 2**63 - 1  # change ids are 64-bit integers


class HistoryParams(QueryParameters):
    """Query parameters of GET /numbers/{id}/history; every other one is a 422. An empty value is
    no value, as `cursor=` is on GET /numbers."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    empty_is_absent: ClassVar[bool] = True
    synonyms: ClassVar[Mapping[str, str]] = {
        "limit": "per_page",
        "size": "per_page",
        "page_size": "per_page",
        "page": "cursor",
        "after": "cursor",
        "before": "cursor",
    }

    per_page: int | None = Field(None, ge=1, description="Changes per page.")
    cursor: int | None = Field(
        None,
        ge=1,
        le=MAX_CHANGE_ID,
        description="Keyset paging: the `cursor` of the `next` Link (older changes); empty or absent "
        "for the first page.",
    )

    @model_validator(mode="before")
    @classmethod
    def _empty_is_absent(cls, given: object) -> object:
        if not isinstance(given, dict):
            return given
        known = {info.alias or name for name, info in cls.model_fields.items()}
        return {name: value for name, value in given.items() if value != "" or name not in known}


class ChangesParams(HistoryParams):
    """Query parameters of GET /changes; every other one is a 422."""

    synonyms: ClassVar[Mapping[str, str]] = {
        **HistoryParams.synonyms,
        "phone": "number",
        "value": "number",
        "user": "actor",
        "email": "actor",
        "from": "since",
        "to": "until",
        "bulk_change": "bulkChange",
    }

    number: str | None = Field(
        None, description="A phone number, in any spelling.", examples=["+5584912344321"]
    )
    actor: str | None = Field(
        None,
        max_length=254,
        description="The email of who made the change (any case).",
        json_schema_extra={"pattern": r"^[^\x00-\x1f\x7f]*$"},
    )
    action: str | None = Field(
        None, description="One action.", json_schema_extra={"enum": [action.value for action in Action]}
    )
    since: datetime | None = Field(
        None,
        description="Changes at or after this time (ISO 8601, with its time zone).",
        examples=["2026-12-01T00:00:00Z"],
    )
    until: datetime | None = Field(
        None,
        description="Changes before this time (ISO 8601, with its time zone).",
        examples=["2026-12-02T00:00:00Z"],
    )
    bulk_change: int | None = Field(
        None, alias="bulkChange", ge=1, le=MAX_CHANGE_ID, description="The numbers of one bulk change."
    )

    @field_validator("actor")
    @classmethod
    def _printable(cls, actor: str | None) -> str | None:
        # Control characters are in no email, and PostgreSQL refuses a NUL in any text.
        if actor is not None and any(ord(char) < 0x20 or ord(char) == 0x7F for char in actor):
            raise PydanticCustomError(
                "actor_control_character", "must be an email address, without control characters"
            )
        return actor

    @field_validator("since", "until", mode="before")
    @classmethod
    def _iso_8601(cls, moment: object) -> object:
        # Pydantic would also take a number of seconds (or milliseconds, past a bound) since 1970.
        if isinstance(moment, str):
            try:
                return datetime.fromisoformat(moment)
            except ValueError:
                raise PydanticCustomError(
                    "datetime_iso", "must be an ISO 8601 time with its time zone, e.g. 2026-12-01T12:00:00Z"
                ) from None
        return moment

    @field_validator("since", "until")
    @classmethod
    def _with_a_time_zone(cls, moment: datetime | None) -> datetime | None:
        if moment is None:
            return None
        if moment.tzinfo is None:
            raise PydanticCustomError("timezone_aware", "must name its time zone, e.g. 2026-12-01T12:00:00Z")
        try:
            return moment.astimezone(UTC)
        except OverflowError:  # the first or last day of the calendar, in a zone that leaves it
            raise PydanticCustomError(
                "datetime_range", "must be between the years 1 and 9999 in UTC"
            ) from None
