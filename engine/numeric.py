"""IEEE-754 float functions that return inf or nan where Python's math module raises."""

from __future__ import annotations

import math

import numpy as np

INF = math.inf
NAN = math.nan


def _ieee(function: np.ufunc, *args: float) -> float:
    """Evaluate a numpy ufunc on float64 scalars with every floating-point warning silenced."""
    with np.errstate(all="ignore"):
        return float(function(*(np.float64(a) for a in args)))


def divide(a: float, b: float) -> float:
    """a / b, with a / 0 giving ±inf (or nan for 0 / 0) as IEEE-754 does."""
    try:
        return a / b
    except ZeroDivisionError:
        return _ieee(np.divide, a, b)


def power(a: float, b: float) -> float:
    """a ** b in float64: overflow gives inf, a negative base with a fractional exponent gives nan."""
    try:
        return math.pow(a, b)
    except (OverflowError, ValueError):
        return _ieee(np.power, a, b)


def exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def log(x: float) -> float:
    """Natural log: log(0) = -inf, log of a negative number = nan."""
    if x > 0.0:
        return math.log(x)
    return _ieee(np.log, x)


def sqrt(x: float) -> float:
    if x >= 0.0:
        return math.sqrt(x)
    return _ieee(np.sqrt, x)


def sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else NAN


def cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else NAN


def sigmoid(x: float) -> float:
    """Logistic function written so that neither branch can overflow."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    if x != x:  # nan
        return NAN
    z = exp(x)
    return z / (1.0 + z)


def sign(x: float) -> float:
    """Sign with sign(0) = 0, the subgradient PyTorch uses for abs at zero."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0 if x == 0.0 else NAN
