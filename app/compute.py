"""CPU-bound work (traces, layouts, training) runs in a pool of worker processes, never on the event loop.

Each task has a deadline: a worker that passes it, or whose client has gone, is killed and replaced,
so a runaway request cannot starve the server or its health check. In front of the pool, each app
process keeps a bounded queue (503 with Retry-After when full), a cap on tasks per client (429), and
a light lane: heavy tasks (training, gradient checks, networks) never take the last free worker, so
small traces and pages are answered while the heavy ones wait.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import resource
from collections import Counter
from collections.abc import Callable
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import nullcontext
from typing import Any, TypeVar

from pebble import ProcessExpired, ProcessPool
from starlette.requests import Request

from . import metrics
from .settings import SETTINGS, Settings

Result = TypeVar("Result")
PRELOAD = ["numpy", "app.service", "app.training"]  # imported once, in the process workers fork from
DISCONNECT_POLL = 0.1  # seconds between checks that the client is still there
LIGHT_SOURCE_CHARS = 1500  # a trace of a longer program goes on the heavy lane: its layout may take a while


def is_heavy_trace(source: str) -> bool:
    """Whether tracing `source` belongs on the heavy lane, judged before any work: by its length."""
    return len(source) > LIGHT_SOURCE_CHARS


class Busy(Exception):
    """The queue is full: try again after `retry_after` seconds (503)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TooManyTasks(Exception):
    """One client already has its share of the pool (429)."""

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OverBudget(Exception):
    """A task passed its deadline or its memory, and was stopped (422)."""


class ClientGone(Exception):
    """The client disconnected while its task ran; the task was stopped."""


def _limit_worker(memory_bytes: int) -> None:
    """Runs in each worker as it starts: a hard cap on its address space."""
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


class Compute:
    """The worker pool of one app process, with its lanes, queue bound and per-client caps."""

    def __init__(self, settings: Settings = SETTINGS) -> None:
        self.settings = settings
        self.workers = max(1, settings.compute_workers)
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        self.pool = ProcessPool(
            max_workers=self.workers,
            initializer=_limit_worker,
            initargs=(settings.compute_memory_bytes,),
            context=context,
        )
        self.slots = asyncio.Semaphore(self.workers)
        self.heavy = asyncio.Semaphore(max(1, self.workers - 1))
        self.waiting = 0
        self.per_client: Counter[str] = Counter()

    async def run(
        self,
        function: Callable[..., Result],
        *args: Any,
        request: Request | None = None,
        heavy: bool = False,
        deadline: float | None = None,
        shared: bool = False,
    ) -> Result:
        """`function(*args)` in a worker; its exceptions (SourceError…) come back as they were.
        Work that others wait on too (`shared`) goes on when the client that asked for it leaves."""
        client = client_of(request)
        if self.per_client[client] >= self.settings.compute_per_client:
            raise TooManyTasks(
                f"this client already has {self.per_client[client]} computations running; wait for one to finish"
            )
        if self.waiting >= self.settings.compute_queue:
            raise Busy("the server is busy computing; try again in a few seconds", retry_after=2)
        limit = deadline or (self.settings.train_deadline if heavy else self.settings.trace_deadline)
        self.per_client[client] += 1
        self.waiting += 1
        queued = True
        lane = self.heavy if heavy else nullcontext()
        try:
            try:
                async with asyncio.timeout(self.settings.compute_queue_wait):
                    await lane.__aenter__()
                    try:
                        await self.slots.acquire()
                    except BaseException:
                        await lane.__aexit__(None, None, None)
                        raise
            except TimeoutError:
                raise Busy("the server is busy computing; try again in a few seconds", retry_after=5) from None
            self.waiting, queued = self.waiting - 1, False
            try:
                with metrics.computing(function.__name__):
                    return await self._submit(function, args, limit, None if shared else request)
            finally:
                self.slots.release()
                await lane.__aexit__(None, None, None)
        finally:
            self.waiting -= queued
            self.per_client[client] -= 1
            if self.per_client[client] <= 0:
                del self.per_client[client]

    async def _submit(
        self, function: Callable[..., Result], args: tuple[Any, ...], limit: float, request: Request | None
    ) -> Result:
        future = self.pool.schedule(function, args, timeout=limit)
        waiter = asyncio.wrap_future(future)
        try:
            while True:
                done, _ = await asyncio.wait({waiter}, timeout=DISCONNECT_POLL)
                if done:
                    return waiter.result()
                if request is not None and await request.is_disconnected():
                    future.cancel()  # kills the worker that runs it; the pool starts another
                    raise ClientGone()
        except FutureTimeout:
            raise OverBudget(
                f"this needed more than {limit:g} s of computing, the limit for one request; "
                "ask for less work (fewer steps, a smaller program)"
            ) from None
        except ProcessExpired:
            raise OverBudget("this needed more memory than one request may use; ask for less work") from None
        except (asyncio.CancelledError, CancelledError):
            future.cancel()
            raise

    def close(self) -> None:
        self.pool.stop()
        self.pool.join(timeout=5)


def client_of(request: Request | None) -> str:
    """Who is asking, for fair shares: the peer address."""
    if request is None or request.client is None:
        return "unknown"
    return request.client.host
