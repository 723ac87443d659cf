"""Benchmark the table at carrier scale on a throwaway PostgreSQL: `make bench-table [N=1000000]`.

1. generate a CSV file of N valid, distinct numbers (the demo generator, ten countries);
2. import it through the Flask app (POST /numbers/imports, all-or-nothing: a job at this size,
   which the step then runs as a worker would): time and peak RSS;
3. export everything (GET /numbers, Accept: text/csv): rows per second;
4. list pages, each with a filter: page 1 and a keyset page deep in the list, median of many;
5. a bulk change (POST /numbers/bulk-changes) of every number of one country (about a tenth of
   them): its dry run's count, then the change itself, recorded in the history, timed.

Two floors, measured in the same run, say what the database alone costs (this machine's speed
varies 2-3x from hour to hour, so the import and the bulk change are judged by their ratio to
these as well as by the clock):
- the copy floor: the same rows, already in COPY's text form, copied straight into the table of a
  second database of the same schema, in batches of the import's size, in one transaction, before
  and after the import;
- the update floor: one plain UPDATE giving the same country's numbers the same price and a new
  version, no history, on a copy of the benchmark's database made just before the bulk change.

Each measured step runs in its own process, so its peak RSS is its own. In-process timing through
Flask's test client (no HTTP server, no network): what the app and the database cost.
"""

from __future__ import annotations

import csv
import io
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

NUMBERS = "/api/v1/numbers"
CURRENCIES = {"U$": "USD", "R$": "BRL", "€": "EUR"}  # the file's symbols, as the app's catalog reads them
REPEAT = 200


def main(count: int) -> None:
    from alembic import command

    from src.infrastructure.demo_data import demo_numbers
    from tests.integration.conftest import alembic_config, create_database
    from tests.integration.postgres_cluster import PostgresCluster

    cluster = PostgresCluster()
    cluster.start()
    try:
        url = create_database(cluster.admin_url, "bench")
        command.upgrade(alembic_config(url), "head")
        floor_url = create_database(cluster.admin_url, "floor")
        command.upgrade(alembic_config(floor_url), "head")
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "numbers.csv"
            started = time.perf_counter()
            with path.open("w", newline="") as file:
                writer = csv.writer(file)
                writer.writerow(("value", "monthyPrice", "setupPrice", "currency"))
                symbols = {code: symbol for symbol, code in CURRENCIES.items()}
                for data in demo_numbers(count, tuple(symbols)):
                    writer.writerow(
                        (data.value, data.monthly_price, data.setup_price, symbols[str(data.currency)])
                    )
            size_mib = path.stat().st_size / 2**20
            print(f"generated {count:,} rows ({size_mib:.0f} MiB) in {time.perf_counter() - started:.1f} s")
            floors = [child("copy-floor", floor_url, str(path), "first")]
            imported = child("import", url, str(path))
            floors.append(child("copy-floor", floor_url, str(path)))
            copy_floor = statistics.mean(floor["seconds"] for floor in floors)
            both = " and ".join(f"{floor['seconds']:.1f}" for floor in floors)
            print(f"floor:   the same rows copied straight into the table: {both} s (before, after)")
            print(
                f"import:  {imported['created']:,} rows in {imported['seconds']:.1f} s "
                f"({imported['created'] / imported['seconds']:,.0f} rows/s; the upload "
                f"{imported['upload_seconds']:.1f} s of it), peak RSS {imported['rss_mb']:.0f} MB; "
                f"{imported['seconds'] / copy_floor:.2f} x the copy floor"
            )
        exported = child("export", url)
        print(
            f"export:  {exported['rows']:,} rows in {exported['seconds']:.1f} s "
            f"({exported['rows'] / exported['seconds']:,.0f} rows/s), peak RSS {exported['rss_mb']:.0f} MB"
        )
        listed = child("list", url)
        for name, figures in listed["pages"].items():
            print(f"list:    {name:<58} median {figures['median_ms']:.2f} ms  p95 {figures['p95_ms']:.2f} ms")
        update_floor_url = _copy_of(cluster.admin_url, "bench", "update_floor")
        bulk = child("bulk", url)
        update_floor = child("update-floor", update_floor_url)
        print(
            f"bulk:    {bulk['count']:,} numbers (country=BR) re-priced in {bulk['seconds']:.2f} s, "
            f"each change in the history (the dry run's count {bulk['dry_run_seconds']:.2f} s); "
            f"{bulk['seconds'] / update_floor['seconds']:.2f} x the update floor "
            f"({update_floor['count']:,} rows in {update_floor['seconds']:.2f} s)"
        )
    finally:
        cluster.stop()


