"""Share load on loopback, PostgreSQL beside SQLite: links made, made again and read, 32 connections.

`python -m bench.share_load` runs it alone; `make bench` runs it with the others. Bounded: each case
runs 1 s unmeasured (pools fill, caches warm) then 8 s measured. The server is the app as `make run`
starts it (one worker per core), once with links in SQLite and once with DATABASE_URL naming a
PostgreSQL cluster started for the run. That cluster flushes each commit to disk, as SQLite
(synchronous=FULL) does, so the two pay for the same durability: the tests' own cluster does not.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import psycopg

from bench.report import MISSING, Table, ratio
from tests.servers import running
from tests.services import postgres, postgres_bin

CONNECTIONS, WARM_UP_SECONDS, SECONDS = 32, 1.0, 8.0
SAVED_LINKS = 20
# the suite's fair shares are for people; the load comes from one address
ENVIRONMENT = {"BACKPROP_RATE_LINKS": "1000000/second"}
CASES = {
    "make a link (POST /api/share, a new state)": "make",
    "share again (POST /api/share, a stored state)": "again",
    "read a link (GET /api/share/<id>)": "read",
}


@dataclass
class Load:
    """What one case measured: each request's seconds, and how many were not answered 2xx."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def percentile(self, share: float) -> float:
        return statistics.quantiles(self.latencies, n=100)[round(share * 100) - 1] if self.latencies else 0.0


def share_request(state: str) -> bytes:
    body = json.dumps({"state": state}).encode()
    head = (
        f"POST /api/share HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {len(body)}"
    )
    return head.encode() + b"\r\n\r\n" + body


def read_request(link_id: str) -> bytes:
    return f"GET /api/share/{link_id} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n".encode()


def a_state(k: int) -> str:
    return "v=1&source=" + quote(f"x = {k}\ny = 3\nq = x + y\nf = q * x\n") + f"&step={k % 7}"


def requests_for(case: str, saved: list[str]) -> Callable[[], bytes]:
    """The next request of a case, each call: new states, stored states again, or stored links read."""
    counter = itertools.count(SAVED_LINKS)
    if case == "make":
        return lambda: share_request(a_state(next(counter)))
    if case == "again":
        return lambda: share_request(a_state(next(counter) % SAVED_LINKS))
    return lambda: read_request(saved[next(counter) % SAVED_LINKS])


async def answer_status(reader: asyncio.StreamReader) -> int:
    """Read one response off a kept-alive connection; its status."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    await reader.readexactly(int(length.group(1)) if length else 0)
    return int(head[9:12])


async def one_connection(
    port: int, next_request: Callable[[], bytes], measure_from: float, until: float, load: Load
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (began := time.perf_counter()) < until:
            writer.write(next_request())
            status = await answer_status(reader)
            if began >= measure_from:
                load.latencies.append(time.perf_counter() - began)
                load.errors += not 200 <= status < 300
    finally:
        writer.close()


async def blast(port: int, next_request: Callable[[], bytes]) -> Load:
    load = Load()
    measure_from = time.perf_counter() + WARM_UP_SECONDS
    until = measure_from + SECONDS
    await asyncio.gather(*(one_connection(port, next_request, measure_from, until, load) for _ in range(CONNECTIONS)))
    return load


def save_links(base: str) -> list[str]:
    ids = []
    for k in range(SAVED_LINKS):
        outgoing = urllib.request.Request(
            f"{base}/api/share",
            data=json.dumps({"state": a_state(k)}).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(outgoing) as response:  # noqa: S310 - our own loopback server
            ids.append(json.loads(response.read())["id"])
    return ids


def measure(folder: Path, environment: dict[str, str]) -> dict[str, Load]:
    """Every case against one server whose links live where `environment` says."""
    with running(folder / "links.sqlite3", like_make_run=True, environment={**ENVIRONMENT, **environment}) as server:
        saved = save_links(server.url)
        return {case: asyncio.run(blast(server.port, requests_for(case, saved))) for case in CASES.values()}


def run() -> list[Table]:
    table = Table(
        f"Share load: {CONNECTIONS} connections for {SECONDS:g} s a case on loopback, PostgreSQL beside SQLite",
        [
            "case",
            "SQLite /s",
            "PostgreSQL /s",
            "PostgreSQL ÷ SQLite",
            "p50 SQLite",
            "p50 PostgreSQL",
            "p99 SQLite",
            "p99 PostgreSQL",
            "errors",
        ],
    )
    try:
        postgres_bin()
    except RuntimeError:
        table.notes.append(f"PostgreSQL {MISSING} (Debian package postgresql)")
        return [table]
    with tempfile.TemporaryDirectory() as folder, postgres(durable=True) as database:
        sqlite = measure(Path(folder) / "sqlite", {})
        postgresql = measure(Path(folder) / "postgres", {"DATABASE_URL": database.url})
        with psycopg.connect(database.url) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
    for name, case in CASES.items():
        lite, pg = sqlite[case], postgresql[case]
        rates = [len(load.latencies) / SECONDS for load in (lite, pg)]
        table.rows.append(
            [
                name,
                f"{rates[0]:,.0f}",
                f"{rates[1]:,.0f}",
                ratio(rates[1], rates[0]),
                *(f"{load.percentile(share) * 1000:.1f} ms" for share in (0.5, 0.99) for load in (lite, pg)),
                f"{lite.errors} / {pg.errors}",
            ]
        )
    table.notes.append(
        f"`python -m app`, one worker per core; PostgreSQL {version} with fsync on, on the same disk as SQLite's file"
    )
    table.notes.append("the client is one asyncio process on the same machine: the ratio is the point, not the rates")
    table.notes.append("SQLite's writers take turns on one file lock: the ones kept waiting make its long p99")
    return [table]


if __name__ == "__main__":
    for rendered in run():
        print(rendered.render())
