"""The graph language: `q = x + y` on one line, `f = q * z` on the next, parsed by our own grammar.

User text is never handed to Python's evaluator: it is tokenized and parsed into our syntax tree,
and only that tree builds engine nodes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..node import Node
from ..trace import Trace
from .build import CONSTANTS, FUNCTIONS, Builder
from .console import Print, render
from .errors import SourceError
from .limits import DEFAULT_LIMITS, Limits
from .parser import Expr, parse

__all__ = ["CONSTANTS", "DEFAULT_LIMITS", "FUNCTIONS", "Limits", "Program", "SourceError", "run"]


@dataclass
class Program:
    """A parsed and evaluated program: its output node and its named inputs."""

    source: str
    output: Node
    inputs: dict[str, Node]
    is_tensor: bool
    trainable: list[str]
    work: int = 0  # estimated nanoseconds to build and differentiate it once (see Builder.make)
    prints: list[Print] = field(default_factory=list)

    def trace(self) -> Trace:
        return Trace(self.output)

    def console(self, trace: Trace) -> list[dict[str, Any]]:
        """What the program's print(...) lines show, with `trace`'s numbers, and notes on lines that
        change nothing: [{"line", "text", "kind"}]."""
        return render(self.prints, trace)


def run(
    source: str,
    values: Mapping[str, Any] | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    reuse: Mapping[str, Node] | None = None,
) -> Program:
    """Parse `source`, override leaf inputs with `values`, and build the graph; SourceError if it can't.

    `reuse` maps input names to leaves of an earlier run: the new graph is built on those very nodes, so
    their data (as training left it) is used and backward() adds into their .grad, as in micrograd."""
    if not isinstance(source, str):
        raise SourceError("syntax", "the program must be text", 1, 1)
    statements = parse(source, limits)
    tensor_mode = any(_has_array(statement.value) for statement in statements)
    builder = Builder(limits, values or {}, tensor_mode, sections(source), reuse)
    with np.errstate(all="ignore"):
        output = builder.run(statements)
    trainable = list(dict.fromkeys(builder.trainable))
    return Program(source, output, builder.leaves, tensor_mode, trainable, builder.work, builder.prints)


def sections(source: str) -> list[tuple[int, str]]:
    """`## name` comment lines: headings that group the statements under them (e.g. one per layer)."""
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith("##"):
            name = "".join(ch for ch in stripped[2:].strip() if ch.isprintable() and ch != "/")[:32].strip()
            if name:
                found.append((number, name))
    return found[:200]


def _has_array(expr: Expr) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        if node.kind == "array":
            return True
        stack.extend(node.args)
    return False
