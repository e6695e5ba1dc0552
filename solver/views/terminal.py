"""Solutions as tables a person can read (rich), for `solve` and `eval`."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from planlang.diagnostics import plural
from solver.solution.schema import Amount, PlanResult, Solution, amounts
from solver.views.numbers import amount, cents, choice, count, exact, percent, price

BACKEND_NAMES = {"highs": "HiGHS", "cbc": "CBC", "highs-pulp": "HiGHS through PuLP"}


def headline(path: str, solution: Solution, timed: bool = True) -> str:
    """`FILE: optimal: margin $213.96M (gap 0%), best of 9,450 catalogs, 0.03 s with HiGHS`
    (without the seconds when not `timed`: a page that is the same for the same file)."""
    info = solution.solver
    if not solution.solved:
        if solution.objective is not None and any(p.offered for p in solution.plans.values()):
            return f"{path}: {solution.status}: {solution.objective_text} {_objective(solution)}; {solution.message}"
        return f"{path}: {solution.status}: {solution.message or ''}".rstrip(": ")
    goal = f"{solution.objective_text} {_objective(solution)}"
    gap = "" if solution.gap is None else f" (gap {solution.gap * 100:.2g}%)"
    where = ""
    if info is not None:
        seconds = f"{info.seconds:.2f} s " if timed else ""
        where = f", best of {info.catalogs:,} catalogs, {seconds}with {BACKEND_NAMES.get(info.backend, info.backend)}"
    return f"{path}: {solution.status}: {goal}{gap}{where}"


def _objective(solution: Solution) -> str:
    if solution.objective is None:
        return "—"
    if solution.objective_text.startswith(("users", "gpu")):
        return count(solution.objective, 2)
    return amount(solution.objective, solution.currency)


def fee_text(plan: PlanResult, currency: str) -> str:
    """'$20', '$25 a seat (at least 2)', '$10 + $25 a seat', '...; annual, 15% off'."""
    text = price(plan.price, currency)
    if plan.seat:
        seat = f"{price(plan.seat, currency)} a seat"
        text = f"{text} + {seat}" if plan.price else seat
    if plan.min_seats is not None and plan.min_seats > 1:
        text += f" (at least {exact(plan.min_seats)})"
    if plan.annual is not None:
        text += f"; annual, {exact(plan.annual * 100)}% off" if plan.annual else "; annual at the same price"
    return text


def _per_seat(plan: PlanResult, item: str) -> str:
    return " per seat" if item in plan.per_seat else ""


def _quotas(plan: PlanResult) -> str:
    shown = [f"{r} {_granted(plan, r)}" for r, q in plan.quota.items() if not isinstance(q, (int, float)) or q > 0]
    return ", ".join(shown) or "—"


def _granted(plan: PlanResult, of: str, month: str = "") -> str:
    """'5,000', or with periods (spec section 11) '90 per 5 hours, 900 per week, 5,000 a month'."""
    granted = plan.credits if of == "credits" else plan.quota.get(of)
    if not isinstance(granted, (Amount, list)):
        return f"{count(granted) if granted is not None else 'unlimited'}{_per_seat(plan, of)}{month}"
    return ", ".join(f"{count(a.amount) if a.amount is not None else 'unlimited'}{' per seat' * a.per_seat}"
                     f"{' a month' if a.per == 'month' else f' per {a.per}'}" for a in amounts(granted))


def _extras(plan: PlanResult, currency: str) -> str:
    parts = [_overage(r, a, currency) for r, a in plan.overage.items()]
    parts += [f"{count(p.size)} {r} for {price(p.price, currency)}" for r, p in plan.packs.items()]
    if plan.credit_pack is not None:
        valid = f" (valid {exact(plan.credit_pack.valid)} months)" if plan.credit_pack.valid else ""
        parts.append(f"{count(plan.credit_pack.size)} credits for {price(plan.credit_pack.price, currency)}{valid}")
    if plan.credit_overage is not None:
        parts.append(f"credits at {price(plan.credit_overage, currency)}")
    return ", ".join(parts) or "—"


def _overage(resource: str, overage, currency: str) -> str:
    """'image at $0.04', or tiers: 'message: 10K at $0.004, 100K at $0.003, then $0.002'."""
    if not isinstance(overage, dict):
        return f"{resource} at {price(overage, currency)}"
    (kind, tiers), = overage.items()
    steps = [f"{count(bound).replace('.0', '')} at {price(amount, currency)}" for bound, amount in tiers[:-1]]
    steps.append(f"then {price(tiers[-1][1], currency)}" if steps else f"{price(tiers[-1][1], currency)}")
    label = resource if kind == "graduated" else f"{resource} (volume)"
    return f"{label}: {', '.join(steps)}"


def _credits(plan: PlanResult) -> str:
    """'3,000 a month; image 8, video_s 10 credits each'."""
    if not plan.rates:
        return "—"
    granted = _granted(plan, "credits", " a month") if plan.credits else "none included"
    if plan.rollover:
        granted += f", rollover {exact(plan.rollover)} months"
    rates = ", ".join(f"{r} {count(n)}" for r, n in plan.rates.items())
    return f"{granted}; {rates} credits each"


def catalog_table(solution: Solution) -> Table:
    table = Table(title="Catalog", title_justify="left")
    credits = any(p.rates for p in solution.plans.values())
    columns = ["plan", "offered", "price", "quotas"] + (["credits"] if credits else [])
    for column in columns + ["overage and packs", "features"]:
        table.add_column(column)
    for name, plan in solution.plans.items():
        if not plan.offered:
            table.add_row(name, "no", *[""] * (len(columns) - 2 + 2))
            continue
        cells = [name, "yes", fee_text(plan, solution.currency), _quotas(plan)]
        cells += [_credits(plan)] if credits else []
        table.add_row(*cells, _extras(plan, solution.currency), ", ".join(plan.features) or "—")
    return table


def _accounts(solution: Solution) -> bool:
    """Whether some segment has accounts of several seats (spec section 10)."""
    return any(b.seats != 1.0 for buckets in solution.segments.values() for b in buckets)


def plans_table(solution: Solution) -> Table:
    cur = solution.currency
    seats = _accounts(solution)
    table = Table(title="Plans (per month)", title_justify="left")
    table.add_column("plan")
    for column in ("users", *(["seats"] if seats else []), "revenue", "cost", "margin", "margin %"):
        table.add_column(column, justify="right")
    for name, plan in solution.plans.items():
        if plan.offered:
            table.add_row(name, count(plan.users), *([count(plan.seats)] if seats else []),
                          amount(plan.revenue, cur), amount(plan.cost, cur), amount(plan.margin, cur),
                          percent(plan.margin / plan.revenue if plan.revenue else None))
    t = solution.totals
    table.add_row("total", count(t.users), *([count(t.seats)] if seats else []), amount(t.revenue, cur),
                  amount(t.cost, cur), amount(t.margin, cur), percent(t.margin / t.revenue if t.revenue else None),
                  style="bold")
    return table


def _runs(plans: list[str | None]) -> str:
    """'1-3 free · 4 none · 5-10 plus'"""
    out, start = [], 0
    for i in range(1, len(plans) + 1):
        if i == len(plans) or plans[i] != plans[start]:
            where = f"{start + 1}" if i - start == 1 else f"{start + 1}-{i}"
            out.append(f"{where} {plans[start] or 'none'}")
            start = i
    return " · ".join(out)


def segments_table(solution: Solution) -> Table:
    seats = _accounts(solution)
    table = Table(title="Segments (buckets from light to heavy users)", title_justify="left")
    table.add_column("segment")
    table.add_column("users", justify="right")
    if seats:
        table.add_column("seats", justify="right")
    table.add_column("plan chosen by each bucket")
    for name, buckets in solution.segments.items():
        table.add_row(name, count(sum(b.users for b in buckets)),
                      *([count(sum(b.users * b.seats for b in buckets))] if seats else []),
                      _runs([where(b) for b in buckets]))
    return table


def where(bucket) -> str | None:
    """The plan a bucket takes (`pro (annual)`), the competitor that holds
    it (`with api`), or None (its outside amount holds it)."""
    if bucket.plan is not None:
        return f"{bucket.plan} (annual)" if bucket.term == "annual" else bucket.plan
    return f"with {bucket.outside.source}" if bucket.outside.source else None


def gpu_table(solution: Solution) -> Table:
    table = Table(title="GPU pools (per month)", title_justify="left")
    table.add_column("pool")
    for column in ("busy hours", "capacity", "use", "cost"):
        table.add_column(column, justify="right")
    for name, pool in solution.gpu.items():
        table.add_row(name, count(pool.hours), "—" if pool.capacity is None else count(pool.capacity),
                      percent(pool.share), amount(pool.cost, solution.currency))
    return table


def requirements_table(solution: Solution) -> Table:
    table = Table(title="Requirements", title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("requirement")
    table.add_column("value", justify="right")
    table.add_column("status")
    for r in solution.requirements:
        if r.share is not None:
            value = percent(r.share)
        elif r.left is None:
            value = "unlimited"
        elif r.requirement.startswith(("users", "quota", "gpu")):
            value = count(r.left)
        else:
            value = amount(r.left, solution.currency)
        if r.trivial:
            status = "holds (a plan it names is left out)"
        elif not r.holds:
            status = "[red]fails[/red]"
        else:
            status = "binding" if r.binding else "holds"
        table.add_row(str(r.line), r.requirement, value, status)
    return table


def buckets_table(solution: Solution) -> Table:
    """Unit economics: what each bucket's users pay, cost and leave, per user
    (per account, with its seats and the seats billed, in a file with seats)."""
    cur = solution.currency
    seats = _accounts(solution)
    table = Table(title=f"Unit economics per bucket (per {'account' if seats else 'user'} per month)",
                  title_justify="left")
    table.add_column("segment")
    table.add_column("bucket", justify="right")
    table.add_column("users", justify="right")
    if seats:
        table.add_column("seats (billed)", justify="right")
    table.add_column("plan")
    for column in ("pays", "costs", "margin"):
        table.add_column(column, justify="right")
    windows = any(b.windows for buckets in solution.segments.values() for b in buckets)
    if windows:  # spec section 11: the windows of each period its plan grants in, used in a month
        table.add_column("windows used")
    carries = any(m.carried for buckets in solution.segments.values() for b in buckets for m in b.months)
    if carries:  # spec section 11: credits carried to the next month and expired, on average
        table.add_column("credits carried / expired", justify="right")
    table.add_column("")
    for name, buckets in solution.segments.items():
        for b in buckets:
            head = [name, str(b.bucket), count(b.users)]
            if seats:
                billed = f" ({exact(b.billed_seats)})" if b.billed_seats not in (None, b.seats) else ""
                head.append(f"{count(b.seats)}{billed}")
            used = [", ".join(f"{exact(round(w, 1))} x {period}" for period, w in b.windows.items())] * windows
            if carries:
                n = len(b.months)
                used.append(f"{count(sum(m.carried for m in b.months) / n)} / "
                            f"{count(sum(m.expired for m in b.months) / n)}" if n else "")
            if b.plan is None:
                table.add_row(*head, where(b) or "none", "", "", "", *used, "")
                continue
            loss = b.margin_per_user < 0
            table.add_row(*head, where(b), cents(b.revenue_per_user, cur),
                          cents(b.cost_per_user, cur), cents(b.margin_per_user, cur), *used,
                          "[red]loss-making[/red]" if loss else "", style="red" if loss else None)
    return table


def competitors_table(solution: Solution) -> Table:
    """What each competitor holds and what it costs the catalog."""
    cur = solution.currency
    table = Table(title="Competitors", title_justify="left")
    table.add_column("competitor")
    table.add_column("holds", justify="right")
    table.add_column("buckets")
    table.add_column("best alternative of users on a plan", justify="right")
    table.add_column("margin without it", justify="right")
    table.add_column("it costs", justify="right")
    for c in solution.competitors or []:
        buckets = "; ".join(f"{segment} {_numbers(numbers)}" for segment, numbers in c.buckets.items()) or "—"
        if c.margin_without is None:
            without = costs = "not solved: the time limit came first" if c.timed_out else "—"
        else:
            without = amount(c.margin_without, cur) + (" (not proven)" if c.timed_out else "")
            costs = amount(c.margin_without - solution.totals.margin, cur)
        table.add_row(c.competitor, count(c.users), buckets, count(c.bounded_users), without, costs)
    return table


def _numbers(numbers: list[int]) -> str:
    """'1-3, 5'"""
    runs, start = [], 0
    for i in range(1, len(numbers) + 1):
        if i == len(numbers) or numbers[i] != numbers[i - 1] + 1:
            runs.append(str(numbers[start]) if i - start == 1 else f"{numbers[start]}-{numbers[i - 1]}")
            start = i
    return ", ".join(runs)


def bounds_table(solution: Solution) -> Table:
    """What each requirement and fleet costs the objective."""
    cur = solution.currency
    table = Table(title="What the requirements cost", title_justify="left")
    table.add_column("line", justify="right")
    table.add_column("requirement")
    table.add_column("dropping it gains", justify="right")
    table.add_column("shadow price", justify="right")
    table.add_column("found by moving")
    for b in solution.bounds or []:
        without = "—" if b.without is None else amount(b.without, cur)
        if b.timed_out:
            shadow, moved = "—", "not priced: the time limit came first"
        elif b.shadow_price is None:
            shadow, moved = "—", "no single number to move" if b.path is None else "no better catalog found"
        elif not b.binding:
            shadow, moved = amount(0.0, cur), "not binding"
        else:
            shadow = f"{amount(b.shadow_price, cur)} per {b.unit.replace('unit of the bound', 'unit')}"
            moved = f"{b.path} {count(b.bound, 3)} → {count(b.bound + b.step, 3)} gains {amount(b.gain, cur)}"
        table.add_row(str(b.line), b.requirement, without, shadow, moved,
                      style="bold" if b.binding else None)
    return table


def credits_table(solution: Solution) -> Table:
    """Per plan sold in credits: credits granted and left unspent (breakage),
    and what credit packs and credit overage bring."""
    cur = solution.currency
    table = Table(title="Credits (per month)", title_justify="left")
    table.add_column("plan")
    for column in ("granted", "spent", "breakage", "breakage %", "credit sales", "share of revenue",
                   "bought, unused"):
        table.add_column(column, justify="right")
    for name, plan in solution.plans.items():
        if not plan.sold_in_credits:
            continue
        granted = plan.credits_granted
        table.add_row(name, count(granted), count(granted - plan.breakage), count(plan.breakage),
                      percent(plan.breakage / granted if granted else None), amount(plan.credit_revenue, cur),
                      percent(plan.credit_revenue / plan.revenue if plan.revenue else None),
                      count(plan.unused_pack_credits))
    return table


def print_solution(console: Console, path: str, solution: Solution) -> None:
    console.print(headline(path, solution), highlight=False)
    if solution.conflicts:
        console.print("These requirements cannot hold together:")
        for conflict in solution.conflicts:
            console.print(f"  line {conflict.line}: {conflict.requirement}", highlight=False)
            if conflict.explanation:
                console.print(f"    {conflict.explanation}", highlight=False)
    if not solution.plans or not any(p.offered for p in solution.plans.values()):
        return
    for table in (catalog_table(solution), plans_table(solution), segments_table(solution)):
        console.print(table)
    if solution.gpu:
        console.print(gpu_table(solution))
    if solution.requirements:
        console.print(requirements_table(solution))


def print_explained(console: Console, solution: Solution) -> None:
    """`solve --explain`: unit economics and what the requirements cost."""
    if not solution.solved:
        return
    console.print(buckets_table(solution))
    losing = [(name, b) for name, buckets in solution.segments.items() for b in buckets
              if b.plan is not None and b.margin_per_user < 0]
    if losing:
        lost = sum(-b.margin for _, b in losing)
        console.print(f"{plural(len(losing), 'loss-making bucket')} cost{'s' if len(losing) == 1 else ''} "
                      f"{amount(lost, solution.currency)} a month more than {'it pays' if len(losing) == 1 else 'they pay'}; "
                      "the other users on their plans pay for them.", highlight=False)
    if any(p.sold_in_credits for p in solution.plans.values()):
        console.print(credits_table(solution))
        console.print("breakage: credits granted but not spent (they expire); credit sales: what credit packs "
                      "and credit overage bring, and their share of the plan's revenue; bought, unused: pack "
                      "credits beyond what users wanted (paid for, then expired).", highlight=False)
    if solution.competitors:
        console.print(competitors_table(solution))
        console.print("holds: users on no plan whose best alternative is the competitor; margin without it: "
                      "the best catalog were it not there (re-solved), so `it costs` is what it takes from "
                      "the catalog, its pull on users who still buy a plan included.", highlight=False)
    if solution.bounds is not None:
        console.print(bounds_table(solution))
        console.print("shadow price: what the objective gains per unit a bound is loosened, from the "
                      "smallest move that lets a better catalog in (re-solved).", highlight=False)


def offer(name: str, plan: PlanResult, currency: str) -> str:
    """'business $50 (agent_run 100, overage.agent_run $0.75)': the price and
    the other open choices, each written by its kind."""
    rest = [f"{label.removeprefix('quota.')} {choice(label, v, currency)}" for label, v in plan.choices.items()
            if label != "price"]
    return f"{name} {price(plan.price, currency)}" + (f" ({', '.join(rest)})" if rest else "")


def print_sweep(console: Console, result) -> None:
    """`planlang sweep`: each point's settings, status, margin and catalog."""
    table = Table(title=f"Sweep of {', '.join(a.path for a in result.axes)}", title_justify="left")
    for column in [a.path for a in result.axes] + ["status", "margin", "catalog"]:
        table.add_column(column)
    for point in result.points:
        solution = point.solution
        cells = [point.settings[a.path] for a in result.axes]
        if solution is None or not solution.solved:
            cells += [solution.status if solution else "error", "", point.error or (solution.message or "")]
        else:
            cells += [solution.status, amount(solution.totals.margin, solution.currency),
                      "; ".join(offer(n, p, solution.currency) for n, p in solution.plans.items() if p.offered)]
        table.add_row(*cells)
    console.print(table)


