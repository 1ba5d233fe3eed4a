"""The self-contained HTML export: a program's animation as one file that plays offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse

from ..compute import is_heavy_trace
from ..errors import error_response
from ..export import BundleMissing, build_export_html, player_module
from ..models import ERRORS, TraceIn
from ..presets import BY_ID
from ..quotas import quota

router = APIRouter(prefix="/api", tags=["api"])

# The page is HTML but its errors are the API's JSON: each error is documented with its own media type
# (given as a model, FastAPI would list it under the route's text/html). ErrorOut is in the document's
# components through the other API routes.
ERROR_JSON = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "one HTML file with the player, the styles and the trace inline; it loads nothing",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
    **{status: {"description": error["description"], "content": ERROR_JSON} for status, error in ERRORS.items()},
}


@router.post(
    "/export.html",
    response_class=HTMLResponse,
    responses=RESPONSES,
    dependencies=[Depends(quota("trace"))],
)
async def create_export(body: TraceIn, request: Request) -> Response:
    """Run a program as POST /api/trace does and answer a page that plays its animation with no server."""
    try:
        player_module()  # before any work: an unbuilt bundle is the server's fault, said plainly
    except BundleMissing as error:
        return error_response(503, "not-built", str(error))
    preset = BY_ID.get(body.preset or "")
    named = preset if preset is not None and preset.source == body.source else None
    page = await request.app.state.compute.run(
        build_export_html,
        body.source,
        body.values,
        body.folded,
        body.preset,
        f"Backprop Lab: {named.title}" if named else "Backprop Lab: a program",
        request=request,
        heavy=is_heavy_trace(body.source),
    )
    filename = f"backprop-{named.id if named else 'program'}.html"
    return HTMLResponse(page, headers={"content-disposition": f'attachment; filename="{filename}"'})
