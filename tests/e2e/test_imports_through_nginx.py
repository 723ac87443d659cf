"""A supplier's file bigger than any JSON body passes nginx on the imports route, and only there."""

from __future__ import annotations

import http.client
import json
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import Nginx

ROWS = 40_000


def test_an_import_over_the_json_body_limit_goes_through_nginx(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    lines = ["value,monthyPrice,setupPrice,currency"]
    lines += [f"+1212{200 + row // 10_000}{row % 10_000:04d},0.03,3.40,USD" for row in range(ROWS)]
    csv = ("\n".join(lines) + "\n").encode()
    assert len(csv) > MAX_BODY_BYTES

    request = urllib.request.Request(
        f"{nginx.url}/api/v1/numbers/imports",
        data=csv,
        method="POST",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {supervisor_token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200

    exported = urllib.request.Request(
        f"{nginx.url}/api/v1/numbers",
        headers={"Accept": "text/csv", "Authorization": f"Bearer {supervisor_token}"},
    )
    with urllib.request.urlopen(exported, timeout=30) as response:
        assert len(response.read().decode().splitlines()) == ROWS + 1

    too_big = urllib.request.Request(
        f"{nginx.url}/api/v1/numbers",
        data=csv,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {supervisor_token}"},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(too_big, timeout=30)
    assert refused.value.code == 413
    refused.value.close()


def send_chunked(
    url: str, path: str, body: bytes, headers: dict[str, str], chunk_size: int = 4096
) -> tuple[int, bytes]:
    """POST `body` with Transfer-Encoding: chunked (no Content-Length), as clients streaming a file do."""
    parsed = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        connection.putrequest("POST", path)
        for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
            connection.putheader(name, value)
        connection.endheaders()
        for start in range(0, len(body), chunk_size):
            chunk = body[start : start + chunk_size]
            connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        connection.send(b"0\r\n\r\n")
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_a_chunked_upload_imports_through_nginx_and_uwsgi(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    rows = [f"+1212300{row:04d},0.03,3.40,USD" for row in range(300)]
    csv = ("value,monthyPrice,setupPrice,currency\n" + "\n".join(rows) + "\n").encode()
    status, body = send_chunked(
        nginx.url,
        "/api/v1/numbers/imports?mode=all-or-nothing",
        csv,
        {"Content-Type": "text/csv", "Authorization": f"Bearer {supervisor_token}"},
    )
    assert status == 200, body
    assert json.loads(body)["created"] == len(rows)
    listed = urllib.request.Request(
        f"{nginx.url}/api/v1/numbers?prefix=12123&per_page=1",
        headers={"Authorization": f"Bearer {supervisor_token}"},
    )
    with urllib.request.urlopen(listed, timeout=30) as response:
        assert response.headers["X-Total-Count"] == str(len(rows))
