"""Segments split into buckets of equal size (spec section 3, `segment`).

Bucket b of K holds the people between quantile levels (b-1)/K and b/K of
every distribution of the segment at once (a heavy user is heavy in
everything), and uses the mean of those people, so total usage is exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from statistics import NormalDist

from planlang.model import DAYS_PER_MONTH, Lognormal, Model, Number, Uniform, Values

_NORMAL = NormalDist()
Z90 = _NORMAL.inv_cdf(0.9)


@dataclass(frozen=True)
class Bucket:
    """One type of user (an account, in a segment with seats: spec section
    10): its usage, feature values and outside are the account's, `seats`
    times a seat's."""

    segment: str
    index: int  # 1-based
    users: float  # people (accounts) in the bucket
    usage: dict[str, float]  # demanded units per user (results, for outcomes)
    values: dict[str, float]  # worth of one unit (of the first one, when it declines), by resource
    features: dict[str, float]  # worth of a feature per month
    outside: float  # o: the best alternative's surplus (the `outside` amount, or a competitor's utility)
    last: dict[str, float] = field(default_factory=dict)  # worth of the last unit wanted, where it declines
    seats: float = 1.0  # s: seats of each account
    churn: float = 0.0  # c: the chance each month that a user stops wanting the product
    outside_from: str | None = None  # the competitor that gives `outside`; None: the `outside` amount
    reaches: tuple[str, ...] = ()  # the competitors its users can reach, in declaration order
    days: float = DAYS_PER_MONTH  # N: days a month with use (spec section 11)
    hours: float = 24.0  # H: hours of use on such a day
    months: tuple[float, ...] = (1.0,)  # usage in consecutive months, relative to `usage` (mean 1), repeating

    def in_month(self, t: int) -> "Bucket":
        """The bucket in month `t` of its cycle: usage times months[t] (its
        values fall over that month's usage, spec sections 9 and 11)."""
        factor = self.months[t]
        return replace(self, usage={r: u * factor for r, u in self.usage.items()}, months=(1.0,))

    def declines(self, resource: str) -> bool:
        """Whether the worth of `resource` falls with use in this bucket
        (spec section 9): units from 0 to the usage u fall linearly from
        values[r] to last[r]."""
        return resource in self.last and self.usage.get(resource, 0.0) > 0.0

    def unit_worth(self, resource: str, i: float) -> float:
        """w(i): the worth of unit i (counted from 0) of `resource`."""
        first = self.values.get(resource, 0.0)
        if not self.declines(resource):
            return first
        return first - (first - self.last[resource]) * i / self.usage[resource]

    def worth(self, resource: str, start: float, units: float) -> float:
        """What `units` units from unit `start` on are worth: V(start,
        start + units) of spec section 9, or the flat value times units."""
        if not self.declines(resource):
            return self.values.get(resource, 0.0) * units
        end = start + units
        return (end - start) * (self.unit_worth(resource, start) + self.unit_worth(resource, end)) / 2.0


def _z(level: float) -> float:
    if level <= 0.0:
        return -math.inf
    if level >= 1.0:
        return math.inf
    return _NORMAL.inv_cdf(level)


def _phi(x: float) -> float:
    if x == -math.inf:
        return 0.0
    if x == math.inf:
        return 1.0
    return _NORMAL.cdf(x)


def lognormal_means(median: float, p90: float, k: int) -> list[float]:
    """Mean usage of each of k equal quantile buckets of a lognormal."""
    sigma = math.log(p90 / median) / Z90
    scale = k * median * math.exp(sigma * sigma / 2.0)
    return [scale * (_phi(_z(b / k) - sigma) - _phi(_z((b - 1) / k) - sigma)) for b in range(1, k + 1)]


def uniform_means(low: float, high: float, k: int) -> list[float]:
    return [low + (b - 0.5) / k * (high - low) for b in range(1, k + 1)]


def usage_per_bucket(value, k: int) -> list[float]:
    if isinstance(value, Lognormal):
        return lognormal_means(value.median.value, value.p90.value, k)
    if isinstance(value, Uniform):
        return uniform_means(value.low.value, value.high.value, k)
    if isinstance(value, Values):
        return [v.value for v in value.items]
    assert isinstance(value, Number)
    return [value.value] * k


def expand(model: Model, demand: dict[str, float]) -> list[Bucket]:
    """Every bucket of every segment, in file order, with its `outside`
    amount (competitors are weighed by evaluator.user_types). `demand[r]`
    converts usage of r into demanded units (results per task for an
    outcome)."""
    out: list[Bucket] = []
    for name, segment in model.segments.items():
        k = segment.bucket_count
        usage = {u.resource.name: usage_per_bucket(u.value, k) for u in segment.usages}
        values = {w.target.name: w.amount.amount for w in segment.worths if w.target.name in model.resources}
        last = {w.target.name: w.last.amount for w in segment.worths
                if w.target.name in model.resources and w.last is not None and w.last.amount < w.amount.amount}
        features = {w.target.name: w.amount.amount for w in segment.worths if w.target.name in model.features}
        outside = segment.outside.amount if segment.outside is not None else 0.0
        people = segment.users.value / k
        churn = segment.churn.value / 100.0 if segment.churn is not None else 0.0
        reaches = tuple(model.competitors) if segment.competitors is None else \
            tuple(c for c in model.competitors if c in {ref.name for ref in segment.competitors.names})
        seats = usage_per_bucket(segment.seats.value, k) if segment.seats is not None else None
        days, hours = segment.active
        written = segment.months
        months = tuple(m * len(written) / sum(written) for m in written)  # scaled to a mean of 1
        for b in range(k):
            bucket = Bucket(
                segment=name,
                index=b + 1,
                users=people,
                usage={r: per[b] * demand[r] for r, per in usage.items()},
                values=values,
                features=features,
                outside=outside,
                last=last,
                churn=churn,
                reaches=reaches,
                days=days,
                hours=hours,
                months=months,
            )
            out.append(bucket if seats is None else _account(bucket, seats[b]))
    return out


def _account(bucket: Bucket, seats: float) -> Bucket:
    """A bucket of accounts of `seats` seats: one user whose usage, feature
    values and outside are `seats` times a seat's (values stay per unit)."""
    return replace(bucket, seats=seats, usage={r: seats * u for r, u in bucket.usage.items()},
                   features={f: seats * v for f, v in bucket.features.items()}, outside=seats * bucket.outside)
