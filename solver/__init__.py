"""planlang's solver: compile a checked model, find the catalog with the
best objective, and explain it.

    import planlang, solver

    model = planlang.load("examples/assistant.plan")
    solution = solver.solve(model)                      # or solver.solve(model, solver.Options(backend="cbc"))
    solution.status, solution.objective, solution.plans["plus"].price
    solution.model_dump(mode="json")                    # the JSON of `planlang solve --json`

    catalog = solver.catalog(model, ["plus.price=20", ...])   # a catalog spelled out
    solver.describe(model, solver.evaluate(model, catalog))   # its numbers, no MILP

Names are loaded on first use, so the command line's `check` and `fmt`
never import numpy or a MILP solver.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "solve": "solver.analysis.optimize",
    "describe": "solver.solution.describe",
    "SolveInputError": "solver.analysis.optimize",
    "Options": "solver.milp.backends",
    "BACKENDS": "solver.milp.backends",
    "SOLVERS": "solver.milp.backends",
    "Solution": "solver.solution.schema",
    "evaluate": "solver.semantics.evaluator",
    "Evaluation": "solver.semantics.evaluator",
    "catalog": "solver.solution.choose",
    "ChoiceError": "solver.solution.choose",
    "compile_model": "solver.milp.compile",
    "sweep": "solver.analysis.sweep",
    "SweepResult": "solver.analysis.sweep",
    "BoundValue": "solver.solution.schema",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'solver' has no attribute {name!r}")
