"""Program text → trace document, visible graph and layout: what POST /api/trace answers."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from engine.lang import run
from engine.narration import narrate

from .layout import LayoutError, layout
from .presets import BY_ID
from .settings import SETTINGS
from .tours import resolve
from .view import default_folds, group_paths, visible_graph


def build_trace(source: str, values: dict[str, Any], folded: list[str] | None,
                preset: str | None = None) -> dict[str, Any]:
    """Run the program and lay its graph out; SourceError or LayoutError when that cannot be done."""
    with np.errstate(all="ignore"):
        program = run(source, values)
        document = program.trace().to_dict()
    nodes = document["nodes"]
    folds = default_folds(nodes, SETTINGS.fold_threshold) if folded is None else folded
    graph = visible_graph(nodes, folds)
    try:
        positions = layout(graph)
    except LayoutError:
        # too big to lay out in time: fall back to the most folded view before giving up
        top = [p for p in group_paths(nodes) if "/" not in p]
        if not top or set(top) <= set(graph.folded):
            raise
        graph = visible_graph(nodes, top)
        positions = layout(graph)
    inputs = [{"name": node["name"], "id": node["id"], "value": node["value"], "shape": node.get("shape"),
               "trainable": node["name"] in program.trainable}
              for node in nodes if node["op"] == "leaf" and "name" in node]
    return {
        "source": source,
        "trace": document,
        "narration": narrate(document),
        "tour": resolve(preset, document) if preset in BY_ID and BY_ID[preset].source == source else [],
        "inputs": inputs,
        "view": {"folded": graph.folded, "groups": group_paths(nodes), "items": graph.items},
        "layout": positions,
    }


def build_trace_json(source: str, values: dict[str, Any], folded: list[str] | None,
                     preset: str | None = None) -> bytes:
    """build_trace, already encoded: the worker process does the JSON work, not the event loop."""
    return json.dumps(build_trace(source, values, folded, preset), ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()
