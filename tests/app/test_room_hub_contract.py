"""What every RoomHub promises, checked on each: SQLite (the processes of one server) and Redis (of several).

Each test runs two or more hubs on one backend, as separate processes would, each listening to its
hub's changes as the app does. A socket is any object: the hub only counts and hands back rooms.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

import app.rooms
from app.rooms import BURST, Change, Presence, Room, RoomHub, RoomQuota, RoomRate, RoomsUnavailable, SQLiteHub
from app.rooms_redis import RedisHub
from tests.services import Redis

MakeHub = Callable[[float], RoomHub]


@pytest.fixture(params=["sqlite", "redis"])
def make_hub(request: pytest.FixtureRequest, tmp_path: Path) -> MakeHub:
    """Makes hubs that share one backend: a SQLite file, or a Redis server under a prefix of this test's."""
    if request.param == "sqlite":
        return lambda ttl: SQLiteHub(tmp_path / "rooms.sqlite3", ttl=ttl)
    server: Redis = request.getfixturevalue("redis_server")
    prefix = f"test-{secrets.token_hex(4)}:"
    return lambda ttl: RedisHub(server.url, ttl=ttl, prefix=prefix)


class Process:
    """One app process's hub, and the changes it heard from the others."""

    def __init__(self, hub: RoomHub) -> None:
        self.hub, self.heard = hub, asyncio.Queue[Change]()

    async def listen(self) -> None:
        async for change in self.hub.changes():
            await self.heard.put(change)

    async def hears(self, kind: str, room: Room, seconds: float = 5.0, presence: Presence | None = None) -> Change:
        """The first change of this kind to this room (with these counts, if given) heard within `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            change = await asyncio.wait_for(self.heard.get(), deadline - time.monotonic())
            if change.kind == kind and change.room is room and presence in (None, change.presence):
                return change

    async def hears_nothing_of(self, kind: str, seconds: float = 0.5) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                change = await asyncio.wait_for(self.heard.get(), left)
            except TimeoutError:
                return
            assert change.kind != kind, f"heard {change}"


@asynccontextmanager
async def processes(make_hub: MakeHub, count: int = 2, ttl: float = 600) -> AsyncIterator[list[Process]]:
    running = [Process(make_hub(ttl)) for _ in range(count)]
    listening = [asyncio.create_task(process.listen()) for process in running]
    await asyncio.sleep(0.2)  # each has subscribed
    try:
        yield running
    finally:
        for task in listening:
            task.cancel()
        await asyncio.gather(*listening, return_exceptions=True)
        for process in running:
            await process.hub.close()


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 60))


async def joined(hub: RoomHub, code: str) -> Room:
    room = await hub.find(code)
    assert room is not None
    return room


def test_a_room_made_in_one_process_is_found_in_every_other_with_its_state(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub) as (one, other):
            made = await one.hub.create("v=1&preset=cs231n")
            found = await joined(other.hub, made.code.lower())
            assert (found.code, found.token, found.state) == (made.code, made.token, "v=1&preset=cs231n")
            assert await other.hub.find(made.code) is found  # the one object its sockets join
            for unknown in ("ZZZZZZ", "abc", "x" * 5000):
                assert await other.hub.find(unknown) is None
            await other.hub.ping()

    run(scenario)


def test_a_whole_class_joining_at_once_finds_the_room_and_is_counted(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub, count=1) as (one,):
            code = (await one.hub.create("v=1")).code

            async def join() -> Presence | None:
                room = await joined(one.hub, code)
                room.followers.add(object())
                return await one.hub.mark(room)

            await asyncio.gather(*(join() for _ in range(300)))  # more at once than connections to the backend
            assert await one.hub.presence(code) == Presence(300, 0)

    run(scenario)


def test_each_state_reaches_the_followers_of_every_process_once(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub) as (teaching, following):
            code = (await teaching.hub.create("v=1")).code
            here, there = await joined(teaching.hub, code), await joined(following.hub, code)
            here.followers.add(object())
            there.followers.add(object())
            for step in range(1, 4):
                assert await teaching.hub.publish(here, f"v=1&step={step}")  # its own followers: sent at once
                assert (await following.hears("state", there)).room.state == f"v=1&step={step}"
            await teaching.hears_nothing_of("state")  # not a second time through its hub
            assert (await joined(following.hub, code)).state == "v=1&step=3"

    run(scenario)


def test_an_ended_room_is_gone_everywhere_and_other_processes_close_it(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub) as (teaching, following):
            code = (await teaching.hub.create("v=1")).code
            here, there = await joined(teaching.hub, code), await joined(following.hub, code)
            there.followers.add(object())
            await teaching.hub.end(code)
            await following.hears("ended", there)
            assert await following.hub.find(code) is None and await teaching.hub.find(code) is None
            assert not await teaching.hub.publish(here, "v=1&step=2")

    run(scenario)


def test_students_are_counted_over_processes_and_the_teachers_process_hears_the_sums(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub) as (teaching, following):
            code = (await teaching.hub.create("v=1")).code
            here, there = await joined(teaching.hub, code), await joined(following.hub, code)
            here.teachers.add(object())
            stepped_away = object()
            there.followers.update({object(), object(), stepped_away})
            there.away.add(stepped_away)
            assert await following.hub.mark(there) == Presence(2, 1)
            await teaching.hears("presence", here, presence=Presence(2, 1))
            assert await teaching.hub.presence(code) == Presence(2, 1)
            here.followers.add(object())
            assert await teaching.hub.mark(here) == Presence(3, 1)
            there.followers.clear()
            there.away.clear()
            assert await following.hub.mark(there) == Presence(1, 0)
            await teaching.hears("presence", here, presence=Presence(1, 0))

    run(scenario)


def test_one_address_runs_so_many_rooms_and_ending_one_frees_its_place(
    make_hub: MakeHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app.rooms, "MAX_ROOMS_PER_CLIENT", 2)

    async def scenario() -> None:
        async with processes(make_hub) as (one, other):
            first = await one.hub.create("v=1", owner="192.0.2.1")
            await other.hub.create("v=1", owner="192.0.2.1")
            with pytest.raises(RoomQuota):
                await other.hub.create("v=1", owner="192.0.2.1")
            await one.hub.create("v=1", owner="192.0.2.2")  # another address
            await other.hub.end(first.code)
            await one.hub.create("v=1", owner="192.0.2.1")

    run(scenario)


def test_a_rooms_teachers_in_two_processes_together_keep_to_its_rate(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub) as (one, other):
            code = (await one.hub.create("v=1")).code
            rooms = [await joined(one.hub, code), await joined(other.hub, code)]
            started, sent, dropped = time.monotonic(), 0, 0
            for k in range(120):
                try:
                    sent += await (one, other)[k % 2].hub.publish(rooms[k % 2], f"v=1&step={k}")
                except RoomRate:
                    dropped += 1
            assert BURST <= sent <= BURST + app.rooms.RATE * (time.monotonic() - started) + 1
            assert dropped == 120 - sent
            await asyncio.sleep(0.2)  # the rate refills
            assert await one.hub.publish(rooms[0], "v=1&step=again")

    run(scenario)


def test_a_room_lives_while_its_teacher_is_connected_and_expires_the_ttl_after(make_hub: MakeHub) -> None:
    async def scenario() -> None:
        async with processes(make_hub, ttl=1.5) as (teaching, following):
            kept, left, followed = [(await teaching.hub.create("v=1")).code for _ in range(3)]
            taught = await joined(teaching.hub, kept)
            taught.teachers.add(object())
            orphaned = await joined(following.hub, followed)
            orphaned.followers.add(object())
            await asyncio.sleep(3)  # twice the life of a room without its teacher
            assert await following.hub.find(kept) is not None
            assert await following.hub.find(left) is None
            await following.hears("ended", orphaned)  # its followers here are let go
            taught.teachers.clear()  # the teacher leaves
            await asyncio.sleep(2)
            assert await following.hub.find(kept) is None

    run(scenario)


def test_losing_redis_fails_fast_tells_every_room_and_its_rooms_come_back_with_it(redis_server: Redis) -> None:
    prefix = f"test-{secrets.token_hex(4)}:"

    async def scenario() -> None:
        async with processes(lambda ttl: RedisHub(redis_server.url, ttl=ttl, prefix=prefix)) as (teaching, following):
            room = await teaching.hub.create("v=1")
            here, there = await joined(teaching.hub, room.code), await joined(following.hub, room.code)
            here.teachers.add(object())
            there.followers.add(object())
            await teaching.hub.publish(here, "v=1&step=3")
            redis_server.stop()
            await teaching.hears("lost", here)
            await following.hears("lost", there)
            for call in (following.hub.find(room.code), following.hub.create("v=1"), following.hub.ping()):
                started = time.monotonic()
                with pytest.raises(RoomsUnavailable):
                    await call
                assert time.monotonic() - started < 3
            redis_server.start()  # empty: it kept nothing
            back = await joined(following.hub, room.code)  # restored by whichever process is first
            assert (back.token, back.state) == (room.token, "v=1&step=3")
            back.followers.add(object())
            driving = await joined(teaching.hub, room.code)
            assert await teaching.hub.publish(driving, "v=1&step=4")
            assert (await following.hears("state", back)).room.state == "v=1&step=4"

    try:
        run(scenario)
    finally:
        if redis_server.process is None:
            redis_server.start()


def test_two_deployments_sharing_one_redis_under_two_prefixes_never_meet(redis_server: Redis) -> None:
    async def scenario() -> None:
        ours = [Process(RedisHub(redis_server.url, prefix=f"{name}-{secrets.token_hex(4)}:")) for name in "ab"]
        listening = [asyncio.create_task(process.listen()) for process in ours]
        await asyncio.sleep(0.2)
        try:
            room = await ours[0].hub.create("v=1&preset=cs231n")
            await joined(ours[0].hub, room.code)
            assert await ours[1].hub.find(room.code) is None
            await ours[0].hub.publish(room, "v=1&preset=cs231n&step=3")
            await ours[1].hears_nothing_of("state")
        finally:
            for task in listening:
                task.cancel()
            await asyncio.gather(*listening, return_exceptions=True)
            for process in ours:
                await process.hub.close()

    run(scenario)
