"""Live rooms shared by several servers through Redis (REDIS_URL): the RoomHub of app/rooms.py.

Keys, under PREFIX: `room:CODE`, a hash (token, state, version, owner, the number of the latest count
of students, and the room's rate bucket) that expires ROOM_TTL after the teacher's last sign of life;
`presence:CODE`, each process's counts of the room's students ("followers away seen"); `rooms` and
`owner:ADDRESS`, sets of codes for the limits, pruned of expired rooms when full. Each change goes out
on the channel `room:CODE` (state, presence, ended); every process listens to `room:*` and passes on
what concerns its own sockets.

Scripts make each change and its event one atomic step, timed by Redis's clock (the servers' clocks
may differ). Every call has a timeout. When Redis is lost, the sockets here are told to reconnect; when
it is back, the rooms they were in are restored if Redis lost them (a Redis that keeps nothing on disk).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any, TypeVar

import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from . import rooms
from .rooms import (
    BURST,
    FULL,
    MAX_ROOMS,
    RATE,
    ROOM_TTL,
    TOO_FAST,
    Change,
    Presence,
    Room,
    RoomRate,
    RoomsUnavailable,
    heartbeat_every,
    new_code,
    over_quota,
    room_code,
)

PREFIX = "backprop:"
TIMEOUT = 1.0  # seconds any Redis call may take (tried twice) before the rooms count as unavailable
CONNECTIONS = 32  # to Redis per process, besides its subscription
UNAVAILABLE = "live rooms are unavailable right now ({}); try again shortly"
T = TypeVar("T")

# KEYS: room, rooms, owner's rooms. ARGV: code, token, state, version, owner, ttl ms, most rooms, most
# rooms of one owner, prefix, whether to apply the limits (not to a room being restored).
CREATE = """
local function full(set, most)
  if redis.call('SCARD', set) < most then return false end
  for _, code in ipairs(redis.call('SMEMBERS', set)) do
    if redis.call('EXISTS', ARGV[9] .. 'room:' .. code) == 0 then redis.call('SREM', set, code) end
  end
  return redis.call('SCARD', set) >= most
end
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if ARGV[10] == '1' and full(KEYS[2], tonumber(ARGV[7])) then return -1 end
if ARGV[10] == '1' and ARGV[5] ~= '' and full(KEYS[3], tonumber(ARGV[8])) then return -2 end
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'state', ARGV[3], 'version', ARGV[4], 'owner', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('SADD', KEYS[2], ARGV[1])
if ARGV[5] ~= '' then redis.call('SADD', KEYS[3], ARGV[1]) end
return 1
"""

# KEYS: room. ARGV: state, ttl ms, rate (states a millisecond), burst, channel.
# The room's version, or -1 when it is gone, -2 when its rate is spent.
PUBLISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'refilled')
local burst = tonumber(ARGV[4])
local idle = now - (tonumber(bucket[2]) or now)
local tokens = math.min(burst, (tonumber(bucket[1]) or burst) + idle * tonumber(ARGV[3]))
if tokens < 1 then return -2 end
local version = redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'tokens', tostring(tokens - 1), 'refilled', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[5], cjson.encode({type = 'state', version = version, state = ARGV[1]}))
return version
"""

# KEYS: room, presence. ARGV: process, its followers, of whom away, ms before counts are stale, channel,
# whether to record (else only read). {number of this count, followers, away} over every process.
COUNT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, 0, 0} end
local clock = redis.call('TIME')
local now = clock[1] * 1000 + math.floor(clock[2] / 1000)
if ARGV[6] == '1' then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2] .. ' ' .. ARGV[3] .. ' ' .. now)
  redis.call('PEXPIRE', KEYS[2], ARGV[4])
end
local followers, away = 0, 0
local entries = redis.call('HGETALL', KEYS[2])
for i = 1, #entries, 2 do
  local count, gone, seen = string.match(entries[i + 1], '(%d+) (%d+) (%d+)')
  if now - tonumber(seen) <= tonumber(ARGV[4]) then
    followers, away = followers + tonumber(count), away + tonumber(gone)
  elseif ARGV[6] == '1' then
    redis.call('HDEL', KEYS[2], entries[i])  -- a process that stopped counting: it has stopped
  end
