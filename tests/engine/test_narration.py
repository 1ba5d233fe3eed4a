"""Narration: one rule per op, written once; sentences carry exactly the numbers of their steps."""

from __future__ import annotations

import re

import pytest

from engine.lang import run
from engine.narration import narrate
from engine.ops import OPS

EDGE = re.compile(r"receives (\S+) × (\S+) = (\S+?)\.(?: |$)")


def test_every_op_has_a_forward_phrase_and_every_gate_a_backward_rule() -> None:
    for name, spec in OPS.items():
        assert spec.does, name
        if spec.local:
            assert spec.rule.endswith("."), name


@pytest.mark.parametrize("source", [
    "x = -2\ny = 5\nz = -4\nq = x + y\nf = q * z",
    "a = 3\nb = -2\nf = max(a * b, a + b) / 2 - min(a, 1) ** 2",
    "x = 0.7\nf = sigmoid(tanh(x) * exp(x)) + log(sqrt(abs(x))) - sin(x) * cos(x) + relu(-x)",
])
def test_backward_sentences_carry_the_numbers_of_their_fields(source: str) -> None:
    document = run(source).trace().to_dict()
    sentences = narrate(document)
    assert len(sentences) == len(document["steps"])
    for step, sentence in zip(document["steps"], sentences):
        if step["pass"] == "backward" and not step.get("seed"):
            upstream, local, contribution = (float(n) for n in EDGE.search(sentence).groups())
            assert (upstream, local, contribution) == (step["upstream"], step["local"], step["contribution"])
        elif step["pass"] == "forward":
            node = document["nodes"][step["node"]]
            assert float(sentence.rsplit(" ", 1)[1][:-1]) == node["value"]


def test_the_textbook_rules_are_named() -> None:
    sentences = " ".join(narrate(run("a = 3\nb = 2\nm = max(a, b)\nq = a + b\nf = m * q").trace().to_dict()))
    assert "the add gate hands the same gradient to both inputs" in sentences.lower()
    assert "the multiply gate swaps its inputs' values" in sentences.lower()
    assert "routes the whole gradient to the larger input" in sentences
    assert "a feeds 2 nodes, so its gradient is the sum of 2 contributions" in sentences


def test_tensor_steps_are_narrated_with_shapes() -> None:
    sentences = narrate(run("W = [[1, 2], [3, 4]]\nx = [1, -1]\nL = sum(tanh(W @ x))").trace().to_dict())
    assert any("matmul gate" in s and "shape (2, 2)" in s for s in sentences)
