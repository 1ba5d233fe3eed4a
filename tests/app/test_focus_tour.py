"""A program whose first line is `# tour: name` gets a tour whose first stop is that node's gradient."""

from __future__ import annotations

import pytest

from app.presets import BY_ID
from app.service import build_trace

NETWORK = """# tour: {target}
x1 = 0.5
y = 1
w1_1_1 = param(0.3)
b1_1 = param(0.1)
h1_1 = tanh(w1_1_1*x1 + b1_1)
w2_1_1 = param(-0.2)
out = w2_1_1*h1_1 + w1_1_1
L = (out - y) ** 2
"""


@pytest.mark.parametrize("target", ["w1_1_1", "b1_1", "h1_1", "w2_1_1"])
def test_the_first_stop_is_the_step_that_completes_the_targets_gradient(target: str) -> None:
    response = build_trace(NETWORK.format(target=target), {}, None)
    trace = response["trace"]
    node = next(node for node in reversed(trace["nodes"]) if node.get("name") == target)
    first = response["tour"][0]
    assert first["node"] == node["id"] and first["title"] == f"∂L/∂{target}"
    into = [k for k, step in enumerate(trace["steps"], 1) if step.get("input") == node["id"]]
    assert first["position"] == into[-1]
    step = trace["steps"][first["position"] - 1]
    contributions = sum(s["contribution"] for s in trace["steps"] if s.get("input") == node["id"])
    assert contributions == pytest.approx(node["grad"], rel=1e-12)
    assert step["pass"] == "backward" and response["tour"][-1]["position"] == len(trace["steps"])


def test_a_weight_used_twice_says_its_gradient_sums_two_contributions() -> None:
    tour = build_trace(NETWORK.format(target="w1_1_1"), {}, None)["tour"]
    assert "used 2 times: this is the sum of 2 contributions" in tour[0]["note"]


def test_an_unknown_or_missing_target_gives_no_tour_and_a_preset_keeps_its_own() -> None:
    assert build_trace(NETWORK.format(target="nowhere"), {}, None)["tour"] == []
    tensor = "# tour: W\nW = param([[1, 2], [3, 4]])\nx = [1, -1]\nL = sum(tanh(W @ x))\n"
    assert build_trace(tensor, {}, None)["tour"] == []  # a tensor's gradient is no single number
    assert build_trace(NETWORK.replace("# tour: {target}\n", ""), {}, None)["tour"] == []
    preset = BY_ID["cs231n"]
    tour = build_trace("# tour: x\n" + preset.source, {}, None, preset.id)["tour"]
    assert tour[0]["title"] == "∂f/∂x"  # the program is no longer the preset's: the focus line rules
    assert build_trace(preset.source, {}, None, preset.id)["tour"][0]["title"] == "The add gate"


def test_a_large_program_keeps_its_focus_and_the_nodes_using_it_out_of_folds() -> None:
    weights = "\n".join(f"w{k} = param(0.{k + 1})" for k in range(12))
    neurons = "\n".join(f"h{j} = tanh({' + '.join(f'w{k}*x' for k in range(12))} + {j})" for j in range(12))
    loss = " + ".join(f"h{j}" for j in range(12))
    source = f"# tour: w5\nx = 0.5\n## weights\n{weights}\n## neurons\n{neurons}\n## loss\nL = ({loss}) ** 2\n"
    response = build_trace(source, {}, None)
    trace, view = response["trace"], response["view"]
    assert view["folded"], "the program is large enough to fold"
    target = response["tour"][0]["node"]
    users = [node["id"] for node in trace["nodes"] if target in node["inputs"]]
    shown = {item["node"] for item in view["items"].values() if "node" in item}
    assert target in shown and set(users) <= shown
    assert "loss" in view["folded"]
