"""Training endpoints: gradient descent on a program, and small networks on generated data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..compute import compute
from ..models import ErrorOut, GradCheckOut, NetworkIn, NetworkOut, TraceIn, TrainIn, TrainOut
from ..training import check_gradients, train_network, train_program

router = APIRouter(prefix="/api", tags=["train"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {"model": ErrorOut}, 422: {"model": ErrorOut}}


@router.post("/train", response_model=TrainOut, responses=ERRORS)
async def train_steps(body: TrainIn) -> dict[str, Any]:
    """Run gradient descent on a program's trainable inputs: the loss, values and gradients of each step."""
    return await compute(train_program, body.source, body.values, body.trainable, body.lr,
                                   body.momentum, body.steps, body.zero_grad)


@router.post("/network", response_model=NetworkOut, responses=ERRORS)
async def train_network_route(body: NetworkIn) -> dict[str, Any]:
    """Train a tensor MLP on a generated dataset: loss curve, accuracy and decision boundary."""
    return await compute(train_network, body.dataset, body.points, body.seed, body.hidden,
                                   body.activation, body.loss, body.lr, body.momentum, body.steps, body.frames)


@router.post("/gradcheck", response_model=list[GradCheckOut], responses=ERRORS)
async def check_program_gradients(body: TraceIn) -> list[dict[str, Any]]:
    """Each scalar input's gradient by autograd and by central finite differences, with their relative error."""
    return await compute(check_gradients, body.source, body.values)
