"""How sure is the margin? (`planlang risk`)

Numbers of the file named as in `sweep --set` are drawn from
distributions; in every sampled world the catalog `solve` picks for the
file as written is held fixed and evaluated by the independent evaluator
(exactly `planlang eval` of that catalog on the edited file), giving the
distribution of margin and revenue, how often each requirement breaks and
which segments' buckets turn loss-making. `reoptimize` also solves every
world: the regret is what the best catalog of that world would have made
more.

    --vary gpu.h100.hourly=uniform(x0.8, x1.5)          x: a factor of the file's number
    --vary segment.casual.users=normal(150M, 10%)       a percent SD: of the mean
    --vary plan.agent.price=triangular(39, 49, 59)
    --vary segment.casual.usage.message=lognormal(median = x1, p90 = x1.3)

Samples come from a nested Latin hypercube (see `levels`): every varied
number's values are spread evenly over its distribution, the numbers are
drawn independently of each other, and more samples only add points (the
same seed gives the same first samples), so a larger run refines the
figures of a smaller one. A draw outside what the language allows the
number (a percent above 100, a negative price, a GPU count of 2.4) is
moved to the nearest value it allows and reported as clipped; each number
is tried at its extremes before the first world runs.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

import planlang
from planlang import PlanError
from planlang.edit import Change, EditError, allowed, apply, literal_value, locate
from planlang.items import Domain
from planlang.model import Model, Range, Usage, Values
from solver.semantics.buckets import Z90
from solver.solution.choose import ChoiceError, catalog
from solver.semantics.evaluator import evaluate
from solver.milp.requirements import requirement_text

MAX_SAMPLES = 10_000  # worlds of `risk`: each is an evaluation, and every one is kept
MAX_WORLDS = 1_000  # worlds of `solve --robust`: each adds its buckets to one MILP
MAX_VARIED = 100
EXTREME = 1e-12  # levels run from this to 1 - this: a normal draw stays within 7 standard deviations
_NORMAL = NormalDist()


class RiskError(Exception):
    """A --vary that cannot be read or applied."""


@dataclass
class Varied:
    """One number of the file and its distribution."""

    path: str
    text: str  # as written: normal(150M, 10%)
    kind: str
    args: list[float]  # in the number's written unit, or factors
    factor: bool  # the arguments are factors of the file's number (x0.8)
    domain: Domain = Domain()  # what the language allows the number
    written: tuple[float, ...] = ()  # the numbers the path names, as the file has them

    def clipped(self, value: float) -> float:
        """`value` (a number, or a factor of the written ones) moved to the
        nearest one the language allows."""
        if not self.factor:
            return self.domain.nearest(value)
        low, high = 0.0, math.inf  # a factor scales every written number: each stays allowed
        for number in self.written:
            if number > 0:
                low = max(low, self.domain.nearest(self.domain.low) / number if self.domain.above
                          else self.domain.low / number)
                high = min(high, self.domain.high / number)
            elif number < 0:
                low = max(low, self.domain.high / number) if math.isfinite(self.domain.high) else low
                high = min(high, self.domain.low / number) if math.isfinite(self.domain.low) else high
        return min(max(value, low), high)

    def values(self, u: np.ndarray) -> np.ndarray:
        """The distribution's quantiles at levels u (in (0, 1))."""
        a = self.args
        if self.kind == "uniform":
            return a[0] + u * (a[1] - a[0])
        if self.kind == "triangular":
            low, mode, high = a
            cut = (mode - low) / (high - low) if high > low else 0.5
            return np.where(u < cut, low + np.sqrt(u * (high - low) * (mode - low)),
                            high - np.sqrt((1 - u) * (high - low) * (high - mode)))
        z = np.array([_NORMAL.inv_cdf(x) for x in u])
        if self.kind == "normal":
            return a[0] + a[1] * z
        median, p90 = a
        return median * np.exp(math.log(p90 / median) / Z90 * z)


def _number(text: str, what: str) -> tuple[float, bool]:
    try:
        change = Change.parse(text)
    except EditError:
        raise RiskError(f"{what}: '{text}' is not a number or a factor such as x0.8") from None
    return change.value, change.factor


