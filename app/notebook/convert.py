"""A micrograd-style graph (objects with data, grad, _prev, _op, label) rebuilt out of our engine's Values.

Only the structure and the leaf values are taken from the object; every other value, and every local
derivative, is computed again by our engine's ops, so the trace's arithmetic is ours. Each rebuilt
value is checked against the object's own `data`, which catches an op read the wrong way round.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from engine import Value

Build = Callable[[list[Value], float | None], Value]


class GraphError(ValueError):
    """The object cannot be shown: an op we do not know, a value that does not match, too many nodes."""


# micrograd's op strings (and those of the lecture's and other common variants) → our engine's op.
# Each builder takes the inputs in order, and the exponent for `**k`; it returns a new engine Value.
OPS: dict[str, tuple[int, Build]] = {
    "+": (2, lambda x, _: x[0] + x[1]),
    "*": (2, lambda x, _: x[0] * x[1]),
    "-": (2, lambda x, _: x[0] - x[1]),
    "/": (2, lambda x, _: x[0] / x[1]),
    "neg": (1, lambda x, _: -x[0]),
    "**": (1, lambda x, k: x[0] ** k if k is not None else _missing_exponent()),
    "ReLU": (1, lambda x, _: x[0].relu()),
    "relu": (1, lambda x, _: x[0].relu()),
    "tanh": (1, lambda x, _: x[0].tanh()),
    "exp": (1, lambda x, _: x[0].exp()),
    "log": (1, lambda x, _: x[0].log()),
    "sigmoid": (1, lambda x, _: x[0].sigmoid()),
}
COMMUTATIVE = {"+", "*"}
KNOWN = ", ".join(repr(op) for op in ["", *OPS, "**k"] if op != "**")


def _missing_exponent() -> Value:
    raise GraphError("a '**' op needs its exponent in the op's name, as micrograd writes it: '**2'")


def is_micrograd_style(obj: object) -> bool:
    """Whether `obj` looks like a micrograd Value: a number in `data`, its inputs in `_prev`, an `_op`."""
    return all(hasattr(obj, name) for name in ("data", "_prev", "_op"))


def to_engine(root: object, max_nodes: int) -> Value:
    """Rebuild the graph that ends at `root` out of engine Values; GraphError if that cannot be done."""
    order = _post_order(root, max_nodes)
    built: dict[int, Value] = {}
    for obj in order:
        built[id(obj)] = _rebuild(obj, [built[id(child)] for child in _children(obj)])
    return built[id(root)]


def _post_order(root: object, max_nodes: int) -> list[object]:
    """Every object the root depends on, each after its inputs (first input first): an explicit stack,
    so a chain of any depth is fine. An object is marked when it is expanded, not when it is pushed, so
    one pushed early but reached again through a later path still comes out before its users.
    Refused as soon as it passes `max_nodes`."""
    order: list[object] = []
    expanded_ids: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        obj, expanded = stack.pop()
        if expanded:
            order.append(obj)
            continue
        if id(obj) in expanded_ids:
            continue
        expanded_ids.add(id(obj))
        if len(expanded_ids) > max_nodes:
            raise GraphError(
                f"this graph has more than {max_nodes:,} nodes, the most the lab draws; "
                "show a smaller part of it (one neuron, one layer)"
            )
        stack.append((obj, True))
        stack.extend((child, False) for child in reversed(_children(obj)) if id(child) not in expanded_ids)
    return order


def _children(obj: object) -> list[Any]:
    """The inputs in order. A set (micrograd keeps `_prev` as one) has none, so its members come in a
    stable order: by label, then by value; `_rebuild` swaps them for `-` and `/` where the data says so."""
    prev = getattr(obj, "_prev", ())
    if not is_micrograd_style(obj):
        raise GraphError(f"a node of this graph is a {type(obj).__name__}, not a Value with data, _prev and _op")
    if isinstance(prev, (set, frozenset)):
        return sorted(prev, key=lambda child: (str(getattr(child, "label", "") or ""), _number(child)))
    return list(prev)


def _number(obj: object) -> float:
    data = getattr(obj, "data", None)
    try:
        return float(data)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise GraphError(f"a node's data must be one number, got {type(data).__name__}") from None


def _rebuild(obj: object, inputs: list[Value]) -> Value:
    """One node as an engine Value: a leaf takes the object's number, any other node is recomputed."""
    op = str(getattr(obj, "_op", "") or "")
    label = str(getattr(obj, "label", "") or "").strip() or None
    data = _number(obj)
    if not inputs:
        if op:
            raise GraphError(f"a {op!r} node ({label or 'no label'}) has no inputs")
        return Value(data, name=label)
    node = _recompute(op, inputs, data, ordered=not isinstance(getattr(obj, "_prev", ()), (set, frozenset)))
    node.name = label
    return node


def _recompute(op: str, inputs: list[Value], data: float, ordered: bool) -> Value:
    """The op applied by our engine, checked against the object's data. A one-member `_prev` of a binary
    op used it twice (a*a), except that `-` with one input may be negation; inputs kept in a set
    (`ordered` False) may need swapping for `-` and `/`, and when both orders give the object's value
    the gradients would still differ, so that is refused rather than guessed."""
    name, exponent = _parse(op)
    arity, build = OPS[name]
    candidates: list[list[Value]] = [inputs * 2 if arity == 2 and len(inputs) == 1 else inputs]
    if name == "-" and len(inputs) == 1:  # -x, or x - x: the data tells them apart (unless x is 0)
        return _one_of(op, [-inputs[0], inputs[0] - inputs[0]], data)
    if len(candidates[0]) != arity:
        raise GraphError(f"a {op!r} node has {len(candidates[0])} inputs; it takes {arity}")
    if name not in COMMUTATIVE and arity == 2 and not ordered and candidates[0][0] is not candidates[0][1]:
        candidates.append(candidates[0][::-1])
    return _one_of(op, [build(attempt, exponent) for attempt in candidates], data)


def _one_of(op: str, computed: list[Value], data: float) -> Value:
    """The one computation that gives the object's data; GraphError if none does, or several do."""
    matching = [node for node in computed if _same(node.data, data)]
    if len(matching) == 1:
        return matching[0]
    if matching:
        raise GraphError(
            f"a {op!r} node's inputs give {data!r} read either way, so which way it was computed, and so the "
            "gradients, cannot be told: keep `_prev` in order (a tuple) for '-' and '/'"
        )
    raise GraphError(
        f"a {op!r} node holds {data!r}, but its inputs give {computed[0].data!r}: "
        "this op does not compute what our engine's does"
    )


def _parse(op: str) -> tuple[str, float | None]:
    """The op's name and, for micrograd's f'**{k}', the exponent k."""
    if op.startswith("**"):
        try:
            return "**", float(op[2:])
        except ValueError:
            raise GraphError(f"cannot read the exponent of the op {op!r}: expected '**' and a number") from None
    if op not in OPS:
        raise GraphError(f"show() does not know the op {op!r}; it knows {KNOWN}")
    return op, None


def _same(ours: float, theirs: float) -> bool:
    """Equal up to rounding: micrograd computes tanh as (e^2x − 1)/(e^2x + 1), we call math.tanh."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    return math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12)
