"""print(...) in a program: what each line shows, computed from the trace with micrograd's meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..node import Node
from ..trace import Trace
from .errors import SourceError
from .parser import Span

# Python's format-spec grammar for a float, without the locale's 'n': fill, align, sign, z, #, 0,
# width, grouping, precision, type. Width and precision are bounded so a spec cannot build a huge string.
SPEC = re.compile(
    r"(?:(?P<fill>[^{}])?(?P<align>[<>=^]))?[-+ ]?z?#?0?(?P<width>\d+)?[_,]?(?:\.(?P<precision>\d+))?[eEfFgG%]?"
)
MAX_WIDTH = 40
MAX_PRECISION = 20
MAX_CONSOLE_CHARS = 20_000  # every line together: a program of prints cannot grow the answer much
ATTRIBUTES = ("data", "grad", "label")


@dataclass(frozen=True)
class Field:
    """One value a print shows: a node's .data, .grad or .label (attribute None: the Value itself)."""

    node: Node
    attribute: str | None
    spec: str


@dataclass(frozen=True)
class Print:
    """One line of the console: the text pieces and fields of a print, or a note on a line of the program."""

    line: int
    parts: tuple[str | Field, ...]
    after_backward: bool  # micrograd's meaning: a .grad printed before backward() is still 0
    note: bool = False


def check_spec(spec: str, shape: tuple[int, ...], span: Span, integer: bool = False) -> None:
    """Refuse a format spec that is not a float's, or that asks for a huge width or precision; `integer`:
    the number printed is micrograd's int 0 or 1 (a .grad before backward(), or not computed by it)."""
    match = SPEC.fullmatch(spec)
    if match is None:
        raise SourceError(
            "bad-format",
            f"'{spec}' is not a number format: write one such as .4f, .3e or >10.2f",
            span.line,
            span.column,
        )
    if int(match["width"] or 0) > MAX_WIDTH or int(match["precision"] or 0) > MAX_PRECISION:
        raise SourceError(
            "bad-format",
            f"a format may be at most {MAX_WIDTH} wide with at most {MAX_PRECISION} digits after the point",
            span.line,
            span.column,
        )
    try:
        format(1.5, spec)  # what the grammar lets through that Python still refuses, such as ',' with 'e'
    except ValueError:
        raise SourceError(
            "bad-format", f"'{spec}' is not a number format Python accepts", span.line, span.column
        ) from None
    try:
        format(0, spec) if integer else None
    except ValueError:
        raise SourceError(
            "bad-format",
            f"this .grad is micrograd's integer 0 or 1 here (before backward(), or a value backward() does not "
            f"compute), and Python cannot format an integer with '{spec}': write one such as .4f",
            span.line,
            span.column,
        ) from None
    if spec and shape:
        raise SourceError(
            "bad-format", f"a format applies to one number; this value has shape {shape}", span.line, span.column
        )


def render(prints: list[Print], trace: Trace) -> list[dict[str, Any]]:
    """The console's lines: {"line", "text", "kind": "print" | "note", "gradients"}, with the trace's
    gradients ("gradients": the line shows one, so a room withholds it until the class has seen them)."""
    index = {id(node): i for i, node in enumerate(trace.nodes)}
    lines: list[dict[str, Any]] = []
    used = 0
    for entry in prints:
        text = "".join(part if isinstance(part, str) else _show(part, entry, trace, index) for part in entry.parts)
        if used + len(text) > MAX_CONSOLE_CHARS:
            left = len(prints) - len(lines)
            lines.append(
                {"line": entry.line, "text": f"… {left} more lines are not shown", "kind": "note", "gradients": False}
            )
            break
        used += len(text)
        shows_gradient = entry.after_backward and any(
            isinstance(part, Field) and part.attribute in ("grad", None) for part in entry.parts
        )
        kind = "note" if entry.note else "print"
        lines.append({"line": entry.line, "text": text, "kind": kind, "gradients": shows_gradient})
    return lines


def _show(field: Field, entry: Print, trace: Trace, index: dict[int, int]) -> str:
    node = field.node
    if field.attribute == "label":
        return node.name or ""
    if field.attribute == "data":
        return _number(node.data, field.spec)
    grad = _grad(node, entry, trace, index)
    if field.attribute == "grad":
        return _number(grad, field.spec)
    return f"Value(data={_number(node.data, '')}, grad={_number(grad, '')})"


def _grad(node: Node, entry: Print, trace: Trace, index: dict[int, int]) -> Any:
    """The gradient print sees, as micrograd prints it: the int 0 before backward() and for a value it
    does not reach, the int 1 for the value it starts from, else the float it computed."""
    scalar = np.ndim(node.data) == 0
    position = index.get(id(node)) if entry.after_backward else None
    if position == len(trace.nodes) - 1 and scalar:  # backward() starts here, with micrograd's int 1
        return 1
    grad = trace.grads[position] if position is not None else None
    if grad is None:
        return 0 if scalar else np.zeros_like(node.data)
    return grad


def _number(data: Any, spec: str) -> str:
    """A float as Python prints it (repr, or format with the spec); an array as numpy prints one, summarised."""
    if np.ndim(data) == 0:
        value = data if isinstance(data, int) else float(data)
        return format(value, spec) if spec else repr(value)
    return np.array2string(np.asarray(data, dtype=np.float64), threshold=100, max_line_width=100)
