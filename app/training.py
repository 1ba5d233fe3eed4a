"""Training on the server (the engine is the one source of the numbers): programs and small networks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import cross_entropy, mse
from engine.datasets import make
from engine.gradcheck import gradcheck
from engine.lang import SourceError, run
from engine.nn import TensorMLP
from engine.train import SGD, train

from .service import encode
from .settings import SETTINGS

MAX_PARAMETERS = 10_000
GRID = 40  # the decision boundary is sampled on GRID × GRID points
MAX_RECORDED = 200  # steps whose parameters and gradients a training run sends back, evenly spread
MAX_RECORDED_SIZE = 16  # a parameter with more numbers than this has no trajectory, only its final value


def check_work(what: str, runs: int, per_run: int, hint: str) -> None:
    """Refuse work whose estimate passes the budget of one request (BACKPROP_MAX_TRAIN_WORK, in ns)."""
    total, limit = runs * per_run, SETTINGS.max_train_work
    if total > limit:
        most = max(0, limit // max(1, per_run))
        raise SourceError(
            "too-much-work",
            f"{what} needs about {total / 1e9:.1f} s of computing; one request may "
            f"use {limit / 1e9:.1f} s. {hint.format(most=most)}",
            1,
            1,
        )


def recorded_steps(steps: int) -> list[int]:
    """At most MAX_RECORDED step indices from 0 to steps - 1, evenly spread, both ends included."""
    if steps <= MAX_RECORDED:
        return list(range(steps))
    return sorted({round(k * (steps - 1) / (MAX_RECORDED - 1)) for k in range(MAX_RECORDED)})


def train_program_json(*args: Any) -> bytes:
    return encode(train_program(*args)).encode()


def train_network_json(*args: Any) -> bytes:
    return encode(train_network(*args)).encode()


def check_gradients_json(*args: Any) -> bytes:
    return encode(check_gradients(*args)).encode()


def train_program(
    source: str,
    values: dict[str, Any],
    trainable: list[str] | None,
    lr: float,
    momentum: float,
    steps: int,
    zero_grad: bool = True,
) -> dict[str, Any]:
    """Gradient descent on a program's trainable inputs with the engine's SGD; its output is the loss.

    Each step rebuilds the program on the same parameter leaves, so backward() adds into their .grad
    exactly as the engine does: with zero_grad off, the gradients really pile up from step to step."""
    with np.errstate(all="ignore"):
        program = run(source, values, limits=SETTINGS.limits)
        names = trainable if trainable is not None else program.trainable
        _check_trainable(program, names)
        check_work(
            f"training this program for {steps:,} steps",
            steps,
            program.work,
            "Ask for at most {most:,} steps, or make the program smaller.",
        )
        params = [program.inputs[name] for name in names]
        for name, leaf in zip(names, params):
            leaf.name = name
        reuse = dict(zip(names, params))
        rebuild = lambda: run(source, values, limits=SETTINGS.limits, reuse=reuse).output  # noqa: E731
        history = train(
            rebuild,
            SGD(params, lr=lr, momentum=momentum),
            steps,
            zero_grad=zero_grad,
            record=set(recorded_steps(steps)),
        )
    traced = [k for k, leaf in enumerate(params) if np.size(leaf.data) <= MAX_RECORDED_SIZE]
    recorded, trajectory, grads = list(history.recorded), [list(row) for row in history.params], history.grads
    if history.stopped and recorded and recorded[-1] != len(history.losses) - 1:  # keep the step it stopped at
        recorded.append(len(history.losses) - 1)
        trajectory.append([_plain(leaf.data) for leaf in params])
    return {
        "losses": [v if math.isfinite(v) else str(v) for v in history.losses],
        "recorded": recorded,
        "params": {names[k]: [_plain(row[k]) for row in trajectory] for k in traced},
        "grads": {names[k]: [_plain(row[k]) for row in grads] for k in traced},
        "final": {name: _plain(leaf.data) for name, leaf in zip(names, params)},
        "steps": len(history.losses),
        "stopped": history.stopped,
        "flagged": history.flagged,
        "trainable": names,
    }


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


def train_network(
    dataset: str,
    points: int,
    seed: int,
    hidden: list[int],
    activation: str,
    loss: str,
    lr: float,
    momentum: float,
    steps: int,
    frames: int = 10,
) -> dict[str, Any]:
    """A tensor MLP on a generated dataset: its loss curve, accuracy, and the decision boundary (or the
    fitted curve) after each of `frames` equal stretches of training, to play back as it learned."""
    x, y = make(dataset, points, seed)
    classify = dataset != "regression"
    outputs = 2 if classify and loss == "cross_entropy" else 1
    sizes = [x.shape[1], *hidden, outputs]
    count = sum((a + 1) * b for a, b in zip(sizes, sizes[1:]))
    if count > MAX_PARAMETERS:
        raise SourceError("too-large", f"this network has {count:,} parameters; the limit is {MAX_PARAMETERS:,}", 1, 1)
    # per step: each weight meets each point three times (forward, and both backward products), each
    # unit's output some ten elementwise ops; per frame: the boundary's GRID² points forward once
    per_step = 3 * points * count + 30 * 10 * points * sum(sizes[1:]) + 20_000 * 10 * len(sizes)
    per_frame = GRID * GRID * count + 30 * 10 * GRID * GRID * sum(sizes[1:])
    check_work(
        f"training this network for {steps:,} steps",
        1,
        steps * per_step + min(frames, steps) * per_frame,
        "Use fewer steps, points or hidden units.",
    )
    model = TensorMLP(x.shape[1], [*hidden, outputs], activation=activation, rng=np.random.default_rng(seed))
    labels = y[:, 0].astype(int)

    def objective() -> Any:
        out = model(x)
        return cross_entropy(out, labels) if outputs == 2 else mse(out, y)

    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    losses: list[float] = []
    snapshots: list[dict[str, Any]] = []
    stopped = None
    with np.errstate(all="ignore"):
        for stretch in np.array_split(np.arange(steps), min(frames, steps)):
            history = train(objective, optimizer, len(stretch), record_params=False)
            losses += history.losses
            snapshots.append({"step": len(losses), **_picture(model, x, y, outputs, classify)})
            if history.stopped:
                stopped = history.stopped.replace(f"step {len(history.losses) - 1}", f"step {len(losses) - 1}")
                break
    return {
        "losses": [v if math.isfinite(v) else str(v) for v in losses],
        "stopped": stopped,
        "parameters": count,
        "points": x.tolist(),
        "targets": y[:, 0].tolist(),
        "frames": snapshots,
        "accuracy": snapshots[-1].get("accuracy"),
        "programs": network_programs(model, x[0], activation),
    }


def _picture(model: TensorMLP, x: np.ndarray, y: np.ndarray, outputs: int, classify: bool) -> dict[str, Any]:
    """What the model does now: accuracy and boundary for classes, the fitted curve for regression."""
    prediction = model(x).data
    if not classify:
        grid = np.linspace(x.min(), x.max(), 100)[:, None]
        return {"fit": {"x": grid[:, 0].tolist(), "y": np.nan_to_num(model(grid).data[:, 0]).tolist()}}
    chosen = prediction.argmax(axis=1) if outputs == 2 else (prediction[:, 0] > 0.5).astype(int)
    return {"accuracy": float(np.mean(chosen == y[:, 0].astype(int))), "boundary": _boundary(model, x, outputs)}


def network_programs(model: TensorMLP, point: np.ndarray, activation: str) -> dict[str, str]:
    """The trained network on one input point, written in the lab's language: as tensor ops (one node per
    matmul, bias and activation) and as scalar neurons (one line per neuron under a `## layer` heading,
    so the graph folds by neuron and by layer)."""

    def number(v: float) -> str:
        return f"{v:.4g}"

    tensor = [f"x = [[{', '.join(number(v) for v in point)}]]"]
    scalar = [f"x{i} = {number(v)}" for i, v in enumerate(point)]
    previous = [f"x{i}" for i in range(len(point))]
    last = len(model.layers) - 1
    for k, layer in enumerate(model.layers, start=1):
        weights, b = layer.W.data, layer.b.data
        rows = ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in weights)
        tensor.append(f"W{k} = [{rows}]")
        tensor.append(f"b{k} = [{', '.join(number(v) for v in b)}]")
        inner = f"{'x' if k == 1 else f'h{k - 1}'} @ W{k} + b{k}"
        tensor.append(f"h{k} = {inner}" if k - 1 == last else f"h{k} = {activation}({inner})")
        names = []
        scalar.append(f"## layer {k}" if k - 1 != last else "## output")
        for j in range(weights.shape[1]):
            terms = " + ".join(f"{number(weights[i, j])}*{previous[i]}" for i in range(weights.shape[0]))
            body = f"{terms} + {number(b[j])}"
            name = f"h{k}_{j + 1}" if k - 1 != last else ("out" if weights.shape[1] == 1 else f"out{j + 1}")
            scalar.append(f"{name} = {body}" if k - 1 == last else f"{name} = {activation}({body})")
            names.append(name)
        previous = names
    return {"tensor": "\n".join(tensor) + "\n", "scalar": "\n".join(scalar) + "\n"}


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


def check_gradients(source: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    """Autograd against central finite differences (the engine's gradcheck) for every scalar input."""
    with np.errstate(all="ignore"):
        program = run(source, values, limits=SETTINGS.limits)
        names = [name for name, node in program.inputs.items() if np.ndim(node.data) == 0]
        check_work(
            f"checking {len(names)} inputs ({2 * len(names) + 1} runs of the program)",
            2 * len(names) + 1,
            program.work,
            "Check a smaller program, or one with fewer inputs.",
        )
        leaves = [program.inputs[name] for name in names]
        checks = gradcheck(
            lambda *given: run(source, values, limits=SETTINGS.limits, reuse=dict(zip(names, given))).output, leaves
        )
    rows = []
    for name, check in zip(names, checks):
        autograd, numeric = float(check.autograd), float(check.numeric)
        finite = math.isfinite(autograd) and math.isfinite(numeric)
        rows.append(
            {
                "name": name,
                "autograd": _json_number(autograd),
                "numeric": _json_number(numeric),
                "relative_error": check.relative_error if finite else None,
            }
        )
    return rows


def _json_number(x: float) -> float | str:
    return x if math.isfinite(x) else str(x)
