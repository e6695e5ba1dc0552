"""Generated catalogs by size, for the benchmarks: .plan text shaped like a
real AI product (a free tier and a ladder of paid plans, usage spread over
segments from light to heavy), with a fixed seed so every run solves the
same problem.

    scenario(segments=20, buckets=10, plans=5, configurations=140)

`configurations` is per plan: each plan offers about that many ways of
making its choices (prices x quota choices x overage choices). With
`credits=True` the same catalog is sold in credits (spec section 8): images,
premium answers and video cost credits, each plan grants a choice of
credits in place of its choice of overage prices (so the configurations are
as many), and paid plans sell credit packs. With `accounts=True` (spec
section 10) the catalog has what business catalogs have: every other segment
is companies (`seats` spread like usage, per-seat usage and values), every
segment churns and reaches a competitor of its own (a rival plan of its size
or a pay-as-you-go API), the top two plans are sold per seat with a seat
minimum and per-seat quotas, and every paid plan has an annual term at a
fixed discount (a second option per plan, so the configurations are as many).
With `windows=True` (spec section 11) use spreads over the month and the
months differ: each segment is active some days and hours (light ones a
few days of an hour, heavy ones most days of many hours) and has months of
3 (light, 1, heavy), every plan's message quota is a cap per 5 hours (its
choices as many), and the free plan gives credits per day for images,
premium answers and video in place of its quotas and overage (a choice of
daily grants in place of its overage prices), with a monthly grant that
rolls over 2 months.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Size:
    name: str
    segments: int
    buckets: int
    plans: int
    configurations: int  # per plan, about
    credits: bool = False
    accounts: bool = False
    windows: bool = False

    def text(self, seed: int = 7) -> str:
        return scenario(self.segments, self.buckets, self.plans, self.configurations, seed, self.credits,
                        self.accounts, self.windows)


MEDIUM = Size("medium", 5, 10, 4, 50)
LARGE = Size("large", 20, 10, 5, 140)
LARGE_CREDITS = Size("large-credits", 20, 10, 5, 140, credits=True)
LARGE_ACCOUNTS = Size("large-accounts", 20, 10, 5, 140, accounts=True)
LARGE_WINDOWS = Size("large-windows", 20, 10, 5, 140, windows=True)


def _factors(target: int) -> tuple[int, int, int]:
    """prices x quota choices x overage choices close to `target`."""
    best = (1, 1, 1)
    for prices in range(1, 13):
        for quotas in range(1, 13):
            for overages in range(1, 5):
                if abs(prices * quotas * overages - target) < abs(math.prod(best) - target):
                    best = (prices, quotas, overages)
    return best


def _money(x: float, digits: int = 2) -> str:
    return f"${x:.{digits}f}".rstrip("0").rstrip(".") if x != int(x) else f"${int(x)}"


def gpu_pools(fleet: str) -> list[str]:
    """An owned H100 fleet of `fleet` GPUs and a rented pool, as .plan lines."""
    return [
        "gpu h100 {",
        "  price       = $30000",
        "  lifespan    = 36 months",
        "  power       = 700 W",
        "  pue         = 1.3",
        "  electricity = $0.08/kWh",
        "  overhead    = $0.30/hour",
        "  utilization = 60%",
        f"  fleet       = {fleet}",
        "}",
        "gpu rented { hourly = $2.50/hour }",
    ]


def scenario(segments: int, buckets: int, plans: int, configurations: int, seed: int = 7,
             credits: bool = False, accounts: bool = False, windows: bool = False) -> str:
    rng = np.random.default_rng(seed)
    out = [
        f"# generated: {segments} segments x {buckets} buckets, {plans} plans of ~{configurations} configurations",
        "currency USD",
        "",
        *gpu_pools("400K"),
        "",
        "resource message { gpu = 0.9 s on h100 }",
        "resource image   { gpu = 6 s on h100  cost = $0.001 }",
        "resource premium { gpu = 0.2 s on h100  cost = $0.03 }",
        "resource video_s { gpu = 90 s on rented }",
        "feature priority",
        "",
    ]
    # segments from light to heavy: usage grows ~100x across them, value per unit falls a little
    for s in range(segments):
        scale = 10 ** (2.2 * s / max(1, segments - 1)) * rng.uniform(0.7, 1.4)
        users = int(10 ** rng.uniform(4.3, 7.3) // 1000 * 1000) or 1000
        spread = rng.uniform(3, 9)
        messages = max(1, round(30 * scale))
        images = max(1, round(2 * scale))
        premium = max(1, round(1.5 * scale))
        video = max(1, round(0.5 * scale))
        discount = scale ** -0.12
        company = accounts and s % 2 == 1
        if accounts:  # a rival at about this segment's size, or an API at list prices
            rival = [f"  price = {_money(round(4 * scale ** 0.6 * rng.uniform(0.8, 1.2)))}",
                     f"  quota message = {int(round(60 * scale, -1)) or 10}",
                     f"  quota image = {int(round(4 * scale)) or 1}",
                     f"  overage premium at {_money(0.08 * rng.uniform(0.8, 1.2), 3)}"] if s % 3 else [
                      "  price = $0",
                      f"  overage message at {_money(0.006 * rng.uniform(0.8, 1.5), 4)}",
                      f"  overage image at {_money(0.04 * rng.uniform(0.8, 1.5), 3)}",
                      f"  overage premium at {_money(0.06 * rng.uniform(0.8, 1.5), 3)}"]
            out += [f"competitor c{s} {{", *rival, "}", ""]
        out += [
            f"segment s{s} {{",
            f"  users   = {users}",
            f"  buckets = {buckets}",
            f"  usage message ~ lognormal(median = {messages}, p90 = {round(messages * spread)})",
            f"  usage image   ~ lognormal(median = {images}, p90 = {round(images * spread)})",
            f"  usage premium ~ lognormal(median = {premium}, p90 = {round(premium * spread)})",
            f"  usage video_s ~ lognormal(median = {video}, p90 = {round(video * spread)})",
            f"  value message  = {_money(round(0.008 * discount * rng.uniform(0.7, 1.3), 4))}",
            f"  value image    = {_money(round(0.05 * discount * rng.uniform(0.7, 1.3), 4))}",
            f"  value premium  = {_money(round(0.12 * discount * rng.uniform(0.7, 1.3), 4))}",
            f"  value video_s  = {_money(round(0.15 * discount * rng.uniform(0.7, 1.3), 4))}",
            f"  value priority = {_money(round(rng.uniform(0, 3) * scale ** 0.4, 2))}",
            f"  outside = {_money(round(rng.uniform(0, 2) * scale ** 0.3, 2))}",
            *([f"  seats ~ lognormal(median = {round(rng.uniform(3, 15))}, p90 = {round(rng.uniform(30, 90))})"]
              if company else []),
            *([f"  competitors = [c{s}]", f"  churn = {round(rng.uniform(0.5, 6), 1)}%"] if accounts else []),
            *([f"  active = {min(30, round((3 + 25 * s / max(1, segments - 1)) * rng.uniform(0.8, 1.2)))} days, "
               f"{min(24, round((1 + 9 * s / max(1, segments - 1)) * rng.uniform(0.7, 1.3)) or 1)} hours",
               f"  months = [{round(rng.uniform(0.5, 0.9), 2)}, 1, {round(rng.uniform(1.1, 1.6), 2)}]"]
              if windows else []),
            "}",
            "",
        ]
    prices_n, quotas_n, overages_n = _factors(configurations)
    for p in range(plans):
        tier = p / max(1, plans - 1)
        if p == 0:
            price_list = [0]
            q_n = min(quotas_n * prices_n, 12)
            o_n = overages_n
        else:
            base = 6 * 2.6 ** (p - 1)
            price_list = sorted({round(base * (0.7 + 0.6 * i / max(1, prices_n - 1)), 0) for i in range(prices_n)})
            q_n, o_n = quotas_n, overages_n
        scale = 10 ** (2.5 * tier)
        quotas = sorted({int(round(100 * scale * (0.5 + 2.5 * i / max(1, q_n - 1)), -1)) for i in range(q_n)})
        overages = [round(0.03 * (1 - 0.35 * tier) * (0.7 + 0.6 * i / max(1, o_n - 1)), 4) for i in range(o_n)]
        optional = " optional" if 0 < p < plans - 1 and p % 2 == 0 else ""
        prices = "[" + ", ".join(_money(v) for v in price_list) + "]"
        if credits:  # image 5 credits, premium 12, video 15: about what the quotas and overage sold
            grant = (10 * 5 + 5 * 12 + (5 * 15 if p else 0)) * scale
            grants = sorted({int(round(grant * (0.6 + 0.8 * i / max(1, o_n - 1)), -1)) for i in range(o_n)})
            sold = [
                f"  credits in [{', '.join(map(str, grants))}]" if len(grants) > 1 else f"  credits = {grants[0]}",
                "  rate image   = 5",
                "  rate premium = 12",
                "  rate video_s = 15",
                f"  pack credits 1000 for {_money(round(9 * (1 - 0.3 * tier), 2))}" if p else "",
            ]
        elif windows and not p:  # the free plan: credits every day, a hard cap
            grants = sorted({max(1, round((10 * 5 + 5 * 12) * (0.6 + 0.8 * i / max(1, o_n - 1)) / 30))
                             for i in range(o_n)})
            sold = [
                f"  credits in [{', '.join(map(str, grants))}] per day" if len(grants) > 1
                else f"  credits = {grants[0]} per day",
                f"  credits = {10 * grants[0]}",  # and a monthly grant that rolls over
                "  rollover = 2 months",
                "  rate image   = 5",
                "  rate premium = 12",
                "  rate video_s = 15",
            ]
        else:
            sold = [
                f"  quota image   = {int(10 * scale)}",
                f"  quota premium = {int(5 * scale)}",
                f"  quota video_s = {int(5 * scale) if p else 0}",
                f"  overage image at {_money(round(0.06 * (1 - 0.4 * tier), 3))}",
                f"  overage premium at [{', '.join(_money(v * 4) for v in overages)}]" if len(overages) > 1
                else f"  overage premium at {_money(overages[0] * 4)}",
                "  pack video_s 60 for $9" if p else "",
            ]
        seated = accounts and p >= plans - 2  # team plans: per seat, a minimum, pooled per-seat quotas
        per_seat = " per seat" if seated else ""
        if windows:  # the month's quota as a cap per 5 hours: about 40 such windows in a busy month
            quotas = sorted({max(1, round(q / 40)) for q in quotas})
            per_seat += " per 5 hours"
        out += [line for line in [
            f"plan p{p}{optional} {{",
            f"  {'seat' if seated else 'price'} in {prices}" if len(price_list) > 1
            else f"  {'seat' if seated else 'price'} = {_money(price_list[0])}",
            f"  quota message in [{', '.join(map(str, quotas))}]{per_seat}" if len(quotas) > 1
            else f"  quota message = {quotas[0]}{per_seat}",
            "  min seats = 3" if seated else "",
            f"  annual = {15 + 5 * (p % 2)}%" if accounts and p else "",
            *sold,
            "  feature priority" if p >= plans - 2 else "",
            "}",
        ] if line] + [""]
    out += [
        "require margin >= 20%",
        "require margin(p0) >= -$20M",
        "require gpu(h100) <= 85%",
    ]
    for p in range(1, plans - 1):
        out.append(f"require price(p{p + 1}) >= 1.5 * price(p{p})")
    out.append("maximize margin")
    return "\n".join(out) + "\n"
