"""Request and response models of the JSON API, in one place (`*In` for requests, `*Out` for responses)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StrictInt

# Strict: JSON true/false and numeric strings are not numbers (the engine checks inside lists).
Numbers = StrictFloat | StrictInt | list[Any]


class TraceIn(BaseModel):
    """A program, optional input values that override the ones in its text, and groups to fold."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(max_length=65536, description="the program, e.g. 'x = 2\\ny = x * x'")
    values: dict[str, Numbers] = Field(default_factory=dict, max_length=2000,
                                       description="input name → number (or nested lists for a tensor)")
    folded: list[str] | None = Field(default=None, max_length=2000,
                                     description="group paths to show folded; omitted: chosen by size")


class InputOut(BaseModel):
    name: str
    id: int
    value: Any
    shape: list[int] | None = None


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


class TraceOut(BaseModel):
    source: str
    trace: dict[str, Any] = Field(description="the engine's trace document (see engine/trace.schema.json)")
    inputs: list[InputOut]
    view: ViewOut
    layout: LayoutOut


class PresetOut(BaseModel):
    id: str
    title: str
    summary: str
    source: str


class ErrorDetail(BaseModel):
    kind: str
    message: str
    line: int
    column: int


class ErrorOut(BaseModel):
    error: ErrorDetail


class ShareIn(BaseModel):
    """A lab state to keep: the query string of its URL (see static/js/state.js)."""

    model_config = ConfigDict(extra="forbid")
    state: str = Field(max_length=65536, description="the URL query, e.g. 'v=1&source=x%20%3D%202&step=3'")


class ShareOut(BaseModel):
    id: str = Field(description="22 URL-safe characters: 128 random bits")
    url: str
    state: str
