"""The elementwise functions (activations, exp and log, sin and cos, sqrt and abs), each as one registry entry.

A scalar rule gives the value beside its local derivative; a tensor rule multiplies the upstream gradient
by the same derivative, elementwise. Every function here is in the language: name(x), or
leaky_relu(x, 0.01) with its slope written as a number.
"""

from __future__ import annotations

import math

import numpy as np

from .. import numeric as m
from ..node import Node
from .spec import Array, Op


def _relu(x: float) -> tuple[float, float]:
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


def _relu_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * (node._prev[0].data > 0.0),)


RELU = Op(
    name="relu",
    arity=1,
    formula="relu({0})",
    local=("1 if {0} > 0 else 0",),
    latex=r"\operatorname{relu}\left({0}\right)",
    does="keeps {0} if it is positive, else gives 0",
    rule="The ReLU gate passes the gradient where its input was positive and blocks it where it was not.",
    scalar=_relu,
    tensor=lambda x: np.maximum(x, 0.0),
    vjp=_relu_rule,
    function_arity=1,
    activation=True,
)


def _leaky_relu(x: float, slope: float) -> tuple[float, float]:
    return (x, 1.0) if x > 0.0 else (x * slope, slope)


def _leaky_relu_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * np.where(node._prev[0].data > 0.0, 1.0, node._arg),)


LEAKY_RELU = Op(
    name="leaky_relu",
    arity=1,
    formula="leaky_relu({0}, {1})",
    local=("1 if {0} > 0 else {1}",),
    latex=r"\operatorname{leaky\_relu}\left({0}, {1}\right)",
    does="keeps {0} if it is positive, else multiplies it by the slope {1}",
    rule="The leaky ReLU gate passes the gradient where its input was positive and scales it by the slope {1} "
    "where it was not.",
    argument="operand",
    default=0.01,
    scalar=_leaky_relu,
    tensor=lambda x, slope: np.where(x > 0.0, x, x * slope),
    vjp=_leaky_relu_rule,
    function_arity=2,
    activation=True,
)


def _tanh(x: float) -> tuple[float, float]:
    t = math.tanh(x)
    return t, 1.0 - t * t


def _tanh_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * (1.0 - node.data * node.data),)


TANH = Op(
    name="tanh",
    arity=1,
    formula="tanh({0})",
    local=("1 - {out}²",),
    latex=r"\tanh\left({0}\right)",
    does="squashes {0} with tanh",
    rule="The tanh gate scales the gradient by 1 - tanh², one minus its output squared.",
    scalar=_tanh,
    tensor=np.tanh,
    vjp=_tanh_rule,
    function_arity=1,
    activation=True,
)


def _sigmoid(x: float) -> tuple[float, float]:
    s = m.sigmoid(x)
    return s, s * (1.0 - s)


def _stable_sigmoid(x: Array) -> Array:
    # exp of a non-positive number never overflows: e^-|x| / (1 + e^-|x|) for x < 0, else 1/(1 + e^-x)
    e = np.exp(-np.abs(x))
    result: Array = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return result


def _sigmoid_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * node.data * (1.0 - node.data),)


SIGMOID = Op(
    name="sigmoid",
    arity=1,
    formula="sigmoid({0})",
    local=("{out}·(1 - {out})",),
    latex=r"\sigma\left({0}\right)",
    does="squashes {0} with the sigmoid",
    rule="The sigmoid gate scales the gradient by σ·(1 - σ), which is at most 1/4.",
    scalar=_sigmoid,
    tensor=_stable_sigmoid,
    vjp=_sigmoid_rule,
    function_arity=1,
    activation=True,
)


def _exp(x: float) -> tuple[float, float]:
    e = m.exp(x)
    return e, e


def _exp_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * node.data,)


EXP = Op(
    name="exp",
    arity=1,
    formula="exp({0})",
    local=("exp({0})",),
    latex=r"\exp\left({0}\right)",
    does="exponentiates {0}",
    rule="The exp gate scales the gradient by its own output, exp(x).",
    scalar=_exp,
    tensor=np.exp,
    vjp=_exp_rule,
    function_arity=1,
)


def _log_rule(node: Node, g: Array) -> tuple[Array]:
    return (g / node._prev[0].data,)


LOG = Op(
    name="log",
    arity=1,
    formula="log({0})",
    local=("1/{0}",),
    latex=r"\log\left({0}\right)",
    does="takes the logarithm of {0}",
    rule="The log gate scales the gradient by 1/x.",
    scalar=lambda x: (m.log(x), m.divide(1.0, x)),
    tensor=np.log,
    vjp=_log_rule,
    function_arity=1,
)


def _sin_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * np.cos(node._prev[0].data),)


SIN = Op(
    name="sin",
    arity=1,
    formula="sin({0})",
    local=("cos({0})",),
    latex=r"\sin\left({0}\right)",
    does="takes the sine of {0}",
    rule="The sine gate scales the gradient by cos(x).",
    scalar=lambda x: (m.sin(x), m.cos(x)),
    tensor=np.sin,
    vjp=_sin_rule,
    function_arity=1,
)


def _cos_rule(node: Node, g: Array) -> tuple[Array]:
    return (-g * np.sin(node._prev[0].data),)


COS = Op(
    name="cos",
    arity=1,
    formula="cos({0})",
    local=("-sin({0})",),
    latex=r"\cos\left({0}\right)",
    does="takes the cosine of {0}",
    rule="The cosine gate scales the gradient by -sin(x).",
    scalar=lambda x: (m.cos(x), -m.sin(x)),
    tensor=np.cos,
    vjp=_cos_rule,
    function_arity=1,
)


def _sqrt(x: float) -> tuple[float, float]:
    r = m.sqrt(x)
    return r, m.divide(0.5, r)


def _sqrt_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * 0.5 / node.data,)


SQRT = Op(
    name="sqrt",
    arity=1,
    formula="sqrt({0})",
    local=("1/(2·sqrt({0}))",),
    latex=r"\sqrt{{0}}",
    does="takes the square root of {0}",
    rule="The square-root gate scales the gradient by 1/(2·√x).",
    scalar=_sqrt,
    tensor=np.sqrt,
    vjp=_sqrt_rule,
    function_arity=1,
)


def _abs_rule(node: Node, g: Array) -> tuple[Array]:
    return (g * np.sign(node._prev[0].data),)


ABS = Op(
    name="abs",
    arity=1,
    formula="abs({0})",
    local=("sign({0})",),
    latex=r"\operatorname{abs}\left({0}\right)",
    does="takes the absolute value of {0}",
    rule="The abs gate passes the gradient with the sign of its input.",
    scalar=lambda x: (abs(x), m.sign(x)),
    tensor=np.abs,
    vjp=_abs_rule,
    methods=("abs", "__abs__"),
    function_arity=1,
)

ELEMENTWISE = (RELU, LEAKY_RELU, TANH, SIGMOID, EXP, LOG, SIN, COS, SQRT, ABS)
