"""What a solve is asked for (Options: the solver, a time limit that is a
deadline for the whole command, a gap) and what it answers (Result), with
the tolerances the solvers work to."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from solver.milp.progress import Progress

import numpy as np

BACKENDS = ("highs", "cbc", "highs-pulp")  # MILP solvers
SOLVERS = BACKENDS + ("enumerate",)  # what --solver takes: milp/solve.py tries every catalog itself
FEASIBILITY_TOLERANCE = 1e-7
SMALL_COEFFICIENT = 1e-12  # HiGHS drops smaller coefficients (its default, 1e-9, dropped real ones); its least
PROVEN_GAP = 1e-6  # a smaller relative gap is optimal (HiGHS closes gaps to its own tolerances)


@dataclass
class Options:
    backend: str = "highs"
    time_limit: float | None = None  # seconds
    gap: float = 0.0  # relative MIP gap at which the search may stop
    threads: int = 1
    solution_limit: int | None = None  # stop after this many improving catalogs (HiGHS only; deterministic)
    start: bool = True  # HiGHS starts from the best catalog a local search finds (solver/milp/heuristic.py)
    cuts: bool = True  # HiGHS starts from a relaxation tightened by cuts (solver/milp/cuts.py)
    deadline: float | None = None  # time.monotonic() by which everything solved must end: see started()
    progress: "Progress | None" = None  # where a long solve says how it goes (milp/progress.py)

    def started(self) -> "Options":
        """These options with `time_limit` turned into a deadline for all
        that is solved from now on (the main solve, then explanations and
        shadow prices share what is left); once: a deadline already set stays."""
        if self.time_limit is None or self.deadline is not None:
            return self
        return replace(self, deadline=time.monotonic() + self.time_limit)

    def seconds_left(self) -> float | None:
        """What a solve started now may take: the rest of the deadline, or
        `time_limit` for a solve on its own, or None (no limit)."""
        if self.deadline is None:
            return self.time_limit
        return max(self.deadline - time.monotonic(), 0.0)

    @property
    def out_of_time(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible | unbounded | no solution | error
    values: np.ndarray | None = None
    objective: float | None = None  # of the Problem, as scaled
    bound: float | None = None
    gap: float | None = None
    seconds: float = 0.0
    message: str = ""
    cuts: int = 0  # valid inequalities added to the relaxation (solver/milp/cuts.py)
