"""The numpy `Tensor`: each op's forward value beside its vector-Jacobian product (the backward rule)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from .node import Node, _current_group, interior_order, next_order

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
        return Tensor(self.data + other.data, (self, other), "add", _add_rule)

    def __sub__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data - other.data, (self, other), "sub", _sub_rule)

    def __mul__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data * other.data, (self, other), "mul", _mul_rule)

    def __truediv__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data / other.data, (self, other), "div", _div_rule)

    def __pow__(self, other: Operand) -> Tensor:
        if isinstance(other, Tensor):
            return Tensor(self.data**other.data, (self, other), "pow", _pow_rule)
        exponent = float(other)  # type: ignore[arg-type]
        node = Tensor(self.data**exponent, (self,), "pow", _pow_const_rule)
        node._arg = exponent
        return node

    def max(self, other: Operand) -> Tensor:
        """Elementwise maximum; ties split the gradient evenly, as PyTorch's maximum does."""
        other = _tensor(other)
        return Tensor(np.maximum(self.data, other.data), (self, other), "max", _max_rule)

    def min(self, other: Operand) -> Tensor:
        """Elementwise minimum; ties split the gradient evenly, as PyTorch's minimum does."""
        other = _tensor(other)
        return Tensor(np.minimum(self.data, other.data), (self, other), "min", _min_rule)

    def __matmul__(self, other: Operand) -> Tensor:
        other = other if other.__class__ is Tensor else _tensor(other)
        return Tensor(self.data @ other.data, (self, other), "matmul", _matmul_rule)

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
        return Tensor(-self.data, (self,), "neg", _neg_rule)

    def relu(self) -> Tensor:
        return Tensor(np.maximum(self.data, 0.0), (self,), "relu", _relu_rule)

    def tanh(self) -> Tensor:
        return Tensor(np.tanh(self.data), (self,), "tanh", _tanh_rule)

    def sigmoid(self) -> Tensor:
        return Tensor(_stable_sigmoid(self.data), (self,), "sigmoid", _sigmoid_rule)

    def exp(self) -> Tensor:
        return Tensor(np.exp(self.data), (self,), "exp", _exp_rule)

    def log(self) -> Tensor:
        return Tensor(np.log(self.data), (self,), "log", _log_rule)

    def sin(self) -> Tensor:
        return Tensor(np.sin(self.data), (self,), "sin", _sin_rule)

    def cos(self) -> Tensor:
        return Tensor(np.cos(self.data), (self,), "cos", _cos_rule)

    def sqrt(self) -> Tensor:
        return Tensor(np.sqrt(self.data), (self,), "sqrt", _sqrt_rule)

    def abs(self) -> Tensor:
        return Tensor(np.abs(self.data), (self,), "abs", _abs_rule)

    __abs__ = abs

    # -- reductions and shape ops -------------------------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        node = Tensor(np.sum(self.data, axis=axis), (self,), "sum", _sum_rule)
        node._arg = axis
        return node

    def mean(self, axis: int | tuple[int, ...] | None = None) -> Tensor:
        node = Tensor(np.mean(self.data, axis=axis), (self,), "mean", _mean_rule)
        node._arg = axis
        return node

    def reshape(self, *shape: Any) -> Tensor:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return Tensor(self.data.reshape(target), (self,), "reshape", _reshape_rule)

    def transpose(self, axes: Sequence[int] | None = None) -> Tensor:
        node = Tensor(np.transpose(self.data, axes), (self,), "transpose", _transpose_rule)
        node._arg = None if axes is None else tuple(axes)
        return node

    def softmax(self, axis: int = -1) -> Tensor:
        shifted = self.data - np.max(self.data, axis=axis, keepdims=True)
        e = np.exp(shifted)
        node = Tensor(e / np.sum(e, axis=axis, keepdims=True), (self,), "softmax", _softmax_rule)
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


def unbroadcast(gradient: Array, shape: tuple[int, ...]) -> Array:
    """Sum a broadcast gradient back down to `shape` (the adjoint of numpy broadcasting)."""
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)
    if extra == 1 and gradient.shape[1:] == shape:  # a bias row added to every row of a batch
        return gradient.sum(axis=0)
    if extra:
        gradient = gradient.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gradient.shape[i] != 1)
    if stretched:
        gradient = gradient.sum(axis=stretched, keepdims=True)
    return gradient


def _stable_sigmoid(x: Array) -> Array:
    # exp of a non-positive number never overflows: e^-|x| / (1 + e^-|x|) for x < 0, else 1/(1 + e^-x)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


