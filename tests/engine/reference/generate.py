"""Regenerate vectors.json from PyTorch in float64: `python -m tests.engine.reference.generate`.

Needs torch (only here; the tests read the committed vectors and never import torch).
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F  # noqa: N812

from tests.engine.reference.cases import ALL_CASES, Case

OUT = Path(__file__).with_name("vectors.json")
SEED = 20261128


class TorchOps:
    """The case interface on PyTorch float64 tensors."""

    relu, tanh, sigmoid, exp, log = torch.relu, torch.tanh, torch.sigmoid, torch.exp, torch.log
    sin, cos, sqrt, abs = torch.sin, torch.cos, torch.sqrt, torch.abs
    maximum, minimum = torch.maximum, torch.minimum

    @staticmethod
    def leaky_relu(x: Any, slope: float) -> Any:
        return F.leaky_relu(x, slope)

    @staticmethod
    def total(x: Any, axis: int | None = None) -> Any:
        return x.sum() if axis is None else x.sum(dim=axis)

    @staticmethod
    def average(x: Any, axis: int | None = None) -> Any:
        return x.mean() if axis is None else x.mean(dim=axis)

    @staticmethod
    def transpose(x: Any) -> Any:
        return x.T

    @staticmethod
    def softmax(x: Any) -> Any:
        return torch.softmax(x, dim=-1)

    @staticmethod
    def cross_entropy(logits: Any, targets: list[int]) -> Any:
        return F.cross_entropy(logits, torch.tensor(targets))

    @staticmethod
    def mse(a: Any, b: Any) -> Any:
        return F.mse_loss(a, b)


def run_case(case: Case, rng: np.random.Generator) -> dict[str, Any]:
    inputs = [rng.uniform(low, high, size=shape) for shape, (low, high) in case.inputs]
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = case.function(TorchOps, *leaves)
    out.sum().backward()
    return {
        "inputs": [x.tolist() for x in inputs],
        "value": out.detach().numpy().tolist(),
        "grads": [leaf.grad.numpy().tolist() for leaf in leaves],
    }


def case_rng(name: str) -> np.random.Generator:
    """Each case draws its inputs from a seed of its own, so adding a case leaves the others' vectors as they are."""
    return np.random.default_rng([SEED, zlib.crc32(name.encode())])


def main() -> None:
    vectors = {name: run_case(case, case_rng(name)) for name, case in ALL_CASES.items()}
    OUT.write_text(json.dumps({"source": f"torch {torch.__version__}, float64", "cases": vectors}, indent=1))
    print(f"wrote {len(vectors)} cases to {OUT.name}")


if __name__ == "__main__":
    main()
