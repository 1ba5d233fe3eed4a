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
    # what one trace may cost to send: numbers in its document, and bytes of its JSON
    max_trace_numbers: int = _int("BACKPROP_MAX_TRACE_NUMBERS", 300_000)
    max_trace_bytes: int = _int("BACKPROP_MAX_TRACE_BYTES", 8 * 1024 * 1024)
    # the compute pool of each app process: workers, queue, deadlines and memory per task
    compute_workers: int = _int("BACKPROP_COMPUTE_WORKERS", 2)
    compute_queue: int = _int("BACKPROP_COMPUTE_QUEUE", 32)
    compute_per_client: int = _int("BACKPROP_COMPUTE_PER_CLIENT", 2)
    compute_queue_wait: float = _float("BACKPROP_COMPUTE_QUEUE_WAIT", 10.0)  # seconds a task may wait for a worker
    trace_deadline: float = _float("BACKPROP_TRACE_DEADLINE", 10.0)
    train_deadline: float = _float("BACKPROP_TRAIN_DEADLINE", 15.0)
    compute_memory_bytes: int = _int("BACKPROP_COMPUTE_MEMORY_BYTES", 2 * 1024 * 1024 * 1024)
    # the work one training run, network or gradient check may ask for, in estimated nanoseconds
    max_train_work: int = _int("BACKPROP_MAX_TRAIN_WORK", 5_000_000_000)
    # rendered pages of short links kept in memory, in bytes
    page_cache_bytes: int = _int("BACKPROP_PAGE_CACHE_BYTES", 32 * 1024 * 1024)
    # the address the public reaches the lab at (e.g. https://lab.example.org), for links in pages
    public_url: str = os.environ.get("BACKPROP_PUBLIC_URL", "").rstrip("/")


SETTINGS = Settings()