end
if ARGV[6] ~= '1' then return {0, followers, away} end
local counted = redis.call('HINCRBY', KEYS[1], 'counted', 1)
local event = {type = 'presence', counted = counted, followers = followers, away = away}
redis.call('PUBLISH', ARGV[5], cjson.encode(event))
return {counted, followers, away}
"""

# KEYS: room, presence, rooms. ARGV: code, prefix, channel.
END = """
local owner = redis.call('HGET', KEYS[1], 'owner')
if owner then redis.call('SREM', ARGV[2] .. 'owner:' .. owner, ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[3], '{"type": "ended"}')
"""


def _options(module: Any, retries: int) -> dict[str, Any]:
    """A client's options: every call gives up within TIMEOUT a try, so nothing waits on a lost Redis."""
    retry = module.retry.Retry(NoBackoff(), retries)
    return {"decode_responses": True, "socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT, "retry": retry}


class RedisHub:
    """Rooms in Redis, shared by every process of every server that uses the same REDIS_URL."""

    def __init__(self, url: str, ttl: float = ROOM_TTL, prefix: str = PREFIX) -> None:
        self.ttl_ms, self.every, self.prefix = int(ttl * 1000), heartbeat_every(ttl), prefix
        self.process = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.local: dict[str, Room] = {}  # rooms this process has looked up: its sockets, the last state seen
        self.lost: dict[str, Room] = {}  # rooms that had sockets here when Redis was lost: to restore
        self.idle: set[str] = set()  # codes of rooms with no sockets here at the last heartbeat
        # A class joining at once waits its turn for one of CONNECTIONS (TIMEOUT at most), rather than
        # opening one each; a failed call has a second try, on a fresh connection.
        pool = redis.asyncio.BlockingConnectionPool.from_url(
            url, max_connections=CONNECTIONS, timeout=TIMEOUT, **_options(redis.asyncio, retries=1)
        )
        self.redis = redis.asyncio.Redis.from_pool(pool)
        self.listener = redis.asyncio.Redis.from_url(url, **_options(redis.asyncio, retries=0))  # a loss must show
        self._create, self._publish = self.redis.register_script(CREATE), self.redis.register_script(PUBLISH)
        self._count, self._end = self.redis.register_script(COUNT), self.redis.register_script(END)

    def _key(self, kind: str, code: str) -> str:
        return f"{self.prefix}{kind}:{code}"

    async def _call(self, pending: Awaitable[T]) -> T:
        try:
            return await pending
        except (RedisError, OSError) as error:
            raise RoomsUnavailable(UNAVAILABLE.format(error)) from None

    async def create(self, state: str, owner: str = "") -> Room:
        while True:
            room = Room(new_code(), secrets.token_urlsafe(24), state, owner=owner)
            outcome = await self._store(room, limited=True)
            if outcome == -1:
                raise RuntimeError(FULL)
            if outcome == -2:
                raise over_quota()
            if outcome == 1:
                self.local[room.code] = room
                return room

    async def _store(self, room: Room, limited: bool) -> int:
        """Write a room unless its code is taken: 1 when written, 0 when taken, -1 or -2 over a limit."""
        keys = [self._key("room", room.code), f"{self.prefix}rooms", self._key("owner", room.owner)]
        limits = [MAX_ROOMS, rooms.MAX_ROOMS_PER_CLIENT, self.prefix, int(limited)]
        arguments = [room.code, room.token, room.state, room.version, room.owner, self.ttl_ms, *limits]
        return await self._call(self._create(keys=keys, args=arguments))

    async def find(self, code: str) -> Room | None:
        key = room_code(code)
        if key is None:
            return None
        if key in self.lost:  # a page reconnecting after Redis came back may be quicker than changes()
            await self._store(self.lost[key], limited=False)
            self.lost.pop(key, None)
        token, state, version, owner = await self._call(
            self.redis.hmget(self._key("room", key), ["token", "state", "version", "owner"])
        )
        if token is None:
            return None
        room = self.local.setdefault(key, Room(key, token, state, version=int(version), owner=owner))
        if int(version) >= room.version:
            room.state = state  # for the next to join; the followers here hear of it from changes()
        return room

    async def publish(self, room: Room, state: str) -> bool:
        arguments = [state, self.ttl_ms, RATE / 1000, BURST, self._key("room", room.code)]
        version = await self._call(self._publish(keys=[self._key("room", room.code)], args=arguments))
        if version == -2:
            raise RoomRate(TOO_FAST)
        if version <= room.version:  # gone (-1), or a newer state from another teacher reached them first
            return False
        room.state, room.version = state, version
        return True

    async def end(self, code: str) -> None:
        self.local.pop(code, None)
        keys = [self._key("room", code), self._key("presence", code), f"{self.prefix}rooms"]
        await self._call(self._end(keys=keys, args=[code, self.prefix, self._key("room", code)]))

    async def presence(self, code: str) -> Presence:
        _, followers, away = await self._counts(code, (0, 0), record=False)
        return Presence(followers - away, away)

    async def mark(self, room: Room) -> Presence | None:
        counts = (len(room.followers), len(room.away & room.followers))
        return self._fresher(room, *await self._counts(room.code, counts, record=True))

    async def _counts(self, code: str, counts: tuple[int, int], record: bool) -> list[int]:
        keys = [self._key("room", code), self._key("presence", code)]
        arguments = [self.process, *counts, int(3 * self.every * 1000), self._key("room", code), int(record)]
        return await self._call(self._count(keys=keys, args=arguments))

    def _fresher(self, room: Room, counted: int, followers: int, away: int) -> Presence | None:
        """The counts, unless newer ones were passed on here already (0: the room is gone)."""
        if counted <= room.counted:
            return None
        room.counted = counted
        return Presence(followers - away, away)

    async def changes(self) -> AsyncIterator[Change]:
        """Listen to every room's channel; on losing Redis, tell each room here, and listen again
        (after 0.1 s, doubling up to 1 s) restoring first the rooms Redis may have lost meanwhile."""
        pause = 0.1
        while True:
            try:
                async with self._listening() as messages:
                    await self._restore()
                    pause = 0.1
                    async for change in self._follow(messages):
                        yield change
            except (RedisError, OSError, RoomsUnavailable):
                for room in self._lose():
                    yield Change("lost", room)
                await asyncio.sleep(pause)
                pause = min(2 * pause, 1.0)

    @contextlib.asynccontextmanager
    async def _listening(self) -> AsyncIterator[Any]:
        messages = self.listener.pubsub(ignore_subscribe_messages=True)
        try:
            await messages.psubscribe(self._key("room", "*"))
            yield messages
        finally:
            with contextlib.suppress(RedisError, OSError):
                await messages.aclose()

    async def _follow(self, messages: Any) -> AsyncIterator[Change]:
        beat = 0.0
        while True:
            message = await messages.get_message(ignore_subscribe_messages=True, timeout=min(1.0, self.every))
            change = None if message is None else self._read(message["channel"], json.loads(message["data"]))
            if change is not None:
                yield change
            if time.monotonic() - beat >= self.every:
                beat = time.monotonic()
                for change in await self._heartbeat():
                    yield change

    def _read(self, channel: str, event: dict[str, Any]) -> Change | None:
        room = self.local.get(channel.removeprefix(self._key("room", "")))
        if room is None or not room.watched:
            return None
        if event["type"] == "ended":
            del self.local[room.code]
            return Change("ended", room)
        if event["type"] == "state" and event["version"] > room.version:
            room.state, room.version = event["state"], event["version"]
            return Change("state", room)
        if event["type"] == "presence":
            presence = self._fresher(room, event["counted"], event["followers"], event["away"])
            return None if presence is None else Change("presence", room, presence)
        return None

    async def _heartbeat(self) -> list[Change]:
        """Keep the rooms of teachers here alive and this process's counts fresh; catch up with any
        state or end the subscription missed (rooms that expired end here too)."""
        idle = {code for code, room in self.local.items() if not room.watched}
        for code in idle & self.idle:  # unwatched for a whole heartbeat: not a socket about to join
            del self.local[code]
        self.idle = idle
        watched = [room for room in self.local.values() if room.watched]
        taught = [room for room in watched if room.teachers]
        async with self.redis.pipeline(transaction=False) as pipe:
            for room in watched:
                pipe.hmget(self._key("room", room.code), ["state", "version"])
            for room in taught:
                pipe.pexpire(self._key("room", room.code), self.ttl_ms)
            replies = await self._call(pipe.execute())
        changes = []
        for room, (state, version) in zip(watched, replies):
            if version is None:
                self.local.pop(room.code, None)
                changes.append(Change("ended", room))
            elif int(version) > room.version:
                room.state, room.version = state, int(version)
                changes.append(Change("state", room))
        alive = [room for room in watched if room.code in self.local]
        counts = await asyncio.gather(*(self.mark(room) for room in alive))
        changes += [Change("presence", room, presence) for room, presence in zip(alive, counts) if presence]
        return changes

    def _lose(self) -> list[Room]:
        """Redis is lost: every room with sockets here is to be restored, and all else forgotten."""
        watched = [room for room in self.local.values() if room.watched]
        self.lost.update((room.code, room) for room in watched)
        self.local.clear()
        return watched

    async def _restore(self) -> None:
        while self.lost:
            code, room = next(iter(self.lost.items()))
            await self._store(room, limited=False)
            self.lost.pop(code, None)

    async def ping(self) -> None:
        await self._call(self.redis.ping())

    async def close(self) -> None:
        await self.redis.aclose()
        await self.listener.aclose()
