"""What users buy beyond their quota under tiered overage and with credits
(spec section 8), for every bucket x configuration at once: the vectorized
twins of evaluator.tiered and evaluator.credits, with the same
floating-point operations for every decision (compile.per_user uses them).

Arrays: K buckets, J configurations, R resources. `excess` is (K, J, R):
units wanted beyond the quota; `value` is (K, 1, R): worth of one unit.
"""

from __future__ import annotations

import numpy as np

from solver.configs import Config
from solver.economics import PER_CREDIT_DIGITS, TIE_DIGITS

MAX_PACKS = 2.0 ** 53  # counts stay exact in floating point


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


def tiered(excess: np.ndarray, value: np.ndarray, configs: list[Config],
           resources: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Units bought beyond the quota under tiered overage, and what they
    cost, per (K, J, R): the best of 0, the whole excess and the tier bounds
    below it; ties go to buying more."""
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
        v = value[:, :, r]
        best = np.zeros_like(e)
        best_key = np.full_like(e, -np.inf)
        candidates = [(np.zeros_like(e), True), (e, True)]
        for t in range(bounds.shape[1]):
            below = bounds[:, t] < e
            candidates.append((np.where(below, bounds[:, t], 0.0), below))
        for units, valid in candidates:
            key = np.round(v * units - tier_cost(units, bounds, prices, volume), TIE_DIGITS)
            better = valid & ((key > best_key) | ((key == best_key) & (units > best)))
            best = np.where(better, units, best)
            best_key = np.where(better, key, best_key)
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


def _packs(wanted: _List, size: np.ndarray, price: np.ndarray) -> np.ndarray:
    """How many credit packs each user buys: one more while the next pack's
    credits serve units worth its price. Those gains never grow along the
    list (it is ordered by value per credit), so the first pack not worth
    its price is found by bisection."""
    total = wanted.total
    low = np.zeros(total.shape, dtype=np.int64)
    # pack number `high` is never bought: its credits start at or past D
    high = np.minimum(np.ceil(total / size), MAX_PACKS).astype(np.int64) + 1
    target = np.round(price, TIE_DIGITS)
    while np.any(low < high):
        middle = (low + high) // 2
        gain = wanted.worth(np.minimum((middle + 1) * size, total)) - wanted.worth(middle * size)
        buys = (middle * size < total) & (np.round(gain, TIE_DIGITS) >= target)
        open_ = low < high
        low = np.where(open_ & buys, middle + 1, low)
        high = np.where(open_ & ~buys, middle, high)
    return low


def credits(excess: np.ndarray, value: np.ndarray, configs: list[Config],
            resources: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Units of rated resources served with credits, per (K, J, R), and what
    users pay for credits, per (K, J) (spec section 8, steps 1-4)."""
    K, J, R = excess.shape
    bought = np.zeros_like(excess)
    payments = np.zeros((K, J))
    js = [j for j, c in enumerate(configs) if c.rates]
    if not js:
        return bought, payments
    rs = [r for r, name in enumerate(resources) if any(name in configs[j].rates for j in js)]
    rate = np.array([[configs[j].rates.get(resources[r], np.nan) for r in rs] for j in js])[None]
    unrated = np.isnan(rate)
    rate = np.where(unrated, 1.0, rate)
    e = np.where(unrated, 0.0, excess[:, js][:, :, rs])
    v = np.broadcast_to(value[:, :, rs], e.shape)
    key = np.where(unrated, np.inf, -np.round(v / rate, PER_CREDIT_DIGITS))
    order = np.argsort(key, axis=2, kind="stable")  # unrated last, with nothing wanted
    e, v = np.take_along_axis(e, order, axis=2), np.take_along_axis(v, order, axis=2)
    rate = np.take_along_axis(np.broadcast_to(rate, e.shape), order, axis=2)

    # 1. included credits, spent along the order
    left = np.broadcast_to(np.array([configs[j].credits or 0.0 for j in js]), (K, len(js))).copy()
    units = np.zeros_like(e)
    for p in range(e.shape[2]):
        units[:, :, p] = np.minimum(e[:, :, p], left / rate[:, :, p])
        left = np.maximum(left - units[:, :, p] * rate[:, :, p], 0.0)
    wanted = _List(v, rate, e - units)
    paid = np.zeros((K, len(js)))

    # 3. credit overage: every still-wanted unit worth at least its price in credits
    overage = np.array([np.nan if configs[j].credit_overage is None else configs[j].credit_overage for j in js])
    for p in range(e.shape[2]):
        buys = ~np.isnan(overage) & (v[:, :, p] >= overage * rate[:, :, p])
        units[:, :, p] += np.where(buys, e[:, :, p] - units[:, :, p], 0.0)
        paid = paid + np.where(buys, overage * (wanted.length[:, :, p]), 0.0)

    # 4. credit packs
    has_pack = np.array([configs[j].credit_pack is not None for j in js])
    if has_pack.any():
        size = np.array([configs[j].credit_pack[0] if configs[j].credit_pack else 1.0 for j in js])
        price = np.array([configs[j].credit_pack[1] if configs[j].credit_pack else 0.0 for j in js])
        packs = np.where(has_pack, _packs(wanted, size, price), 0)
        units += wanted.reached(np.minimum(packs * size, wanted.total))
        paid = paid + packs * price

    restored = np.zeros_like(units)
    np.put_along_axis(restored, order, units, axis=2)
    for i, r in enumerate(rs):
        bought[:, js, r] = restored[:, :, i]
    payments[:, js] = paid
    return bought, payments
