"""Sends a uwsgi packet (GET /healthz) to each ADDRESS:PORT given and checks what happened, from
inside a container on one of the production stack's networks (scripts/containers/prove.sh pipes
this file to `python -` there: the runtime image has no tests in it).

    python - answered 172.18.0.3:3031 ...   every address answers the packet over HTTP (from `edge`)
    python - refused 172.19.0.4:3031 ...    no address accepts a connection (from `data`)

Exit status 0 when every address behaved as asked, 1 otherwise, with one line per address.
"""

from __future__ import annotations

import socket
import struct
import sys

CONNECT_TIMEOUT_SECONDS = 3


def uwsgi_packet(variables: dict[str, str]) -> bytes:
    """A uwsgi protocol request (modifier 0: a WSGI request) carrying `variables`."""
    fields = [text.encode() for pair in variables.items() for text in pair]
    body = b"".join(struct.pack("<H", len(field)) + field for field in fields)
    return struct.pack("<BHB", 0, len(body), 0) + body


# What nginx would send for GET /healthz (tests/e2e/test_edge.py adds uWSGI's own variables to it).
HEALTH_CHECK_VARIABLES = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/healthz",
    "REQUEST_URI": "/healthz",
    "QUERY_STRING": "",
    "SERVER_NAME": "localhost",
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": "localhost",
}
HEALTH_CHECK = uwsgi_packet(HEALTH_CHECK_VARIABLES)


def send(address: str) -> bytes:
    """What uWSGI answers the packet; OSError when no connection could be made."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_SECONDS) as connection:
        connection.sendall(HEALTH_CHECK)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    return answer


def main(expected: str, addresses: list[str]) -> int:
    if expected not in ("answered", "refused") or not addresses:
        print(__doc__, file=sys.stderr)
        return 2
    failures = 0
    for address in addresses:
        try:
            answer = send(address)
        except OSError as error:
            outcome = f"no connection ({error})"
            ok = expected == "refused"
        else:
            status_line = answer.split(b"\r\n", 1)[0].decode(errors="replace")
            outcome = f"a uwsgi packet reached uWSGI, which answered {status_line!r}"
            ok = expected == "answered" and status_line.startswith("HTTP/") and " 200 " in status_line
        failures += not ok
        print(f"{'ok' if ok else 'FAILED'}: {address}: {outcome} (expected: {expected})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else main("", []))
