"""Why no catalog meets every requirement, in the analyst's terms.

A deletion filter finds an irreducible set: requirements (and fleet
capacities) that cannot hold together, though any one of them could be
dropped to make the rest hold. Then, for each member, an elastic solve lets
that one alone give as little as it must while everything else holds, and
says how far: "margin >= 30% reaches at most 24.1% of revenue", "the others
need 12% more h100 capacity". Under a time limit that runs out, the set is
the requirements not yet cleared (they still cannot hold together, but may
not all be needed).
"""

from __future__ import annotations

from planlang.linear import linearize
from solver.milp import backends
from solver.milp.options import Options
from solver.milp.compile import Compiled
from solver.semantics.evaluator import evaluate
from solver.milp.formulation import Constraint, build
from solver.milp.requirements import Conflicts, Row
from solver.solution.schema import Conflict


def _feasible(compiled: Compiled, rows, rules, enforce: set[str], options: Options) -> bool:
    problem = build(compiled, rows, rules, enforce=enforce, optimize=False)
    return backends.solve(problem, options).status in ("optimal", "feasible")


def explain_infeasible(compiled: Compiled, rows: list[Row], rules: list[Conflicts],
                       options: Options) -> list[Conflict]:
    everything = build(compiled, rows, rules, optimize=False).constraints
    keys = [c.key for c in everything]
    needed = list(keys)
    for key in keys:
        trial = set(needed) - {key}
        feasible = _feasible(compiled, rows, rules, trial, options)
        if options.out_of_time:  # undecided: keep the rest, a conflicting set if not the smallest
            break
        if not feasible:
            needed.remove(key)
    by_key = {c.key: c for c in everything}
    needed.sort(key=lambda k: by_key[k].line)
    return [Conflict(requirement=by_key[k].text, line=by_key[k].line,
                     explanation=_how_far(compiled, rows, rules, by_key[k], set(needed), options))
            for k in needed]


def _how_far(compiled: Compiled, rows, rules, constraint: Constraint, keys: set[str],
             options: Options) -> str | None:
    """Relax `constraint` alone, keep the other members of its conflicting
    set, and describe the catalog that misses it least."""
    problem = build(compiled, rows, rules, enforce=keys, elastic={constraint.key})
    result = backends.solve(problem, options)
    if result.status not in ("optimal", "feasible"):
        return "not measured: the time limit came first" if options.out_of_time else None
    offered = {j for j, column in enumerate(problem.offer) if result.values[column] > 0.5}
    catalog = {compiled.configs[j].plan: compiled.configs[j] for j in offered}
    evaluation = evaluate(compiled.model, catalog, compiled.economics, compiled.buckets)
    if constraint.key.startswith("fleet:"):
        name = constraint.key.split(":", 1)[1]
        capacity = compiled.economics.pools[name].capacity
        hours = evaluation.gpu_hours[name]
        more = (hours / capacity - 1) * 100 if capacity else float("inf")
        others = "the others" if len(keys) > 1 else "any catalog"
        return (f"{others} need at least {hours:,.0f} busy GPU-hours of {name} a month, "
                f"{more:.1f}% more than its fleet gives ({capacity:,.0f})")
    index = int(constraint.key.split(":", 1)[1])
    check = evaluation.requirements[index]
    op = check.require.op
    if check.share is not None:
        needed = linearize(check.require.right).percent * 100
        return (f"while the others hold, the closest catalog reaches {check.share * 100:.1f}% "
                f"(it needs {op} {needed:.1f}%)")
    return (f"while the others hold, the closest catalog reaches {check.left:,.2f} "
            f"(it needs {op} {check.right:,.2f})")
