"""The production stack on 127.0.0.1: uWSGI app servers started by deploy/entrypoint.sh (the
container's own entrypoint, so also its wait for the database and its migrations) with
deploy/uwsgi.ini, and nginx with a config rendered from the deploy/nginx.conf template.

Every process is started here, on free loopback ports, and stopped here by its PID.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from src.infrastructure.settings import Settings
from tests.integration.postgres_cluster import free_ports

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
ENTRYPOINT = DEPLOY / "entrypoint.sh"
NGINX_TEMPLATE = DEPLOY / "nginx.conf"
VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 40  # above uwsgi.ini's worker-reload-mercy: a graceful stop may take that long
_PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
# The first admin, made by the app servers from ADMIN_EMAIL/ADMIN_PASSWORD as in a container.
SUITE_SECRET_KEY = secrets.token_urlsafe(32)
ADMIN_EMAIL = "admin@e2e.example"
ADMIN_PASSWORD = "e2e-admin-password"
# Imports over this run as jobs in the stack: the Postman collection sends one just over it, while
# test_imports_through_nginx's file (about 1 MiB) is still answered in its request.
IMPORT_JOB_THRESHOLD_BYTES = 2 * 1024 * 1024
WORKER_COMMAND = ("flask", "--app", "src.bootstrap", "worker")


class StackError(RuntimeError):
    """A process of the stack did not start or stop as it should; the message carries its log."""


def require_program(name: str, where: str) -> str:
    found = shutil.which(name, path=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if not found:
        raise StackError(f"{name} is needed by the e2e suite and was not found: {where}")
    return found


class Process:
    """A server process of ours, in a session of its own, its output in a log file."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._popen: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self._popen is not None, f"{self.name} was never started"
        return self._popen.pid

    def launch(self, command: list[str], env: Mapping[str, str], cwd: Path) -> None:
        with self.log_path.open("ab") as log:
            self._popen = subprocess.Popen(
                command, env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def send(self, signum: int) -> None:
        if self.running():
            os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int:
        assert self._popen is not None
        return self._popen.wait(timeout)

    def stop(self, signum: int = signal.SIGTERM) -> int | None:
        """Ask the process to stop; past the timeout, kill its whole session (ours alone)."""
        if self._popen is None:
            return None
        if self._popen.poll() is None:
            os.kill(self.pid, signum)
            try:
                self._popen.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self._popen.wait(5)
        return self._popen.returncode

    def failure(self, what: str) -> StackError:
        return StackError(f"{self.name} {what}; its log ({self.log_path}):\n{self.log()[-4000:]}")


class AppServer(Process):
    """One uWSGI instance, started exactly as the container starts it: deploy/entrypoint.sh."""

    def __init__(
        self,
        name: str,
        workdir: Path,
        database_url: str,
        extra_env: Mapping[str, str],
        command: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name, workdir / f"{name}.log")
        self.command = command  # the entrypoint's arguments: none runs uWSGI with deploy/uwsgi.ini
        # The uwsgi protocol for nginx; plain HTTP, as the container's HEALTHCHECK uses it; uWSGI's
        # stats server, which tells which worker is busy.
        self.socket_port, self.http_port, self.stats_port = free_ports(3)
        self.env = {
            **os.environ,
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "DATABASE_URL": database_url,
            "DATABASE_WAIT_SECONDS": "20",
            "TRUST_PROXY_HEADERS": "1",
            # One key for every app server and worker: a cursor signed by one is read by another.
            "SECRET_KEY": SUITE_SECRET_KEY,
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "UWSGI_SOCKET": f"127.0.0.1:{self.socket_port}",
            "UWSGI_HTTP_SOCKET": f"127.0.0.1:{self.http_port}",
            "UWSGI_STATS": f"127.0.0.1:{self.stats_port}",
            "UWSGI_PROCESSES": "2",
            "UWSGI_THREADS": "2",
            "IMPORT_JOB_THRESHOLD_BYTES": str(IMPORT_JOB_THRESHOLD_BYTES),
            **extra_env,
        }

    @property
    def socket_address(self) -> str:
        return f"127.0.0.1:{self.socket_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> None:
        self.launch([str(ENTRYPOINT), *self.command], self.env, PROJECT_ROOT)

    def wait_until_ready(self) -> None:
        """The database answers and every worker has loaded the app: with lazy-apps each worker
        loads it after the fork, and one still loading ignores a graceful stop (uWSGI 2.0)."""
        wait_for_http(f"{self.http_url}/readyz", self)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not all(worker["apps"] for worker in self.stats()["workers"]):
            if time.monotonic() > deadline or not self.running():
                raise self.failure("did not load the app in every worker")
            time.sleep(0.1)

    def stats(self) -> dict[str, Any]:
        """uWSGI's own account of its master and workers (the stats server sends JSON, then closes)."""
        chunks = []
        with socket.create_connection(("127.0.0.1", self.stats_port), timeout=5) as connection:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        stats: dict[str, Any] = json.loads(b"".join(chunks))
        return stats

    def busy_worker_pids(self) -> list[int]:
        return [worker["pid"] for worker in self.stats()["workers"] if worker["status"] == "busy"]

    def wait_for_log(self, *texts: str, timeout: float = 10) -> str:
        """Wait until the log holds one of `texts`; return that one."""
        deadline = time.monotonic() + timeout
        while not (found := [text for text in texts if text in self.log()]):
            if time.monotonic() > deadline:
                raise self.failure(f"never logged any of {texts!r}")
            time.sleep(0.05)
        return found[0]


# The suite sends hundreds of requests and dozens of logins from one address within seconds: limits
# it cannot reach, except where a test asks for production's (PRODUCTION_LIMITS).
TEST_LIMITS = {
    "LOGIN_RATE": "6000r/m",
    "LOGIN_BURST": "1000",
    "REQUEST_RATE": "10000r/s",
    "REQUEST_BURST": "10000",
    "CONNECTIONS_PER_CLIENT": "1000",
}
PRODUCTION_LIMITS = {  # docker-compose.prod.yml's defaults
    "LOGIN_RATE": "10r/m",
    "LOGIN_BURST": "5",
    "REQUEST_RATE": "50r/s",
    "REQUEST_BURST": "100",
    "CONNECTIONS_PER_CLIENT": "50",
}


class Nginx(Process):
    """nginx with the deploy/ template rendered for this machine, running in the foreground."""

    def __init__(
        self,
        workdir: Path,
        app_servers: list[AppServer],
        max_body_bytes: int,
        template_values: Mapping[str, str] = TEST_LIMITS,
    ) -> None:
        # As root nginx's workers switch to an unprivileged user, which must reach the temp
        # directories nginx creates under its prefix (a request body over 16 KB is buffered there),
        # and pytest's base temp directory is root's alone: the prefix goes to the system's.
        # (In the container nginx is not root.)
        self._as_root = os.geteuid() == 0
        self.prefix = Path(
            tempfile.mkdtemp(prefix="number-inventory-nginx-", dir=None if self._as_root else workdir)
        )
        super().__init__("nginx", workdir / f"{self.prefix.name}.log")
        self.port, self.tls_port = free_ports(2)
        certificate, key = self_signed_certificate(self.prefix)
        self.config = self.prefix / "nginx.conf"
        self.config.write_text(
            render_nginx_template(
                NGINX_TEMPLATE.read_text(),
                {
                    "NGINX_LISTEN": f"127.0.0.1:{self.port}",
                    "NGINX_TLS_LISTEN": f"127.0.0.1:{self.tls_port}",
                    "TLS_CERTIFICATE": str(certificate),
                    "TLS_CERTIFICATE_KEY": str(key),
                    "PUBLIC_HTTPS_PORT": str(self.tls_port),
                    "HTTP_TO_HTTPS": "off",
                    "APP_SERVERS": " ".join(f"server {server.socket_address};" for server in app_servers),
                    "MAX_BODY_BYTES": str(max_body_bytes),
                    "MAX_IMPORT_BYTES": str(Settings().max_import_bytes),  # the app servers' default
                    **template_values,
                },
            )
        )
        if self._as_root:
            self.config.write_text("user nobody nogroup;\n" + self.config.read_text())
            self.prefix.chmod(0o755)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.tls_port}"

    def command(self, *extra: str) -> list[str]:
        nginx = require_program("nginx", "install it (Debian: apt-get install nginx; make test does)")
        # -e: no default error log under /var/log, which a non-root nginx (the tests image) cannot open
        return [nginx, "-e", "stderr", "-p", str(self.prefix), "-c", str(self.config), *extra]

    def start(self) -> None:
        self.start_listening()
        wait_for_http(f"{self.url}/healthz", self)

    def start_listening(self) -> None:
        """Start nginx and wait until it accepts connections, whether or not an app answers."""
        checked = subprocess.run(self.command("-t"), capture_output=True, text=True, check=False)
        if checked.returncode != 0:
            raise StackError(
                f"the rendered nginx config is refused:\n{checked.stderr}\n{self.config.read_text()}"
            )
        self.launch(self.command(), os.environ, self.prefix)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if time.monotonic() > deadline or not self.running():
                    raise self.failure("never listened") from None
                time.sleep(0.05)

    def stop(self, signum: int = signal.SIGQUIT) -> int | None:  # SIGQUIT: nginx's graceful stop
        try:
            return super().stop(signum)
        finally:
            if self._as_root:
                shutil.rmtree(self.prefix, ignore_errors=True)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 and localhost (what a real one replaces: docs/security.md)."""
    certificate, key = directory / "tls.crt", directory / "tls.key"
    openssl = require_program("openssl", "install it (Debian: apt-get install openssl)")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout", str(key), "-out", str(certificate),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return certificate, key


def render_nginx_template(template: str, values: Mapping[str, str]) -> str:
    """Fill the template's placeholders as the nginx image's envsubst step does; a placeholder
    with no value is an error here rather than an empty directive."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise StackError(f"deploy/nginx.conf needs a value for {name}")
        return values[name]

    return _PLACEHOLDER.sub(fill, template)


