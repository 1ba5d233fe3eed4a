"""The API's speed over real HTTP on loopback: a warm trace, a cold layout, and a slider round trip."""

from __future__ import annotations

import math
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.presets import BY_ID
from bench.report import Table, duration, verdict
from engine.lang import run as run_program
from tests.servers import running

HOST = "127.0.0.1"  # loopback only: the benchmark server is never reachable from outside
STARTUP_SECONDS = 10.0
CASE_SECONDS = 30.0  # each case stops early, with the samples it has, once it has run this long
WARM_UP = 20


@dataclass(frozen=True)
class Case:
    name: str
    nodes: int
    requests: int
    statistic: str  # "p95" or "max": the one the goal is on
    goal: float  # seconds


def run() -> Iterator[Table]:
    yield api_table()


# -- the programs -----------------------------------------------------------------------------------


def node_count(source: str) -> int:
    return len(run_program(source).trace().nodes)


def chain_program(target_nodes: int) -> tuple[str, int]:
    """x0 = 1, x1 = 0.5, then x{i} = tanh(x{i-1}) * 0.9 + x{i-2} until the graph has `target_nodes` nodes."""
    lines = ["x0 = 1", "x1 = 0.5"]
    while node_count("\n".join(lines)) < target_nodes and len(lines) < 200:
        i = len(lines)
        lines.append(f"x{i} = tanh(x{i - 1}) * 0.9 + x{i - 2}")
    source = "\n".join(lines)
    return source, node_count(source)


# -- the server -------------------------------------------------------------------------------------


# One client asks far more often than a person: the benchmark server lifts the per-client rates.
UNLIMITED = {
    "BACKPROP_RATE_TRACE": "1000000/second",
    "BACKPROP_RATE_TRAIN": "1000000/second",
    "BACKPROP_COMPUTE_PER_CLIENT": "64",
}


@contextmanager
def serving(environment: dict[str, str] | None = None) -> Iterator[str]:
    """The app as its own process (as the tests start it) on a free loopback port; yields its base URL."""
    with (
        tempfile.TemporaryDirectory() as folder,
        running(Path(folder) / "links.sqlite3", environment={**UNLIMITED, **(environment or {})}) as server,
    ):
        yield server.url


# -- timing -----------------------------------------------------------------------------------------


def percentile(samples: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1): a value that was actually measured."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def timed_posts(
    client: httpx.Client, count: int, body: Callable[[int], dict[str, Any]], before: Callable[[], None] | None = None
) -> tuple[list[float], set[tuple[str, int]]]:
    """Seconds per POST /api/trace round trip (the whole body read), and the layouts the answers had, each
    as (key, number of boxes)."""
    samples: list[float] = []
    layouts: set[tuple[str, int]] = set()
    deadline = time.perf_counter() + CASE_SECONDS
    for i in range(count):
        if time.perf_counter() > deadline:
            break
        if before is not None:
            before()
        payload = body(i)
        start = time.perf_counter()
        response = client.post("/api/trace", json=payload)
        samples.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"POST /api/trace answered {response.status_code}: {response.text[:200]}")
        placed = response.json()["layout"]
        layouts.add((placed["key"], len(placed["items"])))
    return samples, layouts


def warm(client: httpx.Client, body: Callable[[int], dict[str, Any]], before: Callable[[], None] | None) -> None:
    """Untimed requests first, so the first timed one pays for no imports or first-call paths of its own."""
    timed_posts(client, WARM_UP, body, before)


# -- the table --------------------------------------------------------------------------------------


def row(case: Case, samples: list[float], layouts: set[tuple[str, int]]) -> list[str]:
    measured = percentile(samples, 0.95) if case.statistic == "p95" else max(samples)
    met = measured < case.goal and len(layouts) == 1
    boxes = "/".join(str(count) for count in sorted({count for _, count in layouts}))
    return [
        case.name,
        str(case.nodes),
        boxes,
        f"{len(samples)}/{case.requests}",
        duration(percentile(samples, 0.5)),
        duration(percentile(samples, 0.95)),
        duration(max(samples)),
        f"{case.statistic} < {duration(case.goal)}",
        verdict(met),
    ]


def dot_version() -> str:
    try:
        done = subprocess.run(["dot", "-V"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "dot: not found"
    return done.stderr.strip() or done.stdout.strip()


def api_table() -> Table:
    table = Table(
        "POST /api/trace over HTTP (uvicorn on loopback, one keep-alive httpx client)",
        ["case", "nodes", "boxes", "requests", "p50", "p95", "max", "goal", "result"],
    )
    warm_source, warm_nodes = chain_program(50)
    cold_source, cold_nodes = chain_program(200)
    slider = BY_ID["cs231n"].source
    cases = [
        Case("a. trace, warm layout cache", warm_nodes, 300, "p95", 0.020),
        Case("b. trace, cold layout (cache cleared)", cold_nodes, 10, "max", 0.300),
        Case("c. slider: CS231n with a new x, warm", node_count(slider), 200, "p95", 0.050),
    ]
    bodies: list[Callable[[int], dict[str, Any]]] = [
        lambda i: {"source": warm_source},
        # folded=[]: every node gets its own box (by default a graph this big opens folded by statement)
        lambda i: {"source": cold_source, "values": {"x0": 1 + i / 100, "x1": 0.5 - i / 100}, "folded": []},
        lambda i: {"source": slider, "values": {"x": -2 + (i % 41) / 10}},
    ]
    # the layouts are made (and cached) in the server's worker processes: the cold case gets a server
    # that keeps no layout, so every request runs dot
    for case, body, environment in zip(cases, bodies, (None, {"BACKPROP_LAYOUT_CACHE_SIZE": "0"}, None), strict=True):
        with serving(environment) as url, httpx.Client(base_url=url, timeout=10.0, trust_env=False) as client:
            warm(client, body, None)
            samples, layouts = timed_posts(client, case.requests, body, None)
            table.rows.append(row(case, samples, layouts))
    table.notes.append(
        "timed: the request and reading the whole JSON answer, after "
        f"{WARM_UP} untimed ones; boxes: items laid out; requests: measured/planned, each case "
        f"stops after {CASE_SECONDS:g} s; a case also fails if its layout changed"
    )
    table.notes.append(f"programs: x{{i}} = tanh(x{{i-1}}) * 0.9 + x{{i-2}} chains; {dot_version()}")
    return table


if __name__ == "__main__":
    for table in run():
        print(table.render())
