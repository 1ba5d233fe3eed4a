"""Timing and table printing shared by the benchmark modules."""

from __future__ import annotations

import gc
import importlib
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

MISSING = "not installed"


def optional(module: str) -> ModuleType | None:
    """The module if it can be imported, else None (the project's own venv has no comparison libraries)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def best_times(
    fns: Mapping[str, Callable[[], Any] | None], repeats: int = 7, number: int = 1
) -> dict[str, float | None]:
    """Best (least) seconds per call of each callable over the rounds (None: not installed), after a
    warm-up call each. A shared machine only ever adds time, so the least is the truest reading.

    Rounds are interleaved, one of each callable in turn (starting with a different one each round),
    so a slower stretch of a shared machine slows every contender alike instead of skewing their ratio.
    """
    present = {name: fn for name, fn in fns.items() if fn is not None}
    for fn in present.values():
        fn()
    samples: dict[str, list[float]] = {name: [] for name in present}
    order = list(present)
    for round_ in range(repeats):
        # Rotate who goes first: whoever runs right after a heavy library finds the caches cold.
        shift = round_ % len(order) if order else 0
        for name in order[shift:] + order[:shift]:
            samples[name].append(_seconds_per_call(present[name], number))
    return {name: min(samples[name]) if name in samples else None for name in fns}


def best_time(fn: Callable[[], Any], repeats: int = 7, number: int = 1) -> float:
    """Best seconds per call of one callable, after one warm-up call."""
    return best_times({"": fn}, repeats, number)[""]  # type: ignore[return-value]


def _seconds_per_call(fn: Callable[[], Any], number: int) -> float:
    # Collect first so one round's garbage is not paid for by the next.
    gc.collect()
    start = time.perf_counter()
    kept = [fn() for _ in range(number)]
    seconds = (time.perf_counter() - start) / number
    # Results are dropped after the clock stops: tearing a graph down is not part of building it.
    del kept
    return seconds


def duration(seconds: float | None) -> str:
    """Three significant figures in the largest unit that keeps the number at least 1."""
    if seconds is None:
        return MISSING
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None:
        return "—"
    return f"{numerator / denominator:.2f}×"


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else "met" if met else "NOT MET"


@dataclass
class Table:
    """A titled grid of text cells with notes underneath."""

    title: str
    headers: Sequence[str]
    rows: list[Sequence[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self) -> str:
        cells = [list(self.headers), *[list(row) for row in self.rows]]
        widths = [max(len(row[c]) for row in cells) for c in range(len(self.headers))]
        lines = [self.title, ""]
        for r, row in enumerate(cells):
            padded = (text.ljust(width) for text, width in zip(row, widths, strict=True))
            lines.append(" | ".join(padded).rstrip())
            if r == 0:
                lines.append("-+-".join("-" * width for width in widths))
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)
