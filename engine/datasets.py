"""Small 2-D classification sets and a 1-D regression set, made with numpy from a seed."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

Dataset = tuple[np.ndarray, np.ndarray]  # inputs (n, d), targets (n, 1)


def xor(n: int, rng: np.random.Generator) -> Dataset:
    """Points in the four quadrants; the label is 1 where the signs of x and y differ."""
    x = rng.uniform(-1, 1, (n, 2))
    x += 0.1 * np.sign(x)  # keep points off the axes, where the label flips
    return x, (np.sign(x[:, 0]) != np.sign(x[:, 1])).astype(float)[:, None]


def moons(n: int, rng: np.random.Generator) -> Dataset:
    """Two interleaving half circles with a little noise."""
    upper = n // 2
    t = rng.uniform(0, np.pi, n)
    x = np.where(
        np.arange(n)[:, None] < upper,
        np.stack([np.cos(t), np.sin(t)], axis=1),
        np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1),
    )
    x = x + rng.normal(0, 0.08, (n, 2)) - [0.5, 0.25]
    return x, (np.arange(n) >= upper).astype(float)[:, None]


def circles(n: int, rng: np.random.Generator) -> Dataset:
    """A small circle inside a large one."""
    t = rng.uniform(0, 2 * np.pi, n)
    inner = np.arange(n) % 2 == 0
    radius = np.where(inner, 0.45, 1.0) + rng.normal(0, 0.05, n)
    return np.stack([radius * np.cos(t), radius * np.sin(t)], axis=1), inner.astype(float)[:, None]


def spiral(n: int, rng: np.random.Generator) -> Dataset:
    """Two spiral arms winding around each other."""
    arm = np.arange(n) % 2
    r = np.linspace(0.1, 1.0, n) + rng.normal(0, 0.02, n)
    t = 3.5 * r + np.pi * arm
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1), arm.astype(float)[:, None]


def regression(n: int, rng: np.random.Generator) -> Dataset:
    """y = sin(3x) plus noise on x in [-1, 1]: a curve to fit."""
    x = np.sort(rng.uniform(-1, 1, n))[:, None]
    return x, np.sin(3 * x) + rng.normal(0, 0.05, (n, 1))


DATASETS: dict[str, Callable[[int, np.random.Generator], Dataset]] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "spiral": spiral,
    "regression": regression,
}


def make(name: str, n: int, seed: int) -> Dataset:
    """The named dataset with n points; the same seed gives the same points."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    return DATASETS[name](n, np.random.default_rng(seed))
