"""Operating the lab: /healthz, /readyz (the link database and Redis answer, or 503 says which does not),
Prometheus metrics at /metrics (summed over a server's workers), and JSON access logs."""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from app import metrics
from app.presets import PRESETS
from app.routes import ops
from app.store import SQLiteStore
from tests import servers
from tests.servers import free_port

ACCESS_FIELDS = {"time", "method", "path", "status", "duration_ms", "client", "pid"}


def wait_until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.02)


@contextmanager
def dependencies(client: TestClient, **replacements: Any) -> Iterator[None]:
    """The app with its link store (`links`) or room hub (`rooms`) replaced for a while."""
    state = client.app.state  # type: ignore[attr-defined]
    saved = {name: getattr(state, name) for name in replacements}
    for name, replacement in replacements.items():
        setattr(state, name, replacement)
    try:
        yield
    finally:
        for name, original in saved.items():
            setattr(state, name, original)


def metric(text: str, name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when there are none)."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name and labels.items() <= sample.labels.items()
    )


def growth(before: str, after: str, name: str, **labels: str) -> float:
    """How much a metric grew between two scrapes."""
    return metric(after, name, **labels) - metric(before, name, **labels)


def scrape(client: TestClient) -> str:
    return client.get("/metrics").text


# -- liveness and readiness ------------------------------------------------------------------------


class HungStore:
    """A link store whose check() answers only once released, counting how often it was asked."""

    def __init__(self) -> None:
        self.released = threading.Event()
        self.calls = 0

    def check(self) -> None:
        self.calls += 1
        self.released.wait(30)


class RedisRooms:
    """Stands in for the room hub of several servers: its ping() asks Redis, as that hub's does."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=5, socket_timeout=5)

    def ping(self) -> bool:
        return bool(self.client.ping())


class SilentRooms:
    """A hub whose (asynchronous) ping never answers in time."""

    async def ping(self) -> bool:
        await asyncio.sleep(5)
        return True


def test_healthz_answers_while_the_process_serves_whatever_its_dependencies_do(client: TestClient) -> None:
    with dependencies(client, links=HungStore()):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_is_ready_when_the_link_database_answers(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200 and response.json()["status"] == "ready"
    assert response.json()["checks"]["database"] == "ok" and set(response.json()["checks"].values()) == {"ok"}


def test_readyz_is_503_naming_a_link_database_that_cannot_be_read(client: TestClient, tmp_path: Path) -> None:
    db = tmp_path / "links.sqlite3"
    store = SQLiteStore(db)
    for sibling in tmp_path.iterdir():
        sibling.unlink()
    db.mkdir()  # what was the database is now a directory: SQLite cannot open it
    with dependencies(client, links=store):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["database"].startswith("StoreUnavailable: ")


def test_readyz_gives_a_hung_database_a_second_and_asks_it_once_however_often_probed(client: TestClient) -> None:
    store = HungStore()
    try:
        with dependencies(client, links=store):
            for _ in range(3):
                started = time.monotonic()
                response = client.get("/readyz")
                assert time.monotonic() - started < 2.5
                assert response.status_code == 503
                assert response.json()["checks"]["database"] == "no answer within 1 s"
            assert store.calls == 1  # one thread waits on the hung database, not one per probe
            store.released.set()
            wait_until(lambda: client.get("/readyz").status_code == 200)
    finally:
        store.released.set()


@pytest.fixture
def with_redis(redis_server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Settings that keep rooms in the suite's Redis (REDIS_URL); its URL."""
    monkeypatch.setattr(ops, "SETTINGS", ops.SETTINGS.model_copy(update={"redis_url": redis_server.url}))
    return str(redis_server.url)


def test_readyz_pings_redis_through_the_room_hub(client: TestClient, with_redis: str) -> None:
    with dependencies(client, rooms=RedisRooms(with_redis)):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


def test_readyz_is_503_naming_redis_when_it_cannot_be_reached(client: TestClient, with_redis: str) -> None:
    with dependencies(client, rooms=RedisRooms(f"redis://127.0.0.1:{free_port()}/0")):
        response = client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok" and checks["redis"].startswith("ConnectionError: ")


def test_readyz_gives_an_asynchronous_ping_a_second_too(client: TestClient) -> None:
    with dependencies(client, rooms=SilentRooms()):
        started = time.monotonic()
        response = client.get("/readyz")
    assert time.monotonic() - started < 2.5
    assert response.status_code == 503 and response.json()["checks"]["rooms"] == "no answer within 1 s"


# -- metrics of one process ------------------------------------------------------------------------


def test_requests_are_counted_and_timed_by_route_template(client: TestClient) -> None:
    before = scrape(client)
    for preset in PRESETS[:3]:
        assert client.get(f"/api/presets/{preset.id}").status_code == 200
    assert client.get("/no/such/page").status_code == 404
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    after = response.text
    template = {"handler": "/api/presets/{preset_id}", "method": "GET"}
    assert growth(before, after, "http_requests_total", **template, status="200") == 3
    assert growth(before, after, "http_request_duration_seconds_count", **template) == 3
    assert growth(before, after, "http_request_duration_seconds_bucket", **template, le="+Inf") == 3
    assert metric(after, "http_requests_total", handler="none", status="404") >= 1  # unmatched paths, as one
    assert f'handler="/api/presets/{PRESETS[0].id}"' not in after and "/no/such/page" not in after
    assert 'handler="/metrics"' not in after


