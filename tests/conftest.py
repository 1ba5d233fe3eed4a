"""Shared test settings: a throwaway link database, and hypothesis profiles (short for CI, long on demand)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.services import Postgres, Redis, postgres, redis

# Short links made by tests go to a throwaway database, never the developer's data/ folder.
os.environ.setdefault("BACKPROP_DB", str(Path(tempfile.mkdtemp(prefix="backprop-test-")) / "links.sqlite3"))
# One test client asks far more often than one person does: the per-client rates are raised for the
# suite (servers started by tests inherit them); tests/app/test_quotas.py sets its own small ones.
for _variable in ("BACKPROP_RATE_TRACE", "BACKPROP_RATE_TRAIN", "BACKPROP_RATE_LINKS", "BACKPROP_RATE_ROOMS"):
    os.environ.setdefault(_variable, "100000/second")
os.environ.setdefault("BACKPROP_COMPUTE_PER_CLIENT", "64")
os.environ.setdefault("BACKPROP_MAX_ROOMS_PER_CLIENT", "100000")

QUIET = [HealthCheck.too_slow]
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=QUIET)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL server of the suite's own (Debian's), on a free loopback port."""
    with postgres() as server:
        yield server


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Redis]:
    """A Redis server of the suite's own (Debian's), on a free loopback port."""
    with redis(tmp_path_factory.mktemp("redis")) as server:
        yield server
