"""Property tests: any text parses or raises SourceError quickly; generated programs match engine code."""

from __future__ import annotations

import math
import time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine import Value
from engine.lang import SourceError, run

ALPHABET = st.sampled_from(list("xyz019.e+-*/()@[],=#\n _") + ["**", "exp(", "max(", "pi", "\u2212", "ｅ"])


@given(st.lists(ALPHABET, max_size=80).map("".join))
def test_any_text_either_runs_or_raises_a_positioned_source_error(text: str) -> None:
    started = time.perf_counter()
    try:
        program = run(text)
        program.trace().to_dict()
    except SourceError as error:
        lines = text.replace("\r\n", "\n").split("\n")
        assert 1 <= error.line <= len(lines) + 1
        assert error.column >= 1
    assert time.perf_counter() - started < 3.0  # "no hang"; speed is measured in the benchmarks


@given(st.text(max_size=200))
def test_arbitrary_unicode_never_escapes_as_another_exception(text: str) -> None:
    try:
        run(text)
    except SourceError:
        pass


UNARY = ["exp", "tanh", "sin", "cos", "sigmoid", "relu", "abs"]
BINARY = ["+", "-", "*"]


def expressions() -> st.SearchStrategy[Any]:
    return st.recursive(
        st.sampled_from(["x", "y", "2", "0.5"]),
        lambda inner: st.one_of(
            st.tuples(st.sampled_from(UNARY), inner),
            st.tuples(st.sampled_from(BINARY), inner, inner),
            st.tuples(st.just("max"), inner, inner),
        ),
        max_leaves=10,
    )


def as_source(tree: Any) -> str:
    if isinstance(tree, str):
        return tree
    if tree[0] == "max":
        return f"max({as_source(tree[1])}, {as_source(tree[2])})"
    if len(tree) == 2:
        return f"{tree[0]}({as_source(tree[1])})"
    return f"({as_source(tree[1])} {tree[0]} {as_source(tree[2])})"


def as_engine(tree: Any, env: dict[str, Value]) -> Value:
    if isinstance(tree, str):
        return env[tree] if tree in env else Value(float(tree))
    if tree[0] == "max":
        return as_engine(tree[1], env).max(as_engine(tree[2], env))
    if len(tree) == 2:
        return getattr(as_engine(tree[1], env), tree[0])()
    a, b = as_engine(tree[1], env), as_engine(tree[2], env)
    return {"+": a + b, "-": a - b, "*": a * b}[tree[0]]


@given(expressions(), st.floats(-3, 3), st.floats(-3, 3))
def test_generated_programs_give_the_same_numbers_as_engine_code(tree: Any, x: float, y: float) -> None:
    program = run(f"x = 1\ny = 1\nf = {as_source(tree)}", {"x": x, "y": y})
    env = {"x": Value(x), "y": Value(y)}
    expected = as_engine(tree, env)
    expected.backward()
    assert program.output.data == expected.data or (math.isnan(program.output.data) and math.isnan(expected.data))
    document = program.trace().to_dict()
    grads = {node["name"]: node["grad"] for node in document["nodes"] if node.get("op") == "leaf"}
    assert grads.get("x", 0.0) == env["x"].grad
    assert grads.get("y", 0.0) == env["y"].grad
