"""A Playground run: the spiral needs depth, L2 shrinks weights, batches step as they should, and the
activation can change mid-run."""

from __future__ import annotations

import numpy as np

from engine.datasets import features, make, split
from engine.nn import TensorMLP
from engine.playground import Config, Run
from engine.train import SGD, epoch, logistic_loss


def spiral_test_accuracy(hidden: list[int], epochs: int) -> float:
    """Train on 70% of a 300-point spiral from seed 0 (x₁, x₂ only, ReLU, SGD with momentum)."""
    (train_x, train_y), (test_x, test_y) = split(make("spiral", 300, seed=0), 0.3, seed=0)
    model = TensorMLP(2, [*hidden, 1], activation="relu", rng=np.random.default_rng(0))
    optimizer, shuffle = SGD(model.parameters(), lr=0.01, momentum=0.9), np.random.default_rng(0)
    for _ in range(epochs):
        epoch(lambda rows: logistic_loss(model(train_x[rows]), train_y[rows]), optimizer, len(train_x), 10, shuffle)
    return float(np.mean((model(test_x).data > 0) == (test_y > 0.5)))


def test_the_spiral_needs_a_hidden_layer() -> None:
    assert spiral_test_accuracy([8, 8], 320) >= 0.9
    assert spiral_test_accuracy([], 100) <= 0.65


def test_l2_shrinks_the_weights() -> None:
    def weight_norm(l2: float) -> float:
        run = Run(Config(dataset="xor", hidden=(8, 8), lr=0.1, l2=l2))
        for _ in range(30):
            run.train_epoch()
        return sum(float(np.sum(w.data**2)) for w in run.model.weights())

    assert weight_norm(0.05) < 0.7 * weight_norm(0.0)


def test_an_epoch_takes_one_step_per_batch_and_the_loss_falls() -> None:
    run = Run(Config(dataset="circle", points=200, test_ratio=0.5, hidden=(4, 2), batch=30, lr=0.3))
    before, _ = run.evaluate(run.train_x, run.train_y)
    done = run.train_epoch()
    assert (run.epoch, run.step, done.steps) == (1, 4, 4)  # 100 points in batches of 30: 30+30+30+10
    for _ in range(100):
        run.train_epoch()
    after, accuracy = run.evaluate(run.train_x, run.train_y)
    assert after < before / 2 and accuracy is not None and accuracy > 0.9


def test_the_same_config_gives_the_same_weights_and_reset_starts_over() -> None:
    a, b = Run(Config(dataset="xor", seed=5)), Run(Config(dataset="xor", seed=5))
    first = [p.data.copy() for p in a.model.parameters()]
    for run in (a, b):
        for _ in range(3):
            run.train_epoch()
    assert all(np.array_equal(p.data, q.data) for p, q in zip(a.model.parameters(), b.model.parameters()))
    a.reset()
    assert a.epoch == a.step == 0
    assert all(np.array_equal(p.data, q) for p, q in zip(a.model.parameters(), first))


def test_features_and_activation_change_keep_the_weights() -> None:
    run = Run(Config(dataset="circle", features=("x1sq", "x2sq"), hidden=(3,)))
    assert run.train_x.shape[1] == 2 and run.sizes == [2, 3, 1]
    np.testing.assert_allclose(run.train_x, features(run.train_points, ["x1sq", "x2sq"]))
    weights = run.model.layers[0].W.data.copy()
    run.change(activation="relu", lr=0.5)
    assert run.model.layers[0].activation == "relu" and run.model.layers[-1].activation == "linear"
    assert run.optimizer.lr == 0.5 and np.array_equal(run.model.layers[0].W.data, weights)


def test_the_default_regression_run_ends_without_a_loss_spike() -> None:
    run = Run(Config(dataset="regression", hidden=(4, 2)))
    losses = []
    for _ in range(200):
        run.train_epoch()
        losses.append(run.evaluate(run.train_x, run.train_y)[0])
    assert run.stopped is None and losses[-1] < losses[0] / 5
    assert max(losses[-50:]) < 2 * min(losses[-50:])
