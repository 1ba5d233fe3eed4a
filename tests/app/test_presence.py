"""Presence: the teacher hears how many students follow and how many stepped away, over every process."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import urllib.request
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from websockets.sync.client import ClientConnection, connect

from app.rooms import SQLiteHub
from tests import servers


def presence(following: int, away: int) -> dict[str, Any]:
    return {"type": "presence", "following": following, "away": away}


def new_room(client: TestClient) -> dict:
    return client.post("/api/rooms", json={"state": "v=1&preset=cs231n"}).json()


def test_the_teacher_hears_each_join_leave_and_step_away_as_it_happens(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}"
    with client.websocket_connect(f"{path}?token={room['token']}") as teacher:
        assert teacher.receive_json()["role"] == "teacher"
        assert teacher.receive_json() == presence(0, 0)
        with client.websocket_connect(path) as first:
            first.receive_json()
            assert teacher.receive_json() == presence(1, 0)
            with client.websocket_connect(path) as second:
                second.receive_json()
                assert teacher.receive_json() == presence(2, 0)
                first.send_json({"type": "presence", "away": True})
                assert teacher.receive_json() == presence(1, 1)
                assert client.get(f"/api/rooms/{room['code']}").json() | {"state": ""} == {
                    "code": room["code"],
                    "state": "",
                    "followers": 2,
                    "away": 1,
                }
                first.send_json({"type": "presence", "away": True})  # no change: nothing to tell
                second.send_json({"type": "presence", "away": True})
                assert teacher.receive_json() == presence(0, 2)
                first.send_json({"type": "presence", "away": False})
                assert teacher.receive_json() == presence(1, 1)
            assert teacher.receive_json() == presence(1, 0)  # the second left while away
            first.send_json({"type": "presence", "away": True})
            assert teacher.receive_json() == presence(0, 1)
        assert teacher.receive_json() == presence(0, 0)
    assert client.get(f"/api/rooms/{room['code']}").json()["away"] == 0


def test_a_second_teacher_hears_the_counts_when_it_connects(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}"
    with client.websocket_connect(path) as student:
        student.receive_json()
        student.send_json({"type": "presence", "away": True})
        with client.websocket_connect(f"{path}?token={room['token']}") as teacher:
            teacher.receive_json()
            assert teacher.receive_json() == presence(0, 1)


def test_presence_is_a_students_message_with_a_true_or_false(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}"
    with (
        client.websocket_connect(f"{path}?token={room['token']}") as teacher,
        client.websocket_connect(path) as student,
    ):
        teacher.receive_json()
        student.receive_json()
        teacher.send_json({"type": "presence", "away": True})
        while (message := teacher.receive_json())["type"] == "presence":
            pass
        assert message == {"type": "error", "message": "only students report presence: the teacher is always there"}
        for bad in ("yes", 1, None):
            student.send_json({"type": "presence", "away": bad})
            assert '"presence"' in student.receive_json()["message"]
        student.send_json({"type": "presence"})
        assert student.receive_json()["type"] == "error"
    assert client.get(f"/api/rooms/{room['code']}").json()["away"] == 0


def next_presence(socket: ClientConnection, expected: dict[str, Any], seconds: float = 5.0) -> float:
    """Read the teacher's messages until the counts are `expected`; the seconds it took."""
    start = time.monotonic()
    while True:
        left = start + seconds - time.monotonic()
        assert left > 0, f"the teacher never heard {expected}"
        message = json.loads(socket.recv(timeout=left))
        if message == expected:
            return time.monotonic() - start


def read_room(base: str, code: str) -> dict[str, Any]:
    return json.loads(urllib.request.urlopen(f"{base}/api/rooms/{code}", timeout=10).read())  # noqa: S310 - loopback


def test_counts_are_summed_over_processes_and_reach_a_teacher_in_another_within_a_second(tmp_path: Path) -> None:
    db = tmp_path / "links.sqlite3"
    with servers.running(db) as one, servers.running(db) as other:  # two processes, one rooms database
        request = urllib.request.Request(
            f"{one.url}/api/rooms", data=b'{"state": "v=1"}', headers={"content-type": "application/json"}
        )
        room = json.loads(urllib.request.urlopen(request, timeout=10).read())  # noqa: S310 - loopback
        code = room["code"]
        with connect(f"ws://127.0.0.1:{one.port}/ws/rooms/{code}?token={room['token']}") as teacher:
            assert json.loads(teacher.recv(timeout=5))["role"] == "teacher"
            assert json.loads(teacher.recv(timeout=5)) == presence(0, 0)
            with (
                connect(f"ws://127.0.0.1:{other.port}/ws/rooms/{code}") as far,
                connect(f"ws://127.0.0.1:{other.port}/ws/rooms/{code}") as farther,
                connect(f"ws://127.0.0.1:{one.port}/ws/rooms/{code}") as near,
            ):
                for student in (far, farther, near):
                    student.recv(timeout=5)
                assert next_presence(teacher, presence(3, 0)) < 1.5
                far.send(json.dumps({"type": "presence", "away": True}))
                assert next_presence(teacher, presence(2, 1)) < 1.5
                for server in (one, other):
                    assert read_room(server.url, code) | {"state": ""} == {
                        "code": code,
                        "state": "",
                        "followers": 3,
                        "away": 1,
                    }
                far.send(json.dumps({"type": "presence", "away": False}))
                assert next_presence(teacher, presence(3, 0)) < 1.5
                farther.close()
                assert next_presence(teacher, presence(2, 0)) < 1.5
            assert next_presence(teacher, presence(0, 0)) < 1.5


def test_a_rooms_database_from_before_presence_gains_its_away_column(tmp_path: Path) -> None:
    path = tmp_path / "rooms.sqlite3"
    with sqlite3.connect(path) as old:
        old.execute(
            "CREATE TABLE followers (code TEXT NOT NULL, process TEXT NOT NULL, "
            "count INTEGER NOT NULL, seen REAL NOT NULL, PRIMARY KEY (code, process))"
        )
    first, second = SQLiteHub(path), SQLiteHub(path)  # the second finds it already added

    async def scenario() -> None:
        room = await first.create("v=1")
        student = object()
        room.followers.add(student)
        room.away.add(student)
        assert await first.mark(room) == (0, 1)
        assert await second.presence(room.code) == (0, 1)

    asyncio.run(scenario())
