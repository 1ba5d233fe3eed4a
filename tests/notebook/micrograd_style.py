"""Hand-written micrograd-style Values for the conversion tests (micrograd itself is not installed).

`Micro` keeps micrograd's conventions: `_prev` a set, ops '+', '*', f'**{k}', 'ReLU', '' for leaves,
subtraction and division made of those. `Lecture` is the lecture's: labels, 'tanh' by its exp formula,
'exp'. `Variant` is what other versions add: ordered `_prev`, and '-', '/', 'log', 'sigmoid' as ops.
Each computes its own gradients (recursively, as micrograd does) so the tests can compare with ours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any


class Micro:
    """micrograd's Value: data, grad, _prev (a set), _op, and a backward closure."""

    def __init__(self, data: float, _children: tuple[Any, ...] = (), _op: str = "", label: str = "") -> None:
        self.data = data
        self.grad = 0.0
        self._backward: Callable[[], None] = lambda: None
        self._prev: Any = set(_children)
        self._op = _op
        self.label = label

    @classmethod
    def wrap(cls, other: Any) -> Any:
        return other if isinstance(other, Micro) else cls(other)

    def __add__(self, other: Any) -> Any:
        other = self.wrap(other)
        out = type(self)(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Any) -> Any:
        other = self.wrap(other)
        out = type(self)(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other: float) -> Any:
        out = type(self)(self.data**other, (self,), f"**{other}")

        def _backward() -> None:
            self.grad += (other * self.data ** (other - 1)) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Any:
        out = type(self)(0.0 if self.data < 0 else self.data, (self,), "ReLU")

        def _backward() -> None:
            self.grad += (out.data > 0) * out.grad

        out._backward = _backward
        return out

    def backward(self) -> None:
        topo: list[Any] = []
        visited: set[Any] = set()

        def build(v: Any) -> None:
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)

        build(self)
        self.grad = 1.0
        for v in reversed(topo):
            v._backward()

    def __neg__(self) -> Any:
        return self * -1

    def __radd__(self, other: Any) -> Any:
        return self + other

    def __sub__(self, other: Any) -> Any:
        return self + (-other)

    def __rsub__(self, other: Any) -> Any:
        return other + (-self)

    def __rmul__(self, other: Any) -> Any:
        return self * other

    def __truediv__(self, other: Any) -> Any:
        return self * other**-1

    def __rtruediv__(self, other: Any) -> Any:
        return other * self**-1


class Lecture(Micro):
    """The lecture's Value: the same, plus labels, tanh written with exp, and exp."""

    def tanh(self) -> Any:
        x = self.data
        t = (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1)
        out = type(self)(t, (self,), "tanh")

        def _backward() -> None:
            self.grad += (1 - t**2) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Any:
        out = type(self)(math.exp(self.data), (self,), "exp")

        def _backward() -> None:
            self.grad += out.data * out.grad

        out._backward = _backward
        return out


class Variant(Lecture):
    """Another version's Value: `_prev` an ordered tuple, and '-', '/', 'log', 'sigmoid' as ops of their own."""

    def __init__(self, data: float, _children: tuple[Any, ...] = (), _op: str = "", label: str = "") -> None:
        super().__init__(data, _children, _op, label)
        self._prev = tuple(_children)

    def __sub__(self, other: Any) -> Any:
        other = self.wrap(other)
        out = Variant(self.data - other.data, (self, other), "-")

        def _backward() -> None:
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Any) -> Any:
        other = self.wrap(other)
        out = Variant(self.data / other.data, (self, other), "/")

        def _backward() -> None:
            self.grad += out.grad / other.data
            other.grad -= out.grad * self.data / other.data**2

        out._backward = _backward
        return out

    def log(self) -> Any:
        out = Variant(math.log(self.data), (self,), "log")

        def _backward() -> None:
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def sigmoid(self) -> Any:
        s = 1 / (1 + math.exp(-self.data))
        out = Variant(s, (self,), "sigmoid")

        def _backward() -> None:
            self.grad += s * (1 - s) * out.grad

        out._backward = _backward
        return out


def readme_expression(value: Callable[..., Any], a_data: float = -4.0, b_data: float = 2.0) -> tuple[Any, Any, Any]:
    """micrograd's README example, its inputs made by `value(data, label=…)`: (a, b, g)."""
    a, b = value(a_data, label="a"), value(b_data, label="b")
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return a, b, g
