"""Narration: a plain-language sentence for every step of a trace, naming the rule each op applies.

Built from the trace document alone (the engine's record), with the op's sentence written once next to
its derivative in engine/ops.py. Scalar numbers are written exactly as the step's fields hold them.
"""

from __future__ import annotations

from typing import Any

from .ops import OPS
from .trace import format_number


def _number(x: Any) -> str:
    return format_number(x) if isinstance(x, float | int) else str(x)


def _labels(document: dict[str, Any], node: dict[str, Any]) -> list[str]:
    labels = [document["nodes"][i]["label"] for i in node["inputs"]]
    if node["op"] == "pow" and len(labels) == 1:
        labels.append(_number(node["arg"]))
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
            value = f"; its value is {_number(node['value'])}" if scalar else f"; its shape is {tuple(node['shape'])}"
            sentences.append(f"Forward: {node['label']} {does}{value}.")
        elif step.get("seed"):
            sentences.append(f"Backward starts at the output: the gradient of {out} with respect to itself is 1.")
        else:
            sentences.append(_edge_sentence(document, step, spec, out, parts_of, seen, scalar))
    return sentences


def _edge_sentence(document: dict[str, Any], step: dict[str, Any], spec: Any, out: str,
                   parts_of: dict[int, int], seen: dict[int, int], scalar: bool) -> str:
    nodes = document["nodes"]
    node, child = nodes[step["node"]], nodes[step["input"]]
    rule = spec.rule.format(*_labels(document, node))
    seen[step["input"]] = seen.get(step["input"], 0) + 1
    if scalar:
        text = (f"{rule} So ∂{out}/∂{child['label']} receives {_number(step['upstream'])} × "
                f"{_number(step['local'])} = {_number(step['contribution'])}.")
    else:
        text = f"{rule} So ∂{out}/∂{child['label']} receives an array of shape {tuple(child['shape'])}."
    total = parts_of[step["input"]]
    if total > 1:
        k = seen[step["input"]]
        text += (f" {child['label']} feeds {total} nodes, so its gradient is the sum of {total} contributions"
                 + (f": this is number {k}, and the sum so far is {_number(step['grad'])}." if scalar
                    else f": this is number {k}."))
    return text


def _contribution_counts(document: dict[str, Any]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for step in document["steps"]:
        if step["pass"] == "backward" and not step.get("seed"):
            counts[step["input"]] = counts.get(step["input"], 0) + 1
    return counts
