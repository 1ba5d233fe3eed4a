"""HTML pages, each built from the same context dict as its JSON twin."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from engine import TRACE_VERSION
from engine.datasets import DATASETS
from engine.lang import SourceError

from ..cache import ByteCache
from ..compute import Busy, OverBudget, TooManyTasks
from ..errors import error_response
from ..layout import LayoutError
from ..presets import PRESETS
from ..quotas import RateLimited
from ..rooms import RoomsUnavailable
from ..security import EMBED_CSP
from ..service import encode
from ..settings import SETTINGS
from ..store import ID_PATTERN
from ..traces import first_trace
from ..urlstate import UrlState, read_state

ROOT = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=str(ROOT / "templates"))
router = APIRouter(tags=["pages"])
# Rendered pages of immutable short links, kept by bytes (first traces are kept in app/traces.py).
# Nothing from the request goes in.
_pages = ByteCache(SETTINGS.page_cache_bytes, "pages")
REFUSED = re.compile(r";\s*q\s*=\s*0(\.0{0,3})?\s*(;|$)")  # a media range with quality 0 is not acceptable


async def initial_trace(
    request: Request, state: UrlState, in_room: bool = False
) -> tuple[str | None, int, dict[str, Any] | None]:
    """The first trace, computed here so the page opens complete: its JSON and node count, or an error.
    In a room, a quiz withholds what the class has not been shown (see app/quiz.py)."""
    try:
        encoded, nodes = await first_trace(request, state, in_room)
    except SourceError as error:
        if state.values and error.kind in ("unknown-input", "bad-input-value"):
            state.notices.append(
                f"The link's input values do not fit this program ({error.message}); "
                "the values in the program are used."
            )
            state.values = {}
            return await initial_trace(request, state, in_room)
        return None, 0, error.to_dict()
    except LayoutError as error:
        return None, 0, {"kind": "layout-failed", "message": str(error), "line": 1, "column": 1}
    except (Busy, TooManyTasks, RateLimited) as error:
        return None, 0, {"kind": "busy", "message": str(error), "line": 1, "column": 1}
    except OverBudget as error:
        return None, 0, {"kind": "over-budget", "message": str(error), "line": 1, "column": 1}
    return encoded.decode(), nodes, None


async def lab_context(
    request: Request, state: UrlState, json_url: str, share_id: str | None = None, in_room: bool = False
) -> dict[str, Any]:
    """What the lab page shows: the presets, the program, and its first trace (or its error). The trace
    arrives encoded (`initial` holds its JSON text), so no large document is encoded here."""
    response, nodes, error = await initial_trace(request, state, in_room)
    first_line = next((line for line in state.source.splitlines() if line.strip() and not line.startswith("#")), "")
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
        if response
        else "A computational graph: values forward, gradients back.",
        "initial": {
            "query": state.query,
            "response": RawJson(response) if response else None,
            "error": error,
            "notices": state.notices,
        },
    }


class RawJson(str):
    """JSON text already encoded (and safe inside <script>), spliced into a document as it is."""


def encode_with_raw(data: Any) -> str:
    """`data` as JSON, with every RawJson value put in as the JSON text it already is."""
    marker = f"raw-{secrets.token_hex(16)}-"
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, RawJson):
            raws.append(value)
            return f"{marker}{len(raws) - 1}"
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = encode(swap(data))
    for i, raw in enumerate(raws):
        text = text.replace(f'"{marker}{i}"', raw, 1)
    return text


def _page(request: Request, context: dict[str, Any], path: str) -> Response:
    """Render the lab page. Its links come from BACKPROP_PUBLIC_URL (or stay relative), never from the
    request's Host, so a cached page is the same for every visitor."""
    context = {
        **context,
        "page_url": f"{SETTINGS.public_url}{path}",
        "site_url": SETTINGS.public_url,
        "initial_json": Markup(encode_with_raw(context["initial"])),
    }  # noqa: S704 - encode() escapes <>&'
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
        return _page(request, await room_context(request, room), f"/?room={quote(room[:16])}")
    return _page(
        request, await lab_context(request, read_state(query), f"/index.json?{query}"), f"/?{query}" if query else "/"
    )


