"""Progress of a long solve on stderr, as HiGHS prints its own: the best
catalog's objective so far, the bound no catalog can beat, and the gap
between them, every EVERY seconds once a solve has run AFTER seconds (a
short solve prints nothing). Values are in the model's units (the
objective's scale undone). Nothing here touches stdout, so `--json` stays
one document."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

AFTER = 5.0  # seconds of solving before the first line
EVERY = 5.0  # seconds between lines


class Progress:
    """One per command: its clock starts when the command's solve does."""

    def __init__(self, report: Callable[[str], None]):
        self.report = report
        self.started = time.monotonic()
        self.last = self.started + AFTER - EVERY

    def update(self, stage: str, best: float | None, bound: float | None, scale: float = 1.0) -> None:
        """Say where the search stands (`best` and `bound` of the scaled
        problem, `scale` back to the model's units), if a line is due."""
        now = time.monotonic()
        if now - self.last < EVERY:
            return
        self.last = now
        best = best if best is not None and math.isfinite(best) else None  # HiGHS's "none yet" is infinite
        bound = bound if bound is not None and math.isfinite(bound) else None
        parts = [f"{now - self.started:6.1f} s  {stage}"]
        if best is not None:
            parts.append(f"best {best * scale:,.2f}")
        if bound is not None:
            parts.append(f"bound {bound * scale:,.2f}")
        if best is not None and bound is not None and best:
            parts.append(f"gap {max(bound - best, 0.0) / abs(best):.4%}")
        self.report("  " + ", ".join(parts))
