"""A live class on loopback: 300 followers in one room, the teacher steps, every step reaches everyone.

`python -m bench.rooms_load` runs it alone. The server is `python -m app` as `make run` starts it
(one process per core: followers land on both, and rooms are shared through the database).
Bounded: 30 teacher steps a fifth of a second apart, 50 followers reconnecting, a 60 s ceiling.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path

import websockets

from bench.report import Table, verdict
from tests.servers import running

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


async def run_class(base: str) -> dict[str, object]:
    request = urllib.request.Request(
        f"{base}/api/rooms",
        data=json.dumps({"state": "v=1&preset=cs231n"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:  # noqa: S310 - our own loopback server
        room = json.loads(response.read())
    ws = base.replace("http", "ws") + f"/ws/rooms/{room['code']}"
    latencies: list[float] = []
    errors: list[str] = []
    stop = asyncio.Event()
    tasks = [asyncio.create_task(follower(ws, latencies, errors, stop)) for _ in range(FOLLOWERS)]
    await asyncio.sleep(3)  # everyone joins
    async with websockets.connect(f"{ws}?token={room['token']}") as teacher:
        await teacher.recv()
        for step in range(1, STEPS + 1):
            state = f"v=1&preset=cs231n&step={step % 11}&t={time.time():.6f}"
            await teacher.send(json.dumps({"type": "state", "state": state}))
            await asyncio.sleep(0.2)
        await asyncio.sleep(1)
        caught_up = await asyncio.gather(*(reconnect_catches_up(ws, state) for _ in range(RECONNECTING)))
    stop.set()
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "errors": errors, "caught_up": sum(caught_up)}


def run() -> list[Table]:
    table = Table(
        f"Live class: {FOLLOWERS} followers, {STEPS} teacher steps (python -m app, loopback)",
        ["deliveries", "p50", "p99", "max", "errors", "reconnected and caught up", "goal", "result"],
    )
    with tempfile.TemporaryDirectory() as folder, running(Path(folder) / "links.sqlite3", like_make_run=True) as server:
        result = asyncio.run(asyncio.wait_for(run_class(server.url), timeout=60))
    latencies = sorted(result["latencies"])  # type: ignore[arg-type]
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    errors = len(result["errors"])  # type: ignore[arg-type]
    complete = len(latencies) == FOLLOWERS * STEPS
    table.rows.append(
        [
            f"{len(latencies):,} of {FOLLOWERS * STEPS:,}",
            f"{statistics.median(latencies):.1f} ms",
            f"{p99:.1f} ms",
            f"{latencies[-1]:.1f} ms",
            str(errors),
            f"{result['caught_up']} of {RECONNECTING}",
            f"p99 < {GOAL_MS:g} ms, all delivered, 0 errors",
            verdict(p99 < GOAL_MS and complete and errors == 0 and result["caught_up"] == RECONNECTING),
        ]
    )
    return [table]


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
