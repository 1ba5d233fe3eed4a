"""Training on the server (the engine is the one source of the numbers): programs and small networks."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine import cross_entropy, mse
from engine.datasets import CLASSIFICATION, DOMAIN, make, split
from engine.datasets import features as feature_columns
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
    noise: float = 0.0,
    test_ratio: float = 0.0,
    features: list[str] | None = None,
    l2: float = 0.0,
    batch: int | None = None,
) -> dict[str, Any]:
    """A tensor MLP on a generated dataset: its loss curve, accuracy, and the decision boundary (or the
    fitted surface) after each of `frames` equal stretches of training, to play back as it learned.

    Each step is one update on `batch` points (all of them when None), taken in shuffled epochs; L2 is
    weight decay on the weights; with a test_ratio, that share of the points is held out and scored."""
    names = features or ["x1", "x2"]
    raw = make(dataset, points, seed, noise)
    (x, y), test = split(raw, test_ratio, seed) if test_ratio > 0 else (raw, None)
    inputs = feature_columns(x, names)
    classify = dataset in CLASSIFICATION
    outputs = 2 if classify and loss == "cross_entropy" else 1
    sizes = [inputs.shape[1], *hidden, outputs]
    _check_network(sizes, points, steps, frames)
    model = TensorMLP(inputs.shape[1], [*hidden, outputs], activation=activation, rng=np.random.default_rng(seed))
    optimizer = SGD(model.parameters(), lr=lr, momentum=momentum)
    batches = _batches(len(inputs), batch or len(inputs), np.random.default_rng([seed, 2]))

    def objective() -> Any:
        rows = next(batches)
        out = model(inputs[rows])
        loss_node = cross_entropy(out, y[rows, 0].astype(int)) if outputs == 2 else mse(out, y[rows])
        for w in model.weights():  # weight decay: the gradient of l2·½Σw², added as backward() runs
            w.grad = l2 * w.data if l2 else None
        return loss_node

    losses: list[float] = []
    snapshots: list[dict[str, Any]] = []
    stopped = None
    with np.errstate(all="ignore"):
        for stretch in np.array_split(np.arange(steps), min(frames, steps)):
            history = train(objective, optimizer, len(stretch), record_params=False)
            losses += history.losses
            snapshots.append({"step": len(losses), **_picture(model, inputs, y, outputs, classify, names)})
            if history.stopped:
                stopped = history.stopped.replace(f"step {len(history.losses) - 1}", f"step {len(losses) - 1}")
                break
    result = {
        "losses": [v if math.isfinite(v) else str(v) for v in losses],
        "stopped": stopped,
        "parameters": sum((a + 1) * b for a, b in zip(sizes, sizes[1:])),
        "points": x.tolist(),
        "targets": y[:, 0].tolist(),
        "frames": snapshots,
        "accuracy": snapshots[-1].get("accuracy"),
        "programs": network_programs(model, inputs[0], activation, "softmax" if outputs == 2 else "linear", y[0, 0]),
    }
    if test is not None and classify:
        result["test_accuracy"] = _accuracy(model, feature_columns(test[0], names), test[1], outputs)
    return result


def _check_network(sizes: list[int], points: int, steps: int, frames: int) -> None:
    """Refuse networks over MAX_PARAMETERS, and runs over the work budget."""
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


def _batches(size: int, batch: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Index batches forever: each epoch a new shuffle (one batch of everything when batch ≥ size)."""
    while True:
        order = np.arange(size) if batch >= size else rng.permutation(size)
        for start in range(0, size, batch):
            yield order[start : start + batch]


def _accuracy(model: TensorMLP, inputs: np.ndarray, y: np.ndarray, outputs: int) -> float:
    prediction = model(inputs).data
    chosen = prediction.argmax(axis=1) if outputs == 2 else (prediction[:, 0] > 0.5).astype(int)
    return float(np.mean(chosen == y[:, 0].astype(int)))


def _picture(
    model: TensorMLP, inputs: np.ndarray, y: np.ndarray, outputs: int, classify: bool, names: list[str]
) -> dict[str, Any]:
    """What the model does now: accuracy (for classes) and its score on a grid over the domain."""
    picture: dict[str, Any] = {"boundary": _boundary(model, outputs, names)}
    if classify:
        picture["accuracy"] = _accuracy(model, inputs, y, outputs)
    return picture


