"""Short links in PostgreSQL: the LinkStore that several app servers share (DATABASE_URL=postgresql://…)."""

from __future__ import annotations

import hashlib
import logging
import re
import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from .store import ID_PATTERN, NOT_READ, NOT_READY, NOT_SAVED, StoreUnavailable, new_id

log = logging.getLogger("backprop_lab")

# The state is kept as bytes: PostgreSQL's text refuses NUL and follows the database's encoding; bytea
# gives back exactly what was stored, as SQLite does.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS links (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
    "state BYTEA NOT NULL, created TIMESTAMPTZ NOT NULL DEFAULT now())"
)
SCHEMA_LOCK = int.from_bytes(b"backprop", "big")  # the advisory lock every starting process takes
INSERT = "INSERT INTO links (id, digest, state) VALUES (%s, %s, %s) ON CONFLICT (digest) DO NOTHING RETURNING id"
FIND = "SELECT id FROM links WHERE digest = %s"
READ = "SELECT state FROM links WHERE id = %s"
FIX = "set DATABASE_URL to a PostgreSQL server that takes writes, or unset it to keep links in SQLite"

POOL_SIZE = (1, 8)  # connections per app process, least and most: each worker process has its own pool
POOL_TIMEOUT = 2.0  # seconds a request waits for a connection before it is answered 503
# A failed reconnection is given up after this long; the next request starts a fresh attempt at once,
# so a database that comes back is used within seconds, not after a long exponential backoff.
RECONNECT_TIMEOUT = 5.0
# Every wait has a bound, so a request meets a database that is down or unreachable with a 503, never a
# hang: connecting, each statement, and (keepalives, unacknowledged data) a peer that vanished.
CONNECTION = {
    "connect_timeout": 2,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 2,
    "tcp_user_timeout": 5000,
    "application_name": "backprop-lab",
}
# A commit returns once it is on the server's disk, whatever the server's default.
SESSION_OPTIONS = "-c statement_timeout=3s -c synchronous_commit=on"


def connection_settings(url: str) -> dict[str, Any]:
    """The URL's parameters over our bounded waits; its own `options` come after ours, so they win."""
    given = conninfo_to_dict(url)
    options = f"{SESSION_OPTIONS} {given.pop('options', '')}".strip()
    # autocommit: each statement is its own transaction, so a statement that returned is committed
    return {**CONNECTION, **given, "options": options, "autocommit": True}


def shown(url: str) -> str:
    """The URL as it may be printed or logged: a password in it becomes ***."""
    url = re.sub(r"(://[^:/@?]*):[^@/?]*@", r"\1:***@", url)
    return re.sub(r"([?&]password=)[^&]*", r"\1***", url)


def closed_by_server(connection: psycopg.Connection[Any]) -> bool:
    """Whether the server has closed an idle connection (a restart, an idle timeout): its socket then has
    something to read, a goodbye or the end of the stream, while a live idle one has nothing. Asking the
    socket costs no round trip: the pool's own check, a ping before each use, cost a fifth to a third of
    the links served per second in bench/share_load.py."""
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def create_schema(connection: psycopg.Connection[Any]) -> None:
    """The links table, if missing. The advisory lock lets processes starting at once take turns:
    CREATE TABLE IF NOT EXISTS alone can fail in the second of two concurrent transactions."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        connection.execute(SCHEMA)


def check_postgres(url: str) -> str | None:
    """None when links can be written to the PostgreSQL at `url`, else one line saying why not."""
    try:
        with psycopg.connect(**connection_settings(url)) as connection:
            create_schema(connection)
            with connection.transaction(force_rollback=True):
                row = (new_id(), f"check {new_id()}", b"")
                connection.execute("INSERT INTO links (id, digest, state) VALUES (%s, %s, %s)", row)
    except psycopg.Error as error:
        reason = " ".join(str(error).split())  # libpq's messages run over several lines
        return f"cannot use the link database at {shown(url)}: {reason} ({FIX})"
    return None


class PostgresStore:
    """One links table that every app process and server naming the database shares.

    Each statement commits on its own, with synchronous_commit on: a put that returned is on the
    server's disk. A pooled connection the server closed is dropped before use, so the requests after a
    database restart meet fresh connections, not the dead ones from before.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        settings = connection_settings(url)
        with psycopg.connect(**settings) as connection:
            create_schema(connection)
        self._pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            kwargs=settings,
            min_size=POOL_SIZE[0],
            max_size=POOL_SIZE[1],
            timeout=POOL_TIMEOUT,
            reconnect_timeout=RECONNECT_TIMEOUT,
            name="links",
            open=True,
        )

    @contextmanager
    def _connection(self, failure: str) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection; a database failure while it is used is StoreUnavailable(failure)."""
        try:
            with self._live_connection() as connection:
                yield connection
        except psycopg.Error as error:
            log.warning("link database %s: %s", shown(self.url), " ".join(str(error).split()))
            raise StoreUnavailable(failure) from error

    @contextmanager
    def _live_connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection the server has not closed. Closed ones are dropped until a live one comes,
        or a new one (each wait for the pool is bounded), so none of them fails a request."""
        while True:
            with self._pool.connection() as connection:
                if not closed_by_server(connection):
                    yield connection
                    return
                connection.close()  # the pool replaces a closed connection instead of lending it again

    def put(self, state: str) -> tuple[str, bool]:
        digest = hashlib.sha256(state.encode()).hexdigest()
        with self._connection(NOT_SAVED) as connection:
            inserted = connection.execute(INSERT, (new_id(), digest, state.encode())).fetchone()
            if inserted is not None:
                return inserted[0], True
            # stored before, or by a concurrent put that the INSERT waited for: a new statement sees it
            existing = connection.execute(FIND, (digest,)).fetchone()
        if existing is None:  # deleted by hand between the two statements: nothing holds the state
            raise StoreUnavailable(NOT_SAVED)
        return existing[0], False

    def get(self, link_id: str) -> str | None:
        if not ID_PATTERN.match(link_id):
            return None
        with self._connection(NOT_READ) as connection:
            row = connection.execute(READ, (link_id,)).fetchone()
        return None if row is None else bytes(row[0]).decode()

    def check(self) -> None:
        """Raise StoreUnavailable unless the links table answers a read: a readiness probe's question."""
        with self._connection(NOT_READY) as connection:
            connection.execute("SELECT 1 FROM links LIMIT 1").fetchall()

    def close(self) -> None:
        """Close the pool's connections and stop its maintenance threads."""
        self._pool.close()