def parse_vary(text: str, model: Model) -> Varied:
    """`PATH=DIST` of --vary, checked against the file."""
    path, sep, written = text.partition("=")
    path, written = path.strip(), written.strip()
    found = re.fullmatch(r"(normal|uniform|triangular|lognormal)\s*\((.*)\)", written)
    if not sep or found is None:
        raise RiskError(f"--vary '{text}': write PATH=normal(MEAN, SD), uniform(LO, HI), "
                        "triangular(LO, MODE, HI) or lognormal(median = M, p90 = X)")
    kind, inside = found.groups()
    try:
        node, literals = locate(model, path)
    except EditError as error:
        raise RiskError(f"--vary {path}: {error}") from None
    if isinstance(node, (Values, Range)) and not _usage_list(model, path):
        raise RiskError(f"--vary {path}: this is a choice the solver makes; vary a fixed number "
                        "(or name one part of a usage: .median, .p90, .low, .high)")
    parts = [p.strip() for p in inside.split(",")]
    expected = {"normal": 2, "uniform": 2, "triangular": 3, "lognormal": 2}[kind]
    if len(parts) != expected:
        raise RiskError(f"--vary {path}: {kind} takes {expected} numbers, not {len(parts)}")
    if kind == "lognormal":
        named = dict(p.split("=", 1) if "=" in p else ("", p) for p in parts)
        named = {k.strip(): v.strip() for k, v in named.items()}
        if set(named) != {"median", "p90"}:
            raise RiskError(f"--vary {path}: write lognormal(median = M, p90 = X)")
        parts = [named["median"], named["p90"]]
    args, factors = [], set()
    for i, part in enumerate(parts):
        if kind == "normal" and i == 1 and part.endswith("%"):
            args.append(float(_number(part[:-1], f"--vary {path}")[0]) / 100 * args[0])
            continue
        value, is_factor = _number(part, f"--vary {path}")
        args.append(value)
        factors.add(is_factor)
    if len(factors) > 1:
        raise RiskError(f"--vary {path}: give every number as a value or every one as a factor (x0.8), not both")
    factor = factors == {True}
    if not factor and len(literals) != 1:
        raise RiskError(f"--vary {path} names {len(literals)} numbers; vary them together by factors "
                        "(uniform(x0.8, x1.2)) or name one part")
    order = {"uniform": [(0, 1)], "triangular": [(0, 1), (1, 2)], "lognormal": [(0, 1)], "normal": []}[kind]
    if any(args[a] > args[b] for a, b in order) or (kind == "normal" and args[1] < 0) or \
            (kind == "lognormal" and args[0] <= 0):
        raise RiskError(f"--vary {path}: {written} is not a distribution (its numbers are out of order)")
    return Varied(path, written, kind, args, factor, allowed(model, path), tuple(literal_value(n) for n in literals))


def _usage_list(model: Model, path: str) -> bool:
    """Whether `path` names a segment's per-bucket usage list (not a choice)."""
    parts = path.split(".")
    return parts[0] == "segment" and len(parts) == 4 and parts[2] == "usage" and \
        any(isinstance(i, Usage) and i.resource.name == parts[3] for i in model.segments[parts[1]].items)


