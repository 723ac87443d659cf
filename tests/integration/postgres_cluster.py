"""A throwaway PostgreSQL cluster for the test session, built with the machine's initdb/pg_ctl.

initdb refuses to run as root, so as root the server runs as the `postgres` system user and only
its data lives in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

SERVER_USER = "postgres"
MISSING = (
    "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql: "
    "install PostgreSQL 15 (Debian: apt-get install postgresql) or point TEST_DATABASE_URL at a "
    "PostgreSQL database the tests may empty."
)


def find_bindir() -> Path:
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version, reverse=True)
    if candidates:
        return Path(candidates[0]).parent
    raise RuntimeError(MISSING)


def _version(path: str) -> float:
    try:
        return float(Path(path).parts[-3])
    except ValueError:
        return 0.0


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` distinct free loopback ports, none handed out before by this process. Each probe
    stays bound until all are picked, and every port given is remembered: a released port may be
    handed out again before the server it was meant for binds it (seen: uWSGI's stats server
    given the port of its own uwsgi socket, and the start failing with "Address already in use")."""
    probes: list[socket.socket] = []
    try:
        while len(probes) < count:
            probe = socket.socket()
            probes.append(probe)
            probe.bind(("127.0.0.1", 0))
            if probe.getsockname()[1] in _HANDED_OUT:
                probes.pop().close()
        ports = [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()
    _HANDED_OUT.update(ports)
    return ports


_HANDED_OUT: set[int] = set()


class PostgresCluster:
    def __init__(self, extra_options: str = "") -> None:
        self.extra_options = extra_options  # server options after ours, so they win (-c fsync=on)
        self.bindir = find_bindir()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="number-inventory-pg-"))
        self.data = self.root / "data"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            user = pwd.getpwnam(SERVER_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
            "--locale=C.UTF-8",
        )  # fmt: skip
        self.start_server()

    def start_server(self) -> None:
        """Start the server on the cluster's data directory and port (again, after stop_server)."""
        options = (
            f"-k {self.root} -c listen_addresses=127.0.0.1 -p {self.port} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
            f"{self.extra_options}"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start"
        )

    def stop_server(self) -> None:
        """Stop the server as an operator would (fast shutdown: sessions are ended, every committed
        transaction is on disk), keeping the data for start_server."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self._as_root:
            command = ["runuser", "-u", SERVER_USER, "--", *command]
        completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=self.root)
        if completed.returncode != 0:
            raise RuntimeError(
                f"{program} failed ({completed.returncode}): {completed.stderr.strip()}\n{self.log()[-2000:]}"
            )
