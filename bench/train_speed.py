"""Training speed: 1,000 steps of a tensor MLP(2, [16, 16, 1]) on 100 points, the way the server runs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from app.presets import BY_ID
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


REQUEST_GOAL = 0.3


def train_request(client: Any, path: str, body: dict[str, object]) -> Callable[[], object]:
    return lambda: client.post(path, json=body).raise_for_status()


def run() -> list[Table]:
    table = Table("Training (best of repeats)", ["case", "time", "per step", "goal", "result"])
    seconds = best_time(thousand_steps, repeats=3)
    table.rows.append(
        [
            "1,000 SGD steps, TensorMLP(2, [16, 16, 1]), 100 XOR points, loss history kept",
            duration(seconds),
            duration(seconds / 1000),
            f"< {GOAL_SECONDS:g} s",
            verdict(seconds < GOAL_SECONDS),
        ]
    )
    requests = [
        (
            "POST /api/train, 200 steps of the sigmoid neuron",
            "/api/train",
            {"source": BY_ID["sigmoid-neuron"].source, "lr": 0.5, "steps": 200},
        ),
        (
            "POST /api/network, 200 steps of MLP(2, [16, 16, 1]) on XOR, 10 frames",
            "/api/network",
            {"dataset": "xor", "steps": 200},
        ),
    ]
    from fastapi.testclient import TestClient

    from app.main import app

    with TestClient(app) as client:  # with its lifespan: the compute pool the routes run on
        for name, path, body in requests:
            seconds = best_time(train_request(client, path, body), repeats=5)
            table.rows.append(
                [
                    name,
                    duration(seconds),
                    duration(seconds / 200),
                    f"< {REQUEST_GOAL * 1000:g} ms",
                    verdict(seconds < REQUEST_GOAL),
                ]
            )
    table.notes.append("requests go through the app in-process (no network) and its worker pool")
    return [table]
