"""Prometheus metrics: requests per route, open WebSockets and taught rooms, compute time, cache lookups.

A server with several worker processes (BACKPROP_WORKERS > 1) keeps them in prometheus_client's
multiprocess mode: each worker writes its values to files in one directory made when the server
starts, and GET /metrics, whichever worker answers it, sums them over every worker.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections import Counter as Tally
from collections.abc import Iterator
from pathlib import Path

import psutil
from fastapi import FastAPI
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from prometheus_fastapi_instrumentator import Instrumentator
from prometheus_fastapi_instrumentator import metrics as http_metrics

SHARED_DIRECTORY = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it when it is first imported
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
COMPUTE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30)  # deadlines go up to 15 s

# Created once per process, so that an app created again (as some tests do) counts in the same series.
HTTP = http_metrics.default(latency_lowr_buckets=LATENCY_BUCKETS)
WEBSOCKETS = Gauge("backprop_websockets_open", "Room WebSockets open, by role.", ["role"], multiprocess_mode="livesum")
ROOMS = Gauge(
    "backprop_rooms_taught",
    "Live rooms whose teacher is connected (a teacher with tabs on two processes counts twice).",
    multiprocess_mode="livesum",
)
COMPUTE = Histogram(
    "backprop_compute_seconds",
    "Seconds a task ran in the compute pool, queue wait excluded: build_trace_json and build_page_trace "
    "include the graph's layout.",
    ["task", "outcome"],
    buckets=COMPUTE_BUCKETS,
)
CACHE = Counter("backprop_cache_lookups", "Lookups in the in-memory caches, by cache and result.", ["cache", "result"])

_teachers: Tally[str] = Tally()  # teachers' sockets here, per room code


def instrument(app: FastAPI) -> None:
    """Count and time every HTTP request by its route's template (unmatched paths as `none`)."""
    Instrumentator(should_group_status_codes=False, excluded_handlers=["^/metrics$"]).add(HTTP).instrument(app)


def socket_opened(code: str, teacher: bool) -> None:
    """A WebSocket has joined room `code` in this process."""
    WEBSOCKETS.labels("teacher" if teacher else "student").inc()
    if teacher:
        _teachers[code] += 1
        ROOMS.set(len(_teachers))


def socket_closed(code: str, teacher: bool) -> None:
    """A WebSocket that joined room `code` has gone; counted by socket, so a room ended under it counts once."""
    WEBSOCKETS.labels("teacher" if teacher else "student").dec()
    if teacher:
        _teachers[code] -= 1
        if _teachers[code] <= 0:
            del _teachers[code]
        ROOMS.set(len(_teachers))


@contextlib.contextmanager
def computing(task: str) -> Iterator[None]:
    """Time one task in the compute pool; an error (a bad program, a deadline passed) is timed apart."""
    start, outcome = time.perf_counter(), "error"
    try:
        yield
        outcome = "ok"
    finally:
        COMPUTE.labels(task, outcome).observe(time.perf_counter() - start)


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE.labels(cache, "hit" if hit else "miss").inc()


def exposition(accept: str) -> tuple[bytes, str]:
    """Every metric, in the format a scraper's Accept header asks for (Prometheus' text by default), and its
    content type: this process's metrics, or with several workers the sum over them."""
    encoder, content_type = choose_encoder(accept)
    directory = os.environ.get(SHARED_DIRECTORY)
    if directory is None:
        return encoder(REGISTRY), content_type
    _forget_dead_workers(Path(directory))
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=directory)
    return encoder(registry), content_type


def _forget_dead_workers(directory: Path) -> None:
    """Drop the gauges of workers that are gone (uvicorn replaces a worker that died): their sockets are
    closed. Their counters stay, as counts of what they served."""
    for path in directory.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        if not psutil.pid_exists(pid):
            with contextlib.suppress(FileNotFoundError):  # another worker's scrape may be dropping it too
                mark_process_dead(pid, str(directory))


@contextlib.contextmanager
def shared_by_workers(workers: int) -> Iterator[None]:
    """Around serving with `workers` processes: more than one share a fresh directory for their metrics
    (named in the environment the workers start with), removed when the server stops."""
    if workers == 1:
        yield
        return
    directory = tempfile.mkdtemp(prefix="backprop-metrics-")
    os.environ[SHARED_DIRECTORY] = directory
    try:
        yield
    finally:
        del os.environ[SHARED_DIRECTORY]
        shutil.rmtree(directory, ignore_errors=True)
