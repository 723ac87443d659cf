"""Many clients at once through nginx, against both app servers: nothing is created twice,
no update is lost, and a reader never sees a half-written number."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from tests.e2e.stack import Nginx, Reply, call
from tests.reliability.inventory_checks import new_number, stored_numbers

CREATORS = 50
PATCHERS = 20
INCREMENTS_PER_PATCHER = 2
READ_WRITE_SECONDS = 3


def at_once(clients: int, request: Callable[[], Reply]) -> list[Reply]:
    """Every client's request, released together by a barrier."""
    barrier = threading.Barrier(clients)

    def one(_: int) -> Reply:
        barrier.wait(timeout=30)
        return request()

    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(clients)))


def test_fifty_clients_creating_one_number_make_one_row(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    number = new_number(1)
    url = f"{nginx.url}/api/v1/numbers"

    replies = at_once(CREATORS, lambda: call("POST", url, number, token=supervisor_token))

    assert Counter(reply.status for reply in replies) == {201: 1, 409: CREATORS - 1}
    assert all(
        reply.body["type"].endswith("number-already-exists") for reply in replies if reply.status == 409
    )
    assert list(stored_numbers(empty_inventory)) == ["+16462000001"]


def test_twenty_clients_patching_one_version_give_one_success(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    created = call("POST", f"{nginx.url}/api/v1/numbers", new_number(2), token=supervisor_token)
    url = f"{nginx.url}/api/v1/numbers/{created.body['id']}"
    etag = created.headers["ETag"]

    def patch() -> Reply:
        changes = {"setupPrice": f"{threading.get_ident() % 1000}.00"}
        return call("PATCH", url, changes, {"If-Match": etag}, token=supervisor_token)

    replies = at_once(PATCHERS, patch)

    assert Counter(reply.status for reply in replies) == {200: 1, 412: PATCHERS - 1}
    (winner,) = [reply for reply in replies if reply.status == 200]
    assert stored_numbers(empty_inventory)["+16462000002"] == ("0.03", winner.body["setupPrice"], "USD", 2)


def test_read_modify_write_increments_are_never_lost(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    """Each client adds 0.01 to the setup price INCREMENTS_PER_PATCHER times, reading the number
    and writing with If-Match, retrying on 412: the final price counts every success."""
    created = call("POST", f"{nginx.url}/api/v1/numbers", new_number(3), token=supervisor_token)
    url = f"{nginx.url}/api/v1/numbers/{created.body['id']}"
    versions_won: list[str] = []
    deadline = time.monotonic() + 60

    def increment_repeatedly(_: int) -> Counter[int]:
        statuses: Counter[int] = Counter()
        done = 0
        while done < INCREMENTS_PER_PATCHER and time.monotonic() < deadline:
            read = call("GET", url, token=supervisor_token)
            price = Decimal(read.body["setupPrice"]) + Decimal("0.01")
            written = call(
                "PATCH",
                url,
                {"setupPrice": str(price)},
                {"If-Match": read.headers["ETag"]},
                token=supervisor_token,
            )
            statuses[written.status] += 1
            if written.status == 200:
                versions_won.append(read.headers["ETag"])
                done += 1
        return statuses

    with ThreadPoolExecutor(PATCHERS) as pool:
        statuses = sum(pool.map(increment_repeatedly, range(PATCHERS)), Counter())

    successes = PATCHERS * INCREMENTS_PER_PATCHER
    assert set(statuses) <= {200, 412}
    assert statuses[200] == successes
    assert len(set(versions_won)) == successes  # each version was written over exactly once
    expected_price = str(Decimal("3.40") + Decimal("0.01") * successes)
    assert stored_numbers(empty_inventory)["+16462000003"] == ("0.03", expected_price, "USD", 1 + successes)


def test_readers_during_writes_see_only_whole_numbers(
    nginx: Nginx, empty_inventory: str, supervisor_token: str
) -> None:
    """Writers keep both prices equal (one PATCH sets both); readers, by id and by page, must
    never see them differ, nor any status but 200."""
    ids = []
    for index in range(10):
        body = {**new_number(100 + index), "monthyPrice": "1.00", "setupPrice": "1.00"}
        ids.append(call("POST", f"{nginx.url}/api/v1/numbers", body, token=supervisor_token).body["id"])
    stop_at = time.monotonic() + READ_WRITE_SECONDS
    written: Counter[int] = Counter()

    def write(worker: int) -> Counter[int]:
        statuses: Counter[int] = Counter()
        step = 0
        while time.monotonic() < stop_at:
            step += 1
            price = f"{worker}.{step % 100:02d}"
            number_id = ids[(worker + step) % len(ids)]
            reply = call(
                "PATCH",
                f"{nginx.url}/api/v1/numbers/{number_id}",
                {"monthyPrice": price, "setupPrice": price},
                token=supervisor_token,
            )
            statuses[reply.status] += 1
        return statuses

    def read(worker: int) -> list[str]:
        torn = []
        step = 0
        while time.monotonic() < stop_at:
            step += 1
            if step % 2:
                reply = call(
                    "GET", f"{nginx.url}/api/v1/numbers/{ids[step % len(ids)]}", token=supervisor_token
                )
                numbers = [reply.body] if reply.status == 200 else []
            else:
                reply = call("GET", f"{nginx.url}/api/v1/numbers?per_page=50", token=supervisor_token)
                numbers = reply.body if reply.status == 200 else []
                if reply.status == 200 and (
                    len(numbers) != len(ids) or reply.headers["X-Total-Count"] != "10"
                ):
                    torn.append(f"a page of {len(numbers)} numbers, total {reply.headers['X-Total-Count']}")
            if reply.status != 200:
                torn.append(f"status {reply.status}")
            torn += [f"{number}" for number in numbers if number["monthyPrice"] != number["setupPrice"]]
        return torn

    with ThreadPoolExecutor(12) as pool:
        writers = [pool.submit(write, worker) for worker in range(1, 5)]
        readers = [pool.submit(read, worker) for worker in range(8)]
        torn = [problem for reader in readers for problem in reader.result()]
        for writer in writers:
            written += writer.result()

    assert torn == []
    # Writers without If-Match may collide on one version: the loser gets 409, never a lost write.
    assert set(written) <= {200, 409}
    assert written[200] > 0
    rows = stored_numbers(empty_inventory)
    assert len(rows) == len(ids)
    assert all(monthly == setup for monthly, setup, _, _ in rows.values())
