"""Live rooms: a teacher drives, students follow. Room state sits behind a small hub interface.

MemoryHub keeps rooms in one process; SQLiteHub keeps them in the links database so every worker
process of one server shares them. Several servers would share rooms through a broker (Redis pub/sub)
by implementing RoomHub the same way: followers kept per process, new states fanned out.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read off a projector
CODE_LENGTH = 6
ROOM_TTL = float(os.environ.get("BACKPROP_ROOM_TTL", str(3 * 3600)))  # seconds of inactivity
MAX_ROOMS = 1000


@dataclass
class Room:
    code: str
    token: str
    state: str
    touched: float = field(default_factory=time.monotonic)
    followers: set[object] = field(default_factory=set)
    version: int = 0


class RoomHub(Protocol):
    def create(self, state: str) -> Room: ...
    def get(self, code: str) -> Room | None: ...
    def publish(self, code: str, state: str) -> Room | None: ...


class MemoryHub:
    """Rooms in this process's memory, forgotten after ROOM_TTL seconds without a teacher's update."""

    def __init__(self, ttl: float = ROOM_TTL) -> None:
        self.ttl = ttl
        self.rooms: dict[str, Room] = {}

    def create(self, state: str) -> Room:
        self._expire()
        if len(self.rooms) >= MAX_ROOMS:
            raise RuntimeError("too many live rooms on this server; try again later")
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        while code in self.rooms:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
        room = Room(code, secrets.token_urlsafe(24), state)
        self.rooms[code] = room
        return room

    def get(self, code: str) -> Room | None:
        self._expire()
        return self.rooms.get(code.upper()) if isinstance(code, str) and len(code) == CODE_LENGTH else None

    def publish(self, code: str, state: str) -> Room | None:
        room = self.get(code)
        if room is not None:
            room.state = state
            room.touched = time.monotonic()
        return room

    def _expire(self) -> None:
        now = time.monotonic()
        for code in [c for c, room in self.rooms.items() if now - room.touched > self.ttl]:
            del self.rooms[code]


def is_teacher(room: Room, token: str | None) -> bool:
    return token is not None and secrets.compare_digest(room.token, token)


class SQLiteHub:
    """Rooms in the links database, so that every app process sees every room: a teacher connected to
    one process and students connected to another still share one class. Each process polls for new
    states (every POLL seconds) and passes them to its own followers; Redis pub/sub could replace this."""

    POLL = 0.02

    def __init__(self, path: Path, ttl: float = ROOM_TTL) -> None:
        self.path, self.ttl = path, ttl
        self.local: dict[str, Room] = {}  # this process's view: followers and last state seen
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, token TEXT NOT NULL, "
                         "state TEXT NOT NULL, version INTEGER NOT NULL, touched REAL NOT NULL)")

    def create(self, state: str) -> Room:
        self._db.execute("DELETE FROM rooms WHERE touched < ?", (time.time() - self.ttl,))
        if self._db.execute("SELECT count(*) FROM rooms").fetchone()[0] >= MAX_ROOMS:
            raise RuntimeError("too many live rooms on this server; try again later")
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            token = secrets.token_urlsafe(24)
            try:
                self._db.execute("INSERT INTO rooms VALUES (?, ?, ?, 0, ?)", (code, token, state, time.time()))
                break
            except sqlite3.IntegrityError:
                continue
        return self._remember(code, token, state, 0)

    def get(self, code: str) -> Room | None:
        if not isinstance(code, str) or len(code) != CODE_LENGTH:
            return None
        row = self._db.execute("SELECT token, state, version, touched FROM rooms WHERE code = ?",
                               (code.upper(),)).fetchone()
        if row is None or time.time() - row[3] > self.ttl:
            self.local.pop(code.upper(), None)
            return None
        room = self.local.get(code.upper()) or self._remember(code.upper(), row[0], row[1], row[2])
        room.state = row[1]
        return room

    def publish(self, code: str, state: str) -> Room | None:
        room = self.get(code)
        if room is not None:
            self._db.execute("UPDATE rooms SET state = ?, version = version + 1, touched = ? WHERE code = ?",
                             (state, time.time(), room.code))
            room.state = state
            room.version = self._db.execute("SELECT version FROM rooms WHERE code = ?", (room.code,)).fetchone()[0]
        return room

    def changed(self) -> list[Room]:
        """Rooms with followers here whose state another process has changed since this one last looked."""
        watched = [room for room in self.local.values() if room.followers]
        if not watched:
            return []
        marks = ",".join("?" * len(watched))
        rows = self._db.execute(f"SELECT code, state, version FROM rooms WHERE code IN ({marks})",  # noqa: S608
                                [room.code for room in watched]).fetchall()
        fresh = []
        for code, state, version in rows:
            room = self.local[code]
            if version > room.version:
                room.state, room.version = state, version
                fresh.append(room)
        return fresh

    def _remember(self, code: str, token: str, state: str, version: int) -> Room:
        room = Room(code, token, state)
        room.version = version
        self.local[code] = room
        return room
