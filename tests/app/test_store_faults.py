"""Link database faults: an unusable path (or PostgreSQL) stops `python -m app` with one line; a database
lost while the server runs turns link requests into 503s (never a 201 for a link that would not survive
a restart), and its return brings them back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from app.store import SQLiteStore, StoreUnavailable, check_database
from app.store_pg import PostgresStore, connection_settings
from tests.servers import ROOT, free_port, running, start, workers
from tests.services import Postgres, postgres

STATE = "v=1&source=x%20%3D%202%0Af%20%3D%20x%20*%20x&step={}"


def request(port: int, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], Any]:
    """Status, headers and JSON body of one request to the test server."""
    data = None if body is None else json.dumps(body).encode()
    outgoing = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", data=data, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


# -- at start --------------------------------------------------------------------------------------


def _under_a_file(tmp_path: Path) -> Path:
    (tmp_path / "a-file").write_text("not a directory")
    return tmp_path / "a-file" / "links.sqlite3"


def _a_directory(tmp_path: Path) -> Path:
    (tmp_path / "links.sqlite3").mkdir()
    return tmp_path / "links.sqlite3"


@pytest.mark.parametrize(
    "unusable",
    [_under_a_file, _a_directory, lambda _: Path("/dev/null/links.sqlite3")],
    ids=["under-a-file", "a-directory", "under-dev-null"],
)
def test_python_m_app_refuses_an_unusable_database_with_one_clear_line(tmp_path: Path, unusable: Any) -> None:
    db = unusable(tmp_path)
    environment = {**os.environ, "BACKPROP_DB": str(db), "BACKPROP_PORT": str(free_port())}
    finished = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=environment, capture_output=True, timeout=30)
    lines = finished.stderr.decode().strip().splitlines()
    assert finished.returncode == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"backprop-lab: cannot use the link database at {db}: ") and "BACKPROP_DB" in lines[0]


def python_m_app(environment: dict[str, str]) -> tuple[int, list[str]]:
    """`python -m app` with `environment` added: its exit status and its stderr's lines."""
    environment = {**os.environ, "BACKPROP_PORT": str(free_port()), **environment}
    finished = subprocess.run([sys.executable, "-m", "app"], cwd=ROOT, env=environment, capture_output=True, timeout=30)
    return finished.returncode, finished.stderr.decode().strip().splitlines()


@pytest.mark.parametrize("problem", ["nothing-listening", "no-such-database"])
def test_python_m_app_refuses_an_unusable_postgresql_with_one_clear_line(
    tmp_path: Path, postgres_server: Postgres, problem: str
) -> None:
    server = postgres_server.url.rsplit("/", 1)[0].replace("lab@", "lab:secret@")
    if problem == "nothing-listening":
        server = server.replace(f":{postgres_server.port}", f":{free_port()}")
    url = f"{server}/{'lab' if problem == 'nothing-listening' else 'no_such_database'}"
    status, lines = python_m_app({"BACKPROP_DB": str(tmp_path / "links.sqlite3"), "DATABASE_URL": url})
    assert status == 2
    assert len(lines) == 1, lines
    shown = url.replace("lab:secret@", "lab:***@")
    assert lines[0].startswith(f"backprop-lab: cannot use the link database at {shown}: ")
    assert "DATABASE_URL" in lines[0]
    assert "secret" not in lines[0]


def test_a_writable_path_passes_the_start_check_and_keeps_no_trace_of_it(tmp_path: Path) -> None:
    db = tmp_path / "new" / "links.sqlite3"
    assert check_database(db) is None
    assert SQLiteStore(db).get("A" * 22) is None and db.exists()


# -- in the store ----------------------------------------------------------------------------------


def test_a_database_replaced_by_a_directory_fails_the_write_and_a_restored_one_takes_it(tmp_path: Path) -> None:
    db = tmp_path / "links.sqlite3"
    store = SQLiteStore(db)
    store.put(STATE.format(1))
    for sibling in tmp_path.iterdir():
        sibling.unlink()
    db.mkdir()
    with pytest.raises(StoreUnavailable):
        store.put(STATE.format(2))
    db.rmdir()
    link_id, created = store.put(STATE.format(3))
    assert created and SQLiteStore(db).get(link_id) == STATE.format(3)


