"""Backprop Lab's autograd engine: scalar Values and numpy Tensors that record replayable traces."""

from __future__ import annotations

from typing import Any

from .gradcheck import LeafCheck, gradcheck
from .losses import cross_entropy, mse
from .node import Node, group, topological_order
from .ops import OPS
from .scalar import Value
from .tensor import Tensor
from .trace import TRACE_VERSION, Trace, trace, trace_schema

__all__ = [
    "OPS", "TRACE_VERSION", "LeafCheck", "Node", "Tensor", "Trace", "Value",
    "cross_entropy", "gradcheck", "group", "maximum", "minimum", "mse", "topological_order", "trace",
    "trace_schema",
]


def maximum(a: Any, b: Any) -> Any:
    """max(a, b) for Values or Tensors (elementwise); numbers on the left are wrapped."""
    return a.max(b) if isinstance(a, Node) else _lift(a, b).max(b)


def minimum(a: Any, b: Any) -> Any:
    """min(a, b) for Values or Tensors (elementwise); numbers on the left are wrapped."""
    return a.min(b) if isinstance(a, Node) else _lift(a, b).min(b)


def _lift(number: Any, like: Any) -> Node:
    return Tensor(number, (), "const") if isinstance(like, Tensor) else Value(number, (), "const")
