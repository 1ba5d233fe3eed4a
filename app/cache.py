"""A least-recently-used cache of byte strings, capped by their total size, and shared work in front of one."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from functools import partial

from . import metrics


class ByteCache:
    """Holds at most `capacity` bytes of values; an entry larger than `capacity / 4` is not kept."""

    def __init__(self, capacity: int, name: str = "unnamed") -> None:
        self.capacity = capacity
        self.name = name  # its label in the metrics
        self.size = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
        metrics.cache_lookup(self.name, value is not None)
        return value

    def put(self, key: Hashable, value: bytes) -> None:
        if len(value) > self.capacity // 4:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            self.size += len(value) - (len(old) if old is not None else 0)
            self._entries[key] = value
            while self.size > self.capacity:
                _, evicted = self._entries.popitem(last=False)
                self.size -= len(evicted)

    def __len__(self) -> int:
        return len(self._entries)


class SharedWork:
    """Values kept in a ByteCache, each computed once however many ask for it at the same time: who
    asks while it is being computed waits for the same computation (a single flight)."""

    def __init__(self, capacity: int, name: str = "unnamed") -> None:
        self.cache = ByteCache(capacity, name)
        self.running: dict[Hashable, asyncio.Task[bytes]] = {}
        self.computed = 0  # computations started: asks that found the value neither kept nor under way

    async def get(self, key: Hashable, start: Callable[[], Awaitable[bytes]]) -> bytes:
        """The value for `key`. Only on a miss is `start()` called, so what it counts (a quota) counts
        misses alone. Its errors reach everyone waiting and are not kept; one who stops waiting does
        not stop the computation for the others."""
        value = self.cache.get(key)
        if value is not None:
            return value
        task = self.running.get(key)
        if task is None:
            task = asyncio.ensure_future(self._keep(key, start()))
            self.running[key] = task
            task.add_done_callback(partial(self._finished, key))
            self.computed += 1
        return await asyncio.shield(task)

    async def _keep(self, key: Hashable, work: Awaitable[bytes]) -> bytes:
        value = await work
        self.cache.put(key, value)
        return value

    def _finished(self, key: Hashable, task: asyncio.Task[bytes]) -> None:
        del self.running[key]
        if not task.cancelled():
            task.exception()  # retrieved here, so an error nobody waited for is not logged as lost