def network_programs(
    model: TensorMLP, point: np.ndarray, activation: str, head: str = "linear", target: float | None = None
) -> dict[str, str]:
    """The trained network on one input point, written in the lab's language: as tensor ops (one node per
    matmul, bias and activation) and as scalar neurons with every weight and bias a trainable `param`
    input (one line per neuron under a `## layer` heading, so the graph folds by neuron and by layer)."""

    def number(v: float) -> str:
        return f"{v:.4g}"

    tensor = [f"x = [[{', '.join(number(v) for v in point)}]]"]
    last = len(model.layers) - 1
    for k, layer in enumerate(model.layers, start=1):
        weights, b = layer.W.data, layer.b.data
        rows = ", ".join("[" + ", ".join(number(v) for v in row) + "]" for row in weights)
        tensor.append(f"W{k} = [{rows}]")
        tensor.append(f"b{k} = [{', '.join(number(v) for v in b)}]")
        inner = f"{'x' if k == 1 else f'h{k - 1}'} @ W{k} + b{k}"
        tensor.append(f"h{k} = {inner}" if k - 1 == last else f"h{k} = {activation}({inner})")
    layers = [(layer.W.data, layer.b.data) for layer in model.layers]
    scalar = scalar_network(layers, point, activation, head, target)
    return {"tensor": "\n".join(tensor) + "\n", "scalar": scalar}


def scalar_network(
    layers: list[tuple[np.ndarray, np.ndarray]],
    point: np.ndarray,
    activation: str,
    head: str,
    target: float | None = None,
    tour: str | None = None,
) -> str:
    """A network as scalar neurons on one point: inputs `x1..xn`; `wL_I_J = param(…)` (layer L, from
    unit I of the layer below, to unit J) and `bL_J = param(…)`; hidden outputs `hL_J`; the output `out`
    (or `out1, out2` for a two-logit softmax). With a target, `y = …` and the loss on this point last:
    head "sigmoid" → binary cross-entropy of out = σ(z); "linear" → squared error; "softmax" → cross-entropy."""
    lines = [f"# tour: {tour}"] if tour else []
    lines += [f"x{i} = {_short(v)}" for i, v in enumerate(point, start=1)]
    if target is not None:
        lines.append(f"y = {_short(target)}")
    below = [f"x{i}" for i in range(1, len(point) + 1)]
    for k, (weights, biases) in enumerate(layers, start=1):
        output = k == len(layers)
        lines.append("## output" if output else f"## layer {k}")
        names = []
        for j in range(weights.shape[1]):
            name = (f"out{j + 1}" if weights.shape[1] > 1 else "out") if output else f"h{k}_{j + 1}"
            for i in range(weights.shape[0]):
                lines.append(f"w{k}_{i + 1}_{j + 1} = param({_short(weights[i, j])})")
            lines.append(f"b{k}_{j + 1} = param({_short(biases[j])})")
            body = " + ".join(f"w{k}_{i + 1}_{j + 1}*{below[i]}" for i in range(weights.shape[0])) + f" + b{k}_{j + 1}"
            function = (None if head in ("linear", "softmax") else head) if output else activation
            lines.append(f"{name} = {body}" if function in (None, "linear") else f"{name} = {function}({body})")
            names.append(name)
        below = names
    if target is not None:
        lines += ["## loss", f"L = {LOSS_LINES[head].format(y=int(target) + 1 if head == 'softmax' else 'y')}"]
    return "\n".join(lines) + "\n"


LOSS_LINES = {
    "sigmoid": "-(y*log(out) + (1 - y)*log(1 - out))",  # binary cross-entropy of out = σ(z)
    "linear": "(out - y)**2",  # squared error, as mse takes it on one point
    "softmax": "log(exp(out1) + exp(out2)) - out{y}",  # −log softmax(out)[y], y the class (1-based below)
}


def _short(v: float) -> str:
    """Four significant digits: enough to reproduce the network's numbers to ~1e-3, short enough to fit."""
    return f"{float(v):.4g}"


def _boundary(model: TensorMLP, outputs: int, names: list[str]) -> dict[str, Any]:
    """The model's class-1 score (or regression value) on a GRID × GRID grid over the domain."""
    xs = ys = np.linspace(*DOMAIN, GRID)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with np.errstate(all="ignore"):
        out = model(feature_columns(grid, names)).data
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
