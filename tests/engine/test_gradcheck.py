"""gradcheck compares autograd with central finite differences, and catches a wrong derivative."""

from __future__ import annotations

import numpy as np

from engine import Tensor, Value, gradcheck
from engine.gradcheck import relative_error


def test_gradcheck_passes_for_scalars_and_tensors() -> None:
    x, y = Value(0.7), Value(-1.3)
    checks = gradcheck(lambda a, b: (a * b).tanh() + a.exp() / (1 + b * b), [x, y])
    assert [c.ok for c in checks] == [True, True]
    w = Tensor(np.random.default_rng(0).normal(size=(3, 2)))
    v = Tensor(np.random.default_rng(1).normal(size=(4, 3)))
    checks = gradcheck(lambda a, b: (b @ a).sigmoid().mean(), [w, v])
    assert all(c.ok and c.relative_error < 1e-8 for c in checks)


def test_gradcheck_leaves_gradients_as_they_were() -> None:
    x = Value(2.0)
    x.grad = 5.0
    gradcheck(lambda a: a * a, [x])
    assert x.grad == 5.0


def test_gradcheck_reports_a_wrong_local_derivative() -> None:
    x = Value(0.4)

    def broken(a: Value) -> Value:
        out = a.tanh()
        out.local_gradients = (2.0 * out.local_gradients[0],)  # a deliberately wrong derivative
        return out

    (check,) = gradcheck(broken, [x])
    assert not check.ok
    assert check.relative_error > 0.1


def test_relative_error_treats_matching_infinities_as_equal() -> None:
    assert relative_error(np.array([np.inf, 1.0]), np.array([np.inf, 1.0])) == 0.0
    assert relative_error(np.array([np.nan]), np.array([1.0])) == np.inf
