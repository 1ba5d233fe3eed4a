"""Training on the server (the engine is the one source of the numbers): programs and small networks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import cross_entropy, mse
from engine.datasets import make
from engine.lang import SourceError, run
from engine.nn import TensorMLP
from engine.train import SGD, train

MAX_PARAMETERS = 10_000
GRID = 40  # the decision boundary is sampled on GRID × GRID points


def _finite(x: Any) -> bool:
    return bool(np.all(np.isfinite(x)))


def train_program(source: str, values: dict[str, Any], trainable: list[str] | None, lr: float,
                  momentum: float, steps: int, zero_grad: bool = True) -> dict[str, Any]:
    """Gradient descent on a program's trainable inputs; its output is the loss."""
    with np.errstate(all="ignore"):
        program = run(source, values)
        names = trainable if trainable is not None else program.trainable
        _check_trainable(program, names)
        current = {name: _plain(program.inputs[name].data) for name in names}
        losses: list[float | str] = []
        trajectory: dict[str, list[Any]] = {name: [] for name in names}
        grads: dict[str, list[Any]] = {name: [] for name in names}
        velocity: dict[str, Any] = {name: 0.0 for name in names}
        piled: dict[str, Any] = {name: 0.0 for name in names}  # gradients never zeroed (the pitfall)
        stopped, flagged = None, None
        for step in range(steps):
            graph = run(source, {**values, **current})
            loss = float(graph.output.data)
            losses.append(loss if math.isfinite(loss) else str(loss))
            for name in names:
                trajectory[name].append(current[name])
            if not math.isfinite(loss):
                stopped, flagged = f"the loss became {loss} at step {step}", graph.output.name
                break
            graph.output.backward()
            step_grads = {name: np.asarray(graph.inputs[name].grad, dtype=float) for name in names}
            if not zero_grad:
                piled = {name: piled[name] + step_grads[name] for name in names}
                step_grads = dict(piled)
            bad = next((name for name, g in step_grads.items() if not _finite(g)), None)
            if bad is not None:
                stopped, flagged = f"the gradient of {bad} became non-finite at step {step}", bad
                break
            for name in names:
                grads[name].append(_plain(step_grads[name]))
                velocity[name] = momentum * np.asarray(velocity[name]) + step_grads[name]
                updated = np.asarray(current[name]) - lr * velocity[name]
                if not _finite(updated):
                    stopped, flagged = f"{name} became non-finite at step {step + 1}", name
                    break
                current[name] = _plain(updated)
            if stopped:
                break
    return {"losses": losses, "params": trajectory, "grads": grads, "final": current,
            "steps": len(losses), "stopped": stopped, "flagged": flagged, "trainable": names}


def _check_trainable(program: Any, names: list[str]) -> None:
    if not names:
        raise SourceError("no-trainable", "nothing to train: mark an input with param, as in w = param(0.5)", 1, 1)
    for name in names:
        if name not in program.inputs:
            raise SourceError("unknown-input", f"'{name[:40]}' is not an input of this program", 1, 1)
    if np.size(program.output.data) != 1:
        raise SourceError("not-scalar", "the last line is the loss, so it must be a single number", 1, 1)


def _plain(data: Any) -> Any:
    return float(data) if np.ndim(data) == 0 else np.asarray(data, dtype=float).tolist()


def train_network(dataset: str, points: int, seed: int, hidden: list[int], activation: str, loss: str,
                  lr: float, momentum: float, steps: int) -> dict[str, Any]:
    """A tensor MLP on a generated dataset: its loss curve, accuracy and decision boundary (or fit)."""
    x, y = make(dataset, points, seed)
    classify = dataset != "regression"
    outputs = 2 if classify and loss == "cross_entropy" else 1
    sizes = [x.shape[1], *hidden, outputs]
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise SourceError("too-large", f"this network has {count:,} parameters; the limit is {MAX_PARAMETERS:,}", 1, 1)
    model = TensorMLP(x.shape[1], [*hidden, outputs], activation=activation, rng=np.random.default_rng(seed))
    labels = y[:, 0].astype(int)

    def objective() -> Any:
        out = model(x)
        return cross_entropy(out, labels) if outputs == 2 else mse(out, y)

    with np.errstate(all="ignore"):
        history = train(objective, SGD(model.parameters(), lr=lr, momentum=momentum), steps, record_params=False)
        prediction = model(x).data
    result = {"losses": [v if math.isfinite(v) else str(v) for v in history.losses], "stopped": history.stopped,
              "parameters": count, "points": x.tolist(), "targets": y[:, 0].tolist()}
    if classify:
        chosen = prediction.argmax(axis=1) if outputs == 2 else (prediction[:, 0] > 0.5).astype(int)
        result["accuracy"] = float(np.mean(chosen == labels))
        result["boundary"] = _boundary(model, x, outputs)
    else:
        grid = np.linspace(x.min(), x.max(), 100)[:, None]
        result["fit"] = {"x": grid[:, 0].tolist(), "y": model(grid).data[:, 0].tolist()}
    return result


def _boundary(model: TensorMLP, x: np.ndarray, outputs: int) -> dict[str, Any]:
    """The model's class-1 score on a grid over the data, for a decision-boundary picture."""
    low, high = x.min(axis=0) - 0.2, x.max(axis=0) + 0.2
    xs, ys = np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        out = model(grid).data
    if outputs == 2:  # the probability of class 1
        shifted = np.exp(out - out.max(axis=1, keepdims=True))
        score = shifted[:, 1] / shifted.sum(axis=1)
    else:
        score = out[:, 0]
    return {"x": xs.tolist(), "y": ys.tolist(), "score": np.nan_to_num(score).reshape(GRID, GRID).tolist()}
