"""engine/ imports only the standard library and numpy; app/ may import engine/, never the reverse."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"


def imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_engine_imports_only_the_standard_library_and_numpy() -> None:
    files = sorted(ENGINE.rglob("*.py"))
    assert files
    for path in files:
        foreign = imported_top_level_modules(path) - set(sys.stdlib_module_names) - {"numpy", "__future__"}
        assert not foreign, f"{path.name} imports {sorted(foreign)}"


def test_engine_never_calls_pythons_evaluator() -> None:
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {
            node.func.id for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
        }
        assert not calls & {"eval", "exec", "compile", "__import__"}, path.name
