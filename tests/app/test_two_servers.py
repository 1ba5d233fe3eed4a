"""Two app servers, separate processes on two ports, sharing PostgreSQL (links) and Redis (rooms): a
class split between them, and a server killed mid-lecture."""

from __future__ import annotations

import http.client
import itertools
import json
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import redis
from websockets.sync.client import ClientConnection, connect

from tests import servers
from tests.services import Postgres, Redis

FOLLOWERS = 6  # half on each server


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())  # noqa: S310 - loopback


def read_json(url: str) -> dict:
    return json.loads(urllib.request.urlopen(url, timeout=10).read())  # noqa: S310 - loopback


@contextmanager
def serving(db: Path, port: int, environment: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """One app server on `port`, stopped at the end unless the test killed it already."""
    process = servers.start(db, port, environment=environment)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def drive(teacher: ClientConnection, state: str) -> None:
    teacher.send(json.dumps({"type": "state", "state": state}))


def hears(follower: ClientConnection, state: str) -> None:
    assert json.loads(follower.recv(timeout=5)) == {"type": "state", "state": state}


def make_links(base: str, confirmed: dict[str, str]) -> None:
    """Make links on one server until it dies, keeping those it confirmed (id and state)."""
    for k in itertools.count():
        state = f"v=1&preset=cs231n&notes=link+{k}"
        try:
            confirmed[post_json(f"{base}/api/share", {"state": state})["id"]] = state
        except (OSError, http.client.HTTPException):  # the server is gone (maybe mid-answer): what it did
            return  # not confirm may be lost, nothing else


def test_a_class_split_over_two_servers_survives_one_of_them_killed_mid_lecture(
    tmp_path: Path, postgres_server: Postgres, redis_server: Redis
) -> None:
    rooms_url = redis_server.url.rsplit("/", 1)[0] + "/3"  # a database of this test's own
    redis.Redis.from_url(rooms_url).flushdb()
    environment = {"DATABASE_URL": postgres_server.url, "REDIS_URL": rooms_url}
    port_a, port_b = servers.free_port(), servers.free_port()
    a, b = f"http://127.0.0.1:{port_a}", f"http://127.0.0.1:{port_b}"
    ws_a, ws_b = f"ws://127.0.0.1:{port_a}", f"ws://127.0.0.1:{port_b}"
    with ExitStack() as sockets, serving(tmp_path / "b.sqlite3", port_b, environment):
        with serving(tmp_path / "a.sqlite3", port_a, environment) as server_a:
            room = post_json(f"{a}/api/rooms", {"state": "v=1&preset=cs231n"})
            path, token = f"/ws/rooms/{room['code']}", f"?token={room['token']}"
            on_a = [sockets.enter_context(connect(ws_a + path)) for _ in range(FOLLOWERS // 2)]
            on_b = [sockets.enter_context(connect(ws_b + path)) for _ in range(FOLLOWERS // 2)]
            teacher = sockets.enter_context(connect(ws_a + path + token))
            assert json.loads(teacher.recv(timeout=5))["role"] == "teacher"
            for follower in on_a + on_b:
                assert json.loads(follower.recv(timeout=5))["state"] == "v=1&preset=cs231n"
            for step in range(1, 6):
                drive(teacher, f"v=1&preset=cs231n&step={step}")
                for follower in on_a + on_b:  # every step reaches every follower, on either server
                    hears(follower, f"v=1&preset=cs231n&step={step}")
            link = post_json(f"{a}/api/share", {"state": "v=1&preset=cs231n&step=2"})["id"]
            assert read_json(f"{b}/api/share/{link}")["state"] == "v=1&preset=cs231n&step=2"  # made on A
            confirmed: dict[str, str] = {}
            linking = threading.Thread(target=make_links, args=(a, confirmed))
            linking.start()
            time.sleep(0.5)
            server_a.kill()  # SIGKILL, mid-lecture and mid-link
            linking.join(timeout=30)
        assert len(confirmed) > 0
        assert read_json(f"{b}/api/rooms/{room['code']}")["state"] == "v=1&preset=cs231n&step=5"
        with serving(tmp_path / "a.sqlite3", port_a, environment):
            teacher = sockets.enter_context(connect(ws_a + path + token))  # the teacher's page reconnects
            assert json.loads(teacher.recv(timeout=5)) == {
                "type": "state",
                "state": "v=1&preset=cs231n&step=5",
                "role": "teacher",
            }
            on_a = [sockets.enter_context(connect(ws_a + path)) for _ in range(FOLLOWERS // 2)]  # and theirs
            for follower in on_a:
                assert json.loads(follower.recv(timeout=5))["state"] == "v=1&preset=cs231n&step=5"
            drive(teacher, "v=1&preset=cs231n&step=6")
            for follower in on_a + on_b:  # those on B never left
                hears(follower, "v=1&preset=cs231n&step=6")
            for link_id, state in confirmed.items():
                assert read_json(f"{b}/api/share/{link_id}")["state"] == state
