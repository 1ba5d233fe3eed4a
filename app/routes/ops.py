"""Operations: liveness (/healthz), readiness (/readyz) and Prometheus metrics (/metrics), for the proxy
and the monitoring in front of one or several servers."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from functools import partial
from typing import Any, Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from .. import metrics
from ..settings import SETTINGS

router = APIRouter(tags=["ops"])
PROBE_TIMEOUT = 1.0  # seconds each dependency has to answer
NO_LINK = "0" * 22  # a well-formed link id that no link has: reading it is the store's trivial read
OK = "ok"


class HealthOut(BaseModel):
    status: Literal["ok"]


class ReadyOut(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str] = Field(description='dependency → "ok", or why it is not (e.g. "no answer within 1 s")')


@router.get("/healthz", response_model=HealthOut)
async def read_health() -> dict[str, str]:
    """The process serves requests; no dependency is asked (that is /readyz)."""
    return {"status": "ok"}


@router.get("/readyz", response_model=ReadyOut, responses={503: {"model": ReadyOut, "description": "not ready"}})
async def read_readiness(request: Request) -> JSONResponse:
    """Whether this server can serve: the link database answers a read and, with Redis, Redis a PING,
    each within a second. 503 names the dependency that failed and why."""
    checks = await ready(request.app)
    is_ready = all(outcome == OK for outcome in checks.values())
    body = {"status": "ready" if is_ready else "unavailable", "checks": checks}
    return JSONResponse(body, status_code=200 if is_ready else 503)


@router.get("/metrics", include_in_schema=False)
def read_metrics(request: Request) -> Response:
    """Prometheus' text format (or OpenMetrics, if asked); with several worker processes, summed over all."""
    body, content_type = metrics.exposition(request.headers.get("accept", ""))
    return Response(body, headers={"content-type": content_type})


async def ready(app: FastAPI) -> dict[str, str]:
    """Each dependency of the app → "ok" or why not, asked at the same time and each within PROBE_TIMEOUT."""
    probes = dependencies(app)
    outcomes = await asyncio.gather(*(_outcome(name, target, call) for name, (target, call) in probes.items()))
    return dict(zip(probes, outcomes))


def dependencies(app: FastAPI) -> dict[str, tuple[object, Callable[[], Any]]]:
    """What /readyz asks, by name: the link store's check() (or a read of a link that does not exist),
    and the room hub's ping() where the hub has one: "redis" when rooms live in Redis, else "rooms"."""
    store = app.state.links
    probes = {"database": (store, getattr(store, "check", None) or partial(store.get, NO_LINK))}
    ping = getattr(app.state.rooms, "ping", None)
    if ping is not None:
        probes["redis" if SETTINGS.redis_url else "rooms"] = (app.state.rooms, ping)
    return probes


# One probe under way per dependency: while a hung dependency keeps a thread, later probes wait on
# that same call instead of each taking another thread.
_under_way: dict[str, tuple[object, asyncio.Future[Any]]] = {}


async def _outcome(name: str, target: object, call: Callable[[], Any]) -> str:
    """`ok`, or why not: the answer of the probe of `target` under way, or of a new one."""
    running = _under_way.get(name)
    if running is None or running[0] is not target or running[1].done():
        running = target, asyncio.ensure_future(_call(call))
        running[1].add_done_callback(_retrieve)
        _under_way[name] = running
    try:
        answer = await asyncio.wait_for(asyncio.shield(running[1]), PROBE_TIMEOUT)
    except TimeoutError:
        return f"no answer within {PROBE_TIMEOUT:g} s"
    except Exception as error:  # noqa: BLE001 - whatever failed is the answer
        return f"{type(error).__name__}: {error}"[:300]
    return OK if answer is not False else "answered no"


async def _call(call: Callable[[], Any]) -> Any:
    """`call()` off the event loop (or awaited, if it is a coroutine function)."""
    if inspect.iscoroutinefunction(call):
        return await call()
    return await asyncio.to_thread(call)


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()  # retrieved, so a probe that failed after its waiters left is not logged as lost
