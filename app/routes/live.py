"""Live follow-along: the teacher's browser drives a room; students' browsers follow over WebSockets."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from ..deps import Rooms
from ..rooms import Room, RoomsUnavailable, is_teacher

router = APIRouter(tags=["rooms"])
MAX_MESSAGE = 16 * 1024  # bytes of one message, as UTF-8
RATE, BURST = 20.0, 40.0  # messages per second a connection may send, and the burst allowed
SEND_TIMEOUT = 1.0  # seconds a follower may take to accept a message before it is disconnected


class _Bucket:
    """A token bucket: RATE messages a second, bursts of BURST; the rest are dropped."""

    def __init__(self) -> None:
        self.tokens, self.last = BURST, time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(BURST, self.tokens + (now - self.last) * RATE)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@router.websocket("/ws/rooms/{code}")
async def follow_room(websocket: WebSocket, code: str, hub: Rooms, token: str | None = None) -> None:
    """Students receive every state the teacher sends; the teacher (holding the token) sends them."""
    await websocket.accept()
    try:
        room = hub.get(code)
    except RoomsUnavailable as error:
        await websocket.close(code=1013, reason=str(error)[:120])  # try again later: the page reconnects
        return
    if room is None:
        await websocket.send_json({"type": "error", "message": "no live room with this code: it may have ended"})
        await websocket.close(code=4404)
        return
    teacher = is_teacher(room, token)
    members = room.teachers if teacher else room.followers
    members.add(websocket)
    try:
        _mark(hub, room)
        await websocket.send_json({"type": "state", "state": room.state, "role": "teacher" if teacher else "student"})
        await _listen(websocket, room, teacher)
    except WebSocketDisconnect:
        pass
    finally:
        members.discard(websocket)
        _mark(hub, room)


async def _listen(websocket: WebSocket, room: Room, teacher: bool) -> None:
    bucket, dropped = _Bucket(), 0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", errors="replace")
        if len(text) > MAX_MESSAGE or len(text.encode("utf-8", errors="replace")) > MAX_MESSAGE:
            await websocket.close(code=1009, reason="message too large")
            return
        if not bucket.take():
            dropped += 1
            if dropped == 1:
                await websocket.send_json({"type": "error", "message": "too many messages: some were dropped"})
            continue
        reply = await _handle(websocket, room, teacher, text)
        if reply is not None:
            await websocket.send_json({"type": "error", "message": reply})


async def _handle(websocket: WebSocket, room: Room, teacher: bool, text: str) -> str | None:
    """Apply one message; the error to send back, if any."""
    try:
        data = json.loads(text)
    except ValueError:
        return 'messages are JSON objects such as {"type": "state", "state": "v=1&step=3"}'
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "end" and not teacher:
        return "only the teacher can end this room"
    if kind == "end":
        websocket.app.state.rooms.end(room.code)
        await close_room(room)
        return None
    if kind != "state" or not isinstance(data.get("state"), str):
        return (
            'the only messages are {"type": "state", "state": <the lab\'s URL query>} and, from the '
            'teacher, {"type": "end"}'
        )
    if not teacher:
        return "only the teacher can drive this room"
    try:
        websocket.app.state.rooms.publish(room.code, data["state"])
    except RoomsUnavailable as error:
        return str(error)
    await broadcast(room, json.dumps({"type": "state", "state": data["state"]}))
    return None


def _mark(hub: Any, room: Room) -> None:
    try:
        hub.mark(room)
    except RoomsUnavailable:
        pass  # the count is refreshed on the next heartbeat


async def broadcast(room: Room, message: str) -> None:
    """Send to every follower at once. One that cannot take it within SEND_TIMEOUT is disconnected,
    so its page notices and reconnects, rather than being left on a socket that never hears again."""

    async def send(follower: Any) -> None:
        try:
            await asyncio.wait_for(follower.send_text(message), timeout=SEND_TIMEOUT)
        except Exception:  # noqa: BLE001 - gone or stalled: either way, let it go
            room.followers.discard(follower)
            await disconnect(follower, 1013, "too slow to follow: reconnect")

    await asyncio.gather(*(send(f) for f in list(room.followers)))


async def close_room(room: Room) -> None:
    """The room has ended: tell every socket here, and close them (code 4404: the page stops retrying)."""
    message = json.dumps({"type": "ended", "message": "The teacher has ended this live session."})
    sockets = list(room.followers) + list(room.teachers)
    room.followers.clear()
    room.teachers.clear()

    async def close(socket: Any) -> None:
        try:
            await asyncio.wait_for(socket.send_text(message), timeout=SEND_TIMEOUT)
        except Exception:  # noqa: BLE001 - it is being closed anyway
            pass
        await disconnect(socket, 4404, "the live session has ended")

    await asyncio.gather(*(close(s) for s in sockets))


async def disconnect(socket: Any, code: int, reason: str) -> None:
    """Close a WebSocket without waiting on the peer: the server's WebSocket layer sends the closing
    frame, and drops the connection itself if a stalled peer does not answer within its close timeout."""
    task = asyncio.create_task(_close(socket, code, reason))
    _closing.add(task)
    task.add_done_callback(_closing.discard)


_closing: set[asyncio.Task[None]] = set()  # closes under way (kept so they are not collected mid-way)


async def _close(socket: Any, code: int, reason: str) -> None:
    try:
        await socket.close(code=code, reason=reason)
    except Exception:  # noqa: BLE001, S110 - already closed or failed: either way it is gone
        pass


async def follow_other_processes(hub: Any) -> None:
    """Pass on the states other worker processes received from teachers, close the rooms that ended
    elsewhere, and keep this process's teachers' rooms alive."""
    while True:
        await asyncio.sleep(hub.POLL)
        try:
            hub.heartbeat()
            fresh, gone = hub.changed()
            for room in fresh:
                await broadcast(room, json.dumps({"type": "state", "state": room.state}))
            for room in gone:
                await close_room(room)
        except Exception:  # noqa: BLE001 - a failed poll is retried on the next tick
            continue
