"""Traces: every node's value and gradient, and the step timeline of both passes, as JSON-ready data."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

import numpy as np

from .encoding import encode_any, format_number
from .node import Node, topological_order
from .ops import OPS
from .scalar import Value
from .tensor import Tensor
from .trace_scalar import scalar_steps
from .trace_tensor import tensor_steps

TRACE_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("trace.schema.json")


class Trace:
    """A recorded forward and backward pass through the graph that ends at `output`.

    The gradients are computed here afresh, by the same walk and arithmetic as `backward()`, so a trace
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
                self.grads, self.steps = tensor_steps(cast("list[Tensor]", self.nodes), self.labels, self.inputs)
            else:
                self.grads, self.steps = scalar_steps(cast("list[Value]", self.nodes), self.labels, self.inputs)

    def to_dict(self) -> dict[str, Any]:
        """The trace document (see engine/trace.schema.json): plain lists, dicts, strings and numbers."""
        with _collector_paused():
            nodes = list(map(self._node_dict, range(len(self.nodes))))
        used = sorted({node._op for node in self.nodes})
        return {
            "version": TRACE_VERSION,
            "kind": "tensor" if self.is_tensor else "scalar",
            "output": len(self.nodes) - 1,
            "ops": {op: OPS[op].document() for op in used},
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
        if arg is not None and OPS[node._op].argument is not None:
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


def _count(field: Any) -> int:
    if isinstance(field, list):
        return int(np.size(field))
    if isinstance(field, dict):
        return 0 if "ref" in field else 5
    return 1


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
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


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
