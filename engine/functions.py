"""The registry's ops as plain calls, for Values and Tensors alike: maximum(a, b), call("exp", x), ..."""

from __future__ import annotations

from typing import Any

from .losses import cross_entropy, mse
from .node import Node
from .scalar import Value
from .tensor import Tensor

_LOSSES = {"mse": mse, "cross_entropy": cross_entropy}


def call(op: str, *arguments: Any) -> Any:
    """The op named `op` applied to its arguments (nodes, then its constant if it takes one): a loss
    function, or the method of the first argument, as in x.exp() or x.leaky_relu(0.01)."""
    loss = _LOSSES.get(op)
    if loss is not None:
        return loss(*arguments)
    first, *rest = arguments
    return getattr(first, op)(*rest)


def maximum(a: Any, b: Any) -> Any:
    """max(a, b) for Values or Tensors (elementwise); a number on the left is wrapped as a constant."""
    return call("max", a if isinstance(a, Node) else _lift(a, b), b)


def minimum(a: Any, b: Any) -> Any:
    """min(a, b) for Values or Tensors (elementwise); a number on the left is wrapped as a constant."""
    return call("min", a if isinstance(a, Node) else _lift(a, b), b)


def _lift(number: Any, like: Any) -> Node:
    return Tensor(number, (), "const") if isinstance(like, Tensor) else Value(number, (), "const")