def print_risk(console: Console, path: str, risk) -> None:
    """`planlang risk`: the spread of margin and revenue over the sampled
    worlds, how often requirements break, which segments lose money."""
    figures = risk.figures()
    cur = risk.currency
    console.print(f"{path}: {figures['samples']} sampled worlds, the catalog held fixed "
                  f"(objective {amount(figures['nominal'], cur)} as written)")
    table = Table(title="Spread over the sampled worlds (per month)", title_justify="left")
    for column in ("", "mean", "P5", "P50", "P95"):
        table.add_column(column, justify="right" if column else "left")
    keys = ["margin", "revenue"] + (["regret"] if "regret" in figures else [])
    for key in keys:
        spread = figures[key]
        table.add_row(key, *(amount(spread[k], cur) for k in ("mean", "p5", "p50", "p95")))
    console.print(table)
    if figures["requirements_broken"]:
        broken = Table(title="Requirements that break", title_justify="left")
        broken.add_column("requirement")
        broken.add_column("in worlds", justify="right")
        for name, share in figures["requirements_broken"].items():
            broken.add_row(name, f"{share:.0%}")
        console.print(broken)
    else:
        console.print("Every requirement holds in every sampled world.")
    for segment, share in figures["segments_turning"].items():
        console.print(f"segment {segment}: a bucket that makes money as written loses it in {share:.0%} of the worlds")
    if figures["nominal_losing"]:
        losing = figures["nominal_losing"]
        console.print(f"(as written, buckets that already cost more than they pay: {len(losing)}, "
                      f"{', '.join(losing[:6])}{', ...' if len(losing) > 6 else ''})")
    if figures["clipped"]:
        console.print(f"{plural(figures['clipped'], 'sample')} had a number moved to the nearest the language allows "
                      "(a percent above 100, a negative amount, ...)")


def print_robust(console: Console, path: str, robust) -> None:
    """`planlang solve --robust`: the catalog for every sampled world, against
    the one solved for the file as written."""
    cur = robust.currency
    if robust.choices is None:
        console.print(f"{path}: infeasible over {robust.worlds} sampled worlds: no catalog meets every "
                      f"requirement in all of them (the catalog solved for the file as written breaks some in "
                      f"{robust.nominal_infeasible}); vary less, or loosen a requirement")
        return
    console.print(f"{path}: robust over {robust.worlds} sampled worlds: mean objective "
                  f"{amount(robust.expected, cur)} (worst world {amount(robust.worst, cur)}), every requirement "
                  f"holding in each")
    if robust.nominal_choices is not None:
        console.print(f"the catalog solved for the file as written: mean {amount(robust.nominal_expected, cur)}, "
                      f"breaking a requirement in {robust.nominal_infeasible} of the worlds")
    table = Table(title="Robust catalog (eval --choose)", title_justify="left")
    table.add_column("choice")
    for chosen in robust.choices:
        table.add_row(chosen)
    console.print(table)
