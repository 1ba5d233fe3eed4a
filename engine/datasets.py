"""TensorFlow Playground's datasets, made with numpy from a seed: points in [-6, 6]², a noise level, a split.

Classification sets have labels 0/1: `circle`, `xor`, `gauss` (two Gaussian blobs), `spiral` (two arms
of 1.75 turns) and `moons`; `regression` is Playground's plane, a target of (x₁ + x₂) / 10 in [-1.2, 1.2].
`noise` runs from 0 to 0.5, as Playground's 0–50 does, and means what it means there for each set.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Dataset = tuple[np.ndarray, np.ndarray]  # inputs (n, 2), targets (n, 1)
DOMAIN = (-6.0, 6.0)  # every point lies in DOMAIN², the square the pictures are drawn on
RADIUS = 5.0  # how far from the centre the sets reach, as in Playground


def _labelled(x: np.ndarray, label: np.ndarray) -> Dataset:
    return np.clip(x, *DOMAIN), label.astype(float)[:, None]


def circle(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """A disc of class 1 (radius ≤ 2.5) inside a ring of class 0 (radius 3.5–5). Noise moves the point the
    label is judged at, so labels near the gap flip, as in Playground."""
    inner = np.arange(n) < n // 2
    r = np.where(inner, rng.uniform(0, RADIUS * 0.5, n), rng.uniform(RADIUS * 0.7, RADIUS, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    x = np.stack([r * np.sin(angle), r * np.cos(angle)], axis=1)
    judged = x + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return _labelled(x, np.hypot(judged[:, 0], judged[:, 1]) < RADIUS * 0.5)


def xor(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """Points in the four quadrants, kept 0.3 off the axes; class 1 where the signs of x₁ and x₂ differ."""
    x = rng.uniform(-RADIUS, RADIUS, (n, 2))
    x += np.where(x > 0, 0.3, -0.3)
    judged = x + rng.uniform(-RADIUS, RADIUS, (n, 2)) * noise
    return _labelled(x, judged[:, 0] * judged[:, 1] < 0)


def gauss(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """Two Gaussian blobs at (2, 2) (class 1) and (-2, -2) (class 0); noise widens them (variance 0.5 → 4)."""
    positive = np.arange(n) < n // 2
    variance = 0.5 + 7 * noise  # Playground's scale: noise 0..0.5 → variance 0.5..4
    centre = np.where(positive[:, None], 2.0, -2.0)
    return _labelled(centre + rng.normal(0, np.sqrt(variance), (n, 2)), positive)


def spiral(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """Two arms, each turning 1.75 times as its radius grows from 0 to 5; point k of an arm's m points
    sits at a random place in the k-th m-th of it, so points spread evenly along the arm (and the seed
    matters even without noise). Noise shifts each point by up to `noise` in each direction."""
    arm = np.arange(n) % 2  # alternate arms, so both have n/2 points (± 1)
    along = (np.arange(n) // 2 + rng.uniform(0, 1, n)) / max(1, (n + 1) // 2)
    r = along * RADIUS
    t = 1.75 * 2 * np.pi * along + np.pi * arm
    x = np.stack([r * np.sin(t), r * np.cos(t)], axis=1) + rng.uniform(-1, 1, (n, 2)) * noise
    return _labelled(x, arm == 0)


def moons(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """Two interleaving half circles (class 0 above, class 1 below), scaled to the domain; noise is a
    Gaussian jitter of up to a third of the radius."""
    lower = np.arange(n) >= n // 2
    t = rng.uniform(0, np.pi, n)
    x = np.where(
        lower[:, None],
        np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1),
        np.stack([np.cos(t), np.sin(t)], axis=1),
    )
    x = (x - [0.5, 0.25]) * 3.0 + rng.normal(0, 0.2 + 2 * noise, (n, 2))
    return _labelled(x, lower)


def regression(n: int, rng: np.random.Generator, noise: float = 0.0) -> Dataset:
    """Playground's plane: the target is (x₁ + x₂) / 10 at a point moved by noise, on x uniform in [-6, 6]²."""
    x = rng.uniform(*DOMAIN, (n, 2))
    judged = x + rng.uniform(*DOMAIN, (n, 2)) * noise
    return x, ((judged[:, 0] + judged[:, 1]) / 10)[:, None]


DATASETS: dict[str, Callable[[int, np.random.Generator, float], Dataset]] = {
    "circle": circle,
    "xor": xor,
    "gauss": gauss,
    "spiral": spiral,
    "moons": moons,
    "regression": regression,
}
CLASSIFICATION = ("circle", "xor", "gauss", "spiral", "moons")


def make(name: str, n: int, seed: int, noise: float = 0.0) -> Dataset:
    """The named dataset with n points; the same seed (and noise) gives the same points."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    if not 0 <= noise <= 0.5:
        raise ValueError("noise runs from 0 to 0.5")
    return DATASETS[name](n, np.random.default_rng(seed), noise)


def split(data: Dataset, test_ratio: float, seed: int) -> tuple[Dataset, Dataset]:
    """Shuffle with the seed, then hold out round(n · test_ratio) points for testing (at least one on each
    side): the same seed gives the same split."""
    x, y = data
    n = len(x)
    held = min(n - 1, max(1, round(n * test_ratio)))
    order = np.random.default_rng([seed, 1]).permutation(n)  # a stream of its own: the points stay put
    test, train = order[:held], order[held:]
    return (x[train], y[train]), (x[test], y[test])


# Input features, as Playground offers them: each a function of the point (x₁, x₂)
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1sq": lambda x: x[:, 0] ** 2,
    "x2sq": lambda x: x[:, 1] ** 2,
    "x1x2": lambda x: x[:, 0] * x[:, 1],
    "sin1": lambda x: np.sin(x[:, 0]),
    "sin2": lambda x: np.sin(x[:, 1]),
}


def features(x: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """The chosen features of each point, one column per name, in the order given: (n, len(names))."""
    unknown = [name for name in names if name not in FEATURES]
    if unknown or not names:
        raise ValueError(f"choose features among {', '.join(FEATURES)}")
    return np.stack([FEATURES[name](x) for name in names], axis=1)
