"""The numpy `Tensor`: float64 arrays whose ops take their forward and vector-Jacobian product from engine/ops."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, SupportsFloat, Union, cast

import numpy as np

from .backward import backward_walk
from .node import Node, _current_group, interior_order, next_order
from .ops import OPS, Array, Forms, Op, TensorRule, install_methods

Operand = Union["Tensor", float, int, Sequence[Any], np.ndarray]
_ADD, _SUB, _MUL, _DIV, _POW, _NEG, _MATMUL, _SUM, _MEAN, _RESHAPE, _TRANSPOSE, _SOFTMAX = (
    OPS[name]
    for name in ("add", "sub", "mul", "div", "pow", "neg", "matmul", "sum", "mean", "reshape", "transpose", "softmax")
)


class Tensor(Node):
    """A float64 array node with numpy broadcasting; gradients are summed back to each input's shape.

    Operators and the ops with arguments (an axis, a shape) are written out below; every other op's
    method (relu, tanh, exp, max, …) is made from its registry entry at the end of this file.
    """

    __slots__ = ("_rule",)
    __array_ufunc__ = None  # numpy arrays on the left defer to our reflected operators (array @ tensor)

    def __init__(
        self,
        data: Operand,
        _prev: tuple[Tensor, ...] = (),
        _op: str = "leaf",
        _rule: TensorRule | None = None,
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
        shape: tuple[int, ...] = self.data.shape
        return shape

    @property
    def T(self) -> Tensor:  # noqa: N802 - numpy's name
        return self.transpose()

    def item(self) -> float:
        return float(self.data)

    def __repr__(self) -> str:
        return f"Tensor(shape={self.data.shape}, data={self.data!r})"

    # -- operators ----------------------------------------------------------------------------------

    def __add__(self, other: Operand) -> Tensor:
        return _binary(_ADD, self, other)

    def __sub__(self, other: Operand) -> Tensor:
        return _binary(_SUB, self, other)

    def __mul__(self, other: Operand) -> Tensor:
        return _binary(_MUL, self, other)

    def __truediv__(self, other: Operand) -> Tensor:
        return _binary(_DIV, self, other)

    def __matmul__(self, other: Operand) -> Tensor:
        return _binary(_MATMUL, self, other)

    def __pow__(self, other: Operand) -> Tensor:
        if isinstance(other, Tensor):
            return _binary(_POW, self, other)
        return _apply(_POW, self, float(cast(SupportsFloat, other)))

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

    def __neg__(self) -> Tensor:
        return _unary(_NEG, self)

    # -- reductions and shape ops -------------------------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        return _apply(_SUM, self, axis)

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        return _apply(_MEAN, self, axis)

    def reshape(self, *shape: Any) -> Tensor:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _apply(_RESHAPE, self, target)

    def transpose(self, axes: Sequence[int] | None = None) -> Tensor:
        return _apply(_TRANSPOSE, self, None if axes is None else tuple(axes))

    def softmax(self, axis: int = -1) -> Tensor:
        return _apply(_SOFTMAX, self, axis)

    # -- backward -----------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill `.grad` of every node this tensor depends on with ∂(sum of self)/∂node.

        Intermediate gradients are recomputed on each call; leaf gradients accumulate across
        calls, as in PyTorch — call `zero_grad()` between steps. Gradients are never updated in
        place, so an array read from `.grad` keeps its numbers.
        """
        order = interior_order(self, None)
        seed = _SCALAR_ONE if self.data.ndim == 0 else np.ones_like(self.data)
        self.grad = seed if self._prev or self.grad is None else self.grad + seed
        backward_walk(order, vector_jacobian)


def vector_jacobian(node: Tensor, upstream: Array) -> tuple[Any, ...]:
    """∂L/∂input for each input: the node's rule applied to ∂L/∂node (None where no gradient is needed)."""
    assert node._rule is not None
    return node._rule(node, upstream)


_SCALAR_ONE = np.ones(())
_SCALAR_ONE.flags.writeable = False  # shared by every scalar loss as its seed gradient


def _tensor(value: Operand) -> Tensor:
    """Wrap a number or array that appears in an expression as a constant leaf."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, Node):
        raise TypeError("cannot mix a scalar Value with a Tensor; wrap the number in a Tensor")
    return Tensor(value, (), "const")


def _binary(op: Op, a: Tensor, other: Operand) -> Tensor:
    b = other if type(other) is Tensor else _tensor(other)
    assert op.tensor is not None
    return Tensor(op.tensor(a.data, b.data), (a, b), op.name, op.vjp)


def _unary(op: Op, x: Tensor) -> Tensor:
    assert op.tensor is not None
    return Tensor(op.tensor(x.data), (x,), op.name, op.vjp)


def _apply(op: Op, x: Tensor, arg: Any) -> Tensor:
    """A one-input op with an argument (an axis, a constant), which the node keeps for its rule."""
    assert op.tensor is not None
    node = Tensor(op.tensor(x.data, arg), (x,), op.name, op.vjp)
    node._arg = arg
    return node


def _forms(op: Op) -> Forms:
    """The Tensor method forms of a registry entry, for the ops not written out above."""
    name = op.name

    def binary(self: Tensor, other: Operand) -> Tensor:
        return _binary(op, self, other)

    def with_constant(self: Tensor, constant: float | None = op.default) -> Tensor:
        if constant is None:
            raise TypeError(f"{name}() needs a number")
        return _apply(op, self, float(constant))

    def unary(self: Tensor) -> Tensor:
        return _unary(op, self)

    return binary, with_constant, unary


install_methods(Tensor, lambda op: op.tensor is not None, _forms, ", elementwise")
