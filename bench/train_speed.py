"""Training speed: 1,000 steps of a tensor MLP(2, [16, 16, 1]) on 100 points, the way the server runs them."""

from __future__ import annotations

import numpy as np

from bench.report import Table, best_time, duration, verdict
from engine import mse
from engine.datasets import make
from engine.nn import TensorMLP
from engine.train import SGD, train

GOAL_SECONDS = 1.0


def thousand_steps() -> float:
    x, y = make("xor", 100, seed=0)
    model = TensorMLP(2, [16, 16, 1], activation="tanh", rng=np.random.default_rng(0))
    history = train(lambda: mse(model(x), y), SGD(model.parameters(), lr=0.1, momentum=0.9), steps=1000)
    return history.losses[-1]


def run() -> list[Table]:
    table = Table("Training (best of repeats)", ["case", "time", "per step", "goal", "result"])
    seconds = best_time(thousand_steps, repeats=3)
    table.rows.append(["1,000 SGD steps, TensorMLP(2, [16, 16, 1]), 100 XOR points, loss history kept",
                       duration(seconds), duration(seconds / 1000), f"< {GOAL_SECONDS:g} s",
                       verdict(seconds < GOAL_SECONDS)])
    return [table]
