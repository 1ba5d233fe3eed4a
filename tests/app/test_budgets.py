"""Bounded cost: what a trace may hold, what training may ask for, and what one client may take."""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

import app.rooms
import app.service
from app import quotas
from app.main import app as application
from app.service import build_trace
from engine.lang import SourceError
from tests import servers
from tests.app.conftest import strict_json


def trace_bomb(n: int, factors: int) -> str:
    """The attack that killed a worker: every tensor under the cap, but d repeats c `factors` times."""
    a = "a = [" + ", ".join(["0.5"] * n) + "]"
    b = "b = [" + ", ".join(["[1]"] * n) + "]"
    return f"{a}\n{b}\nc = a * b\nd = {' * '.join(['c'] * factors)}\nf = sum(d)\n"


def fan_out_of_sums(uses: int) -> str:
    """c (100×100) feeds `uses` sums: each backward edge into c carries a whole 100×100 array."""
    a = "a = [" + ", ".join(["0.5"] * 100) + "]"
    b = "b = [" + ", ".join(["[1]"] * 100) + "]"
    return f"{a}\n{b}\nc = a * b\ns = {' + '.join(['sum(c)'] * uses)}\n"


def initial_of(page: str) -> dict:
    """The first-trace data block a lab page carries."""
    tag = '<script id="initial" type="application/json">'
    start = page.index(tag) + len(tag)
    return strict_json(page[start : page.index("</script>", start)])


# -- the trace budget -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [100, 50])
def test_the_trace_bomb_is_refused_at_its_line_quickly(client: TestClient, n: int) -> None:
    started = time.monotonic()
    response = client.post("/api/trace", json={"source": trace_bomb(n, 200)})
    assert time.monotonic() - started < 10
    assert response.status_code == 400, response.text[:300]
    error = response.json()["error"]
    assert error["kind"] == "too-many-numbers" and error["line"] == 4
    assert "100,000" in error["message"] and "numbers in all" in error["message"]


def test_a_wide_fan_out_of_a_big_tensor_is_sent_once_with_references(
    client: TestClient, trace_validator: Draft202012Validator
) -> None:
    response = client.post("/api/trace", json={"source": fan_out_of_sums(150)})
    assert response.status_code == 200, response.text[:300]
    assert len(response.content) < 1_000_000  # the old format sent 150 × 3 arrays of 10,000 numbers: ~90 MB
    body = strict_json(response.text)
    trace_validator.validate(body["trace"])
    nodes = body["trace"]["nodes"]
    c = next(node for node in nodes if node.get("name") == "c")
    # ∂s/∂c = 150 for every element: s adds 150 sums of c
    np.testing.assert_array_equal(np.asarray(c["grad"]), np.full((100, 100), 150.0))
    into_c = [step for step in body["trace"]["steps"] if step.get("input") == c["id"]]
    assert len(into_c) == 150
    assert into_c[-1]["grad"] == {"ref": "grad", "node": c["id"]}
    assert all(step["upstream"] == {"ref": "grad", "node": step["node"]} for step in into_c)
    assert into_c[0]["contribution"]["summary"] is True and into_c[0]["contribution"]["shape"] == [100, 100]


def test_one_steps_arrays_come_in_full_on_demand_and_add_up(client: TestClient) -> None:
    source = fan_out_of_sums(3)
    trace = client.post("/api/trace", json={"source": source}).json()["trace"]
    c = next(node for node in trace["nodes"] if node.get("name") == "c")
    total = np.zeros((100, 100))
    for index, step in enumerate(trace["steps"]):
        if step.get("input") != c["id"]:
            continue
        arrays = client.post("/api/trace/step", json={"source": source, "step": index}).json()
        total += np.asarray(arrays["contribution"])
        np.testing.assert_array_equal(np.asarray(arrays["grad"]), total)  # the running sum after this step
        np.testing.assert_array_equal(np.asarray(arrays["upstream"]), 1.0)  # ∂s/∂sum(c) = 1
    np.testing.assert_array_equal(total, np.full((100, 100), 3.0))


def test_step_arrays_of_a_step_that_is_not_an_edge_are_a_clear_error(client: TestClient) -> None:
    response = client.post("/api/trace/step", json={"source": fan_out_of_sums(2), "step": 0})
    assert response.status_code == 400 and response.json()["error"]["kind"] == "bad-step"
    scalar = client.post("/api/trace/step", json={"source": "x = 2\nf = x * x", "step": 3})
    assert scalar.status_code == 400 and scalar.json()["error"]["kind"] == "not-tensor"


