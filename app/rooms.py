"""Live rooms: a teacher drives, students follow. Room state sits behind the RoomHub interface.

SQLiteHub (the default) keeps rooms in the links database, shared by the worker processes of one
server: each process keeps its own sockets (teachers and followers) and polls for what another
process received. RedisHub (app/rooms_redis.py, chosen by REDIS_URL) shares rooms between servers
through Redis, with pub/sub instead of polling.

A room lives while its teacher is connected (each process marks its teachers' rooms every heartbeat)
and ROOM_TTL seconds after the teacher's last sign of life; the teacher can end it at once. One
address may run at most MAX_ROOMS_PER_CLIENT rooms at a time; a room's teachers together may send at
most RATE states a second (bursts of BURST), over every process and server.

Presence: each process records, per room, how many students it has connected and how many of them
have stepped away; a teacher hears the sums over every process.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from .settings import SETTINGS

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: codes are read off a projector
CODE_LENGTH = 6
ROOM_TTL = SETTINGS.room_ttl  # seconds after the teacher's last sign of life
MAX_ROOMS = 1000
MAX_ROOMS_PER_CLIENT = SETTINGS.max_rooms_per_client
HEARTBEAT = 5.0  # seconds between a process's marks that its sockets are still connected
PRESENCE_POLL = 0.25  # seconds between a process's looks at other processes' follower counts
RATE, BURST = 20.0, 40.0  # states a second a room's teachers may send together, and the burst allowed


class RoomQuota(Exception):
    """This address already runs as many live rooms as one address may (429)."""


class RoomsUnavailable(Exception):
    """The rooms database cannot be used right now (503)."""


class RoomRate(Exception):
    """The room's teachers, together, send states faster than a room carries them: this one is dropped."""


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
    owner: str = ""
    counted: int = 0  # the newest count of students passed on here (Redis numbers them, as it may reorder them)

    @property
    def watched(self) -> bool:
        """Whether this process has sockets in the room."""
        return bool(self.followers or self.teachers)


class Change(NamedTuple):
    """What another process did to a room with sockets here: a new state, new counts of students, the
    room ended (or expired), or the rooms' backend was lost (its sockets here are to reconnect)."""

    kind: Literal["state", "presence", "ended", "lost"]
    room: Room
    presence: Presence = Presence(0, 0)


class RoomHub(Protocol):
    """Rooms shared by every process that serves them. Every method may raise RoomsUnavailable."""

    async def create(self, state: str, owner: str = "") -> Room:
        """A new room with this state (RoomQuota when `owner` runs too many; RuntimeError when full)."""

    async def find(self, code: str) -> Room | None:
        """The room, as this process's object (the one its sockets join), or None."""

    async def publish(self, room: Room, state: str) -> bool:
        """Make `state` the room's; whether this process's followers are to be sent it (not when the room
        ended, or a newer state already reached them). RoomRate when the room's rate is spent."""

    async def end(self, code: str) -> None:
        """End the room now: other processes close their sockets in it."""

    async def presence(self, code: str) -> Presence:
        """The room's students over every process."""

    async def mark(self, room: Room) -> Presence | None:
        """Record this process's counts of the room's students; the sums over every process, or None
        when newer sums have already been passed on."""

    def changes(self) -> AsyncIterator[Change]:
        """Forever: what other processes did to rooms with sockets here (and keeping those rooms alive)."""

    async def ping(self) -> None:
        """Return when rooms can be used (for readiness probes); RoomsUnavailable when not."""

    async def close(self) -> None:
        """Let go of the database or connections (at shutdown)."""


FULL = "too many live rooms on this server; try again later"
TOO_FAST = "too many messages: some were dropped"


def over_quota() -> RoomQuota:
    return RoomQuota(f"this address already runs {MAX_ROOMS_PER_CLIENT} live rooms; end one to start another")


def is_teacher(room: Room, token: str | None) -> bool:
    return token is not None and secrets.compare_digest(room.token, token)


def room_code(code: object) -> str | None:
    """The code as rooms are keyed (upper case), or None when it cannot be one."""
    return code.upper() if isinstance(code, str) and len(code) == CODE_LENGTH else None


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def heartbeat_every(ttl: float) -> float:
    """Seconds between heartbeats: a room whose teacher is connected must not expire between two."""
    return min(HEARTBEAT, ttl / 3)


def open_hub(path: Path) -> RoomHub:
    """The hub the settings name: Redis at REDIS_URL, else SQLite at `path` (the links' file)."""
    if SETTINGS.redis_url:
        from .rooms_redis import RedisHub  # it imports this module: so imported here, once this is loaded

        return RedisHub(SETTINGS.redis_url, prefix=SETTINGS.redis_prefix)
    return SQLiteHub(path)


