"""HTML pages, each built from the same context dict as its JSON twin."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates

from engine import TRACE_VERSION
from engine.datasets import DATASETS
from engine.lang import SourceError

from ..compute import compute
from ..errors import error_response
from ..layout import LayoutError
from ..presets import PRESETS
from ..security import EMBED_CSP
from ..service import build_trace
from ..store import ID_PATTERN
from ..urlstate import UrlState, read_state

ROOT = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=str(ROOT / "templates"))
router = APIRouter(tags=["pages"])
_pages: OrderedDict[tuple[str, str], bytes] = OrderedDict()  # rendered pages of immutable short links
_pages_lock = threading.Lock()


async def initial_trace(state: UrlState) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The first trace, computed here so the page opens complete: (response, None) or (None, error)."""
    try:
        return await compute(build_trace, state.source, state.values, state.folded, state.preset), None
    except SourceError as error:
        if state.values and error.kind in ("unknown-input", "bad-input-value"):
            state.notices.append(f"The link's input values do not fit this program ({error.message}); "
                                 "the values in the program are used.")
            state.values = {}
            return await initial_trace(state)
        return None, error.to_dict()
    except LayoutError as error:
        return None, {"kind": "layout-failed", "message": str(error), "line": 1, "column": 1}


async def lab_context(state: UrlState, json_url: str, share_id: str | None = None) -> dict[str, Any]:
    """What the lab page shows: the presets, the program, and its first trace (or its error)."""
    response, error = await initial_trace(state)
    first_line = next((line for line in state.source.splitlines() if line.strip() and not line.startswith("#")), "")
    nodes = len(response["trace"]["nodes"]) if response else 0
    return {
        "title": "Backprop Lab",
        "trace_version": TRACE_VERSION,
        "presets": [p.to_dict() for p in PRESETS],
        "selected": state.preset,
        "source": state.source,
        "mode": state.mode,
        "theme": state.theme,
        "json_url": json_url,
        "share_id": share_id,
        "description": f"{first_line[:80]} — a computational graph of {nodes} nodes: values forward, gradients back."
        if response else "A computational graph: values forward, gradients back.",
        "initial": {"query": state.query, "response": response, "error": error, "notices": state.notices},
    }


def _page(request: Request, context: dict[str, Any]) -> Response:
    context = {**context, "page_url": str(request.url)}
    response = templates.TemplateResponse(request, "index.html", context)
    if context["mode"] == "embed":
        response.headers["content-security-policy"] = EMBED_CSP
    return response


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def read_lab(request: Request, room: str | None = None) -> Response:
    """The lab: editor, graph, step panel and controls; the URL's query is its whole state.
    With ?room=CODE it follows a live session: it opens on the teacher's current state."""
    query = request.url.query
    if room is not None:
        return _page(request, await room_context(request, room))
    return _page(request, await lab_context(read_state(query), f"/index.json?{query}"))


async def room_context(request: Request, code: str) -> dict[str, Any]:
    live = request.app.state.rooms.get(code[:16])
    if live is None:
        state = read_state("")
        state.notices.append(f"There is no live session with the code {code[:16]!r}: it may have ended. "
                             "This is the lab on its own.")
        return await lab_context(state, "/index.json")
    context = await lab_context(read_state(live.state), f"/api/rooms/{live.code}")
    context["initial"]["room"] = live.code
    return context


@router.get("/embed", response_class=HTMLResponse, include_in_schema=False)
async def read_embed(request: Request) -> Response:
    """The graph and its controls without the editor, for an iframe in slides (framing allowed)."""
    query = request.url.query
    return _page(request, await lab_context(read_state(query, mode="embed"), f"/index.json?{query}"))


@router.get("/index.json")
async def read_lab_json(request: Request) -> JSONResponse:
    """The lab page's context as JSON (its JSON twin)."""
    return JSONResponse(await lab_context(read_state(request.url.query), f"/index.json?{request.url.query}"))


@router.get("/s/{link_id}", response_class=HTMLResponse, include_in_schema=False)
async def read_short_link(request: Request, link_id: str, embed: str | None = None) -> Response:
    """A short link: the exact frame that was shared (rendered once, then served from memory)."""
    if len(link_id) > 64 or not ID_PATTERN.match(link_id):
        return error_response(404, "not-found", "this is not a Backprop Lab link id")
    mode = "embed" if embed not in (None, "", "0") else "lab"
    with _pages_lock:
        cached = _pages.get((link_id, mode))
    if cached is None:
        query = await request.app.state.run_store(request.app.state.links.get, link_id)
        if query is None:
            return error_response(404, "not-found", "no link with this id: it may have been mistyped")
        state = read_state(query, mode=mode if mode == "embed" else None)
        rendered = _page(request, await lab_context(state, f"/api/share/{link_id}", share_id=link_id))
        cached = bytes(rendered.body)
        with _pages_lock:
            _pages[(link_id, mode)] = cached
            while len(_pages) > 512:
                _pages.popitem(last=False)
    headers = {"content-security-policy": EMBED_CSP} if mode == "embed" else {}
    return HTMLResponse(cached, headers=headers)


def network_context(query: str) -> dict[str, Any]:
    """The network page: the datasets to choose from (the settings themselves live in its URL)."""
    return {"title": "Backprop Lab · Networks", "datasets": list(DATASETS), "theme": None,
            "description": "A small network learns a dataset: its decision boundary and its loss curve.",
            "json_url": f"/network.json?{query}"}


@router.get("/network", response_class=HTMLResponse, include_in_schema=False)
async def read_network(request: Request) -> Response:
    """Build a small network, train it on a generated dataset, and watch the boundary and the loss."""
    return templates.TemplateResponse(request, "network.html", network_context(request.url.query))


@router.get("/network.json")
async def read_network_json(request: Request) -> JSONResponse:
    """The network page's context as JSON (its JSON twin)."""
    return JSONResponse(network_context(request.url.query))


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def read_docs(request: Request) -> HTMLResponse:
    """The OpenAPI reference, served with the locally installed viewer (no CDN)."""
    return templates.TemplateResponse(request, "docs.html", {"title": "Backprop Lab API"})
