"""The arithmetic ops (+ - × ÷ ** and negation, max and min), and the graph's leaves and constants.

Each op's scalar rule gives its value beside its local derivatives; its tensor rule is the
vector-Jacobian product, with gradients summed back to each input's shape (the adjoint of broadcasting).
Constants get no gradient.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import numeric as m
from ..node import Node
from .spec import Array, Op


def unbroadcast(gradient: Array, shape: tuple[int, ...]) -> Array:
    """Sum a broadcast gradient back down to `shape` (the adjoint of numpy broadcasting)."""
    if gradient.shape == shape:
        return gradient
    extra = gradient.ndim - len(shape)
    if extra == 1 and gradient.shape[1:] == shape:  # a bias row added to every row of a batch
        summed: Array = gradient.sum(axis=0)
        return summed
    if extra:
        gradient = gradient.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and gradient.shape[i] != 1)
    if stretched:
        gradient = gradient.sum(axis=stretched, keepdims=True)
    return gradient


LEAF = Op(
    name="leaf",
    arity=0,
    formula="input",
    local=(),
    latex="",
    symbol="input",
    does="is an input",
    methods=(),
)
CONST = Op(
    name="const",
    arity=0,
    formula="constant",
    local=(),
    latex="",
    does="is a constant",
    methods=(),
)


def _add_rule(node: Node, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    shape = g.shape
    return (
        g if a.data.shape == shape else unbroadcast(g, a.data.shape),
        g if b.data.shape == shape else unbroadcast(g, b.data.shape),
    )


ADD = Op(
    name="add",
    arity=2,
    formula="{0} + {1}",
    local=("1", "1"),
    latex="{0} + {1}",
    symbol="+",
    does="adds {0} and {1}",
    rule="The add gate hands the same gradient to both inputs: its local derivatives are 1.",
    scalar=lambda a, b: (a + b, 1.0, 1.0),
    tensor=operator.add,
    vjp=_add_rule,
    methods=("__add__",),
)


def _sub_rule(node: Node, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return unbroadcast(g, a.data.shape), unbroadcast(-g, b.data.shape)


SUB = Op(
    name="sub",
    arity=2,
    formula="{0} - {1}",
    local=("1", "-1"),
    latex="{0} - {1}",
    symbol="−",
    does="subtracts {1} from {0}",
    rule="The subtract gate passes the gradient to its first input and its negative to the second.",
    scalar=lambda a, b: (a - b, 1.0, -1.0),
    tensor=operator.sub,
    vjp=_sub_rule,
    methods=("__sub__",),
)


def _mul_rule(node: Node, g: Array) -> tuple[Array | None, Array | None]:
    a, b = node._prev
    return (
        None if a._op == "const" else unbroadcast(g * b.data, a.data.shape),
        None if b._op == "const" else unbroadcast(g * a.data, b.data.shape),
    )


MUL = Op(
    name="mul",
    arity=2,
    formula="{0} * {1}",
    local=("{1}", "{0}"),
    latex=r"{0} \cdot {1}",
    symbol="×",
    does="multiplies {0} by {1}",
    rule="The multiply gate swaps its inputs' values: each input's local derivative is the other input.",
    scalar=lambda a, b: (a * b, b, a),
    tensor=operator.mul,
    vjp=_mul_rule,
    methods=("__mul__",),
)


def _div(a: float, b: float) -> tuple[float, float, float]:
    out = m.divide(a, b)
    return out, m.divide(1.0, b), m.divide(-out, b)  # ∂(a/b)/∂a = 1/b ; ∂(a/b)/∂b = -a/b² = -out/b


def _div_rule(node: Node, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return unbroadcast(g / b.data, a.data.shape), unbroadcast(-g * node.data / b.data, b.data.shape)


DIV = Op(
    name="div",
    arity=2,
    formula="{0} / {1}",
    local=("1/{1}", "-{0}/{1}²"),
    latex=r"\frac{{0}}{{1}}",
    symbol="÷",
    does="divides {0} by {1}",
    rule="The divide gate scales the gradient by 1/{1} for the numerator and by -{0}/{1}² for the denominator.",
    scalar=_div,
    tensor=operator.truediv,
    vjp=_div_rule,
    methods=("__truediv__",),
)


def power_slope(a: float, b: float) -> float:
    """∂(a^b)/∂a = b·a^(b-1), taken as 0 when b = 0 (where the formula reads 0·∞ at a = 0)."""
    return 0.0 if b == 0.0 else b * m.power(a, b - 1.0)


def _pow(a: float, b: float) -> tuple[float, float, float]:
    out = m.power(a, b)
    # ∂(a^b)/∂b = a^b·ln a, zero where the formula reads 0·∞ at a = 0 (as PyTorch defines it)
    return out, power_slope(a, b), 0.0 if a == 0.0 and b >= 0.0 else out * m.log(a)


def _pow_rule(node: Node, g: Array) -> tuple[Array, ...]:
    if len(node._prev) == 1:  # a constant exponent, kept as the node's argument
        p = node._arg
        return (g * 0.0 if p == 0.0 else g * (p * node._prev[0].data ** (p - 1.0)),)
    a, b = node._prev
    local_a = np.where(b.data == 0.0, 0.0, b.data * a.data ** (b.data - 1.0))
    local_b = np.where((a.data == 0.0) & (b.data >= 0.0), 0.0, node.data * np.log(a.data))
    return unbroadcast(g * local_a, a.data.shape), unbroadcast(g * local_b, b.data.shape)


POW = Op(
    name="pow",
    arity=2,
    formula="{0} ** {1}",
    local=("{1}·{0}^({1}-1)", "{0}^{1}·ln {0}"),
    latex="{{0}}^{{1}}",
    symbol="^",
    does="raises {0} to the power {1}",
    rule="The power rule: the local derivative is {1}·{0}^({1}-1), and {0}^{1}·ln {0} for the exponent.",
    argument="operand",
    scalar=_pow,
    tensor=operator.pow,
    vjp=_pow_rule,
    methods=("__pow__",),
)


def _neg_rule(node: Node, g: Array) -> tuple[Array]:
    return (-g,)


NEG = Op(
    name="neg",
    arity=1,
    formula="-({0})",
    local=("-1",),
    latex="-{0}",
    symbol="−",
    does="negates {0}",
    rule="The negate gate flips the gradient's sign.",
    scalar=lambda x: (-x, -1.0),
    tensor=operator.neg,
    vjp=_neg_rule,
    methods=("__neg__",),
)


def _max(a: float, b: float) -> tuple[float, float, float]:
    local = (1.0, 0.0) if a > b else (0.0, 1.0) if b > a else (0.5, 0.5)  # a tie splits, as PyTorch does
    return a if a >= b else b, *local


def _min(a: float, b: float) -> tuple[float, float, float]:
    local = (1.0, 0.0) if a < b else (0.0, 1.0) if b < a else (0.5, 0.5)
    return a if a <= b else b, *local


def _route(
    g: Array, a_wins: Array, tie: Array, a_shape: tuple[int, ...], b_shape: tuple[int, ...]
) -> tuple[Array, Array]:
    """max/min send the gradient to the winning input, half to each at a tie (PyTorch's convention)."""
    share = np.where(a_wins, 1.0, np.where(tie, 0.5, 0.0))
    return unbroadcast(g * share, a_shape), unbroadcast(g * (1.0 - share), b_shape)


def _max_rule(node: Node, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data > b.data, a.data == b.data, a.data.shape, b.data.shape)


def _min_rule(node: Node, g: Array) -> tuple[Array, Array]:
    a, b = node._prev
    return _route(g, a.data < b.data, a.data == b.data, a.data.shape, b.data.shape)


MAX = Op(
    name="max",
    arity=2,
    formula="max({0}, {1})",
    local=("1 if {0} > {1} else 0", "1 if {1} > {0} else 0"),
    latex=r"\max\left({0}, {1}\right)",
    does="takes the larger of {0} and {1}",
    rule="The max gate routes the whole gradient to the larger input and none to the other (half each at a tie).",
    scalar=_max,
    tensor=np.maximum,
    vjp=_max_rule,
    function_arity=2,
)
MIN = Op(
    name="min",
    arity=2,
    formula="min({0}, {1})",
    local=("1 if {0} < {1} else 0", "1 if {1} < {0} else 0"),
    latex=r"\min\left({0}, {1}\right)",
    does="takes the smaller of {0} and {1}",
    rule="The min gate routes the whole gradient to the smaller input and none to the other (half each at a tie).",
    scalar=_min,
    tensor=np.minimum,
    vjp=_min_rule,
    function_arity=2,
)

ARITHMETIC = (LEAF, CONST, ADD, SUB, MUL, DIV, POW, NEG, MAX, MIN)
