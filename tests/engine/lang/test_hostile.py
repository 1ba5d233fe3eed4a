"""Every hostile input gets a SourceError of the right kind, at the right place, quickly."""

from __future__ import annotations

import time

import pytest

from engine.lang import Limits, SourceError, run

HOSTILE = [
    ("__import__('os').system('id')", "unknown-function", 1, 1),
    ("().__class__.__bases__", "syntax", 1, 2),
    ("'{0}'.format(x)", "syntax", 1, 1),
    ("ｅｖａｌ(1)", "unexpected-character", 1, 1),
    ("x = 1\nx\u202e+1", "invisible-character", 2, 2),
    ("x = 1\ny = x\u200b + 1", "invisible-character", 2, 6),
    ("x = 1\ny = \u2066x + 1", "invisible-character", 2, 5),
    ("(" * 100000 + "1" + ")" * 100000, "source-too-long", 1, 1),
    ("-" * 100000 + "1", "source-too-long", 1, 1),
    ("x+" * 5000 + "x", "source-too-long", 1, 1),
    ("x = 1\ny = " + "x+" * 3990 + "x", "too-many-nodes", 2, 5),
    ("a" * 20000, "source-too-long", 1, 1),
    ("9" * 5000, "number-too-long", 1, 1),
    ("0xfff", "unsupported-number", 1, 1),
    ("x = 2\ny = frobnicate(x)", "unknown-function", 2, 5),
    ("y = x * 2", "undefined-name", 1, 5),
    ("x = 1\ny = exp(x, x)", "wrong-arguments", 2, 5),
    ("x = 1\ny = max(x)", "wrong-arguments", 2, 5),
    ("x = 1\ny = leaky_relu(x)", "wrong-arguments", 2, 5),
    ("x = 1\ny = leaky_relu(x, x)", "wrong-arguments", 2, 19),
    ("x = 1\ny = leaky_relu(x, [0.1])", "wrong-arguments", 2, 19),
    ("", "empty-program", 1, 1),
    ("# only a comment\n\n   # and another\n", "empty-program", 1, 1),
    ("W = [[1, 2], [3]]", "ragged-array", 1, 14),
    ("x = [1, 2]\ny = [1, 2, 3]\nf = x @ y", "shape-mismatch", 3, 5),
    ("W = [[1, 2], [3, 4]]\nx = [1, 2, 3]\nf = W @ x", "shape-mismatch", 3, 5),
    ("x = 2\ny = 3\nf = x @ y", "needs-tensor", 3, 5),
    ("x = 2\nf = sum(x)", "needs-tensor", 2, 5),
    ("x = 1 +", "syntax", 1, 8),
    ("f = (1 + 2", "syntax", 1, 11),
    ("x = 2x", "malformed-number", 1, 6),
    ("exp = 2", "function-reassigned", 1, 1),
    ("x = 1\nx.y = 2", "unknown-attribute", 2, 1),
    ("x = 1; y = 2 +", "syntax", 1, 15),
    ("x = 1\ny = x = 2", "syntax", 2, 7),
]


@pytest.mark.parametrize(
    ("source", "kind", "line", "column"), HOSTILE, ids=[f"{i}-{h[1]}" for i, h in enumerate(HOSTILE)]
)
def test_hostile_input_gets_a_clear_error_at_its_position(source: str, kind: str, line: int, column: int) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        run(source)
    assert time.perf_counter() - started < 5.0  # "no hang", not a speed test: speed is for benchmarks
    error = caught.value
    assert (error.kind, error.line, error.column) == (kind, line, column), error.message
    assert error.message and str(error.line) in str(error)


def test_deep_nesting_within_the_length_limit_is_refused_at_the_65th_level() -> None:
    with pytest.raises(SourceError) as caught:
        run("(" * 100 + "1" + ")" * 100)
    assert (caught.value.kind, caught.value.column) == ("too-deep", 65)
    with pytest.raises(SourceError) as caught:
        run("-" * 100 + "1")
    assert caught.value.kind == "too-deep"


def test_long_names_are_refused_when_the_source_fits() -> None:
    with pytest.raises(SourceError) as caught:
        run("x" * 33 + " = 1")
    assert (caught.value.kind, caught.value.column) == ("name-too-long", 1)


def test_too_many_nodes_and_statements_each_have_their_own_message() -> None:
    with pytest.raises(SourceError) as caught:
        run("x = 1\ny = " + "x+" * 2500 + "x", limits=Limits(max_source_chars=20000))
    assert caught.value.kind == "too-many-nodes"
    with pytest.raises(SourceError) as caught:
        run("\n".join(f"x{i} = {i}" for i in range(201)))
    assert (caught.value.kind, caught.value.line) == ("too-many-statements", 201)


def test_tensor_results_over_the_element_limit_are_refused_before_computing() -> None:
    column = "[" + ", ".join(["[1]"] * 600) + "]"
    row = "[[" + ", ".join(["1"] * 600) + "]]"
    with pytest.raises(SourceError) as caught:
        run(f"a = {column}\nb = {row}\nf = a @ b")
    assert (caught.value.kind, caught.value.line) == ("too-large", 3)


def test_float_exponent_towers_overflow_to_flagged_inf_in_well_under_a_millisecond() -> None:
    started = time.perf_counter()
    program = run("f = 9**9**9")
    elapsed = time.perf_counter() - started
    document = program.trace().to_dict()
    assert document["nodes"][-1]["value"] == "inf"
    assert "nonfinite-value" in document["nodes"][-1]["flags"]
    assert elapsed < 1.0  # "no big-integer work"; the sub-millisecond figure is in bench/language_speed.py


@pytest.mark.parametrize("source", ["f = log(0)", "f = 1/0", "f = sqrt(-1)", "f = exp(1000)", "x = 0\nf = log(x) * x"])
def test_non_finite_results_are_flagged_never_raised(source: str) -> None:
    document = run(source).trace().to_dict()
    assert any("flags" in node for node in document["nodes"])


def test_program_text_never_reaches_pythons_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("user text reached Python's evaluator")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, refuse)
    run("x = 2\ny = 3\nf = exp(x) * y ** 2 - max(x, y) / pi")
