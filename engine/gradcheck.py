"""Gradient check: autograd against central finite differences, leaf by leaf."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .node import Node
from .scalar import Value
from .tensor import Tensor


@dataclass(frozen=True)
class LeafCheck:
    """One leaf's gradient by autograd and by finite differences, with their relative error."""

    index: int
    autograd: np.ndarray
    numeric: np.ndarray
    relative_error: float

    @property
    def ok(self) -> bool:
        return self.relative_error <= 1e-6


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(1, |a|, |b|), elementwise; 0 where both agree exactly (inf included)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        same = (a == b) | (np.isnan(a) & np.isnan(b))
        scale = np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))
        error = np.where(same, 0.0, np.abs(a - b) / scale)
    return float(np.nan_to_num(error, nan=np.inf).max(initial=0.0))


def gradcheck(function: Callable[..., Node], inputs: Sequence[Node], epsilon: float = 1e-6) -> list[LeafCheck]:
    """Compare ∂function(*inputs)/∂input from backward() with (f(x+ε) - f(x-ε)) / 2ε for each input.

    `function` must rebuild its graph from the inputs on every call; a tensor output is summed.
    Inputs' gradients are left as they were.
    """
    saved = [_copy(leaf.grad) for leaf in inputs]
    for leaf in inputs:
        leaf.grad = np.zeros_like(leaf.data) if isinstance(leaf, Tensor) else 0.0
    function(*inputs).backward()
    autograd = [np.array(leaf.grad, dtype=np.float64) for leaf in inputs]
    for leaf, grad in zip(inputs, saved):
        leaf.grad = grad
    return [
        LeafCheck(k, autograd[k], numeric, relative_error(autograd[k], numeric))
        for k, numeric in enumerate(_numeric_gradients(function, inputs, epsilon))
    ]


def _numeric_gradients(function: Callable[..., Node], inputs: Sequence[Node], epsilon: float) -> list[np.ndarray]:
    def total() -> float:
        return float(np.sum(function(*inputs).data))

    results = []
    for leaf in inputs:
        if isinstance(leaf, Value):
            results.append(np.array(_central(leaf, None, total, epsilon)))
            continue
        numeric = np.zeros_like(leaf.data)
        for position in np.ndindex(leaf.data.shape):
            numeric[position] = _central(leaf, position, total, epsilon)
        results.append(numeric)
    return results


def _central(leaf: Node, position: tuple[int, ...] | None, total: Callable[[], float], epsilon: float) -> float:
    original = leaf.data if position is None else leaf.data[position]
    step = epsilon * max(1.0, abs(original))
    values = []
    for shifted in (original + step, original - step):
        if position is None:
            leaf.data = shifted
        else:
            leaf.data[position] = shifted
        values.append(total())
    if position is None:
        leaf.data = original
    else:
        leaf.data[position] = original
    return float((values[0] - values[1]) / (2 * step))


def _copy(grad: object) -> object:
    return grad.copy() if isinstance(grad, np.ndarray) else grad
