"""What-if sweeps: re-solve a .plan file over a grid of changed numbers.

    sweep("examples/assistant.plan", {"gpu.h100.hourly": "x1..x0.1 step 0.1"})

Each axis names a number (planlang/edit.py) and a range of values; several
axes make a grid. A point is the file with its numbers changed, checked like
any file, then solved. Points that change only requirement bounds or fleets
reuse the compiled model (buckets, configurations and their economics stay
the same); the others are compiled afresh. Points run in parallel on local
cores, a process each, in a deterministic order: the result lists them in
grid order whatever finishes first.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from pathlib import Path
from typing import Callable, Iterable

from pydantic import BaseModel, ConfigDict

import planlang
from planlang import PlanError
from planlang.edit import Change, EditError, apply, literal_value, locate
from solver.milp.options import Options
from solver.solution.schema import Solution

DEFAULT_POINTS = 10  # of a range written without a step
MAX_POINTS = 10_000  # in a whole grid: each point is a solve, and every one is kept


class SweepError(ValueError):
    """An axis that cannot be swept (a bad path or range)."""


class Axis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    changes: list[str]  # as Change prints them: "x0.5" or "20"


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settings: dict[str, str]  # path -> the change, e.g. {"gpu.h100.hourly": "x0.5"}
    values: dict[str, float]  # path -> the first number it names, after the change
    solution: Solution | None = None  # None when the changed file is not valid
    error: str | None = None


class SweepResult(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    axes: list[Axis]
    points: list[Point]

    def records(self) -> list[dict]:
        """One plain dict per point: the settings, the status and totals, and
        every plan's offer, price, choices, users and margin; GPU hours per
        pool. Ready for csv.DictWriter or a data frame."""
        return [_record(point) for point in self.points]


def parse_range(text: str) -> list[Change]:
    """`20,25,30`, `[20, 25]`, `10..30 step 5`, `x1..x0.1 step 0.1`, `x0.1..x1`
    (10 points when a factor range has no step) or one value."""
    written = text.strip()
    if written.startswith("[") and written.endswith("]"):
        written = written[1:-1]
    try:
        if ".." in written:
            span, step = _split_step(written)
            low, high = (Change.parse(end) for end in span.split("..", 1))
            if low.factor != high.factor:
                raise SweepError(f"'{text}': both ends are factors (x0.1..x1) or both values")
            return _steps(low, high, step, text)
        return [Change.parse(item) for item in written.split(",") if item.strip()]
    except EditError as error:
        raise SweepError(str(error)) from None


def _split_step(written: str) -> tuple[str, str]:
    match = re.fullmatch(r"(.+?)(?:\s+step\s+(.+))?", written)
    return match.group(1), match.group(2) or ""


def _steps(low: Change, high: Change, step_text: str, text: str) -> list[Change]:
    if step_text:
        step = abs(Change.parse(step_text.lstrip("x")).value)
        if step == 0:
            raise SweepError(f"'{text}': a step of 0 never ends")
        count = math.floor(abs(high.value - low.value) / step * (1 + 1e-9)) + 1
    else:
        count = DEFAULT_POINTS if low.factor else math.floor(abs(high.value - low.value)) + 1
        step = abs(high.value - low.value) / max(1, count - 1)
    if count > MAX_POINTS:
        raise SweepError(f"'{text}' makes {count:,} points; at most {MAX_POINTS:,}: use a larger step")
    sign = 1.0 if high.value >= low.value else -1.0
    return [Change(round(low.value + sign * i * step, 12), low.factor) for i in range(count)]


def axes_from(settings: dict[str, str | Iterable]) -> list[Axis]:
    axes = []
    for path, written in settings.items():
        changes = parse_range(written) if isinstance(written, str) else [
            c if isinstance(c, Change) else Change.parse(str(c)) for c in written]
        if not changes:
            raise SweepError(f"--set {path}: no values")
        axes.append(Axis(path=path, changes=[str(c) for c in changes]))
    return axes


# ---- solving the points --------------------------------------------------------------

_REUSABLE = re.compile(r"^(require\.\d+|gpu\.[A-Za-z_]\w*\.fleet)$")  # compiled arrays stay valid


@functools.lru_cache(maxsize=4)
def _base(text: str, path: str):
    """The file's own model, parsed once per process."""
    return planlang.loads(text, path)


