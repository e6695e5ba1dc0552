"""Generators of large .plan files for the benchmarks."""

from __future__ import annotations

from scenarios import gpu_pools


def big_plan(lines: int = 10_000) -> str:
    """A valid .plan file of about `lines` lines: many resources, segments
    and plans, every construct of the language represented."""
    out = [
        "# generated for the parse benchmark",
        "currency USD",
        "",
        *gpu_pools("25000"),
        "feature priority",
    ]
    i = 0
    while len(out) < lines:
        out += [
            f"resource r{i} {{ gpu = 0.9 s on h100  cost = $0.001 }}",
            f"resource t{i} {{",
            "  gpu      = 40 s on rented  # per attempt",
            "  cost     = $0.002",
            "  success  = 70%",
            "  attempts = 3",
            "}",
            f"segment s{i} {{",
            "  users   = 150M",
            "  buckets = 10",
            f"  usage r{i} ~ lognormal(median = 60, p90 = 400)",
            f"  usage t{i} ~ uniform(500, 5000)",
            f"  value r{i} = $0.004",
            f"  value t{i} = $4",
            "  value priority = $1",
            "  outside = $2",
            "}",
            f"plan p{i} optional {{",
            "  price in $50..$250 step $50",
            f"  quota r{i} in [2000, 5000, unlimited]",
            f"  quota t{i} in 50..250 step 50",
            f"  overage r{i} at [$0.04, $0.05]",
            f"  pack t{i} 300 for [$15, $25]",
            "  feature priority",
            "}",
            f"require margin(p{i}) >= 30%",
            f"require price(p{i}) >= 2 * price(p{i}) - $10",
        ]
        i += 1
    out.append("maximize margin")
    return "\n".join(out) + "\n"
