"""PostgreSQL and Redis for the tests: Debian's own servers, started on loopback on free ports in a
temporary directory, and stopped at the end. Never mocks: the tests talk to the real engines.

PostgreSQL refuses to run as root, so a root test run starts it as Debian's `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.servers import free_port

STARTUP = 30.0  # seconds a server may take to accept connections


def postgres_bin() -> Path:
    """Debian's newest PostgreSQL server binaries (`make test` installs the package when missing)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3]))
    if not versions:
        raise RuntimeError("PostgreSQL is missing: `make test` installs Debian's postgresql package")
    return versions[-1].parent


def _as_owner(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.getuid() == 0 else command


def _wait_for_port(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not accept connections within {STARTUP:.0f} s")


class Postgres:
    """One PostgreSQL cluster of its own; `url` is its DATABASE_URL. `durable` keeps fsync on, as a
    production server runs (the tests kill app servers, never this one, so they turn it off)."""

    def __init__(self, directory: Path, durable: bool = False) -> None:
        self.directory = directory
        self.durable = durable
        self.data = directory / "pgdata"
        self.port = free_port()
        self.url = f"postgresql://lab@127.0.0.1:{self.port}/lab"
        self.process: subprocess.Popen[bytes] | None = None
        self.data.mkdir(parents=True)
        if os.getuid() == 0:
            shutil.chown(directory, "postgres")
            shutil.chown(self.data, "postgres")
        bin_dir = postgres_bin()
        subprocess.run(
            _as_owner([str(bin_dir / "initdb"), "-D", str(self.data), "-U", "lab", "-A", "trust", "-E", "UTF8"])
            + ["--no-sync", "--no-instructions"],
            check=True,
            capture_output=True,
        )
        self.start()
        subprocess.run(
            [str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lab", "lab"],
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        command = [str(postgres_bin() / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        command += ["-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.directory}"]
        command += ["-c", "max_connections=200", "-c", f"fsync={'on' if self.durable else 'off'}"]
        log = open(self.directory / "postgres.log", "ab")  # noqa: SIM115 - the server writes it while it runs
        self.process = subprocess.Popen(_as_owner(command), stdout=log, stderr=subprocess.STDOUT)
        _wait_for_port(self.port, self.process, "PostgreSQL")
        deadline = time.monotonic() + STARTUP
        while subprocess.run(  # accepting TCP is not yet accepting queries
            [str(postgres_bin() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "lab"],
            capture_output=True,
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("PostgreSQL did not get ready")
            time.sleep(0.05)

    def stop(self) -> None:
        """Fast shutdown (SIGINT: end the sessions, stop), sent to the server itself, which `runuser`
        would not pass on."""
        if self.process is not None and self.process.poll() is None:
            postmaster = self.data / "postmaster.pid"
            if postmaster.exists():
                os.kill(int(postmaster.read_text().split()[0]), signal.SIGINT)
            else:
                self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        self.process = None


class Redis:
    """One Redis server of its own, nothing saved to disk; `url` is its REDIS_URL."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        server = shutil.which("redis-server") or "/usr/bin/redis-server"
        command = [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += ["--dir", str(self.directory), "--logfile", str(self.directory / "redis.log")]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, self.process, "Redis")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@contextmanager
def postgres(durable: bool = False) -> Iterator[Postgres]:
    """A cluster in a directory of its own under the system's temporary folder (which `postgres`, when
    it runs as that user, can reach: pytest's own temporary folders are private to root)."""
    directory = Path(tempfile.mkdtemp(prefix="backprop-postgres-"))
    server = Postgres(directory, durable)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@contextmanager
def redis(directory: Path) -> Iterator[Redis]:
    server = Redis(directory)
    try:
        yield server
    finally:
        server.stop()
