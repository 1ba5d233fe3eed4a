"""HTML pages, each built from the same context dict as its JSON twin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from engine import TRACE_VERSION

from ..presets import BY_ID, PRESETS

ROOT = Path(__file__).resolve().parents[2]
templates = Jinja2Templates(directory=str(ROOT / "templates"))
router = APIRouter(tags=["pages"])


def lab_context(preset_id: str | None) -> dict[str, Any]:
    """What the lab page shows: the presets and the program to open with."""
    preset = BY_ID.get(preset_id or "") or PRESETS[0]
    return {
        "title": "Backprop Lab",
        "trace_version": TRACE_VERSION,
        "presets": [p.to_dict() for p in PRESETS],
        "selected": preset.id,
        "source": preset.source,
        "json_url": f"/index.json?preset={preset.id}",
    }


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def read_lab(request: Request, preset: str | None = None) -> HTMLResponse:
    """The lab: editor, graph, step panel and controls."""
    return templates.TemplateResponse(request, "index.html", lab_context(preset))


@router.get("/index.json")
async def read_lab_json(preset: str | None = None) -> JSONResponse:
    """The lab page's context as JSON (its JSON twin)."""
    return JSONResponse(lab_context(preset))


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
async def read_docs(request: Request) -> HTMLResponse:
    """The OpenAPI reference, served with the locally installed viewer (no CDN)."""
    return templates.TemplateResponse(request, "docs.html", {"title": "Backprop Lab API"})
