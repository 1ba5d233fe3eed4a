"""The JSON API: traces of programs, and the built-in presets."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from ..compute import is_heavy_trace
from ..errors import error_response
from ..models import ERRORS, ErrorOut, PresetOut, StepArraysOut, StepIn, TraceIn, TraceOut
from ..presets import BY_ID, PRESETS
from ..quotas import quota
from ..service import build_step_json, build_trace_json

router = APIRouter(prefix="/api", tags=["api"])


@router.post("/trace", response_model=TraceOut, responses=ERRORS, dependencies=[Depends(quota("trace"))])
async def create_trace(body: TraceIn, request: Request) -> Response:
    """Run a program: every node's value and gradient, the step timeline, and the graph's layout.
    Large tensors appear in the steps as summaries; /api/trace/step gives one step's arrays in full."""
    encoded = await request.app.state.compute.run(
        build_trace_json,
        body.source,
        body.values,
        body.folded,
        body.preset,
        request=request,
        heavy=is_heavy_trace(body.source),
    )
    return Response(encoded, media_type="application/json")


@router.post("/trace/step", response_model=StepArraysOut, responses=ERRORS, dependencies=[Depends(quota("trace"))])
async def read_step_arrays(body: StepIn, request: Request) -> Response:
    """One backward step of a tensor program with its upstream, contribution and gradient arrays in full."""
    encoded = await request.app.state.compute.run(
        build_step_json, body.source, body.values, body.step, request=request, heavy=is_heavy_trace(body.source)
    )
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
