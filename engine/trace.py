"""Traces: every node's value and gradient, and the step timeline of both passes, as JSON-ready data."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from .node import Node, topological_order
from .ops import formula, local_rule
from .scalar import Value
from .tensor import Tensor, accumulate

TRACE_VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("trace.schema.json")
NONFINITE = {math.inf: "inf", -math.inf: "-inf"}


def encode_number(x: float) -> float | str:
    """A float as JSON allows it: finite numbers as they are, the rest as "inf", "-inf" or "nan"."""
    if math.isfinite(x):
        return x
    return NONFINITE.get(x, "nan")


def encode_array(array: np.ndarray) -> Any:
    """Nested lists of JSON numbers, non-finite entries spelled out as in `encode_number`."""
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    boxed = array.astype(object)
    boxed[~finite] = [encode_number(float(x)) for x in array[~finite]]
    return boxed.tolist()


def format_number(x: float) -> str:
    """The shortest text that reads back as exactly `x` (integers without a trailing .0)."""
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _operand(x: float) -> str:
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


class Trace:
    """A recorded forward and backward pass through the graph that ends at `output`."""

    def __init__(self, output: Node) -> None:
        self.output = output
        self.nodes = topological_order(output)
        self.index = {id(node): i for i, node in enumerate(self.nodes)}
        self.labels = [_label(node, i) for i, node in enumerate(self.nodes)]
        self.is_tensor = isinstance(output, Tensor)
        self.grads: list[Any] = [None] * len(self.nodes)
        self.steps: list[dict[str, Any]] = [self._forward_step(i) for i in range(len(self.nodes))]
        self._backward()

    def to_dict(self) -> dict[str, Any]:
        """The trace document (see engine/trace.schema.json): plain lists, dicts, strings and numbers."""
        return {
            "version": TRACE_VERSION,
            "kind": "tensor" if self.is_tensor else "scalar",
            "output": len(self.nodes) - 1,
            "nodes": [self._node_dict(i) for i in range(len(self.nodes))],
            "steps": self.steps,
        }

    # -- nodes ------------------------------------------------------------------------------------

    def _node_dict(self, i: int) -> dict[str, Any]:
        node = self.nodes[i]
        entry: dict[str, Any] = {
            "id": i,
            "op": node._op,
            "label": self.labels[i],
            "inputs": [self.index[id(child)] for child in node._prev],
        }
        flags = []
        value, value_finite = _encode(node.data)
        grad, grad_finite = _encode(self.grads[i]) if self.grads[i] is not None else (None, True)
        entry["value"] = value
        entry["grad"] = grad
        if self.is_tensor:
            entry["shape"] = list(np.shape(node.data))
        if not value_finite:
            flags.append("nonfinite-value")
        if not grad_finite:
            flags.append("nonfinite-grad")
        if flags:
            entry["flags"] = flags
        name = node.name
        if name is not None:
            entry["name"] = name
        if node.group is not None:
            entry["group"] = node.group
        arg = _display_arg(node)
        if arg is not None:
            entry["arg"] = arg
        span = getattr(node, "span", None)
        if span is not None:
            entry["span"] = span
        return entry

    # -- forward ----------------------------------------------------------------------------------

    def _forward_step(self, i: int) -> dict[str, Any]:
        node = self.nodes[i]
        label = self.labels[i]
        step: dict[str, Any] = {"pass": "forward", "node": i}
        if not node._prev:
            step["text"] = (f"{label}: shape {_shape_text(node)}" if self.is_tensor
                            else f"{label} = {format_number(node.data)}")
            return step
        inputs = self._input_labels(node)
        written = formula(node._op, inputs, label)
        if self.is_tensor:
            step["text"] = f"{label} = {written}: shape {_shape_text(node)}"
        else:
            numbers = formula(node._op, self._input_numbers(node), label)
            step["text"] = f"{label} = {written} = {numbers} = {format_number(node.data)}"
        return step

    def _input_labels(self, node: Node) -> list[str]:
        labels = [self.labels[self.index[id(child)]] for child in node._prev]
        return _with_arg(node, labels)

    def _input_numbers(self, node: Node) -> list[str]:
        return _with_arg(node, [_operand(child.data) for child in node._prev])

    # -- backward ---------------------------------------------------------------------------------

    def _backward(self) -> None:
        last = len(self.nodes) - 1
        seed = np.ones_like(self.output.data) if self.is_tensor else 1.0
        self.grads[last] = seed
        out = self.labels[last]
        self.steps.append({"pass": "backward", "node": last, "seed": True,
                           "grad": _encode(seed)[0],
                           "text": f"∂{out}/∂{out} = 1"})
        edge = self._tensor_edges if self.is_tensor else self._scalar_edges
        for i in range(last, -1, -1):
            if self.nodes[i]._prev and self.grads[i] is not None:
                edge(i)

    def _scalar_edges(self, i: int) -> None:
        node: Value = self.nodes[i]  # type: ignore[assignment]
        upstream = self.grads[i]
        out, parent = self.labels[-1], self.labels[i]
        for slot, (child, local) in enumerate(zip(node._prev, node._local)):
            if child._op == "const":
                continue
            j = self.index[id(child)]
            contribution = upstream * local
            self.grads[j] = total = (self.grads[j] or 0.0) + contribution
            name = self.labels[j]
            text = (f"∂{out}/∂{name} += ∂{out}/∂{parent} · ∂{parent}/∂{name} = "
                    f"{_operand(upstream)} · {_operand(local)} = {format_number(contribution)}, "
                    f"so ∂{out}/∂{name} = {format_number(total)}")
            self.steps.append({"pass": "backward", "node": i, "input": j, "slot": slot,
                               "upstream": encode_number(upstream), "local": encode_number(local),
                               "contribution": encode_number(contribution),
                               "grad": encode_number(total), "text": text})

    def _tensor_edges(self, i: int) -> None:
        node: Tensor = self.nodes[i]  # type: ignore[assignment]
        out, parent = self.labels[-1], self.labels[i]
        contributions = node._rule(node, self.grads[i])
        inputs = self._input_labels(node)
        for slot, (child, contribution) in enumerate(zip(node._prev, contributions)):
            if contribution is None or child._op == "const":
                continue
            j = self.index[id(child)]
            holder = _GradHolder(self.grads[j], child)
            accumulate(holder, contribution)  # type: ignore[arg-type]
            self.grads[j] = holder.grad
            rule = local_rule(node._op, slot, inputs, parent)
            name = self.labels[j]
            self.steps.append({
                "pass": "backward", "node": i, "input": j, "slot": slot, "rule": rule,
                "upstream": _encode(self.grads[i])[0], "local": None,
                "contribution": _encode(np.asarray(contribution))[0],
                "grad": _encode(holder.grad)[0],
                "text": f"∂{out}/∂{name} += ∂{out}/∂{parent} · ∂{parent}/∂{name}, "
                        f"with ∂{parent}/∂{name}: {rule}; shape {_shape_text(child)}",
            })


class _GradHolder:
    """Stands in for a node so the trace accumulates exactly as `backward` does, without touching it."""

    __slots__ = ("grad", "_prev")

    def __init__(self, grad: Any, node: Node) -> None:
        self.grad = grad
        self._prev = (node,)  # accumulate() treats the holder as an intermediate: never in place


def trace_schema() -> dict[str, Any]:
    """The JSON Schema that every trace document satisfies."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def trace(output: Node) -> Trace:
    """Record the forward values, the gradients of `output`, and the chain-rule arithmetic of each step."""
    return Trace(output)


