"""The browser's layout (Graphviz in WebAssembly, read by static/js/layout-wasm.js) against the server's (dot).

Both read the same DOT text. The parser is checked exactly (the same `plain` text gives the same layout
as app/layout.py's reader); the two Graphviz builds (Debian's 2.43, and the far newer one compiled to
WebAssembly) are checked to place every box at the same centre and to route the edges alike.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.layout import _parse_plain, _run_dot, layout
from app.notebook.response import dot_request
from app.presets import BY_ID
from app.view import VisibleGraph, default_folds, visible_graph
from engine import Node, Trace, Value
from engine.lang import run
from tests.notebook.micrograd_style import readme_expression

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("layout_wasm.mjs")
PRESETS = ["cs231n", "fan-out", "sigmoid-neuron", "tanh-neuron", "tensor-mlp", "pitfall-vanishing"]

# Tolerances, in CSS pixels (1 px = 1 pt, the layout's unit), from what the two builds do. Ranks (x, as
# graphs run left to right) and the order of the boxes within each rank come from the same algorithms in
# both: they must agree, x to a rounded tenth. Heights within a rank come from a network-simplex solve
# whose tie-breaking changed between the builds: on the 33-node fan-out graph of micrograd's README, 25
# boxes sit up to 5.0 px apart (every preset and the 50-node shared-weight graph: 0.1 px at most). 8 px
# is a quarter of the smallest box (32 px high) and a third of the gap between boxes (nodesep = 18 px),
# so no box can cross a neighbour within it. Splines are routed by newer code (their number of control
# points may differ), so an edge is compared by its two ends: measured 4.8 px apart at most.
RANK_TOLERANCE = 0.1
CENTRE_TOLERANCE = 8.0
EDGE_TOLERANCE = 8.0


def readme_graph() -> Node:
    """micrograd's README expression on our engine's Values, a fan-out graph of 30-odd nodes."""
    graph: Node = readme_expression(lambda data, label: Value(data, name=label))[2]
    return graph


def shared_weight_graph() -> Node:
    """One weight used by twelve products: drawn once, with small copies beside its users."""
    w = Value(0.5, name="w")
    total: Value = Value(0.0, name="s")
    for k in range(12):
        total = total + w * Value(float(k), name=f"x{k}")
    return total


def graphs() -> dict[str, VisibleGraph]:
    """The visible graphs to lay out both ways, by name."""
    documents = {name: run(BY_ID[name].source, {}).trace().to_dict() for name in PRESETS}
    documents["readme"] = Trace(readme_graph()).to_dict()
    documents["shared-weight"] = Trace(shared_weight_graph()).to_dict()
    return {name: visible_graph(doc["nodes"], default_folds(doc["nodes"], 120)) for name, doc in documents.items()}


@pytest.fixture(scope="module")
def both_ways() -> dict[str, tuple[VisibleGraph, str, dict[str, Any], dict[str, Any]]]:
    """For each graph: the graph, dot's plain text, the server's layout, and what the browser module made."""
    laid: dict[str, tuple[VisibleGraph, str, dict[str, Any]]] = {}
    requests = []
    for name, graph in graphs().items():
        request = dot_request(graph)
        plain = _run_dot(request["dot"])
        laid[name] = (graph, plain, layout(graph))
        requests.append({"name": name, **request, "plain": plain})
    done = subprocess.run(
        ["node", str(SCRIPT)], input=json.dumps(requests), capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    browser = json.loads(done.stdout)
    return {name: (*laid[name], browser[name]) for name in laid}


def test_the_browser_reads_dots_plain_output_exactly_as_the_server_does(both_ways: dict[str, Any]) -> None:
    for name, (graph, plain, _server, browser) in both_ways.items():
        assert browser["parsed"] == _parse_plain(plain, graph), name


def test_the_browser_layout_has_the_server_layouts_fields_and_key(both_ways: dict[str, Any]) -> None:
    for name, (_graph, _plain, server, browser) in both_ways.items():
        assert set(browser["wasm"]) == set(server), name
        assert browser["wasm"]["key"] == server["key"], name
        assert set(browser["wasm"]["items"]) == set(server["items"]), name


def test_webassembly_graphviz_puts_every_box_where_dot_does(both_ways: dict[str, Any]) -> None:
    for name, (_graph, _plain, server, browser) in both_ways.items():
        wasm = browser["wasm"]
        assert math.isclose(wasm["width"], server["width"], abs_tol=CENTRE_TOLERANCE), name
        assert math.isclose(wasm["height"], server["height"], abs_tol=CENTRE_TOLERANCE), name
        for key, (x, y, width, height) in server["items"].items():
            x2, y2, width2, height2 = wasm["items"][key]
            assert abs(x2 - x) <= RANK_TOLERANCE, (name, key)  # the same rank
            assert abs(y2 - y) <= CENTRE_TOLERANCE, (name, key)
            assert (width2, height2) == (width, height), (name, key)
        assert ranks(wasm) == ranks(server), name


def ranks(laid: dict[str, Any]) -> list[list[str]]:
    """The boxes of each rank (column), top to bottom: what a reader sees as the drawing's arrangement."""
    columns: dict[float, list[tuple[float, str]]] = {}
    for key, (x, y, _width, _height) in laid["items"].items():
        columns.setdefault(round(x), []).append((y, key))
    return [[key for _y, key in sorted(column)] for _x, column in sorted(columns.items())]


def test_webassembly_graphviz_joins_every_edge_where_dot_does(both_ways: dict[str, Any]) -> None:
    for name, (_graph, _plain, server, browser) in both_ways.items():
        ours, theirs = edge_ends(server), edge_ends(browser["wasm"])
        assert sorted(theirs) == sorted(ours), name
        for pair, ends in ours.items():
            assert len(theirs[pair]) == len(ends), (name, pair)
            for (start, end), (start2, end2) in zip(ends, theirs[pair]):
                assert math.dist(start, start2) <= EDGE_TOLERANCE, (name, pair)
                assert math.dist(end, end2) <= EDGE_TOLERANCE, (name, pair)


def edge_ends(laid: dict[str, Any]) -> dict[tuple[str, str], list[tuple[tuple[float, float], tuple[float, float]]]]:
    """Each edge's first and last point, by (tail, head); a pair joined twice (x * x) has two."""
    ends: dict[tuple[str, str], list[tuple[tuple[float, float], tuple[float, float]]]] = {}
    for tail, head, points in laid["edges"]:
        ends.setdefault((tail, head), []).append(((points[0], points[1]), (points[-2], points[-1])))
    return {pair: sorted(found) for pair, found in ends.items()}
