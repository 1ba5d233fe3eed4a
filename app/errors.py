"""Every error answers as JSON {"error": {"kind", "message", "line", "column"}}; none as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from engine.lang import SourceError

from .layout import LayoutError
from .security import HEADERS

log = logging.getLogger("backprop_lab")


def error_response(status: int, kind: str, message: str, line: int = 1, column: int = 1) -> JSONResponse:
    return JSONResponse({"error": {"kind": kind, "message": message, "line": line, "column": column}},
                        status_code=status)


def _describe_validation(errors: list[dict[str, Any]], body: bytes) -> tuple[str, int, int]:
    """A message, and for malformed JSON the line and column in the body where it broke."""
    first = errors[0] if errors else {}
    location = [part for part in first.get("loc", ()) if part != "body"]
    if first.get("type") == "json_invalid":
        offset = location[0] if location and isinstance(location[0], int) else 0
        before = body.decode("utf-8", errors="replace")[:offset]  # the offset counts characters
        line, column = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        reason = first.get("ctx", {}).get("error", "JSON decode error")
        return f"the request body is not valid JSON: {reason}", line, column
    where = ".".join(str(part) for part in location) or "the request"
    return f"{where}: {first.get('msg', 'invalid value')}", 1, 1


def install(app: FastAPI) -> None:
    @app.exception_handler(SourceError)
    async def source_error(request: Request, error: SourceError) -> JSONResponse:
        return error_response(400, error.kind, error.message, error.line, error.column)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        message, line, column = _describe_validation(list(error.errors()), await request.body())
        return error_response(422, "bad-request", message, line, column)

    @app.exception_handler(LayoutError)
    async def layout_error(request: Request, error: LayoutError) -> JSONResponse:
        return error_response(503, "layout-failed", str(error))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:  # the framework could not read the body (e.g. JSON nested too deep)
            return error_response(422, "bad-request", "the request body could not be read as JSON")
        kind = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(error.status_code, "http-error")
        return error_response(error.status_code, kind, str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        response = error_response(500, "internal", "something went wrong on the server; the problem has been logged")
        # this handler runs outside the middleware stack, so it adds the security headers itself
        response.headers.update({name.decode(): value.decode() for name, value in HEADERS})
        return response
