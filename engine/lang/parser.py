"""A Pratt parser from tokens to the language's own syntax tree (never Python's)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import SourceError
from .limits import Limits
from .tokens import Token, tokenize

# Binding powers, with Python's precedence: + - < * / @ < unary - < ** (right-associative).
BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "@": 20, "**": 40}
UNARY_POWER = 30


@dataclass(frozen=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int

    def to_dict(self) -> dict[str, int]:
        return {"line": self.line, "column": self.column, "end_line": self.end_line, "end_column": self.end_column}


@dataclass(frozen=True)
class Expr:
    """A syntax-tree node: `kind` is number, name, unary, binary, call or array."""

    kind: str
    span: Span
    text: str = ""  # the number, name, operator or function
    args: tuple[Expr, ...] = field(default=())


@dataclass(frozen=True)
class Statement:
    target: str | None  # None for a bare expression
    target_span: Span | None
    value: Expr


def parse(source: str, limits: Limits) -> list[Statement]:
    """Parse a whole program; raise SourceError at the first problem."""
    return _Parser(tokenize(source, limits), limits).program()


def _span(first: Token, last: Token) -> Span:
    return Span(first.line, first.column, last.line, last.end_column)


def _join(a: Span, b: Span) -> Span:
    return Span(a.line, a.column, b.end_line, b.end_column)


class _Parser:
    def __init__(self, tokens: list[Token], limits: Limits) -> None:
        self.tokens = tokens
        self.limits = limits
        self.position = 0
        self.depth = 0

    def peek(self) -> Token:
        return self.tokens[self.position]

    def advance(self) -> Token:
        token = self.tokens[self.position]
        self.position += 1
        return token

    def expect(self, text: str, what: str) -> Token:
        token = self.peek()
        if token.kind != "op" or token.text != text:
            raise SourceError("syntax", f"expected {what}, found {_describe(token)}", token.line, token.column)
        return self.advance()

    def program(self) -> list[Statement]:
        statements: list[Statement] = []
        while self.peek().kind != "end":
            if self.peek().kind == "newline":
                self.advance()
                continue
            if len(statements) == self.limits.max_statements:
                token = self.peek()
                raise SourceError(
                    "too-many-statements",
                    f"a program may have at most {self.limits.max_statements} statements",
                    token.line,
                    token.column,
                )
            statements.append(self.statement())
        if not statements:
            raise SourceError(
                "empty-program", "the program is empty: write an expression such as f = (x + y) * z", 1, 1
            )
        return statements

    def statement(self) -> Statement:
        first, second = self.peek(), self.tokens[self.position + 1]
        target = target_span = None
        if first.kind == "name" and second.kind == "op" and second.text == "=":
            self.position += 2
            target, target_span = first.text, _span(first, first)
        value = self.expression(0)
        token = self.peek()
        if token.kind not in ("newline", "end"):
            message = (
                "'=' assigns only to a name"
                if token.text == "="
                else f"expected the end of the line, found {_describe(token)}"
            )
            raise SourceError("syntax", message, token.line, token.column)
        return Statement(target, target_span, value)

    def expression(self, min_power: int) -> Expr:
        self.depth += 1
        if self.depth > self.limits.max_depth:
            token = self.peek()
            raise SourceError(
                "too-deep", f"expressions may nest at most {self.limits.max_depth} deep", token.line, token.column
            )
        left = self.prefix()
        while True:
            token = self.peek()
            power = BINARY.get(token.text) if token.kind == "op" else None
            if power is None or power <= min_power:
                break
            self.advance()
            # ** is right-associative: its right side may hold another ** of the same power
            right = self.expression(power - 1 if token.text == "**" else power)
            left = Expr("binary", _join(left.span, right.span), token.text, (left, right))
        self.depth -= 1
        return left

    def prefix(self) -> Expr:
        token = self.advance()
        if token.kind == "number":
            return Expr("number", _span(token, token), token.text)
        if token.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            return Expr("name", _span(token, token), token.text)
        if token.kind == "op" and token.text in ("-", "+"):
            operand = self.expression(UNARY_POWER)
            return Expr("unary", _join(_span(token, token), operand.span), token.text, (operand,))
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")", f"')' to close the '(' at line {token.line}, column {token.column}")
            return inner
        if token.kind == "op" and token.text == "[":
            return self.array(token)
        raise SourceError(
            "syntax", f"expected a number, a name or '(', found {_describe(token)}", token.line, token.column
        )

    def call(self, name: Token) -> Expr:
        self.advance()  # (
        args = self.comma_list(")")
        close = self.expect(")", f"')' to close the call of {name.text}")
        return Expr("call", _span(name, close), name.text, args)

    def array(self, open_: Token) -> Expr:
        items = self.comma_list("]")
        close = self.expect("]", f"']' to close the '[' at line {open_.line}, column {open_.column}")
        return Expr("array", _span(open_, close), "[", items)

    def comma_list(self, closer: str) -> tuple[Expr, ...]:
        """Expressions separated by commas, up to (not including) `closer`."""
        items: list[Expr] = []
        while not (self.peek().kind == "op" and self.peek().text == closer):
            items.append(self.expression(0))
            if not (self.peek().kind == "op" and self.peek().text == ","):
                break
            self.advance()
        return tuple(items)


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the program"
    if token.kind == "newline":
        return "the end of the line"
    return f"{token.kind} '{token.text}'" if token.kind != "op" else f"'{token.text}'"
