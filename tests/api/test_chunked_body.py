"""A body sent without a length (``Transfer-Encoding: chunked``) over HABITLOOP_MAX_BODY_BYTES
is a 413 in the API's shape, against a real uvicorn server on a loopback port, as ``habitloop
serve`` runs it: the test client always sends a length, so it never takes this path."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn

from habitloop.api import create_app
from tests.conftest import auth, make_settings, migrated_database_url

LIMIT = 4096
STARTUP_SECONDS = 20


@dataclass(frozen=True)
class Served:
    port: int


@pytest.fixture(scope="module")
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    url = migrated_database_url("sqlite", request, tmp_path_factory, "habitloop_chunked")
    app = create_app(make_settings(url, max_body_bytes=LIMIT))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield Served(port)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_SECONDS)


def send_chunked(port: int, path: str, headers: dict[str, str], chunks: list[bytes]) -> bytes:
    """The raw response to a chunked request. The server may answer (and stop reading) before
    every chunk is sent, so a write that fails is not an error here."""
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Transfer-Encoding: chunked"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        try:
            for chunk in [*chunks, b""]:
                sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            received += data
    return received


def _complete(response: bytes) -> bool:
    head, _, body = response.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return False


def status_and_body(response: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = response.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    return status, json.loads(body)


def headers_for(user_id: uuid.UUID) -> dict[str, str]:
    return {**auth(user_id), "Content-Type": "application/json"}


def test_a_chunked_body_over_the_limit_is_413(served: Served) -> None:
    user_id = uuid.uuid4()
    padding = b"x" * 1024
    chunks = [b'{"date": "2026-11-23", "pad": "'] + [padding] * 16 + [b'"}']
    response = send_chunked(
        served.port, f"/api/v1/users/{user_id}/plans", headers_for(user_id), chunks
    )
    status, body = status_and_body(response)
    assert status == 413, response[:500]
    assert body == {"error": "PayloadTooLarge", "detail": f"request body larger than {LIMIT} bytes"}


def test_a_chunked_body_within_the_limit_is_served(served: Served) -> None:
    user_id = uuid.uuid4()
    chunks = [b'{"date": ', b'"2026-11-23"}']
    path = f"/api/v1/users/{user_id}/plans"
    status, body = status_and_body(send_chunked(served.port, path, headers_for(user_id), chunks))
    # Read whole and validated: the plan is refused only because the user does not exist.
    assert (status, body["error"]) == (404, "NotFound")
