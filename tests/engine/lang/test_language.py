"""Language features beyond the basics: trainable inputs and section headings."""

from __future__ import annotations

import pytest

from engine.lang import SourceError, run


def test_param_marks_a_trainable_input_with_its_value() -> None:
    program = run("w = param(0.5)\nb = param(-1)\nx = 2\nL = (w * x + b) ** 2")
    assert program.trainable == ["w", "b"]
    assert program.inputs["w"].data == 0.5 and program.output.data == 0.0


def test_param_anywhere_else_is_refused_with_a_hint() -> None:
    with pytest.raises(SourceError) as caught:
        run("x = 2\ny = param(1) * x")
    assert caught.value.kind == "syntax" and "w = param(0.5)" in caught.value.message


def test_section_headings_group_the_lines_under_them() -> None:
    source = "x = 1\n## layer 1\nh = tanh(2 * x)\ng = h * h\n## output\nout = g + h\n"
    groups = {node["label"]: node.get("group") for node in run(source).trace().to_dict()["nodes"]}
    assert groups["x"] is None
    assert groups["h"] == "layer 1/h (line 3)"
    assert groups["g"] == "layer 1"  # one node of its own: filed under the section directly
    assert groups["out"] == "output"


def test_a_heading_cannot_smuggle_a_path_separator() -> None:
    groups = {n.get("group") for n in run("## a/b/c\nx = 1\ny = x * x + 1").trace().to_dict()["nodes"]}
    assert "abc/y (line 3)" in groups
