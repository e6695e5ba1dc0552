"""`planlang report`: one self-contained HTML page of a solution (and of a
sweep), charts drawn by plotly with its script inlined, so the file opens
anywhere with no network.

Charts: revenue, cost and margin per plan; for each segment, the plan every
bucket picks and its margin per user (the subsidy picture: light users
paying for heavy ones); month by month, where months differ or credits
carry (spec section 11); GPU hours against capacity; and for a sweep, the
objective, the totals and each plan's price and users along the swept axis.
"""

from __future__ import annotations

import html

from solver.views.numbers import SYMBOLS, amount, choice, count, price
from solver.views.terminal import fee_text, headline, where
from solver.solution.schema import Solution
from solver.analysis.sweep import SweepResult

PALETTE = ["#4C78A8", "#F58518", "#54A24B", "#B279A2", "#E45756", "#72B7B2", "#EECA3B", "#9D755D"]
NONE_COLOR = "#BBBBBB"


def _plotly():
    import plotly.graph_objects as go
    from plotly.offline import get_plotlyjs

    return go, get_plotlyjs


def _figure_html(figure, name: str) -> str:
    figure.update_layout(template="plotly_white", margin=dict(l=60, r=20, t=50, b=50), height=380,
                         font=dict(family="system-ui, sans-serif"))
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=name,
                          config={"displaylogo": False, "responsive": True})


def _money_axis(solution: Solution) -> dict:
    return dict(tickprefix=SYMBOLS.get(solution.currency, ""), ticksuffix="" if solution.currency in SYMBOLS
                else f" {solution.currency}")


def _colors(solution: Solution) -> dict[str | None, str]:
    out: dict[str | None, str] = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(solution.plans)}
    out[None] = NONE_COLOR
    return out


def plans_chart(solution: Solution) -> str:
    go, _ = _plotly()
    offered = [n for n, p in solution.plans.items() if p.offered]
    figure = go.Figure([
        go.Bar(name=label, x=offered, y=[getattr(solution.plans[n], key) for n in offered], marker_color=color)
        for label, key, color in (("revenue", "revenue", "#4C78A8"), ("cost", "cost", "#E45756"),
                                  ("margin", "margin", "#54A24B"))
    ])
    figure.update_layout(title="Revenue, cost and margin per plan (per month)", barmode="group",
                         yaxis=_money_axis(solution))
    return _figure_html(figure, "plans")


def segment_chart(solution: Solution, segment: str, index: int) -> str:
    """Margin per user of each bucket, coloured by the plan it picks."""
    go, _ = _plotly()
    buckets = solution.segments[segment]
    colors = _colors(solution)
    figure = go.Figure()
    for label in dict.fromkeys(where(b) for b in buckets):
        mine = [b for b in buckets if where(b) == label]
        figure.add_bar(
            name=label or "none (stays out)", x=[f"{b.bucket}" for b in mine], y=[b.margin_per_user for b in mine],
            marker_color=colors[mine[0].plan],
            marker_pattern_shape="/" if mine[0].term == "annual" else "",
            customdata=[[count(b.users), b.revenue_per_user, b.cost_per_user, count(b.seats)] for b in mine],
            hovertemplate="bucket %{x}: %{customdata[0]} users of %{customdata[3]} seats<br>pays "
                          "%{customdata[1]:.2f}, costs %{customdata[2]:.2f}<br>margin per user %{y:.2f}"
                          "<extra>%{fullData.name}</extra>")
    figure.add_hline(y=0, line_color="#333", line_width=1)
    figure.update_layout(title=f"{segment}: margin per user of each bucket, light to heavy users",
                         xaxis=dict(title="bucket (light → heavy)", type="category",
                                    categoryorder="array", categoryarray=[str(b.bucket) for b in buckets]),
                         yaxis=dict(title="margin per user per month", **_money_axis(solution)))
    return _figure_html(figure, f"segment-{index}")


