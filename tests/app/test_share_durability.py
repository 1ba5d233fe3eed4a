"""Restart safety: SIGKILL the server during a burst of link writes; every link it confirmed survives,
whether links live in SQLite or in PostgreSQL."""

from __future__ import annotations

import json
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.app.test_link_store_contract import fresh_database
from tests.servers import free_port, start


def create(port: int, state: str) -> tuple[str, int, str] | None:
    body = json.dumps({"state": state}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/share", data=body, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
            return state, response.status, json.loads(response.read())["id"]
    except (OSError, urllib.error.HTTPError, ValueError):
        return None  # the server died mid-request: this link was never confirmed


@pytest.fixture(params=["sqlite", "postgres"])
def link_database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The environment that points a server at its link database: SQLite (none), or a new PostgreSQL one."""
    if request.param == "sqlite":
        yield {}
    else:
        with fresh_database(request.getfixturevalue("postgres_server")) as url:
            yield {"DATABASE_URL": url}


def test_links_confirmed_before_a_sigkill_all_open_byte_identical_after_restart(
    tmp_path: Path, link_database: dict[str, str]
) -> None:
    db, port = tmp_path / "links.sqlite3", free_port()
    server = start(db, port, environment=link_database)
    states = [f"v=1&source=x%20%3D%20{k}%0Af%20%3D%20x%20*%20x&step={k % 9}" for k in range(600)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        futures = [pool.submit(create, port, state) for state in states]
        while sum(future.done() for future in futures) < 150:
            time.sleep(0.005)
        server.send_signal(signal.SIGKILL)  # mid-burst: hundreds of writes still in flight
        results = [future.result() for future in futures]
    server.wait(timeout=10)
    confirmed = [result for result in results if result is not None and result[1] == 201]
    assert len(confirmed) >= 150
    print(f"\n{len(confirmed)} of {len(states)} links confirmed before SIGKILL; checking each after restart")
    server = start(db, port, environment=link_database)
    try:
        for state, _, link_id in confirmed:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/share/{link_id}") as response:  # noqa: S310
                assert json.loads(response.read())["state"].encode() == state.encode()
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/s/{link_id}") as page:  # noqa: S310
                assert page.status == 200
    finally:
        server.terminate()
        server.wait(timeout=10)
