"""The step timeline of a tensor graph: shapes in the forward text, vector-Jacobian rules going back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .ops import OPS
from .tensor import accumulate

if TYPE_CHECKING:
    from .trace import Trace


def shape_text(data: Any) -> str:
    return "(" + ", ".join(str(n) for n in np.shape(data)) + ")"


class _GradHolder:
    """Stands in for a node so the trace adds up gradients exactly as `backward` does, untouched."""

    __slots__ = ("grad", "_prev")

    def __init__(self, grad: Any, node: Any) -> None:
        self.grad = grad
        self._prev = (node,)  # looks like an intermediate to accumulate(), which then never copies


def tensor_steps(t: Trace) -> tuple[list[Any], list[dict[str, Any]]]:
    """Forward steps with shapes, then the seed, then one step per edge with its rule.

    A step's arrays are not repeated where the trace already holds them: the upstream gradient is
    the consumer's final gradient, and the last contribution into a node leaves its final gradient,
    so those are references ({"ref": "grad", "node": id}). Other arrays travel whole up to INLINE
    numbers, and as a summary beyond (POST /api/trace/step gives one step's arrays in full).
    """

    nodes, labels = t.nodes, t.labels
    steps: list[dict[str, Any]] = []
    for i, node in enumerate(nodes):
        shape = shape_text(node.data)
        if not node._prev:
            text = f"{labels[i]}: {'constant' if node._op == 'const' else 'input'} of shape {shape}"
        else:
            text = f"{labels[i]} = {OPS[node._op].formula.format(*t.input_labels(i))}: shape {shape}"
        steps.append({"pass": "forward", "node": i, "text": text})
    last = len(nodes) - 1
    out = labels[last]
    grads: list[Any] = [None] * len(nodes)
    grads[last] = np.ones_like(nodes[last].data)
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
        for child, j in zip(node._prev, t.inputs[i]):
            remaining[j] += child._op != "const"
    for i in range(last, -1, -1):
        node = nodes[i]
        if grads[i] is None or not node._prev:
            continue
        parent = labels[i]
        input_labels = t.input_labels(i)
        for slot, (child, contribution) in enumerate(zip(node._prev, node._rule(node, grads[i]))):
            j = t.inputs[i][slot]
            if contribution is None or child._op == "const":
                continue
            first = grads[j] is None
            holder = _GradHolder(grads[j], child)
            accumulate(holder, contribution, grads[i])
            grads[j] = holder.grad
            remaining[j] -= 1
            final = remaining[j] == 0
            rule = OPS[node._op].local[slot].format(*input_labels, out=parent)
            name = labels[j]
            steps.append(
                {
                    "pass": "backward",
                    "node": i,
                    "input": j,
                    "slot": slot,
                    "rule": rule,
                    "upstream": reference(i),
                    "local": None,
                    "contribution": reference(j) if final and first else step_array(contribution),
                    "grad": reference(j) if final else step_array(holder.grad),
                    "text": f"∂{out}/∂{name} += ∂{out}/∂{parent} · ∂{parent}/∂{name}",
                }
            )
    return grads, steps


INLINE = 16  # step arrays of up to this many numbers travel whole (a 4×4 matrix)


def reference(node: int) -> dict[str, Any]:
    """A pointer to a node's final gradient, which the trace already holds."""
    return {"ref": "grad", "node": node}


def step_array(array: Any) -> Any:
    """A step's array: whole when small, else its shape, extremes and mean."""
    from .trace import encode_any, encode_number

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


def step_arrays(t: Trace, index: int) -> dict[str, Any]:
    """One backward step's upstream, contribution and running gradient in full, for an inspector."""
    from .trace import encode_any

    step = t.steps[index]
    if step["pass"] != "backward" or step.get("seed"):
        raise IndexError(index)
    i, j, slot = step["node"], step["input"], step["slot"]
    grads: list[Any] = [None] * len(t.nodes)
    grads[-1] = np.ones_like(t.nodes[-1].data)
    for k in range(len(t.nodes) - 1, i - 1, -1):  # replay the walk up to this step
        node = t.nodes[k]
        if grads[k] is None or not node._prev:
            continue
        for s, (child, contribution) in enumerate(zip(node._prev, node._rule(node, grads[k]))):
            target = t.inputs[k][s]
            if contribution is None or child._op == "const":
                continue
            holder = _GradHolder(grads[target], child)
            accumulate(holder, contribution, grads[k])
            grads[target] = holder.grad
            if k == i and s == slot:
                return {
                    "step": index,
                    "node": i,
                    "input": j,
                    "upstream": encode_any(grads[i])[0],
                    "contribution": encode_any(contribution)[0],
                    "grad": encode_any(holder.grad)[0],
                }
    raise IndexError(index)
