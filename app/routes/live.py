"""Live follow-along: the teacher's browser drives a room; students' browsers follow over WebSockets.

Messages, each a JSON object: the server sends {"type": "state", "state", "role"} on connecting, then
{"type": "state", "state"} for each state the teacher sends; teachers also get {"type": "presence",
"following", "away"} on connecting and whenever those counts change (summed over every process).
The teacher sends {"type": "state", "state"} and {"type": "end"}; a student sends {"type": "presence",
"away": true|false} when it steps away from following or comes back (a new connection is following).

One code path for every RoomHub: each process sends to its own sockets, and hears from its hub's
`changes()` what happened in other processes (or servers).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from fastapi import APIRouter, WebSocket
from starlette.websockets import WebSocketDisconnect

from .. import metrics
from ..deps import Rooms
from ..rooms import BURST, RATE, Change, Presence, Room, RoomHub, RoomRate, RoomsUnavailable, is_teacher

router = APIRouter(tags=["rooms"])
MAX_MESSAGE = 16 * 1024  # bytes of one message, as UTF-8
SEND_TIMEOUT = 1.0  # seconds a follower may take to accept a message before it is disconnected
USAGE = (
    'the only messages are {"type": "state", "state": <the lab\'s URL query>} and {"type": "end"} from the '
    'teacher, and {"type": "presence", "away": true or false} from a student'
)
ENDED = "The teacher has ended this live session."
LOST = "Live rooms are unavailable on this server for a moment: reconnecting."


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
        room = await hub.find(code)
    except RoomsUnavailable as error:
        await websocket.close(code=1013, reason=str(error)[:120])  # try again later: the page reconnects
        return
    if room is None:
        await websocket.send_json({"type": "error", "message": "no live room with this code: it may have ended"})
        await websocket.close(code=4404)
        return
    teacher = is_teacher(room, token)
    metrics.socket_opened(room.code, teacher)
    try:
        await _join(websocket, hub, room, teacher)
        await _listen(websocket, hub, room, teacher)
    except WebSocketDisconnect:
        pass
    finally:
        metrics.socket_closed(room.code, teacher)
        (room.teachers if teacher else room.followers).discard(websocket)
        room.away.discard(websocket)
        room.told.pop(websocket, None)
        await tell_presence(hub, room)


async def _join(websocket: WebSocket, hub: RoomHub, room: Room, teacher: bool) -> None:
    """Send the room's state; a student counts as following from now, a teacher then hears the counts.
    A teacher joins the room's teachers only after its state, so no presence message comes before it."""
    if not teacher:
        room.followers.add(websocket)
    await websocket.send_json({"type": "state", "state": room.state, "role": "teacher" if teacher else "student"})
    if teacher:
        room.teachers.add(websocket)
    await tell_presence(hub, room)


async def _listen(websocket: WebSocket, hub: RoomHub, room: Room, teacher: bool) -> None:
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
        reply = await _handle(hub, websocket, room, teacher, text)
        if reply is not None:
            await websocket.send_json({"type": "error", "message": reply})


async def _handle(hub: RoomHub, websocket: WebSocket, room: Room, teacher: bool, text: str) -> str | None:
    """Apply one message; the error to send back, if any."""
    try:
        data = json.loads(text)
    except ValueError:
        return 'messages are JSON objects such as {"type": "state", "state": "v=1&step=3"}'
    handler = HANDLERS.get(data.get("type")) if isinstance(data, dict) else None
    if handler is None:
        return USAGE
    try:
        return await handler(hub, websocket, room, teacher, data)
    except (RoomsUnavailable, RoomRate) as error:
        return str(error)


async def _end(hub: RoomHub, websocket: WebSocket, room: Room, teacher: bool, data: dict[str, Any]) -> str | None:
    if not teacher:
        return "only the teacher can end this room"
    await hub.end(room.code)
    await close_room(room)
    return None


async def _state(hub: RoomHub, websocket: WebSocket, room: Room, teacher: bool, data: dict[str, Any]) -> str | None:
    if not isinstance(data.get("state"), str):
        return USAGE
    if not teacher:
        return "only the teacher can drive this room"
    if await hub.publish(room, data["state"]):
        await broadcast(room, state_message(room))
    return None


