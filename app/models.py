"""Request and response models of the JSON API, in one place (`*In` for requests, `*Out` for responses)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt, field_validator

# Strict: JSON true/false and numeric strings are not numbers (the engine checks inside lists).
Numbers = StrictFloat | StrictInt | list[Any]


class TraceIn(BaseModel):
    """A program, optional input values that override the ones in its text, and groups to fold."""

    model_config = ConfigDict(extra="forbid", strict=True)
    source: str = Field(max_length=65536, description="the program, e.g. 'x = 2\\ny = x * x'")
    values: dict[str, Numbers] = Field(
        default_factory=dict, max_length=2000, description="input name → number (or nested lists for a tensor)"
    )
    folded: list[str] | None = Field(
        default=None, max_length=2000, description="group paths to show folded; omitted: chosen by size"
    )
    preset: str | None = Field(
        default=None, max_length=64, description="the preset this program is, for its walkthrough"
    )


class InputOut(BaseModel):
    name: str
    id: int
    value: Any
    shape: list[int] | None = None
    trainable: bool = Field(default=False, description="written as param(...) in the program")


class LayoutOut(BaseModel):
    key: str = Field(description="changes only when the graph's structure changes")
    width: float
    height: float
    items: dict[str, list[float]] = Field(description='"n<id>" or "g:<group>" → [x, y, width, height]')
    edges: list[list[Any]] = Field(description="[tail key, head key, [x1, y1, x2, y2, ...]] (B-spline points)")


class ViewOut(BaseModel):
    folded: list[str]
    groups: list[str]
    items: dict[str, dict[str, Any]]


class ConsoleLineOut(BaseModel):
    line: int = Field(description="the program's line that printed it")
    text: str
    kind: Literal["print", "note"] = Field(
        description="a print(...)'s output, or a note on a line that changes nothing"
    )
    gradients: bool = Field(description="shows a gradient (a room withholds it until the class has seen them all)")


class TraceOut(BaseModel):
    source: str
    trace: dict[str, Any] = Field(description="the engine's trace document (see engine/trace.schema.json)")
    narration: list[str] = Field(description="a plain-language sentence for each step, naming the rule it applies")
    tour: list[dict[str, Any]] = Field(description="the preset's walkthrough: position, node, title, note")
    console: list[ConsoleLineOut] = Field(default=[], description="what the program's print(...) lines show")
    inputs: list[InputOut]
    view: ViewOut
    layout: LayoutOut


class WithheldOut(BaseModel):
    from_: int = Field(alias="from", description="the first step whose numbers the class has not been shown (0-based)")


class RoomTraceOut(TraceOut):
    state: str = Field(description="the room's state (its URL query) this trace was built for")
    withheld: WithheldOut | None = Field(
        description="in a quiz on a scalar program: from which step the numbers computed from gradients "
        "are left out (and, past it, each edge's upstream and local too; every node's grad always)"
    )


class StepIn(BaseModel):
    """A tensor program and the index of one of its backward steps."""

    model_config = ConfigDict(extra="forbid", strict=True)
    source: str = Field(max_length=65536)
    values: dict[str, Numbers] = Field(default_factory=dict, max_length=2000)
    step: int = Field(ge=0, le=100_000, description="the step's position in trace.steps")


class StepArraysOut(BaseModel):
    step: int
    node: int = Field(description="the consumer the gradient comes from")
    input: int = Field(description="the node receiving the contribution")
    upstream: Any
    contribution: Any
    grad: Any = Field(description="the input's gradient after this contribution")


class PresetOut(BaseModel):
    id: str
    title: str
    summary: str
    source: str
    train: dict[str, Any] = Field(default_factory=dict, description="suggested learning rate, steps, momentum")


class ErrorDetail(BaseModel):
    kind: str
    message: str
    line: int
    column: int


class ErrorOut(BaseModel):
    error: ErrorDetail


# what every computing endpoint may answer besides 200: a program error, a body too large, a bad
# request or a program over its budget, too many requests from one client, or a busy server
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "the program cannot run (kind, message, line, column)"},
    413: {"model": ErrorOut, "description": "the request body is too large"},
    422: {"model": ErrorOut, "description": "the request is malformed, or the work is over its budget"},
    429: {"model": ErrorOut, "description": "this client asked too often (see Retry-After)"},
    503: {"model": ErrorOut, "description": "the server is busy (see Retry-After)"},
}


class ShareIn(BaseModel):
    """A lab state to keep: the query string of its URL (see static/js/state.js)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    state: str = Field(max_length=65536, description="the URL query, e.g. 'v=1&source=x%20%3D%202&step=3'")


