"""`python -m app`: serve Backprop Lab (BACKPROP_HOST and BACKPROP_PORT override the address)."""

from __future__ import annotations

import sys

from .metrics import shared_by_workers
from .server import serve
from .settings import load
from .store import check_database, database_path


def main() -> None:
    settings = load()  # a bad BACKPROP_* value stops here, with one line naming it
    # one process per core (BACKPROP_WORKERS); live rooms are shared between them through the database
    problem = check_database(database_path())
    if problem is not None:  # else every worker would fail on it, and uvicorn would restart them forever
        print(f"backprop-lab: {problem}", file=sys.stderr)
        raise SystemExit(2)
    # The standard asyncio loop (set in serve), measured fairer than uvloop here: under 200 busy keep-alive
    # connections uvloop served a few of them seconds late (see bench/load.py), asyncio did not.
    with shared_by_workers(settings.workers):  # /metrics in any worker sums over all of them
        serve(settings.host, settings.port, settings.workers)


if __name__ == "__main__":
    main()
