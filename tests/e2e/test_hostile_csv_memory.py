"""Hostile CSV files through nginx -> uWSGI, measured where the memory goes: the resident set of the
uWSGI worker processes and of the job worker, read from /proc (what the kernel charges them), not
what Python's allocator traces. A 32 MiB line of commas must not cost a process 50 MB."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.e2e.stack import AppServer, Nginx, Reply, call

MiB = 1024 * 1024
HEADER = b"value,monthyPrice,setupPrice,currency\n"
MAX_GROWTH_BYTES = 50 * 1000 * 1000
JOB_DEADLINE_SECONDS = 30


def status_bytes(pid: int, field: str) -> int:
    """A VmRSS/VmHWM-like line of /proc/PID/status, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == field:
            return int(value.split()[0]) * 1024
    raise LookupError(f"/proc/{pid}/status has no {field}")


class PeakGrowth:
    """How far each process's resident set rose above where it stood at the start: the peak
    (VmHWM), reset to the current size first (clear_refs 5), minus the size at the start."""

    def __init__(self, pids: list[int]) -> None:
        self.start: dict[int, int] = {}
        for pid in pids:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            self.start[pid] = status_bytes(pid, "VmRSS")

    def growth(self) -> dict[int, int]:
        return {pid: status_bytes(pid, "VmHWM") - start for pid, start in self.start.items()}


def worker_pids(app_servers: list[AppServer]) -> list[int]:
    return [worker["pid"] for server in app_servers for worker in server.stats()["workers"]]


def post_csv(nginx: Nginx, body: bytes, token: str) -> Reply:
    request = urllib.request.Request(
        f"{nginx.url}/api/v1/numbers/imports",
        data=body,
        method="POST",
        headers={"Content-Type": "text/csv", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Reply(response.status, dict(response.headers.items()), response.read().decode())
    except urllib.error.HTTPError as error:
        reply = Reply(error.code, dict(error.headers.items()), json.loads(error.read()))
        error.close()
        return reply


def assert_line_refused(reply: Reply, line: int) -> None:
    assert reply.status == 422, (reply.status, reply.body)
    assert reply.headers["Content-Type"] == "application/problem+json"
    body: Any = reply.body
    assert body["type"].endswith("import-line-refused")
    assert [error["line"] for error in body["errors"]] == [line]


def assert_grew_less_than_the_bound(growth: dict[int, int], what: str) -> None:
    worst = max(growth.values())
    assert worst < MAX_GROWTH_BYTES, f"{what}: a process grew by {worst / MiB:.1f} MiB ({growth})"


def test_a_32_mib_header_of_commas_costs_the_uwsgi_workers_under_50_mb(
    nginx: Nginx, app_servers: list[AppServer], supervisor_token: str
) -> None:
    body = b"," * (32 * MiB)
    watched = PeakGrowth(worker_pids(app_servers))
    reply = post_csv(nginx, body, supervisor_token)
    assert_grew_less_than_the_bound(watched.growth(), "uWSGI workers")
    assert_line_refused(reply, 1)


def test_a_32_mib_row_of_commas_after_a_valid_header_costs_the_uwsgi_workers_under_50_mb(
    nginx: Nginx, app_servers: list[AppServer], supervisor_token: str
) -> None:
    body = HEADER + b"," * (32 * MiB)
    watched = PeakGrowth(worker_pids(app_servers))
    reply = post_csv(nginx, body, supervisor_token)
    assert_grew_less_than_the_bound(watched.growth(), "uWSGI workers")
    assert_line_refused(reply, 2)


def test_a_16_mib_hostile_file_costs_the_job_worker_under_50_mb(
    nginx: Nginx, app_servers: list[AppServer], job_worker: AppServer, supervisor_token: str
) -> None:
    """Lines within the length bound, so the file is stored as a job, each of 16,000 fields: the
    worker refuses it at its first row."""
    row = b"," * 16_000 + b"\n"
    body = HEADER + row * (16 * MiB // len(row))
    watched = PeakGrowth([job_worker.pid, *worker_pids(app_servers)])
    queued = post_csv(nginx, body, supervisor_token)
    assert queued.status == 202, (queued.status, queued.body)
    deadline = time.monotonic() + JOB_DEADLINE_SECONDS
    while (job := call("GET", queued.headers["Location"], token=supervisor_token)).body["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, f"the job was not done after {JOB_DEADLINE_SECONDS} s: {job.body}"
        time.sleep(0.2)
    assert job.body["status"] == "failed", job.body
    assert "more than 64 fields" in job.body["error"], job.body
    assert_grew_less_than_the_bound(watched.growth(), "the job worker and the uWSGI workers")
