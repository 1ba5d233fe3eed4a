"""Short-link storage: a small interface, and the SQLite backend that implements it (PostgreSQL's is in
store_pg.py)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from .settings import SETTINGS

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}\Z")  # 16 random bytes, base64url without padding: 128 bits
MAX_STATE_BYTES = 16 * 1024

log = logging.getLogger("backprop_lab")


class LinkStore(Protocol):
    """Where shared states live: SQLiteStore for one server, PostgresStore for several."""

    def put(self, state: str) -> tuple[str, bool]:
        """Store a state; return its id and whether it is new (the same state keeps its first id).
        Raises StoreUnavailable when the state could not be stored durably."""
        ...

    def get(self, link_id: str) -> str | None:
        """The state stored under an id, or None. Raises StoreUnavailable when it could not be read."""
        ...

    def check(self) -> None:
        """Raise StoreUnavailable unless the database answers a read (a readiness probe's question)."""
        ...

    def close(self) -> None:
        """Let go of the database connections this store holds."""
        ...


def new_id() -> str:
    return secrets.token_urlsafe(16)


class StoreUnavailable(RuntimeError):  # noqa: N818 - named for the answer: 503 Service Unavailable
    """The link database cannot be used right now: a link was not saved (or not read). Answered 503."""


NOT_SAVED = "the link was not saved: the link database is unavailable right now; please try again later"
NOT_READ = "the link could not be read: the link database is unavailable right now; please try again later"
NOT_READY = "the link database is unavailable right now"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS links (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
    "state TEXT NOT NULL, created REAL NOT NULL DEFAULT (julianday('now')))"
)


def _open(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=True)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute(SCHEMA)
    except BaseException:
        db.close()
        raise
    return db


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` now (device, inode), or None when there is none."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def check_database(path: Path) -> str | None:
    """None when links and rooms can be written, else one line saying why not: checked before serving.
    The SQLite file at `path` holds live rooms whatever the link store; DATABASE_URL may name PostgreSQL."""
    problem = _check_sqlite(path)
    if problem is None and is_postgres(SETTINGS.database_url):
        from .store_pg import check_postgres  # psycopg is loaded only by servers that use it

        problem = check_postgres(SETTINGS.database_url)
    return problem


def _check_sqlite(path: Path) -> str | None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = _open(path)
        try:
            db.execute("BEGIN IMMEDIATE")
            db.execute("INSERT INTO links (id, digest, state) VALUES (?, ?, '')", (new_id(), f"check {new_id()}"))
            db.execute("ROLLBACK")
        finally:
            db.close()
    except (OSError, sqlite3.Error) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        return f"cannot use the link database at {path}: {reason} (set BACKPROP_DB to a writable path)"
    return None


class SQLiteStore:
    """SQLite in WAL mode with synchronous=FULL: a link whose creation returned is on disk.

    Each thread keeps a connection to the file it opened. A file deleted or replaced under a connection
    still takes its writes, which would then be lost at restart: so a write reopens the path when it
    holds another file, checks before and after COMMIT that the file is still the one open, and raises
    StoreUnavailable (never reports success) when it is not, or when SQLite refuses the write.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connection(writing=True)

    def _connection(self, writing: bool = False) -> sqlite3.Connection:
        """This thread's connection, reopened when the path holds another file (or, to write, none)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            current = _identity(self.path)
            if current is None and not writing:
                return db  # deleted while open: reads still answer from the open file
            if current is not None and current == self._local.identity:
                return db
            log.warning("link database %s was deleted or replaced while open; opening it anew", self.path)
            self._forget()
        db = _open(self.path)
        self._local.db, self._local.identity = db, _identity(self.path)
        return db

    def _forget(self) -> None:
        db, self._local.db = getattr(self._local, "db", None), None
        if db is not None:
            with contextlib.suppress(sqlite3.Error):
                db.close()

    def _require_same_file(self) -> None:
        current = _identity(self.path)
        if current is None or current != self._local.identity:
            raise StoreUnavailable(f"{self.path} was deleted or replaced while open")

    def put(self, state: str) -> tuple[str, bool]:
        digest = hashlib.sha256(state.encode()).hexdigest()
        cached = getattr(self._local, "db", None) is not None
        try:
            try:
                return self._put(digest, state)
            except sqlite3.OperationalError as error:
                if not (cached and error.sqlite_errorname.startswith("SQLITE_READONLY")):
                    raise
                # a read opened this connection while the file was read-only; the file may be writable now
                self._forget()
                return self._put(digest, state)
        except (sqlite3.DatabaseError, StoreUnavailable) as error:
            self._forget()
            log.warning("link database %s: a write failed: %s", self.path, error)
            raise StoreUnavailable(NOT_SAVED) from error

    def _put(self, digest: str, state: str) -> tuple[str, bool]:
        db = self._connection(writing=True)
        db.execute("BEGIN IMMEDIATE")  # one write, one transaction
        try:
            row = db.execute("SELECT id FROM links WHERE digest = ?", (digest,)).fetchone()
            if row is not None:
                link = row[0], False
            else:
                link = new_id(), True
                db.execute("INSERT INTO links (id, digest, state) VALUES (?, ?, ?)", (link[0], digest, state))
            self._require_same_file()
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("ROLLBACK")
            raise
        self._require_same_file()  # a COMMIT into a file deleted meanwhile returns, but is lost
        return link

    def get(self, link_id: str) -> str | None:
        if not ID_PATTERN.match(link_id):
            return None
        try:
            row = self._connection(writing=False).execute("SELECT state FROM links WHERE id = ?", (link_id,)).fetchone()
        except sqlite3.DatabaseError as error:
            self._forget()
            log.warning("link database %s: a read failed: %s", self.path, error)
            raise StoreUnavailable(NOT_READ) from error
        return None if row is None else row[0]

    def check(self) -> None:
        # the file at the path now, as a write would open it: a deleted database is not ready
        try:
            self._connection(writing=True).execute("SELECT 1 FROM links LIMIT 1").fetchall()
        except sqlite3.DatabaseError as error:
            self._forget()
            raise StoreUnavailable(NOT_READY) from error

    def close(self) -> None:
        """Close this thread's connection; those of the threads that ran requests close as their threads end
        (each belongs to its thread: SQLite refuses to close it from another)."""
        self._forget()


def database_path() -> Path:
    """The SQLite file for links (and live rooms): BACKPROP_DB, by default data/links.sqlite3."""
    return SETTINGS.db


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))


def open_store() -> LinkStore:
    """The store the settings name: PostgreSQL at DATABASE_URL (postgresql://…), else SQLite at BACKPROP_DB."""
    if is_postgres(SETTINGS.database_url):
        from .store_pg import PostgresStore

        return PostgresStore(SETTINGS.database_url)
    return SQLiteStore(database_path())