def test_the_document_budget_points_at_the_line_that_passes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.service, "SETTINGS", app.service.SETTINGS.model_copy(update=dict(max_trace_numbers=40)))
    source = "x = [1, 2, 3, 4]\ny = x * x\nz = y * y\nw = z * z\nf = sum(w)\n"
    with pytest.raises(SourceError) as caught:
        build_trace(source, {}, None)
    assert caught.value.kind == "trace-too-large" and caught.value.line in (3, 4)
    assert "the limit is 40" in caught.value.message


def test_the_byte_budget_refuses_a_document_before_it_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.service, "SETTINGS", app.service.SETTINGS.model_copy(update=dict(max_trace_bytes=2000)))
    with pytest.raises(SourceError) as caught:
        app.service.build_trace_json("x = [1, 2, 3]\nf = sum(x * x)\n", {}, None)
    assert caught.value.kind == "trace-too-large" and "bytes of JSON" in caught.value.message


def test_pages_that_open_the_bomb_answer_with_its_error(client: TestClient) -> None:
    bomb = trace_bomb(100, 200)
    query = "v=1&source=" + quote(bomb)
    for path in (f"/?{query}", f"/embed?{query}"):
        page = client.get(path)
        assert page.status_code == 200
        assert initial_of(page.text)["error"]["kind"] == "too-many-numbers"
    link = client.post("/api/share", json={"state": query}).json()
    assert initial_of(client.get(link["url"]).text)["error"]["kind"] == "too-many-numbers"
    assert initial_of(client.get(link["url"] + "?embed=1").text)["error"]["kind"] == "too-many-numbers"
    room = client.post("/api/rooms", json={"state": query}).json()
    assert initial_of(client.get(room["url"]).text)["error"]["kind"] == "too-many-numbers"
    assert client.get("/index.json?" + query).json()["initial"]["error"]["kind"] == "too-many-numbers"


# -- training, networks and gradient checks ---------------------------------------------------------

HEAVY = (
    "w = param(0.5)\nx = 1.5\n"
    + "\n".join(f"h{i} = tanh({'x' if i == 0 else f'h{i - 1}'} * w + x) * 0.9 + x * w" for i in range(150))
    + "\nL = h149 * h149\n"
)


def test_training_is_priced_by_steps_times_graph_size(client: TestClient) -> None:
    started = time.monotonic()
    refused = client.post("/api/train", json={"source": HEAVY, "lr": 0.01, "steps": 2000})
    assert time.monotonic() - started < 5  # refused before any step runs
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["kind"] == "too-much-work" and "at most" in error["message"]
    most = int(error["message"].split("at most ")[1].split(" steps")[0].replace(",", ""))
    assert 1 <= most < 2000
    assert client.post("/api/train", json={"source": HEAVY, "lr": 0.01, "steps": most}).status_code == 200
    small = "w = param(0.5)\nL = (w - 3) ** 2\n"
    assert client.post("/api/train", json={"source": small, "lr": 0.01, "steps": 2000}).status_code == 200


def test_a_long_run_records_a_bounded_number_of_steps(client: TestClient) -> None:
    source = (
        "w = param(0.5)\nv = param([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17])\n"
        "L = (w - 3) ** 2 + sum(v * v)\n"
    )
    body = client.post("/api/train", json={"source": source, "lr": 0.01, "steps": 2000}).json()
    assert len(body["losses"]) == 2000 and body["recorded"][0] == 0 and body["recorded"][-1] == 1999
    assert len(body["recorded"]) == 200 and len(body["params"]["w"]) == 200 and len(body["grads"]["w"]) == 200
    assert "v" not in body["params"] and len(body["final"]["v"]) == 17  # too big for a trajectory
    # the recorded values are the real ones: w follows w ← w − lr·2(w − 3) exactly
    w = 0.5
    expected = {}
    for step in range(2000):
        expected[step] = w
        w -= 0.01 * 2 * (w - 3)
    assert body["params"]["w"] == pytest.approx([expected[k] for k in body["recorded"]], rel=1e-12)


def test_networks_and_gradient_checks_over_budget_are_refused_quickly(client: TestClient) -> None:
    started = time.monotonic()
    network = client.post("/api/network", json={"dataset": "spiral", "points": 1000, "hidden": [96, 96], "steps": 5000})
    gradcheck = client.post(
        "/api/gradcheck",
        json={
            "source": "\n".join(
                [f"x{i} = {i}.5" for i in range(190)] + [f"f = {' + '.join(f'x{i} * x{i}' for i in range(190))}"]
            )
        },
    )
    assert time.monotonic() - started < 5
    for response in (network, gradcheck):
        assert response.status_code == 400 and response.json()["error"]["kind"] == "too-much-work", response.text


