"""CPU-bound work (traces, layouts, training) runs off the event loop: on a thread by default, or in a
pool of BACKPROP_COMPUTE_WORKERS processes.

`make run` serves with one app process per core, which already spreads the work over the cores (and
measured faster under load than adding a pool beside them); a pool suits a single-process deployment.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from fastapi.concurrency import run_in_threadpool

Result = TypeVar("Result")
_pool: ProcessPoolExecutor | None = None


def _workers() -> int:
    """BACKPROP_COMPUTE_WORKERS processes (0, the default: work runs on a thread of the app's process)."""
    raw = os.environ.get("BACKPROP_COMPUTE_WORKERS", "")
    return int(raw) if raw.isdigit() else 0


def pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        # a fresh interpreter per worker ("spawn"): forking a threaded server is unsafe
        _pool = ProcessPoolExecutor(max_workers=_workers(), mp_context=multiprocessing.get_context("spawn"))
    return _pool


async def compute(function: Callable[..., Result], *args: Any) -> Result:
    """Run `function(*args)` in a worker process; its exceptions (SourceError…) come back as they were."""
    if _workers() == 0:
        return await run_in_threadpool(function, *args)
    return await asyncio.get_running_loop().run_in_executor(pool(), function, *args)


def shutdown() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None
