"""Training: the XOR network learns from a fixed seed; an update is exactly w − lr·grad; blow-ups stop."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Value, mse
from engine.datasets import DATASETS, make
from engine.nn import TensorMLP
from engine.train import SGD, train


def test_xor_network_reaches_full_accuracy_within_600_steps_from_seed_0() -> None:
    x, y = make("xor", 100, seed=0)
    model = TensorMLP(2, [16, 16, 1], activation="tanh", rng=np.random.default_rng(0))
    history = train(lambda: mse(model(x), y), SGD(model.parameters(), lr=0.1, momentum=0.9), steps=600)
    accuracy = float(np.mean((model(x).data > 0.5) == (y > 0.5)))
    assert history.stopped is None
    assert accuracy == 1.0
    assert history.losses[-1] < history.losses[0] / 10


def test_one_manual_update_equals_the_optimizers_update() -> None:
    w = Value(0.5, name="w")
    x = Value(2.0)
    loss = (w * x - 3.0) ** 2
    loss.backward()
    expected = 0.5 - 0.1 * w.grad
    (update,) = SGD([w], lr=0.1).step()
    assert w.data == expected == update.new
    assert (update.old, update.grad, update.step) == (0.5, w.grad, 0.1 * w.grad)


def test_momentum_accumulates_velocity() -> None:
    w = Value(1.0)
    optimizer = SGD([w], lr=0.1, momentum=0.5)
    for _ in range(2):
        optimizer.zero_grad()
        (w * 1.0).backward()  # gradient 1 each time
        optimizer.step()
    assert w.data == pytest.approx(1.0 - 0.1 * 1.0 - 0.1 * 1.5, rel=1e-15)


def test_training_stops_at_the_first_non_finite_loss_and_says_where() -> None:
    w = Value(3.0, name="w")
    history = train(lambda: (w * w).exp() ** 10, SGD([w], lr=10.0), steps=50)
    assert history.stopped is not None and "step" in history.stopped
    assert len(history.losses) < 50


@pytest.mark.parametrize("name", sorted(DATASETS))
def test_datasets_are_reproducible_from_their_seed(name: str) -> None:
    a, b = make(name, 60, seed=7), make(name, 60, seed=7)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert a[0].shape[0] == 60 and a[1].shape == (60, 1)
    assert not np.array_equal(a[0], make(name, 60, seed=8)[0])
