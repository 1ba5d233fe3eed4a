"""Regenerate vectors.json from PyTorch in float64: `python -m tests.engine.lang.micrograd.generate`.

Each program of programs.py is written here again by hand in PyTorch, so the reference is computed
independently of the lab's parser and engine. Needs torch (only here; the tests never import it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch

OUT = Path(__file__).with_name("vectors.json")
Numbers = dict[str, torch.Tensor]


def leaf(x: float) -> torch.Tensor:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


def readme() -> Numbers:
    a, b = leaf(-4.0), leaf(2.0)
    c = a + b
    d = a * b + b**3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + torch.relu(b + a))
    d = d + (3 * d + torch.relu(b - a))
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    return {"a": a, "b": b, "g": g}


def neuron() -> Numbers:
    x1, x2, w1, w2 = leaf(2.0), leaf(0.0), leaf(-3.0), leaf(1.0)
    b = leaf(6.8813735870195432)
    n = x1 * w1 + x2 * w2 + b
    n.retain_grad()
    o = torch.tanh(n)
    return {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "b": b, "n": n, "o": o}


def methods() -> Numbers:
    x, y = leaf(0.7), leaf(-1.3)
    f = torch.relu(x) + torch.relu(y) + torch.tanh(x) * torch.exp(y) + torch.log(x) - torch.sigmoid(y)
    return {"x": x, "y": y, "f": f}


def powers() -> Numbers:
    x = leaf(1.7)
    return {"x": x, "f": x**3 + x**-1 + x**0.5 - 2 * x**2}


def augmented() -> Numbers:
    a, b = leaf(1.5), leaf(-0.4)
    c = a + b
    c = c + a
    c = c - b * 2
    c = c * a
    c = c / (b + 3)
    return {"a": a, "b": b, "c": c}


def constants() -> Numbers:
    e, pi = leaf(1.5), leaf(0.5)
    return {"e": e, "pi": pi, "f": e * pi + e**2}


PROGRAMS: dict[str, Callable[[], Numbers]] = {
    "readme": readme,
    "neuron": neuron,
    "methods": methods,
    "powers": powers,
    "augmented": augmented,
    "constants": constants,
}


def vectors() -> dict[str, dict[str, dict[str, float]]]:
    found = {}
    for name, program in PROGRAMS.items():
        numbers = program()
        output = list(numbers.values())[-1]
        output.backward()
        found[name] = {
            key: {"value": tensor.item(), "grad": 1.0 if tensor is output else float(tensor.grad)}
            for key, tensor in numbers.items()
        }
    return found


if __name__ == "__main__":
    document = {"source": f"torch {torch.__version__}, float64", "programs": vectors()}
    OUT.write_text(json.dumps(document, indent=1) + "\n")
