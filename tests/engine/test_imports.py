"""engine/ imports only the standard library and numpy; app/ may import engine/, never the reverse; engine's
modules import each other at the top, never in a cycle."""

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


def module_name(path: Path) -> str:
    parts = path.relative_to(ENGINE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def engine_imports(path: Path, tree: ast.Module) -> list[tuple[ast.ImportFrom, str]]:
    """Each relative import in `tree` (parsed from `path`), with the engine module it names
    (`from . import numeric` names engine.numeric, not the package it is found in)."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    modules = {module_name(p) for p in ENGINE.rglob("*.py")}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            named = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in modules]
            found.extend((node, target) for target in (named or [base]))
    return found


def test_engine_modules_import_each_other_at_the_top_of_the_file() -> None:
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node, target in engine_imports(path, tree):
            assert any(node is statement for statement in tree.body), f"{path.name} imports {target} inside a block"


def test_engine_modules_import_each_other_without_a_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for path in ENGINE.rglob("*.py"):
        imported = engine_imports(path, ast.parse(path.read_text(encoding="utf-8")))
        graph[module_name(path)] = {target for _, target in imported} - {module_name(path)}
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        assert module not in path, f"import cycle: {' -> '.join(path[path.index(module) :] + [module])}"
        if module in done:
            return
        for target in sorted(graph.get(module, ())):
            visit(target, path + [module])
        done.add(module)

    for module in sorted(graph):
        visit(module, [])