# -- fair shares ----------------------------------------------------------------------------------


@pytest.fixture
def two_clients(client: TestClient) -> Iterator[tuple[TestClient, TestClient]]:
    """Two addresses on the app that `client` started (not entered: one lifespan, one pool)."""
    yield (TestClient(application, client=("127.0.0.1", 50001)), TestClient(application, client=("127.0.0.2", 50002)))


def test_one_client_using_its_link_quota_leaves_another_unaffected(
    two_clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(quotas.LIMITS, "links", quotas.parse_many("3/minute"))
    quotas.reset()
    first, second = two_clients
    codes = [first.post("/api/share", json={"state": f"v=1&step={k}"}).status_code for k in range(4)]
    assert codes == [201, 201, 201, 429]
    refused = first.post("/api/share", json={"state": "v=1&step=9"})
    assert int(refused.headers["retry-after"]) >= 1 and "short links" in refused.json()["error"]["message"]
    assert second.post("/api/share", json={"state": "v=1&step=9"}).status_code == 201
    quotas.reset()


def test_one_client_filling_its_rooms_leaves_another_unaffected_and_can_end_one(
    two_clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.rooms, "MAX_ROOMS_PER_CLIENT", 2)
    first, second = two_clients
    rooms = [first.post("/api/rooms", json={"state": "v=1"}) for _ in range(3)]
    assert [r.status_code for r in rooms] == [201, 201, 429]
    assert second.post("/api/rooms", json={"state": "v=1"}).status_code == 201
    code, token = rooms[0].json()["code"], rooms[0].json()["token"]
    assert first.delete(f"/api/rooms/{code}", headers={"x-room-token": "wrong"}).status_code == 403
    assert first.delete(f"/api/rooms/{code}", headers={"x-room-token": token}).status_code == 204
    assert first.get(f"/api/rooms/{code}").status_code == 404
    assert first.post("/api/rooms", json={"state": "v=1"}).status_code == 201


def test_expensive_endpoints_are_rate_limited_per_client(
    two_clients: tuple[TestClient, TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(quotas.LIMITS, "train", quotas.parse_many("2/minute"))
    quotas.reset()
    first, second = two_clients
    request = {"source": "w = param(1)\nL = w * w", "lr": 0.1, "steps": 3}
    assert [first.post("/api/train", json=request).status_code for _ in range(3)] == [200, 200, 429]
    assert second.post("/api/train", json=request).status_code == 200
    quotas.reset()


# -- cached pages and the request ------------------------------------------------------------------


def test_a_poisoned_host_never_reaches_another_visitor(client: TestClient) -> None:
    link = client.post("/api/share", json={"state": "v=1&preset=cs231n&step=4"}).json()
    poisoned = client.get(link["url"] + "?utm=<x>", headers={"host": "evil.example"})
    assert poisoned.status_code == 200 and "evil.example" not in poisoned.text and "utm=" not in poisoned.text
    clean = client.get(link["url"])
    assert clean.text == poisoned.text
    assert "evil.example" not in client.get("/?preset=cs231n", headers={"host": "evil.example"}).text


def test_open_graph_urls_come_from_the_configured_public_url(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.routes.pages as pages

    monkeypatch.setattr(pages, "SETTINGS", pages.SETTINGS.model_copy(update=dict(public_url="https://lab.example.org")))
    page = client.get("/?preset=cs231n", headers={"host": "evil.example"}).text
    assert '<meta property="og:url" content="https://lab.example.org/?preset=cs231n">' in page
    assert '<meta property="og:image" content="https://lab.example.org/static/img/lab-cs231n.png">' in page


def test_the_short_link_page_cache_is_capped_by_bytes(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import app.routes.pages as pages
    from app.cache import ByteCache

    cache = ByteCache(150_000)
    monkeypatch.setattr(pages, "_pages", cache)
    for k in range(12):
        link = client.post("/api/share", json={"state": f"v=1&preset=sigmoid-neuron&step={k}"}).json()
        assert client.get(link["url"]).status_code == 200
    assert 0 < cache.size <= 150_000 and len(cache) < 12


# -- input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, column", [("x = ৪\nf = x * x", 5), ("x = 3\nf = x * ٣.٥", 9)])
def test_only_ascii_digits_are_numbers(client: TestClient, source: str, column: int) -> None:
    error = client.post("/api/trace", json={"source": source}).json()["error"]
    assert error["kind"] == "non-ascii-digit" and error["column"] == column and "0-9" in error["message"]


def test_non_ascii_digits_in_a_links_values_are_ignored_with_a_notice(client: TestClient) -> None:
    initial = client.get("/index.json?v=1&preset=cs231n&values=x:" + quote("٣")).json()["initial"]
    assert any("not understood" in notice for notice in initial["notices"])


def test_room_states_are_limited_in_bytes_not_characters(client: TestClient) -> None:
    response = client.post("/api/rooms", json={"state": "v=1&notes=" + "😀" * 8000})
    assert response.status_code == 413 and "bytes" in response.json()["error"]["message"]


def test_a_wrong_method_answers_405_with_allow(client: TestClient) -> None:
    response = client.put("/api/trace", json={})
    assert response.status_code == 405 and response.headers["allow"] == "POST"
    assert json.loads(response.text)["error"]["kind"] == "method-not-allowed"


# -- deadlines and disconnects on a real server -----------------------------------------------------


def descendants(pid: int) -> set[int]:
    found, pending = set(), [pid]
    while pending:
        current = pending.pop()
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.add(child)
            pending.append(child)
    return found


def busy(pids: set[int]) -> set[int]:
    """The processes among `pids` that are running on a CPU now."""
    running = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "R":
                running.add(pid)
        except OSError:
            continue
    return running


def test_training_stops_when_its_client_goes(tmp_path: Path) -> None:
    unbounded = {
        "BACKPROP_COMPUTE_WORKERS": "1",
        "BACKPROP_MAX_TRAIN_WORK": str(10**13),
        "BACKPROP_TRAIN_DEADLINE": "600",
    }
    with servers.running(tmp_path / "links.sqlite3", environment=unbounded) as live:
        server, port = live.process, live.port
        body = json.dumps({"source": HEAVY, "lr": 0.001, "steps": 2000}).encode()  # minutes of work
        client = socket.create_connection(("127.0.0.1", port))
        client.sendall(
            b"POST /api/train HTTP/1.1\r\nHost: lab\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        time.sleep(2)  # the pool's processes have started and settled: only the training runs
        worker = busy(descendants(server.pid))
        for _ in range(5):  # the process that stays on a CPU
            time.sleep(0.2)
            worker &= busy(descendants(server.pid))
        assert len(worker) == 1, "the training is not running in one worker process"
        client.close()  # the student closes the tab
        deadline = time.monotonic() + 20
        while worker & descendants(server.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not worker & descendants(server.pid), "the worker went on training for nobody"
        small = post_json(f"http://127.0.0.1:{port}/api/trace", {"source": "x = 2\nf = x * x"})
        assert small["trace"]["nodes"][-1]["value"] == 4  # the pool has a fresh worker


def test_a_training_past_its_deadline_is_stopped_with_a_clear_error(tmp_path: Path) -> None:
    with servers.running(
        tmp_path / "links.sqlite3", environment={"BACKPROP_MAX_TRAIN_WORK": str(10**13), "BACKPROP_TRAIN_DEADLINE": "2"}
    ) as live:
        port = live.port
        started = time.monotonic()
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/train",
            headers={"content-type": "application/json"},
            data=json.dumps({"source": HEAVY, "lr": 0.001, "steps": 2000}).encode(),
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=60)  # noqa: S310 - loopback
        assert time.monotonic() - started < 30
        assert refused.value.code == 422
        error = json.loads(refused.value.read())["error"]
        assert error["kind"] == "over-budget" and "2 s" in error["message"]


def post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request, timeout=30).read())  # noqa: S310 - loopback


def test_the_trace_bomb_by_every_door_kills_no_worker(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    with servers.running(
        tmp_path / "links.sqlite3", like_make_run=True, log=log, environment={"BACKPROP_LOG_LEVEL": "info"}
    ) as live:
        server, base = live.process, live.url
        before = servers.workers(server)
        query = "v=1&source=" + quote(trace_bomb(100, 200))
        with pytest.raises(urllib.error.HTTPError) as refused:
            post_json(f"{base}/api/trace", {"source": trace_bomb(100, 200)})
        assert refused.value.code == 400
        link = post_json(f"{base}/api/share", {"state": query})
        room = post_json(f"{base}/api/rooms", {"state": query})
        for path in (f"/?{query}", f"/embed?{query}", link["url"], link["url"] + "?embed=1", room["url"]):
            with urllib.request.urlopen(base + path, timeout=30) as page:  # noqa: S310 - loopback
                assert initial_of(page.read().decode())["error"]["kind"] == "too-many-numbers"
        assert servers.workers(server) == before
        assert "died" not in log.read_text()
