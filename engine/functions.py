"""The language's functions as plain calls, for Values and Tensors alike: exp(x), maximum(a, b), ..."""

from __future__ import annotations

from typing import Any

from .node import Node
from .scalar import Value
from .tensor import Tensor


def exp(x: Any) -> Any:
    return x.exp()


def log(x: Any) -> Any:
    return x.log()


def tanh(x: Any) -> Any:
    return x.tanh()


def sigmoid(x: Any) -> Any:
    return x.sigmoid()


def relu(x: Any) -> Any:
    return x.relu()


def sin(x: Any) -> Any:
    return x.sin()


def cos(x: Any) -> Any:
    return x.cos()


def sqrt(x: Any) -> Any:
    return x.sqrt()


def abs(x: Any) -> Any:  # noqa: A001 - the language's name for it
    return x.abs()


def maximum(a: Any, b: Any) -> Any:
    """max(a, b) for Values or Tensors (elementwise); a number on the left is wrapped as a constant."""
    return a.max(b) if isinstance(a, Node) else _lift(a, b).max(b)


def minimum(a: Any, b: Any) -> Any:
    """min(a, b) for Values or Tensors (elementwise); a number on the left is wrapped as a constant."""
    return a.min(b) if isinstance(a, Node) else _lift(a, b).min(b)


def _lift(number: Any, like: Any) -> Node:
    return Tensor(number, (), "const") if isinstance(like, Tensor) else Value(number, (), "const")
