"""`python -m app`: serve Backprop Lab with uvicorn (BACKPROP_HOST and BACKPROP_PORT override the address)."""

from __future__ import annotations

import os

import uvicorn


def main() -> None:
    host = os.environ.get("BACKPROP_HOST", os.environ.get("HOST", "127.0.0.1"))
    port = int(os.environ.get("BACKPROP_PORT", os.environ.get("PORT", "8000")))
    # one process per core; live rooms are shared between them through the database (app/rooms.py)
    workers = int(os.environ.get("BACKPROP_WORKERS", str(os.cpu_count() or 1)))
    # The standard asyncio loop, measured fairer than uvloop here: under 200 busy keep-alive
    # connections uvloop served a few of them seconds late (see bench/load.py), asyncio did not.
    uvicorn.run("app.main:app", host=host, port=port, workers=workers, loop="asyncio", log_level="warning")


if __name__ == "__main__":
    main()
