"""Gradient descent: w ← w − lr·∂L/∂w (with optional momentum), one step or many, with its history."""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .node import Node
from .tensor import Tensor


@dataclass
class Update:
    """One parameter's update, with the numbers shown to students: new = old − lr × grad (+ momentum)."""

    name: str
    old: Any
    grad: Any
    step: Any
    new: Any


@dataclass
class SGD:
    """Plain gradient descent, or with momentum: v ← μ·v + g, w ← w − lr·v."""

    params: Sequence[Node]
    lr: float
    momentum: float = 0.0
    velocity: list[Any] = field(default_factory=list)

    def step(self) -> list[Update]:
        if not self.velocity:
            self.velocity = [np.zeros_like(p.data) if isinstance(p, Tensor) else 0.0 for p in self.params]
        updates = []
        for k, p in enumerate(self.params):
            grad = p.grad if p.grad is not None else 0.0
            self.velocity[k] = self.momentum * self.velocity[k] + grad
            step = self.lr * self.velocity[k]
            old = p.data.copy() if isinstance(p, Tensor) else p.data
            p.data = p.data - step
            updates.append(Update(p.name or f"p{k}", old, grad, step, p.data))
        return updates

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None if isinstance(p, Tensor) else 0.0


@dataclass
class History:
    """What a training run did: the loss before each step, the parameters and gradients of the recorded
    steps, and why it stopped (and at which node) if it stopped early."""

    losses: list[float] = field(default_factory=list)
    recorded: list[int] = field(default_factory=list)
    params: list[list[Any]] = field(default_factory=list)
    grads: list[list[Any]] = field(default_factory=list)
    stopped: str | None = None
    flagged: str | None = None


def train(
    loss_fn: Callable[[], Node],
    optimizer: SGD,
    steps: int,
    record_params: bool = True,
    zero_grad: bool = True,
    record: Container[int] | None = None,
) -> History:
    """Run `steps` steps of forward, backward, update; stop at the first non-finite loss or gradient.

    With zero_grad=False the gradients are zeroed once, before the first step, and then pile up from
    step to step as backward() adds into them: the classic forgotten-zero_grad bug, for real. With
    record_params, the parameters before each step are kept; `record` narrows that to the steps it
    names, and keeps their gradients as well.
    """
    history = History()
    for step in range(steps):
        if zero_grad or step == 0:
            optimizer.zero_grad()
        loss = loss_fn()
        value = float(np.sum(loss.data))
        history.losses.append(value)
        keep = record_params and (record is None or step in record)
        if keep:
            history.recorded.append(step)
            history.params.append([_plain(p.data) for p in optimizer.params])
        if not math.isfinite(value):
            history.stopped, history.flagged = f"the loss became {value} at step {step}", loss.name
            break
        loss.backward()
        bad = next((p for p in optimizer.params if not np.all(np.isfinite(p.grad))), None)
        if bad is not None:
            history.stopped = f"the gradient of {bad.name or 'a parameter'} became non-finite at step {step}"
            history.flagged = bad.name
            break
        if keep and record is not None:
            history.grads.append([_plain(p.grad) for p in optimizer.params])
        optimizer.step()
    return history


def _plain(data: Any) -> Any:
    return data.tolist() if isinstance(data, np.ndarray) else data


def logistic_loss(logits: Tensor, targets: np.ndarray) -> Tensor:
    """Mean binary cross-entropy of sigmoid(z) against 0/1 labels, −y·log σ(z) − (1−y)·log(1−σ(z)),
    written as max(z, 0) − z·y + log(1 + e^−|z|): the same number, without overflow for large |z|."""
    z: Any = logits  # relu, abs, exp and log are methods made from the op registry, unknown to type checkers
    loss: Tensor = (z.relu() - z * targets + (1 + (-z.abs()).exp()).log()).mean()
    return loss


@dataclass
class Epoch:
    """What one pass over the training set did: its updates, its mean mini-batch loss, and why it
    stopped early (a non-finite loss or gradient), if it did."""

    steps: int
    loss: float
    stopped: str | None = None


def epoch(
    loss_fn: Callable[[np.ndarray], Node],
    optimizer: SGD,
    size: int,
    batch: int,
    rng: np.random.Generator,
    l2: float = 0.0,
    weights: Sequence[Node] = (),
) -> Epoch:
    """One epoch of mini-batch SGD: shuffle the indices 0..size-1 with `rng`, then one step per batch of
    `batch` of them (the last may be smaller). `loss_fn(indices)` builds the loss of those points.

    L2 is applied as weight decay on `weights` (not biases): each one's gradient gains l2·w, which is the
    gradient of the term l2·½·Σw² added to the loss; the loss reported is the data loss alone."""
    order = rng.permutation(size)
    losses: list[float] = []
    for start in range(0, size, max(1, batch)):
        optimizer.zero_grad()
        loss = loss_fn(order[start : start + batch])
        value = float(np.sum(loss.data))
        if not math.isfinite(value):
            return Epoch(len(losses), _mean(losses), f"the loss became {value}")
        loss.backward()
        for w in weights:
            w.grad = (w.grad if w.grad is not None else 0.0) + l2 * w.data
        if not all(np.all(np.isfinite(p.grad)) for p in optimizer.params if p.grad is not None):
            return Epoch(len(losses), _mean(losses), "a gradient became non-finite")
        optimizer.step()
        losses.append(value)
    return Epoch(len(losses), _mean(losses))


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")
