"""One user on one plan: what the evaluator says a one-bucket segment does
on the one plan `p` of a small model, for answers worked out by hand."""

import planlang
from solver.semantics.configs import expand as expand_plans
from solver.semantics.evaluator import evaluate

BASE = """
gpu g { hourly = $3.60/hour }
resource image { gpu = 1 s on g }
resource video { gpu = 10 s on g }
resource message { cost = $0.0001 }
"""


def only_option(body: str, **choices):
    """What the one user of a one-bucket segment does on the one plan `p`."""
    model = planlang.loads(BASE + body)
    config = next(c for c in expand_plans(model)["p"] if all(dict(c.choices)[k] == v for k, v in choices.items()))
    (placement,) = evaluate(model, {"p": config}).placements
    return placement.option
