"""Real app servers for tests and benchmarks: a free loopback port, and the app started as a process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(
    db: Path,
    port: int,
    like_make_run: bool = False,
    environment: Mapping[str, str] | None = None,
    log: Path | None = None,
) -> subprocess.Popen[bytes]:
    """The app on 127.0.0.1:port with its own database: one uvicorn process, or `python -m app`
    (one worker per core) as `make run` starts it, with `environment` added to ours and its stderr
    appended to `log` if given. Returns once it answers and (like `make run`) every worker has opened
    the database."""
    environment = {**os.environ, "BACKPROP_DB": str(db), "BACKPROP_PORT": str(port), **(environment or {})}
    command = (
        [sys.executable, "-m", "app"]
        if like_make_run
        else [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ]
    )
    with open(log or os.devnull, "ab") as errors:  # the child keeps its own copy of the descriptor
        server = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/presets", timeout=1)  # noqa: S310 - loopback
        except OSError:
            time.sleep(0.1)
            continue
        # One worker answers; the others may still be starting. Each has started once it holds the
        # database open: after that none of them touches the database's folder on its own.
        while like_make_run and time.monotonic() < deadline and not _all_opened(server, db):
            time.sleep(0.1)
        return server
    server.kill()
    raise RuntimeError(f"the server did not start (exit status {server.wait()})")


@contextmanager
def running(
    db: Path, like_make_run: bool = False, environment: Mapping[str, str] | None = None, log: Path | None = None
) -> Iterator[Server]:
    """The one way tests and benchmarks run the app: started as `start` does on a free port, and
    stopped at the end (the supervisor takes its workers down with it), whatever happened."""
    port = free_port()
    process = start(db, port, like_make_run=like_make_run, environment=environment, log=log)
    try:
        yield Server(process, f"http://127.0.0.1:{port}", port)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    port: int


def workers(server: subprocess.Popen[bytes]) -> set[int]:
    """The process ids of a server's workers (started like `make run`): its children, less the
    resource tracker that multiprocessing starts beside them."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return {int(pid) for pid in children if b"resource_tracker" not in _command_line(int(pid))}


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""  # it has just exited


def _all_opened(server: subprocess.Popen[bytes], db: Path) -> bool:
    return all(_has_open(pid, db.resolve()) for pid in workers(server))


def _has_open(pid: int, path: Path) -> bool:
    try:
        return any(Path(os.readlink(fd)) == path for fd in Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return False  # an fd closed while we looked: look again
