"""Training endpoints: gradient descent on a program, and small networks on generated data."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response

from ..models import ERRORS, GradCheckOut, NetworkIn, NetworkOut, TraceIn, TrainIn, TrainOut
from ..quotas import quota
from ..training import check_gradients_json, train_network_json, train_program_json

router = APIRouter(prefix="/api", tags=["train"], dependencies=[Depends(quota("train"))])


@router.post("/train", response_model=TrainOut, responses=ERRORS)
async def train_steps(body: TrainIn, request: Request) -> Response:
    """Run gradient descent on a program's trainable inputs: the loss, values and gradients of each step."""
    return await _heavy(
        request,
        train_program_json,
        body.source,
        body.values,
        body.trainable,
        body.lr,
        body.momentum,
        body.steps,
        body.zero_grad,
    )


@router.post("/network", response_model=NetworkOut, responses=ERRORS)
async def train_network_route(body: NetworkIn, request: Request) -> Response:
    """Train a tensor MLP on a generated dataset: loss curve, accuracy and decision boundary."""
    return await _heavy(
        request,
        train_network_json,
        body.dataset,
        body.points,
        body.seed,
        body.hidden,
        body.activation,
        body.loss,
        body.lr,
        body.momentum,
        body.steps,
        body.frames,
        body.noise,
        body.test_ratio,
        body.features,
        body.l2,
        body.batch,
    )


@router.post("/gradcheck", response_model=list[GradCheckOut], responses=ERRORS)
async def check_program_gradients(body: TraceIn, request: Request) -> Response:
    """Each scalar input's gradient by autograd and by central finite differences, with their relative error."""
    return await _heavy(request, check_gradients_json, body.source, body.values)


async def _heavy(request: Request, function: Any, *args: Any) -> Response:
    """Run on the pool's heavy lane; the worker encodes the JSON, so the event loop never does."""
    encoded = await request.app.state.compute.run(function, *args, request=request, heavy=True)
    return Response(encoded, media_type="application/json")
