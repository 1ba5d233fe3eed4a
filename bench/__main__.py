"""Run every benchmark module in this package and print its tables: `python -m bench`."""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import pkgutil
import platform
import sys
import time

import bench
from bench.report import MISSING, optional


def _versions() -> str:
    parts = [f"Python {platform.python_version()}"]
    for name in ("numpy", "micrograd", "torch"):
        # Distribution metadata, because micrograd's module carries no __version__.
        version = importlib.metadata.version(name) if optional(name) else MISSING
        parts.append(f"{name} {version}")
    return ", ".join(parts)


def main() -> int:
    print(f"Backprop Lab benchmarks — {_versions()}\n")
    modules = [
        importlib.import_module(f"bench.{info.name}")
        for info in pkgutil.iter_modules(bench.__path__)
        if not info.name.startswith("_")
    ]
    # The comparison libraries leave over a hundred thousand objects on the heap; freezing them keeps
    # every full collection, whoever triggers it, from re-scanning what only the comparison loaded.
    gc.collect()
    gc.freeze()
    start = time.perf_counter()
    for module in modules:
        run = getattr(module, "run", None)
        if run is None:
            continue
        for table in run():
            print(table.render(), end="\n\n", flush=True)
    print(f"total benchmark time: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