def wait_for_http(url: str, process: Process, timeout: float = START_TIMEOUT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not process.running():
            raise process.failure("exited while starting")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise process.failure(f"did not answer {url} within {timeout} s")


# The suite's nginx serves a certificate made for the run (self_signed_certificate): trusted as is.
SUITE_TLS = ssl.create_default_context()
SUITE_TLS.check_hostname = False
SUITE_TLS.verify_mode = ssl.CERT_NONE


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: Any


def call(
    method: str,
    url: str,
    body: object = None,
    headers: Mapping[str, str] | None = None,
    token: str | None = None,
    follow_redirects: bool = True,
) -> Reply:
    """One HTTP request, with a bearer token when given; an error status is a Reply too, not an
    exception. HTTPS trusts the suite's own throwaway certificates."""
    data = None if body is None else json.dumps(body).encode()
    sent = {"Content-Type": "application/json"} if data is not None else {}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers={**sent, **(headers or {})})
    try:
        handlers: list[urllib.request.BaseHandler] = [urllib.request.HTTPSHandler(context=SUITE_TLS)]
        if not follow_redirects:
            handlers.append(_NoRedirects())
        with urllib.request.build_opener(*handlers).open(request, timeout=15) as response:
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
        error.close()
    # nginx's own answers to what never reaches the app (400, 414) are HTML: kept as text.
    is_json = "json" in (got.get("Content-Type") or "")
    return Reply(status, dict(got.items()), (json.loads(raw) if is_json else raw.decode()) if raw else None)


