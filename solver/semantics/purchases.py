"""What users buy beyond their quota under tiered overage and with credits
(spec section 8), for every bucket x configuration at once: the vectorized
twins of evaluator.tiered and evaluator.credits, with the same
floating-point operations for every decision (compile.per_user uses them).

Arrays: K buckets, J configurations, R resources. `excess` and `included`
are (K, J, R): units wanted beyond the quota and units within it; `values`
holds (K, 1, R) arrays: the worth of units, flat or declining (section 9).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dataclasses import dataclass

from solver.semantics.configs import Config
from solver.semantics.ties import at_least_each, per_credit_each

MAX_PACKS = 2.0 ** 53  # counts stay exact in floating point


@dataclass
class Values:
    """What units are worth to one user of each bucket: the first unit's
    worth, the last one's (equal when the value is flat) and the usage u
    the worth falls over; the twin of Bucket.unit_worth and Bucket.worth."""

    first: np.ndarray
    last: np.ndarray
    usage: np.ndarray

    def __post_init__(self):
        self.declines = (self.last < self.first) & (self.usage > 0.0)
        self.all_flat = not self.declines.any()  # the common case: every formula is the flat one

    def take(self, index) -> "Values":
        """The resources at `index` (an int drops the resource axis)."""
        return Values(self.first[:, :, index], self.last[:, :, index], self.usage[:, :, index])

    def unit(self, i: np.ndarray) -> np.ndarray:  # w(i)
        if self.all_flat:
            return np.broadcast_to(self.first, np.broadcast_shapes(self.first.shape, np.shape(i)))
        declines = self.declines
        return np.where(declines, self.first - (self.first - self.last) * i / np.where(declines, self.usage, 1.0),
                        self.first)

    def unit_at(self, worth: np.ndarray) -> np.ndarray:
        """The unit worth exactly `worth`, where the value declines."""
        return self.usage * (self.first - worth) / np.where(self.declines, self.first - self.last, 1.0)

    def worth(self, start: np.ndarray, units: np.ndarray) -> np.ndarray:
        """What `units` units from unit `start` on are worth."""
        if self.all_flat:
            return self.first * units
        end = start + units
        return np.where(self.declines, (end - start) * (self.unit(start) + self.unit(end)) / 2.0, self.first * units)


def count_while(buys, high: np.ndarray) -> np.ndarray:
    """Per entry, how many of 0, 1, 2, ... pass `buys` before the first that
    fails, for tests that pass up to some point and fail from there on
    (`buys(high)` fails): bisection, the twin of evaluator.count_while."""
    low = np.zeros_like(high)
    while np.any(low < high):
        middle = (low + high) // 2
        yes = buys(middle)
        open_ = low < high
        low = np.where(open_ & yes, middle + 1, low)
        high = np.where(open_ & ~yes, middle, high)
    return low


def overage(values: Values, included: np.ndarray, excess: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Units bought beyond the quota at `price` (NaN: no overage) each."""
    flat = np.where(at_least_each(values.first, price), excess, 0.0)
    if not values.all_flat:
        declining = np.minimum(values.usage, np.maximum(included, values.unit_at(price))) - included
        flat = np.where(values.declines, declining, flat)
    return np.where(np.isnan(price), 0.0, flat)


def packs(values: Values, included: np.ndarray, excess: np.ndarray, size: np.ndarray,
          price: np.ndarray) -> np.ndarray:
    """Packs of `size` units (0: no pack) bought beyond the quota."""
    has_pack = size > 0
    unit = np.where(has_pack, size, 1.0)
    value = values.first
    count = np.floor(excess / unit)
    remainder = excess - count * unit
    count = count + ((remainder > 0) & at_least_each(value * remainder, price))
    count = np.where(has_pack & at_least_each(value * size, price), count, 0.0)
    declines = values.declines & has_pack
    if not declines.any():
        return count

    def buys(n: np.ndarray) -> np.ndarray:
        gain = values.worth(included + n * unit, np.minimum((n + 1) * unit, excess) - n * unit)
        return (n * unit < excess) & at_least_each(gain, price)

    high = np.where(declines, np.minimum(np.ceil(excess / unit), MAX_PACKS), 0.0).astype(np.int64)
    return np.where(declines, count_while(buys, high), count)