def _label(node: Node, i: int) -> str:
    name = node.name
    if name is not None:
        return name
    if node._op == "const" and isinstance(node, Value):
        return format_number(node.data)
    return f"n{i}"


def _with_arg(node: Node, parts: list[str]) -> list[str]:
    arg = getattr(node, "_arg", None)
    if node._op == "pow" and len(node._prev) == 1:
        parts.append(_operand(arg))
    elif node._op in ("sum", "mean", "softmax") and arg is not None:
        parts[0] = f"{parts[0]}, axis={arg}"
    return parts


def _display_arg(node: Node) -> Any:
    arg = getattr(node, "_arg", None)
    if arg is None or node._op not in ("pow", "sum", "mean", "softmax", "transpose"):
        return None
    return list(arg) if isinstance(arg, tuple) else encode_number(arg) if isinstance(arg, float) else arg


def _shape_text(node: Node) -> str:
    return "(" + ", ".join(str(n) for n in np.shape(node.data)) + ")"


def _encode(x: Any) -> tuple[Any, bool]:
    if isinstance(x, float):
        encoded = encode_number(x)
        return encoded, encoded is x
    array = np.asarray(x, dtype=np.float64)
    if array.ndim == 0:
        encoded = encode_number(float(array))
        return encoded, not isinstance(encoded, str)
    return encode_array(array), bool(np.isfinite(array).all())
