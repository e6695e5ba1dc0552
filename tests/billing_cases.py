"""The catalogs the billing tests export: every example, solved, and
synthetic plans built to be hard to bill (fractional quotas, packs and
volume tiers after a quota, credits, features, caps, seats under a
minimum), all offered."""

from __future__ import annotations

from conftest import EXAMPLES

import planlang
from solver.analysis.optimize import solve
from solver.semantics.evaluator import evaluate
from solver.solution.choose import catalog
from solver.solution.describe import describe

HEAD = """currency USD
gpu h100 { hourly = $2/hour }
resource minute { gpu = 1 s on h100 }
resource page { gpu = 1 s on h100 }
resource video_s { gpu = 10 s on h100 }
resource gb { gpu = 1 s on h100 }
feature priority
segment people {
  users = 1000
  usage minute = 100
  usage page = 20
  usage video_s = 30
  usage gb = 3
  value minute = $0.05
  value page = $0.5
  value video_s = $1
  value gb = $2
  value priority = $3
}
"""

SYNTHETIC = {
    # Kling standard: packs after a free quota (Stripe divided all usage by the pack size)
    "packs_after_quota": "plan standard { price = $9.99  quota video_s = 660  pack video_s 100 for $5 }",
    # quota 2.5 with overage $0.50: usage 3 bills $0.25, not $0.50 (floored quotas billed $1.50 on 5)
    "fractional_quota": "plan small { price = $5  quota gb = 2.5  overage gb at $0.5 }",
    "fractional_pack": "plan small { price = $5  quota gb = 1.25  pack gb 0.5 for $0.3 }",
    "volume_after_quota": "plan pro { price = $20  quota page = 50  "
                          "overage page volume [100 at $0.2, 1000 at $0.1, unlimited at $0.05] }",
    "volume_without_quota": "plan api { price = $0  overage page volume [100 at $0.2, unlimited at $0.1] }",
    "graduated_fractional_bounds": "plan api { price = $0  quota minute = 0.5  "
                                   "overage minute graduated [10.5 at $0.04, 100.25 at $0.03, unlimited at $0.02] }",
    "cap_and_features": "plan capped { price = $12.345  quota minute = 100  quota page = 10  feature priority }",
    "sub_cent_overage": "plan meter { price = $1  quota minute = 3  overage minute at $0.0004 }",
    "credits": "plan studio { price = $10  credits = 600  rate video_s = 10  rate page = 2  "
               "pack credits 100 for $1.5 }",
    "seats": "plan team { price = $0  seat = $25  min seats = 5  annual = 15%  quota minute = 1000 per seat  "
             "overage minute at $0.01  quota page = 500  overage page at $0.02 }",
}


def _synthetic(name: str):
    head = HEAD.replace("users = 1000", "users = 1000\n  seats = 3.5") if name == "seats" else HEAD
    model = planlang.loads(head + plan_block(SYNTHETIC[name]))
    return model, describe(model, evaluate(model, catalog(model, [])))


def plan_block(line: str) -> str:
    """`plan NAME { a  b }` written one item a line."""
    head, _, body = line.partition("{")
    items = [item.strip() for item in body.rstrip("} ").split("  ") if item.strip()]
    return head + "{\n" + "".join(f"  {item}\n" for item in items) + "}\n"


SOLVED: dict = {}


def case(name: str):
    if name not in SOLVED:
        path = next((p for p in EXAMPLES if p.stem == name), None)
        if path is not None:
            model = planlang.load(path)
            SOLVED[name] = model, solve(model)
        else:
            SOLVED[name] = _synthetic(name)
    return SOLVED[name]


CASES = [p.stem for p in EXAMPLES] + list(SYNTHETIC)


