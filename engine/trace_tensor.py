"""The step timeline of a tensor graph: shapes in the forward text, vector-Jacobian rules going back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, cast

import numpy as np

from .backward import EdgeHook, backward_walk, stand_ins
from .encoding import encode_any, encode_number
from .node import Node
from .ops import OPS, formula_inputs
from .tensor import Tensor, vector_jacobian

INLINE = 16  # step arrays of up to this many numbers travel whole (a 4×4 matrix)


class Recorded(Protocol):
    """The parts of a trace that a replay of its backward walk reads (engine.trace.Trace has them)."""

    nodes: list[Node]
    inputs: list[list[int]]
    steps: list[dict[str, Any]]


def shape_text(data: Any) -> str:
    return "(" + ", ".join(str(n) for n in np.shape(data)) + ")"


def tensor_steps(
    nodes: Sequence[Tensor], labels: list[str], inputs: list[list[int]]
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Forward steps with shapes, then the seed, then one step per edge with its rule; and every node's
    gradient (None for constants), added up exactly as `backward()` does.

    A step's arrays are not repeated where the trace already holds them: the upstream gradient is
    the consumer's final gradient, and the last contribution into a node leaves its final gradient,
    so those are references ({"ref": "grad", "node": id}). Other arrays travel whole up to INLINE
    numbers, and as a summary beyond (POST /api/trace/step gives one step's arrays in full).
    """
    steps: list[dict[str, Any]] = []
    for i, node in enumerate(nodes):
        shape = shape_text(node.data)
        if not node._prev:
            text = f"{labels[i]}: {'constant' if node._op == 'const' else 'input'} of shape {shape}"
        else:
            written = OPS[node._op].formula.format(*formula_inputs(node._op, [labels[j] for j in inputs[i]], node._arg))
            text = f"{labels[i]} = {written}: shape {shape}"
        steps.append({"pass": "forward", "node": i, "text": text})
    last = len(nodes) - 1
    out = labels[last]
    steps.append(
        {
            "pass": "backward",
            "node": last,
            "seed": True,
            "grad": reference(last),
            "text": f"∂{out}/∂{out} = 1 (for every element)",
        }
    )
    remaining = [0] * len(nodes)  # contributions still to come into each node
    for i, node in enumerate(nodes):
        for child, j in zip(node._prev, inputs[i]):
            remaining[j] += child._op != "const"
    received = [0] * len(nodes)

    def on_edge(stand_in: Any, slot: int, child: Any, contribution: Any) -> None:
        i, j = stand_in.index, child.index
        first = received[j] == 0
        received[j] += 1
        final = received[j] == remaining[j]
        parent, name = labels[i], labels[j]
        in_labels = formula_inputs(nodes[i]._op, [labels[k] for k in inputs[i]], nodes[i]._arg)
        steps.append(
            {
                "pass": "backward",
                "node": i,
                "input": j,
                "slot": slot,
                "rule": OPS[nodes[i]._op].local[slot].format(*in_labels, out=parent),
                "upstream": reference(i),
                "local": None,
                "contribution": reference(j) if final and first else step_array(contribution),
                "grad": reference(j) if final else step_array(child.grad),
                "text": f"∂{out}/∂{name} += ∂{out}/∂{parent} · ∂{parent}/∂{name}",
            }
        )

    return _walk(nodes, inputs, on_edge), steps


def _walk(nodes: Sequence[Tensor], inputs: list[list[int]], on_edge: EdgeHook) -> list[Any]:
    """The backward walk on stand-ins of `nodes`, with each node's own rule; constants get no gradient."""
    is_const = [node._op == "const" for node in nodes]
    seeds: list[Any] = [None] * len(nodes)
    seeds[-1] = np.ones_like(nodes[-1].data)
    walked = stand_ins(inputs, seeds)

    def local_rule(stand_in: Any, upstream: Any) -> list[Any]:
        ins = inputs[stand_in.index]
        contributions = vector_jacobian(nodes[stand_in.index], upstream)
        return [None if is_const[j] else contribution for j, contribution in zip(ins, contributions)]

    backward_walk([stand_in for stand_in in reversed(walked) if stand_in._prev], local_rule, on_edge)
    return [stand_in.grad for stand_in in walked]


def reference(node: int) -> dict[str, Any]:
    """A pointer to a node's final gradient, which the trace already holds."""
    return {"ref": "grad", "node": node}


def step_array(array: Any) -> Any:
    """A step's array: whole when small, else its shape, extremes and mean."""
    if np.size(array) <= INLINE:
        return encode_any(array)[0]
    data = np.asarray(array, dtype=np.float64)
    finite = data[np.isfinite(data)]
    extremes = (
        (encode_number(float(finite.min())), encode_number(float(finite.max())), encode_number(float(finite.mean())))
        if finite.size
        else (None, None, None)
    )
    return {
        "summary": True,
        "shape": list(data.shape),
        "min": extremes[0],
        "max": extremes[1],
        "mean": extremes[2],
        "nonfinite": int(data.size - finite.size),
    }


class _Reached(Exception):
    """Ends a replay at the step it was looking for."""

    def __init__(self, arrays: dict[str, Any]) -> None:
        super().__init__()
        self.arrays = arrays


def step_arrays(t: Recorded, index: int) -> dict[str, Any]:
    """One backward step's upstream, contribution and running gradient in full, for an inspector."""
    step = t.steps[index]
    if step["pass"] != "backward" or step.get("seed"):
        raise IndexError(index)
    i, j, slot = step["node"], step["input"], step["slot"]

    def on_edge(stand_in: Any, edge_slot: int, child: Any, contribution: Any) -> None:
        if stand_in.index == i and edge_slot == slot:
            raise _Reached(
                {
                    "step": index,
                    "node": i,
                    "input": j,
                    "upstream": encode_any(stand_in.grad)[0],
                    "contribution": encode_any(contribution)[0],
                    "grad": encode_any(child.grad)[0],
                }
            )

    try:
        _walk(cast("list[Tensor]", t.nodes), t.inputs, on_edge)
    except _Reached as reached:
        return reached.arrays
    raise IndexError(index)
