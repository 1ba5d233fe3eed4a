"""Live training for the network page: one Session per WebSocket (`/api/network/live`), streaming frames.

Protocol (JSON text both ways):
client → server
  {"type":"configure","settings":{dataset, points ≤ 1000, seed, noise 0–0.5, test_ratio 0.1–0.9,
    features [x1,x2,x1sq,x2sq,x1x2,sin1,sin2], hidden ≤ 6 layers of ≤ 8, activation, lr 0–10, l2 0–1,
    batch}}  (fields left out take Playground's defaults) → "data", then one "frame"; paused.
  {"type":"play"} · {"type":"pause"} (answered by one frame with playing false, the last until play,
    step, reset or configure) · {"type":"step","epochs"?} (one epoch, or up to 1,000, then a frame) ·
    {"type":"reset"} (weights from the seed, epoch 0, paused, a frame) ·
    {"type":"set","settings":{lr?, l2?, batch?, activation?}} (from the next step on, weights kept; no reply)
    · {"type":"program","target":"w2_3_1"|"b2_3"|"h2_3"|"out"|"L","point":k} → {"type":"program","source",
    "target"}.
server → client
  {"type":"data","train":[[x1,x2,label],…],"test":[…],"domain":[-6,6],"features":[…],"layers":[sizes]}
  {"type":"frame","epoch","step","train_loss","test_loss","train_accuracy"?,"test_accuracy"?,
   "boundary":{"size":50,"data":base64 of 50×50 bytes},"neurons":[[base64 of 20×20 bytes per neuron]
   per hidden layer + output],"weights":[per layer: rows = from unit, cols = to unit],"biases",
   "playing"}. Pictures: row 0 is the lowest x₂, column 0 the lowest x₁, over the domain. The boundary's
   byte is P(class 1)·255 (classification) or the output clamped to [-1, 1] as (v + 1)/2·255
   (regression); a neuron's byte is its output clamped to [-1, 1] the same way; the output neuron's
   picture is the boundary's. Losses are null when not finite (training then pauses with an error).
  {"type":"error","message","where"?}: where is "settings.lr"-style for a bad field, "budget" when the
   session has used its computing time, "target"/"point" for a bad program request.
Training runs in a thread (asyncio.to_thread), never on the event loop, at most one chunk at a time per
session; while playing, frames go out at most FRAMES_PER_SECOND, each after the previous one was sent.
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import threading
import time
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

import numpy as np
from pydantic import TypeAdapter, ValidationError

from engine.datasets import DOMAIN, features
from engine.lang import SourceError, run
from engine.playground import Config, Run, prediction

from .models import LiveMessageIn, ProgramIn, SetIn
from .settings import SETTINGS
from .training import scalar_network

BOUNDARY = 50  # the decision boundary is a BOUNDARY × BOUNDARY picture
NEURON = 20  # each neuron's picture is NEURON × NEURON
FRAMES_PER_SECOND = 30  # at most: what a browser draws smoothly without being flooded
EPOCHS_PER_FRAME = 2  # while playing: Playground's pace of ~60 epochs a second, when there is time for it
TRAIN_BUDGET = 0.015  # seconds of training per frame before a second epoch is skipped
STEP_CHUNK = 20  # epochs of a many-epoch step trained in one go between budget checks
MAX_MESSAGE = 16 * 1024  # bytes of one client message
MESSAGES = TypeAdapter(LiveMessageIn)
# one session's work in a thread at a time in this process: training holds the GIL in small numpy steps,
# and a second thread would take the event loop's share (more workers serve more sessions)
TRAINING = threading.Lock()


def _grid(size: int) -> np.ndarray:
    """size² points over the domain, row by row from the lowest x₂ up."""
    axis = np.linspace(*DOMAIN, size)
    return np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)


GRIDS = {size: _grid(size) for size in (BOUNDARY, NEURON)}


def _picture(values: np.ndarray, low: float, high: float) -> str:
    """Values mapped linearly from [low, high] to bytes 0..255 (clamped), as base64."""
    scaled = np.clip((np.nan_to_num(values) - low) / (high - low), 0, 1) * 255
    return base64.b64encode(np.rint(scaled).astype(np.uint8).tobytes()).decode()


def _number(v: float) -> float | None:
    return v if math.isfinite(v) else None


def _rounded(array: np.ndarray) -> Any:
    """Four significant digits: the picture needs no more, and the frame stays small; a number that is
    not finite (a weight that overflowed) is null, so the frame stays strict JSON."""
    if array.ndim == 2:
        return [_rounded(row) for row in array]
    return [float(f"{v:.4g}") if math.isfinite(v) else None for v in array]


class Trainer:
    """A Run and what the page is shown of it: the data message, frames and programs (all synchronous)."""

    def __init__(self, run_: Run) -> None:
        self.run = run_

    def data(self) -> dict[str, Any]:
        def rows(points: np.ndarray, y: np.ndarray) -> list[list[float]]:
            return np.round(np.hstack([points, y]), 4).tolist()

        return {
            "type": "data",
            "train": rows(self.run.train_points, self.run.train_y),
            "test": rows(self.run.test_points, self.run.test_y),
            "domain": list(DOMAIN),
            "features": list(self.run.config.features),
            "layers": self.run.sizes,
        }

    def frame(self, playing: bool) -> dict[str, Any]:
        run_ = self.run
        train_loss, train_accuracy = run_.evaluate(run_.train_x, run_.train_y)
        test_loss, test_accuracy = run_.evaluate(run_.test_x, run_.test_y)
        low = 0.0 if run_.classify else -1.0
        score = prediction(run_.layers_on(features(GRIDS[BOUNDARY], run_.config.features))[-1], run_.classify)
        layers = run_.layers_on(features(GRIDS[NEURON], run_.config.features))
        neurons = [[_picture(layer[:, j], -1.0, 1.0) for j in range(layer.shape[1])] for layer in layers[:-1]]
        neurons.append([_picture(prediction(layers[-1][:, 0], run_.classify), low, 1.0)])
        frame: dict[str, Any] = {
            "type": "frame",
            "epoch": run_.epoch,
            "step": run_.step,
            "train_loss": _number(train_loss),
            "test_loss": _number(test_loss),
            "boundary": {"size": BOUNDARY, "data": _picture(score[:, 0], low, 1.0)},
            "neurons": neurons,
            "weights": [_rounded(layer.W.data) for layer in run_.model.layers],
            "biases": [_rounded(layer.b.data) for layer in run_.model.layers],
            "playing": playing,
        }
        if run_.classify:
            frame["train_accuracy"], frame["test_accuracy"] = train_accuracy, test_accuracy
        return frame

    def advance(self, epochs: int, budget: float) -> None:
        """Up to `epochs` epochs, the later ones only while within `budget` seconds; stops at a blow-up."""
        started = time.perf_counter()
        for done in range(epochs):
            if run_stopped(self.run) or (done and time.perf_counter() - started > budget):
                return
            self.run.train_epoch()

    def program(self, request: ProgramIn) -> dict[str, Any]:
        """The network with its current weights on training point k, as scalar neurons (see scalar_network)."""
        run_ = self.run
        if request.point >= len(run_.train_x):
            return error(f"point must be an index into the {len(run_.train_x)} training points", "point")
        layers = [(layer.W.data, layer.b.data) for layer in run_.model.layers]
        if not all(np.all(np.isfinite(w)) and np.all(np.isfinite(b)) for w, b in layers):
            return error("the weights are not finite numbers: reset the network first")
        head = "sigmoid" if run_.classify else "linear"
        source = scalar_network(
            layers,
            run_.train_x[request.point],
            run_.config.activation,
            head,
            float(run_.train_y[request.point, 0]),
            tour=request.target,
        )
        try:
            program = run(source, limits=SETTINGS.limits)
        except SourceError as problem:
            return error(f"this network is too large to open in the lab ({problem.message}); try fewer units")
        if request.target not in program.inputs and f"{request.target} =" not in source:
            return error(f"this network has no {request.target}", "target")
        return {"type": "program", "source": source, "target": request.target}


def run_stopped(run_: Run) -> bool:
    return run_.stopped is not None


def error(message: str, where: str | None = None) -> dict[str, Any]:
    return {"type": "error", "message": message, **({"where": where} if where else {})}


def _where(problem: ValidationError) -> tuple[str, str | None]:
    """A validation error as one sentence and the field it is about ("settings.lr")."""
    first = problem.errors()[0]
    location = [str(part) for part in first["loc"][1:]]  # the first part names the message type
    if first["type"] == "union_tag_invalid" or first["type"] == "union_tag_not_found":
        return "unknown message type; the types are configure, play, pause, step, reset, set and program", "type"
    where = ".".join(location) or None
    return (f"{where}: {first['msg']}" if where else first["msg"]), where


Send = Callable[[str], Awaitable[None]]


class Session:
    """One connection's run: messages change it, a player task trains it while playing.

    Every use of the Trainer holds `lock` and runs in a thread, so training never blocks the event loop
    and never overlaps a message's work; a frame is sent before the lock is let go, so frames leave in
    order and no faster than the socket takes them."""

    def __init__(self, send: Send, cpu_seconds: float = SETTINGS.live_cpu_seconds, cpu: float = 0.0) -> None:
        self.send = send
        self.trainer: Trainer | None = None
        self.playing = False
        self.wake = asyncio.Event()
        self.lock = asyncio.Lock()
        # `cpu` starts at what the client's address has already used (a reload does not refill it)
        self.cpu, self.cpu_at_start, self.cpu_seconds = cpu, cpu, cpu_seconds
        self.last_active = time.monotonic()

    async def compute(self, work: Callable[[], Any]) -> Any:
        """Run `work` in a thread, counting the CPU time it takes against the session's budget."""

        def counted() -> tuple[Any, float]:
            with TRAINING:
                started = time.thread_time()
                result = work()
                return result, time.thread_time() - started

        result, cpu = await asyncio.to_thread(counted)
        self.cpu += cpu
        return result

    async def reply(self, message: dict[str, Any]) -> None:
        await self.send(json.dumps(message, separators=(",", ":"), allow_nan=False))

    async def handle(self, text: str) -> None:
        """Apply one client message; whatever is wrong with it is answered with an error message."""
        self.last_active = time.monotonic()
        if len(text) > MAX_MESSAGE or len(text.encode("utf-8", errors="replace")) > MAX_MESSAGE:
            await self.reply(error(f"a message may hold at most {MAX_MESSAGE // 1024} KiB"))
            return
        try:
            message = MESSAGES.validate_json(text)
        except ValidationError as problem:
            if problem.errors()[0]["type"] == "json_invalid":
                await self.reply(error('messages are JSON objects such as {"type": "play"}'))
            else:
                await self.reply(error(*_where(problem)))
            return
        if message.type in ("configure", "program", "reset") and self.over_budget():
            await self.reply(self.budget_error())
            return
        if message.type == "configure":
            await self.configure(
                Config(
                    **{
                        **message.settings.model_dump(),
                        "features": tuple(message.settings.features),
                        "hidden": tuple(message.settings.hidden),
                    }
                )
            )
        elif self.trainer is None:
            await self.reply(error('configure the network first: {"type": "configure", "settings": {…}}'))
        else:
            await self.control(message)

    async def configure(self, config: Config) -> None:
        async with self.lock:
            self.playing = False
            self.trainer = trainer = await self.compute(lambda: Trainer(Run(config)))
            await self.reply(await self.compute(trainer.data))
            await self.reply(await self.compute(lambda: trainer.frame(False)))

    async def control(self, message: Any) -> None:
        trainer = self.trainer
        assert trainer is not None
        if message.type == "program":
            async with self.lock:
                await self.reply(await self.compute(lambda: trainer.program(message)))
            return
        if message.type == "set":
            await self.change(trainer, message)
            return
        if message.type in ("play", "step") and self.over_budget():
            await self.reply(self.budget_error())
            return
        if message.type in ("play", "step") and trainer.run.stopped:  # a blown-up run trains no further
            await self.reply(error(trainer.run.stopped, "stopped"))
            return
        if message.type == "play":
            self.playing = True
            self.wake.set()
            return
        async with self.lock:  # pause, step, reset: after the chunk under way, then one frame
            self.playing = False
            if message.type == "reset":
                await self.compute(trainer.run.reset)
            elif message.type == "step":
                await self.steps(trainer, message.epochs)
                if trainer.run.stopped:
                    await self.reply(error(trainer.run.stopped, "stopped"))
            await self.send_frame(trainer)

    async def steps(self, trainer: Trainer, epochs: int) -> None:
        """`epochs` epochs (a link's run is replayed in a few messages, not one per epoch), a chunk at a
        time, each counted against the budget; stops early at the budget or a blow-up."""
        left = epochs
        while left > 0 and not self.over_budget() and not trainer.run.stopped:
            chunk = min(left, STEP_CHUNK)
            await self.compute(partial(trainer.advance, chunk, math.inf))
            left -= chunk

    async def change(self, trainer: Trainer, message: SetIn) -> None:
        changes = {key: value for key, value in message.settings.model_dump().items() if value is not None}
        async with self.lock:
            trainer.run.change(**changes)

    async def send_frame(self, trainer: Trainer) -> None:
        """A frame of the run as it is; a run that blew up pauses, and the page is told why."""
        if trainer.run.stopped and self.playing:
            self.playing = False
            await self.reply(error(trainer.run.stopped, "stopped"))
        await self.reply(await self.compute(lambda: trainer.frame(self.playing)))

    def over_budget(self) -> bool:
        return self.cpu >= self.cpu_seconds

    def budget_error(self) -> dict[str, Any]:
        return error(
            f"this address has used its {self.cpu_seconds:g} s of computing for the hour: it comes back "
            "minute by minute",
            "budget",
        )

    async def player(self) -> None:
        """While playing: train a chunk, send its frame, wait out the rest of the frame's time."""
        interval = 1 / FRAMES_PER_SECOND
        while True:
            await self.wake.wait()
            started = time.monotonic()
            async with self.lock:
                trainer = self.trainer
                if not self.playing or trainer is None:
                    self.wake.clear()
                    continue
                if self.over_budget():
                    self.playing = False
                    await self.reply(self.budget_error())
                    await self.send_frame(trainer)
                    continue
                await self.compute(partial(trainer.advance, EPOCHS_PER_FRAME, TRAIN_BUDGET))
                await self.send_frame(trainer)
                self.last_active = time.monotonic()
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def idle_for(self) -> float:
        """Seconds since the page last sent a message, or training last ran; 0 while playing."""
        return 0.0 if self.playing else time.monotonic() - self.last_active
