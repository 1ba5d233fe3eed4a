"""Walkthroughs: for each preset, the stops a teacher makes, with a title and a note for the class.

A stop names its moment by what happens there (the forward step of a node, the seed, one edge of the
backward pass), so it is found in any trace of the preset's program.
"""

from __future__ import annotations

import re
from typing import Any

from engine.narration import display_number

Anchor = tuple[str, ...]  # ("forward", node) | ("seed",) | ("edge", from, to) | ("end",)
T = tuple[Anchor, str, str]

TOURS: dict[str, list[T]] = {
    "cs231n": [
        (("forward", "q"), "The add gate", "q adds x and y. Point at the two wires into q; ask what q is."),
        (("forward", "f"), "The output", "f multiplies q by z. Ask the class for f before you step."),
        (
            ("seed",),
            "Start at the end",
            "The gradient of f with respect to itself is 1: the backward pass starts here.",
        ),
        (("edge", "f", "z"), "Multiply swaps", "∂f/∂z is q's value, 3. Ask: why does z get q's value?"),
        (("edge", "q", "x"), "Add distributes", "q hands its gradient, −4, unchanged to x (and then to y)."),
    ],
    "sigmoid-neuron": [
        (
            ("forward", "s"),
            "The weighted sum",
            "s = w0·x0 + w1·x1 + w2: three multiplies and two adds, folded in one line.",
        ),
        (("forward", "f"), "The sigmoid, gate by gate", "negate, exp, add 1, divide: four gates make σ(s). Ask for f."),
        (("seed",), "Backward from f", "Start with 1 at f; every gate now multiplies by its local derivative."),
        (("edge", "s", "w2"), "The bias", "The bias receives exactly ∂f/∂s, about 0.2 = σ(1−σ). Ask why."),
        (("end",), "All gradients", "Compare ∂f/∂w0 and ∂f/∂x0: each is the other input times ∂f/∂s."),
    ],
    "fan-out": [
        (("forward", "a"), "x feeds a…", "x is used by a = x·y…"),
        (("forward", "b"), "…and b", "…and by b = x + y: x fans out to two nodes."),
        (("seed",), "Backward", "Ask: how many contributions will x receive?"),
        (
            ("end",),
            "Two contributions",
            "x received one from a and one from b; its gradient is their sum: that is why += .",
        ),
    ],
    "composite": [
        (("forward", "c"), "C", "The innermost function: c = x²."),
        (("forward", "f"), "A(B(C(x)))", "Three functions composed. Ask for f."),
        (("edge", "f", "b"), "A' ", "The outermost derivative first: exp'(b) = exp(b)."),
        (("end",), "The chain rule", "∂f/∂x is the product of the three local derivatives along the chain."),
    ],
    "tanh-neuron": [
        (("forward", "n"), "The pre-activation", "n = x1·w1 + x2·w2 + b, about 0.88."),
        (("forward", "o"), "tanh", "o = tanh(n) ≈ 0.7071. Ask for o."),
        (("edge", "o", "n"), "tanh's slope", "1 − o² = 0.5: the gradient halves through tanh."),
        (("end",), "Weights", "x2 = 0, so w2 gets no gradient: ask why."),
    ],
    "micrograd-readme": [
        (("forward", "c"), "+= is a new node", "c += c + 1 makes a new c from the old one: the graph keeps both."),
        (
            ("forward", "e"),
            "The program's own e",
            "e = c − d: a name micrograd's README uses; it hides the constant e.",
        ),
        (("forward", "g"), "g = 24.7041", "The first print shows this forward value. Ask: how many paths reach a?"),
        (("seed",), "g.backward()", "The gradient starts at g as 1 and flows back through every node."),
        (("edge", "f", "e"), "The square", "∂f/∂e = 2e. f feeds two nodes, so its gradient sums two contributions."),
        (("end",), "What micrograd prints", "∂g/∂a = 138.8338 and ∂g/∂b = 645.5773: each sums every path from g."),
    ],
    "micrograd-neuron": [
        (("forward", "n"), "Labels are names", "Each label='…' names its node: n = x1*w1 + x2*w2 + b ≈ 0.8814."),
        (("forward", "o"), "tanh", "o = n.tanh() ≈ 0.7071. Ask for o."),
        (("edge", "o", "n"), "tanh's slope", "1 − o² = 0.5: o.backward() sends 0.5 to n."),
        (("edge", "x1*w1", "x1"), "Multiply swaps", "∂(x1·w1)/∂x1 = w1 = −3, so x1.grad = 0.5 · (−3) = −1.5."),
        (("end",), "The published gradients", "x1 −1.5, w1 1.0, x2 0.5, w2 0: x2 = 0, so w2 learns nothing."),
    ],
    "tensor-mlp": [
        (("forward", "h"), "The hidden layer", "One matmul, one bias, one tanh: each node is a whole matrix."),
        (("forward", "L"), "The loss", "The mean squared error of 4 predictions."),
        (("seed",), "Backward", "From now on every edge carries an array: see the heat-maps."),
        (("end",), "Weight gradients", "∂L/∂W1 has W1's shape: a gradient for every weight."),
    ],
    "max-gate": [
        (("forward", "m"), "max", "m takes the larger of a and b."),
        (("edge", "m", "a"), "The winner takes it all", "a was larger, so it receives the whole gradient."),
        (("edge", "m", "b"), "The loser gets nothing", "b receives 0. Ask: what would change if b were 5?"),
    ],
    "pitfall-dead-relu": [
        (("forward", "h"), "A dead ReLU", "The ReLU's input is negative, so h = 0."),
        (("end",), "No gradient", "w and b get 0: press Train and watch them stay put."),
    ],
    "pitfall-exploding": [
        (("forward", "L"), "A steep loss", "(3w − 2)⁴ is steep: its gradient grows fast."),
        (("end",), "Too large a step", "With lr = 1.5, press Train: the loss blows up and the node is flagged."),
    ],
    "pitfall-vanishing": [
        (("forward", "f"), "Five sigmoids", "Each squashes its input into (0, 1)."),
        (("end",), "Vanishing", "∂L/∂x is tiny: each sigmoid multiplied it by at most 1/4."),
    ],
    "pitfall-no-zero-grad": [
        (("forward", "L"), "A simple loss", "(w − 1)²: the minimum is at w = 1."),
        (("end",), "Forget zero_grad", "Untick 'zero gradients' and Train: the steps pile up and overshoot."),
    ],
}


