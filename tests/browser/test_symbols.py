"""Every symbol on screen is findable: labels for unnamed nodes, an output edge that explains itself,
long sums cut short, and numbers at four significant digits."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.lab import open_lab

pytestmark = pytest.mark.browser

MINUS = "\u2212"
NUMBER = re.compile(rf"(?<![\w∂/.]){MINUS}?\d+(?:\.\d+)?(?:e[+{MINUS}]\d+)?")


def significant_digits(text: str) -> int:
    mantissa = text.lstrip(MINUS).split("e")[0]
    digits = mantissa.replace(".", "").lstrip("0")
    return len(digits if "." in mantissa else digits.rstrip("0"))


def formula_with(page: Any, part: str) -> str:
    """The step panel's TeX (KaTeX keeps it in the MathML annotation), once it contains `part`."""
    page.wait_for_function("part => document.querySelector('#math annotation')?.textContent.includes(part)", arg=part)
    return page.text_content("#math annotation") or ""


def test_the_edge_into_the_output_differentiates_its_expression(page: Any) -> None:
    page.goto("/?preset=cs231n&step=7")  # 5 forward steps, the seed, then f → q
    page.wait_for_selector("#graph .node[data-id]")
    tex = formula_with(page, r"\frac{\partial (q \cdot z)}{\partial q}")
    assert r"\frac{\partial f}{\partial f} \cdot \frac{\partial f}{" not in tex
    assert tex.endswith("= -4")


def test_sentences_and_quiz_feedback_show_four_significant_digits(page: Any) -> None:
    open_lab(page, "preset=tanh-neuron")
    total = page.evaluate("window.backpropLab.state.response.trace.steps.length")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    numbers = []
    for _ in range(total):
        page.keyboard.press("ArrowRight")
        sentence = page.text_content("#sentence") or ""
        assert not re.search(r"\bn\d+\b", sentence), sentence  # no node ids for names
        numbers += NUMBER.findall(sentence)
    assert "6.881" in numbers and max(map(significant_digits, numbers)) == 4
    page.keyboard.press("Home")
    page.click("#quiz")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    page.keyboard.press("b")  # the seed, then o → n, whose contribution is 0.4999999999999998 exactly
    page.keyboard.press("ArrowRight")
    page.fill("#quiz-guess", "7")
    page.click("#quiz-check")
    assert page.text_content("#quiz-result") == "Not quite: the contribution is 0.5."


def test_a_value_used_380_times_shows_a_short_sum_that_ends_in_its_total(page: Any) -> None:
    source = "x = 0.5\nf = " + " + ".join(["x"] * 380) + "\n"
    page.goto("/")
    page.wait_for_selector("#graph .node")
    page.fill("#source", source)
    page.click("#run")
    page.wait_for_function("() => window.backpropLab.state.response?.trace.nodes.length === 380")
    page.locator("#graph").click(position={"x": 5, "y": 5})
    page.keyboard.press("End")
    tex = formula_with(page, r"\text{380 terms}")
    total = tex.split(r"\qquad", 1)[1]
    assert total.count("+") == 5 and total.endswith("= 380")