# -- backward rules: (node, upstream ∂L/∂out) -> one ∂L/∂input per input --------------------------


def _add_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    shape = g.shape
    return (g if a.data.shape == shape else unbroadcast(g, a.data.shape),
            g if b.data.shape == shape else unbroadcast(g, b.data.shape))


def _sub_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return unbroadcast(g, a.data.shape), unbroadcast(-g, b.data.shape)


def _mul_rule(node: Tensor, g: Array) -> tuple[Array | None, Array | None]:
    a, b = node._prev
    return (None if a._op == "const" else unbroadcast(g * b.data, a.data.shape),
            None if b._op == "const" else unbroadcast(g * a.data, b.data.shape))


def _div_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    # ∂(a/b)/∂a = 1/b ; ∂(a/b)/∂b = -out/b
    return unbroadcast(g / b.data, a.data.shape), unbroadcast(-g * node.data / b.data, b.data.shape)


def _pow_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    local_a = np.where(b.data == 0.0, 0.0, b.data * a.data ** (b.data - 1.0))
    local_b = np.where((a.data == 0.0) & (b.data >= 0.0), 0.0, node.data * np.log(a.data))
    return unbroadcast(g * local_a, a.data.shape), unbroadcast(g * local_b, b.data.shape)


def _pow_const_rule(node: Tensor, g: Array) -> tuple[Array]:
    (a,) = node._prev
    p = node._arg
    return (g * 0.0 if p == 0.0 else g * (p * a.data ** (p - 1.0)),)


def _max_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data > b.data, a.data == b.data, a.data.shape, b.data.shape)


def _min_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data < b.data, a.data == b.data, a.data.shape, b.data.shape)


def _route(g: Array, a_wins: Array, tie: Array, a_shape: tuple[int, ...],
           b_shape: tuple[int, ...]) -> tuple[Array, Array]:
    """max/min send the gradient to the winning input, half to each at a tie (PyTorch's convention)."""
    share = np.where(a_wins, 1.0, np.where(tie, 0.5, 0.0))
    return unbroadcast(g * share, a_shape), unbroadcast(g * (1.0 - share), b_shape)


def _matmul_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    left, right = node._prev
    a, b = left.data, right.data
    if a.ndim == 2 and b.ndim == 2:  # the common case, without reshaping; constants get no gradient
        return (None if left._op == "const" else g @ b.T), (None if right._op == "const" else a.T @ g)
    # Treat vectors as one-row / one-column matrices, then undo that and any batch broadcasting.
    a2 = a[np.newaxis, :] if a.ndim == 1 else a
    b2 = b[:, np.newaxis] if b.ndim == 1 else b
    g2 = np.reshape(g, np.matmul(a2, b2).shape)
    grad_a = g2 @ np.swapaxes(b2, -1, -2)
    grad_b = np.swapaxes(a2, -1, -2) @ g2
    grad_a = grad_a.reshape(grad_a.shape[:-2] + (-1,)) if a.ndim == 1 else grad_a
    grad_b = grad_b.reshape(grad_b.shape[:-1]) if b.ndim == 1 else grad_b
    return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)


def _neg_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (-g,)


def _relu_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * (node._prev[0].data > 0.0),)


def _tanh_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * (1.0 - node.data * node.data),)


def _sigmoid_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * node.data * (1.0 - node.data),)


def _exp_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * node.data,)


def _log_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g / node._prev[0].data,)


def _sin_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * np.cos(node._prev[0].data),)


def _cos_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (-g * np.sin(node._prev[0].data),)


def _sqrt_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * 0.5 / node.data,)


def _abs_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * np.sign(node._prev[0].data),)


def _expand(g: Array, node: Tensor) -> Array:
    """Undo a reduction along `node._arg`: put the reduced axes back and broadcast."""
    shape = node._prev[0].data.shape
    axis = node._arg
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _sum_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (_expand(g, node),)


def _mean_rule(node: Tensor, g: Array) -> tuple[Array]:
    count = node._prev[0].data.size // max(node.data.size, 1)
    return (_expand(g / count, node),)


def _reshape_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g.reshape(node._prev[0].data.shape),)


def _transpose_rule(node: Tensor, g: Array) -> tuple[Array]:
    axes = node._arg
    return (np.transpose(g, None if axes is None else np.argsort(axes)),)


def _softmax_rule(node: Tensor, g: Array) -> tuple[Array]:
    s = node.data
    return (s * (g - np.sum(g * s, axis=node._arg, keepdims=True)),)
