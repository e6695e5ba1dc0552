"""How amounts are compared, by the scalar evaluator and the vectorized
compile alike (each function here has its twin for numpy arrays, with the
same floating-point operations, so both make every decision the same way).

The two implementations add the same numbers, sometimes in other orders,
so an exact comparison could make a tie in one a strict inequality in the
other. Every comparison allows for floating-point noise, relative to the
amounts compared, never an absolute amount of money:

- A purchase (units beyond the quota, a pack, a credit pack, a number of
  tiered units) is made when what it serves is worth at least its price:
  `at_least(worth, price, scale)` allows RELATIVE of the larger of the two
  and of `scale`, the size of the sums `worth` was computed from. So a pack
  worth $0.0099999 is not worth $0.01 (section 9's 50,000 packs), while
  0.1 x 0.7 (0.06999999999999999 in floating point) is worth $0.07.
- A bucket's options (its plans, and staying out) are ranked by utility,
  then by what they add to the objective. Ranking needs an order, so those
  are compared on a grid: RELATIVE of the bucket's worth (`utility_unit`)
  and of what serving it could add to the objective (`contribution_unit`).
  Both depend on the bucket alone, never on the catalog, so the evaluator
  and the compile round alike.
- Resources are ordered by value per credit to 40 significant bits (about
  12 digits), so $0.03 for 3 credits ties with $0.01 for 1.
"""

from __future__ import annotations

import math

RELATIVE = 1e-9  # amounts that agree to this share of their size are equal
CREDIT_BITS = 40


def at_least(worth: float, price: float, scale: float = 0.0) -> bool:
    """worth >= price, allowing RELATIVE of the larger amount."""
    return worth >= price - RELATIVE * max(abs(worth), abs(price), abs(scale))


def at_least_each(worth, price, scale=0.0):
    """`at_least` for numpy arrays (NaN compares false)."""
    import numpy as np

    return worth >= price - RELATIVE * np.maximum(np.maximum(np.abs(worth), np.abs(price)), np.abs(scale))


def grid(value: float, unit: float) -> float:
    """`value` as a whole number of `unit`s: equal keys are a tie."""
    return float(round(value / unit))


def grid_each(value, unit):
    import numpy as np

    return np.rint(value / unit)


def utility_unit(bucket) -> float:
    """The grid of a bucket's utilities: RELATIVE of what everything it
    wants is worth to it (its usage at its first unit's value, its features,
    its outside option). An option it may take pays at most about that, so
    its utility is computed from amounts of that size."""
    size = sum(bucket.values.get(r, 0.0) * u for r, u in bucket.usage.items())
    size += sum(bucket.features.values()) + abs(bucket.outside)
    return RELATIVE * (size if size > 0.0 else 1.0)


def contribution_unit(bucket, terms: dict, units: dict) -> float:
    """The grid of what a bucket's options add to the objective: RELATIVE
    of what serving all of its usage could add, figure by figure (`terms`:
    figure -> coefficient, of the objective; `units`: the resources' Units,
    for cost and GPU time per unit)."""
    money = utility_unit(bucket) / RELATIVE + sum(units[r].cost * u for r, u in bucket.usage.items())
    size = 0.0
    for (function, args), coefficient in terms.items():
        if function in ("margin", "revenue", "cost"):
            size += abs(coefficient) * money
        elif function == "users":
            size += abs(coefficient)
        elif function == "seats":
            size += abs(coefficient) * bucket.seats
        elif function == "gpu":
            size += abs(coefficient) * sum(units[r].gpu_hours.get(args[0], 0.0) * u for r, u in bucket.usage.items())
    return RELATIVE * (size if size > 0.0 else 1.0)


def per_credit(value: float, rate: float) -> float:
    """Value per credit, to CREDIT_BITS significant bits."""
    mantissa, exponent = math.frexp(value / rate)
    return math.ldexp(round(math.ldexp(mantissa, CREDIT_BITS)), exponent - CREDIT_BITS)


def per_credit_each(value, rate):
    import numpy as np

    mantissa, exponent = np.frexp(value / rate)
    return np.ldexp(np.rint(np.ldexp(mantissa, CREDIT_BITS)), exponent - CREDIT_BITS)