def test_the_lab_s_own_metrics_are_exposed(client: TestClient) -> None:
    names = {family.name for family in text_string_to_metric_families(scrape(client))}
    assert {
        "backprop_websockets_open",
        "backprop_rooms_taught",
        "backprop_compute_seconds",
        "backprop_cache_lookups",
    } <= names


def test_open_websockets_and_taught_rooms_follow_the_connections(client: TestClient) -> None:
    def counts() -> tuple[float, float, float]:
        text = scrape(client)
        return (
            metric(text, "backprop_websockets_open", role="teacher"),
            metric(text, "backprop_websockets_open", role="student"),
            metric(text, "backprop_rooms_taught"),
        )

    teachers, students, rooms = counts()
    room = client.post("/api/rooms", json={"state": "v=1"}).json()
    path = f"/ws/rooms/{room['code']}"
    with client.websocket_connect(f"{path}?token={room['token']}") as teacher:
        teacher.receive_json()
        with client.websocket_connect(path) as student:
            student.receive_json()
            assert counts() == (teachers + 1, students + 1, rooms + 1)
        wait_until(lambda: counts() == (teachers + 1, students, rooms + 1))
    wait_until(lambda: counts() == (teachers, students, rooms))


def test_compute_time_is_measured_per_task_and_page_traces_count_cache_hits(client: TestClient) -> None:
    before = scrape(client)
    assert client.post("/api/trace", json={"source": "x = 2\nf = x * x"}).status_code == 200
    assert client.post("/api/trace", json={"source": "x = = 2"}).status_code == 400
    page = f"/?v=1&source=x%20%3D%20{time.time_ns()}%0Af%20%3D%20x%20*%20x"  # a program no test opened before
    assert client.get(page).status_code == 200 and client.get(page).status_code == 200
    after = scrape(client)
    timed = "backprop_compute_seconds_count"
    assert growth(before, after, timed, task="build_trace_json", outcome="ok") == 1
    assert growth(before, after, timed, task="build_trace_json", outcome="error") == 1  # a program that cannot run
    assert growth(before, after, timed, task="build_page_trace", outcome="ok") == 1  # once for both page views
    assert growth(before, after, "backprop_cache_lookups_total", cache="traces", result="miss") == 1
    assert growth(before, after, "backprop_cache_lookups_total", cache="traces", result="hit") == 1


def test_several_workers_share_a_fresh_metrics_directory_removed_at_the_end() -> None:
    assert metrics.SHARED_DIRECTORY not in os.environ
    with metrics.shared_by_workers(1):
        assert metrics.SHARED_DIRECTORY not in os.environ  # one process keeps its metrics in memory
    with metrics.shared_by_workers(2):
        directory = Path(os.environ[metrics.SHARED_DIRECTORY])
        assert directory.is_dir() and not any(directory.iterdir())
    assert metrics.SHARED_DIRECTORY not in os.environ and not directory.exists()


# -- a real server of two workers ------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[servers.Server, Path]]:
    """`python -m app` with two worker processes and its access log on (BACKPROP_LOG_LEVEL=info)."""
    folder = tmp_path_factory.mktemp("two-workers")
    log = folder / "server.log"
    environment = {"BACKPROP_WORKERS": "2", "BACKPROP_LOG_LEVEL": "info"}
    with servers.running(folder / "links.sqlite3", like_make_run=True, environment=environment, log=log) as live:
        yield live, log


def access_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_metrics_of_a_server_sum_its_workers(two_workers: tuple[servers.Server, Path]) -> None:
    live, log = two_workers
    sent = 0
    with ThreadPoolExecutor(8) as pool:
        while len({line["pid"] for line in access_lines(log) if line["path"] == "/healthz"}) < 2:
            assert sent < 2000, "one worker answered every request"
            assert all(status == 200 for status, _ in pool.map(get, [f"{live.url}/healthz"] * 20))
            sent += 20
            time.sleep(0.1)

    def counted() -> float:
        return metric(get(f"{live.url}/metrics")[1], "http_requests_total", handler="/healthz", status="200")

    wait_until(lambda: counted() == sent)
    assert [counted() for _ in range(6)] == [sent] * 6  # whichever worker answers, it counts both workers'


def test_the_access_log_is_one_json_line_per_request(two_workers: tuple[servers.Server, Path]) -> None:
    live, log = two_workers
    assert get(f"{live.url}/api/presets?token=s3cret")[0] == 200
    assert get(f"{live.url}/no/such/page")[0] == 404
    with connect(f"ws://127.0.0.1:{live.port}/ws/rooms/ZZZZZZ") as socket:
        assert "no live room" in json.loads(socket.recv(timeout=10))["message"]

    def line_for(path: str) -> dict[str, Any] | None:
        return next((line for line in access_lines(log) if line["path"] == path), None)

    wait_until(lambda: all(line_for(path) for path in ("/api/presets", "/no/such/page", "/ws/rooms/ZZZZZZ")))
    assert (line_for("/api/presets") or {})["status"] == 200
    assert (line_for("/no/such/page") or {})["status"] == 404
    assert (line_for("/ws/rooms/ZZZZZZ") or {})["status"] == 101
    workers = servers.workers(live.process)
    for line in access_lines(log):
        assert set(line) == ACCESS_FIELDS
        assert datetime.fromisoformat(line["time"]).utcoffset() is not None
        assert line["method"] == "GET" and line["client"] == "127.0.0.1" and line["pid"] in workers
        assert isinstance(line["status"], int) and line["duration_ms"] >= 0
    text = log.read_text()
    assert "s3cret" not in text  # the query stays out of the log
    assert "HTTP/1.1" not in text  # uvicorn's own access log is off
