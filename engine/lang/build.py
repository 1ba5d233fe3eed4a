"""From the syntax tree to engine nodes: leaves, constants and ops, each with its source span."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..encoding import format_number
from ..functions import call as call_op
from ..node import Node
from ..ops import OPS, Op
from ..scalar import Value
from ..tensor import Tensor
from .console import Print
from .errors import SourceError
from .limits import Limits
from .parser import Expr, Span, Statement
from .statements import (
    COMMANDS,
    PARAM,
    VALUE,
    Statements,
    check_import,
    is_literal,
    is_number,
    is_param,
    is_value,
    leaf_labels,
)
from .statements import error_at as _error

CONSTANTS = {"pi": math.pi, "e": math.e}  # a program may assign these names: its own e shadows the constant
# The language's functions are the registry's ops that have a function_arity: exp(x), max(a, b), ...
# An op with a scalar rule works on scalars too; an op's "operand" argument is its last, written as a number.
FUNCTIONS: dict[str, Op] = {name: op for name, op in OPS.items() if op.function_arity}
BINARY: dict[str, Callable[[Any, Any], Node]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "@": lambda a, b: a @ b,
}
NOT_IN_FORMULAS = {
    "attribute": "in micrograd .data, .grad and .label are plain numbers and text, for print(...): "
    "in a formula use the value itself",
    "string": "text is only a label (label='x') or part of a print(...)",
    "fstring": "an f-string is only part of a print(...)",
}
OP_WORDS = {"+": "add", "-": "subtract", "*": "multiply", "/": "divide", "**": "raise", "@": "matrix-multiply"}
Values = Mapping[str, Any]


class Builder(Statements):
    """Evaluates statements in order; names bind to the node of their latest assignment."""

    def __init__(
        self,
        limits: Limits,
        values: Values,
        tensor_mode: bool,
        sections: list[tuple[int, str]] | None = None,
        reuse: Mapping[str, Node] | None = None,
    ) -> None:
        self.limits = limits
        self.values = dict(values)
        self.reuse = dict(reuse or {})  # leaves that already exist: rebuilding on them keeps their .grad
        self.tensor_mode = tensor_mode
        self.env: dict[str, Node] = {}
        self.leaves: dict[str, Node] = {}
        self.count = 0
        self.elements = 0  # numbers held by every value made so far
        self.work = 0  # estimated nanoseconds to build and differentiate the graph (see make)
        self.created: list[Node] = []
        self.trainable: list[str] = []
        self.sections = sections or []
        self.index = 0  # the statement being evaluated
        self.leaf_labels: dict[int, str] = {}  # statement index → the label a later line gives its input
        self.backward_of: Node | None = None  # o, once o.backward() has run: the output
        self.prints: list[Print] = []  # what print(...) shows, and notes on lines that change nothing
        self.reached: set[int] | None = None  # ids of the nodes backward() reaches, once it has run

    def run(self, statements: list[Statement]) -> Node:
        self.leaf_labels = leaf_labels(statements, self.limits)
        output: Node | None = None
        for self.index, statement in enumerate(statements):
            node = self.statement(statement)
            output = node if node is not None else output
        unknown = sorted(set(self.values) - set(self.leaves))
        if unknown:
            shown = unknown[0][:40].encode("utf-8", "backslashreplace").decode("utf-8")  # may be any text
            raise SourceError(
                "unknown-input",
                f"'{shown}' is not an input of this program: inputs are names assigned a number, such as x = 2",
                1,
                1,
            )
        output = self.backward_of or output
        if output is None:
            raise SourceError(
                "no-output", "the program computes nothing: write a formula such as f = (x + y) * z", 1, 1
            )
        return output

    def statement(self, statement: Statement) -> Node | None:
        """Evaluate one line; when it makes several nodes, file them under one group named for the
        line, so that a large program folds statement by statement. None for a line that makes no value
        (an import, a label, print, backward)."""
        if statement.module is not None:
            check_import(statement)
            return None
        if statement.attribute is not None:
            self.set_attribute(statement)
            return None
        if statement.target is None and self.command(statement.value):
            return None
        first = len(self.created)
        node = self.assignment(statement)
        made = self.created[first:]
        line = statement.value.span.line
        section = self.section_at(line)
        if len(made) > 1 or (section and made):
            own = f"{statement.target} (line {line})" if statement.target else f"line {line}"
            path = own if section is None else f"{section}/{own}"
            for member in made:
                member.group = path if len(made) > 1 else section
        return node

    def section_at(self, line: int) -> str | None:
        """The `## name` heading above a line, if any: the lines under it fold together."""
        current = None
        for start, name in self.sections:
            if start < line:
                current = name
        return current

    def assignment(self, statement: Statement) -> Node:
        name, span = statement.target, statement.target_span
        if name is not None and span is not None:
            if name in FUNCTIONS or name in (PARAM, VALUE, "print"):
                raise _error("function-reassigned", f"'{name}' is a function; choose another name", span)
            value = statement.value
            if statement.augment is not None:  # c += e is c = c + (e): a new node, as in micrograd
                value = Expr("binary", value.span, statement.augment, (Expr("name", span, name), value))
            label = self.leaf_labels.get(self.index)
            if is_param(value):  # w = param(0.5): an input that training may change
                node = self.leaf(label or name, value.args[0])
                self.trainable.append(label or name)
            elif is_value(value):  # x = Value(2.0, label='x1'): an input named by its label
                node = self.leaf(label or self.label(value) or name, value.args[0])
            elif is_literal(value):
                node = self.leaf(label or name, value)
            else:
                node = self.expression(value)
                if node.name is None and node.op != "const":
                    node.name = name
            self.env[name] = node
            return node
        return self.expression(statement.value)

    def leaf(self, name: str, expr: Expr) -> Node:
        if name in self.reuse:  # the same leaf object, with whatever value training gave it
            node = self.reuse[name]
            self.count += 1
            self.elements += int(np.size(node.data))
            self.leaves[name] = node
            return node
        data = self.literal(expr)
        if name in self.values:
            data = self.override(name, self.values[name], np.shape(data), expr.span)
        node = self.make(lambda: Tensor(data, name=name) if self.tensor_mode else Value(data, name=name), expr.span)
        node._op = "leaf"
        self.leaves[name] = node
        return node

    def override(self, name: str, value: Any, shape: tuple[int, ...], span: Span) -> Any:
        want = "a finite number" if shape == () else f"finite numbers of shape {shape}"
        refusal = _error("bad-input-value", f"the value given for '{name}' is not a number: it must be {want}", span)
        if _holds_a_non_number(value):  # text, null, true/false: JSON values that are not numbers
            raise refusal
        try:
            data = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            raise refusal from None
        if data.shape != shape or not np.isfinite(data).all():
            raise _error("bad-input-value", f"the value given for '{name}' must be {want}", span)
        return float(data) if shape == () else data

    def make(self, create: Callable[[], Node], span: Span) -> Node:
        self.count += 1
        if self.count > self.limits.max_nodes:
            raise _error("too-many-nodes", f"the graph would have more than {self.limits.max_nodes:,} nodes", span)
        node = create()
        size = np.size(node.data)
        self.elements += size
        if self.elements > self.limits.max_total_elements:
            raise _error(
                "too-many-numbers",
                f"by here the program's values hold {self.elements:,} numbers in all; "
                f"the limit is {self.limits.max_total_elements:,}",
                span,
            )
        # measured on a 2-core machine: ~30 µs a node (parse, build, backward), ~30 ns an element of an
        # elementwise op, ~1 ns a product of a matrix multiply (forward and both backward products)
        self.work += 30_000 + 30 * size + (size * _inner_size(node) if node._op == "matmul" else 0)
        node.span = span.to_dict()
        self.created.append(node)
        return node

    def expression(self, root: Expr) -> Node:
        """Evaluate inputs before the ops that use them, with an explicit stack: a left-leaning
        chain such as x+x+...+x is as deep as it is long, deeper than Python's recursion allows."""
        pending: list[tuple[Expr, bool]] = [(root, False)]
        results: list[Node] = []
        while pending:
            expr, inputs_ready = pending.pop()
            if expr.kind == "method":
                expr = self.method(expr)
            if expr.kind in NOT_IN_FORMULAS:
                raise _error("syntax", NOT_IN_FORMULAS[expr.kind], expr.span)
            if expr.kind in ("number", "name", "array") or is_value(expr):
                results.append(self.atom(expr))
            elif not inputs_ready:
                if expr.kind == "call":
                    self.check_call(expr)
                pending.append((expr, True))
                pending.extend((arg, False) for arg in reversed(_operands(expr)))
            else:
                count = len(_operands(expr))
                args = results[len(results) - count :]
                del results[len(results) - count :]
                results.append(self.apply(expr, args))
        return results[0]

    def method(self, expr: Expr) -> Expr:
        """x.tanh() is tanh(x): every function of the language is also a method of a value."""
        if expr.text in FUNCTIONS:
            return Expr("call", expr.span, expr.text, expr.args, expr.keywords)
        self.expression(expr.args[0])  # as Python would, the receiver first: its own error comes first
        if expr.text in COMMANDS:
            raise _error("syntax", f".{expr.text}() is a line of its own, as in o.{expr.text}()", expr.span)
        known = ", ".join(f".{name}()" for name in sorted(FUNCTIONS))
        raise _error("unknown-method", f"a value has no method .{expr.text}(); the methods are {known}", expr.span)

    def atom(self, expr: Expr) -> Node:
        if expr.kind == "number":
            return self.constant(float(expr.text), expr.span)
        if expr.kind == "call":  # Value(3.0) inside a formula: a number, as a constant
            node = self.constant(self.literal(expr.args[0]), expr.span)
            node.name = self.label(expr)
            return node
        if expr.kind == "name":
            return self.name(expr)
        return self.constant(self.literal(expr), expr.span)

    def apply(self, expr: Expr, args: list[Node]) -> Node:
        if expr.kind == "unary":
            operand: Any = args[0]
            return operand if expr.text == "+" else self.make(lambda: -operand, expr.span)
        if expr.kind == "binary":
            return self.binary(expr, args[0], args[1])
        return self.call(expr, args)

    def constant(self, data: Any, span: Span) -> Node:
        if self.tensor_mode:
            return self.make(lambda: Tensor(data, (), "const"), span)
        return self.make(lambda: Value(data, (), "const"), span)

    def name(self, expr: Expr) -> Node:
        if expr.text in self.env:
            return self.env[expr.text]
        if expr.text in CONSTANTS:
            node = self.constant(CONSTANTS[expr.text], expr.span)
            node.name = expr.text
            return node
        if expr.text in FUNCTIONS:
            raise _error("syntax", f"'{expr.text}' is a function: call it, as in {expr.text}(x)", expr.span)
        raise _error("undefined-name", f"'{expr.text}' is used before it is assigned", expr.span)

    def binary(self, expr: Expr, left: Node, right: Node) -> Node:
        if expr.text == "@" and not self.tensor_mode:
            raise _error("needs-tensor", "'@' multiplies vectors or matrices; this program has none", expr.span)
        if self.tensor_mode:
            self.check_shapes(expr, left, right)
        return self.make(lambda: BINARY[expr.text](left, right), expr.span)

    def check_shapes(self, expr: Expr, left: Node, right: Node) -> None:
        a, b = np.shape(left.data), np.shape(right.data)
        try:
            shape = _matmul_shape(a, b) if expr.text == "@" else np.broadcast_shapes(a, b)
        except ValueError:
            raise _error("shape-mismatch", f"cannot {OP_WORDS[expr.text]} shapes {a} and {b}", expr.span) from None
        if math.prod(shape) > self.limits.max_tensor_elements:
            raise _error(
                "too-large",
                f"the result would have {math.prod(shape):,} elements; the limit is "
                f"{self.limits.max_tensor_elements:,}",
                expr.span,
            )

    def check_call(self, expr: Expr) -> None:
        if expr.text == VALUE:
            raise _error(
                "wrong-arguments",
                "Value(...) takes a number and an optional label, as in Value(2.0, label='x')",
                expr.span,
            )
        if expr.keywords:
            raise _error("wrong-arguments", f"{expr.text} takes no name=value arguments", expr.keywords[0][1].span)
        if expr.text == "print":
            raise _error("syntax", "print(...) is a line of its own", expr.span)
        if expr.text == PARAM:
            raise _error(
                "syntax", "param(...) marks a trainable input on its own line, as in w = param(0.5)", expr.span
            )
        if expr.text not in FUNCTIONS:
            known = ", ".join(sorted(FUNCTIONS))
            raise _error(
                "unknown-function", f"there is no function '{expr.text}'; the functions are {known}", expr.span
            )
        op = FUNCTIONS[expr.text]
        arity = op.function_arity
        if len(expr.args) != arity:
            raise _error(
                "wrong-arguments",
                f"{expr.text} takes {arity} argument{'s' * (arity > 1)}, got {len(expr.args)}",
                expr.span,
            )
        if op.scalar is None and not self.tensor_mode:
            raise _error("needs-tensor", f"{expr.text} works on vectors and matrices; this program has none", expr.span)
        if op.argument == "operand" and not is_number(expr.args[-1]):
            example = "" if op.default is None else f", as in {expr.text}(x, {format_number(op.default)})"
            raise _error(
                "wrong-arguments", f"the last argument of {expr.text} must be a number{example}", expr.args[-1].span
            )

    def call(self, expr: Expr, args: list[Node]) -> Node:
        name = expr.text
        constants = [self.literal(arg) for arg in expr.args[len(args) :]]
        if FUNCTIONS[name].arity == 2 and self.tensor_mode:  # max, min, mse: the two inputs must broadcast
            self.check_shapes(Expr("binary", expr.span, "-"), args[0], args[1])
        try:
            return self.make(lambda: call_op(name, *args, *constants), expr.span)
        except ValueError as problem:
            raise _error("shape-mismatch", f"{expr.text}: {problem}", expr.span) from None

    def literal(self, expr: Expr) -> Any:
        """A number, a negated number, or rectangular nested lists of them."""
        if expr.kind == "number":
            return float(expr.text)
        if expr.kind == "unary" and expr.args[0].kind in ("number", "unary", "array"):
            inner = self.literal(expr.args[0])
            return inner if expr.text == "+" else -np.asarray(inner) if isinstance(inner, np.ndarray) else -inner
        if expr.kind != "array":
            raise _error("syntax", "vector and matrix entries must be numbers", expr.span)
        if not expr.args:
            raise _error("syntax", "an empty [] has no shape: write numbers inside", expr.span)
        rows = [self.literal(item) for item in expr.args]
        shapes = [np.shape(row) for row in rows]
        for item, shape in zip(expr.args, shapes):
            if shape != shapes[0]:
                raise _error(
                    "ragged-array",
                    f"every row must have the shape of the first, {shapes[0]}; this one has {shape}",
                    item.span,
                )
        data = np.array(rows, dtype=np.float64)
        if data.size > self.limits.max_tensor_elements:
            raise _error(
                "too-large",
                f"this literal has {data.size:,} numbers; the limit is {self.limits.max_tensor_elements:,}",
                expr.span,
            )
        return data


def _inner_size(node: Node) -> int:
    """How many products make each element of a matrix product: its inner dimension."""
    return max(1, int(np.shape(node._prev[0].data)[-1])) if np.ndim(node._prev[0].data) else 1


def _holds_a_non_number(value: Any) -> bool:
    """True if a value or any entry of its nested lists is not an int or float (bools included)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, bool) or not isinstance(item, (int, float)):
            return True
    return False


def _operands(expr: Expr) -> tuple[Expr, ...]:
    """The arguments evaluated as nodes: all but a function's number argument (leaky_relu's slope)."""
    if expr.kind == "call" and FUNCTIONS[expr.text].argument == "operand":
        return expr.args[:-1]
    return expr.args


def _matmul_shape(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """The shape numpy's matmul gives, found without computing it; ValueError if they do not fit."""
    if not a or not b:
        raise ValueError
    a2 = (1,) + a if len(a) == 1 else a
    b2 = b + (1,) if len(b) == 1 else b
    if a2[-1] != b2[-2]:
        raise ValueError
    batch = tuple(np.broadcast_shapes(a2[:-2], b2[:-2]))
    return batch + ((a2[-2],) if len(a) > 1 else ()) + ((b2[-1],) if len(b) > 1 else ())
