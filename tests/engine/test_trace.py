"""Traces: schema-valid JSON, consistent chain-rule arithmetic, and the textbook circuit's numbers."""

from __future__ import annotations

import json
import math
import re

import jsonschema
import numpy as np
import pytest

from engine import Tensor, Value, mse, trace, trace_schema
from engine.nn import MLP

NUMBER = re.compile(r"(?<![\w.∂])\(?(-?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf|nan))\)?")


def cs231n_circuit() -> Value:
    x, y, z = Value(-2.0, name="x"), Value(5.0, name="y"), Value(-4.0, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    return f


def sigmoid_neuron() -> Value:
    w0, x0, w1, x1, w2 = (
        Value(v, name=n) for v, n in [(2.0, "w0"), (-1.0, "x0"), (-3.0, "w1"), (-2.0, "x1"), (-3.0, "w2")]
    )
    return 1 / (1 + (-(w0 * x0 + w1 * x1 + w2)).exp())


def nonfinite_graph() -> Value:
    x = Value(0.0, name="x")
    return x.log() * 2 + Value(1.0) / x


def tensor_graph() -> Tensor:
    x = Tensor([[1.0, -2.0], [0.5, 3.0]], name="x")
    w = Tensor([[0.1, 0.2], [-0.3, 0.4]], name="W")
    return mse((x @ w).tanh() + x, [[0.0, 1.0], [1.0, 0.0]])


GRAPHS = {
    "cs231n": cs231n_circuit,
    "sigmoid_neuron": sigmoid_neuron,
    "nonfinite": nonfinite_graph,
    "tensor": tensor_graph,
    "mlp": lambda: MLP(2, [3, 1])([Value(1.0), Value(-1.0)]),
    "leaky_relu": lambda: (Value(-2.0, name="x").leaky_relu(0.1) * Value(3.0, name="y")).leaky_relu(),
    "leaky_relu_tensor": lambda: (Tensor([[1.0, -2.0]], name="W") @ Tensor([3.0, 1.0])).leaky_relu(0.2).sum(),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_trace_is_strict_json_and_matches_the_schema(name: str) -> None:
    document = trace(GRAPHS[name]()).to_dict()
    text = json.dumps(document, allow_nan=False)
    jsonschema.validate(json.loads(text), trace_schema())


@pytest.mark.parametrize("name", ["cs231n", "sigmoid_neuron", "mlp", "leaky_relu"])
def test_each_contribution_is_upstream_times_local_and_grads_sum_them(name: str) -> None:
    document = trace(GRAPHS[name]()).to_dict()
    totals: dict[int, float] = {}
    for step in document["steps"]:
        if step["pass"] != "backward" or step.get("seed"):
            continue
        assert step["contribution"] == step["upstream"] * step["local"]
        assert step["upstream"] == document["nodes"][step["node"]]["grad"]
        totals[step["input"]] = totals.get(step["input"], 0.0) + step["contribution"]
        assert step["grad"] == totals[step["input"]]
    for node_id, total in totals.items():
        assert document["nodes"][node_id]["grad"] == total


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_trace_gradients_equal_a_fresh_backward(name: str) -> None:
    output = GRAPHS[name]()
    document = trace(output).to_dict()
    output.backward()
    from engine import topological_order

    for node, entry in zip(topological_order(output), document["nodes"]):
        if node.op == "const":
            assert entry["grad"] is None
            continue
        expected = np.asarray(node.grad, dtype=float)
        got = np.asarray(entry["grad"], dtype=object).astype(float)
        np.testing.assert_array_equal(got, expected)


def test_cs231n_circuit_gives_the_textbook_numbers() -> None:
    document = trace(cs231n_circuit()).to_dict()
    by_name = {node["name"]: node for node in document["nodes"]}
    assert {n: (by_name[n]["value"], by_name[n]["grad"]) for n in "xyzqf"} == {
        "x": (-2, -4),
        "y": (5, -4),
        "z": (-4, 3),
        "q": (3, -4),
        "f": (-12, 1),
    }
    texts = [step["text"] for step in document["steps"]]
    assert "q = x + y = (-2) + 5 = 3" in texts
    edge = next(s for s in document["steps"] if s["text"] == "∂f/∂x += ∂f/∂q · ∂q/∂x")
    assert (edge["upstream"], edge["local"], edge["contribution"], edge["grad"]) == (-4, 1, -4, -4)
    z_edge = next(s for s in document["steps"] if s["text"] == "∂f/∂z += ∂f/∂f · ∂(q · z)/∂z")
    assert z_edge["local"] == 3
    assert document["ops"]["mul"]["local"][z_edge["slot"]].format("q", "z") == "q"


def test_steps_play_forward_in_topological_order_then_backward_from_the_seed() -> None:
    document = trace(sigmoid_neuron()).to_dict()
    steps, nodes = document["steps"], document["nodes"]
    forward = [s for s in steps if s["pass"] == "forward"]
    assert [s["node"] for s in forward] == list(range(len(nodes)))
    first_backward = steps[len(forward)]
    assert first_backward == {
        "pass": "backward",
        "node": document["output"],
        "seed": True,
        "grad": 1.0,
        "text": f"∂{nodes[-1]['label']}/∂{nodes[-1]['label']} = 1",
    }
    for node in nodes:
        assert all(i < node["id"] for i in node["inputs"])
    consumers = [s["node"] for s in steps[len(forward) + 1 :]]
    assert consumers == sorted(consumers, reverse=True)


def test_numbers_in_the_text_are_the_numbers_in_the_fields() -> None:
    document = trace(sigmoid_neuron()).to_dict()
    nodes = document["nodes"]
    for step in document["steps"]:
        node = nodes[step["node"]]
        if step["pass"] == "forward" and node["inputs"]:
            # "n5 = n3 + n4 = (-1) + 3 = 2": the operands' values, then the result
            arithmetic = step["text"].split(" = ", 2)[2]
            numbers = [float(n) for n in NUMBER.findall(arithmetic)]
            operands = [nodes[i]["value"] for i in node["inputs"]]
            if node["op"] == "pow" and len(node["inputs"]) == 1:
                operands.append(node["arg"])
            assert numbers == operands + [node["value"]]
        elif step["pass"] == "backward" and not step.get("seed") and step["node"] != document["output"]:
            child, parent = nodes[step["input"]]["label"], node["label"]
            assert step["text"].endswith(f"∂{parent}/∂{child}")


def test_nonfinite_values_are_spelled_out_and_flagged() -> None:
    document = trace(nonfinite_graph()).to_dict()
    flagged = [node for node in document["nodes"] if "flags" in node]
    assert flagged
    assert any(node["value"] in ("inf", "-inf", "nan") for node in flagged)
    assert all(
        isinstance(node["value"], (float, int)) or node["value"] in ("inf", "-inf", "nan") for node in document["nodes"]
    )


def test_same_program_gives_the_same_document() -> None:
    assert trace(sigmoid_neuron()).to_dict() == trace(sigmoid_neuron()).to_dict()


def test_tensor_nodes_carry_shape_and_nested_values() -> None:
    document = trace(tensor_graph()).to_dict()
    x = next(node for node in document["nodes"] if node.get("name") == "x")
    assert x["shape"] == [2, 2]
    assert x["value"] == [[1.0, -2.0], [0.5, 3.0]]
    assert document["nodes"][-1]["shape"] == []
    assert any("rule" in step for step in document["steps"])


def test_nonfinite_tensor_entries_are_spelled_out() -> None:
    x = Tensor([0.0, 1.0], name="x")
    with np.errstate(divide="ignore"):  # log(0) = -inf is the point of this test
        document = trace(x.log().sum()).to_dict()
    log_node = document["nodes"][1]
    assert log_node["value"] == ["-inf", 0.0]
    assert "nonfinite-value" in log_node["flags"]
    assert math.isinf(float(document["nodes"][-1]["value"]))


def unnamed_graph() -> Value:
    """f = tanh(t1 · x + 2) with a user's own t1 and t3 among the generated labels' candidates."""
    x, t1, t3 = Value(0.5, name="x"), Value(-1.5, name="t1"), Value(2.0, name="t3")
    return ((t1 * x + 2) * t3 + x * x).tanh()


def test_unnamed_nodes_get_short_unique_labels_that_skip_the_programs_names() -> None:
    nodes = trace(unnamed_graph()).to_dict()["nodes"]
    generated = [node["label"] for node in nodes if "name" not in node and node["op"] != "const"]
    assert generated == ["t2", "t4", "t5", "t6", "t7", "t8"]  # topological order; t1 and t3 are names
    labels = [node["label"] for node in nodes if node["op"] != "const"]
    assert len(labels) == len(set(labels))
    assert {node["label"] for node in nodes if node["op"] == "const"} == {"2"}
    assert {node["name"] for node in nodes if "name" in node} == {"x", "t1", "t3"}


def test_formulas_name_unnamed_nodes_by_their_labels() -> None:
    document = trace(unnamed_graph()).to_dict()
    nodes = document["nodes"]
    texts = "\n".join(step["text"] for step in document["steps"])
    assert re.search(r"\bn\d+\b", texts) is None
    product = next(node for node in nodes if node["op"] == "mul" and node["inputs"] == [1, 0])
    assert f"{product['label']} = t1 * x = (-1.5) * 0.5 = -0.75" in texts
    for step in document["steps"]:
        if step["pass"] == "backward" and not step.get("seed"):
            assert f"∂{nodes[step['input']]['label']} += " in step["text"]


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_unnamed_tensor_and_scalar_labels_are_never_node_ids(name: str) -> None:
    for node in trace(GRAPHS[name]()).to_dict()["nodes"]:
        assert not re.fullmatch(r"n\d+", node["label"])


def test_edges_into_the_output_differentiate_its_expression_not_itself() -> None:
    document = trace(unnamed_graph()).to_dict()
    out = document["nodes"][document["output"]]
    inner = document["nodes"][out["inputs"][0]]["label"]
    into_output = [s["text"] for s in document["steps"] if s.get("node") == document["output"] and "input" in s]
    assert into_output == [f"∂{out['label']}/∂{inner} += ∂{out['label']}/∂{out['label']} · ∂tanh({inner})/∂{inner}"]
    for name in ["cs231n", "sigmoid_neuron", "mlp"]:
        document = trace(GRAPHS[name]()).to_dict()
        f = document["nodes"][document["output"]]["label"]
        assert not any(f"∂{f}/∂{f} · ∂{f}/∂" in step["text"] for step in document["steps"])


def test_an_output_edge_writes_each_operator_in_parentheses() -> None:
    a, b = Value(3.0, name="a"), Value(2.0, name="b")
    cases = {"(a / b)": a / b, "(a - b)": a - b, "(a ** 2)": a**2, "max(a, b)": a.max(b), "(-(a))": -a}
    for written, output in cases.items():
        output.name = "f"
        texts = [step["text"] for step in trace(output).to_dict()["steps"]]
        assert f"∂f/∂a += ∂f/∂f · ∂{written}/∂a" in texts
