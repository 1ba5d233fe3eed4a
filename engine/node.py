"""The graph node that scalars and tensors share: creation order, names, groups, topological order."""

from __future__ import annotations

import itertools
from operator import attrgetter
from typing import Any

# Every node takes the next number at creation. A node's inputs always exist before it does,
# so sorting by this number is a topological order, and it follows the order the program ran in.
_creation_counter = itertools.count()
next_order = _creation_counter.__next__  # bound once: every node creation calls it
_creation_order = attrgetter("_order")

# The group path that new nodes are filed under, e.g. "mlp/layer1/neuron3"; [None] outside any group.
_current_group: list[str | None] = [None]


class Node:
    """A value in the computation graph: its data, its gradient, and the inputs it was computed from."""

    __slots__ = ("data", "grad", "_prev", "_op", "_order", "group", "_name", "_arg", "span", "_saved")

    data: Any
    grad: Any
    _prev: tuple[Node, ...]
    _op: str
    _order: int
    group: str | None  # the group path it is filed under, e.g. "mlp/layer1/neuron3"
    _name: str | None
    _arg: Any
    span: dict[str, int] | None  # where a program wrote it: line and column
    _saved: Any  # what an op's backward rule keeps from its forward (the losses' intermediates)

    @property
    def name(self) -> str | None:
        """The variable name a program gave this node, if any."""
        return self._name

    @name.setter
    def name(self, value: str | None) -> None:
        self._name = value

    @property
    def op(self) -> str:
        """The operation that produced this node ("leaf" for inputs, "const" for wrapped numbers)."""
        return self._op

    @property
    def inputs(self) -> tuple[Node, ...]:
        """The nodes this one was computed from, in argument order."""
        return self._prev

    @property
    def arg(self) -> Any:
        """The op's non-tensor argument (a constant exponent, an axis, a shape), or None."""
        return self._arg

    def is_leaf(self) -> bool:
        return not self._prev

    def backward(self) -> None:
        """Fill `.grad` of every node this one depends on with the derivative of this one."""
        raise NotImplementedError


def topological_order(root: Node) -> list[Node]:
    """Every node that `root` depends on, and `root` itself, inputs before the nodes that use them.

    Iterative, so a chain of any depth is fine (no recursion limit). Nodes hash by identity.
    """
    seen = {root}
    stack = [root]
    add, push = seen.add, stack.append
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                add(child)
                push(child)
    return sorted(seen, key=_creation_order)


def interior_order(root: Node, cleared: Any) -> list[Node]:
    """The nodes with inputs that `root` depends on, and `root` itself, newest first: the reverse
    topological order that backward() walks. Each gradient but root's is set to `cleared` on the way
    (one pass instead of two). The search's own order is nearly sorted already, which the sort exploits."""
    if not root._prev:
        return []
    seen = {root}
    stack = [root]
    reached = [root]
    add, push, keep = seen.add, stack.append, reached.append
    while stack:
        for child in stack.pop()._prev:
            if child._prev and child not in seen:
                child.grad = cleared
                add(child)
                push(child)
                keep(child)
    reached.sort(key=_creation_order, reverse=True)
    return reached


class group:  # noqa: N801 - used like a function: `with group("layer1"):`
    """File every node created inside the block under a group path, for folding large graphs.

    Groups nest: `with group("mlp"): with group("layer1"): ...` gives "mlp/layer1".
    (A small class rather than a generator: it is entered once per neuron call.)
    """

    __slots__ = ("name", "outer")

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.outer = outer = _current_group[0]
        _current_group[0] = self.name if outer is None else f"{outer}/{self.name}"

    def __exit__(self, *exc: object) -> None:
        _current_group[0] = self.outer
