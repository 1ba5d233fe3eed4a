"""Loss functions on tensors, each one fused op with a numerically stable forward (its gradient is in engine/ops)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .ops import OPS, Array
from .tensor import Operand, Tensor, _tensor

_MSE_RULE, _CROSS_ENTROPY_RULE = OPS["mse"].vjp, OPS["cross_entropy"].vjp


def mse(prediction: Tensor, target: Operand) -> Tensor:
    """Mean squared error: mean((prediction - target)²)."""
    target = _tensor(target)
    difference = prediction.data - target.data
    flat = difference.ravel()
    node = Tensor(np.asarray(np.dot(flat, flat) / flat.size), (prediction, target), "mse", _MSE_RULE)
    node._saved = difference
    return node


def cross_entropy(logits: Tensor, targets: Any) -> Tensor:
    """Mean cross-entropy of softmax(logits) against class indices (N,) or probabilities (N, C).

    Computed through log-sum-exp, so large logits never overflow. Targets get no gradient.
    """
    x = logits.data if logits.data.ndim == 2 else logits.data.reshape(1, -1)
    probabilities = _target_distribution(targets, x.shape)
    shifted = x - np.max(x, axis=1, keepdims=True)
    log_softmax = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.sum(probabilities * log_softmax) / x.shape[0]
    node = Tensor(np.asarray(loss), (logits,), "cross_entropy", _CROSS_ENTROPY_RULE)
    node._saved = (probabilities, log_softmax)
    return node


def _target_distribution(targets: Any, shape: tuple[int, ...]) -> Array:
    data = targets.data if isinstance(targets, Tensor) else np.asarray(targets)
    if data.shape == shape or (data.ndim == 1 and data.shape == shape[1:] and shape[0] == 1):
        return np.asarray(data, dtype=np.float64).reshape(shape)
    indices = np.asarray(data).reshape(-1)
    if indices.shape[0] != shape[0] or not np.all(np.equal(np.mod(indices, 1), 0)):
        raise ValueError(f"targets must be {shape[0]} class indices or a {shape} distribution")
    indices = indices.astype(np.int64)
    if indices.min(initial=0) < 0 or indices.max(initial=0) >= shape[1]:
        raise ValueError(f"class indices must lie in 0..{shape[1] - 1}")
    one_hot = np.zeros(shape)
    one_hot[np.arange(shape[0]), indices] = 1.0
    return one_hot
