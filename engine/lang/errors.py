"""SourceError: what is wrong with a program, and where (1-based line and column)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    line: int
    column: int


class SourceError(ValueError):
    """A program that cannot be run. `kind` is a stable code; `message` is for people."""

    def __init__(self, kind: str, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(f"line {line}, column {column}: {message}")
        self.kind = kind
        self.message = message
        self.line = line
        self.column = column

    def __reduce__(self) -> tuple[type, tuple[str, str, int, int]]:
        # rebuilt from its own fields when it crosses a process boundary
        return (SourceError, (self.kind, self.message, self.line, self.column))

    def to_dict(self) -> dict[str, object]:
        return {"kind": self.kind, "message": self.message, "line": self.line, "column": self.column}