class ShareOut(BaseModel):
    id: str = Field(description="22 URL-safe characters: 128 random bits")
    url: str
    state: str


class TrainIn(BaseModel):
    """Gradient descent on a program: its output is the loss, its trainable inputs are the parameters."""

    model_config = ConfigDict(extra="forbid", strict=True)
    source: str = Field(max_length=65536)
    values: dict[str, Numbers] = Field(default_factory=dict, max_length=2000)
    trainable: list[str] | None = Field(
        default=None, max_length=200, description="inputs to train; omitted: those written as param(...)"
    )
    lr: float = Field(gt=0, le=10, allow_inf_nan=False, description="learning rate")
    momentum: float = Field(default=0.0, ge=0, lt=1, allow_inf_nan=False)
    steps: int = Field(default=1, ge=1, le=2000)
    zero_grad: bool = Field(default=True, description="false: gradients pile up across steps (a pitfall)")


class TrainOut(BaseModel):
    losses: list[Any] = Field(description="the loss before each step (non-finite spelled out)")
    recorded: list[int] = Field(
        description="the steps (at most 200, evenly spread) whose parameters and "
        "gradients are recorded in params and grads"
    )
    params: dict[str, list[Any]] = Field(
        description="each parameter's value before each recorded step (parameters of up to 16 numbers)"
    )
    grads: dict[str, list[Any]] = Field(description="each parameter's gradient at each recorded step")
    final: dict[str, Any]
    steps: int
    stopped: str | None = Field(description="why training stopped early, if it did")
    flagged: str | None = Field(description="the node that blew up, if any")
    trainable: list[str]


Dataset = Literal["circle", "xor", "gauss", "spiral", "moons", "regression"]
Feature = Literal["x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2"]
Activation = Literal["tanh", "relu", "sigmoid", "linear"]
Features = Annotated[list[Feature], Field(min_length=1, max_length=7, description="input features, each once")]


def _each_once(features: list[str]) -> list[str]:
    if len(set(features)) != len(features):
        raise ValueError("each feature may be chosen once")
    return features


