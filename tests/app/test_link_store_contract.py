"""The LinkStore contract, run against every implementation (SQLite and PostgreSQL), each test on a
database of its own; and two real app servers sharing one PostgreSQL database."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from app.store import ID_PATTERN, MAX_STATE_BYTES, LinkStore, SQLiteStore
from app.store_pg import PostgresStore
from tests.servers import running
from tests.services import Postgres

OpenStore = Callable[[], LinkStore]


@contextmanager
def fresh_database(server: Postgres) -> Iterator[str]:
    """The DATABASE_URL of a new, empty database on `server`, dropped (connections and all) at the end."""
    name = f"links_{secrets.token_hex(6)}"
    with psycopg.connect(server.url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield server.url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(server.url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """Opens a store of one kind on this test's own database, as often as asked; all closed at the end."""
    opened: list[LinkStore] = []
    with ExitStack() as cleanup:
        if request.param == "sqlite":
            location: Any = tmp_path / "links.sqlite3"
            kind: Callable[[Any], LinkStore] = SQLiteStore
        else:
            location = cleanup.enter_context(fresh_database(request.getfixturevalue("postgres_server")))
            kind = PostgresStore

        def open_one() -> LinkStore:
            opened.append(kind(location))
            return opened[-1]

        yield open_one
        for store in opened:
            store.close()


@pytest.fixture
def store(open_store: OpenStore) -> LinkStore:
    return open_store()


def state_of_bytes(size: int) -> str:
    """A lab state of exactly `size` bytes in UTF-8, mostly two-byte characters."""
    prefix = "v=1&source="
    room = size - len(prefix)
    return prefix + "é" * (room // 2) + "x" * (room % 2)


STATES = {
    "plain": "v=1&source=x%20%3D%202%0Af%20%3D%20x%20*%20x&step=3",
    "unicode": "v=1&source=θ = 2 # ünïcödé ∂f/∂θ 🧮",
    "control-characters": "v=1&source=a\x00b\x01c\r\nd\te",
    "exactly-the-cap": state_of_bytes(MAX_STATE_BYTES),
}


# -- every implementation ------------------------------------------------------------------------


@pytest.mark.parametrize("state", STATES.values(), ids=STATES.keys())
def test_a_stored_state_comes_back_byte_identical(store: LinkStore, state: str) -> None:
    link_id, created = store.put(state)
    assert created
    assert store.get(link_id).encode() == state.encode()  # type: ignore[union-attr]


def test_the_same_state_keeps_its_first_id_and_only_the_first_put_is_new(store: LinkStore) -> None:
    first = store.put(STATES["plain"])
    assert first[1] and store.put(STATES["plain"]) == (first[0], False)


def test_states_that_differ_in_one_byte_get_different_ids(store: LinkStore) -> None:
    ids = {store.put(f"v=1&step={k}")[0] for k in range(20)} | {store.put("v=1&step=1 ")[0]}
    assert len(ids) == 21


def test_ids_are_128_random_bits_in_url_safe_base64(store: LinkStore) -> None:
    ids = [store.put(f"v=1&step={k}")[0] for k in range(200)]
    assert all(ID_PATTERN.match(link_id) for link_id in ids) and len(set(ids)) == len(ids)
    assert all(len(base64.urlsafe_b64decode(link_id + "==")) == 16 for link_id in ids)
    # neither counted nor derived from the state: consecutive ids share no prefix
    assert sum(a[:4] == b[:4] for a, b in zip(ids, ids[1:])) == 0


def test_an_unknown_id_reads_as_none(store: LinkStore) -> None:
    store.put(STATES["plain"])
    assert store.get(secrets.token_urlsafe(16)) is None


@pytest.mark.parametrize(
    "malformed",
    ["", "short", "A" * 23, "A" * 21 + "!", "' OR '1'='1' --", "../../etc/passwd", "é" * 22, "A" * 10_000],
)
def test_a_malformed_id_reads_as_none(store: LinkStore, malformed: str) -> None:
    store.put(STATES["plain"])
    assert store.get(malformed) is None


def test_a_real_id_with_a_trailing_newline_is_not_that_link(store: LinkStore) -> None:
    link_id = store.put(STATES["plain"])[0]
    assert store.get(link_id + "\n") is None and store.get(link_id) == STATES["plain"]


def test_concurrent_puts_of_one_state_make_one_link_and_one_of_them_new(store: LinkStore) -> None:
    threads = 24
    start = threading.Barrier(threads)

    def put_when_all_are_ready(_: int) -> tuple[str, bool]:
        start.wait()
        return store.put(STATES["unicode"])

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(put_when_all_are_ready, range(threads)))
    assert len({link_id for link_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_concurrent_puts_of_different_states_all_land(store: LinkStore) -> None:
    states = [f"v=1&step={k}" for k in range(64)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(store.put, states))
    assert all(created for _, created in results)
    assert [store.get(link_id) for link_id, _ in results] == states


def test_a_link_outlives_the_store_that_wrote_it(open_store: OpenStore) -> None:
    first = open_store()
    link_id = first.put(STATES["unicode"])[0]
    first.close()
    again = open_store()
    assert again.get(link_id) == STATES["unicode"]
    assert again.put(STATES["unicode"]) == (link_id, False)


def test_check_passes_on_a_usable_database(store: LinkStore) -> None:
    store.check()


# -- PostgreSQL ----------------------------------------------------------------------------------


def test_postgres_stores_opened_at_once_on_a_new_database_share_one_schema(postgres_server: Postgres) -> None:
    processes = 8
    start = threading.Barrier(processes)
    with fresh_database(postgres_server) as url:

        def open_when_all_are_ready(_: int) -> PostgresStore:
            start.wait()
            return PostgresStore(url)

        with ThreadPoolExecutor(max_workers=processes) as pool:
            stores = list(pool.map(open_when_all_are_ready, range(processes)))
        try:
            results = [store.put(STATES["plain"]) for store in stores]
            assert len({link_id for link_id, _ in results}) == 1
            assert [created for _, created in results] == [True] + [False] * (processes - 1)
        finally:
            for store in stores:
                store.close()


# -- two app servers, one database ---------------------------------------------------------------


def share(base: str, state: str) -> tuple[int, dict[str, Any]]:
    outgoing = urllib.request.Request(
        f"{base}/api/share", data=json.dumps({"state": state}).encode(), headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(outgoing, timeout=15) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def read(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=15) as response:
        return response.status, response.read()


def test_a_link_made_on_one_server_opens_on_another(postgres_server: Postgres, tmp_path: Path) -> None:
    with (
        fresh_database(postgres_server) as url,
        running(tmp_path / "a.sqlite3", environment={"DATABASE_URL": url}) as a,
        running(tmp_path / "b.sqlite3", environment={"DATABASE_URL": url}) as b,
    ):
        status, link = share(a.url, STATES["unicode"])
        assert status == 201
        status, body = read(f"{b.url}/api/share/{link['id']}")
        assert status == 200 and json.loads(body)["state"] == STATES["unicode"]
        status, body = read(f"{b.url}/s/{link['id']}")
        assert status == 200 and b"<html" in body
        assert share(b.url, STATES["unicode"]) == (200, link)  # the same state keeps its id on every server
        status, at_the_cap = share(b.url, STATES["exactly-the-cap"])
        assert status == 201
        assert json.loads(read(f"{a.url}/api/share/{at_the_cap['id']}")[1])["state"] == STATES["exactly-the-cap"]
        assert share(a.url, state_of_bytes(MAX_STATE_BYTES + 1))[0] == 413
