"""One entry of the op registry: an op's name and arity, its texts, its forward and local derivatives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..node import Node

Array = np.ndarray
# (x[, y][, constant]) → (out, ∂out/∂x[, ∂out/∂y]): the value and its local derivatives, side by side
ScalarRule = Callable[..., tuple[float, ...]]
# (x[, y][, constant]) as arrays → the output array
TensorForward = Callable[..., Any]
# (node, ∂L/∂out) → one contribution ∂L/∂input per input (None: no gradient needed): a vector-Jacobian product
TensorRule = Callable[[Node, Array], tuple[Any, ...]]


@dataclass(frozen=True, kw_only=True)
class Op:
    """Everything about one op. Op names are a small fixed vocabulary, reused as the trace's `op`
    values and as CSS classes.

    In the text templates {0} and {1} stand for the inputs' labels and {out} for the node's; an op's
    constant argument (pow's constant exponent, leaky_relu's slope) stands in the slot after its inputs.
    `latex` is filled by the browser by plain replacement of {0}, {1} (not Python's str.format).
    """

    name: str
    arity: int  # inputs that are nodes (pow's constant-exponent form has one, and the exponent as its arg)
    formula: str  # how the forward computation reads: "{0} + {1}"
    local: tuple[str, ...]  # ∂out/∂input as text, one per input
    latex: str  # the op applied to its typeset inputs: r"\frac{{0}}{{1}}"; empty for leaf and const
    does: str  # the forward step in words: "adds {0} and {1}"
    rule: str = ""  # the backward rule in words, for every edge of this op
    symbol: str = ""  # a box's title: "+", "×"; the name if not given
    scalar: ScalarRule | None = None  # None: no scalar form
    tensor: TensorForward | None = None  # None: no tensor form
    vjp: TensorRule | None = None
    argument: str | None = None  # the non-node argument: "operand" (fills the slot after the inputs),
    #                              "axis" (follows the input: "sum(x, axis=0)") or "axes" (recorded only)
    default: float | None = None  # the operand argument's value when none is given (leaky_relu's slope)
    function_arity: int = 0  # the language's name(...) takes this many arguments (0: not in the language);
    #                          an "operand" argument is the last, and must be written as a number
    activation: bool = False  # engine.nn offers it as activation="name"
    methods: tuple[str, ...] | None = None  # the Value and Tensor methods that make it; None: (name,)

    def __post_init__(self) -> None:
        if not self.symbol:
            object.__setattr__(self, "symbol", self.name)

    @property
    def method_names(self) -> tuple[str, ...]:
        return (self.name,) if self.methods is None else self.methods

    def document(self) -> dict[str, Any]:
        """The op's entry in a trace document's `ops` map."""
        return {"formula": self.formula, "local": list(self.local), "symbol": self.symbol, "latex": self.latex}
