"""The graph node that scalars and tensors share: creation order, names, groups, topological order."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

# Every node takes the next number at creation. A node's inputs always exist before it does,
# so sorting by this number is a topological order, and it follows the order the program ran in.
_creation_counter = itertools.count()
_creation_order = attrgetter("_order")

# The group path that new nodes are filed under, e.g. "mlp/layer1/neuron3"; [None] outside any group.
_current_group: list[str | None] = [None]


class Node:
    """A value in the computation graph: its data, its gradient, and the inputs it was computed from."""

    __slots__ = ("data", "grad", "_prev", "_op", "_order", "group", "_name", "_arg", "span")

    data: Any
    grad: Any
    _prev: tuple[Node, ...]
    _op: str

    @property
    def name(self) -> str | None:
        """The variable name a program gave this node, if any."""
        return getattr(self, "_name", None)

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
        return getattr(self, "_arg", None)

    def is_leaf(self) -> bool:
        return not self._prev


def topological_order(root: Node) -> list[Node]:
    """Every node that `root` depends on, and `root` itself, inputs before the nodes that use them.

    Iterative, so a chain of any depth is fine (no recursion limit).
    """
    seen = {id(root)}
    stack = [root]
    reached = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
                reached.append(child)
    reached.sort(key=_creation_order)
    return reached


def next_order() -> int:
    return next(_creation_counter)


@contextmanager
def group(name: str) -> Iterator[None]:
    """File every node created inside the block under a group path, for folding large graphs.

    Groups nest: `with group("mlp"): with group("layer1"): ...` gives "mlp/layer1".
    """
    outer = _current_group[0]
    _current_group[0] = name if outer is None else f"{outer}/{name}"
    try:
        yield
    finally:
        _current_group[0] = outer
