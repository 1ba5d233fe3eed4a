"""The tokenizer: names, numbers, strings, operators and line ends, each with its line and column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import SourceError
from .limits import Limits

# One pattern for every token, tried in this order: a string before a name keeps f'...' a string, a
# name before a number keeps "e1" a name, and a number before an operator keeps ".5" a number.
TOKEN = re.compile(
    r"(?P<space>[ \t\f]+)|(?P<comment>#.*)"
    r"|(?P<string>[fF]?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"))"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<op>\*\*=|\*\*|[-+*/]=|[-+*/@=()\[\],.;])"
)
ESCAPES = {"\\": "\\", "'": "'", '"': '"', "n": "\n", "t": "\t"}
# Characters that hide or reorder text: a program must read as it displays.
INVISIBLE = {
    0x200B,
    0x200C,
    0x200D,
    0x200E,
    0x200F,
    0x2060,
    0xFEFF,
    0x061C,
    0x00AD,
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
}
LOOKALIKES = {"\u2212": "-", "\u2013": "-", "\u00d7": "*", "\u22c5": "*", "\u00b7": "*"}


@dataclass(frozen=True)
class Token:
    kind: str  # "name", "number", "string", "op", "newline" or "end"
    text: str
    line: int
    column: int

    @property
    def end_column(self) -> int:
        return self.column + len(self.text)


def tokenize(source: str, limits: Limits) -> list[Token]:
    """Split `source` into tokens; newlines inside brackets join lines, as in Python."""
    if len(source) > limits.max_source_chars:
        raise SourceError(
            "source-too-long",
            f"the program is {len(source):,} characters long; the limit is {limits.max_source_chars:,}",
            1,
            1,
        )
    tokens: list[Token] = []
    depth = 0
    for number, raw_line in enumerate(source.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        for token in line_tokens(raw_line, number, limits):
            depth += token.text in ("(", "[") if token.kind == "op" else 0
            depth -= token.text in (")", "]") if token.kind == "op" else 0
            if token.kind == "op" and token.text == ";" and depth <= 0:  # a; b is two statements
                if tokens and tokens[-1].kind != "newline":
                    tokens.append(Token("newline", ";", token.line, token.column))
                continue
            tokens.append(token)
        if depth <= 0 and tokens and tokens[-1].kind != "newline":
            tokens.append(Token("newline", "", number, len(raw_line) + 1))
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tokens.append(Token("end", "", len(lines), len(lines[-1]) + 1))
    return tokens


def line_tokens(raw_line: str, number: int, limits: Limits, offset: int = 0) -> list[Token]:
    """The tokens of one line (or of an f-string field that starts `offset` columns into its line).
    Look-alike characters outside strings read as the ASCII operator they resemble."""
    tokens = []
    i = 0
    line = raw_line
    while i < len(line):
        match = TOKEN.match(line, i)
        if match is None:
            if line[i] in "'\"" or (line[i] in "fF" and line[i + 1 : i + 2] in ("'", '"')):
                raise SourceError("unclosed-string", "this string is not closed on its line", number, offset + i + 1)
            if line[i] in LOOKALIKES:
                line = line[:i] + LOOKALIKES[line[i]] + line[i + 1 :]
                continue
            raise _bad_character(line[i], number, offset + i + 1)
        kind = match.lastgroup
        assert kind is not None  # every alternative of TOKEN is a named group
        if kind == "comment":
            break
        if kind == "name":
            _check_length(match.group(), "name", number, offset + i + 1, limits)
        elif kind == "number":
            _check_number(line, match, number, offset + i + 1, limits)
        elif kind == "string":
            _check_string(match.group(), number, offset + i + 1, limits)
        if kind != "space":
            tokens.append(Token(kind, match.group(), number, offset + i + 1))
        i = match.end()
    return tokens


def _check_string(text: str, line: int, column: int, limits: Limits) -> None:
    if len(text) > limits.max_string_chars:
        raise SourceError(
            "string-too-long",
            f"this string is {len(text):,} characters long; the limit is {limits.max_string_chars}",
            line,
            column,
        )
    for k, ch in enumerate(text):
        if ord(ch) in INVISIBLE or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp"):
            raise _bad_character(ch, line, column + k)


def string_value(token: Token) -> str:
    """The text a string token stands for: its quotes removed and its escapes (\\ \' \" \n \t) read."""
    body = token.text[2:-1] if token.text[0] in "fF" else token.text[1:-1]
    parts: list[str] = []
    k = 0
    while k < len(body):
        if body[k] == "\\":
            escape = body[k + 1]
            if escape not in ESCAPES:
                raise SourceError(
                    "unsupported-escape",
                    f"'\\{escape}' is not an escape the language reads; it knows \\\\ \\' \\\" \\n and \\t",
                    token.line,
                    token.column + k + 1 + (token.text[0] in "fF"),
                )
            parts.append(ESCAPES[escape])
            k += 2
        else:
            parts.append(body[k])
            k += 1
    return "".join(parts)


def _check_length(text: str, what: str, line: int, column: int, limits: Limits) -> None:
    if len(text) > limits.max_token_chars:
        raise SourceError(
            f"{what}-too-long",
            f"this {what} is {len(text):,} characters long; the limit is {limits.max_token_chars}",
            line,
            column,
        )


def _check_number(line: str, match: re.Match[str], number: int, column: int, limits: Limits) -> None:
    _check_length(match.group(), "number", number, column, limits)
    end = match.end()
    if end < len(line) and (line[end].isalnum() or line[end] in "_."):
        if match.group() == "0" and line[end] in "xXbBoO":
            raise SourceError(
                "unsupported-number", "only decimal numbers are supported (no 0x, 0b or 0o)", number, column
            )
        raise SourceError(
            "malformed-number",
            f"a number cannot run into {line[end]!r}: write decimals like 2, 0.5 or 1e-3, and a product as 2 * x",
            number,
            end + 1,
        )


def _bad_character(ch: str, line: int, column: int) -> SourceError:
    code = ord(ch)
    name = unicodedata.name(ch, "control character")
    if code in INVISIBLE or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp"):
        return SourceError(
            "invisible-character",
            f"the invisible or direction-changing character U+{code:04X} ({name}) is not allowed",
            line,
            column,
        )
    if code > 127 and unicodedata.category(ch) == "Nd":
        return SourceError(
            "non-ascii-digit",
            f"U+{code:04X} ({name}) is a digit of another script: numbers are written with the digits 0-9",
            line,
            column,
        )
    if code > 127:
        return SourceError(
            "unexpected-character",
            f"U+{code:04X} ({name}) is not allowed: names use ASCII letters, digits and _",
            line,
            column,
        )
    return SourceError("unexpected-character", f"unexpected character {ch!r}", line, column)
