"""Narration: one rule per op, written once; sentences carry the numbers of their steps, as the lab shows them."""

from __future__ import annotations

import re

import pytest

from engine.lang import run
from engine.narration import display_number, narrate
from engine.ops import OPS

EDGE = re.compile(r"receives (\S+) × (\S+) = (\S+?)\.(?: |$)")
MINUS = "\u2212"
NUMBER = re.compile(rf"(?<![\w∂/.]){MINUS}?\d+(?:\.\d+)?(?:e[+{MINUS}]\d+)?")


def significant_digits(text: str) -> int:
    mantissa = text.lstrip(MINUS).split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits if "." in mantissa else digits.rstrip("0"))


def shown(text: str) -> float:
    """The value of a displayed number (a negative operand's parentheses dropped)."""
    return float(text.strip("()").replace(MINUS, "-").replace("∞", "inf"))


def test_every_op_has_a_forward_phrase_and_every_gate_a_backward_rule() -> None:
    for name, spec in OPS.items():
        assert spec.does, name
        if spec.local:
            assert spec.rule.endswith("."), name


@pytest.mark.parametrize(
    "source",
    [
        "x = -2\ny = 5\nz = -4\nq = x + y\nf = q * z",
        "a = 3\nb = -2\nf = max(a * b, a + b) / 2 - min(a, 1) ** 2",
        "x = 0.7\nf = sigmoid(tanh(x) * exp(x)) + log(sqrt(abs(x))) - sin(x) * cos(x) + relu(-x)",
    ],
)
def test_backward_sentences_carry_the_numbers_of_their_fields(source: str) -> None:
    document = run(source).trace().to_dict()
    sentences = narrate(document)
    assert len(sentences) == len(document["steps"])
    for step, sentence in zip(document["steps"], sentences):
        if step["pass"] == "backward" and not step.get("seed"):
            texts = EDGE.search(sentence).groups()
            fields = (step["upstream"], step["local"], step["contribution"])
            assert tuple(text.strip("()") for text in texts) == tuple(map(display_number, fields))
            for text, exact in zip(texts, fields):
                assert shown(text) == pytest.approx(exact, rel=5e-4)
            if "the sum so far is " in sentence:
                assert sentence.endswith(f"the sum so far is {display_number(step['grad'])}.")
        elif step["pass"] == "forward":
            node = document["nodes"][step["node"]]
            value = sentence.rsplit(" ", 1)[1][:-1]
            assert value == display_number(node["value"])
            assert shown(value) == pytest.approx(node["value"], rel=5e-4)


def test_the_textbook_rules_are_named() -> None:
    sentences = " ".join(narrate(run("a = 3\nb = 2\nm = max(a, b)\nq = a + b\nf = m * q").trace().to_dict()))
    assert "the add gate hands the same gradient to both inputs" in sentences.lower()
    assert "the multiply gate swaps its inputs' values" in sentences.lower()
    assert "routes the whole gradient to the larger input" in sentences
    assert "a feeds 2 nodes, so its gradient is the sum of 2 contributions" in sentences


def test_tensor_steps_are_narrated_with_shapes() -> None:
    sentences = narrate(run("W = [[1, 2], [3, 4]]\nx = [1, -1]\nL = sum(tanh(W @ x))").trace().to_dict())
    assert any("matmul gate" in s and "shape (2, 2)" in s for s in sentences)


def test_narrated_numbers_have_at_most_four_significant_digits_and_a_real_minus() -> None:
    source = "w0 = 2\nx0 = -1\nw1 = -3\nx1 = -2\nw2 = -3\nf = 1 / (1 + exp(-(w0 * x0 + w1 * x1 + w2)))"
    sentences = narrate(run(source).trace().to_dict())
    assert "So ∂f/∂x0 receives 0.1966 × 2 = 0.3932." in sentences[-1]
    numbers = [number for sentence in sentences for number in NUMBER.findall(sentence)]
    assert max(map(significant_digits, numbers)) == 4
    for sentence in sentences:
        for part in EDGE.findall(sentence):
            assert not any("-" in text for text in part)  # the real minus sign, as the screen shows it


@pytest.mark.parametrize(
    ("x", "text"),
    [
        (0.19661193324148188, "0.1966"),
        (-4.0, f"{MINUS}4"),
        (3, "3"),
        (-0.0, "0"),
        (0.0, "0"),
        (12345.6, "12350"),
        (99999.5, "100000"),
        (100000.0, "1e+5"),
        (-123456.0, f"{MINUS}1.235e+5"),
        (0.001, "0.001"),
        (0.00099996, f"1e{MINUS}3"),
        (-1.5e-4, f"{MINUS}1.5e{MINUS}4"),
        (12.125, "12.13"),
        (-12.125, f"{MINUS}12.13"),  # exact ties round away from zero, as toPrecision does
        (float("inf"), "∞"),
        ("-inf", f"{MINUS}∞"),
        ("nan", "NaN"),
        (float("nan"), "NaN"),
    ],
)
def test_display_number_reads_as_format_js_formats(x: float | str, text: str) -> None:
    assert display_number(x) == text
