"""Live rooms under real conditions: a stalled student, a teacher who ends the class, several processes."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.sync.client import connect

import app.rooms
from app.rooms import Room, SQLiteHub
from tests import servers


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=10).read())  # noqa: S310 - loopback


def test_a_stalled_follower_is_disconnected_so_its_page_can_reconnect(tmp_path: Path) -> None:
    with servers.running(tmp_path / "links.sqlite3") as live:
        port = live.port
        base = f"http://127.0.0.1:{port}"
        room = post_json(f"{base}/api/rooms", {"state": "v=1"})
        stalled = socket.socket()
        stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # and it never reads
        stalled.connect(("127.0.0.1", port))
        key = base64.b64encode(os.urandom(16)).decode()
        stalled.sendall(
            (
                f"GET /ws/rooms/{room['code']} HTTP/1.1\r\nHost: lab\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        assert stalled.recv(12) == b"HTTP/1.1 101"
        followers = lambda: json.loads(urllib.request.urlopen(f"{base}/api/rooms/{room['code']}").read())["followers"]  # noqa: E731, S310
        assert followers() == 1
        with connect(f"ws://127.0.0.1:{port}/ws/rooms/{room['code']}?token={room['token']}") as teacher:
            teacher.recv()
            deadline = time.monotonic() + 60
            sent = 0
            while followers() and time.monotonic() < deadline:  # fill every buffer between them
                for _ in range(10):
                    teacher.send(json.dumps({"type": "state", "state": "v=1&notes=" + "a" * 15000 + str(sent)}))
                    sent += 1
                    time.sleep(0.05)  # within the room's rate, so every state is passed on
            assert followers() == 0, "the stalled follower was never let go"
        stalled.settimeout(30)  # now read what was queued: the stream must end, not hang
        while stalled.recv(1 << 20):
            pass
        assert post_json(f"{base}/api/trace", {"source": "x = 2\nf = x * x"})["trace"]["nodes"][-1]["value"] == 4


def test_the_teacher_ends_the_room_and_every_student_is_told(client: TestClient) -> None:
    room = client.post("/api/rooms", json={"state": "v=1&preset=cs231n"}).json()
    with (
        client.websocket_connect(f"/ws/rooms/{room['code']}") as student,
        client.websocket_connect(f"/ws/rooms/{room['code']}?token={room['token']}") as teacher,
    ):
        assert student.receive_json()["role"] == "student" and teacher.receive_json()["role"] == "teacher"
        student.send_text(json.dumps({"type": "end"}))  # a student cannot end it
        assert "only the teacher" in student.receive_json()["message"]
        teacher.send_text(json.dumps({"type": "end"}))
        assert student.receive_json()["type"] == "ended"
        with pytest.raises(WebSocketDisconnect) as closed:
            student.receive_json()
        assert closed.value.code == 4404
    assert client.get(f"/api/rooms/{room['code']}").status_code == 404


def test_followers_are_counted_across_processes(tmp_path: Path) -> None:
    first, second = SQLiteHub(tmp_path / "rooms.sqlite3"), SQLiteHub(tmp_path / "rooms.sqlite3")
    room = first.create("v=1")
    mine, theirs = first.get(room.code), second.get(room.code)
    assert mine is not None and theirs is not None
    mine.followers.update({object(), object()})
    theirs.followers.update({object(), object(), object()})
    first.mark(mine)
    second.mark(theirs)
    assert first.presence(room.code) == second.presence(room.code) == (5, 0)
    theirs.followers.clear()
    second.mark(theirs)
    assert first.presence(room.code) == (2, 0)


def test_a_room_lives_while_its_teacher_is_connected_and_expires_soon_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = SQLiteHub(tmp_path / "rooms.sqlite3", ttl=600)
    kept, left = hub.create("v=1"), hub.create("v=1")
    teacher_here: Room = hub.get(kept.code)  # type: ignore[assignment]
    teacher_here.teachers.add(object())
    clock = [time.time()]
    monkeypatch.setattr(app.rooms.time, "time", lambda: clock[0])
    for _ in range(12):  # an hour, a heartbeat every five minutes: twice the life of a room without its teacher
        clock[0] += 300
        hub.heartbeat()
    assert hub.get(kept.code) is not None
    assert hub.get(left.code) is None
    fresh, gone = hub.changed()
    assert fresh == [] and gone == []
    teacher_here.teachers.clear()  # the teacher leaves
    clock[0] += 601
    assert hub.get(kept.code) is None


def test_room_messages_are_limited_in_bytes(client: TestClient) -> None:
    room = client.post("/api/rooms", json={"state": "v=1"}).json()
    with client.websocket_connect(f"/ws/rooms/{room['code']}?token={room['token']}") as teacher:
        teacher.receive_json()
        assert teacher.receive_json()["type"] == "presence"
        teacher.send_text(json.dumps({"type": "state", "state": "v=1&notes=" + "é" * 9000}))  # 9,000 characters
        with pytest.raises(WebSocketDisconnect) as closed:
            teacher.receive_json()
        assert closed.value.code == 1009  # 18,000 bytes: too big