def months_chart(solution: Solution, segment: str, index: int, number: int | None = None) -> str | None:
    """Month by month (spec section 11), for bucket `number` of a segment
    (by default its heaviest on a plan whose months differ or carry
    balances): units served of each resource, paid beyond the fee, and
    credits carried and expired."""
    go, _ = _plotly()
    buckets = solution.segments[segment]
    chosen = next((b for b in reversed(buckets) if b.months and number in (None, b.bucket)), None)
    if chosen is None:
        return None
    months = [str(t + 1) for t in range(len(chosen.months))]
    figure = go.Figure([go.Bar(name=f"{r} served", x=months, y=[m.served.get(r, 0.0) for m in chosen.months],
                               marker_color=PALETTE[i % len(PALETTE)]) for i, r in enumerate(chosen.usage)])
    for name, key, dash in (("credits carried", "carried", "solid"), ("credits expired", "expired", "dot")):
        if any(getattr(m, key) for m in chosen.months):
            figure.add_scatter(name=name, x=months, y=[getattr(m, key) for m in chosen.months], mode="lines+markers",
                               line=dict(dash=dash, color="#333"))
    figure.add_scatter(name="paid beyond the fee", x=months, y=[m.paid for m in chosen.months], yaxis="y2",
                       mode="lines+markers", line=dict(color="#E45756"))
    figure.update_layout(title=f"{segment}, bucket {chosen.bucket} on {chosen.plan}: month by month",
                         barmode="group", xaxis=dict(title="month of the cycle", type="category"),
                         yaxis=dict(title="units, credits"),
                         yaxis2=dict(title="paid beyond the fee", overlaying="y", side="right",
                                     **_money_axis(solution)))
    return _figure_html(figure, f"months-{index}")


def gpu_chart(solution: Solution) -> str:
    go, _ = _plotly()
    pools = list(solution.gpu)
    figure = go.Figure([go.Bar(name="busy GPU-hours", x=pools, y=[solution.gpu[p].hours for p in pools],
                               marker_color="#4C78A8")])
    capped = [p for p in pools if solution.gpu[p].capacity is not None]
    if capped:
        figure.add_scatter(name="capacity of the fleet", x=capped, y=[solution.gpu[p].capacity for p in capped],
                           mode="markers", marker=dict(symbol="line-ew-open", size=40, color="#E45756",
                                                       line=dict(width=3)))
    figure.update_layout(title="GPU hours against capacity (per month)", yaxis=dict(title="busy GPU-hours"))
    return _figure_html(figure, "gpu")


def credits_chart(solution: Solution) -> str:
    """Credits granted on each plan sold in credits: spent, and left to expire (breakage)."""
    go, _ = _plotly()
    plans = _credit_plans(solution)
    figure = go.Figure([
        go.Bar(name="spent", x=plans, y=[solution.plans[n].credits_granted - solution.plans[n].breakage
                                         for n in plans],
               marker_color="#4C78A8"),
        go.Bar(name="breakage (expire unspent)", x=plans, y=[solution.plans[n].breakage for n in plans],
               marker_color="#EECA3B"),
    ])
    figure.update_layout(title="Credits granted per month: spent and breakage", barmode="stack",
                         yaxis=dict(title="credits"))
    return _figure_html(figure, "credits")


def _credit_plans(solution: Solution) -> list[str]:
    return [n for n, p in solution.plans.items() if p.sold_in_credits]


def _credit_rows(solution: Solution) -> str:
    rows = []
    for name in _credit_plans(solution):
        plan = solution.plans[name]
        granted = plan.credits_granted
        share = f"{plan.breakage / granted * 100:.1f}%" if granted else "—"
        sales = f"{plan.credit_revenue / plan.revenue * 100:.1f}%" if plan.revenue else "—"
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
            name, count(granted), count(plan.breakage), share, amount(plan.credit_revenue, solution.currency),
            sales)) + "</tr>")
    return "\n".join(rows)


def sweep_charts(result: SweepResult) -> list[str]:
    """The objective and totals along the sweep, and each plan's price and users."""
    go, _ = _plotly()
    points = [p for p in result.points if p.solution is not None and p.solution.solved]
    if not points:
        return []
    axis = result.axes[0].path
    labels = [", ".join(f"{k}={v}" for k, v in p.settings.items()) for p in points]
    x = [p.values.get(axis) for p in points] if len(result.axes) == 1 else labels
    title = axis if len(result.axes) == 1 else "point"
    first = points[0].solution
    totals = go.Figure([
        go.Scatter(name=key, x=x, y=[getattr(p.solution.totals, key) for p in points], mode="lines+markers")
        for key in ("revenue", "cost", "margin")
    ])
    totals.update_layout(title=f"Totals along the sweep of {', '.join(a.path for a in result.axes)}",
                         xaxis=dict(title=title), yaxis=_money_axis(first))
    prices = go.Figure([
        go.Scatter(name=name, x=x, y=[p.solution.plans[name].price if p.solution.plans[name].offered else None
                                      for p in points], mode="lines+markers", connectgaps=False)
        for name in first.plans
    ])
    prices.update_layout(title="The optimal catalog along the sweep: each plan's price (gap: not offered)",
                         xaxis=dict(title=title), yaxis=_money_axis(first))
    users = go.Figure([
        go.Scatter(name=name, x=x, y=[p.solution.plans[name].users for p in points], mode="lines",
                   stackgroup="users")
        for name in first.plans
    ])
    users.update_layout(title="Users on each plan along the sweep", xaxis=dict(title=title),
                        yaxis=dict(title="users"))
    return [_figure_html(totals, "sweep-totals"), _figure_html(prices, "sweep-prices"),
            _figure_html(users, "sweep-users")]


