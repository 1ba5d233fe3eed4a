"""Micrograd-style graphs rebuilt with our engine: the same values, our gradients, clear refusals."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from app.notebook import GraphError
from app.notebook.convert import to_engine
from app.notebook.response import engine_root
from app.settings import SETTINGS
from engine import Trace, Value
from tests.notebook.micrograd_style import Lecture, Micro, Variant, readme_expression

# micrograd's README numbers for its example, which its own tests check against PyTorch in float64
README = {"g": 24.7041, "a": 138.8338, "b": 645.5773}


def gradients(root: object) -> dict[str, float]:
    """The gradient our trace records for each named node of the rebuilt graph."""
    document = Trace(to_engine(root, SETTINGS.max_nodes)).to_dict()
    return {node["name"]: node["grad"] for node in document["nodes"] if "name" in node}


def finite_difference(f: Callable[[dict[str, float]], float], at: dict[str, float], name: str) -> float:
    """∂f/∂name by central differences: the reference these tests need, without PyTorch."""
    h = 1e-6 * max(1.0, abs(at[name]))
    return (f({**at, name: at[name] + h}) - f({**at, name: at[name] - h})) / (2 * h)


def test_micrograds_readme_example_gets_the_readme_numbers() -> None:
    a, b, g = readme_expression(Micro)
    rebuilt = to_engine(g, SETTINGS.max_nodes)
    assert f"{rebuilt.data:.4f}" == f"{README['g']:.4f}"
    grads = gradients(g)
    assert (f"{grads['a']:.4f}", f"{grads['b']:.4f}") == (f"{README['a']:.4f}", f"{README['b']:.4f}")
    g.backward()  # micrograd's own arithmetic agrees with ours to rounding
    assert math.isclose(grads["a"], a.grad, rel_tol=1e-12) and math.isclose(grads["b"], b.grad, rel_tol=1e-12)


def test_the_lectures_neuron_with_tanh_and_with_exp_has_the_lectures_gradients() -> None:
    def neuron(at: dict[str, float], exp_form: bool = False) -> Any:
        x1, x2 = Lecture(at["x1"], label="x1"), Lecture(at["x2"], label="x2")
        w1, w2 = Lecture(at["w1"], label="w1"), Lecture(at["w2"], label="w2")
        b = Lecture(at["b"], label="b")
        n = x1 * w1 + x2 * w2 + b
        n.label = "n"
        if not exp_form:
            return n.tanh()
        e = (2 * n).exp()
        return (e - 1) / (e + 1)

    at = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
    for exp_form in (False, True):
        grads = gradients(neuron(at, exp_form))
        # the lecture's numbers, which it checks against PyTorch: x1 −1.5, w1 1.0, x2 0.5, w2 0
        assert [round(grads[name], 4) for name in ("x1", "w1", "x2", "w2", "b")] == [-1.5, 1.0, 0.5, 0.0, 0.5]
        for name in at:
            reference = finite_difference(lambda p, e=exp_form: neuron(p, e).data, at, name)
            assert math.isclose(grads[name], reference, rel_tol=1e-6, abs_tol=1e-8), (exp_form, name)


def variant_expression(at: dict[str, float]) -> Any:
    """Every op a variant may add: '-', '/', 'log', 'sigmoid', each non-commutative where it can be."""
    x, y, z = Variant(at["x"], label="x"), Variant(at["y"], label="y"), Variant(at["z"], label="z")
    q = (x - y) / z
    return (q.sigmoid() + (x * y).log() - y / x).tanh() ** 2


def test_a_variants_own_ops_are_rebuilt_with_gradients_matching_finite_differences() -> None:
    at = {"x": 1.7, "y": 0.6, "z": -2.3}
    grads = gradients(variant_expression(at))
    for name in at:
        reference = finite_difference(lambda p: variant_expression(p).data, at, name)
        assert math.isclose(grads[name], reference, rel_tol=1e-6), name


def test_subtraction_and_division_in_an_unordered_set_are_put_back_in_the_order_the_data_says() -> None:
    x, y = Variant(5.0, label="y"), Variant(2.0, label="x")  # labels sort the other way round
    difference, quotient = x - y, x / y
    for node in (difference, quotient):
        node._prev = set(node._prev)
    assert to_engine(difference, 10).data == 3.0 and gradients(difference) == {"y": 1.0, "x": -1.0}
    assert to_engine(quotient, 10).data == 2.5 and gradients(quotient)["x"] == pytest.approx(-5.0 / 4.0)


def test_a_value_used_twice_by_one_op_counts_twice() -> None:
    a = Micro(3.0, label="a")
    square, double = a * a, a + a  # micrograd's set keeps one member for both
    assert len(square._prev) == 1
    assert gradients(square)["a"] == 6.0 and gradients(double)["a"] == 2.0


def test_inputs_keep_their_order_and_labels_become_names() -> None:
    x, w = Variant(2.0, label="x"), Variant(-3.0, label="w")
    out = x * w
    out.label = "out"
    rebuilt = to_engine(out, 10)
    assert [node.name for node in rebuilt.inputs] == ["x", "w"] and rebuilt.name == "out"
    assert rebuilt.op == "mul" and rebuilt.local_gradients == (-3.0, 2.0)


def test_a_deep_chain_is_rebuilt_without_recursion() -> None:
    node = Micro(0.5)
    for _ in range(SETTINGS.max_nodes - 1):
        node = node**1  # one more node each, 2,000 deep: far past the recursion limit
    assert len(Trace(to_engine(node, SETTINGS.max_nodes)).nodes) == SETTINGS.max_nodes


def test_a_graph_over_the_node_limit_is_refused_saying_so() -> None:
    node = Micro(0.5)
    for _ in range(SETTINGS.max_nodes):
        node = node**1
    with pytest.raises(GraphError, match=f"more than {SETTINGS.max_nodes:,} nodes"):
        engine_root(node)
    wide = Value(0.0)
    for _ in range(SETTINGS.max_nodes):
        wide = wide + 1.0
    with pytest.raises(GraphError, match=f"at most {SETTINGS.max_nodes:,}"):
        engine_root(wide)


def test_an_unknown_op_is_refused_naming_it() -> None:
    x = Micro(0.3)
    y = Micro(math.sin(0.3), (x,), "sin")
    with pytest.raises(GraphError, match="'sin'"):
        to_engine(y, 10)


def test_a_node_whose_data_is_not_what_its_op_computes_is_refused() -> None:
    x = Micro(2.0)
    wrong = Micro(5.0, (x, Micro(2.0)), "*")
    with pytest.raises(GraphError, match="holds 5.0, but its inputs give 4.0"):
        to_engine(wrong, 10)


def test_our_own_nodes_are_shown_as_they_are_and_anything_else_is_refused() -> None:
    x = Value(2.0, name="x")
    root = x * x
    assert engine_root(root) is root
    with pytest.raises(GraphError, match="got int"):
        engine_root(3)


def test_a_value_reached_first_through_a_later_input_still_comes_before_its_users() -> None:
    x = Variant(2.0, label="x")
    scaled = x * 3.0
    root = scaled + x  # the walk meets x as root's input, then again as scaled's, which it expands first
    assert to_engine(root, 10).data == 8.0 and gradients(root)["x"] == 4.0


class Node:
    """The least a micrograd-style object has: data, _prev (a set or a tuple), _op and a label."""

    def __init__(self, data: float, prev: Any = (), op: str = "", label: str = "") -> None:
        self.data, self._prev, self._op, self.label, self.grad = data, prev, op, label, 0.0


def test_a_subtraction_of_equal_values_kept_in_a_set_is_refused_not_guessed() -> None:
    x, a = Node(3.0, label="x"), Node(3.0, label="a")
    with pytest.raises(GraphError, match="either way"):
        to_engine(Node(0.0, {x, a}, "-"), SETTINGS.max_nodes)


def test_a_subtraction_kept_in_order_gives_each_input_its_own_sign() -> None:
    x, a = Node(3.0, label="x"), Node(3.0, label="a")
    assert gradients(Node(0.0, (x, a), "-")) == {"x": 1.0, "a": -1.0}
    y, b = Node(5.0, label="y"), Node(2.0, label="b")
    assert gradients(Node(-3.0, {y, b}, "-")) == {"y": -1.0, "b": 1.0}  # a set: the data says b - y


def test_a_minus_with_one_input_is_negation_or_x_minus_x_as_the_data_says() -> None:
    x = Node(2.0, label="x")
    assert gradients(Node(-2.0, (x,), "-")) == {"x": -1.0}
    assert gradients(Node(0.0, {x}, "-")) == {"x": 0.0}
