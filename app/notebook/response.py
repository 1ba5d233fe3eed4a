"""A graph's root → the response the lab's player draws: the trace, its narration, the view and a layout."""

from __future__ import annotations

import hashlib
import shutil
from typing import Any

import numpy as np

from engine import Node, Trace, topological_order
from engine.lang import SourceError

from ..layout import dot_id, dot_source, layout
from ..service import check_budget, describe
from ..settings import SETTINGS
from ..view import VisibleGraph
from .convert import GraphError, is_micrograd_style, to_engine


def engine_root(root: object) -> Node:
    """Our engine's node for `root`: itself if it is one, else the micrograd-style graph rebuilt."""
    if isinstance(root, Node):
        count = len(topological_order(root))
        if count > SETTINGS.max_nodes:
            raise GraphError(
                f"this graph has {count:,} nodes; the lab draws at most {SETTINGS.max_nodes:,}: "
                "show a smaller part of it (one neuron, one layer)"
            )
        return root
    if is_micrograd_style(root):
        return to_engine(root, SETTINGS.max_nodes)
    raise GraphError(
        f"show() takes the output of a graph: an engine Value or Tensor, or a micrograd-style Value "
        f"(with data, grad, _prev and _op); got {type(root).__name__}"
    )


def build_response(root: object, folded: list[str] | None = None, browser_layout: bool | None = None) -> dict[str, Any]:
    """The player's response for the graph that ends at `root`. With dot on PATH the layout is dot's, as
    on the server; without it (or with browser_layout=True) `layout` holds the DOT text for the browser."""
    node = engine_root(root)
    with np.errstate(all="ignore"):  # a non-finite value is drawn and flagged, not a warning
        recorded = Trace(node)
        try:
            check_budget(recorded)
        except SourceError as error:
            raise GraphError(error.message) from None
        document = recorded.to_dict()
    in_browser = shutil.which("dot") is None if browser_layout is None else browser_layout
    response = describe(document, folded, [], dot_request if in_browser else layout)
    return {"source": "", **response}


def dot_request(graph: VisibleGraph) -> dict[str, Any]:
    """What the browser needs to lay the graph out itself: the DOT text, the map from its ids back to
    the view's keys, and the key that a server layout of the same structure would carry."""
    source = dot_source(graph)
    return {
        "dot": source,
        "ids": {dot_id(key): key for key in graph.items},
        "key": hashlib.sha256(source.encode()).hexdigest()[:32],
    }
