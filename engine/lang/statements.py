"""micrograd's lines that are not formulas: imports, labels, print(...), backward() and the calls that
change nothing in the lab, read by the Builder (build.py) as the statements around its formulas."""

from __future__ import annotations

import numpy as np

from ..node import Node, topological_order
from .console import ATTRIBUTES, Field, Print, check_spec
from .errors import SourceError
from .limits import Limits
from .parser import Expr, Span, Statement

PARAM = "param"  # `w = param(0.5)`: a trainable input
VALUE = "Value"  # `x = Value(2.0, label='x')`: an input written as micrograd writes one
IMPORTABLE = ("micrograd", "engine")  # imports of these are accepted, and change nothing
# micrograd's calls that change nothing in the lab, and why; backward() names the output
COMMANDS = {
    "backward": "",
    "zero_grad": "zero_grad() changes nothing here: every run starts its gradients at 0",
    "_backward": "the lab calls each node's _backward itself, in order, when the backward pass runs",
}
DRAWING = ("draw_dot", "trace")


def error_at(kind: str, message: str, span: Span) -> SourceError:
    """A SourceError at the start of `span`."""
    return SourceError(kind, message, span.line, span.column)


_error = error_at  # as build.py spells it


class Statements:
    """The Builder's methods for micrograd's statements; the Builder supplies what they use."""

    limits: Limits
    prints: list[Print]  # what print(...) shows, and notes on lines that change nothing
    backward_of: Node | None  # o, once o.backward() has run: the output
    reached: set[int] | None  # ids of the nodes backward() reaches, once it has run

    def expression(self, root: Expr) -> Node:
        raise NotImplementedError

    def name(self, expr: Expr) -> Node:
        raise NotImplementedError

    def set_attribute(self, statement: Statement) -> None:
        """`x.label = 'x1'` names x's node; other attributes are micrograd's to change, not ours."""
        name, attribute, span = statement.target, statement.attribute, statement.target_span
        assert name is not None and span is not None
        node = self.name(Expr("name", span, name))
        if attribute == "label" and statement.augment is None:
            node.name = self.label_text(statement.value)
        elif attribute in ("data", "grad"):
            self.note(
                statement.value.span.line,
                f"{name}.{attribute} = … changes nothing here: the lab computes every .data forward and every "
                ".grad backward from the program (use the sliders or training to change an input)",
            )
        else:
            raise _error(
                "unknown-attribute", f"a value has no attribute '{attribute}' to set: only .label is set here", span
            )

    def command(self, expr: Expr) -> bool:
        """Lines run for their effect: print(...), o.backward(), and micrograd's calls that change
        nothing in the lab (each gets a note in the console, never a silent drop)."""
        if expr.kind == "call" and expr.text == "print":
            self.prints.append(self.print_line(expr))
            return True
        if expr.kind == "call" and expr.text in DRAWING:
            self.note(expr.span.line, f"{expr.text}(...) is not needed: the lab draws the graph itself")
            return True
        if expr.kind != "method" or expr.text not in COMMANDS:
            return False
        receiver = self.expression(expr.args[0])
        if expr.args[1:] or expr.keywords:
            raise _error("wrong-arguments", f".{expr.text}() takes no arguments here", expr.span)
        if expr.text != "backward":
            self.note(expr.span.line, COMMANDS[expr.text])
        elif self.backward_of is not None:
            raise _error(
                "second-backward", "backward() is called a second time: the lab traces one backward pass", expr.span
            )
        else:
            self.backward_of = receiver
        return True

    def note(self, line: int, text: str) -> None:
        self.prints.append(Print(line, (text,), after_backward=True, note=True))

    def label(self, call: Expr) -> str | None:
        """The label='...' of a Value(...) call, checked; None without one."""
        labels = [value for key, value in call.keywords if key == "label"]
        return self.label_text(labels[0]) if labels else None

    def label_text(self, expr: Expr) -> str:
        """A label: a string, short enough to draw on a node."""
        if expr.kind != "string":
            raise _error("bad-label", "a label is text in quotes, as in label='x1'", expr.span)
        if len(expr.text) > self.limits.max_label_chars:
            raise _error(
                "label-too-long",
                f"this label is {len(expr.text)} characters long; a node shows at most {self.limits.max_label_chars}",
                expr.span,
            )
        if not expr.text.isprintable():
            raise _error("bad-label", "a label is one line of printable text", expr.span)
        return expr.text

    def print_line(self, call: Expr) -> Print:
        """print(a, f'{b.grad:.4f}', 'text'): its pieces joined by spaces, as Python prints them."""
        if call.keywords:
            raise _error("wrong-arguments", "print takes no name=value arguments here", call.keywords[0][1].span)
        parts: list[str | Field] = []
        for k, arg in enumerate(call.args):
            if k:
                parts.append(" ")
            pieces = arg.args if arg.kind == "fstring" else (arg,)
            parts.extend(self.piece(piece) for piece in pieces)
        return Print(call.span.line, tuple(parts), after_backward=self.backward_of is not None)

    def piece(self, expr: Expr) -> str | Field:
        spec = ""
        if expr.kind == "field":
            spec, expr = expr.text, expr.args[0]
        if expr.kind == "string":
            return expr.text
        if expr.kind == "number" and not spec:
            return repr(float(expr.text))
        attribute = None
        if expr.kind == "attribute":
            if expr.text not in ATTRIBUTES:
                raise _error(
                    "unknown-attribute",
                    f"a value has no attribute '{expr.text}': print shows .data, .grad or .label",
                    expr.span,
                )
            attribute, expr = expr.text, expr.args[0]
        if expr.kind != "name":
            raise _error(
                "syntax",
                "print shows a name's .data, .grad or .label, text, or the value itself, as in print(x.grad)",
                expr.span,
            )
        node = self.name(expr)
        if attribute == "label" and spec:
            raise _error("bad-format", "a label is text: it takes no number format", expr.span)
        check_spec(
            spec, np.shape(node.data) if attribute != "label" else (), expr.span, self.grad_is_int(node, attribute)
        )
        if attribute is None and spec:
            raise _error("bad-format", "format a number: x.data or x.grad, as in {x.data:.4f}", expr.span)
        return Field(node, attribute, spec)

    def grad_is_int(self, node: Node, attribute: str | None) -> bool:
        """Whether micrograd would print this .grad as an int: 0 before backward() and for a value it does
        not reach, 1 for the value it starts from; a gradient it computes is a float."""
        if attribute != "grad":
            return False
        if self.backward_of is None or node is self.backward_of:
            return True
        if self.reached is None:
            self.reached = {id(member) for member in topological_order(self.backward_of)}
        return id(node) not in self.reached


