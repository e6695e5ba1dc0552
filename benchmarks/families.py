"""A held-out family of catalogs for the solver's benchmarks (issue 24):
generated like real AI catalogs and unlike scenarios.py's ladders, so that
a speed-up measured on the benchmark's own sizes is checked on instances it
was not tuned on.

    held_out(types=200, seed=1)     # .plan text

What differs from scenarios.py (each a property real catalogs have):
- 5 resources (chat messages, images, video seconds, agent turns, document
  pages), and each segment uses its own mix of them: a Dirichlet draw per
  segment decides which resources it leans on, so two segments of one size
  rank plans differently;
- every paid plan has 4 choice dimensions (a price, a message quota, an
  image quota and a video quota) and a pack with 2 prices, about 144
  configurations each, so a type's ranking of one plan's configurations is
  not nested in another's;
- only about half of the segments have an `outside` amount;
- a few requirements: a margin floor, the free tier's cost, and a price
  ladder between consecutive paid plans.
The seed fixes everything; types = segments x 10 buckets.
"""

from __future__ import annotations

import numpy as np

from scenarios import _money, gpu_pools

RESOURCES = {  # name: (gpu line, a light user's monthly use, value of one unit)
    "message": ("gpu = 0.9 s on h100", 40, 0.008),
    "image": ("gpu = 6 s on h100  cost = $0.001", 4, 0.05),
    "video_s": ("gpu = 90 s on rented", 2, 0.15),
    "agent_turn": ("gpu = 4 s on h100  cost = $0.004", 6, 0.06),
    "doc_page": ("gpu = 1.5 s on h100  cost = $0.002", 5, 0.04),
}


def _among(values: list) -> str:
    """A choice among `values`, or the one value."""
    return f"= {values[0]}" if len(values) == 1 else f"in [{', '.join(map(str, values))}]"


def held_out(types: int = 200, seed: int = 1, plans: int = 5, medium: bool = False) -> str:
    """`medium`: the same shapes with 2 values per choice dimension and one
    pack price (8 configurations a paid plan), small enough for exhaustive
    enumeration to check the solver on."""
    rng = np.random.default_rng(1000 + seed)
    pick = (lambda values: [values[0], values[-1]]) if medium else (lambda values: values)
    segments = max(1, types // 10)
    out = [f"# held-out family (benchmarks/families.py): seed {seed}, {segments} segments x 10 buckets, "
           f"{plans} plans", "currency USD", "", *gpu_pools("300K"), ""]
    out += [f"resource {name:<10} {{ {gpu} }}" for name, (gpu, _, _) in RESOURCES.items()]
    out += ["feature priority", ""]
    for s in range(segments):
        scale = 10 ** rng.uniform(0, 2.2)  # light to heavy, in no order
        mix = rng.dirichlet(np.full(len(RESOURCES), 0.6)) * len(RESOURCES)  # what this segment leans on
        spread = rng.uniform(3, 10)
        lines = [f"segment s{s} {{", f"  users   = {int(10 ** rng.uniform(4, 7) // 1000 * 1000) or 1000}",
                 "  buckets = 10"]
        for (name, (_, light, value)), weight in zip(RESOURCES.items(), mix):
            median = max(1, round(light * scale * weight))
            lines.append(f"  usage {name} ~ lognormal(median = {median}, p90 = {max(median + 1, round(median * spread))})")
            worth = value * scale ** -0.1 * rng.uniform(0.6, 1.5)
            if rng.random() < 0.4:  # falls with use
                lines.append(f"  value {name} = {_money(round(worth * 1.6, 4))} to {_money(round(worth * 0.4, 4))}")
            else:
                lines.append(f"  value {name} = {_money(round(worth, 4))}")
        lines.append(f"  value priority = {_money(round(rng.uniform(0, 4) * scale ** 0.4, 2))}")
        if rng.random() < 0.45:
            lines.append(f"  outside = {_money(round(rng.uniform(1, 8) * scale ** 0.4, 2))}")
        out += lines + ["}", ""]
    out += ["plan p0 {", "  price = $0", "  quota message in [20, 50, 100]", "  quota image = 3", "}", ""]
    for p in range(1, plans):
        size = 4.0 ** (p - 1)
        base = 8 * 2.4 ** (p - 1)
        prices = pick(sorted({round(base * f) for f in (0.75, 0.9, 1.05, 1.25)}))
        messages = pick([int(round(300 * size * f, -1)) for f in (0.6, 1.2, 2.5)])
        images = [20 * int(size)] if medium else [int(round(20 * size * f)) for f in (0.5, 1.0, 2.0)]
        videos = pick([int(round(10 * size * f)) for f in (0.5, 1.5)])
        pack = [_money(round(4 * f * (1 - 0.1 * p), 2)) for f in ((1.0,) if medium else (0.8, 1.2))]
        out += [
            f"plan p{p}{' optional' if p == 2 else ''} {{",
            f"  price {_among([_money(v) for v in prices])}",
            f"  quota message {_among(messages)}",
            f"  quota image {_among(images)}",
            f"  quota video_s {_among(videos)}",
            f"  quota agent_turn = {int(20 * size)}",
            f"  quota doc_page = {int(30 * size)}",
            f"  overage message at {_money(round(0.006 * (1 - 0.1 * p), 4))}",
            f"  overage doc_page at {_money(round(0.03 * (1 - 0.1 * p), 3))}",
            f"  pack agent_turn 100 for {pack[0] if len(pack) == 1 else '[' + ', '.join(pack) + ']'}",
            *(["  feature priority"] if p >= plans - 2 else []),
            "}", "",
        ]
    out += ["require margin >= 15%", "require margin(p0) >= -$5M"]
    out += [f"require price(p{p + 1}) >= 1.3 * price(p{p})" for p in range(1, plans - 1)]
    out.append("maximize margin")
    return "\n".join(out) + "\n"
