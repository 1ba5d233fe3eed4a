"""The tensor ops' backward rules: (node, upstream ∂L/∂out) → one ∂L/∂input per input (None: none needed).

Each rule sits under the name of the op in engine/tensor.py that uses it; constants get no gradient.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .tensor import Array, Tensor
else:
    Array = np.ndarray


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





def add_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    shape = g.shape
    return (g if a.data.shape == shape else unbroadcast(g, a.data.shape),
            g if b.data.shape == shape else unbroadcast(g, b.data.shape))


def sub_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return unbroadcast(g, a.data.shape), unbroadcast(-g, b.data.shape)


def mul_rule(node: Tensor, g: Array) -> tuple[Array | None, Array | None]:
    a, b = node._prev
    return (None if a._op == "const" else unbroadcast(g * b.data, a.data.shape),
            None if b._op == "const" else unbroadcast(g * a.data, b.data.shape))


def div_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    # ∂(a/b)/∂a = 1/b ; ∂(a/b)/∂b = -out/b
    return unbroadcast(g / b.data, a.data.shape), unbroadcast(-g * node.data / b.data, b.data.shape)


def pow_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    local_a = np.where(b.data == 0.0, 0.0, b.data * a.data ** (b.data - 1.0))
    local_b = np.where((a.data == 0.0) & (b.data >= 0.0), 0.0, node.data * np.log(a.data))
    return unbroadcast(g * local_a, a.data.shape), unbroadcast(g * local_b, b.data.shape)


def pow_const_rule(node: Tensor, g: Array) -> tuple[Array]:
    (a,) = node._prev
    p = node._arg
    return (g * 0.0 if p == 0.0 else g * (p * a.data ** (p - 1.0)),)


def max_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data > b.data, a.data == b.data, a.data.shape, b.data.shape)


def min_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data < b.data, a.data == b.data, a.data.shape, b.data.shape)


def _route(g: Array, a_wins: Array, tie: Array, a_shape: tuple[int, ...],
           b_shape: tuple[int, ...]) -> tuple[Array, Array]:
    """max/min send the gradient to the winning input, half to each at a tie (PyTorch's convention)."""
    share = np.where(a_wins, 1.0, np.where(tie, 0.5, 0.0))
    return unbroadcast(g * share, a_shape), unbroadcast(g * (1.0 - share), b_shape)


def matmul_rule(node: Tensor, g: Array) -> tuple[Array, Array]:
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


def neg_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (-g,)


def relu_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * (node._prev[0].data > 0.0),)


def tanh_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * (1.0 - node.data * node.data),)


def sigmoid_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * node.data * (1.0 - node.data),)


def exp_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * node.data,)


def log_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g / node._prev[0].data,)


def sin_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * np.cos(node._prev[0].data),)


def cos_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (-g * np.sin(node._prev[0].data),)


def sqrt_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * 0.5 / node.data,)


def abs_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g * np.sign(node._prev[0].data),)


def _expand(g: Array, node: Tensor) -> Array:
    """Undo a reduction along `node._arg`: put the reduced axes back and broadcast."""
    shape = node._prev[0].data.shape
    axis = node._arg
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def sum_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (_expand(g, node),)


def mean_rule(node: Tensor, g: Array) -> tuple[Array]:
    count = node._prev[0].data.size // max(node.data.size, 1)
    return (_expand(g / count, node),)


def reshape_rule(node: Tensor, g: Array) -> tuple[Array]:
    return (g.reshape(node._prev[0].data.shape),)


def transpose_rule(node: Tensor, g: Array) -> tuple[Array]:
    axes = node._arg
    return (np.transpose(g, None if axes is None else np.argsort(axes)),)


def softmax_rule(node: Tensor, g: Array) -> tuple[Array]:
    s = node.data
    return (s * (g - np.sum(g * s, axis=node._arg, keepdims=True)),)
