"""The backward walk that Value.backward, Tensor.backward and both kinds of trace share.

A node's local rule turns its gradient into one contribution per input (the chain rule: upstream ×
local derivative for a scalar, a vector-Jacobian product for a tensor); the walk adds each into that
input's gradient, visiting a node only after every node that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol


class Walked(Protocol):
    """What the walk reads and writes: a gradient and the inputs (a Node, or a trace's stand-in for one)."""

    grad: Any

    @property
    def _prev(self) -> Sequence[Walked]: ...


# (node, ∂L/∂node) → one contribution ∂L/∂input per input, in input order (None: nothing to send)
LocalRule = Callable[[Any, Any], Sequence[Any]]
# (node, slot, input, contribution), told once the contribution has been added
EdgeHook = Callable[[Any, int, Any, Any], None]


def chain_rule(node: Any, upstream: float) -> tuple[float, float]:
    """The local rule of a node that stores its local derivatives (a Value): ∂L/∂input = ∂L/∂node ·
    ∂node/∂input for each input (a one-input node stores 0.0 for a second, which goes unused)."""
    return upstream * node._local_a, upstream * node._local_b


def backward_walk(order: Iterable[Walked], local_rule: LocalRule, on_edge: EdgeHook | None = None) -> None:
    """Send gradients back through `order`: nodes with inputs, newest first (each after every node that
    uses it), each holding its gradient by the time it is reached.

    Contributions are added with `+` to what an input holds (a value used twice receives two), never in
    place, so an array read from `.grad` keeps its numbers; an input holding None takes the contribution
    itself, except that a leaf's first one is copied when it is the upstream array or a view of another,
    so that a leaf's gradient never aliases another node's. `on_edge(node, slot, input, contribution)`
    is told of each contribution once it has been added.
    """
    if local_rule is chain_rule and on_edge is None:
        _walk_stored_products(order)
        return
    for node in order:
        upstream = node.grad
        contributions = local_rule(node, upstream)
        slot = 0
        for child in node._prev:
            contribution = contributions[slot]
            if contribution is not None:
                current = child.grad
                if current is not None:
                    child.grad = current + contribution
                elif child._prev or (contribution is not upstream and contribution.base is None):
                    child.grad = contribution
                else:
                    child.grad = contribution.copy()
                if on_edge is not None:
                    on_edge(node, slot, child, contribution)
            slot += 1


def _walk_stored_products(order: Iterable[Any]) -> None:
    """The walk above for `chain_rule`, written out: Value.backward's hot path. Calling the rule and
    looping over the inputs costs ~125 ns a node, a tenth of building and differentiating a scalar op;
    here every gradient is a float, so `+` is all that adding a contribution takes."""
    for node in order:
        upstream = node.grad
        prev = node._prev
        if len(prev) == 2:
            a, b = prev
            a.grad += upstream * node._local_a
            b.grad += upstream * node._local_b
        else:
            prev[0].grad += upstream * node._local_a


class StandIn:
    """A node's stand-in in a trace's walk: it holds the trace's gradient, so the node's own is untouched."""

    __slots__ = ("grad", "_prev", "index")

    grad: Any
    _prev: tuple[StandIn, ...]
    index: int  # the node's position in the topological order


def stand_ins(inputs: Sequence[Sequence[int]], grads: Sequence[Any]) -> list[StandIn]:
    """One stand-in per node of a topological order, given each node's input positions and starting gradient."""
    made: list[StandIn] = []
    append, new = made.append, object.__new__
    for index, (ins, grad) in enumerate(zip(inputs, grads)):
        stand_in = new(StandIn)  # no __init__ to call: traces make one per node
        stand_in.grad = grad
        count = len(ins)
        stand_in._prev = (
            (made[ins[0]], made[ins[1]])
            if count == 2
            else (made[ins[0]],)
            if count == 1
            else tuple(made[j] for j in ins)
        )
        stand_in.index = index
        append(stand_in)
    return made
