"""`make bench`: the production stack under load, against the floors measured in the same run.

nginx -> uWSGI (deploy/uwsgi.ini) -> app -> PostgreSQL on 127.0.0.1, started by the e2e suite's own
launchers (tests/e2e/stack.py), with the seed's 800 numbers and then with 1,000,000. Each scenario
is one wrk run, bounded in time and connections; the floors are pgbench -S on the same PostgreSQL
and bench/floor_app.py (one plain SELECT in a Flask view) under the same uWSGI config and nginx.
The table goes to stdout, everything to bench/results/latest.json. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.seed import top_up
from src.infrastructure.database import create_database_engine
from tests.e2e.fixtures import MAX_BODY_BYTES
from tests.e2e.stack import PROJECT_ROOT, VENV_BIN, AppServer, Nginx, Process, log_in, require_program
from tests.integration.conftest import create_database
from tests.integration.postgres_cluster import PostgresCluster

BENCH = Path(__file__).resolve().parent
LUA = BENCH / "wrk" / "inventory.lua"
RESULTS = BENCH / "results" / "latest.json"
# As a production server would run: every commit on disk (the test clusters run without fsync).
DURABLE = "-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
FLOOR_COMMAND = ("uwsgi", "--ini", "deploy/uwsgi.ini", "--module", "bench.floor_app:create_app()")
# Targets: GET one >= 70 % of the framework floor, at 800 and at 1M numbers.
GET_ONE_FLOOR_RATIO = 0.70
# The machine is shared: a floor measured a minute before a scenario may have had another load.
# The ratio targets (GET one, and the pages at a million) are judged on the median of this many
# back-to-back (floor, app) pairs.
PAIRED_ROUNDS = 3
# Reads p99 < 25 ms, judged only in a run whose framework floor had a p99 under 15 ms (a machine
# busy enough to push the floor past that says nothing about the app's tail).
READ_P99_MS = 25.0
FLOOR_QUIET_P99_MS = 15.0
# A page of 50 (page 1, and the filtered keyset page) >= 50 % of the floor at a million numbers.
PAGE_FLOOR_RATIO = 0.50
PAGE_SCENARIOS = ("list_page", "filtered_page")


@dataclass(frozen=True)
class Scenario:
    name: str  # the scenario's name in bench/wrk/inventory.lua
    label: str
    reads_only: bool  # read scenarios may answer nothing but 2xx


# One entry per scenario, in the order they run (writes last: they grow the inventory).
SCENARIOS = (
    Scenario("get_one", "GET one number", True),
    Scenario("list_page", "GET a page of 50 (page 1)", True),
    Scenario("filtered_page", "GET a filtered, sorted page of 50 (keyset)", True),
    Scenario("deep_page", "GET the last page of 50 (deep page)", True),
    Scenario("patch", "PATCH one number", False),
    Scenario("mixed", "mixed: 90% GET one, 10% PATCH", False),
    Scenario("create", "POST create", False),
)


@dataclass
class Measurement:
    dataset: str
    scenario: str
    label: str
    requests: int
    req_per_s: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    statuses: dict[str, int]
    socket_errors: int
    ratio_to_framework_floor: float | None = None
    ratio_to_pgbench: float | None = None

    @property
    def non_2xx(self) -> int:
        return sum(count for status, count in self.statuses.items() if not status.startswith("2"))

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status.startswith("5"))


@dataclass
class Run:
    started_at: str
    machine: dict[str, Any]
    settings: dict[str, Any]
    pgbench_tps: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)
    seeding_seconds: dict[str, float] = field(default_factory=dict)
    # (dataset, scenario) -> the scenario's req/s over the framework floor's, per back-to-back pair
    # of runs (PAIRED_ROUNDS), for the scenarios a ratio target is set for
    paired_ratios: dict[str, list[float]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)


def paired_ratios(
    floor_url: str, app_url: str, scenario: str, seconds: int, connections: int, *app_args: str
) -> list[float]:
    """A scenario's req/s over the framework floor's (its GET one), each pair measured back to
    back. `app_args`: the scenario's arguments to the wrk script, the token first."""
    _token, max_id, *_ = app_args
    ratios = []
    for _ in range(PAIRED_ROUNDS):
        floor = wrk(floor_url, "get_one", seconds, connections, "-", max_id, "1", "347")
        app = wrk(app_url, scenario, seconds, connections, *app_args)
        ratios.append((app["requests"] / app["duration_us"]) / (floor["requests"] / floor["duration_us"]))
    return ratios


