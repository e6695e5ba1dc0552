"""A catalog the user spells out, for `planlang eval`.

    --choose plus.price=20 plus.quota.message=5000 plus.quota.image=unlimited
             pro=off agent.overage.ticket=0.99 pro.pack.video_s=15
             studio.credits=3000 studio.rate.video_s=10 studio.pack.credits=8
             business.seat=25 business.annual=15%    (a percent as written: 15 or 15%)
             api.overage.message.tier1=0.004    (a tier's price; tiers count from 1)
    --solution solution.json        (what `planlang solve --json` printed)

Every choice of an offered plan must be made, with one of the values the
file allows. A plan that is not optional is always offered; an optional one
is offered when it is named (`pro=on`, or any of its choices) and the
solution file does not leave it out.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from planlang.model import Model
from solver.semantics.configs import Config, expand, show
from solver.files import FileProblem, read_json

ON_OFF = {"on": True, "off": False, "yes": True, "no": False, "true": True, "false": False}


class ChoiceError(Exception):
    """What the user wrote does not name a catalog of the file."""


def parse_value(text: str) -> float:
    cleaned = text.strip().lstrip("$€£¥").removesuffix("%").replace("_", "").replace(",", "")
    if cleaned.lower() == "unlimited":
        return math.inf
    try:
        return float(cleaned)
    except ValueError:
        raise ChoiceError(f"'{text}' is not a number, an amount or 'unlimited'") from None


def _from_solution(path: Path) -> dict[str, dict[str, float] | None]:
    what = "a solution written by `planlang solve --json`"
    try:
        data = read_json(Path(path), what)
    except FileProblem as error:
        raise ChoiceError(str(error)) from None
    plans = data.get("plans") if isinstance(data, dict) else None
    if not isinstance(plans, dict) or not all(isinstance(p, dict) for p in plans.values()):
        raise ChoiceError(f"{path} is not a solution written by `planlang solve --json` "
                          "(its \"plans\" are not objects)")
    out: dict[str, dict[str, float] | None] = {}
    for name, plan in plans.items():
        if not plan.get("offered"):
            out[name] = None
            continue
        choices = plan.get("choices") or {}
        if not isinstance(choices, dict):
            raise ChoiceError(f"{path}: plans.{name}.choices is not an object of numbers")
        out[name] = {}
        for label, value in choices.items():
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                raise ChoiceError(f"{path}: plans.{name}.choices.{label} is {json.dumps(value)}, not a number "
                                  "(null stands for unlimited)")
            out[name][label] = math.inf if value is None else float(value)
    return out


def catalog(model: Model, choose: list[str], solution: Path | None = None) -> dict[str, Config]:
    """The catalog named by a solution file and `plan.item=value` choices
    (choices win); ChoiceError lists every problem at once."""
    configs = expand(model)
    wanted: dict[str, dict[str, float] | None] = _from_solution(solution) if solution else {}
    problems: list[str] = []
    for text in choose:
        key, sep, value = text.partition("=")
        name, _, label = key.strip().partition(".")
        if not sep or not name:
            problems.append(f"'{text}': write plan.item=value (e.g. plus.price=20) or plan=off")
            continue
        if name not in model.plans:
            problems.append(f"'{text}': no plan '{name}' in the file")
            continue
        if not label:
            if value.strip().lower() not in ON_OFF:
                problems.append(f"'{text}': a plan is 'on' or 'off'")
            elif ON_OFF[value.strip().lower()]:
                wanted[name] = wanted.get(name) or {}
            elif not model.plans[name].optional:
                problems.append(f"'{text}': plan {name} is not optional, so it is always offered")
            else:
                wanted[name] = None
            continue
        try:
            choices = wanted.get(name) or {}
            choices[label] = parse_value(value)
            wanted[name] = choices
        except ChoiceError as error:
            problems.append(f"'{text}': {error}")
    out: dict[str, Config] = {}
    for name, plan in model.plans.items():
        if name not in wanted and plan.optional:
            continue
        picked = wanted.get(name)
        if picked is None and plan.optional:
            continue
        config = _match(name, configs[name], picked or {}, problems)
        if config is not None:
            out[name] = config
    if problems:
        raise ChoiceError("\n".join(problems))
    return out


def _match(plan: str, configs: list[Config], picked: dict[str, float], problems: list[str]) -> Config | None:
    open_choices = dict(configs[0].choices) if configs else {}
    allowed: dict[str, list[float]] = {label: [] for label in open_choices}
    for config in configs:
        for label, value in config.choices:
            if value not in allowed[label]:
                allowed[label].append(value)
    ok = True
    for label in picked:
        if label not in allowed:
            hint = f"its choices are {', '.join(sorted(allowed))}" if allowed else "it has no choices"
            problems.append(f"{plan}.{label}: not a choice of plan {plan}; {hint}")
            ok = False
    for label, values in allowed.items():
        if label not in picked:
            problems.append(f"{plan}.{label} is a choice: give one of {', '.join(map(show, values))}")
            ok = False
        elif not any(_same(picked[label], v) for v in values):
            problems.append(f"{plan}.{label}={show(picked[label])} is not offered by the file: "
                            f"give one of {', '.join(map(show, values))}")
            ok = False
    if not ok:
        return None
    return next(c for c in configs if all(_same(picked[label], v) for label, v in c.choices))


def _same(a: float, b: float) -> bool:
    if math.isinf(a) or math.isinf(b):
        return a == b
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
