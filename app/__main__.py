"""`python -m app`: serve Backprop Lab (BACKPROP_HOST and BACKPROP_PORT override the address)."""

from __future__ import annotations

import os
import sys

from .server import serve
from .store import check_database, database_path


def main() -> None:
    host = os.environ.get("BACKPROP_HOST", os.environ.get("HOST", "127.0.0.1"))
    port = int(os.environ.get("BACKPROP_PORT", os.environ.get("PORT", "8000")))
    # one process per core; live rooms are shared between them through the database (app/rooms.py)
    workers = int(os.environ.get("BACKPROP_WORKERS", str(os.cpu_count() or 1)))
    problem = check_database(database_path())
    if problem is not None:  # else every worker would fail on it, and uvicorn would restart them forever
        print(f"backprop-lab: {problem}", file=sys.stderr)
        raise SystemExit(2)
    # The standard asyncio loop (set in serve), measured fairer than uvloop here: under 200 busy keep-alive
    # connections uvloop served a few of them seconds late (see bench/load.py), asyncio did not.
    serve(host, port, workers)


if __name__ == "__main__":
    main()
