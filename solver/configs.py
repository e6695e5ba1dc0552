"""Plans expanded into configurations: one per way of making their choices.

A configuration is a plan with every choice made. The catalog offers at
most one configuration of each plan (exactly one of a plan not `optional`).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from planlang.check import choice_values, magnitude
from planlang.model import Model, Overage, Pack, Plan, Quota, Setting, Values, Range


@dataclass(frozen=True)
class Config:
    plan: str
    number: int  # position among its plan's configurations
    price: float
    quota: dict[str, float]  # math.inf for unlimited; a resource with no quota has 0
    overage: dict[str, float]  # price per unit beyond the quota
    packs: dict[str, tuple[float, float]]  # resource -> (size, price)
    features: frozenset[str]
    choices: tuple[tuple[str, float], ...]  # the open choices made: ("quota.message", 5000.0)

    def label(self) -> str:
        made = ", ".join(f"{key}={show(value)}" for key, value in self.choices)
        return f"{self.plan}({made})" if made else self.plan


def show(value: float) -> str:
    if value == math.inf:
        return "unlimited"
    return f"{value:g}"


def _is_choice(value) -> bool:
    return isinstance(value, (Values, Range))


def _options(item) -> tuple[str, list[float], bool]:
    """(label, values, is a choice) of one item that can be chosen."""
    if isinstance(item, Setting):
        return "price", [magnitude(v) for v in choice_values(item.value)], item.op == "in"
    if isinstance(item, Quota):
        return f"quota.{item.resource.name}", [magnitude(v) for v in choice_values(item.value)], item.op == "in"
    if isinstance(item, Overage):
        return f"overage.{item.resource.name}", [magnitude(v) for v in choice_values(item.price)], _is_choice(item.price)
    assert isinstance(item, Pack)
    return f"pack.{item.resource.name}", [magnitude(v) for v in choice_values(item.price)], _is_choice(item.price)


def expand_plan(plan: Plan) -> list[Config]:
    items = [i for i in plan.items if isinstance(i, (Quota, Overage, Pack))
             or (isinstance(i, Setting) and i.key.name == "price")]
    options = [_options(i) for i in items]
    features = frozenset(plan.feature_names)
    out = []
    for number, picked in enumerate(itertools.product(*(values for _, values, _ in options))):
        made = dict(zip((label for label, _, _ in options), picked))
        out.append(Config(
            plan=plan.name.name,
            number=number,
            price=made.get("price", 0.0),
            quota={i.resource.name: made[f"quota.{i.resource.name}"] for i in items if isinstance(i, Quota)},
            overage={i.resource.name: made[f"overage.{i.resource.name}"] for i in items if isinstance(i, Overage)},
            packs={i.resource.name: (i.size.value, made[f"pack.{i.resource.name}"])
                   for i in items if isinstance(i, Pack)},
            features=features,
            choices=tuple((label, made[label]) for label, _, choice in options if choice),
        ))
    return out


def expand(model: Model) -> dict[str, list[Config]]:
    return {name: expand_plan(plan) for name, plan in model.plans.items()}
