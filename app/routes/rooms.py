"""Live follow-along: the teacher's browser drives a room; students' browsers follow over WebSockets."""

from __future__ import annotations

import asyncio
import io
import json
import time
from typing import Any

import segno
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import Response
from starlette.websockets import WebSocketDisconnect

from ..errors import error_response
from ..models import ErrorOut, RoomIn, RoomOut
from ..rooms import Room, is_teacher

router = APIRouter(tags=["rooms"])
MAX_MESSAGE = 16 * 1024
RATE, BURST = 20.0, 40.0  # messages per second a connection may send, and the burst allowed


@router.post("/api/rooms", status_code=201, response_model=RoomOut, responses={503: {"model": ErrorOut}})
async def create_room(body: RoomIn, request: Request) -> Any:
    """Start a live session from a lab state: a short code for the class, a secret token for the teacher."""
    try:
        room = request.app.state.rooms.create(body.state)
    except RuntimeError as error:
        return error_response(503, "busy", str(error))
    return {"code": room.code, "token": room.token, "url": f"/?room={room.code}",
            "qr": f"/api/rooms/{room.code}/qr.svg"}


@router.get("/api/rooms/{code}", responses={404: {"model": ErrorOut}})
async def read_room(code: str, request: Request) -> Any:
    """A live room's current state (what a student who joins now sees)."""
    room = request.app.state.rooms.get(code)
    if room is None:
        return error_response(404, "not-found", "no live room with this code: it may have ended")
    return {"code": room.code, "state": room.state, "followers": len(room.followers)}


@router.get("/api/rooms/{code}/qr.svg", include_in_schema=False)
async def room_qr(code: str, request: Request) -> Response:
    """A QR code of the room's link, to put on the projector."""
    room = request.app.state.rooms.get(code)
    if room is None:
        return error_response(404, "not-found", "no live room with this code")
    link = str(request.base_url).rstrip("/") + f"/?room={room.code}"
    svg = io.BytesIO()
    segno.make(link, error="m").save(svg, kind="svg", scale=6, border=2, dark="#111", light="#fff")
    return Response(svg.getvalue(), media_type="image/svg+xml")


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
async def follow_room(websocket: WebSocket, code: str, token: str | None = None) -> None:
    """Students receive every state the teacher sends; the teacher (holding the token) sends them."""
    await websocket.accept()
    room = websocket.app.state.rooms.get(code)
    if room is None:
        await websocket.send_json({"type": "error", "message": "no live room with this code: it may have ended"})
        await websocket.close(code=4404)
        return
    teacher = is_teacher(room, token)
    if not teacher:
        room.followers.add(websocket)
    await websocket.send_json({"type": "state", "state": room.state, "role": "teacher" if teacher else "student"})
    try:
        await _listen(websocket, room, teacher)
    except WebSocketDisconnect:
        pass
    finally:
        room.followers.discard(websocket)


async def _listen(websocket: WebSocket, room: Room, teacher: bool) -> None:
    bucket, dropped = _Bucket(), 0
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", errors="replace")
        if len(text) > MAX_MESSAGE:
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
        return "messages are JSON objects such as {\"type\": \"state\", \"state\": \"v=1&step=3\"}"
    if not isinstance(data, dict) or data.get("type") != "state" or not isinstance(data.get("state"), str):
        return "the only message is {\"type\": \"state\", \"state\": <the lab's URL query>}"
    if not teacher:
        return "only the teacher can drive this room"
    websocket.app.state.rooms.publish(room.code, data["state"])
    await broadcast(room, json.dumps({"type": "state", "state": data["state"]}))
    return None


async def broadcast(room: Room, message: str) -> None:
    """Send to every follower at once; one that cannot take it within a second is dropped."""
    async def send(follower: Any) -> None:
        try:
            await asyncio.wait_for(follower.send_text(message), timeout=1.0)
        except Exception:  # noqa: BLE001 - a follower that went away or stalled is simply dropped
            room.followers.discard(follower)

    await asyncio.gather(*(send(f) for f in list(room.followers)))


async def follow_other_processes(hub: Any) -> None:
    """Pass on the states other worker processes received from teachers (for hubs that share rooms)."""
    if not hasattr(hub, "changed"):
        return
    while True:
        await asyncio.sleep(hub.POLL)
        try:
            for room in hub.changed():
                await broadcast(room, json.dumps({"type": "state", "state": room.state}))
        except Exception:  # noqa: BLE001 - a failed poll is retried on the next tick
            continue
