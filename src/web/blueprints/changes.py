"""The change history (GET /numbers/{id}/history, GET /changes) and bulk changes of numbers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TypeVar
from urllib.parse import urlencode

from flask import Blueprint, Response, request
from pydantic import TypeAdapter

from src.application.bulk_change import BulkChangeCommand
from src.application.changes import Action, Change, ChangeQuery, ChangeRecord, FieldValue, Subject
from src.application.list_changes import EXPORT_LIMIT, ChangesPage
from src.domain.errors import DomainError, FieldErrors
from src.domain.money import Currency, CurrencyCatalog
from src.domain.phone_numbers import PhoneNumber
from src.domain.users import Permission
from src.web.auth import principal
from src.web.csv_codec import csv_text
from src.web.inventory import inventory
from src.web.openapi import Operation, Reply, documented
from src.web.request_body import json_object
from src.web.responses import json_response
from src.web.schemas import (
    BulkChangeIn,
    BulkChangeOut,
    ChangeOut,
    ChangesParams,
    FieldChangeOut,
    HistoryParams,
    NumberOut,
)

bp = Blueprint("changes", __name__, url_prefix="/api/v1")
Params = TypeVar("Params", bound=HistoryParams)
_change_list = TypeAdapter(list[ChangeOut])
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[0-9 +().-]*")
CSV_COLUMNS = (
    "id",
    "at",
    "actorId",
    "actorEmail",
    "requestId",
    "action",
    "subjectType",
    "subjectId",
    "subject",
    "fields",
    "bulkChangeId",
    "count",
    "importId",
)
CHANGES_CSV = {
    "type": "string",
    "description": "CSV: " + ",".join(CSV_COLUMNS) + " (fields as JSON), a header line first.",
}
PAGED = Reply("A page of changes, newest first.", "[ChangeOut]", ("Link",))
WHO_SEES_WHAT = (
    "Supervisors see the changes of numbers (with bulk changes and imports); admins also those of users."
)


@bp.get("/numbers/<int:number_id>/history")
@documented(
    Operation(
        "getNumberHistory",
        "A number's change history, newest first",
        "history",
        {200: PAGED},
        problems=(404, 422),
        query=HistoryParams,
        permission=Permission.WRITE_NUMBERS,
        description="Every create, replace, patch, bulk change and delete of the number, with who "
        "made it, when, in which request, and the fields it changed (before and after); a number an "
        "import created shows that import's record (who sent the file, when, how many it created). "
        "It stays after the number is deleted: then its newest entry is the delete (404 once no "
        "record of it is left, as after retention). Keyset paged: follow the `next` Link.",
    )
)
def number_history(number_id: int) -> Response:
    served = inventory()
    params = _params(HistoryParams)
    page = served.number_history(number_id, _per_page(params), params.cursor)
    return _page_response(page)


@bp.get("/changes")
@documented(
    Operation(
        "listChanges",
        "The change log: every recorded change, filtered, newest first",
        "history",
        {200: Reply(PAGED.description, "[ChangeOut]", ("Link",), other_content={"text/csv": CHANGES_CSV})},
        problems=(422,),
        query=ChangesParams,
        permission=Permission.WRITE_NUMBERS,
        description=f"{WHO_SEES_WHAT} Filters combine (AND). Keyset paged: follow the `next` Link. "
        "With `Accept: text/csv` the answer is every matching change (not a page), newest first, "
        f"with `X-Total-Count`; phone numbers in E.164. At most {EXPORT_LIMIT:,} changes: past that, "
        "422 `too-many-to-export` (narrow it with `since`/`until`).",
    )
)
def list_changes() -> Response:
    params = _params(ChangesParams)
    query = _query(params)
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        served = inventory()
        total, found = served.export_changes(query)
        return Response(
            _csv_rows(found, served.currencies),
            mimetype="text/csv",
            headers={
                "Content-Disposition": 'attachment; filename="changes.csv"',
                "Vary": "Accept",
                "X-Total-Count": str(total),
            },
        )
    page = inventory().list_changes(query, _per_page(params), params.cursor)
    response = _page_response(page)
    response.headers["Vary"] = "Accept"
    return response


@bp.post("/numbers/bulk-changes")
@documented(
    Operation(
        "bulkChangeNumbers",
        "Set prices or the currency of every number a filter matches, at once",
        "numbers",
        {200: Reply("What matched (dry run), or what was changed.", "BulkChangeOut")},
        problems=(400, 412, 413, 415, 422),
        body="BulkChangeIn",
        permission=Permission.WRITE_NUMBERS,
        description="One transaction, made only if exactly `expectedCount` numbers match the filter "
        "at that moment; otherwise 412, whose `count` is how many match now, and nothing changes. "
        "The matching numbers are locked while they change: a concurrent write of one of them "
        "either happened before (and the filter judged its result) or fails with 409/412. "
        "Each number that changes gets a new version (ETag) and a record in its history, all under "
        "one bulk change id; a number that already has every value set keeps its version and gets "
        'no record. An empty filter is refused unless `"all": true`. `"dryRun": true` answers the '
        "exact count (send it back as `expectedCount`) and the first 20 numbers, changing nothing.",
    )
)
def bulk_change() -> Response:
    served = inventory()
    body = BulkChangeIn.model_validate(json_object())
    result = served.bulk_change(
        BulkChangeCommand(
            body.filter.filters(),
            body.set.changes(),
            expected_count=body.expectedCount,
            dry_run=body.dryRun,
            everything=body.all,
        )
    )
    return json_response(
        BulkChangeOut(
            count=result.count,
            changed=result.changed,
            dryRun=result.dry_run,
            bulkChangeId=result.bulk_change_id,
            numbers=[NumberOut.model_validate(NumberOut.document(view)) for view in result.preview],
        )
    )


def _params(model: type[Params]) -> Params:
    return model.model_validate(
        request.args.to_dict(), context={"max_page_size": inventory().settings.max_page_size}
    )


def _per_page(params: HistoryParams) -> int:
    return params.per_page or inventory().settings.page_size


def _query(params: ChangesParams) -> ChangeQuery:
    visible = {Subject.NUMBER, Subject.BULK_CHANGE, Subject.IMPORT}
    if principal().role.may(Permission.MANAGE_USERS):
        visible.add(Subject.USER)
    errors = FieldErrors()
    number = errors.parse("number", PhoneNumber.parse, params.number) if params.number else None
    action = errors.parse("action", _action, params.action) if params.action else None
    errors.raise_if_any()
    return ChangeQuery(
        subjects=frozenset(visible),
        number=number.e164 if number else None,
        actor=params.actor.strip().lower() if params.actor else None,
        action=action,
        since=params.since,
        until=params.until,
        bulk_change_id=params.bulk_change,
    )


def _action(given: object) -> Action:
    try:
        return Action(str(given))
    except ValueError:
        allowed = ", ".join(Action)
        raise DomainError(f"{str(given)[:30]!r} is not an action; use one of {allowed}") from None


def _page_response(page: ChangesPage) -> Response:
    currencies = inventory().currencies
    body = _change_list.dump_json([change_out(change, currencies) for change in page.items])
    links = [_link("first", None)]
    if page.following is not None:
        links.append(_link("next", page.following))
    return Response(body, mimetype="application/json", headers={"Link": ", ".join(links)})


def _link(rel: str, cursor: int | None) -> str:
    kept = [(key, value) for key, value in request.args.items(multi=True) if key != "cursor"]
    if cursor is not None:
        kept.append(("cursor", str(cursor)))
    query = f"?{urlencode(kept)}" if kept else ""
    return f'<{request.base_url}{query}>; rel="{rel}"'


def change_out(change: Change, currencies: CurrencyCatalog) -> ChangeOut:
    subject = change.subject
    if change.subject_type is Subject.NUMBER:
        subject = PhoneNumber(subject).international
    return ChangeOut(
        id=change.id or 0,
        at=change.at,
        actorId=change.actor.user_id,
        actorEmail=change.actor.email,
        requestId=change.actor.request_id,
        action=change.action.value,
        subjectType=change.subject_type.value,
        subjectId=change.subject_id,
        subject=subject,
        fields={
            name: FieldChangeOut(
                before=_shown(name, field.before, currencies), after=_shown(name, field.after, currencies)
            )
            for name, field in change.fields.items()
        },
        bulkChangeId=change.bulk_change_id,
        count=change.count,
        importId=change.import_id,
    )


def _shown(name: str, value: FieldValue, currencies: CurrencyCatalog) -> FieldValue:
    """A number's fields as its responses show them; a currency no longer configured, as its code."""
    if name == "value" and isinstance(value, str):
        return PhoneNumber(value).international
    return _symbol(name, value, currencies)


