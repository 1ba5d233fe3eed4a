"""The scalar Value: micrograd's published example, deep graphs, gradient accumulation, IEEE edge cases."""

from __future__ import annotations

import math

import pytest

from engine import Value, topological_order


def test_micrograd_readme_example_gives_published_numbers() -> None:
    a, b = Value(-4.0), Value(2.0)
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
    g.backward()
    assert f"{g.data:.4f}" == "24.7041"
    assert f"{a.grad:.4f}" == "138.8338"
    assert f"{b.grad:.4f}" == "645.5773"


def test_chain_of_100000_nodes_runs_forward_and_backward_without_recursion_error() -> None:
    x = Value(0.5)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert y.data == 0.5
    assert x.grad == 1.0


def test_inputs_keep_argument_order_even_when_the_same_node_appears_twice() -> None:
    x, y = Value(2.0), Value(3.0)
    assert (x - y).inputs == (x, y)
    assert (y - x).inputs == (y, x)
    square = x * x
    assert square.inputs == (x, x)
    square.backward()
    assert x.grad == 4.0  # both slots contribute: 2 + 2


def test_topological_order_puts_inputs_first_and_follows_program_order() -> None:
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    q = x + y
    f = q * x
    order = topological_order(f)
    assert order == [x, y, q, f]


def test_gradients_are_floats_even_for_integer_data() -> None:
    x = Value(3)
    (x * 2).backward()
    assert isinstance(x.data, float)
    assert isinstance(x.grad, float)


def test_backward_twice_keeps_intermediate_gradients_and_accumulates_leaves() -> None:
    x = Value(3.0)
    q = x * x
    f = q + 1
    f.backward()
    f.backward()
    assert q.grad == 1.0  # recomputed, not doubled
    assert x.grad == 12.0  # 6 + 6: leaves accumulate like PyTorch until zeroed


def test_fan_out_gradients_sum_contributions() -> None:
    x = Value(2.0)
    f = x * 3 + x.tanh()
    f.backward()
    assert x.grad == pytest.approx(3 + (1 - math.tanh(2.0) ** 2), rel=1e-15)


def test_sigmoid_is_stable_at_extremes() -> None:
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).sigmoid().local_gradients == (0.0,)


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(9.0) ** (Value(9.0) ** 9.0), math.inf),
        (lambda: Value(1.0) / 0.0, math.inf),
        (lambda: Value(-1.0) / 0.0, -math.inf),
        (lambda: Value(0.0).log(), -math.inf),
        (lambda: Value(1e308) * 10, math.inf),
    ],
)
def test_overflow_gives_inf_never_an_exception(build, expected) -> None:  # type: ignore[no-untyped-def]
    node = build()
    assert node.data == expected
    node.backward()  # must not raise either


@pytest.mark.parametrize(
    "build",
    [
        lambda: Value(-1.0).sqrt(),
        lambda: Value(-1.0).log(),
        lambda: Value(0.0) / 0.0,
        lambda: Value(-8.0) ** (1 / 3),
        lambda: Value(math.inf).sin(),
    ],
)
def test_undefined_results_give_nan(build) -> None:  # type: ignore[no-untyped-def]
    node = build()
    assert math.isnan(node.data)
    node.backward()


def test_zero_to_the_zero_has_pytorch_gradients() -> None:
    x, p = Value(0.0), Value(0.0)
    f = x**p
    f.backward()
    assert (f.data, x.grad, p.grad) == (1.0, 0.0, 0.0)


def test_max_and_min_route_the_gradient_and_split_ties() -> None:
    a, b = Value(2.0), Value(5.0)
    a.max(b).backward()
    assert (a.grad, b.grad) == (0.0, 1.0)
    c, d = Value(1.0), Value(1.0)
    c.min(d).backward()
    assert (c.grad, d.grad) == (0.5, 0.5)


def test_value_rejects_text() -> None:
    with pytest.raises(TypeError):
        Value("3")  # type: ignore[arg-type]


def test_backward_on_a_leaf_seeds_and_accumulates_it() -> None:
    x = Value(3.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0
