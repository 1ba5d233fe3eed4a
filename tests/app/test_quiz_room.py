"""A room's trace: what a quiz withholds from the class, and one computation however many students ask."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from limits import parse_many

import app.quotas
import app.traces
from app.cache import SharedWork
from app.presets import BY_ID
from app.quiz import HIDDEN_STEP, HIDDEN_STOP, withhold
from app.rooms import SQLiteHub
from app.service import build_trace
from engine.narration import display_number

# Numbers no other part of the page shows: the hidden contribution, ∂f/∂x = f · w, is −0.2645 (and
# every value, gradient and step of this program is far from it).
PROGRAM = "x = 1.37\nw = -0.61\nh = x * w\nf = exp(h)\n"
HIDDEN_POSITION = 7  # steps[6]: the edge h → x, whose contribution the class is asked for


def hidden_contribution() -> float:
    step = build_trace(PROGRAM, {}, None)["trace"]["steps"][HIDDEN_POSITION - 1]
    assert step["input"] == 0 and step["pass"] == "backward"
    return float(step["contribution"])


def forms_of(number: float) -> list[str]:
    """Every way the number could be written: as JSON writes it, as the lab shows it (four significant
    digits, a real minus sign), as ASCII, and without its sign."""
    shown = display_number(number)
    return [repr(number), repr(abs(number)), shown, shown.replace("\u2212", "-"), f"{abs(number):.4g}"]


def new_room(client: TestClient, state: str) -> dict:
    response = client.post("/api/rooms", json={"state": state})
    assert response.status_code == 201
    return response.json()


def state_at(position: int, quiz: bool, revealed: str = "") -> str:
    return f"v=1&source={quote(PROGRAM)}&step={position}" + ("&quiz=1" if quiz else "") + revealed


def test_a_quiz_room_shows_its_class_nothing_of_the_hidden_contribution_until_it_is_revealed(
    client: TestClient,
) -> None:
    answer = hidden_contribution()
    room = new_room(client, state_at(HIDDEN_POSITION, quiz=True))
    body = client.get(f"/api/rooms/{room['code']}/trace")
    page = client.get(f"/?room={room['code']}")
    assert body.status_code == page.status_code == 200
    assert body.json()["withheld"] == {"from": HIDDEN_POSITION - 1}
    assert body.json()["state"] == state_at(HIDDEN_POSITION, quiz=True)
    assert '"withheld":{"from":6}' in page.text
    for text in (body.text, page.text):
        assert not [form for form in forms_of(answer) if form in text]

    open_room = new_room(client, state_at(HIDDEN_POSITION, quiz=False))
    for text in (
        client.get(f"/api/rooms/{open_room['code']}/trace").text,
        client.get(f"/?room={open_room['code']}").text,
    ):
        assert repr(answer) in text and display_number(answer) in text
    assert client.get(f"/api/rooms/{open_room['code']}/trace").json()["withheld"] == {"from": HIDDEN_POSITION}

    revealed = state_at(HIDDEN_POSITION, quiz=True, revealed=f"&revealed={HIDDEN_POSITION}")
    with client.websocket_connect(f"/ws/rooms/{room['code']}?token={room['token']}") as teacher:
        teacher.receive_json()
        teacher.send_json({"type": "state", "state": revealed})
        while client.get(f"/api/rooms/{room['code']}").json()["state"] != revealed:
            pass
    after = client.get(f"/api/rooms/{room['code']}/trace")
    assert after.json()["withheld"] == {"from": HIDDEN_POSITION} and after.json()["state"] == revealed
    assert repr(answer) in after.text and display_number(answer) in after.text
    assert display_number(answer) in client.get(f"/?room={room['code']}").text


def test_a_room_without_a_quiz_sends_no_backward_number_the_teacher_has_not_reached(client: TestClient) -> None:
    """So a quiz the teacher starts later finds no answer already on a student's device."""
    answer = hidden_contribution()
    for position in (0, 3, HIDDEN_POSITION - 1):
        room = new_room(client, state_at(position, quiz=False))
        for text in (client.get(f"/api/rooms/{room['code']}/trace").text, client.get(f"/?room={room['code']}").text):
            assert not [form for form in forms_of(answer) if form in text], position


