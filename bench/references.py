"""The comparison subjects: micrograd and PyTorch versions of the benchmarked programs, and numpy by hand."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from bench.report import optional
from engine.nn import MLP, TensorMLP

micrograd_engine = optional("micrograd.engine")
micrograd_nn = optional("micrograd.nn")
torch = optional("torch")


@contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Raise the recursion limit for the block: micrograd's topological sort recurses once per node."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(max(before, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


# -- micrograd --------------------------------------------------------------------------------------


def micrograd_tanh(v: Any) -> Any:
    """tanh written the way micrograd writes relu (its PyPI release has no tanh): a closure per node."""
    out = micrograd_engine.Value(math.tanh(v.data), (v,), "tanh")

    def _backward() -> None:
        v.grad += (1.0 - out.data * out.data) * out.grad

    out._backward = _backward
    return out


def micrograd_mlp(ours: MLP) -> Any:
    """micrograd's own MLP of the same shape, holding our weights so both compute the same numbers."""
    nin = len(ours.layers[0].neurons[0].w)
    model = micrograd_nn.MLP(nin, [len(layer.neurons) for layer in ours.layers])
    for theirs, mine in zip(model.parameters(), ours.parameters(), strict=True):
        theirs.data = mine.data
    return model


# -- PyTorch ----------------------------------------------------------------------------------------


def torch_leaf(x: float) -> Any:
    return torch.tensor(x, dtype=torch.float64, requires_grad=True)


class TorchScalarMLP:
    """Our scalar MLP's exact graph in 0-d float64 tensors: one autograd node per multiply, add and relu."""

    def __init__(self, ours: MLP) -> None:
        self.layers = [
            [([torch_leaf(w.data) for w in n.w], torch_leaf(n.b.data), n.activation == "relu") for n in layer.neurons]
            for layer in ours.layers
        ]

    def __call__(self, x: list[Any]) -> Any:
        for layer in self.layers:
            outputs = []
            for weights, bias, nonlinear in layer:
                act = sum((wi * xi for wi, xi in zip(weights, x, strict=True)), bias)
                outputs.append(act.relu() if nonlinear else act)
            x = outputs
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Any]:
        return [p for layer in self.layers for weights, bias, _ in layer for p in (*weights, bias)]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None


def torch_net(ours: TensorMLP) -> Any:
    """nn.Linear float64 layers holding our TensorMLP's weights (PyTorch stores them transposed)."""
    modules = []
    for dense in ours.layers:
        weight = dense.W.data
        linear = torch.nn.Linear(weight.shape[0], weight.shape[1], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(weight.T))
            linear.bias.copy_(torch.from_numpy(dense.b.data))
        modules.append(linear)
        if dense.activation == "tanh":
            modules.append(torch.nn.Tanh())
    return torch.nn.Sequential(*modules)


def torch_step(net: Any, x: Any, y: Any, lr: float) -> Any:
    """zero_grad, forward, mse, backward and a plain SGD update, as the engine's step does."""
    net.zero_grad(set_to_none=True)
    loss = torch.nn.functional.mse_loss(net(x), y)
    loss.backward()
    with torch.no_grad():
        for p in net.parameters():
            p.sub_(lr * p.grad)
    return loss


def torch_grads(net: Any) -> list[np.ndarray]:
    """Gradients in our layout: weights as (nin, nout)."""
    return [p.grad.numpy().T for p in net.parameters()]


# -- numpy by hand ----------------------------------------------------------------------------------


def numpy_loss_and_grads(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[float, list[Any]]:
    """mse of tanh → tanh → linear and its gradients, derived by hand: the floor for any numpy engine."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    diff = h2 @ w3 + b3 - y
    d3 = (2.0 / diff.size) * diff
    d2 = (d3 @ w3.T) * (1.0 - h2 * h2)
    d1 = (d2 @ w2.T) * (1.0 - h1 * h1)
    grads = [x.T @ d1, d1.sum(axis=0), h1.T @ d2, d2.sum(axis=0), h2.T @ d3, d3.sum(axis=0)]
    return float(np.mean(diff * diff)), grads


def numpy_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray, lr: float) -> float:
    loss, grads = numpy_loss_and_grads(params, x, y)
    for p, g in zip(params, grads, strict=True):
        p -= lr * g
    return loss