def log_in(base_url: str, email: str = ADMIN_EMAIL, password: str = ADMIN_PASSWORD) -> str:
    """A fresh bearer token for the user."""
    reply = call("POST", f"{base_url}/api/v1/auth/tokens", {"email": email, "password": password})
    if reply.status != 201:
        raise StackError(f"logging in as {email} answered {reply.status}: {reply.body}")
    token: str = reply.body["token"]
    return token


class HalfSentRequest:
    """A POST whose body is only partly sent, so that the server is mid-request."""

    def __init__(self, server: AppServer, body: dict[str, str], token: str) -> None:
        self.payload = json.dumps(body).encode()
        self.connection = socket.create_connection(("127.0.0.1", server.http_port), timeout=15)
        head = (
            "POST /api/v1/numbers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(self.payload)}\r\nX-Request-ID: in-flight\r\nConnection: close\r\n"
            f"Authorization: Bearer {token}\r\n\r\n"
        )
        self.connection.sendall(head.encode() + self.payload[:10])
        self.worker_pid = self._wait_for_busy_worker(server)

    @staticmethod
    def _wait_for_busy_worker(server: AppServer) -> int:
        deadline = time.monotonic() + 5
        while not (busy := server.busy_worker_pids()):
            if time.monotonic() > deadline:
                raise server.failure("never started serving the half-sent request")
            time.sleep(0.02)
        return busy[0]

    def finish(self) -> tuple[int, dict[str, object]]:
        self.connection.sendall(self.payload[10:])
        response = b""
        while chunk := self.connection.recv(65536):
            response += chunk
        self.connection.close()
        assert response, "the server closed the connection without answering the request in flight"
        head, _, body = response.partition(b"\r\n\r\n")
        return int(head.split()[1]), json.loads(body)
