"""Reference cases written once against a tiny op interface, so PyTorch and our engine run the same code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Case:
    """A function of some leaves; `inputs` gives each leaf's shape (() for a scalar) and value range."""

    name: str
    inputs: tuple[tuple[tuple[int, ...], tuple[float, float]], ...]
    function: Callable[..., Any]
    tensor: bool = False


ANY = (-2.0, 2.0)
POSITIVE = (0.2, 3.0)


def _chain(ops: Any, x: Any) -> Any:
    for i in range(300):
        x = ops.tanh(x * 1.01 + 0.1) if i % 2 else x * 0.97 + ops.sin(x) * 0.05
    return x


def _micrograd_example(ops: Any, a: Any, b: Any) -> Any:
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + ops.relu(b + a)
    d = d + 3 * d + ops.relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


S = ((), ANY)
SP = ((), POSITIVE)

SCALAR_CASES = [
    Case("add", (S, S), lambda o, x, y: x + y),
    Case("sub", (S, S), lambda o, x, y: x - y),
    Case("mul", (S, S), lambda o, x, y: x * y),
    Case("div", (S, SP), lambda o, x, y: x / y),
    Case("pow_const", (SP,), lambda o, x: x**3.5),
    Case("pow_int_negative_base", (S,), lambda o, x: x**3),
    Case("pow_value", (SP, S), lambda o, x, y: x**y),
    Case("rpow", (S,), lambda o, x: 2.5**x),
    Case("numbers_on_the_left", (S,), lambda o, x: 3 - x + 2 * x / (1 + x * x)),
    Case("neg", (S,), lambda o, x: -x),
    Case("relu", (S,), lambda o, x: o.relu(x)),
    Case("tanh", (S,), lambda o, x: o.tanh(x)),
    Case("sigmoid", (S,), lambda o, x: o.sigmoid(x)),
    Case("exp", (S,), lambda o, x: o.exp(x)),
    Case("log", (SP,), lambda o, x: o.log(x)),
    Case("sin", (S,), lambda o, x: o.sin(x)),
    Case("cos", (S,), lambda o, x: o.cos(x)),
    Case("sqrt", (SP,), lambda o, x: o.sqrt(x)),
    Case("abs", (S,), lambda o, x: o.abs(x)),
    Case("max", (S, S), lambda o, x, y: o.maximum(x, y)),
    Case("min", (S, S), lambda o, x, y: o.minimum(x, y)),
    Case("fan_out", (S,), lambda o, x: x * x + o.tanh(x) * x),
    Case("reused_subexpression", (S, S), lambda o, x, y: (lambda q: q * q + o.exp(q) / (q * q + 1))(x * y + x)),
    Case("sigmoid_neuron", (S, S, S, S, S), lambda o, w0, x0, w1, x1, w2: 1 / (1 + o.exp(-(w0 * x0 + w1 * x1 + w2)))),
    Case("deep_chain", (S,), _chain),
    Case("micrograd_readme", (S, S), _micrograd_example),
    # x and -x: one of them takes each branch
    Case("leaky_relu", (S,), lambda o, x: o.leaky_relu(x, 0.01) + o.leaky_relu(-x, 0.01) * 3),
    Case("leaky_relu_slope", (S, S), lambda o, x, y: o.leaky_relu(x * y, 0.2) - o.leaky_relu(-(x * y), 0.2) * y),
]


def _t(*shape: int) -> tuple[tuple[int, ...], tuple[float, float]]:
    return (shape, ANY)


def _tp(*shape: int) -> tuple[tuple[int, ...], tuple[float, float]]:
    return (shape, POSITIVE)


def _mlp_loss(o: Any, x: Any, w1: Any, b1: Any, w2: Any, b2: Any, y: Any) -> Any:
    return o.mse(o.tanh(x @ w1 + b1) @ w2 + b2, y)


TENSOR_CASES = [
    Case("matmul_2d", (_t(3, 4), _t(4, 2)), lambda o, a, b: o.total(a @ b), True),
    Case("matmul_matrix_vector", (_t(3, 4), _t(4)), lambda o, a, b: o.total(o.tanh(a @ b)), True),
    Case("matmul_vector_matrix", (_t(4), _t(4, 2)), lambda o, a, b: o.total(o.tanh(a @ b)), True),
    Case("matmul_vector_vector", (_t(4), _t(4)), lambda o, a, b: o.tanh(a @ b), True),
    Case("matmul_batched", (_t(2, 3, 4), _t(4, 5)), lambda o, a, b: o.total(o.sin(a @ b)), True),
    Case("broadcast_add_column_row", (_t(3, 1), _t(1, 4)), lambda o, a, b: o.total(o.tanh(a + b)), True),
    Case("broadcast_mul_vector", (_t(3, 4), _t(4)), lambda o, a, b: o.total(o.sin(a * b)), True),
    Case("broadcast_sub_scalar", (_t(3, 4), _t()), lambda o, a, b: o.total((a - b) ** 2), True),
    Case("broadcast_div", (_t(2, 3), _tp(3)), lambda o, a, b: o.total(a / b), True),
    Case("pow_tensor", (_tp(2, 3), _t(2, 3)), lambda o, a, b: o.total(a**b), True),
    Case(
        "elementwise_unary",
        (_tp(2, 3),),
        lambda o, a: o.total(o.exp(a) + o.log(a) + o.sqrt(a) + o.sigmoid(a) + o.relu(a - 1) + o.cos(a) + o.abs(a - 1)),
        True,
    ),
    Case("max_min", (_t(3, 3), _t(3)), lambda o, a, b: o.total(o.maximum(a, b) * o.minimum(a, b)), True),
    Case("sum_axis0", (_t(3, 4),), lambda o, a: o.total(o.tanh(o.total(a, 0))), True),
    Case("mean_axis1", (_t(3, 4),), lambda o, a: o.total(o.sin(o.average(a, 1))), True),
    Case("mean_all", (_t(3, 4),), lambda o, a: o.average(a * a), True),
    Case(
        "reshape_transpose",
        (_t(2, 6), _t(3, 4)),
        lambda o, a, b: o.total(o.sin(a.reshape(4, 3) @ o.transpose(b.reshape(4, 3)))),
        True,
    ),
    Case("softmax", (_t(3, 5), _t(3, 5)), lambda o, a, w: o.total(o.softmax(a) * w), True),
    Case("cross_entropy", (_t(4, 3),), lambda o, a: o.cross_entropy(a * 3, [0, 2, 1, 2]), True),
    Case("mse", (_t(5, 2), _t(5, 2)), lambda o, a, b: o.mse(a, b), True),
    Case("fan_out_tensor", (_t(2, 2),), lambda o, a: o.total(a @ a + a * o.tanh(a)), True),
    Case("mlp_loss", (_t(8, 3), _t(3, 4), _t(4), _t(4, 1), _t(1), _t(8, 1)), _mlp_loss, True),
    Case(
        "leaky_relu_tensor",
        (_t(3, 4), _t(4, 2)),
        lambda o, a, b: o.total(o.tanh(o.leaky_relu(a @ b, 0.1))) + o.total(o.leaky_relu(a, 0.01) * a),
        True,
    ),
]

ALL_CASES = {case.name: case for case in SCALAR_CASES + TENSOR_CASES}
