"""Keep-alive latency with and without TCP_NODELAY: many requests over one connection, on loopback.

`python -m bench.keepalive` runs it alone; `make bench` runs it with the others. The server is the
app as `make run` starts it (one worker per core), once as it ships and once with
BACKPROP_TCP_NODELAY=0, which leaves Nagle's algorithm on as plain `uvicorn.run(..., workers=2)` does.
"""

from __future__ import annotations

import http.client
import json
import statistics
import tempfile
import time
from pathlib import Path

from bench.report import Table, duration, ratio
from tests.servers import running

REQUESTS = 200  # per request kind and server
WARM_UP = 10
TRACE_BODY = json.dumps({"source": "x = 2\ny = 3\nf = x * y"})
KINDS = {"GET /api/presets": ("GET", "/api/presets", None), "POST /api/trace": ("POST", "/api/trace", TRACE_BODY)}
# the benchmark asks far faster than one client may in production
UNLIMITED = {"BACKPROP_RATE_TRACE": "1000000/second"}


def timings(port: int, kind: str) -> list[float]:
    """Seconds per request for REQUESTS requests of one kind, one after another on one connection."""
    method, path, body = KINDS[kind]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"content-type": "application/json"} if body else {}
    seconds = []
    try:
        for k in range(WARM_UP + REQUESTS):
            start_time = time.perf_counter()
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{kind} answered {response.status}")
            if k >= WARM_UP:
                seconds.append(time.perf_counter() - start_time)
    finally:
        connection.close()
    return seconds


def measure(nodelay: bool) -> dict[str, list[float]]:
    environment = {**UNLIMITED, "BACKPROP_TCP_NODELAY": "1" if nodelay else "0"}
    with (
        tempfile.TemporaryDirectory() as folder,
        running(Path(folder) / "links.sqlite3", like_make_run=True, environment=environment) as server,
    ):
        return {kind: timings(server.port, kind) for kind in KINDS}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def run() -> list[Table]:
    table = Table(
        f"Keep-alive: {REQUESTS} requests one after another on one connection (python -m app, loopback)",
        ["request", "p50 with TCP_NODELAY", "p95 with", "p50 without", "p95 without", "p50 without / with"],
    )
    with_fix, without = measure(nodelay=True), measure(nodelay=False)
    for kind in KINDS:
        fast, slow = with_fix[kind], without[kind]
        table.rows.append(
            [
                kind,
                duration(statistics.median(fast)),
                duration(p95(fast)),
                duration(statistics.median(slow)),
                duration(p95(slow)),
                ratio(statistics.median(slow), statistics.median(fast)),
            ]
        )
    table.notes.append(
        "without: BACKPROP_TCP_NODELAY=0, Nagle's algorithm on, as uvicorn leaves it for its workers' "
        "socket; a response's second write then waits for the client's delayed ACK"
    )
    return [table]


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
