"""The engine reads no environment: limits are passed in by whoever runs a program."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.lang import DEFAULT_LIMITS, Limits, SourceError, run

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def test_no_engine_module_reads_the_environment() -> None:
    for path in ENGINE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
                pytest.fail(f"{path.relative_to(ENGINE.parent)} reads the environment")


def test_limits_are_whatever_the_caller_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_MAX_NODES", "2")  # not the engine's business
    assert run("x = 1\ny = x + x + x\n").output.data == 3.0
    assert DEFAULT_LIMITS == Limits()
    with pytest.raises(SourceError) as caught:
        run("x = 1\ny = x + x + x\n", limits=Limits(max_nodes=2))
    assert caught.value.kind == "too-many-nodes"