def test_the_readiness_check_fails_while_the_database_folder_is_gone_and_passes_once_it_is_back(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "data"
    store = SQLiteStore(folder / "links.sqlite3")
    store.check()
    shutil.rmtree(folder)
    with pytest.raises(StoreUnavailable):
        store.check()
    folder.mkdir()
    store.check()


@pytest.fixture
def immutable(tmp_path: Path) -> Iterator[list[Path]]:
    """Files to make read-only even for root (chattr +i); skips where the file system does not allow it."""
    chosen: list[Path] = []
    yield chosen
    if chosen:
        subprocess.run(["chattr", "-i", *map(str, chosen)], check=False)


def test_a_database_made_read_only_while_open_fails_the_write(tmp_path: Path, immutable: list[Path]) -> None:
    db = tmp_path / "links.sqlite3"
    store = SQLiteStore(db)
    link_id = store.put(STATE.format(1))[0]
    # the database and its log, not the shared-memory index: SQLite maps that, and writes to a mapped
    # immutable file kill the process (SIGBUS)
    immutable.extend([db, db.with_name(db.name + "-wal")])
    if (
        shutil.which("chattr") is None
        or subprocess.run(["chattr", "+i", *map(str, immutable)], capture_output=True).returncode != 0
    ):
        immutable.clear()
        pytest.skip("chattr +i is not available here")
    with pytest.raises(StoreUnavailable):
        store.put(STATE.format(2))
    assert store.get(link_id) == STATE.format(1)  # reads still answer
    subprocess.run(["chattr", "-i", *map(str, immutable)], check=True)
    immutable.clear()
    assert store.put(STATE.format(2))[1]


# -- in the running server -------------------------------------------------------------------------


def test_a_deleted_database_directory_turns_link_writes_into_503_and_nothing_else(tmp_path: Path) -> None:
    folder, port = tmp_path / "data", free_port()
    db = folder / "links.sqlite3"
    server = start(db, port, like_make_run=True, environment={"BACKPROP_RATE_LINKS": "1000/minute"})
    try:
        before = workers(server)
        assert request(port, "/api/share", {"state": STATE.format(0)})[0] == 201
        shutil.rmtree(folder)
        for k in range(1, 13):  # each worker and thread that holds a connection, several times over
            status, headers, body = request(port, "/api/share", {"state": STATE.format(k)})
            assert status == 503, body
            assert body["error"]["kind"] == "unavailable" and headers["retry-after"] == "30"
        assert request(port, "/api/presets")[0] == 200
        assert request(port, "/api/trace", {"source": "x = 2\nf = x * x"})[0] == 200
        folder.mkdir()  # the directory is back: the next write goes to a new database there
        status, _, body = request(port, "/api/share", {"state": STATE.format(20)})
        assert status == 201 and request(port, f"/api/share/{body['id']}")[0] == 200
        assert workers(server) == before
    finally:
        server.terminate()
        server.wait(timeout=10)
    server = start(db, port, like_make_run=True)  # and after a restart the link written since is there
    try:
        assert request(port, f"/api/share/{body['id']}")[2]["state"] == STATE.format(20)
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- PostgreSQL in the running server --------------------------------------------------------------

# The pool waits 2 s for a connection; this leaves a slow machine room and is still far from a hang.
ANSWER_BOUND = 10.0


def answered_quickly(port: int, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, str], Any]:
    began = time.monotonic()
    answer = request(port, path, body)
    assert time.monotonic() - began < ANSWER_BOUND, path
    return answer


def eventually_created(port: int, state: str) -> dict[str, Any]:
    """The link made from `state` once the server can make it again (within 30 s)."""
    deadline = time.monotonic() + 30
    while (answer := request(port, "/api/share", {"state": state}))[0] != 201 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer[0] == 201, answer
    return answer[2]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[Postgres]:
    """A cluster of this module's own: stopping the suite's shared one would fail the tests beside these."""
    with postgres() as database:
        yield database


@pytest.fixture
def stoppable(private_postgres: Postgres) -> Iterator[Postgres]:
    """The private cluster, running again after the test whatever the test did to it."""
    yield private_postgres
    if private_postgres.process is None:
        private_postgres.start()


def test_a_stopped_postgresql_answers_link_requests_503_quickly_and_its_return_recovers(
    tmp_path: Path, stoppable: Postgres
) -> None:
    database = stoppable
    with running(tmp_path / "rooms.sqlite3", environment={"DATABASE_URL": database.url}) as app:
        status, _, link = request(app.port, "/api/share", {"state": STATE.format(0)})
        assert status == 201
        store = PostgresStore(database.url)
        try:
            database.stop()
            for k in range(1, 3):  # the pool's connection is dead now, and no new one can be made
                for path, body in (("/api/share", {"state": STATE.format(k)}), (f"/api/share/{link['id']}", None)):
                    status, headers, answer = answered_quickly(app.port, path, body)
                    assert status == 503, answer
                    assert answer["error"]["kind"] == "unavailable" and headers["retry-after"] == "30"
            assert answered_quickly(app.port, "/api/presets")[0] == 200
            assert answered_quickly(app.port, "/api/trace", {"source": "x = 2\nf = x * x"})[0] == 200
            with pytest.raises(StoreUnavailable):
                store.check()
            database.start()
            began = time.monotonic()
            made = eventually_created(app.port, STATE.format(20))
            assert request(app.port, f"/api/share/{made['id']}")[2]["state"] == STATE.format(20)
            assert request(app.port, f"/api/share/{link['id']}")[2]["state"] == STATE.format(0)
            store.check()
            print(f"recovered in {time.monotonic() - began:.2f} s")
        finally:
            store.close()


def test_after_a_postgresql_restart_between_requests_the_next_ones_meet_no_dead_connection(
    stoppable: Postgres,
) -> None:
    store = PostgresStore(stoppable.url)
    try:
        start = threading.Barrier(8)

        def check_with_the_others(_: int) -> None:
            start.wait()
            store.check()

        with ThreadPoolExecutor(max_workers=8) as pool:  # the pool grows several connections
            list(pool.map(check_with_the_others, range(8)))
        link_id = store.put(STATE.format(1))[0]
        stoppable.stop()
        stoppable.start()
        assert [store.get(link_id) for _ in range(10)] == [STATE.format(1)] * 10
        assert store.put(STATE.format(2))[1]
    finally:
        store.close()


def test_options_in_database_url_come_after_the_stores_own_so_they_win() -> None:
    settings = connection_settings("postgresql://lab@db/lab?options=-c%20statement_timeout%3D60s&connect_timeout=9")
    assert settings["options"].endswith("-c statement_timeout=60s") and "synchronous_commit=on" in settings["options"]
    assert settings["connect_timeout"] == "9" and settings["autocommit"] is True
