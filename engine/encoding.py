"""Numbers and arrays as JSON allows them (non-finite floats spelled out), and numbers as formula text."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_NONFINITE = {math.inf: "inf", -math.inf: "-inf"}


def encode_number(x: float) -> float | str:
    """A float as JSON allows it: finite numbers as they are, the rest as "inf", "-inf" or "nan"."""
    if x - x == 0.0:  # false exactly for inf, -inf and nan (x is a Python float here)
        return x
    return _NONFINITE.get(x, "nan")


def encode_array(array: np.ndarray) -> Any:
    """Nested lists of JSON numbers, non-finite entries spelled out as in `encode_number`."""
    finite = np.isfinite(array)
    if finite.all():
        return array.tolist()
    boxed = array.astype(object)
    boxed[~finite] = [encode_number(float(x)) for x in array[~finite]]
    return boxed.tolist()


def encode_any(x: Any) -> tuple[Any, bool]:
    """Encode a float, an array or None for JSON; the flag says whether every number was finite."""
    if x is None:
        return None, True
    if x.__class__ is float:
        return (x, True) if x - x == 0.0 else (_NONFINITE.get(x, "nan"), False)
    array = np.asarray(x, dtype=np.float64)
    finite = bool(np.isfinite(array).all())
    if array.ndim == 0:
        return (float(array) if finite else _NONFINITE.get(float(array), "nan")), finite
    return (array.tolist() if finite else encode_array(array)), finite


def format_number(x: float) -> str:
    """The shortest text that reads back as exactly `x`, integers without a trailing ".0"."""
    text = repr(x)
    return text[:-2] if text[-2:] == ".0" else text


def operand_text(text: str) -> str:
    """A formatted number as it stands inside a formula: negatives in parentheses."""
    return f"({text})" if text[0] == "-" else text
