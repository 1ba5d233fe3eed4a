"""micrograd code runs as it is pasted: its values, gradients and prints agree with PyTorch float64."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest

from engine.lang import SourceError, run
from tests.engine.lang.micrograd.programs import CHECKED, NEURON, README

VECTORS = json.loads((Path(__file__).parent / "micrograd" / "vectors.json").read_text())["programs"]


def console(source: str, values: dict[str, float] | None = None) -> list[str]:
    program = run(source, values)
    return [line["text"] for line in program.console(program.trace())]


def numbers_by_label(source: str, values: dict[str, float] | None = None) -> dict[str, tuple[float, float]]:
    """Each label's value and gradient in the trace (a label given twice, as `c += ...` does, is its latest node)."""
    document = run(source, values).trace().to_dict()
    return {node["label"]: (node["value"], node["grad"]) for node in document["nodes"]}


def test_every_program_has_a_reference_vector() -> None:
    assert set(VECTORS) == set(CHECKED)


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_micrograd_programs_match_pytorch_float64(name: str) -> None:
    source, names = CHECKED[name]
    found = numbers_by_label(source)
    for label in names:
        value, grad = found[label]
        np.testing.assert_allclose(value, VECTORS[name][label]["value"], rtol=1e-12, atol=1e-14, err_msg=label)
        np.testing.assert_allclose(grad, VECTORS[name][label]["grad"], rtol=1e-12, atol=1e-14, err_msg=label)


def test_the_readme_example_prints_micrograds_published_numbers() -> None:
    assert console(README) == ["24.7041", "138.8338", "645.5773"]


def test_the_readme_examples_output_is_g_after_backward_names_it() -> None:
    document = run(README).trace().to_dict()
    assert document["nodes"][document["output"]]["label"] == "g"


def test_the_lectures_neuron_shows_its_published_gradients_and_labels() -> None:
    found = numbers_by_label(NEURON)
    assert {label: round(grad, 4) for label, (_, grad) in found.items()} == {
        "x1": -1.5,
        "x2": 0.5,
        "w1": 1.0,
        "w2": 0.0,
        "b": 0.5,
        "x1*w1": 0.5,
        "x2*w2": 0.5,
        "x1*w1 + x2*w2": 0.5,
        "n": 0.5,
        "o": 1.0,
    }
    assert round(found["o"][0], 4) == 0.7071


def test_a_label_names_the_input_so_a_value_given_by_that_name_reaches_it() -> None:
    program = run("p = Value(2.0)\nq = p * 3\np.label = 'price'\nq.backward()", {"price": 5.0})
    assert list(program.inputs) == ["price"]
    assert program.output.data == 15.0


def test_a_grad_printed_before_backward_is_micrograds_zero() -> None:
    source = "a = Value(3.0)\nb = a * a\nprint(a.grad, f'{a.grad:.2f}')\nb.backward()\nprint(a.grad, b)"
    assert console(source) == ["0 0.00", "6.0 Value(data=9.0, grad=1)"]


def test_grads_print_as_micrograd_keeps_them_ints_where_backward_computes_nothing() -> None:
    source = "a = Value(3.0)\nb = a * a\nc = a + 1\nb.backward()\nprint(b.grad, a.grad, c.grad)"
    assert console(source) == ["1 6.0 0"]  # the start is the int 1, an unreached value keeps the int 0


def test_without_backward_every_grad_prints_zero_and_the_last_line_is_the_output() -> None:
    program = run("a = Value(3.0)\nb = a * 2\nprint(b.grad, b.data)\nc = b + 1")
    assert program.output.data == 7.0
    assert [line["text"] for line in program.console(program.trace())] == ["0 6.0"]


def test_backward_names_the_output_even_when_lines_follow_it() -> None:
    program = run("a = Value(1.5)\nb = a * 2\nb.backward()\nc = b * 3\nprint(c.data, a.grad)")
    assert program.output.data == 3.0
    assert [line["text"] for line in program.console(program.trace())] == ["9.0 2.0"]


def test_print_joins_its_pieces_with_spaces_and_reads_labels_and_escapes() -> None:
    source = "x = Value(2.0, label='x1')\ny = x ** 2\ny.backward()\nprint('grad of', x.label, f'is {x.grad:+.1f}!\\n')"
    assert console(source) == ["grad of x1 is +4.0!\n"]


def test_f_string_braces_doubled_are_braces() -> None:
    assert console("x = Value(1.0)\nprint(f'{{x}} = {x.data:>6.2f}')\nx.backward()") == ["{x} =   1.00"]


def test_calls_that_change_nothing_get_a_note_not_a_silent_drop() -> None:
    source = (
        "a = Value(2.0)\nb = a * a\nb.zero_grad()\nb.grad = 1.0\nb._backward()\ndraw_dot(b)\n"
        "b.data += -0.1 * b.grad\nb.backward()"
    )
    program = run(source)
    lines = program.console(program.trace())
    assert [(line["line"], line["kind"]) for line in lines] == [
        (3, "note"),
        (4, "note"),
        (5, "note"),
        (6, "note"),
        (7, "note"),
    ]
    assert "zero_grad" in lines[0]["text"] and "draws the graph itself" in lines[3]["text"]


