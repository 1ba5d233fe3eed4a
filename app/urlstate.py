"""The parts of a lab URL the server reads before the page loads: program, input values, folds, mode.

The full state table (step, selected node, theme, view…) lives in static/js/state.js; the server
only needs what the first trace and the first paint depend on. Anything it cannot read is reported
as a notice, never an error page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from .presets import BY_ID, PRESETS

STATE_VERSION = 1
VALUE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]{0,31}):(-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)$")


@dataclass
class UrlState:
    query: str
    source: str
    preset: str | None
    values: dict[str, float] = field(default_factory=dict)
    folded: list[str] | None = None
    mode: str = "lab"
    theme: str | None = None
    notices: list[str] = field(default_factory=list)


def read_state(query: str, mode: str | None = None) -> UrlState:
    """Read a URL query string (as sent, or as stored behind a short link)."""
    params = dict(parse_qsl(query, keep_blank_values=True, max_num_fields=64))
    notices: list[str] = []
    version = params.get("v", str(STATE_VERSION))
    if version != str(STATE_VERSION):
        notices.append(f"This link was made for format version {version[:8]!r}; it is read as version "
                       f"{STATE_VERSION}, so some of it may be lost.")
    preset = BY_ID.get(params.get("preset", "")) or (None if "source" in params else PRESETS[0])
    source = params["source"] if "source" in params else preset.source if preset else PRESETS[0].source
    state = UrlState(query=query, source=source, preset=preset.id if preset else None, notices=notices,
                     mode=mode or _choice(params.get("mode"), ("lab", "present", "embed"), "lab"),
                     theme=_choice(params.get("theme"), ("light", "dark"), None))
    state.values = _values(params.get("values", ""), notices)
    if "folded" in params:
        state.folded = [path for path in params["folded"].split("|") if path][:200]
    return state


def _choice(value: str | None, allowed: tuple[str, ...], default: str | None) -> str | None:
    return value if value in allowed else default


def _values(text: str, notices: list[str]) -> dict[str, float]:
    values: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        match = VALUE.match(item)
        number = float(match.group(2)) if match else math.nan
        if match is None or not math.isfinite(number):
            notices.append(f"The input value {item[:40]!r} in this link was not understood and is ignored.")
            continue
        values[match.group(1)] = number
    return values
