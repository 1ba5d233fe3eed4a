"""The numpy `Tensor`: each op's forward value beside its vector-Jacobian product (the backward rule)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from .node import Node, _current_group, interior_order, next_order
from .tensor_rules import (  # noqa: F401 - unbroadcast is re-exported for losses.py
    abs_rule,
    add_rule,
    cos_rule,
    div_rule,
    exp_rule,
    log_rule,
    matmul_rule,
    max_rule,
    mean_rule,
    min_rule,
    mul_rule,
    neg_rule,
    pow_const_rule,
    pow_rule,
    relu_rule,
    reshape_rule,
    sigmoid_rule,
    sin_rule,
    softmax_rule,
    sqrt_rule,
    sub_rule,
    sum_rule,
    tanh_rule,
    transpose_rule,
    unbroadcast,
)

Array = np.ndarray
Operand = Union["Tensor", float, int, Sequence[Any], np.ndarray]
# A backward rule maps (node, ∂L/∂node) to one contribution ∂L/∂input per input (None: no gradient).
Rule = Callable[["Tensor", Array], tuple[Any, ...]]


class Tensor(Node):
    """A float64 array node with numpy broadcasting; gradients are summed back to each input's shape."""

    __slots__ = ("_rule", "_saved")
    __array_ufunc__ = None  # numpy arrays on the left defer to our reflected operators (array @ tensor)

    def __init__(
        self,
        data: Operand,
        _prev: tuple[Tensor, ...] = (),
        _op: str = "leaf",
        _rule: Rule | None = None,
        name: str | None = None,
    ) -> None:
        if _prev:
            self.data = data
            self.grad = None  # filled by backward
        elif _op == "const":  # a constant keeps the caller's float64 array as it is: no copy
            self.data = np.asarray(data, dtype=np.float64)
            self.grad = None
        else:
            self.data = np.array(data, dtype=np.float64)
            self.grad = np.zeros_like(self.data)
        self._prev = _prev
        self._op = _op
        self._rule = _rule
        self._order = next_order()
        self.group = _current_group[0]
        self._name = name
        self._arg = None
        self.span = None

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return self.transpose()

    def item(self) -> float:
        return float(self.data)

    def __repr__(self) -> str:
        return f"Tensor(shape={self.data.shape}, data={self.data!r})"

    # -- elementwise binary ops ---------------------------------------------------------------------

    def __add__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data + other.data, (self, other), "add", add_rule)

    def __sub__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data - other.data, (self, other), "sub", sub_rule)

    def __mul__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data * other.data, (self, other), "mul", mul_rule)

    def __truediv__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data / other.data, (self, other), "div", div_rule)

    def __pow__(self, other: Operand) -> Tensor:
        if isinstance(other, Tensor):
            return Tensor(self.data**other.data, (self, other), "pow", pow_rule)
        exponent = float(other)  # type: ignore[arg-type]
        node = Tensor(self.data**exponent, (self,), "pow", pow_const_rule)
        node._arg = exponent
        return node

    def max(self, other: Operand) -> Tensor:
        """Elementwise maximum; ties split the gradient evenly, as PyTorch's maximum does."""
        other = _tensor(other)
        return Tensor(np.maximum(self.data, other.data), (self, other), "max", max_rule)

    def min(self, other: Operand) -> Tensor:
        """Elementwise minimum; ties split the gradient evenly, as PyTorch's minimum does."""
        other = _tensor(other)
        return Tensor(np.minimum(self.data, other.data), (self, other), "min", min_rule)

    def __matmul__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data @ other.data, (self, other), "matmul", matmul_rule)

    def __radd__(self, other: Operand) -> Tensor:
        return _tensor(other) + self

    def __rsub__(self, other: Operand) -> Tensor:
        return _tensor(other) - self

    def __rmul__(self, other: Operand) -> Tensor:
        return _tensor(other) * self

    def __rtruediv__(self, other: Operand) -> Tensor:
        return _tensor(other) / self

    def __rpow__(self, other: Operand) -> Tensor:
        return _tensor(other) ** self

    def __rmatmul__(self, other: Operand) -> Tensor:
        return _tensor(other) @ self

    # -- elementwise unary ops ----------------------------------------------------------------------

    def __neg__(self) -> Tensor:
        return Tensor(-self.data, (self,), "neg", neg_rule)

    def relu(self) -> Tensor:
        return Tensor(np.maximum(self.data, 0.0), (self,), "relu", relu_rule)

    def tanh(self) -> Tensor:
        return Tensor(np.tanh(self.data), (self,), "tanh", tanh_rule)

    def sigmoid(self) -> Tensor:
        return Tensor(_stable_sigmoid(self.data), (self,), "sigmoid", sigmoid_rule)

    def exp(self) -> Tensor:
        return Tensor(np.exp(self.data), (self,), "exp", exp_rule)

    def log(self) -> Tensor:
        return Tensor(np.log(self.data), (self,), "log", log_rule)

    def sin(self) -> Tensor:
        return Tensor(np.sin(self.data), (self,), "sin", sin_rule)

    def cos(self) -> Tensor:
        return Tensor(np.cos(self.data), (self,), "cos", cos_rule)

    def sqrt(self) -> Tensor:
        return Tensor(np.sqrt(self.data), (self,), "sqrt", sqrt_rule)

    def abs(self) -> Tensor:
        return Tensor(np.abs(self.data), (self,), "abs", abs_rule)

    __abs__ = abs

    # -- reductions and shape ops -------------------------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        node = Tensor(np.sum(self.data, axis=axis), (self,), "sum", sum_rule)
        node._arg = axis
        return node

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        node = Tensor(np.mean(self.data, axis=axis), (self,), "mean", mean_rule)
        node._arg = axis
        return node

    def reshape(self, *shape: Any) -> Tensor:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return Tensor(self.data.reshape(target), (self,), "reshape", reshape_rule)

    def transpose(self, axes: Sequence[int] | None = None) -> Tensor:
        node = Tensor(np.transpose(self.data, axes), (self,), "transpose", transpose_rule)
        node._arg = None if axes is None else tuple(axes)
        return node

    def softmax(self, axis: int = -1) -> Tensor:
        shifted = self.data - np.max(self.data, axis=axis, keepdims=True)
        e = np.exp(shifted)
        node = Tensor(e / np.sum(e, axis=axis, keepdims=True), (self,), "softmax", softmax_rule)
        node._arg = axis
        return node

    # -- backward -----------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill `.grad` of every node this tensor depends on with ∂(sum of self)/∂node.

        Intermediate gradients are recomputed on each call; leaf gradients accumulate across
        calls, as in PyTorch — call `zero_grad()` between steps. Gradients are never updated in
        place, so an array read from `.grad` keeps its numbers.
        """
        order = interior_order(self)
        for node in order:
            node.grad = None
        seed = _SCALAR_ONE if self.data.ndim == 0 else np.ones_like(self.data)
        self.grad = seed if self._prev or self.grad is None else self.grad + seed
        for node in order:
            upstream = node.grad
            for child, contribution in zip(node._prev, node._rule(node, upstream)):
                if contribution is None:
                    continue
                # accumulate(), written out: this loop is the engine's hot path
                current = child.grad
                if current is not None:
                    child.grad = current + contribution
                elif child._prev or (contribution is not upstream and contribution.base is None):
                    child.grad = contribution
                else:
                    child.grad = contribution.copy()  # a leaf's gradient owns its array: no view, no alias


_SCALAR_ONE = np.ones(())
_SCALAR_ONE.flags.writeable = False  # shared by every scalar loss as its seed gradient


def accumulate(node: Any, contribution: Array, upstream: Array | None = None) -> None:
    """node.grad += contribution, never in place, so gradient arrays can be shared safely;
    a leaf's first contribution is copied if it is the upstream array itself or a view of another."""
    current = node.grad
    if current is not None:
        node.grad = current + contribution
    elif node._prev or (contribution is not upstream and contribution.base is None):
        node.grad = contribution
    else:
        node.grad = contribution.copy()


def _tensor(value: Operand) -> Tensor:
    """Wrap a number or array that appears in an expression as a constant leaf."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Node):
        raise TypeError("cannot mix a scalar Value with a Tensor; wrap the number in a Tensor")
    return Tensor(value, (), "const")


def _stable_sigmoid(x: Array) -> Array:
    # exp of a non-positive number never overflows: e^-|x| / (1 + e^-|x|) for x < 0, else 1/(1 + e^-x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
