"""Fair shares between clients: how often one client may create rooms and links or ask for heavy work.

Counted per client address in each app process with the `limits` library's moving windows; one
client that uses up its share is refused (429 with Retry-After) while every other client goes on.
"""

from __future__ import annotations

import math
import time

from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from .compute import client_of
from .settings import SETTINGS

WHAT = {"rooms": "live rooms", "links": "short links", "train": "training runs and checks", "trace": "traces"}


class RateLimited(Exception):
    """One client asked too often: 429, with the seconds until it may ask again."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


# action -> its limits, from BACKPROP_RATE_<ACTION> (validated with the settings)
LIMITS: dict[str, list[RateLimitItem]] = {
    "rooms": parse_many(SETTINGS.rate_rooms),
    "links": parse_many(SETTINGS.rate_links),
    "train": parse_many(SETTINGS.rate_train),
    "trace": parse_many(SETTINGS.rate_trace),
}
_storage = MemoryStorage()
_limiter = MovingWindowRateLimiter(_storage)


def take(action: str, client: str) -> None:
    """Count one `action` by `client`; RateLimited if that passes any of its limits."""
    for item in LIMITS[action]:
        if not _limiter.hit(item, action, client):
            reset = _limiter.get_window_stats(item, action, client).reset_time
            wait = max(1, math.ceil(reset - time.time()))
            raise RateLimited(
                f"too many {WHAT[action]} from one address: at most {item.amount} per "
                f"{_per(item)}; try again in {wait} s",
                wait,
            )


def _per(item: RateLimitItem) -> str:
    unit = item.GRANULARITY.name
    return unit if item.multiples == 1 else f"{item.multiples} {unit}s"


def quota(action: str):  # noqa: ANN201 - a FastAPI dependency
    """A route dependency that counts one `action` against the calling client's share."""

    async def dependency(request: Request) -> None:
        take(action, client_of(request))

    return dependency


def reset() -> None:
    """Forget every count (for tests that need a fresh start)."""
    _storage.reset()
