"""/api/v1/numbers: each view parses, runs one use case and serialises; errors go to web.errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for
from werkzeug.exceptions import UnsupportedMediaType

from src.application.create_number import CreateNumberCommand
from src.application.delete_number import DeleteNumberCommand
from src.application.import_numbers import ImportMode
from src.application.list_numbers import ListNumbersQuery
from src.application.number_listing import Listing, NumberFilter, Sort
from src.application.patch_number import PatchNumberCommand
from src.application.replace_number import ReplaceNumberCommand
from src.application.results import NumberPage, NumberResult, NumberView
from src.domain.errors import DomainError
from src.domain.money import Currency
from src.domain.users import Permission
from src.web.auth import authorize, pending_authorization, principal, require
from src.web.conditional_requests import etag_of, idempotency_key, if_match_versions, not_modified_since_seen
from src.web.csv_codec import line_checked_chunks, read_number_rows, write_number_rows
from src.web.inventory import Inventory, inventory
from src.web.openapi import Operation, Reply, documented
from src.web.request_body import json_object
from src.web.responses import empty_response, json_response
from src.web.schemas import (
    ImportJobOut,
    ImportParams,
    ImportReportOut,
    ListParams,
    NumberIn,
    NumberOut,
    NumberPatch,
    number_json,
    numbers_json,
)

bp = Blueprint("numbers", __name__, url_prefix="/api/v1/numbers")
NUMBER_ID = "<int:number_id>"
STORED_NUMBER = Reply("The number as stored now.", "NumberOut", ("ETag",))
BODY_WRITE_PROBLEMS = (400, 404, 409, 412, 413, 415, 422)
CSV_TEXT = {
    "type": "string",
    "description": "CSV: value,monthyPrice,setupPrice,currency, a header line first.",
}
# What browsers and spreadsheets label CSV files with (Windows: Excel's type), all read as CSV.
CSV_MEDIA_TYPES = ("text/csv", "application/csv", "text/plain", "application/vnd.ms-excel")
FORM_UPLOAD = "multipart/form-data"
CSV_EXAMPLE = (
    "value,monthyPrice,setupPrice,currency\n+5584912344321,0.03,3.40,U$\n+5511912345678,1.50,10.00,R$\n"
)
IMPORT_BODY: dict[str, dict[str, Any]] = {
    **{media_type: {"schema": CSV_TEXT, "example": CSV_EXAMPLE} for media_type in CSV_MEDIA_TYPES},
    FORM_UPLOAD: {
        "schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary", "description": "The CSV file."}},
            "required": ["file"],
        },
        "encoding": {"file": {"contentType": ", ".join(CSV_MEDIA_TYPES)}},
    },
}


@bp.get("")
@documented(
    Operation(
        "listNumbers",
        "List numbers: filter, sort, and page by number or by keyset cursor",
        "numbers",
        {
            200: Reply(
                "A page of numbers; past the last page, an empty array.",
                "[NumberOut]",
                ("X-Total-Count", "X-Total-Count-Estimated", "Link"),
                other_content={"text/csv": CSV_TEXT},
            )
        },
        problems=(400, 403, 422),  # 403: the CSV export needs write-numbers; a viewer's JSON list does not
        query=ListParams,
        permission=Permission.READ_NUMBERS,
        authorized_by_view=True,  # one round trip: the token's holder and the page together
        description="Filters combine (AND). `page` pages are numbered; for deep pages use keyset "
        "paging: send `cursor=` (empty) and follow the `next` Link, whose cost does not grow with depth. "
        "`X-Total-Count` is exact up to 1000 matches; past that PostgreSQL gives its planner's "
        "estimate, flagged by `X-Total-Count-Estimated: true`.\n\n"
        "With `Accept: text/csv` the answer is every matching number (not a page), in the sort order, "
        "streamed as CSV in the format `POST /numbers/imports` reads; that export needs the "
        "`write-numbers` permission (supervisors), not just `read-numbers`.",
    )
)
def list_numbers() -> Response:
    token, permission = pending_authorization()
    served = inventory()
    try:
        listing, query = _list_request(served)
    except Exception:
        # Refused parameters are told only to a caller the token lets in (401/403 come first);
        # the valid request below is authorized along with its read instead.
        authorize(token, permission)
        raise
    if _wants_csv():
        authorize(token, permission)
        return _csv_export(listing)
    page = served.list_numbers.for_caller(token, permission, query)
    body = numbers_json(page.items)
    links = _page_links(page) if not query.keyset else _keyset_links(page, listing)
    headers = {"X-Total-Count": str(page.total), "Link": links, "Vary": "Accept"}
    if not page.total_is_exact:
        headers["X-Total-Count-Estimated"] = "true"
    return Response(body, mimetype="application/json", headers=headers)


def _list_request(served: Inventory) -> tuple[Listing, ListNumbersQuery]:
    params = ListParams.model_validate(
        request.args.to_dict(), context={"max_page_size": served.settings.max_page_size}
    )
    listing = Listing(NumberFilter.parse(params.filters(), served.currencies), Sort.parse(params.sort))
    per_page = params.per_page or served.settings.page_size
    if params.cursor is None:
        return listing, ListNumbersQuery(params.page, per_page, listing)
    if "page" in request.args:
        raise DomainError("cannot be combined with page: page by number or by cursor", "cursor")
    after = served.cursors.decode(params.cursor, listing) if params.cursor else None
    return listing, ListNumbersQuery(per_page=per_page, listing=listing, keyset=True, after=after)


@bp.post("/imports")
@documented(
    Operation(
        "importNumbers",
        "Import numbers from a CSV file",
        "numbers",
        {
            200: Reply("What was imported, and what is wrong with each row that was not.", "ImportReportOut"),
            202: Reply(
                "A large file, stored and queued as a job: follow its Location for progress and report.",
                "ImportJobOut",
                ("Location",),
            ),
        },
        problems=(400, 413, 415, 422),
        query=ImportParams,
        body_content=IMPORT_BODY,
        permission=Permission.WRITE_NUMBERS,
        description="The file is the raw body (`text/csv`, or the types spreadsheets and browsers "
        "label CSV with: `application/csv`, `text/plain`, `application/vnd.ms-excel`) or the one file "
        "field of a `multipart/form-data` form. Columns `value,monthyPrice,setupPrice,currency`: a "
        "header line naming them is required, in any order and any case; other columns are ignored "
        "(the report's `notes` name them). UTF-8 with or without BOM; `,` or `;` between fields; in a "
        "`;` file prices may have a decimal comma (`1,50`). Every row is checked like a "
        "create; duplicates within the file and with the inventory are reported by line. "
        "The body is streamed (limit `MAX_IMPORT_BYTES`, default 200 MiB). In all-or-nothing mode "
        "(the default) any bad row makes it a 422 whose `errors` give `line`, `field` and `message` "
        "of each, and nothing is stored.\n\n"
        "On PostgreSQL a file larger than `IMPORT_JOB_THRESHOLD_BYTES` (default 5 MiB) is imported "
        "by a worker instead: the answer is 202 with the job, whose `Location` "
        "(`GET /numbers/imports/{job_id}`) shows the rows done and, at the end, the same report "
        "(a rejected all-or-nothing file is a `failed` job with its report).",
    )
)
def import_numbers() -> Response:
    served = inventory()
    params = ImportParams.model_validate(request.args.to_dict())
    request.max_content_length = served.settings.max_import_bytes
    file = _uploaded_file()
    mode = ImportMode(params.mode)
    if served.start_import_job is not None and _runs_as_job(served.settings.import_job_threshold_bytes):
        job = served.start_import_job(line_checked_chunks(file), mode, principal().id)
        response = json_response(ImportJobOut.of(job), status=202)
        response.headers["Location"] = url_for("numbers.get_import_job", job_id=job.id, _external=True)
        return response
    report = served.import_numbers(read_number_rows(file), mode)
    return json_response(ImportReportOut.of(report))


def _uploaded_file() -> IO[bytes]:
    """The CSV file: the raw body, or the one file of a browser's form upload (which Werkzeug
    spools to a temporary file past 500 KB, so memory stays bounded either way)."""
    if request.mimetype in CSV_MEDIA_TYPES:
        return request.stream
    if request.mimetype != FORM_UPLOAD:
        raise UnsupportedMediaType(
            f"send the file as text/csv (or {', '.join(CSV_MEDIA_TYPES[1:])}), "
            f"or as {FORM_UPLOAD} with one file field"
        )
    files = [file for file in request.files.values() if file.filename is not None]
    if len(files) != 1:
        raise DomainError(f"must be one file field; the form has {len(files)}", "file")
    return files[0].stream


def _runs_as_job(threshold: int) -> bool:
    """Judged on the declared size: a chunked body of unknown size is imported in the request.
    (A threshold of 0 turns jobs off: start_import_job is None then.)"""
    return (request.content_length or 0) > threshold


@bp.get("/imports/<int:job_id>")
@documented(
    Operation(
        "getImportJob",
        "Follow an import job: its progress, then its report",
        "numbers",
        {200: Reply("The job: status, rows done, and once done its report or error.", "ImportJobOut")},
        problems=(404,),
        permission=Permission.WRITE_NUMBERS,
        description="Only the user who uploaded the file (and admins) see its job; to anyone else "
        "it is a 404, as if it did not exist.",
    )
)
def get_import_job(job_id: int) -> Response:
    return json_response(ImportJobOut.of(inventory().get_import_job(job_id, principal())))


@bp.post("")
@documented(
    Operation(
        "createNumber",
        "Add a number to the inventory",
        "numbers",
        {201: Reply("Created.", "NumberOut", ("Location", "ETag", "Idempotent-Replayed"))},
        problems=(400, 409, 413, 415, 422),
        body="NumberIn",
        request_headers=("Idempotency-Key",),
        permission=Permission.WRITE_NUMBERS,
    )
)
def create_number() -> Response:
    raw = json_object()
    body = NumberIn.model_validate(raw)
    command = CreateNumberCommand(body.to_data(), idempotency_key(principal().id, raw))
    created = inventory().create_number(command)
    response = _number_response(created.number, status=201)
    response.headers["Location"] = url_for("numbers.get_number", number_id=created.number.id, _external=True)
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get(f"/{NUMBER_ID}")
@documented(
    Operation(
        "getNumber",
        "Get one number",
        "numbers",
        {
            200: Reply("The number.", "NumberOut", ("ETag",)),
            304: Reply("Unchanged since the given ETag.", None, ("ETag",)),
        },
        problems=(404,),
        request_headers=("If-None-Match",),
        permission=Permission.READ_NUMBERS,
        authorized_by_view=True,  # one round trip: the token's holder and the number together
    )
)
def get_number(number_id: int) -> Response:
    token, permission = pending_authorization()
    view = inventory().get_number.for_caller(token, permission, number_id)
    if not_modified_since_seen(view):
        return empty_response(304, etag_of(view))
    return _view_response(view)


@bp.put(f"/{NUMBER_ID}")
@documented(
    Operation(
        "replaceNumber",
        "Replace every field of a number",
        "numbers",
        {200: STORED_NUMBER},
        problems=BODY_WRITE_PROBLEMS,
        body="NumberIn",
        request_headers=("If-Match",),
        permission=Permission.WRITE_NUMBERS,
    )
)
def replace_number(number_id: int) -> Response:
    body = NumberIn.model_validate(json_object())
    _require_matching_id(body.id, number_id)
    command = ReplaceNumberCommand(number_id, body.to_data(), if_match_versions(number_id))
    return _number_response(inventory().replace_number(command))


@bp.patch(f"/{NUMBER_ID}")
@documented(
    Operation(
        "patchNumber",
        "Change some fields of a number (JSON merge patch, RFC 7396)",
        "numbers",
        {200: STORED_NUMBER},
        problems=BODY_WRITE_PROBLEMS,
        body="NumberPatch",
        body_media_types=("application/merge-patch+json", "application/json"),
        request_headers=("If-Match",),
        permission=Permission.WRITE_NUMBERS,
    )
)
def patch_number(number_id: int) -> Response:
    body = NumberPatch.model_validate(json_object())
    _require_matching_id(body.id, number_id)
    command = PatchNumberCommand(number_id, body.changes(), if_match_versions(number_id))
    return _number_response(inventory().patch_number(command))


@bp.delete(f"/{NUMBER_ID}")
@documented(
    Operation(
        "deleteNumber",
        "Remove a number from the inventory",
        "numbers",
        {204: Reply("Deleted.")},
        problems=(404, 409, 412),
        request_headers=("If-Match",),
        permission=Permission.WRITE_NUMBERS,
    )
)
def delete_number(number_id: int) -> Response:
    inventory().delete_number(DeleteNumberCommand(number_id, if_match_versions(number_id)))
    return empty_response(204)


def _number_response(result: NumberResult, status: int = 200) -> Response:
    return _view_response(NumberOut.view(result, inventory().currencies), status)


def _view_response(view: NumberView, status: int = 200) -> Response:
    response = Response(number_json(view), status=status, mimetype="application/json")
    response.set_etag(etag_of(view))
    return response


def _require_matching_id(body_id: int | None, number_id: int) -> None:
    if body_id is not None and body_id != number_id:
        raise DomainError(f"must match the id in the URL ({number_id}) or be left out", "id")


def _page_links(page: NumberPage) -> str:
    """RFC 8288 links to the first, previous, next and last pages, keeping the other parameters."""
    link_to = _linker()
    per_page = page.per_page

    def link(number: int, rel: str) -> str:
        return link_to(rel, f"page={number}&per_page={per_page}")  # numbers: nothing to escape

    links = [link(1, "first")]
    if page.page > 1:
        links.append(link(page.page - 1, "prev"))
    if page.page < page.last_page:
        links.append(link(page.page + 1, "next"))
    links.append(link(page.last_page, "last"))
    return ", ".join(links)


def _keyset_links(page: NumberPage, listing: Listing) -> str:
    """Keyset pages link to the first page and, unless this is the last, to the next one."""
    link_to = _linker()
    links = [link_to("first", f"cursor=&per_page={page.per_page}")]
    if page.following is not None:
        cursor = inventory().cursors.encode(page.following, listing)
        links.append(link_to("next", f"cursor={cursor}&per_page={page.per_page}"))  # URL-safe already
    return ", ".join(links)


def _linker() -> Callable[[str, str], str]:
    """Makes links to this listing with other paging parameters (a query string), keeping the
    others; the URL and the kept parameters are worked out once per response, not once per link."""
    names = {"page", "per_page", "cursor"}
    base = request.base_url
    kept = urlencode([(key, value) for key, value in request.args.items(multi=True) if key not in names])
    lead = f"<{base}?{kept}&" if kept else f"<{base}?"

    def link(rel: str, paging: str) -> str:
        return f'{lead}{paging}>; rel="{rel}"'

    return link


def _wants_csv() -> bool:
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


def _csv_export(listing: Listing) -> Response:
    served = inventory()
    require(Permission.WRITE_NUMBERS)  # exports are for supervisors
    symbols = {code: served.currencies.symbol(Currency(code)) for code in served.currencies.codes}
    rows = write_number_rows(served.export_numbers(listing), symbols.__getitem__)
    return Response(
        rows,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="numbers.csv"', "Vary": "Accept"},
    )
