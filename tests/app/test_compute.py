"""The worker-process pool: results and the language's errors come back intact."""

from __future__ import annotations

import asyncio

import pytest

from app import compute
from app.service import build_trace
from engine.lang import SourceError


def test_traces_and_source_errors_cross_the_process_boundary(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKPROP_COMPUTE_WORKERS", "1")
    try:
        result = asyncio.run(compute.compute(build_trace, "x = 3\nf = x * x", {}, None, None))
        assert result["trace"]["nodes"][-1]["value"] == 9
        with pytest.raises(SourceError) as caught:
            asyncio.run(compute.compute(build_trace, "x = 3\nf = x *", {}, None, None))
        assert (caught.value.kind, caught.value.line, caught.value.column) == ("syntax", 2, 8)
    finally:
        compute.shutdown()
