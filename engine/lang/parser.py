"""A Pratt parser from tokens to the language's own syntax tree (never Python's)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import SourceError
from .limits import Limits
from .tokens import Token, line_tokens, string_value, tokenize

# Binding powers, with Python's precedence: + - < * / @ < unary - < ** (right-associative).
BINARY = {"+": 10, "-": 10, "*": 20, "/": 20, "@": 20, "**": 40}
ASSIGN = {"=": None, "+=": "+", "-=": "-", "*=": "*", "/=": "/", "**=": "**"}  # x op= e is x = x op (e)
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
    """A syntax-tree node: `kind` is number, name, string, unary, binary, call, method (args[0] is the
    receiver), attribute (x.data: args[0] is x), array, fstring (args are strings and fields) or field
    (f'{x.data:.4f}': text is the format spec, args[0] the expression)."""

    kind: str
    span: Span
    text: str = ""  # the number, name, string, operator, function, method or attribute
    args: tuple[Expr, ...] = field(default=())
    keywords: tuple[tuple[str, Expr], ...] = field(default=())  # a call's name=value arguments


@dataclass(frozen=True)
class Statement:
    """One line: `target = value`, `target += value` (augment "+"), `target.attribute = value`, a bare
    expression (target None), or an import (`module`: its dotted name; value is unused)."""

    target: str | None
    target_span: Span | None
    value: Expr
    augment: str | None = None
    attribute: str | None = None
    module: str | None = None


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

    def ahead(self, k: int) -> Token:
        """The token k places on (the end token past the end)."""
        return self.tokens[min(self.position + k, len(self.tokens) - 1)]

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
        first, second = self.peek(), self.ahead(1)
        if first.kind == "name" and first.text in ("from", "import") and second.kind == "name":
            statement = self.import_statement()
        else:
            statement = self.assignment(first, second)
        token = self.peek()
        if token.kind not in ("newline", "end"):
            message = (
                "'=' assigns only to a name or to a name's .label"
                if token.text == "="
                else f"expected the end of the line, found {_describe(token)}"
            )
            raise SourceError("syntax", message, token.line, token.column)
        return statement

    def assignment(self, first: Token, second: Token) -> Statement:
        """`x = e`, `x += e`, `x.label = 'x'` or a bare expression."""
        target = target_span = attribute = augment = None
        third, fourth = self.ahead(2), self.ahead(3)
        if first.kind == "name" and second.kind == "op" and second.text in ASSIGN:
            self.position += 2
            target, target_span, augment = first.text, _span(first, first), ASSIGN[second.text]
        elif first.kind == "name" and second.text == "." and third.kind == "name" and fourth.text in ASSIGN:
            self.position += 4
            target, target_span, attribute, augment = first.text, _span(first, third), third.text, ASSIGN[fourth.text]
        value = self.expression(0)
        return Statement(target, target_span, value, augment, attribute)

    def import_statement(self) -> Statement:
        """`import a.b [as c]` or `from a.b import c [as d], ...`: only the module's name matters."""
        keyword = self.advance()
        module = self.dotted_name()
        if keyword.text == "from":
            token = self.peek()
            if not (token.kind == "name" and token.text == "import"):
                raise SourceError("syntax", f"expected 'import', found {_describe(token)}", token.line, token.column)
            self.advance()
        while self.peek().kind == "name" or self.peek().text in (",", "(", ")", "*"):
            self.advance()  # the imported names (and `as` aliases) are not kept: nothing is imported
        return Statement(None, _span(keyword, keyword), Expr("name", module[1], module[0]), module=module[0])

    def dotted_name(self) -> tuple[str, Span]:
        first = last = self.advance()
        parts = [first.text]
        while self.peek().text == "." and self.ahead(1).kind == "name":
            self.advance()
            last = self.advance()
            parts.append(last.text)
        return ".".join(parts), _span(first, last)

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
        token = self.peek()
        if token.kind == "op" and token.text in ("-", "+"):
            self.advance()
            operand = self.expression(UNARY_POWER)
            return Expr("unary", _join(_span(token, token), operand.span), token.text, (operand,))
        return self.postfix(self.primary())

    def primary(self) -> Expr:
        token = self.advance()
        if token.kind == "number":
            return Expr("number", _span(token, token), token.text)
        if token.kind == "string":
            return (
                self.fstring(token)
                if token.text[0] in "fF"
                else Expr("string", _span(token, token), string_value(token))
            )
        if token.kind == "name":
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(token)
            return Expr("name", _span(token, token), token.text)
        if token.kind == "op" and token.text == "(":
            inner = self.expression(0)
            self.expect(")", f"')' to close the '(' at line {token.line}, column {token.column}")
            return inner
        if token.kind == "op" and token.text == "[":
            return self.array(token)
        raise SourceError(
            "syntax", f"expected a number, a name or '(', found {_describe(token)}", token.line, token.column
        )

    def postfix(self, operand: Expr) -> Expr:
        """`.name` and `.name(...)` after an operand, as many as written: each counts one level of depth."""
        levels = 0
        while self.peek().kind == "op" and self.peek().text == ".":
            dot = self.advance()
            name = self.advance()
            if name.kind != "name":
                raise SourceError(
                    "syntax",
                    f"expected a method or attribute name after '.', found {_describe(name)}",
                    dot.line,
                    dot.column,
                )
            levels += 1
            if self.depth + levels > self.limits.max_depth:
                raise SourceError(
                    "too-deep",
                    f"expressions may nest at most {self.limits.max_depth} deep (method calls count too)",
                    name.line,
                    name.column,
                )
            if self.peek().kind == "op" and self.peek().text == "(":
                self.advance()
                args, keywords = self.arguments()
                close = self.expect(")", f"')' to close the call of .{name.text}()")
                operand = Expr(
                    "method", _join(operand.span, _span(close, close)), name.text, (operand, *args), keywords
                )
            else:
                operand = Expr("attribute", _join(operand.span, _span(name, name)), name.text, (operand,))
        return operand

    def fstring(self, token: Token) -> Expr:
        """f'...{x.data:.4f}...': text pieces (escapes read), and fields parsed like any expression."""
        pieces: list[Expr] = []
        body = token.text[2:-1]
        start = token.column + 2  # the column of the body's first character
        text: list[str] = []
        k = 0
        while k < len(body):
            ch = body[k]
            if ch == "\\":
                text.append(string_value(Token("string", f"'{body[k : k + 2]}'", token.line, start + k - 1)))
                k += 2
            elif ch in "{}" and body[k + 1 : k + 2] == ch:
                text.append(ch)
                k += 2
            elif ch == "}":
                raise SourceError(
                    "syntax", "a single '}' in an f-string: write '}}' for a brace", token.line, start + k
                )
            elif ch != "{":
                text.append(ch)
                k += 1
            else:
                if text:
                    pieces.append(Expr("string", _span(token, token), "".join(text)))
                    text = []
                close = body.find("}", k)
                if close < 0:
                    raise SourceError("syntax", "this '{' in the f-string is not closed by '}'", token.line, start + k)
                pieces.append(self.field(body[k + 1 : close], token, start + k + 1))
                k = close + 1
        if text:
            pieces.append(Expr("string", _span(token, token), "".join(text)))
        return Expr("fstring", _span(token, token), "", tuple(pieces))

    def field(self, inside: str, token: Token, column: int) -> Expr:
        """One `{expression:spec}` of an f-string, its columns those of the line it sits on."""
        expression, _, spec = inside.partition(":")
        for mark in ("{", "!", "="):
            if mark in expression:
                where = column + expression.index(mark)
                raise SourceError(
                    "syntax", f"'{mark}' is not supported in an f-string field: write {{x.data:.4f}}", token.line, where
                )
        if "{" in spec:
            where = column + len(expression) + 1 + spec.index("{")
            raise SourceError("syntax", "a format spec cannot hold another field", token.line, where)
        if "\\" in expression:
            raise SourceError("syntax", "an f-string field cannot hold a backslash", token.line, column)
        tokens = line_tokens(expression, token.line, self.limits, column - 1)
        tokens.append(Token("end", "", token.line, column + len(expression)))
        if len(tokens) == 1:
            raise SourceError("syntax", "an empty {} in an f-string: put a value inside", token.line, column)
        inner = _Parser(tokens, self.limits)
        inner.depth = self.depth
        value = inner.expression(0)
        if inner.peek().kind != "end":
            rest = inner.peek()
            raise SourceError("syntax", f"expected '}}', found {_describe(rest)}", rest.line, rest.column)
        return Expr("field", value.span, spec, (value,))

    def call(self, name: Token) -> Expr:
        self.advance()  # (
        args, keywords = self.arguments()
        close = self.expect(")", f"')' to close the call of {name.text}")
        return Expr("call", _span(name, close), name.text, args, keywords)

    def arguments(self) -> tuple[tuple[Expr, ...], tuple[tuple[str, Expr], ...]]:
        """A call's arguments: positional ones, then `name=value` ones, up to the closing ')'."""
        args: list[Expr] = []
        keywords: list[tuple[str, Expr]] = []
        while not (self.peek().kind == "op" and self.peek().text == ")"):
            token, after = self.peek(), self.ahead(1)
            if token.kind == "name" and after.kind == "op" and after.text == "=":
                self.position += 2
                keywords.append((token.text, self.expression(0)))
            elif keywords:
                raise SourceError(
                    "syntax", "a positional argument cannot follow a keyword argument", token.line, token.column
                )
            else:
                args.append(self.expression(0))
            if not (self.peek().kind == "op" and self.peek().text == ","):
                break
            self.advance()
        return tuple(args), tuple(keywords)

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
        return "';'" if token.text == ";" else "the end of the line"
    if token.kind == "string":
        return "a string"
    return f"{token.kind} '{token.text}'" if token.kind != "op" else f"'{token.text}'"
