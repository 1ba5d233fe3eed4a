"""One Playground-style training run: a dataset split from a seed, chosen input features, a tensor MLP
with one output, and mini-batch SGD with L2 weight decay, trained epoch by epoch.

Classification: the output is a logit z, the prediction σ(z), the loss binary cross-entropy on 0/1
labels. Regression: the output is the prediction itself, the loss the squared error. Either way the
loss is the mean over the points it is taken on, and the loss reported is the data loss (no L2 term).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .datasets import CLASSIFICATION, features, make, split
from .losses import mse
from .nn import TensorMLP
from .tensor import Tensor
from .train import SGD, Epoch, epoch, logistic_loss


@dataclass(frozen=True)
class Config:
    """Everything that decides a run; the same config gives the same numbers."""

    dataset: str = "circle"
    points: int = 200
    seed: int = 0
    noise: float = 0.0
    test_ratio: float = 0.5
    features: tuple[str, ...] = ("x1", "x2")
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    lr: float = 0.03
    l2: float = 0.0
    batch: int = 10


class Run:
    """The data, the model and the optimizer of one run, and how far it has trained."""

    def __init__(self, config: Config) -> None:
        self.config = config
        (self.train_points, self.train_y), (self.test_points, self.test_y) = split(
            make(config.dataset, config.points, config.seed, config.noise), config.test_ratio, config.seed
        )
        self.train_x = features(self.train_points, config.features)
        self.test_x = features(self.test_points, config.features)
        self.classify = config.dataset in CLASSIFICATION
        self.reset()

    @property
    def sizes(self) -> list[int]:
        """Units per layer, inputs and output included: [features, *hidden, 1]."""
        return [len(self.config.features), *self.config.hidden, 1]

    def reset(self) -> None:
        """Fresh weights from the seed; epoch 0."""
        rng = np.random.default_rng(self.config.seed)
        self.model = TensorMLP(self.sizes[0], self.sizes[1:], self.config.activation, rng)
        self.optimizer = SGD(self.model.parameters(), lr=self.config.lr)
        self.shuffle = np.random.default_rng([self.config.seed, 2])  # its own stream: batches, not weights
        self.epoch = self.step = 0
        self.stopped: str | None = None

    def change(self, **settings: Any) -> None:
        """Change lr, l2, batch or activation from the next step on, keeping the weights."""
        self.config = replace(self.config, **settings)
        self.optimizer.lr = self.config.lr
        self.model.set_activation(self.config.activation)

    def loss(self, output: Tensor, targets: np.ndarray) -> Tensor:
        """The training loss of these outputs: cross-entropy on logits, or squared error."""
        return logistic_loss(output, targets) if self.classify else mse(output, targets)

    def train_epoch(self) -> Epoch:
        """One pass over the shuffled training points in mini-batches; a non-finite loss stops the run."""
        x, y = self.train_x, self.train_y
        batch = min(self.config.batch, len(x))
        with np.errstate(all="ignore"):
            done = epoch(
                lambda rows: self.loss(self.model(x[rows]), y[rows]),
                self.optimizer,
                len(x),
                batch,
                self.shuffle,
                self.config.l2,
                self.model.weights(),
            )
        self.step += done.steps
        if done.stopped:
            self.stopped = f"{done.stopped} in epoch {self.epoch + 1}: lower the learning rate and reset"
        else:
            self.epoch += 1
        return done

    def layers_on(self, inputs: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's outputs and the network's output on these inputs (already featured)."""
        outputs, h = [], inputs
        with np.errstate(all="ignore"):
            for layer in self.model.layers:
                h = layer(h).data
                outputs.append(h)
        return outputs

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float | None]:
        """The data loss on (x, y), and the accuracy for classification (z > 0 means class 1)."""
        out = self.layers_on(x)[-1]
        with np.errstate(all="ignore"):
            value = float(self.loss(Tensor(out), y).data)
        accuracy = float(np.mean((out > 0) == (y > 0.5))) if self.classify else None
        return value, accuracy


def prediction(output: np.ndarray, classify: bool) -> np.ndarray:
    """What the output means: σ(z), the probability of class 1, or the regression value itself."""
    if not classify:
        return output
    with np.errstate(over="ignore"):
        probability: np.ndarray = 1 / (1 + np.exp(-output))
    return probability
