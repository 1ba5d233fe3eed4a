"""The API's speed over real HTTP on loopback: a warm trace, a cold layout, and a slider round trip."""

from __future__ import annotations

import math
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from app.layout import cache_clear
from app.main import app
from app.presets import BY_ID
from bench.report import Table, duration, verdict
from engine.lang import run as run_program

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


@contextmanager
def serving() -> Iterator[str]:
    """The app under uvicorn in a background thread, on a free loopback port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.perf_counter() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.perf_counter() > deadline:
            sock.close()
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://{HOST}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(STARTUP_SECONDS)
        sock.close()


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
    with serving() as url, httpx.Client(base_url=url, timeout=10.0, trust_env=False) as client:
        for case, body, before in zip(cases, bodies, (None, cache_clear, None), strict=True):
            warm(client, body, before)
            samples, layouts = timed_posts(client, case.requests, body, before)
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
