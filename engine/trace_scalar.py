"""The step timeline of a scalar graph: each forward step's arithmetic, then each backward edge's chain rule."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .backward import backward_walk, chain_rule, stand_ins
from .encoding import encode_number, format_number
from .node import Node
from .ops import OPS, formula_inputs
from .scalar import Value

_CALL = re.compile(r"\w+\([^()]*\)")  # a function applied to labels: needs no parentheses of its own


def scalar_steps(
    nodes: Sequence[Value], labels: list[str], inputs: list[list[int]]
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Forward steps with their arithmetic, then the seed, then one step per edge in reverse order;
    and every node's gradient (None for constants), added up exactly as `backward()` does.

    A backward step's numbers are its fields (upstream, local, contribution, grad); its text is the
    chain rule in symbols, so the client shows the numbers at whatever precision suits the screen.
    """
    steps: list[dict[str, Any]] = []
    _forward_steps(nodes, labels, inputs, steps)
    last = len(nodes) - 1
    out = labels[last]
    steps.append({"pass": "backward", "node": last, "seed": True, "grad": 1.0, "text": f"∂{out}/∂{out} = 1"})
    is_const = [node._op == "const" for node in nodes]
    seeds: list[Any] = [None if const else 0.0 for const in is_const]  # 0.0: the sum starts as backward's does
    seeds[last] = 1.0
    walked = stand_ins(inputs, seeds)
    encode, append = encode_number, steps.append
    # the node whose edges are being walked: set by local_rule, read by on_edge for each of its edges
    node: Value = nodes[last]
    up: Any = 1.0
    head = ""

    def local_rule(stand_in: Any, upstream: float) -> tuple[float | None, ...]:
        nonlocal node, up, head
        i = stand_in.index
        node = nodes[i]
        parent = labels[i]
        up = upstream if upstream - upstream == 0.0 else encode(upstream)
        # into the output, ∂f/∂f · ∂f/∂q would explain ∂f/∂q by itself: differentiate f's expression instead
        head = f" += ∂{out}/∂{parent} · ∂{_as_variable(node, labels, inputs[i]) if i == last else parent}/∂"
        a, b = chain_rule(node, upstream)
        ins = inputs[i]
        if len(ins) == 1:
            return (None if is_const[ins[0]] else a,)
        return None if is_const[ins[0]] else a, None if is_const[ins[1]] else b

    def on_edge(stand_in: Any, slot: int, child: Any, contribution: float) -> None:
        local = node._local_b if slot else node._local_a
        total = child.grad
        name = labels[child.index]
        # finite floats are JSON as they are (x - x is 0.0 exactly when x is finite)
        append(
            {
                "pass": "backward",
                "node": stand_in.index,
                "input": child.index,
                "slot": slot,
                "upstream": up,
                "local": local if local - local == 0.0 else encode(local),
                "contribution": contribution if contribution - contribution == 0.0 else encode(contribution),
                "grad": total if total - total == 0.0 else encode(total),
                "text": f"∂{out}/∂{name}{head}{name}",
            }
        )

    backward_walk([stand_in for stand_in in reversed(walked) if stand_in._prev], local_rule, on_edge)
    return [stand_in.grad for stand_in in walked], steps


def _as_variable(node: Node, labels: list[str], ins: list[int]) -> str:
    """A node's expression in its inputs' labels, as the variable of a derivative: "(q · z)", "tanh(c)"."""
    written = OPS[node._op].formula.format(*formula_inputs(node._op, [labels[j] for j in ins], node._arg))
    written = written.replace(" * ", " · ")
    return written if _CALL.fullmatch(written) else f"({written})"


def _forward_steps(
    nodes: Sequence[Node], labels: list[str], inputs: list[list[int]], steps: list[dict[str, Any]]
) -> None:
    value_text = list(map(format_number, [node.data for node in nodes]))
    operands = [f"({text})" if text[0] == "-" else text for text in value_text]  # as operand_text, inline
    append = steps.append
    for i, node in enumerate(nodes):
        ins = inputs[i]
        label = labels[i]
        if not ins:
            append({"pass": "forward", "node": i, "text": f"{label} = {value_text[i]}"})
            continue
        template = OPS[node._op].formula
        if node._arg is not None:
            written = template.format(*formula_inputs(node._op, [labels[j] for j in ins], node._arg))
            numbers = template.format(*formula_inputs(node._op, [operands[j] for j in ins], node._arg))
        elif len(ins) == 1:
            written = template.format(labels[ins[0]])
            numbers = template.format(operands[ins[0]])
        else:
            a, b = ins
            written = template.format(labels[a], labels[b])
            numbers = template.format(operands[a], operands[b])
        append({"pass": "forward", "node": i, "text": f"{label} = {written} = {numbers} = {value_text[i]}"})