# `# tour: w2_3_1` on a line of its own (the first that says so counts): the tour's first stop is that
# node's gradient (the network page writes it above the program it opens, for what was clicked)
FOCUS = re.compile(r"^#\s*tour:\s*([A-Za-z_][A-Za-z0-9_]{0,31})\s*$", re.MULTILINE)


def focus_tour(source: str, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The stops for a program that names a node to focus on: its finished gradient, then the end."""
    match = FOCUS.search(source)
    if match is None:
        return []
    name = match.group(1)
    nodes = document["nodes"]
    target = next((node for node in reversed(nodes) if node.get("name") == name), None)
    steps = document["steps"]
    into = [k for k, step in enumerate(steps, 1) if step.get("input") == (target or {}).get("id", -1)]
    if target is None or not into or not isinstance(target.get("grad"), (int, float)):
        return []  # no such node, no gradient, or a tensor's (its stops would name no single number)
    output = nodes[document["output"]].get("label", "the output")
    grad = display_number(target["grad"])
    step = f"({grad})" if grad.startswith("−") else grad
    leaf = target["op"] == "leaf"
    note = (
        f"∂{output}/∂{name} = {grad}: the number gradient descent uses: {name} ← {name} − lr · {step}."
        if leaf
        else f"∂{output}/∂{name} = {grad}: every weight into {name} gets its gradient through this one."
    )
    if len(into) > 1:
        note += f" {name} is used {len(into)} times: this is the sum of {len(into)} contributions."
    return [
        {"position": into[-1], "node": target["id"], "title": f"∂{output}/∂{name}", "note": note},
        {"position": len(steps), "node": document["output"], "title": "Every gradient", "note": _end_note(output)},
    ]


def _end_note(output: str) -> str:
    return f"The backward pass is complete: each input holds ∂{output}/∂input, ready for one step of descent."


def resolve(preset_id: str | None, document: dict[str, Any]) -> list[dict[str, Any]]:
    """The preset's stops as positions in this trace (steps played) and the node to highlight."""
    names = {node.get("name"): node["id"] for node in document["nodes"] if node.get("name")}
    stops = []
    for anchor, title, note in TOURS.get(preset_id or "", []):
        found = _find(anchor, document, names)
        if found is not None:
            stops.append({"position": found[0], "node": found[1], "title": title, "note": note})
    return stops


def _find(anchor: Anchor, document: dict[str, Any], names: dict[Any, int]) -> tuple[int, int] | None:
    steps = document["steps"]
    kind = anchor[0]
    if kind == "end":
        return len(steps), document["output"]
    for position, step in enumerate(steps, start=1):
        if kind == "seed" and step.get("seed"):
            return position, step["node"]
        if kind == "forward" and step["pass"] == "forward" and step["node"] == names.get(anchor[1], -1):
            return position, step["node"]
        if (
            kind == "edge"
            and step["pass"] == "backward"
            and not step.get("seed")
            and step["node"] == names.get(anchor[1], -1)
            and step["input"] == names.get(anchor[2], -1)
        ):
            return position, step["input"]
    return None
