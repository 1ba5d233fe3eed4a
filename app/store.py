"""Short-link storage: a small interface, and the SQLite backend that implements it."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import sqlite3
import threading
from pathlib import Path
from typing import Protocol

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, base64url without padding: 128 bits
MAX_STATE_BYTES = 16 * 1024


class LinkStore(Protocol):
    """Where shared states live. A PostgreSQL backend for several app servers would implement this."""

    def put(self, state: str) -> tuple[str, bool]:
        """Store a state; return its id and whether it is new (the same state keeps its first id)."""
        ...

    def get(self, link_id: str) -> str | None:
        """The state stored under an id, or None."""
        ...


def new_id() -> str:
    return secrets.token_urlsafe(16)


class SQLiteStore:
    """SQLite in WAL mode with synchronous=FULL: a link whose creation returned is on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        with self._connection() as db:
            db.execute("CREATE TABLE IF NOT EXISTS links (id TEXT PRIMARY KEY, digest TEXT NOT NULL UNIQUE, "
                       "state TEXT NOT NULL, created REAL NOT NULL DEFAULT (julianday('now')))")

    def _connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=True)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            self._local.db = db
        return db

    def put(self, state: str) -> tuple[str, bool]:
        digest = hashlib.sha256(state.encode()).hexdigest()
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")  # one write, one transaction
        try:
            row = db.execute("SELECT id FROM links WHERE digest = ?", (digest,)).fetchone()
            if row is not None:
                db.execute("COMMIT")
                return row[0], False
            link_id = new_id()
            db.execute("INSERT INTO links (id, digest, state) VALUES (?, ?, ?)", (link_id, digest, state))
            db.execute("COMMIT")
            return link_id, True
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def get(self, link_id: str) -> str | None:
        if not ID_PATTERN.match(link_id):
            return None
        row = self._connection().execute("SELECT state FROM links WHERE id = ?", (link_id,)).fetchone()
        return None if row is None else row[0]


def database_path() -> Path:
    """The SQLite file for links (and live rooms): BACKPROP_DB, by default data/links.sqlite3."""
    return Path(os.environ.get("BACKPROP_DB", "data/links.sqlite3"))


def open_store() -> LinkStore:
    """The store the settings name: DATABASE_URL (postgresql://… not built yet) or SQLite at BACKPROP_DB."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        raise RuntimeError("a PostgreSQL link store is not part of this version; unset DATABASE_URL to use SQLite")
    return SQLiteStore(database_path())
