"""The traces pages open on, and that a room's students are shown: computed in the worker pool once
for everyone who asks for the same, and kept by bytes. Thirty students opening one link, or fetching
their room's trace after each of the teacher's steps, cost one computation each time (and one unit of
the trace quota, of the client whose ask found nothing), never one each. Nothing from the request but
the state goes in."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from fastapi import Request

from .cache import SharedWork
from .compute import client_of, is_heavy_trace
from .quotas import take
from .service import build_page_trace
from .settings import SETTINGS
from .urlstate import UrlState

SHARED = SharedWork(SETTINGS.page_cache_bytes, "traces")


def cut_of(state: UrlState) -> tuple[int, list[int], bool]:
    """What a room's cut depends on: its position, whether a quiz is on, and which steps up to the
    position it has revealed."""
    revealed = sorted({step for step in state.revealed if step <= state.position}) if state.quiz else []
    return state.position, revealed, state.quiz


async def first_trace(request: Request, state: UrlState, in_room: bool = False) -> tuple[bytes, int]:
    """The trace `state` opens on (in a room, as its students may see it now), encoded, and its node
    count. Raises what the computation raises: SourceError, LayoutError, Busy, OverBudget, RateLimited…"""
    cut = cut_of(state) if in_room else None
    folded = None if state.folded is None else tuple(state.folded)
    withheld = None if cut is None else (cut[0], tuple(cut[1]), cut[2])
    key = (state.source, tuple(sorted(state.values.items())), folded, state.preset, withheld)
    arguments = (state.source, dict(state.values), state.folded, state.preset, cut)

    def start() -> Awaitable[bytes]:
        take("trace", client_of(request))  # a computation counts as a trace against the client that asked
        return _compute(request, arguments)

    value = await SHARED.get(key, start)
    return value[4:], int.from_bytes(value[:4], "big")


async def _compute(request: Request, arguments: tuple[Any, ...]) -> bytes:
    encoded, nodes = await request.app.state.compute.run(
        build_page_trace, *arguments, request=request, heavy=is_heavy_trace(arguments[0]), shared=True
    )
    return bytes(nodes.to_bytes(4, "big") + encoded)
