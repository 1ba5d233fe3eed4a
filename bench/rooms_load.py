"""A live class on loopback: 300 followers in one room, the teacher steps, every step reaches everyone.

`python -m bench.rooms_load` runs it alone. Two deployments side by side, the same class on each: one
server on the embedded hub (`python -m app` as `make run` starts it, one process per core, rooms shared
through its SQLite file), and two such servers sharing rooms through Redis (REDIS_URL; a Redis of the
bench's own), the teacher on the first and the followers (and reconnecting students) alternating
between them. Bounded: 30 teacher steps a fifth of a second apart, 50 followers reconnecting, a 60 s
ceiling for each class.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Any

import websockets

from bench.report import Table, ratio, verdict
from tests.servers import running
from tests.services import redis

FOLLOWERS, STEPS, RECONNECTING = 300, 30, 50
GOAL_MS = 100.0


async def follower(url: str, latencies: list[float], errors: list[str], stop: asyncio.Event) -> None:
    try:
        async with websockets.connect(url, max_queue=None) as socket:
            await socket.recv()  # the state on joining
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), timeout=0.5))
                except TimeoutError:
                    continue
                sent = float(message["state"].rsplit("t=", 1)[1])
                latencies.append((time.time() - sent) * 1000)
    except Exception as error:  # noqa: BLE001 - every failure is counted and reported
        errors.append(repr(error))


async def reconnect_catches_up(url: str, expected: str) -> bool:
    async with websockets.connect(url) as socket:
        return json.loads(await asyncio.wait_for(socket.recv(), timeout=5))["state"] == expected


async def run_class(bases: list[str]) -> dict[str, object]:
    """The class: the teacher on the first server, followers and reconnecting students taking turns."""
    request = urllib.request.Request(
        f"{bases[0]}/api/rooms",
        data=json.dumps({"state": "v=1&preset=cs231n"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        room = json.loads(response.read())
    sockets = [base.replace("http", "ws") + f"/ws/rooms/{room['code']}" for base in bases]
    latencies: list[float] = []
    errors: list[str] = []
    stop = asyncio.Event()
    turns = itertools.cycle(sockets)
    tasks = [asyncio.create_task(follower(next(turns), latencies, errors, stop)) for _ in range(FOLLOWERS)]
    await asyncio.sleep(3)  # everyone joins
    async with websockets.connect(f"{sockets[0]}?token={room['token']}") as teacher:
        await teacher.recv()
        for step in range(1, STEPS + 1):
            state = f"v=1&preset=cs231n&step={step % 11}&t={time.time():.6f}"
            await teacher.send(json.dumps({"type": "state", "state": state}))
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        caught_up = await asyncio.gather(*(reconnect_catches_up(next(turns), state) for _ in range(RECONNECTING)))
    stop.set()
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "caught_up": sum(caught_up)}


@contextmanager
def one_server(folder: Path) -> Iterator[list[str]]:
    with running(folder / "links.sqlite3", like_make_run=True) as server:
        yield [server.url]


@contextmanager
def two_servers_over_redis(folder: Path) -> Iterator[list[str]]:
    (folder / "redis").mkdir()
    with ExitStack() as stack:
        broker = stack.enter_context(redis(folder / "redis"))
        shared = {"REDIS_URL": broker.url}
        yield [
            stack.enter_context(running(folder / f"{name}.sqlite3", like_make_run=True, environment=shared)).url
            for name in ("a", "b")
        ]


DEPLOYMENTS: dict[str, Callable[[Path], AbstractContextManager[list[str]]]] = {
    "one server, embedded hub": one_server,
    "two servers, Redis hub": two_servers_over_redis,
}


def measure(deploy: Callable[[Path], AbstractContextManager[list[str]]]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, deploy(Path(folder)) as bases:
        result = asyncio.run(asyncio.wait_for(run_class(bases), timeout=60))
    latencies = sorted(result["latencies"])  # type: ignore[call-overload]
    return {
        "deliveries": len(latencies),
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "max": latencies[-1],
        "errors": len(result["errors"]),  # type: ignore[arg-type]
        "caught_up": result["caught_up"],  # type: ignore[dict-item]
        "kinds of error": sorted(set(result["errors"]))[:3],  # type: ignore[call-overload]
    }


def met(figures: dict[str, Any]) -> bool:
    complete = figures["deliveries"] == FOLLOWERS * STEPS and figures["caught_up"] == RECONNECTING
    return figures["p99"] < GOAL_MS and complete and figures["errors"] == 0


ROWS: list[tuple[str, str, Callable[[float], str]]] = [
    ("deliveries", "deliveries", lambda n: f"{n:,.0f} of {FOLLOWERS * STEPS:,}"),
    ("p50", "p50", lambda ms: f"{ms:.1f} ms"),
    ("p99", "p99", lambda ms: f"{ms:.1f} ms"),
    ("max", "max", lambda ms: f"{ms:.1f} ms"),
    ("errors", "errors", lambda n: f"{n:.0f}"),
    ("reconnected and caught up", "caught_up", lambda n: f"{n:.0f} of {RECONNECTING}"),
]


def run() -> list[Table]:
    names = list(DEPLOYMENTS)
    table = Table(
        f"Live class: {FOLLOWERS} followers, {STEPS} teacher steps, {RECONNECTING} reconnects (loopback)",
        ["", *names, "ratio (Redis / embedded)"],
    )
    figures = [measure(DEPLOYMENTS[name]) for name in names]
    for label, key, shown in ROWS:
        first, second = figures[0][key], figures[1][key]
        table.rows.append([label, shown(first), shown(second), ratio(second, first) if first else "—"])
    table.rows.append([f"p99 < {GOAL_MS:g} ms, all delivered, 0 errors", *(verdict(met(f)) for f in figures), ""])
    for name, found in zip(names, figures):
        table.notes.extend(f"{name}: {error}" for error in found["kinds of error"])
    table.notes.append(
        f"each server is `python -m app` with one worker per core ({os.cpu_count()} cores here); the two "
        "servers, their Redis and the class share this machine"
    )
    return [table]


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
