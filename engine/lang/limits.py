"""The language's size limits, each overridable by an environment variable of the same name."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


def _env(name: str, default: int) -> int:
    raw = os.environ.get(f"BACKPROP_{name.upper()}")
    return int(raw) if raw is not None and raw.isdigit() else default


@dataclass(frozen=True)
class Limits:
    """Upper bounds checked before or while a program is parsed, so hostile input stays cheap."""

    max_source_chars: int = 8000
    max_nodes: int = 2000
    max_depth: int = 64
    max_token_chars: int = 32
    max_statements: int = 200
    max_tensor_elements: int = 10_000
    max_total_elements: int = 100_000  # numbers held by all the program's values together

    @classmethod
    def from_environment(cls) -> Limits:
        """Defaults, overridden by BACKPROP_MAX_SOURCE_CHARS, BACKPROP_MAX_NODES and so on."""
        defaults = cls()
        return cls(**{f.name: _env(f.name, getattr(defaults, f.name)) for f in fields(cls)})


DEFAULT_LIMITS = Limits.from_environment()
