"""Shared test setup. Hypothesis runs derandomized (a fixed seed per test)
and without its example database unless HYPOTHESIS_PROFILE=dev, so every run
of the suite is the same run."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.plan"))
SPEC = ROOT.parent / "shared" / "spec" / "LANGUAGE.md"

settings.register_profile(
    "ci", derandomize=True, database=None, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
