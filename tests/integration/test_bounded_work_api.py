"""Work per request is bounded whatever the client sends: lines and fields of an import, the
number of errors a problem lists."""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.test import TestResponse

from src.bootstrap import create_app, engine_of
from src.infrastructure.settings import Settings
from src.web.csv_codec import MAX_FIELDS_PER_ROW, MAX_LINE_BYTES, ChunkStream
from src.web.inventory import inventory
from tests.conftest import client_as
from tests.integration.test_number_csv_api import HEADER, IMPORTS, stored_count
from tests.integration.test_numbers_api import NUMBERS, assert_problem

MiB = 1024 * 1024


def commas(size: int) -> Iterator[bytes]:
    """`size` bytes of commas, a MiB at a time: the test never holds the file either."""
    full, rest = divmod(size, MiB)
    yield from itertools.repeat(b"," * MiB, full)
    yield b"," * rest


def upload_stream(client: FlaskClient, chunks: Iterator[bytes], size: int) -> TestResponse:
    # As a server hands the body over: a stream read as it comes (the test client would seek it).
    return client.post(
        IMPORTS,
        content_type="text/csv",
        query_string={"mode": "skip-invalid"},
        environ_overrides={"wsgi.input": ChunkStream(chunks), "CONTENT_LENGTH": str(size)},
    )


def peak_memory_of(call: Callable[[], TestResponse]) -> tuple[TestResponse, int]:
    tracemalloc.start()
    try:
        response = call()
        return response, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(params=["in the request", "as a job"])
def importing_app(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Flask]:
    """Both ways a file is imported: read in the request, or (PostgreSQL) stored for a job."""
    threshold = 0 if request.param == "in the request" else 1000
    app = create_app(replace(settings, import_job_threshold_bytes=threshold))
    app.config.update(TESTING=True)
    yield app
    with app.app_context():
        inventory().dispose()


def test_a_32_mib_header_of_commas_is_refused_with_memory_flat(importing_app: Flask) -> None:
    client = client_as(importing_app, "supervisor")
    size = 32 * MiB

    response, peak = peak_memory_of(lambda: upload_stream(client, commas(size), size))

    body = assert_problem(response, 422)
    assert body["errors"] == [
        {
            "field": "file",
            "line": 1,
            "message": f"is longer than {MAX_LINE_BYTES} bytes: is this a CSV file of numbers?",
        }
    ]
    assert peak < 8 * MiB, f"the request held {peak / MiB:.1f} MiB"


def test_a_32_mib_row_of_commas_is_refused_naming_its_line(importing_app: Flask) -> None:
    """As a job too: the lines are checked while the file is stored, so none is kept for later."""
    client = client_as(importing_app, "supervisor")
    size = len(HEADER) + 32 * MiB

    response, peak = peak_memory_of(
        lambda: upload_stream(client, itertools.chain([HEADER.encode()], commas(32 * MiB)), size)
    )

    body = assert_problem(response, 422)
    assert [(error["field"], error["line"]) for error in body["errors"]] == [("file", 2)]
    assert peak < 8 * MiB, f"the request held {peak / MiB:.1f} MiB"
    assert stored_count(importing_app) == 0
    with importing_app.app_context(), engine_of(importing_app).connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM import_job_chunks")).scalar_one() == 0


def test_a_row_of_too_many_fields_is_refused_naming_its_line(client: FlaskClient) -> None:
    row = "+12125550143,1,2,USD" + "," * MAX_FIELDS_PER_ROW
    response = client.post(IMPORTS, data=f"{HEADER}{row}\n", content_type="text/csv")
    body = assert_problem(response, 422)
    assert body["errors"] == [
        {"field": "file", "line": 2, "message": f"has more than {MAX_FIELDS_PER_ROW} fields"}
    ]


def test_a_line_just_within_the_bound_is_read(client: FlaskClient) -> None:
    padded = "+12125550143,1,2,USD" + " " * (MAX_LINE_BYTES - 21)  # trailing spaces are trimmed
    response = client.post(IMPORTS, data=f"{HEADER}{padded}\r\n", content_type="text/csv")
    assert response.status_code == 200, response.json
    assert response.json["created"] == 1  # type: ignore[index]


def test_a_problem_lists_the_first_50_errors_and_counts_the_rest(client: FlaskClient) -> None:
    body = {f"x{n}": 0 for n in range(50_000)}  # about 500 KiB, within the body limit
    response = client.post(NUMBERS, json=body)
    problem = assert_problem(response, 422)
    assert len(problem["errors"]) == 50
    assert problem["errorsOmitted"] == 50_000 + 4 - 50  # the unknown fields and the 4 missing ones
    assert len(response.data) < 20_000
