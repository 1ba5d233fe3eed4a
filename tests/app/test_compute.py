"""The worker-process pool: results and the language's errors come back intact; deadlines hold."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from app.compute import Compute, OverBudget
from app.service import build_trace_json
from engine.lang import SourceError


def spin(seconds: float) -> float:
    """Busy for `seconds` (a stand-in for a runaway computation)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return seconds


def test_traces_and_source_errors_cross_the_process_boundary() -> None:
    async def scenario() -> None:
        pool = Compute()
        try:
            result = json.loads(await pool.run(build_trace_json, "x = 3\nf = x * x", {}, None, None))
            assert result["trace"]["nodes"][-1]["value"] == 9
            with pytest.raises(SourceError) as caught:
                await pool.run(build_trace_json, "x = 3\nf = x *", {}, None, None)
            assert (caught.value.kind, caught.value.line, caught.value.column) == ("syntax", 2, 8)
        finally:
            pool.close()

    asyncio.run(scenario())


def test_a_task_past_its_deadline_is_stopped_and_the_pool_goes_on() -> None:
    async def scenario() -> None:
        pool = Compute()
        try:
            started = time.monotonic()
            with pytest.raises(OverBudget):
                await pool.run(spin, 30.0, deadline=0.5)
            assert time.monotonic() - started < 10  # killed, not waited for
            assert await pool.run(spin, 0.01) == 0.01  # a fresh worker took its place
        finally:
            pool.close()

    asyncio.run(scenario())
