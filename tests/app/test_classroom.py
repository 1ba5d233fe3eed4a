"""Classroom: every preset's walkthrough resolves; live rooms obey the teacher alone and survive abuse."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.presets import PRESETS


@pytest.mark.parametrize("preset", PRESETS, ids=[p.id for p in PRESETS])
def test_every_preset_has_a_walkthrough_whose_stops_are_found(client: TestClient, preset) -> None:  # type: ignore[no-untyped-def]
    body = client.post("/api/trace", json={"source": preset.source, "preset": preset.id}).json()
    tour = body["tour"]
    assert len(tour) >= 2
    positions = [stop["position"] for stop in tour]
    assert positions == sorted(positions) and positions[-1] <= len(body["trace"]["steps"])
    assert all(stop["title"] and stop["note"] for stop in tour)


def test_an_edited_program_has_no_tour(client: TestClient) -> None:
    body = client.post("/api/trace", json={"source": "x = 1\ny = x * 2", "preset": "cs231n"}).json()
    assert body["tour"] == []


def wait_until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for a state the server reaches on its own (polled), failing after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the server never got there"
        time.sleep(0.01)


def new_room(client: TestClient, state: str = "v=1&preset=cs231n") -> dict:
    response = client.post("/api/rooms", json={"state": state})
    assert response.status_code == 201
    return response.json()


def test_a_room_has_a_readable_code_a_secret_token_a_link_and_a_qr_code(client: TestClient) -> None:
    room = new_room(client)
    assert len(room["code"]) == 6 and room["code"].isupper() and not set(room["code"]) & set("01OI")
    assert len(room["token"]) >= 32 and room["url"] == f"/?room={room['code']}"
    qr = client.get(room["qr"])
    assert qr.headers["content-type"] == "image/svg+xml" and b"<svg" in qr.content
    page = client.get(room["url"])
    assert '"room":"' + room["code"] in page.text


def test_students_follow_the_teacher_and_cannot_drive(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}"
    teacher_path = f"{path}?token={room['token']}"
    with client.websocket_connect(path) as student, client.websocket_connect(teacher_path) as teacher:
        assert student.receive_json()["role"] == "student"
        assert teacher.receive_json()["role"] == "teacher"
        for step in range(1, 6):
            teacher.send_json({"type": "state", "state": f"v=1&preset=cs231n&step={step}"})
            assert student.receive_json() == {"type": "state", "state": f"v=1&preset=cs231n&step={step}"}
        student.send_json({"type": "state", "state": "v=1&step=9"})
        assert student.receive_json()["message"] == "only the teacher can drive this room"
    assert client.get(f"/api/rooms/{room['code']}").json()["state"].endswith("step=5")


def test_a_reconnecting_student_catches_up_at_once(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}"
    with client.websocket_connect(f"{path}?token={room['token']}") as teacher:
        teacher.receive_json()
        teacher.send_json({"type": "state", "state": "v=1&step=7"})
        wait_until(lambda: client.get(f"/api/rooms/{room['code']}").json()["state"] == "v=1&step=7")
        with client.websocket_connect(path) as late:
            assert late.receive_json()["state"] == "v=1&step=7"


@pytest.mark.parametrize("code", ["ZZZZZZ", "abc", "x" * 5000])
def test_unknown_rooms_are_refused_clearly(client: TestClient, code: str) -> None:
    with client.websocket_connect(f"/ws/rooms/{code}") as socket:
        assert "no live room" in socket.receive_json()["message"]
    assert client.get(f"/api/rooms/{code}").status_code == 404


def test_malformed_oversized_and_flooding_messages_do_not_take_the_room_down(client: TestClient) -> None:
    room = new_room(client)
    path = f"/ws/rooms/{room['code']}?token={room['token']}"
    with client.websocket_connect(path) as teacher:
        teacher.receive_json()
        assert teacher.receive_json()["type"] == "presence"  # the teacher hears who follows
        teacher.send_text("{not json")
        assert "JSON" in teacher.receive_json()["message"]
        teacher.send_json({"type": "draw", "x": 1})
        assert "only message" in teacher.receive_json()["message"]
        for k in range(200):  # a flood: far above 20 a second
            teacher.send_text(json.dumps({"type": "state", "state": f"v=1&step={k}"}))
        assert "dropped" in teacher.receive_json()["message"]
    with client.websocket_connect(path) as teacher:
        teacher.receive_json()
        assert teacher.receive_json()["type"] == "presence"
        teacher.send_text("x" * 20_000)
        with pytest.raises(WebSocketDisconnect) as closed:
            teacher.receive_json()
        assert closed.value.code == 1009  # message too big
    assert client.get(f"/api/rooms/{room['code']}").status_code == 200  # the room is still there
