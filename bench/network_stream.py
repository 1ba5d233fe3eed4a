"""Live training's stream: a real server, a real WebSocket, 2-[8,8]-1 on 200 points played for ~5 s."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil
import websockets

from bench.report import Table, duration, ratio, verdict
from tests.servers import running

GOAL_FPS = 20.0  # frames a second the page must get to look alive
MOST_FPS = 30.0  # and no more: a browser draws no faster, and the server would spend CPU for nothing
SECONDS = 5.0
SETTINGS = {"dataset": "spiral", "points": 200, "hidden": [8, 8], "features": ["x1", "x2"], "lr": 0.03, "batch": 10}


async def play(url: str, server: psutil.Process) -> dict[str, Any]:
    """Configure, play for SECONDS, pause: frames and bytes received, the server's CPU, epochs done."""
    async with websockets.connect(url, max_size=2**20) as socket:
        await socket.send(json.dumps({"type": "configure", "settings": SETTINGS}))
        await socket.recv()
        first = json.loads(await socket.recv())
        cpu_before = sum(server.cpu_times()[:2])
        await socket.send(json.dumps({"type": "play"}))
        frames, sizes, started, last = 0, 0, time.monotonic(), first
        while time.monotonic() - started < SECONDS:
            text = await socket.recv()
            frames, sizes, last = frames + 1, sizes + len(text), json.loads(text)
        elapsed = time.monotonic() - started
        cpu = sum(server.cpu_times()[:2]) - cpu_before
        await socket.send(json.dumps({"type": "pause"}))
    return {
        "fps": frames / elapsed,
        "bytes": sizes / max(1, frames),
        "cpu": cpu / max(1, frames),
        "epochs": (last["epoch"] - first["epoch"]) / elapsed,
        "loss": (first["train_loss"], last["train_loss"]),
    }


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder, running(Path(folder) / "links.sqlite3") as server:
        process = psutil.Process(server.process.pid)
        url = server.url.replace("http://", "ws://") + "/api/network/live"
        return asyncio.run(asyncio.wait_for(play(url, process), timeout=60))


def run() -> list[Table]:
    found = measure()
    table = Table(
        f"Live training stream: 2-[8,8]-1 on {SETTINGS['points']} spiral points (batch 10), played {SECONDS:g} s",
        ["figure", "measured", "goal", "ratio", "verdict"],
    )
    fps = found["fps"]
    table.rows += [
        ["frames a second received", f"{fps:.1f}", f"≥ {GOAL_FPS:g}, ≤ {MOST_FPS:g}", ratio(fps, GOAL_FPS)],
        ["bytes a frame", f"{found['bytes']:,.0f}", "—", "—"],
        [
            "server CPU a frame",
            duration(found["cpu"]),
            f"< {duration(1 / MOST_FPS)}",
            ratio(found["cpu"], 1 / MOST_FPS),
        ],
        ["epochs a second", f"{found['epochs']:.1f}", "—", "—"],
    ]
    table.rows[0].append(verdict(GOAL_FPS <= fps <= MOST_FPS * 1.05))
    table.rows[1].append("")
    table.rows[2].append(verdict(found["cpu"] < 1 / MOST_FPS))
    table.rows[3].append("")
    table.notes.append(
        f"train loss {found['loss'][0]:.3f} → {found['loss'][1]:.3f}; one uvicorn process on loopback, its CPU "
        "(user + system, psutil) over the frames sent; the client is websockets in this process"
    )
    return [table]


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
