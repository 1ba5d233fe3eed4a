"""Structured access logs: one JSON line per request on stderr, from the `backprop_lab.access` logger.

They replace uvicorn's access log (turned off in app/server.py) and, like it, show at BACKPROP_LOG_LEVEL
info or below. A line holds the path without its query, whose values may be secrets (a room's teacher
token travels in one); a WebSocket's line is written when it closes, with its whole duration.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOG_LEVELS

from .settings import SETTINGS

ACCESS = logging.getLogger("backprop_lab.access")


def configure(level: str) -> None:
    """Send access lines, as they are, to stderr when `level` (a BACKPROP_LOG_LEVEL) lets info through."""
    if not ACCESS.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        ACCESS.addHandler(handler)
    ACCESS.setLevel(LOG_LEVELS[level])
    ACCESS.propagate = False  # not also through the root logger, in another format


def access_line(scope: Scope, status: int, started: float, duration: float) -> str:
    """The JSON line for one request; `started` is a time.time(), `duration` in seconds."""
    client = scope.get("client")
    return json.dumps(
        {
            "time": datetime.fromtimestamp(started, UTC).isoformat(timespec="milliseconds"),
            "method": scope.get("method", "GET"),  # a WebSocket opens with a GET
            "path": scope["path"],
            "status": status,
            "duration_ms": round(duration * 1000, 3),
            "client": client[0] if client else None,
            "pid": os.getpid(),
        }
    )


class AccessLog:
    """Logs each HTTP request and WebSocket once it is over, with the status the client was sent: a
    WebSocket's is 101 when it was accepted, else 403; a request that raised before answering, 500."""

    def __init__(self, app: ASGIApp, level: str = SETTINGS.log_level) -> None:
        self.app = app
        configure(level)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not ACCESS.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started, start = time.time(), time.perf_counter()
        status = 500 if scope["type"] == "http" else 403

        async def noting_send(message: Message) -> None:
            nonlocal status
            status = _status_of(message, status)
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            ACCESS.info(access_line(scope, status, started, time.perf_counter() - start))


def _status_of(message: Message, status: int) -> int:
    """The status a sent message gives the client, or `status` if it gives none."""
    kind = message["type"]
    if kind in ("http.response.start", "websocket.http.response.start"):
        return int(message["status"])
    if kind == "websocket.accept":
        return 101
    return status