def levels(samples: int, dimensions: int, seed: int) -> np.ndarray:
    """(samples, dimensions) levels in (0, 1): a nested Latin hypercube.

    The first point is drawn at random; then, again and again, as many new
    points as there are: with n points holding one of n equal strata in
    every dimension, each stratum is split in two and the new points take
    the empty halves, in an order drawn independently for each dimension.
    So the first n points, n a power of 2, are a Latin hypercube of n
    strata (every number spread evenly over its distribution), and more
    samples only add points (Tong 2006, "Refinement strategies for
    stratified sampling"). Of a few candidate orders per round, the one
    whose points correlate least across dimensions is kept, whatever the
    number of samples asked, so that independent numbers are drawn
    independently even in small runs. (scipy.stats.qmc has no such design:
    its scrambled Sobol' points correlate up to 0.99 at 20 numbers x 20
    samples, and its Latin hypercube changes every point when the count
    changes.)"""
    if seed < 0:
        raise RiskError(f"--seed is a whole number from 0 up, not {seed}")
    rng = np.random.default_rng(seed)
    out = rng.random((1, dimensions))
    while len(out) < samples:
        n = len(out)
        taken = np.floor(out * 2 * n).astype(np.int64)
        best, best_key = None, math.inf
        for _ in range(max(4, min(64, 4096 // n))):
            block = np.empty((n, dimensions))
            for d in range(dimensions):
                empty = np.setdiff1d(np.arange(2 * n), taken[:, d])
                block[:, d] = (rng.permutation(empty) + rng.random(n)) / (2 * n)
            key = max(_correlation(np.vstack([out, block[:k]])) for k in {max(1, n // 4), max(1, n // 2),
                                                                          max(1, 3 * n // 4), n})
            if key < best_key:
                best, best_key = block, key
        out = np.vstack([out, best])
    return np.clip(out[:samples], EXTREME, 1 - EXTREME)


def _correlation(points: np.ndarray) -> float:
    """The largest correlation between two dimensions of `points`, in size."""
    if len(points) < 3 or points.shape[1] < 2:
        return 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.corrcoef(points.T)
    np.fill_diagonal(c, 0.0)
    return float(np.nanmax(np.abs(c)))


@dataclass
class Sample:
    values: dict[str, float]  # path -> the number used (a factor for factor paths)
    margin: float
    revenue: float
    objective: float
    feasible: bool
    broken: list[str]
    losing: list[str]  # segment.bucket on a plan with a negative margin
    best: float | None = None  # --reoptimize: the best catalog's objective in this world
    regret: float | None = None  # how much better the best catalog does there (0 or more)
    clipped: list[str] = field(default_factory=list)


@dataclass
class Risk:
    varied: list[Varied]
    choices: list[str]  # the fixed catalog, as `eval --choose` takes it
    nominal: float  # its objective in the file as written
    samples: list[Sample]
    currency: str = "USD"
    nominal_losing: list[str] = field(default_factory=list)  # buckets losing money in the file as written

    def figures(self) -> dict:
        margin = np.array([s.margin for s in self.samples])
        revenue = np.array([s.revenue for s in self.samples])
        n = len(self.samples)
        broken: dict[str, int] = {}
        losing: dict[str, int] = {}
        turning: dict[str, int] = {}
        already = set(self.nominal_losing)
        for s in self.samples:
            for name in s.broken:
                broken[name] = broken.get(name, 0) + 1
            for segment in {b.split(".")[0] for b in s.losing}:
                losing[segment] = losing.get(segment, 0) + 1
            for segment in {b.split(".")[0] for b in s.losing if b not in already}:
                turning[segment] = turning.get(segment, 0) + 1
        out = {
            "samples": n, "nominal": self.nominal, "catalog": self.choices,
            "margin": _spread(margin), "revenue": _spread(revenue),
            "requirements_broken": {k: v / n for k, v in sorted(broken.items())},
            "segments_losing": {k: v / n for k, v in sorted(losing.items())},
            # share of worlds in which a bucket that makes money as written loses it
            "segments_turning": {k: v / n for k, v in sorted(turning.items())},
            "nominal_losing": self.nominal_losing,
            "clipped": sum(1 for s in self.samples if s.clipped),
        }
        regrets = [s.regret for s in self.samples if s.regret is not None]
        if regrets:
            out["regret"] = _spread(np.array(regrets))  # over the worlds where the fixed catalog is feasible
        return out

    def rows(self) -> list[dict]:
        """One plain row per world (for CSV, Parquet and --json): the
        numbers used, the figures, what broke, and what was clipped."""
        return [{**{f"vary {k}": v for k, v in s.values.items()}, "margin": s.margin, "revenue": s.revenue,
                 "objective": s.objective, "feasible": s.feasible, "broken": "; ".join(s.broken),
                 "clipped": "; ".join(s.clipped), "best": s.best, "regret": s.regret} for s in self.samples]


def _spread(values: np.ndarray) -> dict:
    return {"mean": float(values.mean()), "p5": float(np.percentile(values, 5)),
            "p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}


def fixed_catalog(model: Model) -> tuple[list[str], float]:
    """The catalog `solve` picks, as `eval --choose` choices, and its objective."""
    from solver.analysis.optimize import solve

    solution = solve(model)
    if not solution.solved:
        raise RiskError(f"the file as written is {solution.status}: there is no catalog to hold fixed")
    chosen = {name: {label: math.inf if value is None else value for label, value in plan.choices.items()}
              for name, plan in solution.plans.items() if plan.offered}
    return choice_strings(model, chosen), solution.objective


def choice_strings(model: Model, chosen: dict[str, dict[str, float]]) -> list[str]:
    """A catalog (offered plan -> its choices made) as `eval --choose` takes
    it: every optional plan said on or off."""
    out = []
    for name, plan in model.plans.items():
        if name not in chosen:
            out += [f"{name}=off"] if plan.optional else []
            continue
        out += [f"{name}=on"] if plan.optional else []
        out += [f"{name}.{label}={'unlimited' if value == math.inf else repr(value)}"
                for label, value in chosen[name].items()]
    return out


def world(text: str, model: Model, varied: list[Varied], values: list[float]) -> tuple[Model, list[str]]:
    """The file with the sampled numbers in place (each moved into what the
    language allows it), and the paths whose draw had to be moved."""
    changes, clipped = {}, []
    for v, value in zip(varied, values):
        allowed = v.clipped(value)
        if abs(allowed - value) > (0.5 if v.domain.whole and not v.factor else 0.0):  # rounding a count is no clip
            clipped.append(v.path)
        changes[v.path] = Change(allowed, v.factor)
    edited = apply(text, model, changes)
    try:
        return planlang.loads(edited, model.path), clipped
    except PlanError as error:
        drawn = ", ".join(f"{v.path}={'x' if v.factor else ''}{v.clipped(x):g}" for v, x in zip(varied, values))
        raise RiskError(f"a sampled world is not a valid file ({drawn}): {error.diagnostics[0].message}") from None


TORNADO = (0.05, 0.95)  # the levels each number takes in the tornado chart


def _extremes(text: str, model: Model, varied: list[Varied], drawn: np.ndarray) -> None:
    """Every world the run will make is a valid file, tried before the first
    one runs: each number at its lowest and its highest draw (or its P5 and
    P95, which the tornado chart uses), then all of them at their lowest,
    and at their highest, together."""
    quantiles = np.array([v.values(np.array(TORNADO)) for v in varied])
    ends = np.column_stack([np.minimum(drawn.min(axis=0), quantiles[:, 0]),
                            np.maximum(drawn.max(axis=0), quantiles[:, 1])])
    for v, (low, high) in zip(varied, ends):
        for value, which in ((low, "lowest"), (high, "highest")):
            try:
                world(text, model, [v], [value])
            except RiskError as error:
                raise RiskError(f"--vary {v.path}={v.text}: at its {which} draw {error}; narrow the "
                                "distribution") from None
    for side, which in ((0, "lowest"), (1, "highest")):
        try:
            world(text, model, varied, list(ends[:, side]))
        except RiskError as error:
            raise RiskError(f"with every varied number at its {which} draw, {error}; narrow the "
                            "distributions") from None


def draws(varied: list[Varied], samples: int, seed: int) -> np.ndarray:
    """(samples, numbers): each world's draw of each varied number (before
    it is moved into what the language allows)."""
    u = levels(samples, len(varied), seed)
    return np.column_stack([v.values(u[:, d]) for d, v in enumerate(varied)])


def _requirement_names(model: Model) -> list[str]:
    """Each requirement as the file writes it, with its line: a world that
    moves a requirement's bound breaks the same requirement."""
    return [f"{requirement_text(r)} (line {r.span.line})" for r in model.requirements]


@functools.lru_cache(maxsize=4)
def _parsed(text: str, path: str) -> Model:
    """The file's model, parsed once per worker process."""
    return planlang.loads(text, path)


def _world_task(shared: tuple, values: list[float]) -> Sample:
    """One sampled world, as solver.analysis.cluster runs it."""
    from solver.analysis.optimize import solve

    text, path, varied, choices, reoptimize = shared
    model = _parsed(text, path)
    sense = 1.0 if model.objective.sense == "maximize" else -1.0
    sampled, clipped = world(text, model, varied, values)
    try:
        evaluation = evaluate(sampled, catalog(sampled, choices))
    except ChoiceError as error:
        raise RiskError(f"the fixed catalog does not fit a sampled world: {error}") from None
    names = _requirement_names(model)
    broken = [names[i] for i, c in enumerate(evaluation.requirements) if not c.holds]
    broken += [f"gpu({p}) within its fleet" for p in evaluation.gpu_hours if not evaluation.within_capacity(p)]
    losing = _losing(evaluation)
    sample = Sample({v.path: v.clipped(float(x)) for v, x in zip(varied, values)}, evaluation.totals.margin,
                    evaluation.totals.revenue, evaluation.objective, evaluation.feasible, broken, losing,
                    clipped=clipped)
    if reoptimize:
        best = solve(sampled)
        if best.solved:
            sample.best = best.objective
            sample.regret = sense * (best.objective - sample.objective) if evaluation.feasible else None
    return sample


def _varied(model: Model, varies: list[str], samples: int, most: int, none: str) -> list[Varied]:
    """The --vary numbers, checked with the count of samples."""
    if not 1 <= samples <= most:
        raise RiskError(f"--samples is from 1 to {most:,}, not {samples:,}")
    if not varies:
        raise RiskError(none)
    if len(varies) > MAX_VARIED:
        raise RiskError(f"at most {MAX_VARIED} numbers can be varied at once")
    varied = [parse_vary(v, model) for v in varies]
    seen: set[str] = set()
    for v in varied:
        if v.path in seen:
            raise RiskError(f"--vary {v.path} is given twice; each number is varied once")
        seen.add(v.path)
    return varied


def run(model: Model, text: str, varies: list[str], samples: int = 100, seed: int = 0,
        reoptimize: bool = False, progress=None, jobs: int | None = 1, scheduler: str | None = None) -> Risk:
    """The fixed catalog in `samples` sampled worlds; on Dask with `jobs`
    local processes (1: here) or the cluster at `scheduler`."""
    from solver.analysis.cluster import run_all

    varied = _varied(model, varies, samples, MAX_SAMPLES, "name at least one number to vary: --vary PATH=DIST")
    drawn = draws(varied, samples, seed)
    _extremes(text, model, varied, drawn)  # a world the language refuses says so now, not on a worker
    choices, nominal = fixed_catalog(model)
    out = run_all(_world_task, (text, model.path, varied, choices, reoptimize), [list(map(float, row)) for row in drawn],
                  jobs=jobs, scheduler=scheduler, on_done=progress)
    return Risk(varied, choices, nominal, out, model.currency, _losing(evaluate(model, catalog(model, choices))))


def _losing(evaluation) -> list[str]:
    """segment.bucket of every bucket on a plan that costs more than it pays."""
    return [f"{p.bucket.segment}.{p.bucket.index}" for p in evaluation.placements
            if p.option is not None and p.option.revenue < p.option.cost]


@dataclass
class Swing:
    """A tornado bar: the fixed catalog's margin with one varied number at
    its 5th and its 95th percentile, every other number as the file has it."""

    path: str
    low: float  # the number (or factor) at P5
    high: float
    margin_low: float
    margin_high: float

    @property
    def width(self) -> float:
        return abs(self.margin_high - self.margin_low)


def tornado(model: Model, text: str, risk: Risk) -> tuple[float, list[Swing]]:
    """The file's margin under the fixed catalog, and each varied number's
    swing of it, widest first."""
    base = evaluate(model, catalog(model, risk.choices)).totals.margin
    out = []
    for v in risk.varied:
        low, high = v.values(np.array(TORNADO))
        margins = []
        for value in (low, high):
            edited, _ = world(text, model, [v], [value])
            margins.append(evaluate(edited, catalog(edited, risk.choices)).totals.margin)
        out.append(Swing(v.path, float(low), float(high), *margins))
    return base, sorted(out, key=lambda s: -s.width)


# ---- one catalog for every sampled world (solve --robust) ------------------------------------


@dataclass
class Robust:
    """The catalog with the best expected objective over the sampled worlds
    (every requirement holding in each), against the nominal catalog."""

    choices: list[str] | None  # None: no catalog meets every requirement in every world
    expected: float | None  # its mean objective over the worlds
    worst: float | None
    nominal_choices: list[str] | None  # None: the file as written is infeasible
    nominal_expected: float | None  # the catalog solved for the file as written, over the same worlds
    nominal_infeasible: int  # worlds where that one breaks a requirement
    worlds: int
    currency: str = "USD"


def _padded(row, offset: int, total: int):
    from dataclasses import replace

    coefficient = np.zeros((total, row.coefficient.shape[1]))
    coefficient[offset:offset + row.coefficient.shape[0]] = row.coefficient
    return replace(row, coefficient=coefficient)


def robust(model: Model, text: str, varies: list[str], samples: int = 20, seed: int = 0,
           options=None) -> Robust:
    """One MILP: the configuration choice is shared, each sampled world has
    its own user types (the buckets of that world), requirements and fleets
    hold in every world, and the objective is the mean over the worlds."""
    from dataclasses import replace

    from solver.milp import backends
    from solver.milp.options import Options
    from solver.milp.compile import compile_model
    from solver.milp.formulation import Fleet, build, fleets
    from solver.milp.requirements import RequirementError, compile_requirements

    varied = _varied(model, varies, samples, MAX_WORLDS, "--robust needs the numbers to vary: --vary PATH=DIST")
    drawn = draws(varied, samples, seed)
    _extremes(text, model, varied, drawn)
    worlds = [compile_model(world(text, model, varied, list(drawn[i]))[0]) for i in range(samples)]
    labels = [c.label() for c in worlds[0].configs]
    for w in worlds:
        if [c.plan for c in w.configs] != [c.plan for c in worlds[0].configs]:
            raise RiskError("a varied number changes the plans' choices: --robust varies fixed numbers only")
    total = sum(len(w.buckets) for w in worlds)
    rows, rules, capacities, offset = [], [], [], 0
    for i, w in enumerate(worlds):
        try:
            world_rows, world_rules = compile_requirements(w)
        except RequirementError as error:
            raise RiskError(str(error)) from None
        rows += [_padded(r, offset, total) for r in world_rows]
        rules += world_rules
        for fleet in fleets(w):
            hours = np.zeros((total, len(labels)))
            hours[offset:offset + len(w.buckets)] = fleet.hours
            capacities.append(Fleet(f"{fleet.key}@{i}", fleet.text, fleet.line, hours, fleet.capacity))
        offset += len(w.buckets)
    first = worlds[0]
    merged = replace(
        first, buckets=[b for w in worlds for b in w.buckets],
        mass=np.concatenate([w.mass for w in worlds]) / samples,
        utility=np.concatenate([w.utility for w in worlds]), revenue=np.concatenate([w.revenue for w in worlds]),
        cost=np.concatenate([w.cost for w in worlds]), gpu_hours=np.concatenate([w.gpu_hours for w in worlds]),
        served=np.concatenate([w.served for w in worlds]), value=np.concatenate([w.value for w in worlds]),
        contribution=np.concatenate([w.contribution for w in worlds]),
        ranking=[r for w in worlds for r in w.ranking])
    problem = build(merged, rows, rules, capacities=capacities)
    result = backends.solve(problem, options or Options())
    try:
        nominal, _ = fixed_catalog(model)
    except RiskError:  # the file as written has no catalog: nothing to compare with
        nominal = None
    nominal_values = [_evaluated(w.model, nominal) for w in worlds] if nominal else []
    out = Robust(None, None, None, nominal, float(np.mean([v for v, _ in nominal_values])) if nominal else None,
                 sum(1 for _, ok in nominal_values if not ok), samples, model.currency)
    if result.status not in ("optimal", "feasible"):
        return out
    offered = [j for j, column in enumerate(problem.offer) if result.values[column] > 0.5]
    out.choices = choice_strings(model, {first.configs[j].plan: dict(first.configs[j].choices) for j in offered})
    values = [_evaluated(w.model, out.choices) for w in worlds]
    if not all(ok for _, ok in values):  # pragma: no cover - the MILP and the evaluator disagree: a bug
        raise RiskError("internal error: the robust catalog breaks a requirement in a sampled world")
    out.expected = float(np.mean([v for v, _ in values]))
    out.worst = float(min(v for v, _ in values)) if model.objective.sense == "maximize" else \
        float(max(v for v, _ in values))
    return out


def _evaluated(model: Model, choices: list[str]) -> tuple[float, bool]:
    """(objective, every requirement holds) of a catalog in one world."""
    evaluation = evaluate(model, catalog(model, choices))
    return evaluation.objective, evaluation.feasible
