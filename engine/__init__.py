"""Backprop Lab's autograd engine: scalar Values and numpy Tensors that record replayable traces."""

from __future__ import annotations

from .functions import maximum, minimum
from .gradcheck import LeafCheck, gradcheck
from .losses import cross_entropy, mse
from .node import Node, group, topological_order
from .ops import OPS
from .scalar import Value
from .tensor import Tensor
from .trace import TRACE_VERSION, Trace, trace, trace_schema

__all__ = [
    "OPS",
    "TRACE_VERSION",
    "LeafCheck",
    "Node",
    "Tensor",
    "Trace",
    "Value",
    "cross_entropy",
    "gradcheck",
    "group",
    "maximum",
    "minimum",
    "mse",
    "topological_order",
    "trace",
    "trace_schema",
]
