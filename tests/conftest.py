"""Shared test settings: hypothesis profiles (a short one for CI, a longer one on demand)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

QUIET = [HealthCheck.too_slow]
settings.register_profile("ci", max_examples=150, deadline=None, suppress_health_check=QUIET)
settings.register_profile("long", max_examples=5000, deadline=None, suppress_health_check=QUIET)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
