"""Live rooms under real conditions: a stalled student, a teacher who ends the class, several processes."""

from __future__ import annotations

import base64
import json
import os
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests import servers
from tests.services import Redis


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


def test_room_messages_are_limited_in_bytes(client: TestClient) -> None:
    room = client.post("/api/rooms", json={"state": "v=1"}).json()
    with client.websocket_connect(f"/ws/rooms/{room['code']}?token={room['token']}") as teacher:
        teacher.receive_json()
        assert teacher.receive_json()["type"] == "presence"
        teacher.send_text(json.dumps({"type": "state", "state": "v=1&notes=" + "é" * 9000}))  # 9,000 characters
        with pytest.raises(WebSocketDisconnect) as closed:
            teacher.receive_json()
        assert closed.value.code == 1009  # 18,000 bytes: too big


def closing_code(socket: ClientConnection, seconds: float = 5.0) -> tuple[int, list[dict]]:
    """Read until the server closes the socket: its close code, and what it said before."""
    said = []
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            said.append(json.loads(socket.recv(timeout=seconds)))
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, said


def test_when_redis_goes_away_pages_are_told_and_find_their_room_again_when_it_is_back(
    tmp_path: Path, redis_server: Redis
) -> None:
    try:
        with servers.running(tmp_path / "links.sqlite3", environment={"REDIS_URL": redis_server.url}) as live:
            room = post_json(f"{live.url}/api/rooms", {"state": "v=1"})
            path = f"ws://127.0.0.1:{live.port}/ws/rooms/{room['code']}"
            with connect(f"{path}?token={room['token']}") as teacher, connect(path) as student:
                teacher.recv(timeout=5)
                student.recv(timeout=5)
                teacher.send(json.dumps({"type": "state", "state": "v=1&step=2"}))
                assert json.loads(student.recv(timeout=5))["state"] == "v=1&step=2"
                redis_server.stop()
                for socket in (teacher, student):
                    code, said = closing_code(socket)
                    assert code == 1013 and "reconnecting" in said[-1]["message"]  # try again later
            started = time.monotonic()
            with connect(path) as early:
                assert closing_code(early)[0] == 1013  # refused at once, to retry
            with pytest.raises(urllib.error.HTTPError) as unavailable:
                urllib.request.urlopen(f"{live.url}/api/rooms/{room['code']}", timeout=10)
            assert unavailable.value.code == 503 and time.monotonic() - started < 6
            redis_server.start()  # empty: the server restores the rooms its pages were in
            with connect(path) as student, connect(f"{path}?token={room['token']}") as teacher:
                assert json.loads(student.recv(timeout=5))["state"] == "v=1&step=2"
                assert json.loads(teacher.recv(timeout=5))["role"] == "teacher"
                teacher.send(json.dumps({"type": "state", "state": "v=1&step=3"}))
                assert json.loads(student.recv(timeout=5))["state"] == "v=1&step=3"
    finally:
        if redis_server.process is None:
            redis_server.start()