@functools.lru_cache(maxsize=4)
def _base_compiled(text: str, path: str):
    from solver.milp.compile import compile_model

    return compile_model(_base(text, path))


def _solve_task(shared: tuple[str, str, Options], settings: dict[str, str]) -> Point:
    """One point, as solver.analysis.cluster runs it: (text, path, options) shared."""
    text, path, options = shared
    return _solve_point(text, path, settings, options)


def _solve_point(text: str, path: str, settings: dict[str, str], options: Options) -> Point:
    from solver.milp.compile import compile_model, with_bounds
    from solver.analysis.optimize import SolveInputError, solve_compiled

    base = _base(text, path)
    changes = {p: Change.parse(c) for p, c in settings.items()}
    try:
        model = planlang.loads(apply(text, base, changes), path)
    except (PlanError, EditError) as error:
        return Point(settings=settings, values={}, error=str(error))
    values = {p: literal_value(locate(model, p)[1][0]) for p in settings}
    if all(_REUSABLE.match(p) for p in settings):
        compiled = with_bounds(_base_compiled(text, path), model)
    else:
        compiled = compile_model(model)
    try:
        solution = solve_compiled(compiled, options)
    except SolveInputError as error:
        return Point(settings=settings, values=values, error=str(error))
    return Point(settings=settings, values=values, solution=solution)


def sweep(file: str | Path, settings: dict[str, str | Iterable], *, text: str | None = None,
          options: Options | None = None, jobs: int | None = None, scheduler: str | None = None,
          on_point: Callable[[int, int], None] | None = None) -> SweepResult:
    """Solve `file` at every point of the grid `settings` (path -> range, as
    `planlang sweep --set` takes it, or a list of values/Changes), on Dask:
    a local cluster of `jobs` processes (default: every core; 1 runs here),
    or the cluster at `scheduler`. `on_point(done, total)` is called as
    points finish."""
    path = str(file)
    text = Path(file).read_text(encoding="utf-8") if text is None else text
    base = _base(text, path)  # a bad file fails here, once, with every problem
    axes = axes_from(settings)
    for axis in axes:
        try:
            locate(base, axis.path)
        except EditError as error:
            raise SweepError(f"--set {axis.path}: {error}") from None
    size = math.prod(len(a.changes) for a in axes)
    if size > MAX_POINTS:
        raise SweepError(f"the grid has {size:,} points ({' x '.join(str(len(a.changes)) for a in axes)}); "
                         f"at most {MAX_POINTS:,}: use larger steps or fewer --set")
    grid = [dict(zip([a.path for a in axes], combo)) for combo in itertools.product(*(a.changes for a in axes))]
    from solver.analysis.cluster import run_all

    points = run_all(_solve_task, (text, path, options or Options()), grid, jobs=jobs, scheduler=scheduler,
                     on_done=on_point)
    return SweepResult(file=path, axes=axes, points=points)


def _record(point: Point) -> dict:
    out: dict = {f"set {p}": c for p, c in point.settings.items()}
    out.update({f"value {p}": v for p, v in point.values.items()})
    solution = point.solution
    out["status"] = solution.status if solution else "error"
    out["message"] = point.error or (solution.message if solution else None)
    if solution is None:
        return out
    out["objective"] = solution.objective
    out.update({key: getattr(solution.totals, key) for key in ("revenue", "cost", "margin", "users")})
    accounts = any(b.seats != 1.0 for buckets in solution.segments.values() for b in buckets)
    if accounts:  # a file with seats (spec section 10): users count accounts
        out["seats"] = solution.totals.seats
    for name, plan in solution.plans.items():
        out[f"{name}.offered"] = plan.offered
        out[f"{name}.price"] = plan.price
        for label, value in plan.choices.items():
            out[f"{name}.{label}"] = value
        out[f"{name}.users"] = plan.users
        if accounts:
            out[f"{name}.seats"] = plan.seats
        out[f"{name}.margin"] = plan.margin
    for name, gpu in solution.gpu.items():
        out[f"gpu.{name}.hours"] = gpu.hours
    return out
