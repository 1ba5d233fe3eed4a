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
    does: str = ""  # the forward step in words: "adds {0} and {1}"
    rule: str = ""  # the backward rule in words, for every edge of this op


OPS: dict[str, OpSpec] = {
    "leaf": OpSpec("input", (),
        "is an input",
        ""),
    "const": OpSpec("constant", (),
        "is a constant",
        ""),
    "add": OpSpec("{0} + {1}", ("1", "1"),
        "adds {0} and {1}",
        "The add gate hands the same gradient to both inputs: its local derivatives are 1."),
    "sub": OpSpec("{0} - {1}", ("1", "-1"),
        "subtracts {1} from {0}",
        "The subtract gate passes the gradient to its first input and its negative to the second."),
    "mul": OpSpec("{0} * {1}", ("{1}", "{0}"),
        "multiplies {0} by {1}",
        "The multiply gate swaps its inputs' values: each input's local derivative is the other input."),
    "div": OpSpec("{0} / {1}", ("1/{1}", "-{0}/{1}²"),
        "divides {0} by {1}",
        "The divide gate scales the gradient by 1/{1} for the numerator and by -{0}/{1}² for the denominator."),
    "pow": OpSpec("{0} ** {1}", ("{1}·{0}^({1}-1)", "{0}^{1}·ln {0}"),
        "raises {0} to the power {1}",
        "The power rule: the local derivative is {1}·{0}^({1}-1), and {0}^{1}·ln {0} for the exponent."),
    "neg": OpSpec("-({0})", ("-1",),
        "negates {0}",
        "The negate gate flips the gradient's sign."),
    "relu": OpSpec("relu({0})", ("1 if {0} > 0 else 0",),
        "keeps {0} if it is positive, else gives 0",
        "The ReLU gate passes the gradient where its input was positive and blocks it where it was not."),
    "tanh": OpSpec("tanh({0})", ("1 - {out}²",),
        "squashes {0} with tanh",
        "The tanh gate scales the gradient by 1 - tanh², one minus its output squared."),
    "sigmoid": OpSpec("sigmoid({0})", ("{out}·(1 - {out})",),
        "squashes {0} with the sigmoid",
        "The sigmoid gate scales the gradient by σ·(1 - σ), which is at most 1/4."),
    "exp": OpSpec("exp({0})", ("exp({0})",),
        "exponentiates {0}",
        "The exp gate scales the gradient by its own output, exp(x)."),
    "log": OpSpec("log({0})", ("1/{0}",),
        "takes the logarithm of {0}",
        "The log gate scales the gradient by 1/x."),
    "sin": OpSpec("sin({0})", ("cos({0})",),
        "takes the sine of {0}",
        "The sine gate scales the gradient by cos(x)."),
    "cos": OpSpec("cos({0})", ("-sin({0})",),
        "takes the cosine of {0}",
        "The cosine gate scales the gradient by -sin(x)."),
    "sqrt": OpSpec("sqrt({0})", ("1/(2·sqrt({0}))",),
        "takes the square root of {0}",
        "The square-root gate scales the gradient by 1/(2·√x)."),
    "abs": OpSpec("abs({0})", ("sign({0})",),
        "takes the absolute value of {0}",
        "The abs gate passes the gradient with the sign of its input."),
    "max": OpSpec("max({0}, {1})", ("1 if {0} > {1} else 0", "1 if {1} > {0} else 0"),
        "takes the larger of {0} and {1}",
        "The max gate routes the whole gradient to the larger input and none to the other (half each at a tie)."),
    "min": OpSpec("min({0}, {1})", ("1 if {0} < {1} else 0", "1 if {1} < {0} else 0"),
        "takes the smaller of {0} and {1}",
        "The min gate routes the whole gradient to the smaller input and none to the other (half each at a tie)."),
    "matmul": OpSpec("{0} @ {1}", ("upstream @ {1}ᵀ", "{0}ᵀ @ upstream"),
        "multiplies the matrices {0} and {1}",
        "The matmul gate multiplies the gradient by the other input, transposed."),
    "sum": OpSpec("sum({0})", ("1 (upstream copied to every element)",),
        "adds up every entry of {0}",
        "The sum gate copies the gradient to every entry."),
    "mean": OpSpec("mean({0})", ("1/n (upstream shared among n elements)",),
        "averages the entries of {0}",
        "The mean gate shares the gradient equally among the n entries."),
    "reshape": OpSpec("reshape({0})", ("upstream reshaped back",),
        "reshapes {0}",
        "Reshaping hands the gradient back in the input's shape."),
    "transpose": OpSpec("{0}ᵀ", ("upstream transposed back",),
        "transposes {0}",
        "Transposing hands the gradient back transposed."),
    "softmax": OpSpec("softmax({0})", ("{out}·(upstream - sum(upstream·{out}))",),
        "turns {0} into probabilities with softmax",
        "The softmax gate mixes the gradient through its Jacobian: s·(g - Σ g·s)."),
    "cross_entropy": OpSpec("cross_entropy({0}, targets)", ("(softmax({0}) - targets)/n",),
        "measures the cross-entropy of {0} against the targets",
        "The cross-entropy gate's gradient is (softmax - targets)/n."),
    "mse": OpSpec("mse({0}, {1})", ("2·({0} - {1})/n", "-2·({0} - {1})/n"),
        "measures the mean squared error between {0} and {1}",
        "The mean-squared-error gate's gradient is 2·(prediction - target)/n, "
        "with the opposite sign for the target."),
}


def formula(op: str, inputs: list[str], out: str = "", arg: str = "") -> str:
    """The forward formula of `op` with its inputs' labels filled in."""
    return OPS[op].formula.format(*inputs, out=out, arg=arg)


def local_rule(op: str, slot: int, inputs: list[str], out: str) -> str:
    """The local derivative ∂out/∂input[slot] as a formula in the inputs' labels."""
    return OPS[op].local[slot].format(*inputs, out=out)
