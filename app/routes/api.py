"""The JSON API: traces of programs, and the built-in presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from ..compute import compute
from ..errors import error_response
from ..models import ErrorOut, PresetOut, TraceIn, TraceOut
from ..presets import BY_ID, PRESETS
from ..service import build_trace_json

router = APIRouter(prefix="/api", tags=["api"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 413: {"model": ErrorOut},
                                           422: {"model": ErrorOut}, 503: {"model": ErrorOut}}


@router.post("/trace", response_model=TraceOut, responses=ERRORS)
async def create_trace(body: TraceIn) -> Response:
    """Run a program: every node's value and gradient, the step timeline, and the graph's layout."""
    encoded = await compute(build_trace_json, body.source, body.values, body.folded, body.preset)
    return Response(encoded, media_type="application/json")


@router.get("/presets", response_model=list[PresetOut])
async def list_presets() -> list[dict[str, str]]:
    """The built-in example programs."""
    return [preset.to_dict() for preset in PRESETS]


@router.get("/presets/{preset_id}", response_model=PresetOut, responses={404: {"model": ErrorOut}})
async def read_preset(preset_id: str) -> Any:
    """One built-in example program."""
    preset = BY_ID.get(preset_id)
    if preset is None:
        return error_response(404, "not-found", f"there is no preset '{preset_id[:64]}'")
    return preset.to_dict()