def _copy_of(admin_url: str, database: str, name: str) -> str:
    """A copy of `database` as it is now (after a checkpoint, like the original): the update floor
    starts from the very rows, pages and indexes the bulk change starts from."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{database}"'))
    finally:
        admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def child(step: str, *args: str) -> dict[str, Any]:
    completed = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, __file__, f"--{step}", *args], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"{step} failed:\n{completed.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def _app(url: str) -> Any:
    from src.bootstrap import create_app
    from src.infrastructure.settings import Settings

    fast_hash = "pbkdf2:sha256:1000"
    return create_app(Settings(database_url=url, log_level="WARNING", password_hash_method=fast_hash))


def _client(app: Any) -> Any:
    from tests.conftest import client_as

    return client_as(app, "supervisor")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def import_step(url: str, path: str) -> dict[str, Any]:
    """The whole way a file this size goes: the upload stores it as a job (202), then what a
    worker does with the job, timed together."""
    from sqlalchemy import text

    from src.bootstrap import engine_of
    from src.web.inventory import inventory

    app = _app(url)
    client = _client(app)
    size = Path(path).stat().st_size
    with open(path, "rb") as file, app.app_context():
        started = time.perf_counter()
        response = client.post(
            f"{NUMBERS}/imports", input_stream=file, content_length=size, content_type="text/csv"
        )
        uploaded = time.perf_counter() - started
        assert response.status_code == 202, response.get_data(as_text=True)[:2000]
        inventory().run_import_job(response.json["id"])
        seconds = time.perf_counter() - started
        job = client.get(response.headers["Location"]).json
        assert job["status"] == "succeeded", job
        with engine_of(app).connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE numbers"))
    return {
        "created": job["report"]["created"],
        "upload_seconds": uploaded,
        "seconds": seconds,
        "rss_mb": _peak_rss_mb(),
    }


def copy_floor_step(url: str, path: str, first: str = "") -> dict[str, Any]:
    """The database's own cost of storing the file's rows: COPY text built beforehand (not timed),
    copied in batches of the import's size into the table, in one transaction. The rows go in
    once: the second run (after the import) empties the table first, also untimed."""
    from sqlalchemy import create_engine

    from src.domain.phone_numbers import PhoneNumber
    from src.infrastructure.repositories import IMPORT_COLUMNS
    from src.infrastructure.settings import Settings

    batch_size = Settings().import_batch_size
    lines = []
    with open(path, newline="") as file:
        reader = csv.reader(file)
        next(reader)
        for value, monthly, setup, symbol in reader:
            country = PhoneNumber.parse(value).country or "\\N"
            # 1: the created_by_change_id an import writes (its record's id)
            lines.append(f"{value}\t{monthly}\t{setup}\t{CURRENCIES[symbol]}\t{country}\t1\n")
    batches = ["".join(lines[at : at + batch_size]) for at in range(0, len(lines), batch_size)]
    del lines
    engine = create_engine(url)
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if not first:
            cursor.execute("TRUNCATE numbers")
            connection.commit()
        started = time.perf_counter()
        for batch in batches:
            cursor.copy_expert(f"COPY numbers ({IMPORT_COLUMNS}) FROM STDIN", io.StringIO(batch))
        connection.commit()
        seconds = time.perf_counter() - started
    finally:
        connection.close()
        engine.dispose()
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as autocommit:
        autocommit.exec_driver_sql("VACUUM ANALYZE numbers")
    return {"seconds": seconds}


def update_floor_step(url: str) -> dict[str, Any]:
    """The database's own cost of re-pricing what the bulk step re-prices: one UPDATE, no history."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            started = time.perf_counter()
            count = connection.execute(
                text("UPDATE numbers SET monthly_price = 0.05, version = version + 1 WHERE country = 'BR'")
            ).rowcount
            seconds = time.perf_counter() - started
    finally:
        engine.dispose()
    return {"count": count, "seconds": seconds}


