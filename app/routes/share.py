"""Short links: store a lab state, get back /s/<id>."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request, Response

from ..deps import Links
from ..errors import error_response
from ..models import ErrorOut, ShareIn, ShareOut
from ..quotas import quota
from ..store import ID_PATTERN, MAX_STATE_BYTES

router = APIRouter(prefix="/api", tags=["share"])


@router.post(
    "/share",
    status_code=201,
    response_model=ShareOut,
    dependencies=[Depends(quota("links"))],
    responses={
        200: {"model": ShareOut},
        413: {"model": ErrorOut},
        422: {"model": ErrorOut},
        429: {"model": ErrorOut},
        503: {"model": ErrorOut},
    },
)
async def create_link(body: ShareIn, request: Request, response: Response, links: Links) -> Any:
    """Store a lab state (its URL query) under a new random id; the same state keeps its first id (200)."""
    size = len(body.state.encode())
    if size > MAX_STATE_BYTES:
        return error_response(
            413, "too-large", f"the state is {size:,} bytes; a link holds at most {MAX_STATE_BYTES // 1024} KiB"
        )
    try:
        parse_qsl(body.state, strict_parsing=True, max_num_fields=64)
    except ValueError:
        return error_response(422, "bad-request", "state must be a URL query string, as in v=1&source=…")
    link_id, created = await request.app.state.run_store(links.put, body.state)
    response.status_code = 201 if created else 200
    return {"id": link_id, "url": f"/s/{link_id}", "state": body.state}


@router.get("/share/{link_id}", response_model=ShareOut, responses={404: {"model": ErrorOut}})
async def read_link(link_id: str, request: Request, links: Links) -> Any:
    """The state behind a short link (the JSON twin of /s/<id>)."""
    if len(link_id) > 64 or not ID_PATTERN.match(link_id):
        return error_response(404, "not-found", "this is not a Backprop Lab link id")
    state = await request.app.state.run_store(links.get, link_id)
    if state is None:
        return error_response(404, "not-found", "no link with this id")
    return {"id": link_id, "url": f"/s/{link_id}", "state": state}
