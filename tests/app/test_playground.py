"""Live training over the WebSocket /api/network/live: configure, play, pause, step, set, program, and
everything hostile answered with an error while the session goes on."""

from __future__ import annotations

import base64
import json
import threading
import time
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.routes import playground as route
from engine.lang import run
from engine.playground import Config, Run

LIVE = "/api/network/live"
XOR = {"dataset": "xor", "points": 200, "hidden": [8, 8], "lr": 0.1}


def send(ws: Any, message: dict[str, Any]) -> None:
    ws.send_text(json.dumps(message))


def configure(ws: Any, **settings: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    send(ws, {"type": "configure", "settings": {**XOR, **settings}})
    data, frame = ws.receive_json(), ws.receive_json()
    assert (data["type"], frame["type"]) == ("data", "frame")
    return data, frame


def pause(ws: Any) -> dict[str, Any]:
    """Pause, and read up to the frame that says so (frames already on their way come first)."""
    send(ws, {"type": "pause"})
    while True:
        frame = ws.receive_json()
        if frame["type"] == "frame" and not frame["playing"]:
            return frame


def test_configure_sends_the_data_and_a_first_frame(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        data, frame = configure(ws, test_ratio=0.3)
    assert len(data["train"]) == 140 and len(data["test"]) == 60 and data["layers"] == [2, 8, 8, 1]
    assert data["domain"] == [-6, 6] and data["features"] == ["x1", "x2"]
    assert frame["epoch"] == 0 and frame["playing"] is False and 0 <= frame["train_accuracy"] <= 1
    assert len(base64.b64decode(frame["boundary"]["data"])) == frame["boundary"]["size"] ** 2 == 2500
    assert [len(layer) for layer in frame["neurons"]] == [8, 8, 1]
    assert len(base64.b64decode(frame["neurons"][0][0])) == 400
    assert [np.shape(w) for w in frame["weights"]] == [(2, 8), (8, 8), (8, 1)]
    assert [len(b) for b in frame["biases"]] == [8, 8, 1]


def test_playing_streams_frames_whose_loss_falls_and_pause_stops_them(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        _, first = configure(ws)
        send(ws, {"type": "play"})
        frames = [ws.receive_json() for _ in range(20)]
        assert all(f["type"] == "frame" and f["playing"] for f in frames)
        epochs = [f["epoch"] for f in frames]
        assert epochs == sorted(epochs) and epochs[-1] > epochs[0]
        assert frames[-1]["train_loss"] < first["train_loss"]
        stopped = pause(ws)
        send(ws, {"type": "step"})  # the next message is the step's frame: nothing came in between
        after = ws.receive_json()
        assert after["type"] == "frame" and after["epoch"] == stopped["epoch"] + 1 and not after["playing"]


def test_a_step_of_many_epochs_replays_a_run_as_one_epoch_at_a_time_does(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        configure(ws, batch=25)
        send(ws, {"type": "step", "epochs": 30})
        many = ws.receive_json()
    with client.websocket_connect(LIVE) as ws:
        configure(ws, batch=25)
        for _ in range(30):
            send(ws, {"type": "step"})
            one = ws.receive_json()
    assert many["epoch"] == one["epoch"] == 30
    assert (many["weights"], many["train_loss"]) == (one["weights"], one["train_loss"])


def test_a_run_that_blew_up_says_so_when_asked_to_step_or_play(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        # a linear output fitted with lr 10 and single points: the first epoch overflows
        configure(ws, dataset="regression", activation="relu", lr=10, batch=1)
        send(ws, {"type": "step", "epochs": 5})
        answers = [ws.receive_json(), ws.receive_json()]
        assert [answer["type"] for answer in answers] == ["error", "frame"] and answers[1]["epoch"] <= 2
        for kind in ("step", "play"):
            send(ws, {"type": kind})
            answer = ws.receive_json()
            assert answer["type"] == "error" and answer["where"] == "stopped", answer


def test_step_advances_exactly_one_epoch_and_reset_starts_over(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        _, first = configure(ws, batch=25, test_ratio=0.5)
        send(ws, {"type": "step"})
        frame = ws.receive_json()
        assert (frame["epoch"], frame["step"]) == (1, 4)  # 100 training points in batches of 25
        send(ws, {"type": "reset"})
        again = ws.receive_json()
        assert (again["epoch"], again["weights"]) == (0, first["weights"])


def test_set_takes_effect_at_the_next_step_and_lr_zero_freezes_the_weights(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        _, first = configure(ws)
        send(ws, {"type": "set", "settings": {"lr": 0, "activation": "relu"}})
        send(ws, {"type": "step"})
        frozen = ws.receive_json()
        assert frozen["epoch"] == 1 and frozen["weights"] == first["weights"]
        assert frozen["neurons"] != first["neurons"]  # relu now: the same weights draw other pictures
        send(ws, {"type": "set", "settings": {"lr": 0.1}})
        send(ws, {"type": "step"})
        assert ws.receive_json()["weights"] != first["weights"]


@pytest.mark.parametrize(
    ("dataset", "target"), [("xor", "w2_3_1"), ("xor", "b2_3"), ("circle", "h2_3"), ("regression", "out")]
)
def test_the_program_is_the_network_on_one_point_with_its_weights_as_params(
    client: TestClient, dataset: str, target: str
) -> None:
    with client.websocket_connect(LIVE) as ws:
        configure(ws, dataset=dataset, features=["x1", "x2", "x1x2"])
        for _ in range(3):
            send(ws, {"type": "step"})
            ws.receive_json()
        send(ws, {"type": "program", "target": target, "point": 7})
        reply = ws.receive_json()
    assert reply["type"] == "program" and reply["target"] == target
    source = reply["source"]
    assert source.splitlines()[0] == f"# tour: {target}" and len(source) <= 8000
    program = run(source)
    assert program.output.name == "L" and source.rstrip().splitlines()[-1].startswith("L = ")
    assert len(program.trainable) == (3 + 1) * 8 + (8 + 1) * 8 + (8 + 1) * 1
    assert target in program.trainable or target in {node.name for node in program.trace().nodes}
    # the loss of that point, computed directly with the weights the program printed (to 4 digits)
    check = Run(Config(dataset=dataset, points=200, hidden=(8, 8), lr=0.1, features=("x1", "x2", "x1x2")))
    for _ in range(3):
        check.train_epoch()
    rows = np.array([7])
    direct = float(check.loss(check.model(check.train_x[rows]), check.train_y[rows]).data)
    assert float(program.output.data) == pytest.approx(direct, rel=2e-3, abs=1e-4)


def test_a_network_too_large_for_the_lab_is_refused_in_words(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        configure(ws, hidden=[8] * 6)
        send(ws, {"type": "program", "target": "out", "point": 0})
        reply = ws.receive_json()
    assert reply["type"] == "error" and "too large" in reply["message"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("{not json", None),
        ("x" * 20_000, None),
        (json.dumps({"type": "configure", "settings": {"lr": "fast"}}), "settings.lr"),
        (json.dumps({"type": "configure", "settings": {"hidden": [1000]}}), "settings.hidden.0"),
        (json.dumps({"type": "configure", "settings": {"points": 10**9}}), "settings.points"),
        (json.dumps({"type": "configure", "settings": {"features": ["x1", "x1"]}}), "settings.features"),
        (json.dumps({"type": "launch"}), "type"),
        (json.dumps([1, 2]), None),
        (json.dumps({"type": "program", "target": "__import__", "point": 0}), "target"),
        (json.dumps({"type": "program", "target": "w9_1_1", "point": 0}), "target"),
        (json.dumps({"type": "program", "target": "out", "point": 999}), "point"),
        (json.dumps({"type": "set", "settings": {"lr": -1}}), "settings.lr"),
    ],
)
def test_hostile_messages_get_an_error_and_the_session_goes_on(client: TestClient, text: str, where: str) -> None:
    with client.websocket_connect(LIVE) as ws:
        configure(ws)
        ws.send_text(text)
        reply = ws.receive_json()
        assert reply["type"] == "error" and reply["message"] and reply.get("where") == where
        send(ws, {"type": "step"})
        assert ws.receive_json()["epoch"] == 1


def test_messages_before_configure_are_told_to_configure(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        send(ws, {"type": "play"})
        assert "configure" in ws.receive_json()["message"]


def test_a_disconnect_ends_the_session_and_its_training(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as ws:
        configure(ws, points=1000, batch=1)  # long epochs: the page leaves mid-training
        send(ws, {"type": "play"})
        ws.receive_json()
        assert route.sessions.total() == 1
    deadline = time.monotonic() + 30  # an epoch under way finishes first: generous for a busy machine
    while (route.sessions.total() or _training_threads()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert route.sessions.total() == 0 and _training_threads() == 0


def _training_threads() -> int:
    """Threads running a session's work right now (asyncio.to_thread's pool names its threads so)."""
    busy = 0
    for thread in threading.enumerate():
        frame = __import__("sys")._current_frames().get(thread.ident)
        while frame is not None:
            if frame.f_code.co_name in ("train_epoch", "frame"):
                busy += 1
                break
            frame = frame.f_back
    return busy


def test_one_address_may_hold_only_its_share_of_sessions(client: TestClient) -> None:
    with client.websocket_connect(LIVE) as first, client.websocket_connect(LIVE) as second:
        configure(first)
        configure(second)
        with client.websocket_connect(LIVE) as third:
            refused = third.receive_json()
            assert refused["type"] == "error" and refused["where"] == "busy" and "per address" in refused["message"]
            with pytest.raises(Exception):  # noqa: B017, PT011 - closed with its reason
                third.receive_json()
        send(first, {"type": "step"})
        assert first.receive_json()["epoch"] == 1


def test_another_sites_page_may_not_open_a_session(client: TestClient) -> None:
    with pytest.raises(Exception):  # noqa: B017, PT011 - the handshake is refused
        with client.websocket_connect(LIVE, headers={"origin": "https://evil.example"}) as ws:
            ws.receive_json()


def test_a_reload_does_not_refill_an_addresss_spent_budget(client: TestClient) -> None:
    route.spent["testclient"] = (1e9, time.monotonic())  # as if this address had trained all hour
    try:
        with client.websocket_connect(LIVE) as ws:
            send(ws, {"type": "configure", "settings": XOR})
            answer = ws.receive_json()
            assert answer["type"] == "error" and answer["where"] == "budget"
    finally:
        route.spent.pop("testclient", None)
    route.spent["testclient"] = (1.0, time.monotonic() - 3600)  # an hour later it has all come back
    assert route.used("testclient") == 0
    route.spent.pop("testclient", None)


def test_a_session_ends_at_its_lifetime_however_busy(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(route, "SETTINGS", route.SETTINGS.model_copy(update={"live_lifetime": 1.0}))
    with client.websocket_connect(LIVE) as ws:
        configure(ws)
        send(ws, {"type": "play"})
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_json()
    assert closed.value.code == 1000 and "time is up" in closed.value.reason
