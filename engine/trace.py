"""Traces: every node's value and gradient, and the step timeline of both passes, as JSON-ready data."""

from __future__ import annotations

import gc
import json
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from .node import Node, topological_order
from .ops import OPS
from .tensor import Tensor

TRACE_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("trace.schema.json")
_NONFINITE = {math.inf: "inf", -math.inf: "-inf"}
_SHOWN_ARGS = ("pow", "sum", "mean", "softmax", "transpose")
_CALL = re.compile(r"\w+\([^()]*\)")  # a function applied to labels: needs no parentheses of its own


def encode_number(x: float) -> float | str:
    """A float as JSON allows it: finite numbers as they are, the rest as "inf", "-inf" or "nan"."""
    if x - x == 0.0:  # false exactly for inf, -inf and nan (x is a Python float here)
        return x
    return _NONFINITE.get(x, "nan")


def encode_array(array: np.ndarray) -> Any:
    """Nested lists of JSON numbers, non-finite entries spelled out as in `encode_number`."""
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    boxed = array.astype(object)
    boxed[~finite] = [encode_number(float(x)) for x in array[~finite]]
    return boxed.tolist()


def format_number(x: float) -> str:
    """The shortest text that reads back as exactly `x`, integers without a trailing ".0"."""
    text = repr(x)
    return text[:-2] if text[-2:] == ".0" else text


def _operand(text: str) -> str:
    """A formatted number as it stands inside a formula: negatives in parentheses."""
    return f"({text})" if text[0] == "-" else text


class Trace:
    """A recorded forward and backward pass through the graph that ends at `output`.

    The gradients are computed here afresh, with the same arithmetic as `backward()`, so a trace
    never depends on (or changes) the `.grad` fields the user's own backward calls left behind.
    """

    def __init__(self, output: Node) -> None:
        self.output = output
        self.is_tensor = isinstance(output, Tensor)
        with _collector_paused():
            self.nodes = topological_order(output)
            index = {id(node): i for i, node in enumerate(self.nodes)}
            self.inputs: list[list[int]] = []
            for node in self.nodes:  # plain loops: comprehensions cost a call each on 3.11
                prev = node._prev
                self.inputs.append(
                    [index[id(prev[0])], index[id(prev[1])]]
                    if len(prev) == 2
                    else [index[id(child)] for child in prev]
                    if prev
                    else []
                )
            self.labels = _labels(self.nodes)
            if self.is_tensor:
                from .trace_tensor import tensor_steps

                self.grads, self.steps = tensor_steps(self)
            else:
                self.grads, self.steps = _scalar_steps(self)

    def to_dict(self) -> dict[str, Any]:
        """The trace document (see engine/trace.schema.json): plain lists, dicts, strings and numbers."""
        with _collector_paused():
            nodes = list(map(self._node_dict, range(len(self.nodes))))
        used = sorted({node._op for node in self.nodes})
        ops = {op: {"formula": OPS[op].formula, "local": list(OPS[op].local)} for op in used}
        return {
            "version": TRACE_VERSION,
            "kind": "tensor" if self.is_tensor else "scalar",
            "output": len(self.nodes) - 1,
            "ops": ops,
            "nodes": nodes,
            "steps": self.steps,
        }

    def _node_dict(self, i: int) -> dict[str, Any]:
        node = self.nodes[i]
        value, grad = node.data, self.grads[i]
        # the common case inline: finite Python floats are already JSON (x - x is 0.0 only when finite)
        if (
            value.__class__ is float
            and value - value == 0.0
            and (grad is None or grad.__class__ is float and grad - grad == 0.0)
        ):
            value_finite = grad_finite = True
        else:
            value, value_finite = encode_any(value)
            grad, grad_finite = encode_any(grad)
        entry: dict[str, Any] = {
            "id": i,
            "op": node._op,
            "label": self.labels[i],
            "inputs": self.inputs[i],
            "value": value,
            "grad": grad,
        }
        if self.is_tensor:
            entry["shape"] = list(np.shape(node.data))
        if not (value_finite and grad_finite):
            entry["flags"] = ["nonfinite-value"] * (not value_finite) + ["nonfinite-grad"] * (not grad_finite)
        if node._name is not None:
            entry["name"] = node._name
        if node.span is not None:
            entry["span"] = node.span
        if node.group is not None:
            entry["group"] = node.group
        arg = node._arg
        if arg is not None and node._op in _SHOWN_ARGS:
            entry["arg"] = list(arg) if isinstance(arg, tuple) else arg
        return entry

    def numbers_by_node(self) -> list[int]:
        """How many numbers the trace document holds for each node: its value and gradient, and the
        arrays of the backward steps into it. What a trace costs to send grows with their sum."""
        counts = [
            int(np.size(node.data)) + (0 if grad is None else int(np.size(grad)))
            for node, grad in zip(self.nodes, self.grads)
        ]
        for step in self.steps:
            if "input" in step:
                counts[step["input"]] += sum(_count(step[key]) for key in ("upstream", "contribution", "grad"))
        return counts

    def input_labels(self, i: int) -> list[str]:
        """The labels of node i's inputs, followed by its argument where the formula shows one."""
        return _with_arg(self.nodes[i], [self.labels[j] for j in self.inputs[i]])


def _count(field: Any) -> int:
    if isinstance(field, list):
        return int(np.size(field))
    if isinstance(field, dict):
        return 0 if "ref" in field else 5
    return 1


