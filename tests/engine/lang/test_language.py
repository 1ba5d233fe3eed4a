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


def test_leaky_relu_takes_its_slope_as_a_number_that_makes_no_node() -> None:
    program = run("x = -2\nf = leaky_relu(x, 0.1)")
    document = program.trace().to_dict()
    assert [node["op"] for node in document["nodes"]] == ["leaf", "leaky_relu"]
    assert document["nodes"][1]["arg"] == 0.1
    assert "f = leaky_relu(x, 0.1) = leaky_relu((-2), 0.1) = -0.2" in [step["text"] for step in document["steps"]]
    program.output.backward()
    assert program.inputs["x"].grad == 0.1
    assert run("x = -2\nf = leaky_relu(x, -0.5)").output.data == 1.0


def test_leaky_relu_works_on_tensors_and_names_its_slope_when_it_is_not_a_number() -> None:
    program = run("W = [[1, -2]]\nL = sum(leaky_relu(W, 0.5))")
    program.output.backward()
    assert program.output.data == 0.0
    assert program.inputs["W"].grad.tolist() == [[1.0, 0.5]]
    with pytest.raises(SourceError) as caught:
        run("x = 1\ny = 2\nf = leaky_relu(x, y)")
    assert caught.value.message == "the last argument of leaky_relu must be a number, as in leaky_relu(x, 0.01)"