async def _presence(hub: RoomHub, websocket: WebSocket, room: Room, teacher: bool, data: dict[str, Any]) -> str | None:
    """A student steps away from following (away: true) or comes back (away: false)."""
    if teacher:
        return "only students report presence: the teacher is always there"
    if not isinstance(data.get("away"), bool):
        return USAGE
    if data["away"]:
        room.away.add(websocket)
    else:
        room.away.discard(websocket)
    await tell_presence(hub, room)
    return None


HANDLERS = {"state": _state, "end": _end, "presence": _presence}


def state_message(room: Room) -> str:
    return json.dumps({"type": "state", "state": room.state})


async def tell_presence(hub: RoomHub, room: Room) -> None:
    """Record this process's counts of the room's students, and tell its teachers here the sums over
    every process (teachers in other processes hear of them through their hub's changes)."""
    try:
        presence = await hub.mark(room)
    except RoomsUnavailable:
        return  # the next heartbeat records them
    if presence is not None:
        await tell_teachers(room, presence)


async def tell_teachers(room: Room, presence: Presence) -> None:
    """Send the counts to each teacher here who has not been told these very counts: a new teacher,
    or all of them when the counts changed; never twice the same to one teacher."""
    due = [teacher for teacher in room.teachers if room.told.get(teacher) != presence]
    for teacher in due:
        room.told[teacher] = presence
    message = json.dumps({"type": "presence", "following": presence.following, "away": presence.away})
    try:
        await asyncio.gather(*(_send(room.teachers, teacher, message) for teacher in due))
    except asyncio.CancelledError:  # e.g. the handler of a student who left is being stopped
        for teacher in due:
            room.told.pop(teacher, None)  # not told after all: the next poll tells them
        raise


async def broadcast(room: Room, message: str) -> None:
    """Send to every follower at once."""
    await asyncio.gather(*(_send(room.followers, follower, message) for follower in list(room.followers)))


async def _send(members: set[Any], socket: Any, message: str) -> None:
    """Send one message. A socket that cannot take it within SEND_TIMEOUT is disconnected, so its page
    notices and reconnects, rather than being left on a socket that never hears again."""
    try:
        await asyncio.wait_for(socket.send_text(message), timeout=SEND_TIMEOUT)
    except Exception:  # noqa: BLE001 - gone or stalled: either way, let it go
        members.discard(socket)
        await disconnect(socket, 1013, "too slow to follow: reconnect")


async def close_room(room: Room, code: int = 4404, reason: str = ENDED) -> None:
    """Tell every socket here why, and close them: 4404 when the room has ended (the page stops
    retrying), 1013 when it cannot be reached for now (the page reconnects)."""
    message = json.dumps({"type": "ended", "message": reason} if code == 4404 else {"type": "error", "message": reason})
    sockets = list(room.followers) + list(room.teachers)
    room.followers.clear()
    room.away.clear()
    room.teachers.clear()
    room.told.clear()

    async def close(socket: Any) -> None:
        try:
            await asyncio.wait_for(socket.send_text(message), timeout=SEND_TIMEOUT)
        except Exception:  # noqa: BLE001 - it is being closed anyway
            pass
        await disconnect(socket, code, "the live session has ended" if code == 4404 else "try again shortly")

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


async def _apply(change: Change) -> None:
    room = change.room
    if change.kind == "state":
        await broadcast(room, state_message(room))
    elif change.kind == "presence":
        await tell_teachers(room, change.presence)
    elif change.kind == "ended":
        await close_room(room)
    else:  # lost: the page's reconnecting finds the room again once the hub is back
        await close_room(room, 1013, LOST)


async def follow_other_processes(hub: RoomHub) -> None:
    """Pass on the states other processes received from teachers, close the rooms that ended
    elsewhere (or whose hub was lost), and tell this process's teachers when students came, went or
    stepped away elsewhere. The hub's changes also keep this process's teachers' rooms alive."""
    while True:
        try:
            async for change in hub.changes():
                await _apply(change)
        except Exception:  # noqa: BLE001 - a hub that failed in a way it did not foresee: listen again
            await asyncio.sleep(1.0)
