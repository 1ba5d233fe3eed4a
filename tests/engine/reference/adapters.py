"""The op interface of `cases.py`, implemented for our engine (and, in generate.py, for PyTorch)."""

from __future__ import annotations

from typing import Any

import numpy as np

import engine
from engine import Tensor, Value


class EngineOps:
    """Runs a reference case on `engine` Values (scalars) or Tensors."""

    @staticmethod
    def leaf(data: Any, tensor: bool) -> Any:
        return Tensor(np.array(data)) if tensor else Value(float(data))

    relu = staticmethod(lambda x: x.relu())
    leaky_relu = staticmethod(lambda x, slope: x.leaky_relu(slope))
    tanh = staticmethod(lambda x: x.tanh())
    sigmoid = staticmethod(lambda x: x.sigmoid())
    exp = staticmethod(lambda x: x.exp())
    log = staticmethod(lambda x: x.log())
    sin = staticmethod(lambda x: x.sin())
    cos = staticmethod(lambda x: x.cos())
    sqrt = staticmethod(lambda x: x.sqrt())
    abs = staticmethod(lambda x: x.abs())
    maximum = staticmethod(engine.maximum)
    minimum = staticmethod(engine.minimum)
    total = staticmethod(lambda x, axis=None: x.sum(axis))
    average = staticmethod(lambda x, axis=None: x.mean(axis))
    transpose = staticmethod(lambda x: x.T)
    softmax = staticmethod(lambda x: x.softmax(-1))
    cross_entropy = staticmethod(engine.cross_entropy)
    mse = staticmethod(engine.mse)

    @staticmethod
    def value(node: Any) -> Any:
        return np.asarray(node.data, dtype=np.float64)

    @staticmethod
    def grad(node: Any) -> Any:
        return np.asarray(node.grad, dtype=np.float64)
