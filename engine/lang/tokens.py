"""The tokenizer: names, numbers, operators and line ends, each with its line and column."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .errors import SourceError
from .limits import Limits

# One pattern for every token, tried in this order: a name before a number keeps "e1" a name.
TOKEN = re.compile(
    r"(?P<space>[ \t\f]+)|(?P<comment>#.*)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)|(?P<op>\*\*|[-+*/@=()\[\],])"
)
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
    kind: str  # "name", "number", "op", "newline" or "end"
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
        line = "".join(LOOKALIKES.get(ch, ch) for ch in raw_line)
        for token in _line_tokens(line, number, limits):
            depth += token.text in ("(", "[") if token.kind == "op" else 0
            depth -= token.text in (")", "]") if token.kind == "op" else 0
            tokens.append(token)
        if depth <= 0 and tokens and tokens[-1].kind != "newline":
            tokens.append(Token("newline", "", number, len(raw_line) + 1))
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tokens.append(Token("end", "", len(lines), len(lines[-1]) + 1))
    return tokens


def _line_tokens(line: str, number: int, limits: Limits) -> list[Token]:
    tokens = []
    i = 0
    while i < len(line):
        match = TOKEN.match(line, i)
        if match is None:
            raise _bad_character(line[i], number, i + 1)
        kind = match.lastgroup
        assert kind is not None  # every alternative of TOKEN is a named group
        if kind == "comment":
            break
        if kind == "name":
            _check_length(match.group(), "name", number, i + 1, limits)
        elif kind == "number":
            _check_number(line, match, number, i + 1, limits)
        if kind != "space":
            tokens.append(Token(kind, match.group(), number, i + 1))
        i = match.end()
    return tokens


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
    if ch in "'\"":
        return SourceError("unexpected-character", "strings are not part of the language", line, column)
    if ch == ".":
        return SourceError(
            "unexpected-character", "'.' only appears inside numbers: there are no attributes or methods", line, column
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
