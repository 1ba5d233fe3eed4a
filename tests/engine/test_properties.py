"""Property tests: random expression trees differentiate the same as central finite differences."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine import Value

UNARY = {
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sin": (lambda v: v.sin(), math.sin),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "neg": (lambda v: -v, lambda x: -x),
    "soft_exp": (lambda v: (v.tanh()).exp(), lambda x: math.exp(math.tanh(x))),
    "square": (lambda v: v**2, lambda x: x**2),
}
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "safe_div": (lambda a, b: a / (1 + b * b), lambda a, b: a / (1 + b * b)),
}

leaves = st.sampled_from(["x", "y", "z"])
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
    ),
    max_leaves=12,
)
points = st.floats(-1.5, 1.5, allow_nan=False)


def build(tree: Any, env: dict[str, Any], table: int) -> Any:
    if isinstance(tree, str):
        return env[tree]
    if len(tree) == 2:
        return UNARY[tree[0]][table](build(tree[1], env, table))
    return BINARY[tree[0]][table](build(tree[1], env, table), build(tree[2], env, table))


@given(trees, points, points, points)
def test_random_expression_trees_agree_with_finite_differences(tree: Any, x: float, y: float, z: float) -> None:
    leaves_ = {"x": Value(x), "y": Value(y), "z": Value(z)}
    out = build(tree, leaves_, 0)
    out.backward()
    plain = {"x": x, "y": y, "z": z}
    assert out.data == build(tree, plain, 1) or math.isclose(out.data, build(tree, plain, 1), rel_tol=1e-12)
    for name, leaf in leaves_.items():
        h = 1e-6
        up, down = dict(plain), dict(plain)
        up[name] += h
        down[name] -= h
        numeric = (build(tree, up, 1) - build(tree, down, 1)) / (2 * h)
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-5, abs_tol=1e-6), (name, leaf.grad, numeric)
