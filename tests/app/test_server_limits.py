"""The server (`python -m app`): TCP_NODELAY on every connection, and no slow or huge request holds it."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.types import Message
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

import app.main
from app import server as app_server
from app.main import create_app
from app.server import BodyTimeout, GuardedH11, GuardedHttpTools, limits
from tests import servers
from tests.servers import free_port, start, workers

WAIT = 15.0  # seconds a test waits for an answer: far over the 1 s limits the test server runs with
HEAD = b"GET /api/presets HTTP/1.1\r\nHost: 127.0.0.1\r\n"


# -- TCP_NODELAY, on a real accepted socket --------------------------------------------------------


async def _nodelay_of_accepted(protocol: type[Any]) -> int:
    """TCP_NODELAY on the server side of a connection accepted the way uvicorn's workers accept it:
    from a listening socket made with proto 0."""

    async def nothing(scope: Any, receive: Any, send: Any) -> None:
        return None

    config = Config(app=nothing, loop="asyncio", log_level="warning")
    config.load()
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(protocol):  # type: ignore[misc,valid-type]
        def connection_made(self, transport: asyncio.Transport) -> None:
            super().connection_made(transport)
            sock = transport.get_extra_info("socket")
            accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))

    listener = socket.socket(socket.AF_INET)  # as uvicorn's Config.bind_socket makes it for workers
    listener.bind(("127.0.0.1", 0))
    state = ServerState()
    server = await asyncio.get_running_loop().create_server(lambda: Probe(config, state, {}), sock=listener)
    _, writer = await asyncio.open_connection(*listener.getsockname())
    try:
        return await asyncio.wait_for(accepted, WAIT)
    finally:
        writer.close()
        server.close()


@pytest.mark.parametrize("protocol", [GuardedHttpTools, GuardedH11])
def test_every_accepted_connection_has_tcp_nodelay(protocol: type[Any]) -> None:
    assert asyncio.run(_nodelay_of_accepted(protocol)) != 0


def test_without_the_fix_asyncio_leaves_nagle_on_for_uvicorns_worker_socket() -> None:
    # the bug the guarded protocols fix: were this ever non-zero, asyncio would have fixed it itself
    assert asyncio.run(_nodelay_of_accepted(HttpToolsProtocol)) == 0


# -- settings --------------------------------------------------------------------------------------


def test_the_server_options_carry_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "BACKPROP_MAX_HEADER_BYTES",
        "BACKPROP_HEADER_TIMEOUT",
        "BACKPROP_BODY_TIMEOUT",
        "BACKPROP_MAX_CONNECTIONS",
        "BACKPROP_TCP_NODELAY",
        "BACKPROP_LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    limits.cache_clear()
    try:
        options = app_server.options("127.0.0.1", 8000, 2)
        assert (limits().max_header_bytes, limits().header_timeout, limits().body_timeout) == (32 * 1024, 10, 10)
        assert limits().nodelay
    finally:
        limits.cache_clear()
    assert options["http"] is GuardedHttpTools and options["loop"] == "asyncio"
    assert (options["limit_concurrency"], options["timeout_keep_alive"], options["log_level"]) == (2000, 5, "warning")


def test_a_setting_that_is_not_a_number_stops_the_server_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_HEADER_TIMEOUT", "ten")
    limits.cache_clear()
    try:
        with pytest.raises(SystemExit, match="BACKPROP_HEADER_TIMEOUT"):
            app_server.options("127.0.0.1", 8000, 2)
    finally:
        limits.cache_clear()


# -- the body timeout, in the app's own middleware stack --------------------------------------------


def test_a_stalled_body_is_answered_408_as_json_by_the_middleware() -> None:
    app = create_app()
    app.add_middleware(BodyTimeout, timeout=0.05)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/trace",
        "raw_path": b"/api/trace",
        "root_path": "",
        "query_string": b"",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5000),
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"100")],
    }
    chunks = [{"type": "http.request", "body": b'{"source": ', "more_body": True}]
    sent: list[Message] = []

    async def receive() -> Message:
        if chunks:
            return chunks.pop()
        await asyncio.Event().wait()  # the client sends nothing more
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), WAIT))
    start_message, body = sent[0], b"".join(message.get("body", b"") for message in sent[1:])
    assert start_message["status"] == 408 and (b"connection", b"close") in start_message["headers"]
    assert json.loads(body)["error"]["kind"] == "timeout"


# -- the real server, as `make run` starts it ------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[bytes], Path]]:
    folder = tmp_path_factory.mktemp("server")
    port, log = free_port(), folder / "server.log"
    server = start(
        folder / "links.sqlite3",
        port,
        like_make_run=True,
        log=log,
        environment={"BACKPROP_HEADER_TIMEOUT": "1", "BACKPROP_BODY_TIMEOUT": "1"},
    )
    try:
        yield port, server, log
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture(scope="module")
def first_workers(served: tuple[int, subprocess.Popen[bytes], Path]) -> set[int]:
    found = workers(served[1])
    assert len(found) == 2
    return found


def connect(port: int) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", port), timeout=WAIT)
    connection.settimeout(WAIT)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection (a socket timeout fails the test)."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def still_serving(served: tuple[int, subprocess.Popen[bytes], Path], first_workers: set[int]) -> None:
    port, server, log = served
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/presets", timeout=WAIT) as response:
        assert response.status == 200
    assert server.poll() is None and workers(server) == first_workers, "a worker died"
    assert "Traceback" not in log.read_text(errors="replace")


def status_and_error(answer: bytes) -> tuple[int, dict[str, Any]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"\r\nconnection: close" in head.lower()
    return int(head.split()[1]), json.loads(body)["error"]


def test_a_request_head_over_the_limit_is_answered_431_and_closed(served: Any, first_workers: set[int]) -> None:
    with connect(served[0]) as connection:
        connection.sendall(HEAD + b"X-Padding: " + b"a" * 40_000 + b"\r\n\r\n")
        status, error = status_and_error(read_until_closed(connection))
    assert (status, error["kind"]) == (431, "too-large")
    still_serving(served, first_workers)


def test_a_header_line_that_never_ends_is_answered_431_and_closed(served: Any, first_workers: set[int]) -> None:
    with connect(served[0]) as connection:
        connection.sendall(HEAD + b"X-Padding: ")
        for _ in range(64):  # 1 MiB of one header line, no end in sight; the server stops reading it
            connection.sendall(b"a" * 16_384)
        status, error = status_and_error(read_until_closed(connection))
    assert (status, error["kind"]) == (431, "too-large")
    still_serving(served, first_workers)


def test_connections_that_never_finish_their_head_are_closed(served: Any, first_workers: set[int]) -> None:
    connections = [connect(served[0]) for _ in range(20)]
    try:
        for k, connection in enumerate(connections):
            if k % 2:  # half send nothing at all
                connection.sendall(HEAD[: k + 5])
        assert all(read_until_closed(connection) == b"" for connection in connections)
    finally:
        for connection in connections:
            connection.close()
    still_serving(served, first_workers)


def test_a_keep_alive_connection_must_send_its_next_head_in_time(served: Any, first_workers: set[int]) -> None:
    with connect(served[0]) as connection:
        connection.sendall(HEAD + b"\r\n")
        first = connection.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        connection.sendall(HEAD)  # the next request's head, never finished
        read_until_closed(connection)  # the rest of the first answer, if any, then the close
    still_serving(served, first_workers)


def test_a_stalled_body_is_answered_408_and_closed(served: Any, first_workers: set[int]) -> None:
    if not any(middleware.cls is BodyTimeout for middleware in app.main.app.user_middleware):
        pytest.fail("app/main.py does not install app.server.BodyTimeout: add app.add_middleware(BodyTimeout)")
    with connect(served[0]) as connection:
        connection.sendall(
            b"POST /api/trace HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n" + b'{"source": '
        )
        status, error = status_and_error(read_until_closed(connection))
    assert (status, error["kind"]) == (408, "timeout")
    still_serving(served, first_workers)


@pytest.mark.parametrize(
    "name, value",
    [
        ("BACKPROP_MAX_NODES", "abc"),
        ("BACKPROP_COMPUTE_WORKERS", "0"),
        ("BACKPROP_RATE_LINKS", "lots"),
        ("BACKPROP_PUBLIC_URL", "lab.example.org"),
        ("BACKPROP_PORT", "80000"),
    ],
)
def test_make_run_refuses_a_bad_setting_at_start_with_one_line_naming_it(tmp_path: Path, name: str, value: str) -> None:
    """A bad value is never silently replaced by the default (BACKPROP_MAX_NODES=abc used to mean 2,000)."""
    run = subprocess.run(
        [sys.executable, "-m", "app"],
        cwd=servers.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, name: value, "BACKPROP_DB": str(tmp_path / "links.sqlite3")},
    )
    assert run.returncode != 0
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("backprop-lab: ") and name in lines[0], run.stderr
