"""The op vocabulary: each op's formula and local derivatives as text, shared by traces and the UI.

Op names are a small fixed set, reused as the trace's `op` values and as CSS classes.
In the templates, {0} and {1} stand for the inputs, {out} for the result, {arg} for the op's argument.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OpSpec:
    formula: str  # how the forward computation reads
    local: tuple[str, ...]  # ∂out/∂input, one per input


OPS: dict[str, OpSpec] = {
    "leaf": OpSpec("input", ()),
    "const": OpSpec("constant", ()),
    "add": OpSpec("{0} + {1}", ("1", "1")),
    "sub": OpSpec("{0} - {1}", ("1", "-1")),
    "mul": OpSpec("{0} * {1}", ("{1}", "{0}")),
    "div": OpSpec("{0} / {1}", ("1/{1}", "-{0}/{1}²")),
    "pow": OpSpec("{0} ** {1}", ("{1}·{0}^({1}-1)", "{0}^{1}·ln {0}")),
    "neg": OpSpec("-({0})", ("-1",)),
    "relu": OpSpec("relu({0})", ("1 if {0} > 0 else 0",)),
    "tanh": OpSpec("tanh({0})", ("1 - {out}²",)),
    "sigmoid": OpSpec("sigmoid({0})", ("{out}·(1 - {out})",)),
    "exp": OpSpec("exp({0})", ("exp({0})",)),
    "log": OpSpec("log({0})", ("1/{0}",)),
    "sin": OpSpec("sin({0})", ("cos({0})",)),
    "cos": OpSpec("cos({0})", ("-sin({0})",)),
    "sqrt": OpSpec("sqrt({0})", ("1/(2·sqrt({0}))",)),
    "abs": OpSpec("abs({0})", ("sign({0})",)),
    "max": OpSpec("max({0}, {1})", ("1 if {0} > {1} else 0", "1 if {1} > {0} else 0")),
    "min": OpSpec("min({0}, {1})", ("1 if {0} < {1} else 0", "1 if {1} < {0} else 0")),
    "matmul": OpSpec("{0} @ {1}", ("upstream @ {1}ᵀ", "{0}ᵀ @ upstream")),
    "sum": OpSpec("sum({0})", ("1 (upstream copied to every element)",)),
    "mean": OpSpec("mean({0})", ("1/n (upstream shared among n elements)",)),
    "reshape": OpSpec("reshape({0})", ("upstream reshaped back",)),
    "transpose": OpSpec("{0}ᵀ", ("upstream transposed back",)),
    "softmax": OpSpec("softmax({0})", ("{out}·(upstream - sum(upstream·{out}))",)),
    "cross_entropy": OpSpec("cross_entropy({0}, targets)", ("(softmax({0}) - targets)/n",)),
    "mse": OpSpec("mse({0}, {1})", ("2·({0} - {1})/n", "-2·({0} - {1})/n")),
}


def formula(op: str, inputs: list[str], out: str = "", arg: str = "") -> str:
    """The forward formula of `op` with its inputs' labels filled in."""
    return OPS[op].formula.format(*inputs, out=out, arg=arg)


def local_rule(op: str, slot: int, inputs: list[str], out: str) -> str:
    """The local derivative ∂out/∂input[slot] as a formula in the inputs' labels."""
    return OPS[op].local[slot].format(*inputs, out=out)