def cs231n(
    position: int, revealed: list[int] | None = None, quiz: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    preset = BY_ID["cs231n"]
    response = build_trace(preset.source, {}, None, preset.id)
    return response, withhold(response, position, revealed or [], quiz)


def test_the_cut_keeps_the_questions_numbers_and_drops_every_gradient_from_it_on() -> None:
    full, shown = cs231n(8)  # steps[7]: the edge f → z, not revealed
    k = shown["withheld"]["from"]
    assert k == 7
    for index, (step, seen) in enumerate(zip(full["trace"]["steps"], shown["trace"]["steps"])):
        edge = step["pass"] == "backward" and not step.get("seed")
        if index < k or not edge:
            assert seen == step
        elif index == k:
            assert seen == {name: value for name, value in step.items() if name not in ("contribution", "grad")}
            assert {"upstream", "local"} <= set(seen)
        else:
            assert seen == {
                name: value for name, value in step.items() if name not in ("contribution", "grad", "upstream", "local")
            }
    assert all("grad" not in node for node in shown["trace"]["nodes"])
    assert [len(node) + 1 for node in shown["trace"]["nodes"]] == [len(node) for node in full["trace"]["nodes"]]
    assert shown["narration"][:k] == full["narration"][:k] and set(shown["narration"][k:]) == {HIDDEN_STEP}
    for stop, seen_stop in zip(full["tour"], shown["tour"]):
        assert seen_stop == (stop if stop["position"] <= k else {**stop, "note": HIDDEN_STOP})
    assert {key: shown[key] for key in ("source", "inputs", "view", "layout")} == {
        key: full[key] for key in ("source", "inputs", "view", "layout")
    }


@pytest.mark.parametrize(
    ("position", "revealed", "quiz", "cut"),
    [
        (8, [8], True, 8),  # revealed: the class sees this step whole, and the next one's question
        (8, [], False, 8),  # no quiz: the class sees the teacher's step whole, nothing after it
        (6, [], True, 6),  # the seed gives nothing away
        (3, [], True, 6),  # forward: the cut waits at the first edge, one cut for the whole forward pass
        (0, [], False, 6),
        (99, [], True, 9),  # past the end: the last step, an edge not revealed
        (99, [10], True, 10),
    ],
)
def test_the_cut_is_the_current_step_only_while_it_is_an_edge_not_yet_revealed(
    position: int, revealed: list[int], quiz: bool, cut: int
) -> None:
    assert cs231n(position, revealed, quiz)[1]["withheld"] == {"from": cut}


def test_a_tensor_programs_quiz_trace_is_whole(client: TestClient) -> None:
    room = new_room(client, "v=1&preset=tensor-mlp&quiz=1&step=30")
    body = client.get(f"/api/rooms/{room['code']}/trace").json()
    assert body["withheld"] is None and "grad" in body["trace"]["nodes"][0]


def test_a_rooms_trace_is_a_json_404_for_an_unknown_room_and_503_without_the_database(
    client: TestClient, tmp_path: Path
) -> None:
    missing = client.get("/api/rooms/ZZZZZZ/trace")
    assert missing.status_code == 404 and missing.json()["error"]["kind"] == "not-found"
    broken = SQLiteHub(tmp_path / "rooms.sqlite3")
    broken._db.close()  # the rooms database cannot be used
    state = client.app.state  # type: ignore[attr-defined]
    hub, state.rooms = state.rooms, broken
    try:
        answers = [client.get(f"/api/rooms/ABCDEF{path}") for path in ("/trace", "/qr.svg", "")]
        page = client.get("/?room=ABCDEF")
    finally:
        state.rooms = hub
    for unavailable in answers:
        assert unavailable.status_code == 503 and unavailable.headers["retry-after"] == "30"
        assert unavailable.json()["error"]["kind"] == "unavailable"
    assert page.status_code == 200  # the lab on its own, saying why
    assert "Live sessions are unavailable on this server right now" in page.text


def test_a_class_behind_one_address_costs_one_computation_and_one_trace_from_its_quota(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.quotas.LIMITS, "trace", parse_many("1/minute"))
    app.quotas.reset()
    room = new_room(client, state_at(5, quiz=True) + "&notes=%7B%7D")  # a state no other test traced
    before = app.traces.SHARED.computed
    start = threading.Barrier(30)
    answers: list[int] = []

    def student() -> None:
        start.wait()
        answers.append(client.get(f"/api/rooms/{room['code']}/trace").status_code)

    students = [threading.Thread(target=student) for _ in range(30)]
    for thread in students:
        thread.start()
    for thread in students:
        thread.join()
    assert answers == [200] * 30
    assert app.traces.SHARED.computed == before + 1
    assert client.get(f"/api/rooms/{room['code']}/trace").status_code == 200  # kept: no quota either
    elsewhere = new_room(client, state_at(3, quiz=True) + "&notes=%7B%7D")
    assert client.get(f"/api/rooms/{elsewhere['code']}/trace").status_code == 429  # a miss: the quota's one unit
    app.quotas.reset()


def test_shared_work_runs_once_for_everyone_waiting_and_keeps_no_error() -> None:
    async def scenario() -> None:
        shared, calls, release = SharedWork(1 << 20), [], asyncio.Event()

        async def slow() -> bytes:
            await release.wait()
            return b"trace"

        def start() -> Any:
            calls.append(1)
            return slow()

        waiting = [asyncio.ensure_future(shared.get("key", start)) for _ in range(20)]
        await asyncio.sleep(0.01)
        waiting[0].cancel()  # one student leaves: the others still get the trace
        release.set()
        results = await asyncio.gather(*waiting[1:])
        assert results == [b"trace"] * 19 and len(calls) == 1 and shared.computed == 1
        assert await shared.get("key", start) == b"trace" and len(calls) == 1  # kept

        async def failing() -> bytes:
            await asyncio.sleep(0.01)
            raise ValueError("the program has an error")

        errors = await asyncio.gather(*(shared.get("bad", failing) for _ in range(5)), return_exceptions=True)
        assert all(isinstance(error, ValueError) for error in errors) and shared.computed == 2
        with pytest.raises(ValueError):
            await shared.get("bad", failing)  # not kept: asked again, computed again
        assert shared.computed == 3 and not shared.running

    asyncio.run(scenario())


def test_a_rooms_console_withholds_printed_gradients_until_the_class_has_seen_the_backward_pass() -> None:
    preset = BY_ID["micrograd-readme"]
    full = build_trace(preset.source, {}, None, preset.id)
    steps = len(full["trace"]["steps"])
    printed = [line["text"] for line in full["console"]]
    assert printed == ["24.7041", "138.8338", "645.5773"]
    for position in (0, 40, steps - 1):
        shown = [line["text"] for line in withhold(full, position, [], quiz=False)["console"]]
        assert shown[0] == "24.7041" and "138.8338" not in shown and "645.5773" not in shown
    assert [line["text"] for line in withhold(full, steps, [], quiz=False)["console"]] == printed
