"""Live rooms over HTTP: start one, read its state, end it, and its links' QR codes (app/routes/live.py follows it)."""

from __future__ import annotations

import io
from dataclasses import asdict
from typing import Any

import segno
from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import Response

from ..compute import client_of
from ..deps import Rooms
from ..errors import error_response
from ..models import ERRORS, ErrorOut, RoomIn, RoomOut, RoomStateOut, RoomTraceOut
from ..quotas import quota
from ..roomlinks import room_links
from ..rooms import RoomQuota, RoomsUnavailable, is_teacher
from ..service import encode
from ..traces import first_trace
from ..urlstate import read_state
from .live import MAX_MESSAGE, close_room

router = APIRouter(tags=["rooms"])
ROOM_ERRORS: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorOut},
    422: {"model": ErrorOut},
    429: {"model": ErrorOut},
    503: {"model": ErrorOut},
}


@router.post(
    "/api/rooms", status_code=201, response_model=RoomOut, responses=ROOM_ERRORS, dependencies=[Depends(quota("rooms"))]
)
async def create_room(body: RoomIn, request: Request, hub: Rooms) -> Any:
    """Start a live session from a lab state: a short code for the class, a secret token for the teacher."""
    size = len(body.state.encode())
    if size > MAX_MESSAGE:
        return error_response(
            413, "too-large", f"the state is {size:,} bytes; a room holds at most {MAX_MESSAGE // 1024} KiB"
        )
    try:
        room = await hub.create(body.state, owner=client_of(request))
    except RoomQuota as error:
        return error_response(429, "too-many-requests", str(error), headers={"Retry-After": "60"})
    except (RuntimeError, RoomsUnavailable) as error:
        return error_response(503, "busy", str(error), headers={"Retry-After": "30"})
    links, warning = room_links(room.code, request.base_url)
    return {
        "code": room.code,
        "token": room.token,
        "url": f"/?room={room.code}",
        "qr": f"/api/rooms/{room.code}/qr.svg",
        "links": [asdict(link) for link in links],
        "warning": warning,
    }


@router.get(
    "/api/rooms/{code}", response_model=RoomStateOut, responses={404: {"model": ErrorOut}, 503: {"model": ErrorOut}}
)
async def read_room(code: str, hub: Rooms) -> Any:
    """A live room's current state (what a student who joins now sees), how many students are connected
    and how many of them have stepped away from following."""
    try:
        room = await hub.find(code)
        if room is None:
            return error_response(404, "not-found", "no live room with this code: it may have ended")
        presence = await hub.presence(room.code)
        return {
            "code": room.code,
            "state": room.state,
            "followers": presence.following + presence.away,
            "away": presence.away,
        }
    except RoomsUnavailable as error:
        return error_response(503, "unavailable", str(error), headers={"Retry-After": "30"})


@router.get(
    "/api/rooms/{code}/trace",
    response_model=RoomTraceOut,
    responses={**ERRORS, 404: {"model": ErrorOut}},
)
async def read_room_trace(code: str, request: Request, hub: Rooms) -> Response:
    """The trace of a room's current state, as its students may see it: in a quiz, without the numbers
    the teacher has not revealed yet. The whole class asking for one state costs one computation."""
    try:
        room = await hub.find(code)
    except RoomsUnavailable as error:
        return error_response(503, "unavailable", str(error), headers={"Retry-After": "30"})
    if room is None:
        return error_response(404, "not-found", "no live room with this code: it may have ended")
    state = room.state
    encoded, _ = await first_trace(request, read_state(state), in_room=True)
    body = encoded[:-1] + b',"state":' + encode(state).encode() + b"}"  # the trace's object, and its state
    return Response(body, media_type="application/json")


@router.delete(
    "/api/rooms/{code}",
    status_code=204,
    response_class=Response,
    responses={403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 503: {"model": ErrorOut}},
)
async def end_room(code: str, hub: Rooms, x_room_token: str = Header(default="", max_length=256)) -> Response:
    """End a live session now (the teacher's token in the X-Room-Token header): every follower is told."""
    try:
        room = await hub.find(code)
        if room is None:
            return error_response(404, "not-found", "no live room with this code: it may have ended")
        if not is_teacher(room, x_room_token):
            return error_response(403, "forbidden", "only the teacher who started this room can end it")
        await hub.end(room.code)
    except RoomsUnavailable as error:
        return error_response(503, "unavailable", str(error), headers={"Retry-After": "30"})
    await close_room(room)
    return Response(status_code=204)


@router.get("/api/rooms/{code}/qr.svg", include_in_schema=False)
async def room_qr(code: str, request: Request, hub: Rooms, link: int = Query(default=0, ge=0)) -> Response:
    """A QR code of one of the room's links (?link=N, the first by default), to put on the projector."""
    try:
        room = await hub.find(code)
    except RoomsUnavailable as error:
        return error_response(503, "unavailable", str(error), headers={"Retry-After": "30"})
    if room is None:
        return error_response(404, "not-found", "no live room with this code")
    links, _ = room_links(room.code, request.base_url)
    if link >= len(links):
        return error_response(
            404, "not-found", f"this room has {len(links)} links, numbered from 0; there is no link {link}"
        )
    svg = io.BytesIO()
    segno.make(links[link].url, error="m").save(svg, kind="svg", scale=6, border=2, dark="#111", light="#fff")
    return Response(svg.getvalue(), media_type="image/svg+xml")
