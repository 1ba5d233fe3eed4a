"""Every setting of the server in one object, read from BACKPROP_* environment variables.

A value that is not valid stops the server at start-up with one line naming the variable
(`backprop-lab: BACKPROP_HEADER_TIMEOUT='ten' is not valid: Input should be a valid number…`);
nothing is silently replaced by its default.
"""

from __future__ import annotations

import os
from dataclasses import fields
from pathlib import Path
from typing import Literal

from limits import parse_many
from pydantic import AliasChoices, Field, PositiveFloat, PositiveInt, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from engine.lang import Limits

RATE_HELP = "a rate such as 30/minute, or several joined by ';' (30/minute;500/day)"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BACKPROP_", frozen=True, extra="ignore")

    # where it serves
    host: str = Field("127.0.0.1", validation_alias=AliasChoices("BACKPROP_HOST", "HOST"))
    port: int = Field(8000, ge=1, le=65535, validation_alias=AliasChoices("BACKPROP_PORT", "PORT"))
    workers: PositiveInt = Field(default_factory=lambda: os.cpu_count() or 1)
    log_level: Literal["critical", "error", "warning", "info", "debug", "trace"] = "warning"
    # the address the public reaches the lab at (e.g. https://lab.example.org), for links in pages
    public_url: str = Field("", pattern=r"^(https?://[^\s/?#]+(/[^\s?#]*)?)?$")

    # storage: short links and live rooms
    db: Path = Path("data/links.sqlite3")
    # PostgreSQL for links when set (postgresql://…); else the SQLite file `db`
    database_url: str = Field(
        "", pattern=r"^(postgres(ql)?://\S+)?$", validation_alias=AliasChoices("DATABASE_URL", "BACKPROP_DATABASE_URL")
    )
    # Redis for live rooms shared by several servers when set (redis://…); else rooms live in `db`
    redis_url: str = Field(
        "", pattern=r"^(rediss?://\S+)?$", validation_alias=AliasChoices("REDIS_URL", "BACKPROP_REDIS_URL")
    )
    # the prefix of every Redis key and channel: two deployments may share one Redis under two prefixes
    redis_prefix: str = Field("backprop:", pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    room_ttl: PositiveFloat = 600.0  # seconds a room lives after its teacher's last sign of life
    max_rooms_per_client: PositiveInt = 3

    # the HTTP server
    max_body_bytes: PositiveInt = 64 * 1024
    max_header_bytes: PositiveInt = 32 * 1024
    header_timeout: PositiveFloat = 10.0
    body_timeout: PositiveFloat = 10.0
    max_connections: PositiveInt = 2000
    tcp_nodelay: bool = True  # off only to measure what it saves (bench/keepalive.py)

    # layout
    layout_timeout: PositiveFloat = 5.0
    layout_memory_bytes: PositiveInt = 1024 * 1024 * 1024
    layout_cache_size: int = Field(512, ge=0)  # 0 keeps no layout (for measuring cold layouts)
    fold_threshold: PositiveInt = 120

    # what one trace may cost to send: numbers in its document, and bytes of its JSON
    max_trace_numbers: PositiveInt = 300_000
    max_trace_bytes: PositiveInt = 8 * 1024 * 1024

    # the compute pool of each app process: workers, queue, deadlines and memory per task
    compute_workers: PositiveInt = 2
    compute_queue: PositiveInt = 32
    compute_per_client: PositiveInt = 2
    compute_queue_wait: PositiveFloat = 10.0  # seconds a task may wait for a worker
    trace_deadline: PositiveFloat = 10.0
    train_deadline: PositiveFloat = 15.0
    compute_memory_bytes: PositiveInt = 2 * 1024 * 1024 * 1024
    # the work one training run, network or gradient check may ask for, in estimated nanoseconds
    max_train_work: PositiveInt = 5_000_000_000

    # live training on the network page (WebSocket /api/network/live), per app process
    live_sessions: PositiveInt = 8  # sessions training at once
    live_sessions_per_client: PositiveInt = 2  # of them from one client address
    live_idle_timeout: PositiveFloat = 300.0  # seconds a paused session may go without a message
    live_cpu_seconds: PositiveFloat = 300.0  # CPU seconds of training and pictures one address may use an hour
    live_lifetime: PositiveFloat = 3600.0  # seconds one session lasts, however busy (then the page reconnects)

    # rendered pages of short links (and first traces) kept in memory, in bytes
    page_cache_bytes: PositiveInt = 32 * 1024 * 1024

    # fair shares, per client address and app process
    rate_rooms: str = "5/minute;20/hour"
    rate_links: str = "30/minute;500/day"
    rate_train: str = "30/minute"
    rate_trace: str = "30/second;1200/minute"

    # the language's limits (passed to the engine, which reads no environment itself)
    max_source_chars: PositiveInt = 8000
    max_nodes: PositiveInt = 2000
    max_depth: PositiveInt = 64
    max_token_chars: PositiveInt = 32
    max_string_chars: PositiveInt = 200
    max_label_chars: PositiveInt = 40
    max_statements: PositiveInt = 200
    max_tensor_elements: PositiveInt = 10_000
    max_total_elements: PositiveInt = 100_000

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("rate_rooms", "rate_links", "rate_train", "rate_trace")
    @classmethod
    def _a_rate(cls, value: str) -> str:
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(RATE_HELP) from None
        return value

    @property
    def limits(self) -> Limits:
        """The language's limits as the engine takes them."""
        return Limits(**{field.name: getattr(self, field.name) for field in fields(Limits)})


def load() -> Settings:
    """The settings from the environment; SystemExit with one line naming the first bad variable."""
    try:
        return Settings()
    except ValidationError as error:
        problem = error.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else "?"
        name = field if field.isupper() else f"BACKPROP_{field.upper()}"
        raise SystemExit(f"backprop-lab: {name}={problem.get('input')!r} is not valid: {problem['msg']}") from None


SETTINGS = load()
