"""Every error answers as JSON {"error": {"kind", "message", "line", "column"}}; none as a bare 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from engine.lang import SourceError

from .compute import Busy, ClientGone, OverBudget, TooManyTasks
from .layout import LayoutError
from .quotas import RateLimited
from .security import HEADERS
from .store import StoreUnavailable

log = logging.getLogger("backprop_lab")


def error_response(
    status: int, kind: str, message: str, line: int = 1, column: int = 1, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"kind": kind, "message": message, "line": line, "column": column}},
        status_code=status,
        headers=headers,
    )


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


def allowed_methods(request: Request) -> list[str]:
    """The methods the routes matching this request's path accept."""
    methods: set[str] = set()
    pending = list(request.app.router.routes)
    while pending:
        route = pending.pop()
        nested = getattr(route, "original_router", None)  # a router included in the app
        if nested is not None:
            pending.extend(nested.routes)
        elif getattr(route, "methods", None) and route.path_regex.match(request.url.path):
            methods |= set(route.methods)
    return sorted(methods)


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

    @app.exception_handler(StoreUnavailable)
    async def store_unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
        return error_response(503, "unavailable", str(error), headers={"Retry-After": "30"})

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:  # the framework could not read the body (e.g. JSON nested too deep)
            return error_response(422, "bad-request", "the request body could not be read as JSON")
        kind = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}.get(error.status_code, "http-error")
        headers = dict(error.headers or {})
        if error.status_code == 405:  # every method any route of this path answers, not only the first's
            headers["Allow"] = ", ".join(allowed_methods(request))
        return error_response(error.status_code, kind, str(error.detail), headers=headers)

    @app.exception_handler(Busy)
    async def busy(request: Request, error: Busy) -> JSONResponse:
        return error_response(503, "busy", str(error), headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(TooManyTasks)
    async def too_many_tasks(request: Request, error: TooManyTasks) -> JSONResponse:
        return error_response(429, "too-many-requests", str(error), headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, error: RateLimited) -> JSONResponse:
        return error_response(429, "too-many-requests", str(error), headers={"Retry-After": str(error.retry_after)})

    @app.exception_handler(OverBudget)
    async def over_budget(request: Request, error: OverBudget) -> JSONResponse:
        return error_response(422, "over-budget", str(error))

    @app.exception_handler(ClientGone)
    async def client_gone(request: Request, error: ClientGone) -> Response:
        return Response(status_code=499)  # nobody reads it: the work was stopped when the client left

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s", request.url.path)
        response = error_response(500, "internal", "something went wrong on the server; the problem has been logged")
        # this handler runs outside the middleware stack, so it adds the security headers itself
        response.headers.update({name.decode(): value.decode() for name, value in HEADERS})
        return response
