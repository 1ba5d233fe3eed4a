"""Narration: a plain-language sentence for every step of a trace, naming the rule each op applies.

Built from the trace document alone (the engine's record), with the op's sentence written once next to
its derivative in engine/ops.py. Numbers read as the browser shows them (static/js/format.js): four
significant digits of the step's exact fields.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .ops import OPS, Op

MINUS = "\u2212"
_SPELLED = {"inf": "∞", "-inf": f"{MINUS}∞", "nan": "NaN"}


def display_number(x: Any, digits: int = 4) -> str:
    """A number as the lab shows it, the twin of format.js `formatNumber`: `digits` significant digits
    (ties away from zero, as JavaScript's toPrecision), exponent form below 1e-3 and from 1e5 on,
    a real minus sign, no −0, and ∞, −∞, NaN spelled out (as floats or as the trace's strings)."""
    if isinstance(x, str):
        return _SPELLED.get(x, x)
    x = float(x)
    if x - x != 0.0:  # inf, -inf or nan
        return _SPELLED["nan" if x != x else "inf" if x > 0 else "-inf"]
    if x == 0.0:  # -0.0 too
        return "0"
    scientific = f"{x:.{digits - 1}e}"  # rounds half to even: right unless x is exactly halfway
    if f"{abs(x):.{digits}e}"[digits + 1] == "5":  # perhaps halfway: round the exact value half up
        exact = Decimal(x)
        step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
        scientific = f"{exact.quantize(step, rounding=ROUND_HALF_UP):.{digits - 1}e}"
    mantissa, exponent = scientific.split("e")
    if 1e-3 <= abs(x) < 1e5:
        text = repr(float(scientific))  # the shortest form, as JavaScript's String(Number(...))
        text = text[:-2] if text.endswith(".0") else text
    else:
        text = f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent):+d}"
    return text.replace("-", MINUS)


def _operand(x: Any) -> str:
    """A number inside a product: negatives in parentheses, as format.js `operand`."""
    text = display_number(x)
    return f"({text})" if text.startswith(MINUS) else text


def _labels(document: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """The inputs' labels, then the op's number argument (pow's constant exponent, leaky_relu's slope)."""
    labels = [document["nodes"][i]["label"] for i in node["inputs"]]
    if "arg" in node and OPS[node["op"]].argument == "operand":
        labels.append(display_number(node["arg"]))
    return labels


def narrate(document: dict[str, Any]) -> list[str]:
    """One sentence per step of `document` (a trace's to_dict()), in step order."""
    nodes = document["nodes"]
    out = nodes[document["output"]]["label"]
    scalar = document["kind"] == "scalar"
    parts_of = _contribution_counts(document)
    seen: dict[int, int] = {}
    sentences = []
    for step in document["steps"]:
        node = nodes[step["node"]]
        spec = OPS[node["op"]]
        if step["pass"] == "forward":
            does = spec.does.format(*_labels(document, node))
            value = (
                f"; its value is {display_number(node['value'])}"
                if scalar
                else f"; its shape is {tuple(node['shape'])}"
            )
            sentences.append(f"Forward: {node['label']} {does}{value}.")
        elif step.get("seed"):
            sentences.append(f"Backward starts at the output: the gradient of {out} with respect to itself is 1.")
        else:
            sentences.append(_edge_sentence(document, step, spec, out, parts_of, seen, scalar))
    return sentences


def _edge_sentence(
    document: dict[str, Any],
    step: dict[str, Any],
    spec: Op,
    out: str,
    parts_of: dict[int, int],
    seen: dict[int, int],
    scalar: bool,
) -> str:
    nodes = document["nodes"]
    node, child = nodes[step["node"]], nodes[step["input"]]
    rule = spec.rule.format(*_labels(document, node))
    seen[step["input"]] = seen.get(step["input"], 0) + 1
    if scalar:
        text = (
            f"{rule} So ∂{out}/∂{child['label']} receives {_operand(step['upstream'])} × "
            f"{_operand(step['local'])} = {display_number(step['contribution'])}."
        )
    else:
        text = f"{rule} So ∂{out}/∂{child['label']} receives an array of shape {tuple(child['shape'])}."
    total = parts_of[step["input"]]
    if total > 1:
        k = seen[step["input"]]
        text += f" {child['label']} feeds {total} nodes, so its gradient is the sum of {total} contributions" + (
            f": this is number {k}, and the sum so far is {display_number(step['grad'])}."
            if scalar
            else f": this is number {k}."
        )
    return text


def _contribution_counts(document: dict[str, Any]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for step in document["steps"]:
        if step["pass"] == "backward" and not step.get("seed"):
            counts[step["input"]] = counts.get(step["input"], 0) + 1
    return counts
