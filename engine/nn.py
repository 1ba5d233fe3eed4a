"""Neural-network building blocks shaped like micrograd's: scalar neurons and layers, and a tensor MLP."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any, cast

import numpy as np

from .node import _current_group, group
from .ops import ACTIVATIONS as REGISTERED
from .scalar import Value
from .tensor import Tensor

# The registry's activations (each with its default argument: leaky_relu's slope is 0.01), and none at all
ACTIVATIONS = (*REGISTERED, "linear")


def _activate(x: Any, activation: str) -> Any:
    return x if activation == "linear" else getattr(x, activation)()


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")


class Module:
    """Anything with parameters. Leaf gradients accumulate across backward() calls: zero them each step."""

    def parameters(self) -> list[Any]:
        return []

    def zero_grad(self) -> None:
        """Forget accumulated gradients: Values get 0.0; Tensors get None (as PyTorch's default does),
        which the next backward() fills without first adding to zeros."""
        for p in self.parameters():
            p.grad = None if isinstance(p, Tensor) else 0.0


class Neuron(Module):
    """act(w·x + b) over scalar Values; `nonlin=False` makes it linear, as in micrograd."""

    def __init__(
        self, nin: int, nonlin: bool = True, activation: str = "relu", rng: random.Random | None = None
    ) -> None:
        _check_activation(activation)
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1, 1), name=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, name="b")
        self.activation = activation if nonlin else "linear"

    def __call__(self, x: Sequence[Any]) -> Value:
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        out: Value = _activate(act, self.activation)
        return out

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{self.activation.capitalize()}Neuron({len(self.w)})"


class Layer(Module):
    """A row of neurons that all see the same inputs."""

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.neurons = []
        for j in range(nout):
            with group(f"neuron{j + 1}"):
                self.neurons.append(Neuron(nin, **kwargs))

    def __call__(self, x: Sequence[Any]) -> Any:
        out = []
        for j, neuron in enumerate(self.neurons):
            with group(f"neuron{j + 1}"):
                out.append(neuron(x))
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """micrograd's multi-layer perceptron: every layer but the last is non-linear.

    Nodes are filed under groups "mlp/layer<i>/neuron<j>", so a trace of it can be folded.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", rng: random.Random | None = None
    ) -> None:
        sizes = [nin, *nouts]
        self.layers = []
        for i in range(len(nouts)):
            with group("mlp"), group(f"layer{i + 1}"):
                self.layers.append(
                    Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, activation=activation, rng=rng)
                )

    def __call__(self, x: Sequence[Any]) -> Any:
        for i, layer in enumerate(self.layers):
            with group("mlp"), group(f"layer{i + 1}"):
                x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


class Dense(Module):
    """act(x @ W + b) on tensors: one matmul node, one bias node, one activation node."""

    def __init__(self, nin: int, nout: int, activation: str = "tanh", rng: np.random.Generator | None = None) -> None:
        _check_activation(activation)
        rng = rng or np.random.default_rng()
        bound = 1.0 / np.sqrt(nin)
        self.W = Tensor(rng.uniform(-bound, bound, (nin, nout)), name="W")
        self.b = Tensor(np.zeros(nout), name="b")
        self.set_activation(activation)

    def set_activation(self, activation: str) -> None:
        """Change the activation; the weights stay as they are (Playground lets it change mid-run)."""
        _check_activation(activation)
        self.activation = activation
        self._activate = None if activation == "linear" else getattr(Tensor, activation)

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        # data given as an array enters as a constant: it needs no gradient
        out = (x if isinstance(x, Tensor) else Tensor(x, (), "const")) @ self.W + self.b
        return out if self._activate is None else self._activate(out)

    def parameters(self) -> list[Tensor]:
        return [self.W, self.b]


class TensorMLP(Module):
    """The same perceptron as `MLP`, one tensor op per matmul, bias and activation.

    Weights are drawn from U(-1/√nin, 1/√nin), biases start at zero; pass a seeded
    `np.random.default_rng(seed)` to make them reproducible.
    """

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "tanh", rng: np.random.Generator | None = None
    ) -> None:
        rng = rng or np.random.default_rng()
        sizes = [nin, *nouts]
        self.layers = []
        self._paths = [f"mlp/layer{i + 1}" for i in range(len(nouts))]
        for i, path in enumerate(self._paths):
            last = i == len(nouts) - 1
            with group(path):
                self.layers.append(Dense(sizes[i], sizes[i + 1], "linear" if last else activation, rng))
        self._parameters = [p for layer in self.layers for p in layer.parameters()]

    def __call__(self, x: Tensor | np.ndarray) -> Tensor:
        # the `group` context manager's work, done inline: this runs once per training step
        outer = _current_group[0]
        try:
            for layer, path in zip(self.layers, self._paths):
                _current_group[0] = path if outer is None else f"{outer}/{path}"
                x = layer(x)
        finally:
            _current_group[0] = outer
        return cast(Tensor, x)  # a layer's output is a Tensor, and there is at least one layer

    def set_activation(self, activation: str) -> None:
        """Change every hidden layer's activation, keeping the weights; the output layer stays linear."""
        for layer in self.layers[:-1]:
            layer.set_activation(activation)

    def weights(self) -> list[Tensor]:
        """The weight matrices only, layer by layer: what L2 regularisation shrinks (biases are left alone)."""
        return [layer.W for layer in self.layers]

    def parameters(self) -> list[Tensor]:
        """The weights and biases, layer by layer (the same list each call: the layers are fixed)."""
        return self._parameters