def _scalar_steps(t: Trace) -> tuple[list[Any], list[dict[str, Any]]]:
    """Forward steps with their arithmetic, then the seed, then one step per edge in reverse order.

    A backward step's numbers are its fields (upstream, local, contribution, grad); its text is the
    chain rule in symbols, so the client shows the numbers at whatever precision suits the screen.
    """
    nodes, labels, inputs = t.nodes, t.labels, t.inputs
    steps: list[dict[str, Any]] = []
    _forward_scalar_steps(t, steps)
    last = len(nodes) - 1
    out = labels[last]
    grads: list[Any] = [None] * len(nodes)
    grads[last] = 1.0
    steps.append({"pass": "backward", "node": last, "seed": True, "grad": 1.0, "text": f"∂{out}/∂{out} = 1"})
    is_const = [node._op == "const" for node in nodes]
    encode, append = encode_number, steps.append
    for i in range(last, -1, -1):
        upstream = grads[i]
        ins = inputs[i]
        if upstream is None or not ins:
            continue
        parent = labels[i]
        # into the output, ∂f/∂f · ∂f/∂q would explain ∂f/∂q by itself: differentiate f's expression instead
        head = f" += ∂{out}/∂{parent} · ∂{_as_variable(t, i) if i == last else parent}/∂"
        up = upstream if upstream - upstream == 0.0 else encode(upstream)
        for slot, (j, local) in enumerate(zip(ins, nodes[i].local_gradients)):
            if is_const[j]:
                continue
            contribution = upstream * local
            total = (0.0 if grads[j] is None else grads[j]) + contribution  # as backward's `+=` does
            grads[j] = total
            name = labels[j]
            # finite floats are JSON as they are (x - x is 0.0 exactly when x is finite)
            append(
                {
                    "pass": "backward",
                    "node": i,
                    "input": j,
                    "slot": slot,
                    "upstream": up,
                    "local": local if local - local == 0.0 else encode(local),
                    "contribution": contribution if contribution - contribution == 0.0 else encode(contribution),
                    "grad": total if total - total == 0.0 else encode(total),
                    "text": f"∂{out}/∂{name}{head}{name}",
                }
            )
    return grads, steps


def _as_variable(t: Trace, i: int) -> str:
    """Node i's expression in its inputs' labels, as the variable of a derivative: "(q · z)", "tanh(c)"."""
    written = OPS[t.nodes[i]._op].formula.format(*t.input_labels(i)).replace(" * ", " · ")
    return written if _CALL.fullmatch(written) else f"({written})"


def _forward_scalar_steps(t: Trace, steps: list[dict[str, Any]]) -> None:
    labels, inputs = t.labels, t.inputs
    value_text = list(map(format_number, [node.data for node in t.nodes]))
    operand_text = [f"({text})" if text[0] == "-" else text for text in value_text]
    append = steps.append
    for i, node in enumerate(t.nodes):
        ins = inputs[i]
        label = labels[i]
        if not ins:
            append({"pass": "forward", "node": i, "text": f"{label} = {value_text[i]}"})
            continue
        template = OPS[node._op].formula
        if node._arg is not None or node._op == "pow":
            written = template.format(*t.input_labels(i))
            numbers = template.format(*_with_arg(node, [operand_text[j] for j in ins]))
        elif len(ins) == 1:
            written = template.format(labels[ins[0]])
            numbers = template.format(operand_text[ins[0]])
        else:
            a, b = ins
            written = template.format(labels[a], labels[b])
            numbers = template.format(operand_text[a], operand_text[b])
        append({"pass": "forward", "node": i, "text": f"{label} = {written} = {numbers} = {value_text[i]}"})


def encode_any(x: Any) -> tuple[Any, bool]:
    """Encode a float, an array or None for JSON; the flag says whether every number was finite."""
    if x is None:
        return None, True
    if x.__class__ is float:
        return (x, True) if x - x == 0.0 else (_NONFINITE.get(x, "nan"), False)
    array = np.asarray(x, dtype=np.float64)
    finite = bool(np.isfinite(array).all())
    if array.ndim == 0:
        return (float(array) if finite else _NONFINITE.get(float(array), "nan")), finite
    return (array.tolist() if finite else encode_array(array)), finite


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: traces make many objects but no cycles, so a collection
    would find nothing, while the full collections a large graph sets off cost a sixth of the time."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def trace_schema() -> dict[str, Any]:
    """The JSON Schema that every trace document satisfies."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def trace(output: Node) -> Trace:
    """Record the forward values, the gradients of `output`, and the chain-rule arithmetic of each step."""
    return Trace(output)


def _labels(nodes: list[Node]) -> list[str]:
    """What each node is called on screen: its name; a scalar constant's number; else t1, t2, … in
    topological order, skipping any tN the program uses as a name, so every label names one box."""
    names = {node._name for node in nodes}
    labels: list[str] = []
    count = 0
    for node in nodes:
        label = node._name
        if label is None:
            if node._op == "const" and node.data.__class__ is float:
                label = format_number(node.data)
            else:
                count += 1
                while f"t{count}" in names:
                    count += 1
                label = f"t{count}"
        labels.append(label)
    return labels


def _with_arg(node: Node, parts: list[str]) -> list[str]:
    op = node._op
    if op == "pow" and len(parts) == 1:
        parts.append(_operand(format_number(node._arg)))
    elif op in ("sum", "mean", "softmax") and node._arg is not None:
        parts[0] = f"{parts[0]}, axis={node._arg}"
    return parts