def _catalog_rows(solution: Solution) -> str:
    rows = []
    for name, plan in solution.plans.items():
        if not plan.offered:
            rows.append(f"<tr><td>{html.escape(name)}</td><td colspan=5>not offered</td></tr>")
            continue
        choices = ", ".join(f"{k} = {choice(k, v, solution.currency)}" for k, v in plan.choices.items())
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (
            name, fee_text(plan, solution.currency), count(plan.users), amount(plan.revenue, solution.currency),
            amount(plan.margin, solution.currency), choices or "—")) + "</tr>")
    return "\n".join(rows)


def _competitor_rows(solution: Solution) -> str:
    known = {c.competitor: c for c in solution.competitors or []}
    buckets = [b for bs in solution.segments.values() for b in bs if b.outside.source]
    rows = []
    for name in dict.fromkeys(b.outside.source for b in buckets):
        held = sum(b.users for b in buckets if b.outside.source == name and b.plan is None)
        bounded = sum(b.users for b in buckets if b.outside.source == name and b.plan is not None)
        without = known[name].margin_without if name in known else None
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
            name, count(held), count(bounded),
            "— (solve --explain)" if without is None else amount(without, solution.currency))) + "</tr>")
    return "\n".join(rows)


def _sweep_rows(result: SweepResult) -> str:
    rows = []
    for point in result.points:
        solution = point.solution
        setting = ", ".join(f"{k} = {v}" for k, v in point.settings.items())
        if solution is None or not solution.solved:
            status = point.error or (solution.message if solution else "") or ""
            rows.append(f"<tr><td>{html.escape(setting)}</td><td colspan=3>{html.escape(status)}</td></tr>")
            continue
        offer = "; ".join(f"{n} {price(p.price, solution.currency)}" for n, p in solution.plans.items() if p.offered)
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in (
            setting, solution.status, amount(solution.totals.margin, solution.currency), offer)) + "</tr>")
    return "\n".join(rows)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; } td, th { padding: 0.3rem 0.8rem;
border-bottom: 1px solid #ddd; text-align: left; } .note { color: #555; }
"""


def render(path: str, solution: Solution, sweep: SweepResult | None = None,
           bucket: tuple[str, int] | None = None) -> str:
    """The whole page; `bucket` (segment, number): the one whose months to chart."""
    parts = [f"<h1>{html.escape(path)}</h1>", f"<p>{html.escape(headline(path, solution, timed=False))}</p>"]
    if solution.solved:
        parts += ["<h2>Catalog</h2>",
                  "<table><tr><th>plan</th><th>price</th><th>users</th><th>revenue</th><th>margin</th>"
                  f"<th>choices</th></tr>{_catalog_rows(solution)}</table>",
                  plans_chart(solution),
                  "<h2>Who pays for whom</h2><p class=note>Each bar is a bucket of a segment, from its "
                  "lightest users to its heaviest: the plan it picks (colour) and the margin each of its users "
                  "leaves. Bars below zero are users who cost more than they pay.</p>"]
        parts += [segment_chart(solution, name, i) for i, name in enumerate(solution.segments)]
        charted = [(i, name) for i, name in enumerate(solution.segments) if bucket is None or name == bucket[0]]
        monthly = [chart for i, name in charted if (chart := months_chart(solution, name, i, bucket and bucket[1]))]
        if bucket is not None and not monthly:
            monthly = [f"<p class=note>Bucket {bucket[1]} of {html.escape(bucket[0])} is on no plan whose months "
                       "differ or carry credits.</p>"]
        if monthly:
            parts += ["<h2>Month by month</h2><p class=note>Where usage differs from month to month or credits "
                      "carry over, the heaviest bucket of each segment on such a plan, month by month (the third "
                      "of three cycles where balances carry); its numbers above are these months' averages.</p>",
                      *monthly]
        if any(b.outside.source for buckets in solution.segments.values() for b in buckets):
            parts += ["<h2>Competitors</h2><p class=note>Users whose best alternative to the catalog is a "
                      "competitor: those it holds buy no plan; those on a plan must be left at least what the "
                      "competitor would give them.</p>",
                      "<table><tr><th>competitor</th><th>holds (users)</th><th>on a plan, held down by it</th>"
                      f"<th>margin without it</th></tr>{_competitor_rows(solution)}</table>"]
        if solution.gpu:
            parts += ["<h2>GPU</h2>", gpu_chart(solution)]
        if _credit_plans(solution):
            parts += ["<h2>Credits</h2><p class=note>Breakage: credits granted each month that users do not "
                      "spend; they expire, and what they would have cost is the seller's gain. Credit sales: "
                      "credit packs and credit overage.</p>",
                      "<table><tr><th>plan</th><th>granted</th><th>breakage</th><th>breakage %</th>"
                      f"<th>credit sales</th><th>share of revenue</th></tr>{_credit_rows(solution)}</table>",
                      credits_chart(solution)]
    if sweep is not None:
        parts += [f"<h2>Sweep of {html.escape(', '.join(a.path for a in sweep.axes))}</h2>",
                  *sweep_charts(sweep),
                  "<table><tr><th>point</th><th>status</th><th>margin</th><th>catalog</th></tr>"
                  f"{_sweep_rows(sweep)}</table>"]
    return _page(path, parts)


def _page(path: str, parts: list[str]) -> str:
    _, get_plotlyjs = _plotly()
    return (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>planlang report: "
            f"{html.escape(path)}</title><style>{STYLE}</style>"
            f"<script>{get_plotlyjs()}</script></head><body>{''.join(parts)}"
            "<p class=note>Made by planlang.</p></body></html>\n")


def render_risk(path: str, risk, base: float, swings) -> str:
    """`planlang risk --report`: the margin's histogram over the sampled
    worlds and the tornado of what moves it most."""
    go, _ = _plotly()
    figures = risk.figures()
    axis = dict(tickprefix=SYMBOLS.get(risk.currency, ""))
    margins = [s.margin for s in risk.samples]
    histogram = go.Figure([go.Histogram(x=margins, marker_color=PALETTE[0], nbinsx=30)])
    histogram.update_layout(title=f"Margin over {len(margins)} sampled worlds (per month)", xaxis=axis,
                            yaxis_title="worlds", bargap=0.05)
    paths = [s.path for s in reversed(swings)]
    tornado = go.Figure([
        go.Bar(name="at P5", y=paths, x=[s.margin_low - base for s in reversed(swings)], orientation="h",
               marker_color=PALETTE[4], base=base),
        go.Bar(name="at P95", y=paths, x=[s.margin_high - base for s in reversed(swings)], orientation="h",
               marker_color=PALETTE[2], base=base),
    ])
    tornado.update_layout(title="What moves the margin most (one number at its P5 or P95, the others as written)",
                          barmode="overlay", xaxis=axis)
    rows = "".join(f"<tr><td>{key}</td>" + "".join(f"<td>{amount(figures[key][k], risk.currency)}</td>"
                                                    for k in ("mean", "p5", "p50", "p95")) + "</tr>"
                   for key in ("margin", "revenue", "regret") if key in figures)
    broken = "".join(f"<tr><td>{html.escape(name)}</td><td>{share:.0%}</td></tr>"
                     for name, share in figures["requirements_broken"].items()) or \
        "<tr><td colspan=2>every requirement holds in every sampled world</td></tr>"
    parts = [f"<h1>{html.escape(path)}: risk</h1>",
             f"<p>{len(margins)} sampled worlds; the catalog solved for the file as written held fixed: "
             f"{html.escape(', '.join(risk.choices))}</p>",
             "<table><tr><th></th><th>mean</th><th>P5</th><th>P50</th><th>P95</th></tr>" + rows + "</table>",
             _figure_html(histogram, "margin-histogram"), _figure_html(tornado, "tornado"),
             "<h2>Requirements that break</h2><table><tr><th>requirement</th><th>in worlds</th></tr>"
             + broken + "</table>"]
    return _page(path, parts)
