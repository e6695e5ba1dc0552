"""planlang: the .plan language for pricing AI products.

    model = planlang.load("examples/assistant.plan")   # checked, or PlanError
    text = planlang.dumps(model)                      # canonical layout

`PlanError.diagnostics` holds every problem found, each with its line and
column; `str(error)` renders them as `FILE:LINE:COL: error: MESSAGE` with
the source line and a caret.
"""

from __future__ import annotations

from planlang.api import analyze, dumps, load, loads, normalize, read_source
from planlang.diagnostics import Diagnostic, PlanError
from planlang.model import Model

__all__ = ["Diagnostic", "Model", "PlanError", "analyze", "dumps", "fit", "load", "loads", "normalize",
           "read_source"]


def fit(events, users=None, month=None, buckets=10, columns=None, scale=1.0, progress=None):
    """Segments fitted from usage events (CSV, Parquet or JSON lines): see
    planlang.usage.fit.fit. Raises planlang.usage.fit.FitError on bad input."""
    from planlang.usage.fit import fit as run

    return run(events, users, month, buckets, columns, scale, progress)
