"""engine.nn: micrograd-shaped neurons, layers and MLPs, and the tensor MLP, with groups for folding."""

from __future__ import annotations

import random

import numpy as np
import pytest

from engine import Tensor, Value, mse, trace
from engine.nn import MLP, Layer, Neuron, TensorMLP


def test_mlp_has_micrograd_shape_and_parameter_count() -> None:
    model = MLP(3, [4, 4, 1], rng=random.Random(0))
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    out = model([Value(1.0), Value(-2.0), Value(0.5)])
    assert isinstance(out, Value)
    assert len(Layer(2, 3)([1.0, 2.0])) == 3
    assert isinstance(Neuron(2)([1.0, 2.0]), Value)


def test_zero_grad_resets_accumulated_leaf_gradients() -> None:
    model = MLP(2, [3, 1], rng=random.Random(1))
    for _ in range(2):
        model([Value(1.0), Value(2.0)]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_mlp_nodes_are_grouped_by_layer_and_neuron() -> None:
    model = MLP(2, [2, 1], rng=random.Random(2))
    document = trace(model([Value(1.0), Value(2.0)])).to_dict()
    groups = {node.get("group") for node in document["nodes"]}
    assert {"mlp/layer1/neuron1", "mlp/layer1/neuron2", "mlp/layer2/neuron1"} <= groups


def test_scalar_and_tensor_mlps_compute_the_same_function() -> None:
    scalar = MLP(2, [3, 1], activation="tanh", rng=random.Random(3))
    tensor = TensorMLP(2, [3, 1], activation="tanh", rng=np.random.default_rng(0))
    for j, neuron in enumerate(scalar.layers[0].neurons):
        tensor.layers[0].W.data[:, j] = [w.data for w in neuron.w]
        tensor.layers[0].b.data[j] = neuron.b.data
    tensor.layers[1].W.data[:, 0] = [w.data for w in scalar.layers[1].neurons[0].w]
    x = [0.3, -0.7]
    # the same sums in another order: equal to the last bits or so
    assert tensor(Tensor([x])).data[0, 0] == pytest.approx(scalar([Value(v) for v in x]).data, rel=1e-14)


def test_tensor_mlp_learns_a_line() -> None:
    rng = np.random.default_rng(4)
    model = TensorMLP(1, [8, 1], rng=rng)
    x = rng.uniform(-1, 1, (32, 1))
    y = 0.5 * x - 0.2
    losses = []
    for _ in range(300):
        model.zero_grad()
        loss = mse(model(Tensor(x)), y)
        loss.backward()
        for p in model.parameters():
            p.data -= 0.1 * p.grad
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 20


def test_tensor_zero_grad_clears_and_the_next_backward_refills() -> None:
    model = TensorMLP(2, [3, 1], rng=np.random.default_rng(5))
    x = np.array([[0.5, -0.5]])
    mse(model(x), [[1.0]]).backward()
    first = [p.grad.copy() for p in model.parameters()]
    mse(model(x), [[1.0]]).backward()
    for p, g in zip(model.parameters(), first):
        np.testing.assert_allclose(p.grad, 2 * g)  # accumulated across calls
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    mse(model(x), [[1.0]]).backward()
    for p, g in zip(model.parameters(), first):
        np.testing.assert_array_equal(p.grad, g)


def test_leaky_relu_is_an_activation_with_slope_one_hundredth() -> None:
    neuron = Neuron(2, activation="leaky_relu", rng=random.Random(6))
    x = [1.0, -2.0]
    act = sum(w.data * v for w, v in zip(neuron.w, x)) + neuron.b.data
    assert neuron(x).data == pytest.approx(act if act > 0 else 0.01 * act, rel=1e-15)
    model = TensorMLP(2, [3, 1], activation="leaky_relu", rng=np.random.default_rng(7))
    hidden = np.array([x]) @ model.layers[0].W.data + model.layers[0].b.data
    expected = np.where(hidden > 0, hidden, 0.01 * hidden) @ model.layers[1].W.data + model.layers[1].b.data
    np.testing.assert_allclose(model(np.array([x])).data, expected, rtol=1e-15)
    document = trace(MLP(2, [3, 1], activation="leaky_relu", rng=random.Random(8))([Value(1.0), Value(-1.0)]))
    assert "leaky_relu" in document.to_dict()["ops"]
