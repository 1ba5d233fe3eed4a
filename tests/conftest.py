"""Shared test settings: a throwaway link database, and hypothesis profiles (short for CI, long on demand)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings

# Short links made by tests go to a throwaway database, never the developer's data/ folder.
os.environ.setdefault("BACKPROP_DB", str(Path(tempfile.mkdtemp(prefix="backprop-test-")) / "links.sqlite3"))
# In-process computation (the default), so tests can observe the layout cache; test_compute.py checks the pool.
os.environ.setdefault("BACKPROP_COMPUTE_WORKERS", "0")

QUIET = [HealthCheck.too_slow]
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=QUIET)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