def test_imports_of_micrograd_and_of_the_engine_are_accepted() -> None:
    source = "from micrograd.engine import Value\nfrom micrograd import nn\nimport micrograd.engine as mg\n"
    assert run(source + "from engine import Value\nx = Value(2.0)").output.data == 2.0


def test_e_and_pi_may_be_assigned_and_then_shadow_the_constants() -> None:
    assert run("e = 2\nf = e * pi").output.data == pytest.approx(2 * np.pi)
    assert run("f = e * 1").output.data == pytest.approx(np.e)


def test_augmented_assignment_makes_a_new_node_as_micrograd_does() -> None:
    document = run("c = Value(1.0)\nc += c + 1").trace().to_dict()
    assert [node["op"] for node in document["nodes"]].count("add") == 2
    assert document["nodes"][document["output"]]["value"] == 3.0


def test_statements_separated_by_semicolons_are_statements() -> None:
    assert run("a = 1; b = 2; f = a * b;").output.data == 2.0


def test_a_value_inside_a_formula_is_a_number() -> None:
    assert run("x = Value(2.0)\nf = x * Value(3.0)").output.data == 6.0


HOSTILE = [
    ("import numpy as np", "unknown-import", 1, 8),
    ("from os import system", "unknown-import", 1, 6),
    ("x = Value(1.0, label='" + "x" * 41 + "')", "label-too-long", 1, 22),
    ("x = Value(1.0)\nx.label = '" + "y" * 300 + "'", "string-too-long", 2, 11),
    ("x = Value(1.0)\nx.label = 42", "bad-label", 2, 11),
    ("x = Value(1.0)\nprint(y.grad)", "undefined-name", 2, 7),
    ("x = Value(1.0)\nprint(f'{y.data:.4f}')", "undefined-name", 2, 10),
    ("x = Value(1.0)\nprint(x.secret)", "unknown-attribute", 2, 7),
    ("x = Value(1.0)\nprint(x.data + 1)", "syntax", 2, 7),
    ("x = Value(1.0)\nprint(f'{x.data:>1000000}')", "bad-format", 2, 10),
    ("x = Value(1.0)\nprint(f'{x.data:.999f}')", "bad-format", 2, 10),
    ("x = Value(1.0)\ny = x * 2\nprint(f'{x.grad:.4}')\ny.backward()", "bad-format", 3, 10),
    ("x = Value(1.0)\ny = x * 2\ny.backward()\nprint(f'{y.grad:#.3}')", "bad-format", 4, 10),
    ("x = Value(1.0)\nprint(f'{x.data:{x}}')", "syntax", 2, 17),
    ("x = Value(1.0)\nprint(f'{x.data!r}')", "syntax", 2, 16),
    ("x = Value(1.0)\nprint(f'{x.data')", "syntax", 2, 9),
    ("x = Value(1.0)\nprint('open", "unclosed-string", 2, 7),
    ("x = Value(1.0, label='a\u202eb')", "invisible-character", 1, 24),
    ("x = Value(1.0)\ny = x" + ".relu()" * 64, "too-deep", 2, 448),
    ("x = Value(1.0)\ny = x.frobnicate()", "unknown-method", 2, 5),
    ("x = Value(1.0)\ny = x.data * 2", "syntax", 2, 5),
    ("x = Value(1.0)\ny = x.backward() + 1", "syntax", 2, 5),
    ("x = Value(1.0)\nx.backward()\nx.backward()", "second-backward", 3, 1),
    ("x = Value(y)", "wrong-arguments", 1, 5),
    ("x = Value(1.0, _op='+')", "wrong-arguments", 1, 5),
    ("x = Value(1.0)\nx.shape = 2", "unknown-attribute", 2, 1),
    ("x = Value(1.0)\nprint(x, sep='')", "wrong-arguments", 2, 14),
    ("print = 3", "function-reassigned", 1, 1),
    ("x = 'text'", "syntax", 1, 5),
    ("x = Value(1.0)\ny = print(x)", "syntax", 2, 5),
]


@pytest.mark.parametrize(("source", "kind", "line", "column"), HOSTILE, ids=[h[1] for h in HOSTILE])
def test_hostile_micrograd_code_gets_a_positioned_error(source: str, kind: str, line: int, column: int) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        run(source)
    assert time.perf_counter() - started < 5.0  # "no hang", not a speed test
    assert (caught.value.kind, caught.value.line, caught.value.column) == (kind, line, column), caught.value.message


def test_labels_with_markup_are_kept_as_text() -> None:
    document = run("x = Value(1.0, label='<b>x</b>')\ny = x * 2\ny.backward()").trace().to_dict()
    assert document["nodes"][0]["label"] == "<b>x</b>"


def test_the_console_of_a_program_full_of_prints_stays_bounded() -> None:
    source = "x = Value(1.0)\n" + "print(f'{x.data:>40}{x.data:>40}{x.data:>40}{x.data:>40}{x.data:>40}')\n" * 105
    text = console(source)
    assert sum(len(line) for line in text) <= 20_100
    assert text[-1].endswith("more lines are not shown")
