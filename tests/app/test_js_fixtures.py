"""The traces that tests/js plays back are the ones the engine records today (UPDATE_JS_FIXTURES=1 rewrites them)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

FIXTURES = sorted((Path(__file__).resolve().parents[1] / "js/fixtures").glob("*.json"))


@pytest.mark.parametrize("path", FIXTURES, ids=[path.stem for path in FIXTURES])
def test_each_js_fixture_is_the_trace_the_engine_records_for_its_program(client: TestClient, path: Path) -> None:
    fixture: dict[str, Any] = json.loads(path.read_text("utf-8"))
    trace = client.post("/api/trace", json={"source": fixture["source"]}).json()["trace"]
    if os.environ.get("UPDATE_JS_FIXTURES") == "1":
        fixture["trace"] = trace
        path.write_text(json.dumps(fixture, indent=1, ensure_ascii=False) + "\n", "utf-8")
    recorded = fixture["trace"]
    assert (recorded["kind"], recorded["nodes"], recorded["steps"]) == (trace["kind"], trace["nodes"], trace["steps"])
    # each op's entry as the engine writes it today (a fixture may carry fields that are newer than the engine's)
    assert {op: {k: recorded["ops"][op][k] for k in entry} for op, entry in trace["ops"].items()} == trace["ops"]
