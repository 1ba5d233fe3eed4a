"""The parts of a lab URL the server reads before the page loads: program, values, folds, mode, theme, step, quiz.

Every page's URL state is one table, static/js/url-state.json, which the browser's state.js reads too:
keys, types, defaults, limits and the wording of every notice. The server decodes only the fields the
table marks `server` (what the first trace and the first paint depend on), with the same rules, so a
link reads the same on both sides. Anything it cannot read is reported as a notice, never an error page.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .presets import BY_ID, PRESETS

TABLE_PATH = Path(__file__).resolve().parents[1] / "static/js/url-state.json"
TABLE: dict[str, Any] = json.loads(TABLE_PATH.read_text("utf-8"))
STATE_VERSION: int = TABLE["version"]
LIMITS: dict[str, int] = TABLE["limits"]
NAME = re.compile(TABLE["patterns"]["name"])
NUMBER = re.compile(TABLE["patterns"]["number"])
COUNT = re.compile(TABLE["patterns"]["count"])
# What JavaScript's String.prototype.trim removes (Python's str.strip removes a different set)
JS_SPACE = "\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff" + "".join(map(chr, range(0x2000, 0x200B)))
SERVER_FIELDS: list[dict[str, Any]] = [entry for entry in TABLE["pages"]["lab"] if entry.get("server")]


@dataclass
class UrlState:
    query: str
    source: str
    preset: str | None
    values: dict[str, float] = field(default_factory=dict)
    folded: list[str] | None = None
    mode: str = "lab"
    theme: str | None = None
    position: int = 0
    quiz: bool = False
    revealed: list[int] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class Notice:
    """A notice's text, and the URL key it is about (None for the link as a whole)."""

    key: str | None
    text: str


def notice(kind: str, **values: Any) -> str:
    """A notice in the table's wording: notice("field", key=..., text=...)."""
    return re.sub(r"\{(\w+)\}", lambda match: str(values[match.group(1)]), TABLE["notices"][kind])


def _choice(text: str, entry: dict[str, Any]) -> str | None:
    return text if text in entry["options"] else None


def _in_bounds(number: float, entry: dict[str, Any]) -> bool:
    """state.js inBounds: a bound the entry does not give does not apply."""
    return not (
        ("min" in entry and number < entry["min"])
        or ("max" in entry and number > entry["max"])
        or ("above" in entry and number <= entry["above"])
        or ("below" in entry and number >= entry["below"])
    )


def _count(text: str, entry: dict[str, Any]) -> int | None:
    """ASCII digits only (at most ten), within the entry's bounds."""
    return int(text) if COUNT.fullmatch(text) and _in_bounds(int(text), entry) else None


def _counts(text: str, entry: dict[str, Any]) -> list[int] | None:
    """Comma-separated counts, empty items skipped, at most `most` of them; one unreadable refuses them all."""
    counts: list[int] = []
    for item in filter(None, (item.strip(JS_SPACE) for item in text.split(","))):
        count = _count(item, entry)
        if count is None:
            return None
        counts.append(count)
    return counts if len(counts) <= entry["most"] else None


def _flag(text: str) -> bool | None:
    return {"1": True, "0": False}.get(text)


def _list(text: str) -> list[str]:
    return [part for part in text.split("|") if part][: LIMITS["list"]]


def _values(text: str) -> dict[str, float] | None:
    """name:number pairs; one that cannot be read refuses them all (as any field that cannot be read)."""
    values: dict[str, float] = {}
    for item in filter(None, text.split(",")):
        name, colon, number = item.partition(":")
        if not colon or not NAME.fullmatch(name) or not NUMBER.fullmatch(number) or not math.isfinite(float(number)):
            return None
        values[name] = float(number)
    return values


# The types of the fields the server reads; the browser's state.js has these and the rest.
READERS: dict[str, Callable[..., Any]] = {
    "text": lambda text, entry: text,
    "choice": _choice,
    "count": _count,
    "counts": _counts,
    "flag": lambda text, entry: _flag(text),
    "list": lambda text, entry: _list(text),
    "values": lambda text, entry: _values(text),
}
assert {entry["type"] for entry in SERVER_FIELDS} <= READERS.keys(), "url-state.json: a server field has no reader"


def _pairs(query: str, notices: list[Notice]) -> dict[str, str]:
    """The query's key=value pairs, at most the table's limit of them; the first of a repeated key counts."""
    parts = [part for part in query.split("&") if part]
    if len(parts) > LIMITS["pairs"]:
        notices.append(Notice(None, notice("pairs", limit=LIMITS["pairs"])))
    params: dict[str, str] = {}
    for key, text in parse_qsl("&".join(parts[: LIMITS["pairs"]]), keep_blank_values=True):
        params.setdefault(key, text)
    return params


def decode(query: str) -> tuple[dict[str, Any], list[Notice]]:
    """The server's fields of a URL query (by their state names), and a notice for each part not read."""
    notices: list[Notice] = []
    params = _pairs(query, notices)
    version = params.get("v")
    if version is not None and version != str(STATE_VERSION):
        notices.append(Notice("v", notice("version", version=version[: LIMITS["version"]], current=STATE_VERSION)))
    state: dict[str, Any] = {}
    for entry in SERVER_FIELDS:
        text = params.get(entry["key"])
        value = None if text is None else READERS[entry["type"]](text, entry)
        if text is not None and value is None:
            quoted = json.dumps(text[: LIMITS["quoted"]], ensure_ascii=False)
            notices.append(Notice(entry["key"], notice("field", key=entry["key"], text=quoted)))
        state[entry["field"]] = json.loads(json.dumps(entry["default"])) if value is None else value
    return state, notices


def _unknown_preset(name: str) -> str:
    """Why the page opens on an example the link did not name (a mistyped or retired id)."""
    quoted = json.dumps(name[: LIMITS["quoted"]], ensure_ascii=False)
    return f'There is no example called {quoted}; this is the first example, "{PRESETS[0].title}".'


def read_state(query: str, mode: str | None = None) -> UrlState:
    """Read a URL query string (as sent, or as stored behind a short link)."""
    fields, notices = decode(query)
    source: str | None = fields["source"]
    preset = BY_ID.get(fields["preset"] or "") or (None if source is not None else PRESETS[0])
    if source is None and fields["preset"] and fields["preset"] not in BY_ID:
        notices.append(Notice("preset", _unknown_preset(fields["preset"])))
    return UrlState(
        query=query,
        source=source if source is not None else (preset or PRESETS[0]).source,
        preset=preset.id if preset else None,
        values=fields["values"],
        folded=fields["folded"],
        mode=mode or fields["mode"],
        theme=fields["theme"],
        position=fields["position"],
        quiz=fields["quiz"],
        revealed=fields["revealed"],
        notices=[n.text for n in notices],
    )
