"""The op registry is the one place for each op: methods, the language, nn, the schema and traces agree with it."""

from __future__ import annotations

import math
import re
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from engine import Tensor, Value, trace_schema
from engine.lang import FUNCTIONS, run
from engine.nn import ACTIVATIONS
from engine.ops import OPS

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = [-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 3.0, 1e308, -1e-320, math.inf, -math.inf, math.nan]
PLACEHOLDER = re.compile(r"\{(\d)\}")


def same_float(a: float, b: float) -> bool:
    """Equal to the last bit: the sign of zero counts, and nan equals nan."""
    return (a != a and b != b) or (a == b and math.copysign(1.0, a) == math.copysign(1.0, b))


def test_the_schemas_op_enum_is_the_registry() -> None:
    assert trace_schema()["$defs"]["op"]["enum"] == list(OPS)


def test_a_traces_ops_map_carries_each_used_ops_registry_entry() -> None:
    document = run("x = 2\ny = -3\nf = tanh(x * y) / (x + 1) ** 2").trace().to_dict()
    assert set(document["ops"]) == {node["op"] for node in document["nodes"]}
    for name, entry in document["ops"].items():
        op = OPS[name]
        assert entry == {"formula": op.formula, "local": list(op.local), "symbol": op.symbol, "latex": op.latex}
    assert (document["ops"]["mul"]["symbol"], document["ops"]["tanh"]["symbol"]) == ("×", "tanh")


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.scalar is not None])
def test_value_methods_compute_what_the_registry_entry_says(name: str) -> None:
    """Hand-written hot paths (add, mul, tanh, …) and made methods alike, to the last bit."""
    op = OPS[name]
    assert op.scalar is not None
    for method in op.method_names:
        assert callable(getattr(Value, method)), method
    method = getattr(Value, op.method_names[0])
    pairs = product(SAMPLES, SAMPLES) if op.arity == 2 else ((x,) for x in SAMPLES)
    for inputs in pairs:
        expected = op.scalar(*inputs, *([op.default] if op.argument == "operand" and op.arity == 1 else []))
        node = method(Value(inputs[0]), *(Value(x) for x in inputs[1:]))
        got = (node.data, *node.local_gradients)
        assert all(map(same_float, got, expected)), (inputs, got, expected)
        assert node.op == name
    if name == "pow":  # and the constant-exponent form, which keeps its exponent as the node's argument
        for base, exponent in product(SAMPLES, [0.0, 2.0, -1.5, 3.0]):
            node = Value(base) ** exponent
            assert all(map(same_float, (node.data, *node.local_gradients), op.scalar(base, exponent)[:2]))
            assert node.arg == exponent


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.vjp is not None and op.method_names])
def test_tensor_methods_exist_for_every_tensor_op(name: str) -> None:
    for method in OPS[name].method_names:
        assert callable(getattr(Tensor, method)), method


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.scalar and op.vjp and op.arity == 1])
def test_tensor_rules_multiply_by_the_scalar_rules_local_derivative(name: str) -> None:
    op = OPS[name]
    assert op.scalar is not None
    x = np.array([-2.2, -0.6, 0.3, 1.7])
    upstream = np.array([1.0, -2.0, 0.5, 3.0])
    with np.errstate(all="ignore"):
        node = getattr(Tensor(x), op.method_names[0])()
        (contribution,) = node._rule(node, upstream)
    scalar = [op.scalar(v, *([op.default] if op.argument == "operand" else [])) for v in x]
    np.testing.assert_allclose(node.data, [value for value, _ in scalar], rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(contribution, upstream * [local for _, local in scalar], rtol=1e-15, equal_nan=True)


def test_the_languages_functions_are_the_registrys() -> None:
    assert FUNCTIONS == {name: op for name, op in OPS.items() if op.function_arity}
    for name, op in FUNCTIONS.items():
        if op.scalar is None:
            continue
        arguments = ["x", "y"][: op.arity] + ([str(op.default)] if op.argument == "operand" else [])
        source = f"x = 0.5\ny = -2\nf = {name}({', '.join(arguments)})"
        assert run(source).output.op == name, source


def test_nns_activations_are_the_registrys() -> None:
    assert ACTIVATIONS == (*(name for name, op in OPS.items() if op.activation), "linear")


@pytest.mark.parametrize("name", list(OPS))
def test_templates_use_only_the_inputs_and_the_number_argument(name: str) -> None:
    op = OPS[name]
    slots = op.arity + (op.argument == "operand")
    for template in (op.formula, op.latex, op.does, op.rule, *op.local):
        assert {int(k) for k in PLACEHOLDER.findall(template)} <= set(range(slots)), template
    assert len(op.local) == op.arity
    if op.arity:
        assert op.latex and op.symbol


def typeset(name: str, inputs: list[str]) -> str:
    """The browser's filling of a LaTeX template (static/js/stepmath.js texOp)."""
    return PLACEHOLDER.sub(lambda match: inputs[int(match.group(1))], OPS[name].latex)


def test_latex_templates_typeset_operators_and_named_functions() -> None:
    assert typeset("div", ["a", "b"]) == r"\frac{a}{b}"
    assert typeset("pow", ["a", "2"]) == "{a}^{2}"
    assert typeset("transpose", ["W"]) == r"{W}^{\top}"
    assert typeset("relu", ["a"]) == r"\operatorname{relu}\left(a\right)"
    assert typeset("sqrt", ["x"]) == r"\sqrt{x}"
    assert typeset("mul", ["q", "z"]) == r"q \cdot z"


def test_the_browser_scripts_hold_no_per_op_table() -> None:
    """stepmath.js and graph.js read `trace.ops[op].latex` and `.symbol`: no op is named in them but
    leaf and const (kinds of box) and div (typeset inline as the variable of a derivative)."""
    for script in ("stepmath.js", "graph.js"):
        text = (ROOT / "static" / "js" / script).read_text(encoding="utf-8")
        named = {name for name in OPS if re.search(rf"""["']{name}["']""", text)}
        assert named <= {"leaf", "const", "div"}, (script, named)