def paired_key(dataset: str, scenario: str) -> str:
    return f"{dataset} {scenario}"


def has_ratio_target(dataset: str, scenario: str) -> bool:
    return scenario == "get_one" or (dataset == "1M" and scenario in PAGE_SCENARIOS)


def wrk(url: str, scenario: str, seconds: int, connections: int, *args: str) -> dict[str, Any]:
    command = [
        require_program("wrk", "install it (Debian: apt-get install wrk)"),
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(LUA),
        url,
        "--",
        scenario,
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH_JSON ")]
    if not lines:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(lines[0].removeprefix("BENCH_JSON "))
    return result


def measure(
    dataset: str, scenario: Scenario, url: str, seconds: int, connections: int, *args: str
) -> Measurement:
    raw = wrk(url, scenario.name, seconds, connections, *args)
    return Measurement(
        dataset=dataset,
        scenario=scenario.name,
        label=scenario.label,
        requests=raw["requests"],
        req_per_s=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        statuses=raw["statuses"],
        socket_errors=raw["socket_errors"],
    )


def pgbench_tps(cluster: PostgresCluster, seconds: int) -> float:
    """Select-only TPS of the same server (pgbench -S), on a database of its own at scale 10."""
    create_database(cluster.admin_url, "pgbench")
    pgbench = require_program("pgbench", "install it (Debian: apt-get install postgresql-client)")
    target = ["-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres"]
    subprocess.run([pgbench, "-i", "-q", "-s", "10", *target, "pgbench"], capture_output=True, check=True)
    done = subprocess.run(
        [pgbench, "-S", "-n", "-c", "8", "-j", "2", "-T", str(seconds), *target, "pgbench"],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    found = re.search(r"tps = ([\d.]+)", done.stdout)
    if not found:
        raise RuntimeError(f"pgbench printed no tps:\n{done.stdout}")
    return float(found.group(1))


def inventory_bounds(database_url: str) -> tuple[int, int]:
    """(number of rows, highest id); every id up to it must exist, or GET one would 404."""
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            rows, low, high = connection.execute(text("SELECT count(*), min(id), max(id) FROM numbers")).one()
    finally:
        engine.dispose()
    if (low, high) != (1, rows):
        raise RuntimeError(f"ids are not 1..{rows} (they run {low}..{high}): GET one would miss")
    return rows, high


@contextmanager
def running(*processes: Process) -> Iterator[None]:
    try:
        yield
    finally:
        for process in reversed(processes):
            process.stop()


def seed_demo(database_url: str, count: int) -> None:
    """The seed's inventory, as `make seed` makes it (the app's own SeedNumbers use case)."""
    # Seeding signs nothing: a development start, which makes up its own SECRET_KEY, is enough.
    env = {**os.environ, "DATABASE_URL": database_url, "DEVELOPMENT": "1"}
    flask = [str(VENV_BIN / "flask"), "--app", "src.bootstrap", "seed", "--count", str(count)]
    subprocess.run(flask, env=env, cwd=PROJECT_ROOT, check=True, capture_output=True)


@contextmanager
def profiled(wanted: bool, server: AppServer, name: str, seconds: int) -> Iterator[None]:
    """py-spy samples one uWSGI worker of the app while the scenario runs (`--profile SCENARIO`);
    the collapsed stacks go to bench/results/profile-<dataset>-<scenario>.txt."""
    if not wanted:
        yield
        return
    py_spy = require_program("py-spy", "make bench installs it into .venv (the bench extra)")
    output = RESULTS.parent / f"profile-{name}.txt"
    worker = server.stats()["workers"][0]["pid"]
    command = [
        py_spy,
        "record",
        "--pid",
        str(worker),
        "--duration",
        str(seconds),
        "--rate",
        "250",
        "--format",
        "raw",
        "--output",
        str(output),
        "--nonblocking",
    ]
    sampler = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        sampler.wait(timeout=seconds + 30)
    print(f"  profile of worker {worker}: {output.relative_to(PROJECT_ROOT)}", flush=True)


def run_dataset(
    run: Run,
    dataset: str,
    database_url: str,
    app_server: AppServer,
    app: Nginx,
    floor: Nginx,
    token: str,
    options: argparse.Namespace,
) -> None:
    rows, max_id = inventory_bounds(database_url)
    last_page = max(1, math.ceil(rows / 50))
    area = {"800": "917", "1M": "718"}.get(dataset, "347")
    print(f"\n{dataset}: {rows} numbers", flush=True)
    framework = measure(
        dataset,
        Scenario("get_one", "framework floor: GET one, plain SQL", True),
        floor.url,
        options.seconds,
        options.connections,
        "-",
        str(max_id),
        "1",
        area,
    )
    framework.scenario = "framework_floor"
    framework.ratio_to_framework_floor = 1.0
    framework.ratio_to_pgbench = framework.req_per_s / run.pgbench_tps
    run.measurements.append(framework)
    print(f"  {framework.label}: {framework.req_per_s:.0f} req/s", flush=True)
    for scenario in SCENARIOS:
        if options.only and scenario.name not in options.only:
            continue
        with profiled(
            options.profile == scenario.name, app_server, f"{dataset}-{scenario.name}", options.seconds
        ):
            found = measure(
                dataset,
                scenario,
                app.url,
                options.seconds,
                options.connections,
                token,
                str(max_id),
                str(last_page),
                area,
            )
        found.ratio_to_framework_floor = found.req_per_s / framework.req_per_s
        if has_ratio_target(dataset, scenario.name):
            pairs = paired_ratios(
                floor.url,
                app.url,
                scenario.name,
                max(2, options.seconds // 2),
                options.connections,
                *(token, str(max_id), str(last_page), area),
            )
            run.paired_ratios[paired_key(dataset, scenario.name)] = pairs
            print(f"  {scenario.name} / floor, back-to-back pairs: {pairs}", flush=True)
        found.ratio_to_pgbench = found.req_per_s / run.pgbench_tps
        run.measurements.append(found)
        print(f"  {scenario.label}: {found.req_per_s:.0f} req/s, p99 {found.p99_ms:.1f} ms", flush=True)


def judge(run: Run, connections: int) -> None:
    """Each target of the issue, held or missed, per dataset."""
    for item in run.measurements:
        if item.scenario == "framework_floor":
            continue
        scenario = next(s for s in SCENARIOS if s.name == item.scenario)
        checks: list[tuple[str, bool | None, str]] = [
            ("no 5xx", item.server_errors == 0 and item.socket_errors == 0, f"{item.server_errors} 5xx")
        ]
        floor = next(
            m for m in run.measurements if m.dataset == item.dataset and m.scenario == "framework_floor"
        )
        if scenario.reads_only:
            checks.append(("no non-2xx in reads", item.non_2xx == 0, f"{item.non_2xx} non-2xx"))
            # A p99 means something only when the machine let the floor itself answer in time.
            checks.append(
                (
                    f"p99 < {READ_P99_MS:g} ms at {connections} connections",
                    item.p99_ms < READ_P99_MS if floor.p99_ms < FLOOR_QUIET_P99_MS else None,
                    f"p99 {item.p99_ms:.1f} ms; the floor's {floor.p99_ms:.1f} ms",
                )
            )
        if has_ratio_target(item.dataset, item.scenario):
            wanted = GET_ONE_FLOOR_RATIO if item.scenario == "get_one" else PAGE_FLOOR_RATIO
            pairs = run.paired_ratios.get(paired_key(item.dataset, item.scenario)) or [
                item.ratio_to_framework_floor or 0.0
            ]
            ratio = statistics.median(pairs)
            checks.append((f">= {wanted:.0%} of the framework floor", ratio >= wanted, f"{ratio:.0%}"))
        for name, held, figure in checks:
            run.targets.append(
                {
                    "dataset": item.dataset,
                    "scenario": item.scenario,
                    "target": name,
                    "held": held,
                    "figure": figure,
                }
            )


def table(run: Run) -> str:
    head = (
        f"{'dataset':<8}{'scenario':<42}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'non-2xx':>9}{'5xx':>6}{'x floor':>9}{'x pgbench':>11}"
    )
    lines = [head, "-" * len(head)]
    for item in run.measurements:
        lines.append(
            f"{item.dataset:<8}{item.label[:41]:<42}{item.req_per_s:>8.0f}{item.p50_ms:>9.1f}{item.p99_ms:>9.1f}"
            f"{item.non_2xx:>9}{item.server_errors + item.socket_errors:>6}"
            f"{item.ratio_to_framework_floor or 0:>9.2f}{item.ratio_to_pgbench or 0:>11.3f}"
        )
    lines.append(f"pgbench -S (8 clients): {run.pgbench_tps:.0f} tps")
    for key, ratios in run.paired_ratios.items():
        shown = " ".join(f"{ratio:.2f}" for ratio in ratios)
        lines.append(
            f"{key} / framework floor, back-to-back pairs: {shown} (median {statistics.median(ratios):.2f})"
        )
    lines.append("")
    for target in run.targets:
        mark = {True: "held  ", False: "MISSED", None: "n/a   "}[target["held"]]
        lines.append(
            f"{mark} {target['dataset']:<5} {target['scenario']:<11} {target['target']} ({target['figure']})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--large", type=int, default=1_000_000, help="numbers in the large dataset (0: skip)")
    parser.add_argument("--only", nargs="*", help="run only these scenarios")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--profile", metavar="SCENARIO", help="sample a uWSGI worker with py-spy during it")
    options = parser.parse_args(argv)
    for program in ("wrk", "pgbench", "nginx"):
        require_program(program, "install it (Debian: apt-get install wrk postgresql-client nginx)")

    run = Run(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        machine={
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "load_average_at_start": os.getloadavg(),
        },
        settings={
            "seconds_per_scenario": options.seconds,
            "connections": options.connections,
            "wrk_threads": 2,
            "uwsgi": "deploy/uwsgi.ini (2 processes x 2 threads)",
            "postgresql": DURABLE,
        },
    )
    workdir = Path(tempfile.mkdtemp(prefix="number-inventory-bench-"))
    cluster = PostgresCluster(extra_options=DURABLE)
    cluster.start()
    try:
        database_url = create_database(cluster.admin_url, "number_inventory_bench")
        app_server = AppServer("uwsgi-app", workdir, database_url, {})
        floor_server = AppServer("uwsgi-floor", workdir, database_url, {}, command=FLOOR_COMMAND)
        app_server.start()
        app_server.wait_until_ready()  # it migrates; the floor starts on the migrated schema
        floor_server.start()
        floor_server.wait_until_ready()
        app, floor = (
            Nginx(workdir, [app_server], MAX_BODY_BYTES),
            Nginx(workdir, [floor_server], MAX_BODY_BYTES),
        )
        with running(app_server, floor_server, app, floor):
            app.start()
            floor.start()
            token = log_in(app.url)
            print(f"pgbench -S for {options.seconds} s ...", flush=True)
            run.pgbench_tps = pgbench_tps(cluster, options.seconds)
            started = time.monotonic()
            seed_demo(database_url, 800)
            run.seeding_seconds["800"] = time.monotonic() - started
            run_dataset(run, "800", database_url, app_server, app, floor, token, options)
            if options.large:
                time.sleep(1)  # the creates still in flight when wrk stopped land first
                started = time.monotonic()
                top_up(database_url, options.large)
                run.seeding_seconds["1M"] = time.monotonic() - started
                print(f"\nseeded to {options.large} numbers in {run.seeding_seconds['1M']:.1f} s", flush=True)
                run_dataset(run, "1M", database_url, app_server, app, floor, token, options)
    finally:
        cluster.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    run.machine["load_average_at_end"] = os.getloadavg()
    judge(run, options.connections)
    print("\n" + table(run))
    options.output.parent.mkdir(parents=True, exist_ok=True)
    document = asdict(run)
    for item, measured in zip(document["measurements"], run.measurements, strict=True):
        item.update(non_2xx=measured.non_2xx, server_errors=measured.server_errors)
    options.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwritten to {options.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
