"""The FastAPI application: `uvicorn app.main:app`."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles

from . import errors, metrics
from .compute import Compute
from .logs import AccessLog
from .rooms import open_hub
from .routes import api, export, live, ops, pages, playground, rooms, share, train
from .security import BodyLimit, SecurityHeaders
from .server import BodyTimeout
from .settings import SETTINGS
from .store import database_path, open_store

STATIC = pages.ROOT / "static"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # Everything loaded at start-up lives as long as the process: freezing it keeps the cyclic
    # collector's full passes short, which keeps the slowest requests close to the typical ones.
    app.state.links = open_store()
    app.state.rooms = open_hub(database_path())  # Redis when REDIS_URL is set, else the links' file
    gc.collect()
    gc.freeze()
    app.state.compute = Compute()
    follower = asyncio.create_task(live.follow_other_processes(app.state.rooms))
    yield
    follower.cancel()
    await asyncio.gather(follower, return_exceptions=True)
    await app.state.rooms.close()
    app.state.links.close()
    app.state.compute.close()


def create_app() -> FastAPI:
    app = FastAPI(
        lifespan=lifespan,
        title="Backprop Lab",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        description="Type a program, get its computational graph: values forward, gradients back.",
    )
    app.state.run_store = run_in_threadpool
    app.include_router(ops.router)
    app.include_router(api.router)
    app.include_router(export.router)
    app.include_router(share.router)
    app.include_router(train.router)
    app.include_router(rooms.router)
    app.include_router(live.router)
    app.include_router(playground.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app)
    app.add_middleware(BodyLimit, limit=SETTINGS.max_body_bytes)
    app.add_middleware(BodyTimeout)
    app.add_middleware(SecurityHeaders)
    metrics.instrument(app)
    app.add_middleware(AccessLog)
    return app


app = create_app()
