"""What each requirement and fleet costs the objective (`solve --explain`).

For every requirement and every fleet:

- without: how much the objective improves with it dropped (re-solved).
  Binding means it improves at all.
- shadow price, for a binding one whose bound is one written number
  (`margin >= 30%`, `price(pro) >= 2 * price(plus)`) or a fleet: the gain
  per unit of the smallest loosening of that number that lets a better
  catalog in. The search doubles the move from STEP of the number's size,
  then halves the interval SEARCH times. For a fleet, per busy GPU-hour the
  larger fleet gives. A requirement that is not binding is worth 0.

Why re-solve rather than read LP duals: once the catalog is fixed, every
bucket's choice is fixed too (users self-select), so the LP with the integer
choices fixed has a single feasible point and its duals say nothing (any
value fits). What a bound is worth is whether moving it lets a better
catalog in: a step of the optimal objective, which only re-solving finds.
The compiled model is reused: only bounds change.
"""

from __future__ import annotations

from dataclasses import replace

from planlang import PlanError
from planlang.edit import Change, EditError, apply, literal_value, locate
from solver.milp import backends
from solver.milp.options import Options
from solver.milp.compile import Compiled, with_bounds
from solver.semantics.evaluator import evaluate
from solver.milp.formulation import build
from solver.milp.requirements import compile_requirements
from solver.solution.describe import requirement_results
from solver.solution.schema import BoundValue

STEP = 0.01  # the search for a move that pays starts at 1% of the number (at least one unit)
SEARCH = 12  # halvings: the move is found to within 1/4096 of the interval it was bracketed in


def _objective(compiled: Compiled, options: Options, enforce: set[str] | None = None,
               requirements=None) -> float | None:
    """The best objective, as maximized (None when infeasible or unbounded).
    `requirements`: compile_requirements(compiled), when already at hand."""
    rows, rules = requirements or compile_requirements(compiled)
    problem = build(compiled, rows, rules, enforce=enforce)
    result = backends.solve(problem, replace(options, gap=0.0))
    return None if result.status != "optimal" else result.objective * problem.objective_scale


def _improves(gain: float, now: float) -> bool:
    return gain > 1e-9 * max(1.0, abs(now))


def _moved(compiled: Compiled, source, path: str, value: float) -> Compiled:
    """`compiled` with one bound (a requirement's number or a fleet) moved;
    `source` is (text, the model parsed from it)."""
    import planlang

    text, model = source
    return with_bounds(compiled, planlang.loads(apply(text, model, {path: Change(value)}), compiled.model.path))


def _slack(compiled: Compiled, offered: set[int], index: int) -> float:
    catalog = {compiled.configs[j].plan: compiled.configs[j] for j in offered}
    evaluation = evaluate(compiled.model, catalog, compiled.economics, compiled.buckets)
    return requirement_results(evaluation)[index].slack or 0.0