def export_step(url: str) -> dict[str, Any]:
    client = _client(_app(url))
    started = time.perf_counter()
    response = client.get(NUMBERS, headers={"Accept": "text/csv"}, buffered=False)
    lines = sum(chunk.count(b"\n") for chunk in response.response)
    seconds = time.perf_counter() - started
    return {"rows": lines - 1, "seconds": seconds, "rss_mb": _peak_rss_mb()}


def list_step(url: str) -> dict[str, Any]:
    from sqlalchemy import text

    from src.application.number_listing import Listing, NumberFilter, Position, Sort
    from src.bootstrap import engine_of
    from src.domain.money import Currency
    from src.web.inventory import inventory

    app = _app(url)
    client = _client(app)
    with app.app_context():
        served = inventory()
        with engine_of(app).connect() as connection:
            brazil = connection.execute(
                text(
                    "SELECT id FROM numbers WHERE country = 'BR' ORDER BY id "
                    "OFFSET (SELECT count(*) * 9 / 10 FROM numbers WHERE country = 'BR') LIMIT 1"
                )
            ).scalar_one()
            usd = connection.execute(
                text(
                    "SELECT monthly_price, id FROM numbers WHERE currency = 'USD' "
                    "ORDER BY monthly_price DESC, id DESC "
                    "OFFSET (SELECT count(*) * 9 / 10 FROM numbers WHERE currency = 'USD') LIMIT 1"
                )
            ).one()
        deep_id = served.cursors.encode(
            Position((brazil,)), Listing(NumberFilter(country="BR"), Sort.parse("id"))
        )
        deep_price = served.cursors.encode(
            Position((usd[0], usd[1])),
            Listing(NumberFilter(currency=Currency("USD")), Sort.parse("-monthyPrice")),
        )
    pages = {
        "page 1, country=BR": {"country": "BR"},
        "keyset page at 90% of the matches, country=BR": {"country": "BR", "cursor": deep_id},
        "page 1, currency=U$, sort=-monthyPrice": {"currency": "U$", "sort": "-monthyPrice"},
        "keyset page at 90%, currency=U$, sort=-monthyPrice": {
            "currency": "U$",
            "sort": "-monthyPrice",
            "cursor": deep_price,
        },
        "page 1, q=91234": {"q": "91234"},
        "page 1, prefix=5511, monthyPrice_max=10": {"prefix": "5511", "monthyPrice_max": "10"},
        "page 1, no filter": {},
    }
    figures = {}
    for name, params in pages.items():
        timings = []
        for _ in range(REPEAT):
            started = time.perf_counter()
            response = client.get(NUMBERS, query_string=params)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.get_data(as_text=True)
            assert len(response.json) == 20, (name, len(response.json))
        timings.sort()
        figures[name] = {"median_ms": statistics.median(timings), "p95_ms": timings[int(len(timings) * 0.95)]}
    return {"pages": figures}


def bulk_step(url: str) -> dict[str, Any]:
    client = _client(_app(url))
    body: dict[str, Any] = {"filter": {"country": "BR"}, "set": {"monthyPrice": "0.05"}, "dryRun": True}
    started = time.perf_counter()
    preview = client.post(f"{NUMBERS}/bulk-changes", json=body)
    dry_run_seconds = time.perf_counter() - started
    assert preview.status_code == 200, preview.get_data(as_text=True)
    count = preview.json["count"]
    body = {**body, "dryRun": False, "expectedCount": count}
    started = time.perf_counter()
    response = client.post(f"{NUMBERS}/bulk-changes", json=body)
    seconds = time.perf_counter() - started
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["count"] == count
    members = client.get("/api/v1/changes", query_string={"bulkChange": response.json["bulkChangeId"]})
    assert len(members.json) == 20, members.json
    return {"count": count, "seconds": seconds, "dry_run_seconds": dry_run_seconds}


if __name__ == "__main__":
    steps: dict[str, Callable[..., dict[str, Any]]] = {
        "--import": import_step,
        "--copy-floor": copy_floor_step,
        "--export": export_step,
        "--list": list_step,
        "--bulk": bulk_step,
        "--update-floor": update_floor_step,
    }
    if len(sys.argv) > 1 and sys.argv[1] in steps:
        print(json.dumps(steps[sys.argv[1]](*sys.argv[2:])))
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
