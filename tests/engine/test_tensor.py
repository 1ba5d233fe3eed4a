"""The numpy Tensor: broadcasting adjoints, accumulation, losses and non-finite values."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Tensor, Value, cross_entropy, gradcheck, mse


def test_broadcast_gradients_are_summed_back_to_each_input_shape() -> None:
    a = Tensor(np.ones((3, 1)))
    b = Tensor(np.arange(4.0))
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1)
    assert b.grad.shape == (4,)
    np.testing.assert_array_equal(a.grad, np.full((3, 1), 6.0))
    np.testing.assert_array_equal(b.grad, np.full(4, 3.0))


def test_fan_out_gradients_sum_contributions() -> None:
    x = Tensor([1.0, 2.0])
    (x * x + x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 5.0])


def test_backward_twice_keeps_intermediate_gradients_and_accumulates_leaves() -> None:
    x = Tensor([1.0, -2.0])
    q = x * 3
    f = q.sum()
    f.backward()
    f.backward()
    np.testing.assert_array_equal(q.grad, [1.0, 1.0])
    np.testing.assert_array_equal(x.grad, [6.0, 6.0])


def test_leaf_gradient_never_aliases_another_nodes_gradient() -> None:
    a, b = Tensor([1.0]), Tensor([2.0])
    (a + b).sum().backward()
    a.grad += 100
    assert b.grad[0] == 1.0


def test_sum_and_mean_along_an_axis_pass_gradients_back_to_every_element() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    (x.sum(axis=1) * Tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 1, 1], [10, 10, 10]])
    y = Tensor(np.arange(6.0).reshape(2, 3))
    y.mean(axis=0).sum().backward()
    np.testing.assert_allclose(y.grad, np.full((2, 3), 0.5))


def test_cross_entropy_is_stable_for_huge_logits() -> None:
    logits = Tensor([[1000.0, 0.0, -1000.0]])
    loss = cross_entropy(logits, [0])
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_allclose(logits.grad, [[0.0, 0.0, 0.0]], atol=1e-300)


def test_cross_entropy_accepts_probability_targets() -> None:
    logits = Tensor([[0.2, -0.1], [1.5, 0.3]])
    one_hot = cross_entropy(logits, [[1.0, 0.0], [0.0, 1.0]]).item()
    indices = cross_entropy(logits, [0, 1]).item()
    assert one_hot == pytest.approx(indices, rel=1e-15)


def test_cross_entropy_rejects_out_of_range_classes() -> None:
    with pytest.raises(ValueError, match="class indices"):
        cross_entropy(Tensor([[0.0, 1.0]]), [2])


def test_softmax_rows_sum_to_one_and_gradcheck() -> None:
    x = Tensor(np.random.default_rng(1).normal(size=(3, 4)))
    np.testing.assert_allclose(x.softmax().data.sum(axis=-1), 1.0)
    weights = np.arange(12.0).reshape(3, 4)
    checks = gradcheck(lambda t: (t.softmax() * weights).sum(), [x])
    assert all(check.ok for check in checks)


def test_mse_gradient_on_prediction_and_target() -> None:
    p, t = Tensor([1.0, 3.0]), Tensor([0.0, 0.0])
    loss = mse(p, t)
    loss.backward()
    assert loss.item() == 5.0
    np.testing.assert_array_equal(p.grad, [1.0, 3.0])
    np.testing.assert_array_equal(t.grad, [-1.0, -3.0])


def test_sigmoid_of_extreme_tensors_is_exact_and_warning_free() -> None:
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        s = Tensor([-1000.0, 0.0, 1000.0]).sigmoid()
    np.testing.assert_array_equal(s.data, [0.0, 0.5, 1.0])


def test_mixing_scalars_and_tensors_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="cannot mix"):
        Tensor([1.0]) + Value(1.0)  # type: ignore[operator]


def test_numbers_and_arrays_on_either_side_become_constants() -> None:
    x = Tensor([1.0, 2.0])
    f = (2 - x * [3.0, 4.0] / 2).sum()
    f.backward()
    np.testing.assert_array_equal(x.grad, [-1.5, -2.0])
    assert {node.op for node in f.inputs[0].inputs} >= {"const"}


def test_backward_on_a_leaf_tensor_seeds_it_with_ones() -> None:
    x = Tensor([1.0, 2.0])
    x.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_constants_receive_no_gradient_work() -> None:
    w = Tensor([[1.0, 2.0], [3.0, 4.0]])
    data = np.array([[1.0, 1.0]])
    out = (data @ w * [2.0, 3.0]).sum()
    out.backward()
    np.testing.assert_array_equal(w.grad, [[2.0, 3.0], [2.0, 3.0]])
    assert all(node.grad is None for node in out.inputs[0].inputs if node.op == "const")
