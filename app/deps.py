"""What routes are handed: the link store and the room hub, opened once in the app's lifespan."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from .rooms import RoomHub
from .store import LinkStore


def _links(request: Request) -> LinkStore:
    return request.app.state.links  # type: ignore[no-any-return]


def _rooms(connection: HTTPConnection) -> RoomHub:
    return connection.app.state.rooms  # type: ignore[no-any-return]


Links = Annotated[LinkStore, Depends(_links)]
Rooms = Annotated[RoomHub, Depends(_rooms)]
