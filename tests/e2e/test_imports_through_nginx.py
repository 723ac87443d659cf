"""A supplier's file bigger than any JSON body passes nginx on the imports route, and only there."""

from __future__ import annotations

import urllib.error
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
