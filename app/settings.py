"""Server settings, each from an environment variable with a sensible default."""

from __future__ import annotations

import os
from dataclasses import dataclass


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    return int(raw) if raw.isdigit() else default


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Settings:
    max_body_bytes: int = _int("BACKPROP_MAX_BODY_BYTES", 64 * 1024)
    layout_timeout: float = _float("BACKPROP_LAYOUT_TIMEOUT", 5.0)
    layout_memory_bytes: int = _int("BACKPROP_LAYOUT_MEMORY_BYTES", 1024 * 1024 * 1024)
    layout_cache_size: int = _int("BACKPROP_LAYOUT_CACHE_SIZE", 512)
    fold_threshold: int = _int("BACKPROP_FOLD_THRESHOLD", 120)


SETTINGS = Settings()
