"""A least-recently-used cache of byte strings, capped by their total size."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable


class ByteCache:
    """Holds at most `capacity` bytes of values; an entry larger than `capacity / 4` is not kept."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.size = 0
        self._entries: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
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