class NetworkIn(BaseModel):
    """A small network trained on a generated dataset."""

    model_config = ConfigDict(extra="forbid", strict=True)
    dataset: Dataset = "xor"
    points: int = Field(default=100, ge=4, le=1000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    noise: float = Field(default=0, ge=0, le=0.5, allow_inf_nan=False, description="Playground's noise 0–50, as 0–0.5")
    test_ratio: float = Field(
        default=0, ge=0, le=0.9, allow_inf_nan=False, description="share of the points held out for testing"
    )
    features: Features = ["x1", "x2"]
    hidden: list[Annotated[int, Field(ge=1, le=256)]] = Field(default=[16, 16], max_length=15)
    activation: Activation = "tanh"
    loss: Literal["mse", "cross_entropy"] = "mse"
    lr: float = Field(default=0.1, gt=0, le=10, allow_inf_nan=False)
    momentum: float = Field(default=0.9, ge=0, lt=1, allow_inf_nan=False)
    l2: float = Field(default=0, ge=0, le=1, allow_inf_nan=False, description="L2 rate, applied as weight decay")
    batch: int | None = Field(default=None, ge=1, le=1000, description="points per step; omitted: all of them")
    steps: int = Field(default=200, ge=1, le=5000)
    frames: int = Field(default=10, ge=1, le=50, description="pictures of the model taken while it trains")

    _features_once = field_validator("features")(_each_once)


class NetworkOut(BaseModel):
    losses: list[Any]
    stopped: str | None
    parameters: int
    points: list[list[float]]
    targets: list[float]
    accuracy: float | None = None
    frames: list[dict[str, Any]] = Field(
        description="after each stretch of training: step, accuracy and the "
        "class-1 score on a grid (boundary), or the fitted curve (fit)"
    )
    programs: dict[str, str] = Field(
        description="the trained network on the first point, in the lab's language: 'tensor' and 'scalar' views"
    )


class GradCheckOut(BaseModel):
    name: str
    autograd: float | str
    numeric: float | str
    relative_error: float | None = Field(description="|autograd − numeric| / max(1, |autograd|, |numeric|)")


class RoomIn(BaseModel):
    """The lab state a live session starts from (its URL query)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    state: str = Field(max_length=16384, description="at most 16 KiB as UTF-8")


class RoomStateOut(BaseModel):
    code: str
    state: str
    followers: int = Field(description="students connected now, across every process of the server")
    away: int = Field(description="how many of them have stepped away from following the teacher")


class RoomLinkOut(BaseModel):
    url: str = Field(description="the room's absolute URL, e.g. http://192.168.1.20:8000/?room=K7QX2M")
    kind: Literal["public", "page", "lan"] = Field(
        description="public: BACKPROP_PUBLIC_URL; page: the address the teacher's page used; "
        "lan: an address of one of the server's network interfaces"
    )


class RoomOut(BaseModel):
    code: str = Field(description="six characters to read off the projector")
    token: str = Field(description="the teacher's secret: whoever holds it drives the room")
    url: str = Field(description="the room's path on this server, /?room=CODE")
    qr: str = Field(description="a QR code of links[0]; add ?link=N for links[N]")
    links: list[RoomLinkOut] = Field(description="absolute links students may open, best first (never empty)")
    warning: str | None = Field(description="why students' devices may not reach any of the links, if so")


# -- the network page's live training (WebSocket /api/network/live; the protocol is in app/playground.py) --
Rate = Annotated[float, Field(ge=0, le=10, allow_inf_nan=False)]
L2Rate = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Batch = Annotated[int, Field(ge=1, le=1000)]


class LiveSettingsIn(BaseModel):
    """Everything a live run is built from; a field left out takes Playground's default."""

    model_config = ConfigDict(extra="forbid", strict=True)
    dataset: Dataset = "circle"
    points: int = Field(default=200, ge=10, le=1000)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    noise: float = Field(default=0, ge=0, le=0.5, allow_inf_nan=False)
    test_ratio: float = Field(default=0.5, ge=0.1, le=0.9, allow_inf_nan=False)
    features: Features = ["x1", "x2"]
    hidden: list[Annotated[int, Field(ge=1, le=8)]] = Field(default=[4, 2], max_length=6)
    activation: Activation = "tanh"
    lr: Rate = 0.03
    l2: L2Rate = 0
    batch: Batch = 10

    _features_once = field_validator("features")(_each_once)


class LiveChangeIn(BaseModel):
    """Settings that change from the next step on, keeping the weights."""

    model_config = ConfigDict(extra="forbid", strict=True)
    lr: Rate | None = None
    l2: L2Rate | None = None
    batch: Batch | None = None
    activation: Activation | None = None


class ConfigureIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["configure"]
    settings: LiveSettingsIn = Field(default_factory=LiveSettingsIn)


class ControlIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["play", "pause", "step", "reset"]
    epochs: int = Field(default=1, ge=1, le=1000, description="a step's epochs (a link replays its run in a few)")


class SetIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["set"]
    settings: LiveChangeIn


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    type: Literal["program"]
    target: str = Field(pattern=r"^(w\d{1,2}_\d{1,2}_\d{1,2}|b\d{1,2}_\d{1,2}|h\d{1,2}_\d{1,2}|out|L)$")
    point: int = Field(default=0, ge=0, le=1000)


LiveMessageIn = Annotated[ConfigureIn | ControlIn | SetIn | ProgramIn, Field(discriminator="type")]
