"""The language's size limits. The engine reads no environment: the app passes its own settings in
(`run(source, limits=...)`, from BACKPROP_MAX_SOURCE_CHARS, BACKPROP_MAX_NODES and so on)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Upper bounds checked before or while a program is parsed, so hostile input stays cheap."""

    max_source_chars: int = 8000
    max_nodes: int = 2000
    max_depth: int = 64
    max_token_chars: int = 32
    max_string_chars: int = 200  # a string, quotes included: a label, or the text a print shows
    max_label_chars: int = 40  # the name drawn on a node
    max_statements: int = 200
    max_tensor_elements: int = 10_000
    max_total_elements: int = 100_000  # numbers held by all the program's values together


DEFAULT_LIMITS = Limits()