async def room_context(request: Request, code: str) -> dict[str, Any]:
    try:
        live = await request.app.state.rooms.find(code[:16])
        missing = f"There is no live session with the code {code[:16]!r}: it may have ended."
    except RoomsUnavailable:
        live, missing = None, "Live sessions are unavailable on this server right now: reload in a moment."
    if live is None:
        state = read_state("")
        state.notices.append(f"{missing} This is the lab on its own.")
        return await lab_context(request, state, "/index.json")
    context = await lab_context(request, read_state(live.state), f"/api/rooms/{live.code}", in_room=True)
    context["initial"]["room"] = live.code
    return context


@router.get("/embed", response_class=HTMLResponse, include_in_schema=False)
async def read_embed(request: Request) -> Response:
    """The graph and its controls without the editor, for an iframe in slides (framing allowed)."""
    query = request.url.query
    return _page(
        request, await lab_context(request, read_state(query, mode="embed"), f"/index.json?{query}"), f"/embed?{query}"
    )


@router.get("/index.json")
async def read_lab_json(request: Request) -> Response:
    """The lab page's context as JSON (its JSON twin)."""
    context = await lab_context(request, read_state(request.url.query), f"/index.json?{request.url.query}")
    return Response(encode_with_raw(context), media_type="application/json")


@router.get("/s/{link_id}", response_class=HTMLResponse, include_in_schema=False)
async def read_short_link(request: Request, link_id: str, embed: str | None = None) -> Response:
    """A short link: the exact frame that was shared (rendered once, then served from memory)."""
    mode = "embed" if embed not in (None, "", "0") else "lab"
    if len(link_id) > 64 or not ID_PATTERN.match(link_id):
        return link_not_found(request, link_id, mode, "this is not a Backprop Lab link id")
    cached = _pages.get((link_id, mode))
    if cached is None:
        query = await request.app.state.run_store(request.app.state.links.get, link_id)
        if query is None:
            return link_not_found(request, link_id, mode, "no link with this id: it may have been mistyped")
        state = read_state(query, mode=mode if mode == "embed" else None)
        context = await lab_context(request, state, f"/api/share/{link_id}", share_id=link_id)
        rendered = _page(request, context, f"/s/{link_id}" + ("?embed=1" if mode == "embed" else ""))
        if context["initial"]["error"] is not None and context["initial"]["error"]["kind"] in ("busy", "over-budget"):
            return rendered  # a passing condition: not kept
        cached = bytes(rendered.body)
        _pages.put((link_id, mode), cached)
    headers = {"content-security-policy": EMBED_CSP} if mode == "embed" else {}
    return HTMLResponse(cached, headers=headers)


def link_not_found(request: Request, link_id: str, mode: str, reason: str) -> Response:
    """A short link that leads nowhere: a page a person can act on, or the JSON 404 for a client that
    asked for JSON only. Either way it points at the JSON twin, /api/share/<id>, which is a 404 too."""
    if wants_json_only(request):
        return error_response(404, "not-found", reason)
    shown = link_id[:64]
    context = {
        "title": "Backprop Lab: no such link",
        "description": "This short link leads to no saved graph.",
        "theme": None,
        "mode": mode,
        "json_url": f"/api/share/{quote(shown, safe='')}",
        "message": f"No link has the id “{shown}”: it may be mistyped, or it may have been made on another "
        "Backprop Lab server, whose links this one does not have.",
    }
    response = templates.TemplateResponse(request, "not_found.html", context, status_code=404)
    if mode == "embed":  # the slide that frames it shows the message, not the browser's refusal
        response.headers["content-security-policy"] = EMBED_CSP
    return response


def wants_json_only(request: Request) -> bool:
    """Whether the Accept header names application/json and not text/html (a script, not a browser)."""
    accepted = {
        part.split(";")[0].strip()
        for part in request.headers.get("accept", "").lower().split(",")
        if not REFUSED.search(part)
    }
    return "application/json" in accepted and "text/html" not in accepted


def network_context(query: str) -> dict[str, Any]:
    """The network page: the datasets to choose from (the settings themselves live in its URL)."""
    return {
        "title": "Backprop Lab · Networks",
        "datasets": list(DATASETS),
        "theme": None,
        "description": "A small network learns a dataset: its decision boundary and its loss curve.",
        "json_url": f"/network.json?{query}",
    }


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
