"""The scalar `Value`: micrograd's API, with each op's forward value and local derivatives side by side."""

from __future__ import annotations

from math import tanh as _tanh
from typing import Union

from . import numeric as m
from .backward import backward_walk, chain_rule
from .node import Node, _current_group, interior_order, next_order
from .ops import Forms, Op, install_methods, power_slope

Number = Union[int, float]
Operand = Union["Value", int, float]


def _as_float(data: object) -> float:
    if isinstance(data, (str, bytes)) or not hasattr(data, "__float__"):
        raise TypeError(f"Value needs a real number, got {type(data).__name__}")
    return float(data)  # hasattr narrows `data` to an object with __float__


class Value(Node):
    """A scalar node that keeps ∂self/∂input for each input, so backward is upstream × local.

    The ops written out below are the hot paths (a call through the registry costs ~100 ns an op);
    tests/engine/test_registry.py checks each against its entry in engine/ops. Every other op's method
    (log, sin, cos, sqrt, abs, max, min, …) is made from its registry entry at the end of this file.
    """

    __slots__ = ("_local_a", "_local_b")

    def __init__(
        self,
        data: Number,
        _prev: tuple[Value, ...] = (),
        _op: str = "leaf",
        _local_a: float = 0.0,
        _local_b: float = 0.0,
        name: str | None = None,
    ) -> None:
        self.data = data if data.__class__ is float else _as_float(data)
        self.grad = 0.0
        self._prev = _prev
        self._op = _op
        self._local_a = _local_a  # plain floats, not a tuple: one allocation less per op
        self._local_b = _local_b
        self._order = next_order()
        self.group = _current_group[0]
        self._name = name
        self._arg = None
        self.span = None

    @property
    def local_gradients(self) -> tuple[float, ...]:
        """∂self/∂input for each input, in input order (the chain rule's local factor)."""
        arity = len(self._prev)
        return (self._local_a, self._local_b)[:arity]

    @local_gradients.setter
    def local_gradients(self, values: tuple[float, ...]) -> None:
        self._local_a, self._local_b = (*values, 0.0, 0.0)[:2]

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # -- binary ops: the value, then (∂out/∂a, ∂out/∂b) -----------------------------------------

    def __add__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _const(other)
        return Value(self.data + other.data, (self, other), "add", 1.0, 1.0)

    def __sub__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _const(other)
        return Value(self.data - other.data, (self, other), "sub", 1.0, -1.0)

    def __mul__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _const(other)
        return Value(self.data * other.data, (self, other), "mul", other.data, self.data)

    def __truediv__(self, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _const(other)
        a, b = self.data, other.data
        out = m.divide(a, b)
        # ∂(a/b)/∂a = 1/b ; ∂(a/b)/∂b = -a/b² = -out/b
        return Value(out, (self, other), "div", m.divide(1.0, b), m.divide(-out, b))

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            a, b = self.data, other.data
            out = m.power(a, b)
            # ∂(a^b)/∂a = b·a^(b-1) ; ∂(a^b)/∂b = a^b·ln a
            # (zero where the formula reads 0·∞ at a = 0 or b = 0, as PyTorch defines it)
            local_b = 0.0 if a == 0.0 and b >= 0.0 else out * m.log(a)
            return Value(out, (self, other), "pow", power_slope(a, b), local_b)
        exponent = _as_float(other)
        node = Value(m.power(self.data, exponent), (self,), "pow", power_slope(self.data, exponent))
        node._arg = exponent
        return node

    # -- numbers on the left ----------------------------------------------------------------------

    def __radd__(self, other: Number) -> Value:
        return _const(other) + self

    def __rsub__(self, other: Number) -> Value:
        return _const(other) - self

    def __rmul__(self, other: Number) -> Value:
        return _const(other) * self

    def __rtruediv__(self, other: Number) -> Value:
        return _const(other) / self

    def __rpow__(self, other: Number) -> Value:
        return _const(other) ** self

    # -- unary ops: the value, then ∂out/∂x ------------------------------------------------------

    def __neg__(self) -> Value:
        return Value(-self.data, (self,), "neg", -1.0)

    def relu(self) -> Value:
        x = self.data
        return Value(x if x > 0.0 else 0.0, (self,), "relu", 1.0 if x > 0.0 else 0.0)

    def tanh(self) -> Value:
        t = _tanh(self.data)
        return Value(t, (self,), "tanh", 1.0 - t * t)

    def sigmoid(self) -> Value:
        s = m.sigmoid(self.data)
        return Value(s, (self,), "sigmoid", s * (1.0 - s))

    def exp(self) -> Value:
        e = m.exp(self.data)
        return Value(e, (self,), "exp", e)

    # -- backward ---------------------------------------------------------------------------------

    def backward(self) -> None:
        """Fill `.grad` of every node this value depends on with ∂self/∂node.

        Intermediate gradients are recomputed from zero on each call; leaf gradients accumulate
        across calls, as in PyTorch — call `zero_grad()` (or set `.grad = 0`) between steps.
        """
        order = interior_order(self, 0.0)
        self.grad = 1.0 if self._prev else self.grad + 1.0
        backward_walk(order, chain_rule)


def _const(number: object) -> Value:
    """Wrap a plain number that appears in an expression as a constant leaf."""
    return Value(_as_float(number), (), "const")


def _forms(op: Op) -> Forms:
    """The Value method forms of a registry entry: its scalar rule gives the value and the local derivatives."""
    name, forward = op.name, op.scalar
    assert forward is not None

    def binary(self: Value, other: Operand) -> Value:
        other = other if isinstance(other, Value) else _const(other)
        value, local_a, local_b = forward(self.data, other.data)
        return Value(value, (self, other), name, local_a, local_b)

    def with_constant(self: Value, constant: Number | None = op.default) -> Value:
        number = _as_float(constant)
        value, local = forward(self.data, number)
        node = Value(value, (self,), name, local)
        node._arg = number
        return node

    def unary(self: Value) -> Value:
        value, local = forward(self.data)
        return Value(value, (self,), name, local)

    return binary, with_constant, unary


install_methods(Value, lambda op: op.scalar is not None, _forms)
