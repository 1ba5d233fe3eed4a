"""Graph layout with Graphviz's dot: bounded in time, memory and concurrency, cached by structure."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import threading
from collections import OrderedDict
from typing import Any

import graphviz

from .settings import SETTINGS
from .view import VisibleGraph

POINTS_PER_INCH = 72.0
_slots = threading.BoundedSemaphore(os.cpu_count() or 1)  # at most one dot per core
_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_cache_lock = threading.Lock()


class LayoutError(RuntimeError):
    """dot could not lay the graph out in time (or at all)."""


class LayoutBusy(LayoutError):
    """Every dot slot stayed taken: a passing condition, unlike a graph that cannot be laid out."""


def dot_source(graph: VisibleGraph) -> str:
    """The graph in DOT. Boxes carry only generated ids and sizes: no user text reaches dot, and
    the graphviz package quotes everything it writes."""
    dot = graphviz.Digraph(
        graph_attr={"rankdir": "LR", "nodesep": "0.25", "ranksep": "0.45", "splines": "spline"},
        node_attr={"shape": "box", "fixedsize": "true", "label": ""},
    )
    for key, item in graph.items.items():
        width, height = item["size"]
        dot.node(dot_id(key), width=f"{width / POINTS_PER_INCH:.4f}", height=f"{height / POINTS_PER_INCH:.4f}")
    for tail, head in graph.edges:
        dot.edge(dot_id(tail), dot_id(head))
    return dot.source


def dot_id(key: str) -> str:
    """The generated id a box has in the DOT text: user text never reaches dot."""
    return "k" + hashlib.blake2s(key.encode(), digest_size=8).hexdigest()


def layout(graph: VisibleGraph) -> dict[str, Any]:
    """Positions in CSS pixels, top-left origin: {"key", "width", "height", "items", "edges"}.

    Cached by the DOT text, which depends only on structure: new leaf values reuse the layout.
    """
    source = dot_source(graph)
    key = hashlib.sha256(source.encode()).hexdigest()[:32]
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            if "failed" in _cache[key]:  # a graph that could not be laid out is not tried again
                raise LayoutError(_cache[key]["failed"])
            return _cache[key]
    try:
        text = _run_dot(source)
    except LayoutBusy:
        raise
    except LayoutError as error:
        with _cache_lock:
            _cache[key] = {"failed": str(error)}
        raise
    result = _parse_plain(text, graph)
    result["key"] = key
    with _cache_lock:
        _cache[key] = result
        while len(_cache) > SETTINGS.layout_cache_size:
            _cache.popitem(last=False)
    return result


def _dot_command() -> list[str]:
    """dot under memory and CPU-time limits, set by util-linux's prlimit where it exists (a
    pre-exec hook would be the alternative, but that is unsafe in a threaded server)."""
    seconds = int(SETTINGS.layout_timeout) + 1
    limit = shutil.which("prlimit")
    prefix = [limit, f"--as={SETTINGS.layout_memory_bytes}", f"--cpu={seconds}"] if limit else []
    return [*prefix, "dot", "-Tplain"]


def _run_dot(source: str) -> str:
    if not _slots.acquire(timeout=SETTINGS.layout_timeout):
        raise LayoutBusy("the layout service is busy; try again in a moment")
    try:
        done = subprocess.run(
            _dot_command(), input=source, capture_output=True, text=True, timeout=SETTINGS.layout_timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise LayoutError(f"laying out this graph took longer than {SETTINGS.layout_timeout:g} s") from None
    except FileNotFoundError:
        raise LayoutError("Graphviz's dot is not installed on the server") from None
    finally:
        _slots.release()
    if done.returncode != 0:
        raise LayoutError("dot could not lay out this graph")
    return done.stdout


def _parse_plain(text: str, graph: VisibleGraph) -> dict[str, Any]:
    """Read dot's `plain` output: 'graph scale w h', 'node id x y w h ...', 'edge t h n x1 y1 ...'."""
    keys = {dot_id(key): key for key in graph.items}
    height = 0.0
    result: dict[str, Any] = {"width": 0.0, "height": 0.0, "items": {}, "edges": []}

    def px(value: str) -> float:
        return round(float(value) * POINTS_PER_INCH, 1)

    for line in text.splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "graph":
            result["width"], result["height"] = px(parts[2]), px(parts[3])
            height = float(parts[3])
        elif parts[0] == "node":
            x, y = px(parts[2]), round((height - float(parts[3])) * POINTS_PER_INCH, 1)
            result["items"][keys[parts[1]]] = [x, y, px(parts[4]), px(parts[5])]
        elif parts[0] == "edge":
            count = int(parts[3])
            points = []
            for k in range(count):
                points += [px(parts[4 + 2 * k]), round((height - float(parts[5 + 2 * k])) * POINTS_PER_INCH, 1)]
            result["edges"].append([keys[parts[1]], keys[parts[2]], points])
    return result


def cache_clear() -> None:
    with _cache_lock:
        _cache.clear()
