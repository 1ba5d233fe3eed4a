"""The network page's live training: WebSocket /api/network/live (the protocol is in app/playground.py).

Bounded like the rooms' sockets: a same-origin check, at most BACKPROP_LIVE_SESSIONS sessions per app
process and BACKPROP_LIVE_SESSIONS_PER_CLIENT per client address (refused with a close reason), a
message rate and size limit, an idle timeout, a lifetime, and a CPU budget per client address that a
reload does not reset (it refills over an hour). When the page goes, the session's player is cancelled;
the chunk of training under way (a few tens of ms) is the last.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect, WebSocketState

from ..playground import Session, error
from ..settings import SETTINGS

router = APIRouter(tags=["network"])
RATE, BURST = 20.0, 40.0  # messages a second from one page (a slider being dragged sends a stream)
SEND_TIMEOUT = 10.0  # seconds a page may take to accept one message before the session ends
IDLE_CHECK = 5.0  # seconds between checks that a quiet page is not idle too long
TRY_LATER = 1013  # WebSocket close code: try again later

sessions: Counter[str] = Counter()  # live sessions of this process, by client address
spent: dict[str, tuple[float, float]] = {}  # client address → (CPU seconds used, when), for the hourly budget
REFILL = 3600.0  # seconds in which a spent budget comes back in full


def used(client: str) -> float:
    """The CPU seconds this address has used and not yet got back (the budget refills over an hour)."""
    seconds, when = spent.get(client, (0.0, time.monotonic()))
    return max(0.0, seconds - (time.monotonic() - when) * SETTINGS.live_cpu_seconds / REFILL)


def same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on WebSockets; another site's page must not drive a session here (and spend
    this server's CPU on its behalf). Clients that send no Origin (scripts, tests) are not browsers."""
    origin = websocket.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == websocket.headers.get("host", "")


def refusal(client: str) -> str | None:
    """Why this client may not open another session now, if it may not."""
    if sessions.total() >= SETTINGS.live_sessions:
        return "the server is training as many networks as it can: try again in a minute"
    if sessions[client] >= SETTINGS.live_sessions_per_client:
        return f"at most {SETTINGS.live_sessions_per_client} live trainings per address: close another tab"
    return None


@router.websocket("/api/network/live")
async def train_live(websocket: WebSocket) -> None:
    """Train a small network live: configure, play, pause, step; frames stream back while it learns."""
    client = websocket.client.host if websocket.client else "unknown"
    if not same_origin(websocket):
        await websocket.close(code=1008, reason="cross-origin")  # before accept: the handshake gets a 403
        return
    await websocket.accept()
    reason = refusal(client)
    if reason is not None:
        await websocket.send_json(error(reason, "busy"))
        await websocket.close(code=TRY_LATER, reason=reason[:120])
        return
    sessions[client] += 1
    session = Session(lambda text: _send(websocket, text), cpu=used(client))
    try:
        await _serve(websocket, session)
    finally:
        spent[client] = (used(client) + session.cpu - session.cpu_at_start, time.monotonic())
        sessions[client] -= 1
        if sessions[client] <= 0:
            del sessions[client]
        for address in [address for address in spent if used(address) == 0 and address not in sessions]:
            del spent[address]  # the table holds only addresses still paying back


async def _send(websocket: WebSocket, text: str) -> None:
    with anyio.fail_after(SEND_TIMEOUT):
        await websocket.send_text(text)


async def _serve(websocket: WebSocket, session: Session) -> None:
    player = asyncio.create_task(session.player())
    reason = None
    try:
        reason = await _listen(websocket, session, player)
    except (WebSocketDisconnect, TimeoutError, RuntimeError):
        pass  # gone, stalled, or closed under us: the session ends either way
    finally:
        player.cancel()
        await asyncio.gather(player, return_exceptions=True)
    if reason is not None and websocket.client_state == WebSocketState.CONNECTED:
        try:
            await websocket.close(code=1000, reason=reason)
        except RuntimeError:
            pass


async def _listen(websocket: WebSocket, session: Session, player: asyncio.Task[None]) -> str | None:
    """Read messages until the page goes (None), or idles out or outlives the session's lifetime (the
    reason to close with); a token bucket drops floods."""
    tokens, last, warned = BURST, time.monotonic(), False
    ends = time.monotonic() + SETTINGS.live_lifetime
    while not player.done():
        message = None
        with anyio.move_on_after(min(IDLE_CHECK, max(0.0, ends - time.monotonic()))):  # anyio's: exact cancels
            message = await websocket.receive()
        if time.monotonic() >= ends:
            return "the session's time is up: press Play or Step to start again"
        if message is None:
            if session.idle_for() > SETTINGS.live_idle_timeout:
                return "idle: reconnect to train again"
            continue
        if message["type"] == "websocket.disconnect":
            return None
        now = time.monotonic()
        tokens, last = min(BURST, tokens + (now - last) * RATE), now
        if tokens < 1:
            if not warned:
                await session.reply(error("too many messages: some were dropped"))
            warned = True
            continue
        tokens, warned = tokens - 1, False
        text = message.get("text")
        if text is None:
            await session.reply(error("messages are JSON text, not binary"))
            continue
        await session.handle(text)