class SQLiteHub:
    """Rooms in the links database, shared by every app process of one server."""

    POLL = 0.02

    def __init__(self, path: Path, ttl: float = ROOM_TTL) -> None:
        self.path, self.ttl, self.every = path, ttl, heartbeat_every(ttl)
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
        self._add_column("rooms", "tokens", f"REAL NOT NULL DEFAULT {BURST}")  # from before rates per room
        self._add_column("rooms", "refilled", "REAL NOT NULL DEFAULT 0")
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

    def _run(self, sql: str, arguments: tuple[object, ...] | list[object] | dict[str, object] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, arguments)
        except sqlite3.Error as error:
            raise RoomsUnavailable(f"live rooms are unavailable right now ({error}); try again shortly") from None

    async def create(self, state: str, owner: str = "") -> Room:
        self._run("DELETE FROM rooms WHERE touched < ?", (time.time() - self.ttl,))
        if self._run("SELECT count(*) FROM rooms").fetchone()[0] >= MAX_ROOMS:
            raise RuntimeError(FULL)
        if (
            owner
            and self._run("SELECT count(*) FROM rooms WHERE owner = ?", (owner,)).fetchone()[0] >= MAX_ROOMS_PER_CLIENT
        ):
            raise over_quota()
        while True:
            code, token = new_code(), secrets.token_urlsafe(24)
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

    async def find(self, code: str) -> Room | None:
        return self._lookup(code)

    def _lookup(self, code: str) -> Room | None:
        key = room_code(code)
        if key is None:
            return None
        row = self._run("SELECT token, state, version, touched FROM rooms WHERE code = ?", (key,)).fetchone()
        if row is None or time.time() - row[3] > self.ttl:
            self.local.pop(key, None)
            return None
        room = self.local.get(key) or self._remember(key, row[0], row[1], row[2])
        room.state = row[1]
        return room

    async def publish(self, room: Room, state: str) -> bool:
        now = time.time()
        row = self._run(
            "UPDATE rooms SET state = :state, version = version + 1, touched = :now, refilled = :now, "
            "tokens = min(:burst, tokens + (:now - refilled) * :rate) - 1 "
            "WHERE code = :code AND touched >= :alive AND min(:burst, tokens + (:now - refilled) * :rate) >= 1 "
            "RETURNING version",
            {"state": state, "now": now, "burst": BURST, "rate": RATE, "code": room.code, "alive": now - self.ttl},
        ).fetchone()
        if row is None:
            if self._lookup(room.code) is not None:
                raise RoomRate(TOO_FAST)
            return False
        if row[0] <= room.version:
            return False
        room.state, room.version = state, row[0]
        return True

    async def end(self, code: str) -> None:
        self._run("DELETE FROM rooms WHERE code = ?", (code,))
        self._run("DELETE FROM followers WHERE code = ?", (code,))
        self.local.pop(code, None)

    async def presence(self, code: str) -> Presence:
        """Students connected to this room in every process (counts not refreshed lately are stale)."""
        return self._presences([code]).get(code, Presence(0, 0))

    def _presences(self, codes: list[str]) -> dict[str, Presence]:
        marks = ",".join("?" * len(codes))
        rows = self._run(
            f"SELECT code, sum(count), sum(away) FROM followers WHERE code IN ({marks}) AND seen > ? "  # noqa: S608
            "GROUP BY code",
            [*codes, time.time() - 3 * self.every],
        ).fetchall()
        return {code: Presence(int(total) - int(away), int(away)) for code, total, away in rows}

    async def mark(self, room: Room) -> Presence | None:
        self._mark(room)
        return self._presences([room.code]).get(room.code, Presence(0, 0))

    def _mark(self, room: Room) -> None:
        self._run(
            "INSERT INTO followers (code, process, count, away, seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (code, process) DO UPDATE SET count = excluded.count, away = excluded.away, "
            "seen = excluded.seen",
            (room.code, self.process, len(room.followers), len(room.away & room.followers), time.time()),
        )

    async def changes(self) -> AsyncIterator[Change]:
        """Every POLL seconds: states other processes received, rooms that ended, and (every
        PRESENCE_POLL) the counts of taught rooms; a failed poll is retried on the next tick."""
        while True:
            await asyncio.sleep(self.POLL)
            try:
                self.heartbeat()
                fresh, gone = self.changed()
                taught = self.taught_presences()
            except RoomsUnavailable:
                continue
            for room in fresh:
                yield Change("state", room)
            for room in gone:
                yield Change("ended", room)
            for room, presence in taught:
                yield Change("presence", room, presence)

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
        """Every heartbeat: a connected teacher keeps its room alive; follower counts stay fresh."""
        now = time.time()
        if now - self.marked < self.every:
            return
        self.marked = now
        for room in list(self.local.values()):
            if room.teachers:
                self._run("UPDATE rooms SET touched = ? WHERE code = ?", (now, room.code))
            if room.watched:
                self._mark(room)
        self._run("DELETE FROM followers WHERE seen < ?", (now - 3 * self.every,))

    def changed(self) -> tuple[list[Room], list[Room]]:
        """Rooms with sockets here whose state another process changed since this one last looked,
        and rooms with sockets here that have ended (or expired)."""
        watched = [room for room in self.local.values() if room.watched]
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

    async def ping(self) -> None:
        self._run("SELECT 1")

    async def close(self) -> None:
        self._db.close()

    def _remember(self, code: str, token: str, state: str, version: int) -> Room:
        room = Room(code, token, state, version=version)
        self.local[code] = room
        return room
