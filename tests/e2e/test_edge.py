"""The edge as an attacker meets it: a raw uwsgi packet sent straight to an app server's socket
(from where the database or the job worker stands, bypassing nginx) cannot make uWSGI load code."""

from __future__ import annotations

import socket
import struct
from pathlib import Path

from tests.e2e.stack import AppServer


def uwsgi_packet(variables: dict[str, str]) -> bytes:
    """A uwsgi protocol request (modifier 0: a WSGI request) carrying `variables`."""
    body = b"".join(
        struct.pack("<H", len(key.encode()))
        + key.encode()
        + struct.pack("<H", len(value.encode()))
        + value.encode()
        for key, value in variables.items()
    )
    return struct.pack("<BHB", 0, len(body), 0) + body


def send_raw(address: str, packet: bytes) -> bytes:
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(packet)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def test_a_uwsgi_packet_naming_a_file_to_load_runs_nothing(
    app_servers: list[AppServer], tmp_path: Path
) -> None:
    marker = tmp_path / "the attacker's app ran"
    attacker_app = tmp_path / "attacker_app.py"
    attacker_app.write_text(
        "import pathlib\n"
        f"pathlib.Path({str(marker)!r}).touch()\n"
        "def application(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'attacker app']\n"
    )
    server = app_servers[0]
    for variables in (
        {"UWSGI_FILE": str(attacker_app), "SCRIPT_NAME": "/x"},
        {"UWSGI_FILE": str(attacker_app)},
        {"UWSGI_SCRIPT": "attacker_app", "UWSGI_CHDIR": str(tmp_path), "SCRIPT_NAME": "/y"},
    ):
        packet = uwsgi_packet(
            {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/healthz",
                "REQUEST_URI": "/healthz",
                "QUERY_STRING": "",
                "SERVER_NAME": "localhost",
                "SERVER_PORT": "80",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "localhost",
                **variables,
            }
        )
        answer = send_raw(server.socket_address, packet)
        assert b"attacker app" not in answer, answer[:200]
    assert not marker.exists(), "uWSGI loaded and ran a file a raw packet named"
    assert server.running()
