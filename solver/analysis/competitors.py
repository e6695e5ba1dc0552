"""What each competitor costs the catalog (`solve --explain`, spec section 10).

A competitor earns and costs the catalog nothing, but it sets what users
could have elsewhere: the buckets it holds are those on no plan whose best
alternative is the competitor, and the buckets on a plan it still costs
something, since a plan must leave them at least the competitor's utility.
What that costs is the difference between the best catalog with it and the
best catalog without it (the file with the competitor deleted, re-solved
under the same requirements and objective).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from planlang.model import Competitor, Competitors, Model, Segment
from solver.milp.options import Options
from solver.solution.schema import CompetitorResult, Solution


def without(model: Model, name: str) -> Model:
    """`model` with competitor `name` deleted: its block, and its name in the
    segments' `competitors` lists (a list left empty reaches none)."""
    statements = []
    for statement in model.statements:
        if isinstance(statement, Competitor) and statement.name.name == name:
            continue
        if isinstance(statement, Segment) and statement.competitors is not None:
            items = tuple(item.model_copy(update={"names": tuple(r for r in item.names if r.name != name)})
                          if isinstance(item, Competitors) else item for item in statement.items)
            statement = statement.model_copy(update={"items": items})
        statements.append(statement)
    return model.model_copy(update={"statements": tuple(statements)})


def competitor_values(model: Model, solution: Solution, options: Options,
                      solve: Callable[[Model, Options], Solution]) -> list[CompetitorResult]:
    """For each competitor of `model`: the buckets of `solution` it holds,
    and the best margin and objective without it (`solve`: the optimizer,
    solver.analysis.optimize.solve, which calls this module)."""
    out = []
    for name in model.competitors:
        held = {segment: [b for b in buckets if b.plan is None and b.outside.source == name]
                for segment, buckets in solution.segments.items()}
        held = {segment: buckets for segment, buckets in held.items() if buckets}
        priced = [b for buckets in solution.segments.values() for b in buckets
                  if b.plan is not None and b.outside.source == name]
        entry = CompetitorResult(
            competitor=name,
            buckets={segment: [b.bucket for b in buckets] for segment, buckets in held.items()},
            users=sum(b.users for buckets in held.values() for b in buckets),
            seats=sum(b.users * b.seats for buckets in held.values() for b in buckets),
            bounded_users=sum(b.users for b in priced),
        )
        if options.out_of_time:
            out.append(entry.model_copy(update={"timed_out": True}))
            continue
        alone = solve(without(model, name), replace(options, gap=0.0))
        if alone.solved:
            entry = entry.model_copy(update={"margin_without": alone.totals.margin,
                                             "objective_without": alone.objective})
        out.append(entry.model_copy(update={"timed_out": alone.stopped or alone.status == "feasible"
                                             and options.out_of_time}))
    return out
