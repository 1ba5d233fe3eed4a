"""The HTTP server: uvicorn with TCP_NODELAY on every connection and limits on slow or oversized requests."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import socket
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import uvicorn
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from .errors import error_response
from .settings import load

try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # httptools comes with uvicorn[standard]; without it uvicorn parses with h11
    HttpToolsProtocol = None

KEEP_ALIVE_SECONDS = 5  # an idle keep-alive connection is closed after this (uvicorn's timeout_keep_alive)
WS_MAX_BYTES = 64 * 1024  # a WebSocket message: a room's state or a live-training message is far smaller
LINGER_SECONDS = 2.0  # after a 431, read and drop what the client still sends, so it can read the answer


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int  # BACKPROP_MAX_HEADER_BYTES: a bigger request head is answered 431
    header_timeout: float  # BACKPROP_HEADER_TIMEOUT: seconds to deliver a request head
    body_timeout: float  # BACKPROP_BODY_TIMEOUT: seconds a request body may stall between chunks
    max_connections: int  # BACKPROP_MAX_CONNECTIONS: per worker; past it requests are answered 503
    nodelay: bool  # BACKPROP_TCP_NODELAY=0 turns TCP_NODELAY off: a switch for bench/keepalive.py only
    log_level: str  # BACKPROP_LOG_LEVEL


@functools.cache
def limits() -> Limits:
    """The limits from the settings (read afresh from the environment once per process)."""
    settings = load()
    return Limits(
        max_header_bytes=settings.max_header_bytes,
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        max_connections=settings.max_connections,
        nodelay=settings.tcp_nodelay,
        log_level=settings.log_level,
    )


def closing_error(status: int, kind: str, message: str) -> Response:
    """The app's JSON error, with `connection: close` so the server hangs up after sending it."""
    response = error_response(status, kind, message)
    response.headers["connection"] = "close"
    return response


def _header_error() -> Response:
    return closing_error(431, "too-large", f"the request header is larger than {limits().max_header_bytes // 1024} KiB")


