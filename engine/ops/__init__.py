"""The op registry: one entry per op, holding everything the engine, the language, traces and the UI know of it.

`Value` and `Tensor` make their methods from it (writing out the hot paths by hand, checked against it by
tests/engine/test_registry.py), the language takes its functions from it, `engine.nn` its activations, and a
trace document carries the entries of the ops it uses. See "Adding an op" in the README.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..encoding import format_number, operand_text
from .arithmetic import ARITHMETIC, power_slope, unbroadcast
from .arrays import ARRAYS
from .elementwise import ELEMENTWISE
from .spec import Array, Op, ScalarRule, TensorForward, TensorRule

__all__ = [
    "ACTIVATIONS",
    "OPS",
    "Array",
    "Forms",
    "Op",
    "ScalarRule",
    "TensorForward",
    "TensorRule",
    "formula_inputs",
    "install_methods",
    "power_slope",
    "unbroadcast",
]

OPS: dict[str, Op] = {op.name: op for op in (*ARITHMETIC, *ELEMENTWISE, *ARRAYS)}
ACTIVATIONS = tuple(name for name, op in OPS.items() if op.activation)


def formula_inputs(op: str, labels: list[str], arg: Any) -> list[str]:
    """What fills an op's formula: its inputs' labels, then its constant argument as a number (pow's
    constant exponent, leaky_relu's slope), or with the axis written after the input ("x, axis=0")."""
    argument = OPS[op].argument
    if arg is not None:
        if argument == "operand":
            labels.append(operand_text(format_number(arg)))
        elif argument == "axis":
            labels[0] = f"{labels[0]}, axis={arg}"
    return labels


Forms = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


def install_methods(cls: type, has_rule: Callable[[Op], bool], forms: Callable[[Op], Forms], wording: str = "") -> None:
    """Give `cls` a method for every entry it has a rule for and does not write out itself: the two-input,
    constant-argument or one-input form of `forms(op)` that the entry takes, named and documented from it."""
    for op in OPS.values():
        if not has_rule(op):
            continue
        for name in op.method_names:
            if name in cls.__dict__:
                continue
            binary, with_constant, unary = forms(op)
            if op.arity == 2:
                method, inputs = binary, ["self", "other"]
            elif op.argument == "operand":
                method, inputs = with_constant, ["self", "constant"]
            else:
                method, inputs = unary, ["self"]
            method.__name__, method.__qualname__ = op.name, f"{cls.__name__}.{op.name}"
            method.__doc__ = f"{op.formula.format(*inputs)}{wording}: {op.does.format(*inputs)}."
            setattr(cls, name, method)