def _symbol(name: str, value: FieldValue, currencies: CurrencyCatalog) -> FieldValue:
    if name == "currency" and isinstance(value, str) and value in currencies.codes:
        return currencies.symbol(Currency(value))
    return value


def _defused(text: str | None) -> str | None:
    """Text that a spreadsheet would run as a formula (it starts with =, +, -, @, a tab or a
    carriage return, and is more than a plain number), behind an apostrophe, as OWASP advises
    for CSV files; phone numbers and amounts stay as they are."""
    if text and text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _csv_rows(found: Iterator[ChangeRecord], currencies: CurrencyCatalog) -> Iterator[str]:
    """The changes as CSV, written from what is stored: phone numbers in E.164, as the numbers'
    own export writes them (canonical; formatting each cost more than the rest of its row),
    currencies as their symbols, times in UTC with a Z as in JSON; text that a spreadsheet would
    run as a formula, defused."""
    symbols = _quoted_symbols(currencies)
    rows = (
        (
            record.id,
            record.at.isoformat().replace("+00:00", "Z"),
            record.actor_id,
            _defused(record.actor_email),
            _defused(record.request_id),
            record.action,
            record.subject_type,
            record.subject_id,
            _defused(record.subject),
            _with_symbols(record.fields, symbols) if '"currency"' in record.fields else record.fields,
            record.bulk_change_id,
            record.how_many,
            record.import_id,
        )
        for record in found
    )
    return csv_text(CSV_COLUMNS, rows, lineterminator="\r\n")


def _with_symbols(fields: str, symbols: tuple[tuple[str, str], ...]) -> str:
    """A record's fields (JSON text) with each currency code as its symbol, as answers show it.
    Replaced as text: a field's value is exactly a quoted currency code only in `currency` (the
    others are phone numbers, amounts, emails, roles and flags), and parsing each record's JSON
    to change it cost more than writing out the rest of the record."""
    for code, symbol in symbols:
        fields = fields.replace(code, symbol)
    return fields


def _quoted_symbols(currencies: CurrencyCatalog) -> tuple[tuple[str, str], ...]:
    return tuple(
        (json.dumps(code), json.dumps(currencies.symbol(Currency(code)), ensure_ascii=False))
        for code in currencies.codes
    )
