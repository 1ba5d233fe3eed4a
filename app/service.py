"""Program text → trace document, visible graph and layout: what POST /api/trace answers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from engine.lang import SourceError, run
from engine.narration import narrate
from engine.trace import Trace
from engine.trace_tensor import step_arrays

from .layout import layout
from .presets import BY_ID
from .quiz import withhold
from .settings import SETTINGS
from .tours import focus_tour, resolve
from .view import VisibleGraph, default_folds, folds_around, group_paths, visible_graph


def build_trace(
    source: str, values: dict[str, Any], folded: list[str] | None, preset: str | None = None
) -> dict[str, Any]:
    """Run the program and lay its graph out; SourceError or LayoutError when that cannot be done."""
    with np.errstate(all="ignore"):
        program = run(source, values, limits=SETTINGS.limits)
        recorded = program.trace()
        check_budget(recorded)
        document = recorded.to_dict()
        console = program.console(recorded)
    tour = resolve(preset, document) if preset in BY_ID and BY_ID[preset].source == source else []
    if not tour:
        tour = focus_tour(source, document)
        nodes = document["nodes"]
        if tour and folded is None and default_folds(nodes, SETTINGS.fold_threshold):  # keep the focus in view
            folded = folds_around(nodes, tour[0]["node"])
    return {"source": source, **describe(document, folded, program.trainable, layout), "tour": tour, "console": console}


def describe(
    document: dict[str, Any],
    folded: list[str] | None,
    trainable: list[str],
    lay_out: Callable[[VisibleGraph], dict[str, Any]],
) -> dict[str, Any]:
    """A trace document as the pages draw it: narration, inputs, the visible graph and its layout
    (`lay_out` is dot's on a server; a notebook without dot gives the browser the DOT text instead)."""
    nodes = document["nodes"]
    folds = default_folds(nodes, SETTINGS.fold_threshold) if folded is None else folded
    graph = visible_graph(nodes, folds)
    positions = lay_out(graph)  # LayoutError if it cannot be made: said as such, never folded silently
    inputs = [
        {
            "name": node["name"],
            "id": node["id"],
            "value": node["value"],
            "shape": node.get("shape"),
            "trainable": node["name"] in trainable,
        }
        for node in nodes
        if node["op"] == "leaf" and "name" in node
    ]
    return {
        "trace": document,
        "narration": narrate(document),
        "tour": [],
        "console": [],
        "inputs": inputs,
        "view": {"folded": graph.folded, "groups": group_paths(nodes), "items": graph.items},
        "layout": positions,
    }


def check_budget(recorded: Trace) -> None:
    """Refuse, before encoding, a trace whose document would hold more numbers than one may send;
    the error points at the line where the running count passed the limit."""
    counts = recorded.numbers_by_node()
    total, limit = sum(counts), SETTINGS.max_trace_numbers
    if total <= limit:
        return
    running = 0
    for node, count in zip(recorded.nodes, counts):
        running += count
        if running > limit:
            span = node.span or {"line": 1, "column": 1}
            raise SourceError(
                "trace-too-large",
                f"this program's trace would hold {total:,} numbers in all "
                f"(values, gradients and backward steps); the limit is {limit:,}. Use smaller "
                "tensors, or fewer of them",
                span["line"],
                span["column"],
            )


def encode(data: Any) -> str:
    """Compact JSON, also safe inside an HTML <script> element: <, >, & and ' are escaped."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


def build_trace_json(source: str, values: dict[str, Any], folded: list[str] | None, preset: str | None = None) -> bytes:
    """build_trace, already encoded: the worker process does the JSON work, not the event loop.
    A document over the byte budget is refused rather than sent."""
    return _bounded(build_trace(source, values, folded, preset))


def _bounded(response: dict[str, Any]) -> bytes:
    encoded = encode(response).encode()
    if len(encoded) > SETTINGS.max_trace_bytes:
        raise SourceError(
            "trace-too-large",
            f"this program's trace is {len(encoded):,} bytes of JSON; the limit "
            f"is {SETTINGS.max_trace_bytes:,}. Use smaller tensors, or fewer of them",
            1,
            1,
        )
    return encoded


def build_page_trace(
    source: str,
    values: dict[str, Any],
    folded: list[str] | None,
    preset: str | None = None,
    cut: tuple[int, list[int], bool] | None = None,
) -> tuple[bytes, int]:
    """build_trace_json for a page, with the node count its description gives, and `withheld`: for a
    room (`cut`: its position, revealed steps and quiz flag), without the numbers its class has not seen."""
    response = build_trace(source, values, folded, preset)
    response = withhold(response, *cut) if cut is not None else {**response, "withheld": None}
    return _bounded(response), len(response["trace"]["nodes"])


def build_step_json(source: str, values: dict[str, Any], index: int) -> bytes:
    """One backward step of a tensor program with its arrays in full (the trace sends large ones summarised)."""
    with np.errstate(all="ignore"):
        recorded = run(source, values, limits=SETTINGS.limits).trace()
        if not recorded.is_tensor:
            raise SourceError("not-tensor", "this program has no tensors: its steps already hold every number", 1, 1)
        if not 0 <= index < len(recorded.steps):
            raise SourceError("bad-step", f"there is no step {index}: the trace has {len(recorded.steps)}", 1, 1)
        try:
            arrays = step_arrays(recorded, index)
        except IndexError:
            raise SourceError("bad-step", f"step {index} is not a backward edge, so it has no arrays", 1, 1) from None
    return encode(arrays).encode()