def _padded(rows: list[tuple[float, ...]], fill: float) -> np.ndarray:
    width = max(len(r) for r in rows)
    return np.array([list(r) + [fill] * (width - len(r)) for r in rows], dtype=float)


def tier_cost(units: np.ndarray, bounds: np.ndarray, prices: np.ndarray, volume: np.ndarray) -> np.ndarray:
    """T(x) for (K, J') unit counts; bounds and prices (J', T), padded with
    tiers of unlimited bound and price 0, which add nothing."""
    total = np.zeros_like(units)
    below = np.zeros(bounds.shape[0])
    for t in range(bounds.shape[1]):
        total = total + prices[:, t] * (np.minimum(units, bounds[:, t]) - np.minimum(units, below))
        below = bounds[:, t]
    price = np.zeros_like(units)
    for t in reversed(range(bounds.shape[1])):  # the first tier the count falls in
        price = np.where(units <= bounds[:, t], prices[:, t], price)
    return np.where(volume, units * price, total)


def tiered(excess: np.ndarray, included: np.ndarray, values: Values, configs: list[Config],
           resources: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Units bought beyond the quota under tiered overage, and what they
    cost, per (K, J, R): the best of 0, the whole excess, the tier bounds
    below it, with a declining value the unit worth a tier's price inside
    that tier, and with volume tiers the first whole unit above a bound;
    ties go to buying more (the twin of evaluator.tiered)."""
    bought = np.zeros_like(excess)
    paid = np.zeros_like(excess)
    for r, name in enumerate(resources):
        js = [j for j, c in enumerate(configs) if name in c.tiers]
        if not js:
            continue
        schedules = [configs[j].tiers[name] for j in js]
        bounds = _padded([s.bounds for s in schedules], np.inf)
        prices = _padded([s.prices for s in schedules], 0.0)
        volume = np.array([s.kind == "volume" for s in schedules])
        e = excess[:, js, r]
        inc = included[:, js, r]
        worth = values.take(r)
        candidates = [(np.zeros_like(e), True), (e, True)]
        below = np.zeros(len(js))
        for t in range(bounds.shape[1]):
            candidates.append((np.where(bounds[:, t] < e, bounds[:, t], 0.0), bounds[:, t] < e))
            if volume.any():
                above = volume & (bounds[:, t] + 1.0 <= e)
                candidates.append((np.where(above, bounds[:, t] + 1.0, 0.0), above))
            if not worth.all_flat:
                units = worth.unit_at(prices[:, t]) - inc
                inside = worth.declines & (below <= units) & (units <= bounds[:, t]) & (0.0 <= units) & (units <= e)
                candidates.append((np.where(inside, units, 0.0), inside))
            below = bounds[:, t]
        valued = [(units, valid, worth.worth(inc, units), tier_cost(units, bounds, prices, volume))
                  for units, valid in candidates]
        top_gain = np.full_like(e, -np.inf)
        top_size = np.zeros_like(e)
        for units, valid, w, c in valued:  # the highest gain (the first of equals)
            higher = valid & (w - c > top_gain)
            top_gain = np.where(higher, w - c, top_gain)
            top_size = np.where(higher, np.maximum(np.abs(w), np.abs(c)), top_size)
        best = np.zeros_like(e)
        for units, valid, w, c in valued:  # the most units among those tied with it
            tied = valid & at_least_each(w - c, top_gain, np.maximum(np.maximum(np.abs(w), np.abs(c)), top_size))
            best = np.where(tied & (units > best), units, best)
        bought[:, js, r] = best
        paid[:, js, r] = tier_cost(best, bounds, prices, volume)
    return bought, paid


class _List:
    """The rated resources of each (bucket, configuration) in the order
    credits are spent (value per credit, highest first; ties in declaration
    order): the `length` credits still wanted of each, and their worth."""

    def __init__(self, value: np.ndarray, rate: np.ndarray, wanted: np.ndarray):
        self.value, self.rate = value, rate
        self.length = wanted * rate
        self.start = np.zeros_like(self.length)
        total = np.zeros(self.length.shape[:2])
        for p in range(self.length.shape[2]):
            self.start[:, :, p] = total
            total = total + self.length[:, :, p]
        self.total = total  # D

    def reached(self, c: np.ndarray) -> np.ndarray:
        """(K, J, P) units that `c` more credits serve."""
        return np.minimum(np.maximum(c[:, :, None] - self.start, 0.0), self.length) / self.rate

    def worth(self, c: np.ndarray) -> np.ndarray:  # W(c)
        units = self.reached(c)
        total = np.zeros(c.shape)
        for p in range(units.shape[2]):
            total = total + self.value[:, :, p] * units[:, :, p]
        return total


def pack_pays(after: np.ndarray, before: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Whether a credit pack taking what the credits serve from worth
    `before` to `after` is worth its price (the twin of evaluator._pack_pays)."""
    return at_least_each(after - before, price, after)


def _packs(wanted: _List, size: np.ndarray, price: np.ndarray) -> np.ndarray:
    """How many credit packs each user buys: one more while the next pack's
    credits serve units worth its price. Those gains never grow along the
    list (it is ordered by value per credit), so the first pack not worth
    its price is found by bisection."""
    total = wanted.total

    def buys(n: np.ndarray) -> np.ndarray:
        after = wanted.worth(np.minimum((n + 1) * size, total))
        return (n * size < total) & pack_pays(after, wanted.worth(n * size), price)

    # pack number `high` is never bought: its credits start at or past D
    return count_while(buys, np.minimum(np.ceil(total / size), MAX_PACKS).astype(np.int64) + 1)


class Spent(NamedTuple):
    """What users do with credits in a month (evaluator.Credits's twin)."""

    units: np.ndarray  # (K, J, R) of rated resources served with credits
    payments: np.ndarray  # (K, J) paid for credits
    left: np.ndarray  # (K, J) included credits not spent
    unused: np.ndarray  # (K, J) credits bought in packs beyond what was wanted


def credits(excess: np.ndarray, included: np.ndarray, values: Values, configs: list[Config],
            resources: list[str], granted: np.ndarray) -> Spent:
    """Units of rated resources served with credits, what users pay for
    credits, and the credits left and bought unused (spec section 8, steps
    1-4; section 9, step 4 where a rated resource's value declines).
    `granted`: (K, J) credits included a month (an account's, with credits
    per seat)."""
    K, J, R = excess.shape
    bought = np.zeros_like(excess)
    payments, left, unused = np.zeros((K, J)), np.zeros((K, J)), np.zeros((K, J))
    js = [j for j, c in enumerate(configs) if c.rates]
    if not js:
        return Spent(bought, payments, left, unused)
    offers = [configs[j] for j in js]
    rs = [r for r, name in enumerate(resources) if any(name in c.rates for c in offers)]
    rate = np.array([[c.rates.get(resources[r], np.nan) for r in rs] for c in offers])[None]
    unrated = np.isnan(rate)
    rate = np.where(unrated, 1.0, rate)
    e = np.where(unrated, 0.0, excess[:, js][:, :, rs])
    units, paid, rest, spare = _flat_credits(e, values.first[:, :, rs], rate, unrated, offers, granted[:, js])
    worth = values.take(rs)
    declining = (worth.declines & ~unrated).any(axis=2)
    if declining.any():
        more = _declining_credits(e, included[:, js][:, :, rs], worth, rate, offers, granted[:, js])
        units = np.where(declining[:, :, None], more[0], units)
        paid, rest, spare = (np.where(declining, b, a) for a, b in zip((paid, rest, spare), more[1:]))
    for i, r in enumerate(rs):
        bought[:, js, r] = units[:, :, i]
    payments[:, js], left[:, js], unused[:, js] = paid, rest, spare
    return Spent(bought, payments, left, unused)


def _flat_credits(e: np.ndarray, value: np.ndarray, rate: np.ndarray, unrated: np.ndarray,
                  configs: list[Config], granted: np.ndarray) -> tuple[np.ndarray, ...]:
    """Section 8 with flat values: (K, J, P) units bought of the rated
    resources (in declaration order), and (K, J) payments, credits left and
    bought unused."""
    K, J, _ = e.shape
    v = np.broadcast_to(value, e.shape)
    key = np.where(unrated, np.inf, -per_credit_each(v, rate))
    order = np.argsort(key, axis=2, kind="stable")  # unrated last, with nothing wanted
    e, v = np.take_along_axis(e, order, axis=2), np.take_along_axis(v, order, axis=2)
    rate = np.take_along_axis(np.broadcast_to(rate, e.shape), order, axis=2)

    # 1. included credits, spent along the order
    left = np.broadcast_to(granted, (K, J)).copy()
    units = np.zeros_like(e)
    for p in range(e.shape[2]):
        units[:, :, p] = np.minimum(e[:, :, p], left / rate[:, :, p])
        left = np.maximum(left - units[:, :, p] * rate[:, :, p], 0.0)
    wanted = _List(v, rate, e - units)
    paid, unused = np.zeros((K, J)), np.zeros((K, J))

    # 3. credit overage: every still-wanted unit worth at least its price in credits
    overage = np.array([np.nan if c.credit_overage is None else c.credit_overage for c in configs])
    for p in range(e.shape[2]):
        buys = ~np.isnan(overage) & at_least_each(v[:, :, p], overage * rate[:, :, p])
        units[:, :, p] += np.where(buys, e[:, :, p] - units[:, :, p], 0.0)
        paid = paid + np.where(buys, overage * (wanted.length[:, :, p]), 0.0)

    # 4. credit packs
    has_pack = np.array([c.credit_pack is not None for c in configs])
    if has_pack.any():
        size = np.array([c.credit_pack[0] if c.credit_pack else 1.0 for c in configs])
        price = np.array([c.credit_pack[1] if c.credit_pack else 0.0 for c in configs])
        packs = np.where(has_pack, _packs(wanted, size, price), 0)
        units += wanted.reached(np.minimum(packs * size, wanted.total))
        paid = paid + packs * price
        unused = np.where(has_pack, np.maximum(packs * size - wanted.total, 0.0), 0.0)

    restored = np.zeros_like(units)
    np.put_along_axis(restored, order, units, axis=2)
    return restored, paid, left, unused


class _Levels:
    """The rated units wanted beyond the quotas, read through a level of
    value per credit (the twin of evaluator.declining_credits): arrays
    (K, J, P) over the rated resources in declaration order."""

    def __init__(self, e: np.ndarray, inc: np.ndarray, worth: Values, rate: np.ndarray):
        self.e, self.inc, self.values, self.rate = e, inc, worth, rate
        self.wanted = e > 0.0
        self.flat = ~worth.declines & self.wanted
        top = np.where(worth.declines, worth.unit(inc) / rate, per_credit_each(worth.first, rate))
        bottom = np.where(worth.declines, worth.unit(inc + e) / rate, top)
        self.top = np.where(self.wanted, top, np.nan)
        levels = np.concatenate([self.top, np.where(self.wanted, bottom, np.nan)], axis=2)
        self.levels = -np.sort(-levels, axis=2)  # highest first, NaN (nothing) last
        self.total = self.credits(e)

    def credits(self, units: np.ndarray) -> np.ndarray:
        total = np.zeros(units.shape[:2])
        for p in range(units.shape[2]):
            total = total + self.rate[:, :, p] * units[:, :, p]
        return total

    def above(self, level: np.ndarray) -> np.ndarray:
        """Units worth more than `level` per credit."""
        declining = np.minimum(self.values.usage, np.maximum(self.inc, self.values.unit_at(level * self.rate))) - self.inc
        flat = np.where(self.top > level, self.e, 0.0)
        return np.where(self.wanted, np.where(self.flat, flat, declining), 0.0)

    def reach(self, c: np.ndarray) -> np.ndarray:
        """Units that the first c credits of the list serve."""
        units = np.zeros_like(self.e)
        done = c <= 0.0
        before, before_credits = np.zeros_like(self.e), np.zeros_like(c)
        for i in range(self.levels.shape[2]):
            level = self.levels[:, :, i]
            active = ~done & ~np.isnan(level)
            now = self.above(level[:, :, None])
            credits_above = self.credits(now)
            between = active & (c < credits_above)  # between the level before and this one
            share = (c - before_credits) / np.where(between, credits_above - before_credits, 1.0)
            units = np.where(between[:, :, None], before + share[:, :, None] * (now - before), units)
            here = self.flat & (self.top == level[:, :, None])
            credits_here = credits_above.copy()
            for p in range(here.shape[2]):
                credits_here = np.where(here[:, :, p], credits_here + self.rate[:, :, p] * self.e[:, :, p],
                                        credits_here)
            inside = active & ~between & (c <= credits_here)  # within the flat resources at this level
            left = c - credits_above
            filled = now.copy()
            for p in range(here.shape[2]):
                take = np.minimum(self.e[:, :, p], left / self.rate[:, :, p])
                filled[:, :, p] = np.where(here[:, :, p], take, now[:, :, p])
                left = np.where(here[:, :, p], np.maximum(left - take * self.rate[:, :, p], 0.0), left)
            units = np.where(inside[:, :, None], filled, units)
            onward = active & ~between & ~inside
            before = np.where(onward[:, :, None], np.where(here, self.e, now), before)
            before_credits = np.where(onward, credits_here, before_credits)
            done = done | between | inside
        return np.where(done[:, :, None], units, self.e)

    def worth(self, c: np.ndarray) -> np.ndarray:
        """What the first c credits of the list serve is worth."""
        each = self.values.worth(self.inc, self.reach(c))
        total = np.zeros(c.shape)
        for p in range(each.shape[2]):
            total = total + each[:, :, p]
        return total


def _declining_credits(e: np.ndarray, inc: np.ndarray, worth: Values, rate: np.ndarray,
                       configs: list[Config], granted: np.ndarray) -> tuple[np.ndarray, ...]:
    """Section 9, step 4: (K, J, P) units bought of the rated resources (in
    declaration order), and (K, J) payments, credits left and bought unused."""
    K, J, _ = e.shape
    levels = _Levels(e, inc, worth, rate)
    granted = np.broadcast_to(granted, (K, J))
    spent = np.minimum(granted, levels.total)
    left, unused = np.maximum(granted - levels.total, 0.0), np.zeros((K, J))
    first = levels.reach(spent)
    still = levels.total - spent  # D
    units, paid = first, np.zeros((K, J))

    overage = np.array([np.nan if c.credit_overage is None else c.credit_overage for c in configs])
    if (~np.isnan(overage)).any():
        price = overage[None, :, None]
        flat = np.where(at_least_each(worth.first, price * rate), e, 0.0)
        at_least = np.where(levels.flat, flat, np.where(levels.wanted, levels.above(overage[None, :, None]), 0.0))
        served = np.maximum(first, at_least)
        units = np.where(np.isnan(price), units, served)
        paid = np.where(np.isnan(overage), paid, overage * levels.credits(served - first))

    has_pack = np.array([c.credit_pack is not None for c in configs])
    if has_pack.any():
        size = np.array([c.credit_pack[0] if c.credit_pack else 1.0 for c in configs])
        price = np.array([c.credit_pack[1] if c.credit_pack else 0.0 for c in configs])

        def buys(n: np.ndarray) -> np.ndarray:
            after = levels.worth(spent + np.minimum((n + 1) * size, still))
            return (n * size < still) & pack_pays(after, levels.worth(spent + n * size), price)

        high = np.where(has_pack, np.minimum(np.ceil(still / size), MAX_PACKS), 0.0).astype(np.int64)
        packs = count_while(buys, high)
        units = np.where(has_pack[None, :, None], levels.reach(spent + np.minimum(packs * size, still)), units)
        paid = np.where(has_pack, packs * price, paid)
        unused = np.where(has_pack, np.maximum(packs * size - still, 0.0), 0.0)
    return units, paid, left, unused
