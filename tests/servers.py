"""Real app servers for tests and benchmarks: a free loopback port, and the app started as a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(db: Path, port: int, like_make_run: bool = False) -> subprocess.Popen[bytes]:
    """The app on 127.0.0.1:port with its own database: one uvicorn process, or `python -m app`
    (one worker per core) as `make run` starts it. Returns once it answers."""
    environment = {**os.environ, "BACKPROP_DB": str(db), "BACKPROP_PORT": str(port)}
    command = ([sys.executable, "-m", "app"] if like_make_run else
               [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning"])
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/presets", timeout=1)  # noqa: S310 - loopback
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not start")