def bound_values(compiled: Compiled, offered: set[int], options: Options,
                 now: float | None = None) -> list[BoundValue]:
    """The value of every requirement and fleet of `compiled`, around its
    optimal catalog `offered`; `now` is its objective as maximized, when
    already proven (else it is solved for)."""
    import planlang

    if options.out_of_time:  # nothing left to price with
        return [entry.model_copy(update={"timed_out": True}) for _, entry in _entries(compiled)]
    text = planlang.dumps(compiled.model)  # the numbers are moved in canonical text
    source = (text, planlang.loads(text, compiled.model.path))
    requirements = compile_requirements(compiled)
    if now is None:
        now = _objective(compiled, options, requirements=requirements)
    keys = {key for key, _ in _entries(compiled)}

    def priced(key: str, entry: BoundValue, path: str | None, direction, move) -> BoundValue:
        """`direction(bound, step)`: +1 or -1, the way that loosens; `move(bound, signed)`:
        (the compiled model with the bound moved, units the shadow price is per)."""
        without = _objective(compiled, options, keys - {key}, requirements)
        if now is None or without is None:
            return entry.model_copy(update={"path": path, "timed_out": options.out_of_time})
        entry = entry.model_copy(update={"path": path, "without": without - now,
                                         "binding": _improves(without - now, now)})
        if path is None:
            return entry
        bound = literal_value(locate(source[1], path)[1][0])
        entry.bound = bound
        if not entry.binding:  # dropping it gains nothing, so loosening it cannot
            entry.shadow_price = entry.gain = 0.0
            return entry
        whole = key.startswith("fleet:")
        start = round(STEP * abs(bound)) or 1.0 if whole else STEP * abs(bound) or 1.0
        try:
            sign = direction(bound, start)
        except PlanError:  # the first move already leaves the valid range
            return entry
        step, gain, units = _first_gain(lambda delta: move(bound, sign * delta), now, options, start, whole)
        if step is not None:
            entry.step, entry.gain = sign * step, gain
            entry.shadow_price = gain / units
        entry.timed_out = step is None and options.out_of_time
        return entry

    out = []
    for key, entry in _entries(compiled):
        if key.startswith("fleet:"):
            name = key.split(":", 1)[1]

            def more_gpus(fleet: float, signed: float, name=name, capacity=compiled.economics.pools[name].capacity):
                moved = _moved(compiled, source, f"gpu.{name}.fleet", fleet + signed)
                return moved, moved.economics.pools[name].capacity - capacity

            out.append(priced(key, entry, f"gpu.{name}.fleet", lambda fleet, step: 1.0, more_gpus))
            continue
        i = int(key.split(":", 1)[1])
        try:
            locate(source[1], f"require.{i + 1}")
            path = f"require.{i + 1}"
        except EditError:
            path = None

        def loosening(bound: float, step: float, path=path, i=i, op=compiled.model.requirements[i].op) -> float:
            """+1 when raising the number loosens the requirement (its slack on
            the optimal catalog grows), else -1; linear, so one look tells."""
            if op == "==":
                return 1.0
            up, down = _moved(compiled, source, path, bound + step), _moved(compiled, source, path, bound - step)
            return 1.0 if _slack(up, offered, i) >= _slack(down, offered, i) else -1.0

        def move(bound: float, signed: float, path=path):
            return _moved(compiled, source, path, bound + signed), abs(signed)

        out.append(priced(key, entry, path, loosening, move))
    return out


def _entries(compiled: Compiled) -> list[tuple[str, BoundValue]]:
    """Every requirement and fleet, unpriced, keyed as milp.Constraint keys."""
    from planlang.format import expr_text

    out = []
    for i, require in enumerate(compiled.model.requirements):
        out.append((f"require:{i}", BoundValue(
            requirement=f"{expr_text(require.left)} {require.op} {expr_text(require.right)}",
            line=require.span.line, unit="unit of the bound")))
    for name, pool in compiled.economics.pools.items():
        if pool.capacity is not None:
            out.append((f"fleet:{name}", BoundValue(requirement=f"gpu({name}) <= its fleet's capacity",
                                                    line=compiled.model.gpus[name].span.line,
                                                    unit="busy GPU-hour")))
    return out


def _first_gain(move, now: float, options: Options, start: float, whole: bool):
    """The smallest loosening (to within SEARCH halvings) that lets a better
    catalog in: (its size in the bound's units, objective gained, units of
    what the shadow price is per), or Nones when none does before the bound
    leaves its valid range. `move(delta)` gives (the moved model, units).
    Doubles the move from `start`, then bisects between the last move that
    gained nothing and the first that did."""
    def gain(delta: float):
        try:
            moved, units = move(delta)
        except PlanError:  # moved out of range (a share below 0, say)
            return None
        after = _objective(moved, options)
        return None if after is None else (after - now, units)

    low, high, found = 0.0, start, None
    for _ in range(40):
        found = gain(high)
        if found is None:
            return None, None, None
        if _improves(found[0], now):
            break
        low, high = high, high * 2
    else:
        return None, None, None
    for _ in range(SEARCH):
        middle = (low + high) / 2
        if whole:
            middle = round(middle)
            if middle in (low, high):
                break
        tried = gain(middle)
        if tried is not None and _improves(tried[0], now):
            high, found = middle, tried
        else:
            low = middle
    value, units = found
    return high, value, units
