"""Live rooms: a teacher drives, students follow. Room state sits behind a small hub interface.

One process holds a class in memory; several app servers would share rooms through a broker (Redis
pub/sub) by implementing RoomHub, with followers kept per process and `publish` fanning out.
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass, field
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
