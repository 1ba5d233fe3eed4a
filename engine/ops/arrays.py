"""The tensor-only ops: matrix product, reductions, shape changes, softmax, and the two fused losses.

Their Tensor methods (and the loss functions in engine/losses.py) are written out by hand, for their
arguments (an axis, a shape, targets); their backward rules are here, beside their texts.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from ..node import Node
from .arithmetic import unbroadcast
from .spec import Array, Op


def _matmul_rule(node: Node, g: Array) -> tuple[Array | None, Array | None]:
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


MATMUL = Op(
    name="matmul",
    arity=2,
    formula="{0} @ {1}",
    local=("upstream @ {1}ᵀ", "{0}ᵀ @ upstream"),
    latex=r"{0}\,{1}",
    symbol="@",
    does="multiplies the matrices {0} and {1}",
    rule="The matmul gate multiplies the gradient by the other input, transposed.",
    tensor=operator.matmul,
    vjp=_matmul_rule,
    methods=("__matmul__",),
)


def _expand(g: Array, node: Node) -> Array:
    """Undo a reduction along `node._arg`: put the reduced axes back and broadcast."""
    shape = node._prev[0].data.shape
    axis = node._arg
    if axis is not None:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


def _sum_rule(node: Node, g: Array) -> tuple[Array]:
    return (_expand(g, node),)


def _mean_rule(node: Node, g: Array) -> tuple[Array]:
    count = node._prev[0].data.size // max(node.data.size, 1)
    return (_expand(g / count, node),)


SUM = Op(
    name="sum",
    arity=1,
    formula="sum({0})",
    local=("1 (upstream copied to every element)",),
    latex=r"\operatorname{sum}\left({0}\right)",
    does="adds up every entry of {0}",
    rule="The sum gate copies the gradient to every entry.",
    argument="axis",
    tensor=lambda x, axis: np.sum(x, axis=axis),
    vjp=_sum_rule,
    function_arity=1,
)
MEAN = Op(
    name="mean",
    arity=1,
    formula="mean({0})",
    local=("1/n (upstream shared among n elements)",),
    latex=r"\operatorname{mean}\left({0}\right)",
    does="averages the entries of {0}",
    rule="The mean gate shares the gradient equally among the n entries.",
    argument="axis",
    tensor=lambda x, axis: np.mean(x, axis=axis),
    vjp=_mean_rule,
    function_arity=1,
)


def _reshape_rule(node: Node, g: Array) -> tuple[Array]:
    return (g.reshape(node._prev[0].data.shape),)


RESHAPE = Op(
    name="reshape",
    arity=1,
    formula="reshape({0})",
    local=("upstream reshaped back",),
    latex=r"\operatorname{reshape}\left({0}\right)",
    does="reshapes {0}",
    rule="Reshaping hands the gradient back in the input's shape.",
    tensor=lambda x, shape: x.reshape(shape),
    vjp=_reshape_rule,
)


def _transpose_rule(node: Node, g: Array) -> tuple[Array]:
    axes = node._arg
    return (np.transpose(g, None if axes is None else np.argsort(axes)),)


TRANSPOSE = Op(
    name="transpose",
    arity=1,
    formula="{0}ᵀ",
    local=("upstream transposed back",),
    latex=r"{{0}}^{\top}",
    symbol="ᵀ",
    does="transposes {0}",
    rule="Transposing hands the gradient back transposed.",
    argument="axes",
    tensor=np.transpose,
    vjp=_transpose_rule,
    function_arity=1,
)


def _softmax(x: Array, axis: int) -> Array:
    shifted = x - np.max(x, axis=axis, keepdims=True)
    e = np.exp(shifted)
    result: Array = e / np.sum(e, axis=axis, keepdims=True)
    return result


def _softmax_rule(node: Node, g: Array) -> tuple[Array]:
    s = node.data
    return (s * (g - np.sum(g * s, axis=node._arg, keepdims=True)),)


SOFTMAX = Op(
    name="softmax",
    arity=1,
    formula="softmax({0})",
    local=("{out}·(upstream - sum(upstream·{out}))",),
    latex=r"\operatorname{softmax}\left({0}\right)",
    does="turns {0} into probabilities with softmax",
    rule="The softmax gate mixes the gradient through its Jacobian: s·(g - Σ g·s).",
    argument="axis",
    tensor=_softmax,
    vjp=_softmax_rule,
    function_arity=1,
)


def _cross_entropy_rule(node: Node, g: Array) -> tuple[Array]:
    probabilities, log_softmax = node._saved
    # ∂/∂logits = (softmax - target) / N
    slope = g * (np.exp(log_softmax) - probabilities) / probabilities.shape[0]
    return (slope.reshape(node._prev[0].data.shape),)


CROSS_ENTROPY = Op(
    name="cross_entropy",
    arity=1,
    formula="cross_entropy({0}, targets)",
    local=("(softmax({0}) - targets)/n",),
    latex=r"\operatorname{CE}\left({0}\right)",
    does="measures the cross-entropy of {0} against the targets",
    rule="The cross-entropy gate's gradient is (softmax - targets)/n.",
    vjp=_cross_entropy_rule,
    methods=(),
    function_arity=2,
)


def _mse_rule(node: Node, g: Array) -> tuple[Any, ...]:
    prediction, target = node._prev
    difference = node._saved
    # ∂/∂prediction = 2·(prediction - target)/n, broadcast back to each input's shape
    slope = (float(g) if g.ndim == 0 else g) * (2.0 / difference.size) * difference
    return (
        unbroadcast(slope, prediction.data.shape),
        None if target._op == "const" else unbroadcast(-slope, target.data.shape),
    )


MSE = Op(
    name="mse",
    arity=2,
    formula="mse({0}, {1})",
    local=("2·({0} - {1})/n", "-2·({0} - {1})/n"),
    latex=r"\operatorname{mse}\left({0}, {1}\right)",
    does="measures the mean squared error between {0} and {1}",
    rule="The mean-squared-error gate's gradient is 2·(prediction - target)/n, with the opposite sign for the target.",
    vjp=_mse_rule,
    methods=(),
    function_arity=2,
)

ARRAYS = (MATMUL, SUM, MEAN, RESHAPE, TRANSPOSE, SOFTMAX, CROSS_ENTROPY, MSE)
