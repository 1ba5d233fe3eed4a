"""Live rooms: a teacher drives, students follow. Room state sits behind a small hub interface.

SQLiteHub keeps rooms in the links database so every worker process of one server shares them:
each process keeps its own sockets (teachers and followers) and polls for states that another
process received. Several servers would share rooms through a broker (Redis pub/sub) by
implementing RoomHub the same way.

A room lives while its teacher is connected (each process marks its teachers' rooms every
HEARTBEAT seconds) and ROOM_TTL seconds after the teacher's last sign of life; the teacher can end
it at once. One address may run at most MAX_ROOMS_PER_CLIENT rooms at a time.

Presence: each process records, per room, how many students it has connected and how many of them
have stepped away; the teacher's process sums them over every process (polled every PRESENCE_POLL s).
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol

from .settings import SETTINGS

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read off a projector
CODE_LENGTH = 6
ROOM_TTL = SETTINGS.room_ttl  # seconds after the teacher's last sign of life
MAX_ROOMS = 1000
MAX_ROOMS_PER_CLIENT = SETTINGS.max_rooms_per_client
HEARTBEAT = 5.0  # seconds between a process's marks that its sockets are still connected
PRESENCE_POLL = 0.25  # seconds between a process's looks at other processes' follower counts


class RoomQuota(Exception):
    """This address already runs as many live rooms as one address may (429)."""


class RoomsUnavailable(Exception):
    """The rooms database cannot be used right now (503)."""


class Presence(NamedTuple):
    """Students connected to a room in every process: those following the teacher, and those away."""

    following: int
    away: int


@dataclass
class Room:
    code: str
    token: str
    state: str
    followers: set[object] = field(default_factory=set)
    away: set[object] = field(default_factory=set)  # followers here who stepped away from following
    teachers: set[object] = field(default_factory=set)
    version: int = 0
    told: dict[object, Presence] = field(default_factory=dict)  # the counts each teacher here was last told


class RoomHub(Protocol):
    def create(self, state: str, owner: str = "") -> Room: ...
    def get(self, code: str) -> Room | None: ...
    def publish(self, code: str, state: str) -> Room | None: ...
    def end(self, code: str) -> None: ...
    def presence(self, code: str) -> Presence: ...


def is_teacher(room: Room, token: str | None) -> bool:
    return token is not None and secrets.compare_digest(room.token, token)


class SQLiteHub:
    """Rooms in the links database, shared by every app process of one server."""

    POLL = 0.02

    def __init__(self, path: Path, ttl: float = ROOM_TTL) -> None:
        self.path, self.ttl = path, ttl
        self.local: dict[str, Room] = {}  # this process's view: its sockets and the last state seen
        self.marked = 0.0
        self.process = f"{os.getpid()}-{secrets.token_hex(4)}"  # this hub's row in the followers table
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS rooms (code TEXT PRIMARY KEY, token TEXT NOT NULL, "
            "state TEXT NOT NULL, version INTEGER NOT NULL, touched REAL NOT NULL)"
        )
        self._add_column("rooms", "owner", "TEXT NOT NULL DEFAULT ''")  # from before per-address quotas
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS followers (code TEXT NOT NULL, process TEXT NOT NULL, "
            "count INTEGER NOT NULL, seen REAL NOT NULL, PRIMARY KEY (code, process))"
        )
        self._add_column("followers", "away", "INTEGER NOT NULL DEFAULT 0")  # from before presence
        self.presence_polled = 0.0

    def _add_column(self, table: str, column: str, definition: str) -> None:
        """Bring a database made by an older version up to date; another process may be doing the same."""
        if column in {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}:
            return
        try:
            self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")
        except sqlite3.OperationalError:
            if column not in {row[1] for row in self._db.execute(f"PRAGMA table_info({table})")}:
                raise

    def _run(self, sql: str, arguments: tuple[object, ...] | list[object] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, arguments)
        except sqlite3.Error as error:
            raise RoomsUnavailable(f"live rooms are unavailable right now ({error}); try again shortly") from None

    def create(self, state: str, owner: str = "") -> Room:
        self._run("DELETE FROM rooms WHERE touched < ?", (time.time() - self.ttl,))
        if self._run("SELECT count(*) FROM rooms").fetchone()[0] >= MAX_ROOMS:
            raise RuntimeError("too many live rooms on this server; try again later")
        if (
            owner
            and self._run("SELECT count(*) FROM rooms WHERE owner = ?", (owner,)).fetchone()[0] >= MAX_ROOMS_PER_CLIENT
        ):
            raise RoomQuota(f"this address already runs {MAX_ROOMS_PER_CLIENT} live rooms; end one to start another")
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            token = secrets.token_urlsafe(24)
            try:
                self._run(
                    "INSERT INTO rooms (code, token, state, version, touched, owner) VALUES (?, ?, ?, 0, ?, ?)",
                    (code, token, state, time.time(), owner),
                )
                break
            except RoomsUnavailable:
                if self._run("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone() is None:
                    raise  # not a clash of codes: the database itself failed
        return self._remember(code, token, state, 0)

    def get(self, code: str) -> Room | None:
        if not isinstance(code, str) or len(code) != CODE_LENGTH:
            return None
        code = code.upper()
        row = self._run("SELECT token, state, version, touched FROM rooms WHERE code = ?", (code,)).fetchone()
        if row is None or time.time() - row[3] > self.ttl:
            self.local.pop(code, None)
            return None
        room = self.local.get(code) or self._remember(code, row[0], row[1], row[2])
        room.state = row[1]
        return room

    def publish(self, code: str, state: str) -> Room | None:
        room = self.get(code)
        if room is not None:
            self._run(
                "UPDATE rooms SET state = ?, version = version + 1, touched = ? WHERE code = ?",
                (state, time.time(), room.code),
            )
            room.state = state
            room.version = self._run("SELECT version FROM rooms WHERE code = ?", (room.code,)).fetchone()[0]
        return room

    def end(self, code: str) -> None:
        self._run("DELETE FROM rooms WHERE code = ?", (code,))
        self._run("DELETE FROM followers WHERE code = ?", (code,))

    def presence(self, code: str) -> Presence:
        """Students connected to this room in every process (counts not refreshed lately are stale)."""
        return self._presences([code]).get(code, Presence(0, 0))

    def _presences(self, codes: list[str]) -> dict[str, Presence]:
        marks = ",".join("?" * len(codes))
        rows = self._run(
            f"SELECT code, sum(count), sum(away) FROM followers WHERE code IN ({marks}) AND seen > ? "  # noqa: S608
            "GROUP BY code",
            [*codes, time.time() - 3 * HEARTBEAT],
        ).fetchall()
        return {code: Presence(int(total) - int(away), int(away)) for code, total, away in rows}

    def mark(self, room: Room) -> None:
        """Record this process's follower counts for a room now (after a join, a leave, a step away or back)."""
        self._run(
            "INSERT INTO followers (code, process, count, away, seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (code, process) DO UPDATE SET count = excluded.count, away = excluded.away, "
            "seen = excluded.seen",
            (room.code, self.process, len(room.followers), len(room.away & room.followers), time.time()),
        )

    def taught_presences(self) -> list[tuple[Room, Presence]]:
        """Every PRESENCE_POLL seconds: each room with teachers here, with its counts over every process
        (so that they hear of students who came, went or stepped away in another process)."""
        now = time.monotonic()
        taught = [room for room in self.local.values() if room.teachers]
        if now - self.presence_polled < PRESENCE_POLL or not taught:
            return []
        self.presence_polled = now
        counts = self._presences([room.code for room in taught])
        return [(room, counts.get(room.code, Presence(0, 0))) for room in taught]

    def heartbeat(self) -> None:
        """Every HEARTBEAT seconds: a connected teacher keeps its room alive; follower counts stay fresh."""
        now = time.time()
        if now - self.marked < HEARTBEAT:
            return
        self.marked = now
        for room in list(self.local.values()):
            if room.teachers:
                self._run("UPDATE rooms SET touched = ? WHERE code = ?", (now, room.code))
            if room.followers or room.teachers:
                self.mark(room)
        self._run("DELETE FROM followers WHERE seen < ?", (now - 3 * HEARTBEAT,))

    def changed(self) -> tuple[list[Room], list[Room]]:
        """Rooms with sockets here whose state another process changed since this one last looked,
        and rooms with sockets here that have ended (or expired)."""
        watched = [room for room in self.local.values() if room.followers or room.teachers]
        if not watched:
            return [], []
        marks = ",".join("?" * len(watched))
        rows = self._run(
            f"SELECT code, state, version, touched FROM rooms WHERE code IN ({marks})",  # noqa: S608
            [room.code for room in watched],
        ).fetchall()
        alive = {code: (state, version) for code, state, version, touched in rows if time.time() - touched <= self.ttl}
        fresh, gone = [], []
        for room in watched:
            if room.code not in alive:
                gone.append(room)
                self.local.pop(room.code, None)
                continue
            state, version = alive[room.code]
            if version > room.version:
                room.state, room.version = state, version
                fresh.append(room)
        return fresh, gone

    def _remember(self, code: str, token: str, state: str, version: int) -> Room:
        room = Room(code, token, state)
        room.version = version
        self.local[code] = room
        return room
