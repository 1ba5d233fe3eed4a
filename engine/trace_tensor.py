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
    """Forward steps with shapes, then the seed, then one step per edge with its rule."""
    from .trace import encode_any

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
    steps.append({"pass": "backward", "node": last, "seed": True, "grad": encode_any(grads[last])[0],
                  "text": f"∂{out}/∂{out} = 1 (for every element)"})
    for i in range(last, -1, -1):
        node = nodes[i]
        if grads[i] is None or not node._prev:
            continue
        parent, upstream = labels[i], encode_any(grads[i])[0]
        input_labels = t.input_labels(i)
        for slot, (child, contribution) in enumerate(zip(node._prev, node._rule(node, grads[i]))):
            j = t.inputs[i][slot]
            if contribution is None or child._op == "const":
                continue
            holder = _GradHolder(grads[j], child)
            accumulate(holder, contribution, grads[i])
            grads[j] = holder.grad
            rule = OPS[node._op].local[slot].format(*input_labels, out=parent)
            name = labels[j]
            steps.append({
                "pass": "backward", "node": i, "input": j, "slot": slot, "rule": rule,
                "upstream": upstream, "local": None,
                "contribution": encode_any(contribution)[0], "grad": encode_any(holder.grad)[0],
                "text": f"∂{out}/∂{name} += ∂{out}/∂{parent} · ∂{parent}/∂{name}",
            })
    return grads, steps