def _raw(response: Response) -> bytes:
    """A response as bytes on the wire, for answering before the parser has a request to answer."""
    lines = [f"HTTP/1.1 {response.status_code} {HTTPStatus(response.status_code).phrase}".encode()]
    lines += [name + b": " + value for name, value in response.raw_headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + response.body


async def _refuse_header(scope: Scope, receive: Receive, send: Send) -> None:
    """The app that answers a request whose whole head arrived but is over the limit."""
    await _header_error()(scope, receive, send)


def set_nodelay(transport: asyncio.BaseTransport) -> None:
    """Send small writes at once. asyncio only does this for sockets made with proto=IPPROTO_TCP, and
    uvicorn's multi-worker socket is made with proto 0: each response's second write then waited for
    the client's delayed ACK (~40 ms on Linux)."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _Guarded:
    """What both parsers' protocols gain: TCP_NODELAY, and a deadline for each request head, counted
    from the connection's start or from the end of the previous response."""

    transport: asyncio.Transport
    loop: asyncio.AbstractEventLoop
    cycle: Any
    _head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        if limits().nodelay:
            set_nodelay(transport)
        self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        idle = self.cycle is None or self.cycle.response_complete  # no pipelined request under way
        if idle and not self.transport.is_closing():
            self._await_head()

    def handle_websocket_upgrade(self, *args: Any) -> None:
        self._head_arrived()
        super().handle_websocket_upgrade(*args)

    def _await_head(self) -> None:
        self._head_arrived()
        self._head_timer = self.loop.call_later(limits().header_timeout, self._head_too_slow)

    def _head_arrived(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        self.timeout_keep_alive_handler()  # uvicorn's close for an idle keep-alive connection


class GuardedH11(_Guarded, H11Protocol):
    """uvicorn's h11 protocol, guarded; h11 itself refuses an unfinished head over its size limit (400)."""

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request head was parsed
            self._head_arrived()


if HttpToolsProtocol is not None:

    class GuardedHttpTools(_Guarded, HttpToolsProtocol):
        """uvicorn's httptools protocol, guarded, and answering 431 to a request head over the size limit."""

        _head_open = False
        _head_bytes = 0
        _messages = 0
        _refused = False

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return  # dropped: the connection closes once the client stops, or after LINGER_SECONDS
            open_before, messages = self._head_open, self._messages
            super().data_received(data)
            # Count the chunks that are all head (llhttp itself has no limit); one that completes a head
            # is measured in on_headers_complete, and the one that begins a head goes uncounted.
            if self._head_open and open_before and self._messages == messages and not self.transport.is_closing():
                self._head_bytes += len(data)
                if self._head_bytes > limits().max_header_bytes:
                    self._refuse_unfinished_head()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._head_open, self._head_bytes, self._messages = True, 0, self._messages + 1

        def on_headers_complete(self) -> None:
            self._head_open = False
            self._head_arrived()
            size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
            if size <= limits().max_header_bytes:
                super().on_headers_complete()
                return
            app, self.app = self.app, _refuse_header  # this one request goes to the 431 app
            try:
                super().on_headers_complete()
            finally:
                self.app = app

        def _refuse_unfinished_head(self) -> None:
            self._refused = True
            if self.cycle is not None and not self.cycle.response_complete:
                self.transport.close()  # a pipelined head during a response: no room for an answer
                return
            self.transport.write(_raw(_header_error()))
            if self.transport.can_write_eof():
                self.transport.write_eof()
            self.loop.call_later(LINGER_SECONDS, self.transport.close)

    HTTP_PROTOCOL: type[asyncio.Protocol] = GuardedHttpTools
else:  # pragma: no cover - uvicorn[standard] brings httptools
    HTTP_PROTOCOL = GuardedH11


class BodyStalledError(Exception):
    """Raised into the app when the request body it waits for stalls."""


class BodyTimeout:
    """Answers 408 (as JSON) and closes the connection when a request body stalls for more than
    `timeout` seconds between chunks (by default BACKPROP_BODY_TIMEOUT)."""

    def __init__(self, app: ASGIApp, timeout: float | None = None) -> None:
        self.app = app
        self.timeout = limits().body_timeout if timeout is None else timeout

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_done = stalled = started = False

        async def timed_receive() -> Message:
            nonlocal body_done, stalled
            if body_done:
                return await receive()  # after the body only a disconnect comes: waiting for it is no stall
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except TimeoutError:
                stalled = True
                raise BodyStalledError(self.timeout) from None
            body_done = not message.get("more_body", False)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if stalled and not started:
                return  # whatever the app answers to the stall, the 408 below replaces it
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, timed_receive, guarded_send)
        except Exception:
            if not stalled or started:
                raise
        if stalled and not started:
            message = f"the request body stalled for more than {self.timeout:g} s"
            await closing_error(408, "timeout", message)(scope, receive, send)


def options(host: str, port: int, workers: int) -> dict[str, Any]:
    """uvicorn.run's settings for the app."""
    chosen = limits()
    return {
        "host": host,
        "port": port,
        "workers": workers,
        "loop": "asyncio",
        "http": HTTP_PROTOCOL,
        "log_level": chosen.log_level,
        "access_log": False,  # app/logs.py writes the access log, as JSON lines
        "limit_concurrency": chosen.max_connections,
        "timeout_keep_alive": KEEP_ALIVE_SECONDS,
        "h11_max_incomplete_event_size": chosen.max_header_bytes,
        "ws_max_size": WS_MAX_BYTES,  # a WebSocket message larger than this closes the socket before it is read
    }


def serve(host: str, port: int, workers: int) -> None:
    """Serve the app: one uvicorn worker process per `workers`, each connection guarded as above."""
    uvicorn.run("app.main:app", **options(host, port, workers))
