"""Every op agrees with PyTorch float64 reference vectors, values and gradients, to ~1e-12."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.engine.reference.adapters import EngineOps
from tests.engine.reference.cases import ALL_CASES

VECTORS = json.loads((Path(__file__).parent / "reference" / "vectors.json").read_text())["cases"]


def test_every_case_has_a_reference_vector() -> None:
    assert set(VECTORS) == set(ALL_CASES)


@pytest.mark.parametrize("name", sorted(ALL_CASES))
def test_values_and_gradients_match_pytorch_float64(name: str) -> None:
    case, expected = ALL_CASES[name], VECTORS[name]
    leaves = [EngineOps.leaf(x, case.tensor) for x in expected["inputs"]]
    out = case.function(EngineOps, *leaves)
    out.backward()
    np.testing.assert_allclose(EngineOps.value(out), expected["value"], rtol=1e-12, atol=1e-13)
    for leaf, grad in zip(leaves, expected["grads"]):
        np.testing.assert_allclose(EngineOps.grad(leaf), grad, rtol=1e-11, atol=1e-13)