def leaf_labels(statements: list[Statement], limits: Limits) -> dict[int, str]:
    """For each input, the label that a later `x.label = '...'` gives it while x still names it: an
    input is known by its label from the start, so a value set for it by that label reaches it."""
    found: dict[int, str] = {}
    defined: dict[str, int] = {}  # name → the statement that made it an input
    for index, statement in enumerate(statements):
        name = statement.target
        if name is None:
            continue
        if statement.attribute == "label" and name in defined and statement.value.kind == "string":
            text = statement.value.text
            if len(text) <= limits.max_label_chars and text.isprintable():
                found[defined[name]] = text
        elif statement.attribute is None:
            defined.pop(name, None)
            value = statement.value
            if statement.augment is None and (is_param(value) or is_value(value) or is_literal(value)):
                defined[name] = index
    return found


def check_import(statement: Statement) -> None:
    """Imports of micrograd or of this engine change nothing; any other is refused."""
    module = statement.module or ""
    if module.split(".")[0] not in IMPORTABLE:
        span = statement.value.span
        raise _error(
            "unknown-import",
            f"'{module}' cannot be imported here: only micrograd's imports (or the lab's engine) are accepted, "
            "and they change nothing",
            span,
        )


def is_value(expr: Expr) -> bool:
    """Value(2.0) or Value(-1, label='x'): a number and at most a label."""
    if not (expr.kind == "call" and expr.text == VALUE and len(expr.args) == 1 and is_number(expr.args[0])):
        return False
    return all(key == "label" for key, _ in expr.keywords) and len(expr.keywords) <= 1


def is_param(expr: Expr) -> bool:
    return expr.kind == "call" and expr.text == PARAM and len(expr.args) == 1 and is_literal(expr.args[0])


def is_number(expr: Expr) -> bool:
    while expr.kind == "unary":
        expr = expr.args[0]
    return expr.kind == "number"


def is_literal(expr: Expr) -> bool:
    while expr.kind == "unary":
        expr = expr.args[0]
    return expr.kind in ("number", "array")
