"""The chosen catalog as a billing system's objects (`planlang export`), and
back (`planlang import`).

An export is the list of API requests that create the catalog, in the
order they must be sent, what the application sends each meter, what was
left out and why:

    {"target": "stripe", "currency": "usd",
     "requests": [{"method": "POST", "path": "/v1/products", "key": "product.plus", "params": {...}}, ...],
     "events": {"page_beyond_quota": {"resource": "page", "unit": "1", "beyond_quota": true}, ...},
     "left_out": [{"plan": "team", "item": "minute", "why": "..."}],
     "notes": ["..."]}

`key` names the object a request creates; a later request that needs its
id (a Stripe price on a meter, a Lago charge on a billable metric) holds
`${key}` in its place, which `--apply` fills in from the answer.

Exactness first: every usage price is checked, before it is added, against
the plan's own bill on a grid of usages (solver/billing/invoice.py); one
that misses by a cent anywhere is left out (`left_out`, a note, and its
item as `planlang_unsent_R` metadata for `import`), unless `approximate`.

Stripe: a Billing Meter per metered resource (event_name = the resource);
per offered plan a Product (id `planlang_PLAN`), a licensed monthly Price
for its fee, and per resource a metered Price: tiered, a free first tier up
to the quota, then the overage or graduated tiers; volume tiers without a
quota; packs as `transform_quantity` prices. Packs and volume tiers after a
quota price the units beyond it: they go on a meter `R_beyond_quota` fed
only those units. Amounts in the currency's smallest unit,
`unit_amount_decimal` below one. `lookup_key`s are `PLAN_fee` and
`PLAN_RESOURCE`, so an export is stable.

Lago: a `sum_agg` billable metric per resource (on the event property
`quantity`); a monthly plan per offered plan, paid in advance, with charges:
`standard` (overage, no quota), `graduated` (ranges from 0, each next one
from the previous `to_value + 1`: a free range up to the quota, then the
overage or the tiers), `volume` (after a quota, on `R_beyond_quota`),
`package` (packs, the quota as `free_units`); fees in cents, rounded.

A quota, pack size or tier bound that is not whole puts its resource's
meter in units of 10^-k (k <= 6, `events[...].unit`); `--meter-unit` asks
for one where usage comes in fractions. Credits (spec section 8) are billed
as one more resource: the application sends the credits used, the grant is
the free quota, the credit overage or pack the price beyond it.

Features are Stripe Entitlements (a Feature `planlang_F` each, attached to
the products of the plans that include it) and, for both targets, the
`planlang_features` metadata `import` reads back.

Accounts and terms (spec section 10): a price per seat is a licensed
Stripe price billed on the subscription's quantity (the seats billed,
max(seats, min seats), which the application sets), and in Lago a
`standard` charge on a `planlang_seats` metric (a unique count of seat ids)
with the minimum as the charge's `min_amount_cents`. An annual term is a
yearly price of 12 x fee x (1 - discount) (Stripe: `PLAN_fee_annual` and
`PLAN_seat_annual`; Lago: a yearly plan `PLAN_annual` whose charges are
billed monthly). A quota or credits written `per seat` grow with the seats
billed, which no fixed tier bound says: the price after such a quota is
left out. Competitors are not the catalog's and are not exported.
"""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal

from planlang.model import CREDITS, Model
from solver.billing.invoice import (MAX_SCALE, ZERO, D, Feed, compare, credit_view, lago_charge, overage_tiers,
                                    stripe_price, unit_for)
from solver.solution.schema import Amount, PlanResult, Solution

# Currencies whose smallest unit is the unit itself (Stripe's "zero-decimal" list).
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF",
                "XOF", "XPF"}
TARGETS = ("stripe", "lago")


class ExportError(Exception):
    """The solution cannot be exported (nothing solved)."""


def minor(amount: float | Decimal, currency: str) -> Decimal:
    """An amount in the currency's smallest unit, to 12 decimals."""
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return (D(amount) * factor).quantize(Decimal("1e-12")).normalize()


def stripe_amount(amount: float | Decimal, currency: str) -> dict:
    """`unit_amount` when whole, else `unit_amount_decimal`."""
    value = minor(amount, currency)
    if value == value.to_integral_value():
        return {"unit_amount": int(value)}
    return {"unit_amount_decimal": format(value, "f")}


def decimal_text(amount: float | Decimal) -> str:
    """A number as written, as a decimal string (Lago's amounts, metadata)."""
    return format(D(amount).normalize(), "f")


def _per_seat(plan: PlanResult, item: str) -> str:
    return " per seat" if item in plan.per_seat else ""


def annual_amount(amount: float, plan: PlanResult) -> Decimal:
    """12 months of a monthly amount at the plan's annual discount."""
    return 12 * D(amount) * (1 - D(plan.annual))


class _Export:
    def __init__(self, model: Model, solution: Solution, target: str, approximate: bool,
                 units: dict[str, Decimal]):
        if not solution.solved:
            raise ExportError(f"there is no catalog to export: the file is {solution.status}"
                              + (f" ({solution.message})" if solution.message else ""))
        self.model, self.solution, self.target, self.approximate = model, solution, target, approximate
        self.currency = solution.currency
        self.factor = 1 if self.currency.upper() in ZERO_DECIMAL else 100
        self.requests: list[dict] = []
        self.notes: list[str] = []
        self.left_out: list[dict] = []
        self.feeds: dict[str, Feed] = {}  # by event name (Stripe) or metric code (Lago)
        self.unsent: dict[str, dict[str, str]] = {}  # per plan: the items left out, as the file writes them
        self.offered = {name: plan for name, plan in solution.plans.items() if plan.offered}
        self.windowed: dict[str, dict[str, str]] = {}  # per plan: its items per window, as the file writes them
        self.offered = {name: self.per_window(name, plan) for name, plan in self.offered.items()}
        for name, plan in solution.plans.items():
            if not plan.offered:
                self.notes.append(f"plan {name} is not in the chosen catalog: not exported")
        for name in model.competitors:
            self.notes.append(f"competitor {name} is what users can buy elsewhere: not exported")
        self.units = {r: unit_for(_counts(self.offered.values(), r)) for r in model.resources}
        views = [v for plan in self.offered.values() if (v := credit_view(plan)) is not None]
        self.units[CREDITS] = unit_for(_counts(views, CREDITS))
        for r, unit in units.items():  # a resource used in fractions: the finer unit wins
            if self.units[r] is not None:
                self.units[r] = min(self.units[r], unit)

    def note(self, text: str) -> None:
        self.notes.append(text)

    def leave_out(self, plan: str, item: str, why: str) -> None:
        """An item the target cannot bill as the plan says: not sent, said in
        `left_out` and the notes (`--strict` refuses the export)."""
        self.left_out.append({"plan": plan, "item": item, "why": why})
        self.note(f"plan {plan}: {item} is not exported: {why}")
        if item in self.model.resources:  # its price travels as metadata, for `import`
            self.unsent.setdefault(plan, {})[item] = _item_text(self.offered[plan], item, self.currency)

    def per_window(self, name: str, plan: PlanResult) -> PlanResult:
        """A plan with quotas or credits per window (spec section 11) as its
        monthly amounts, which is what a billing system can bill. No Stripe
        meter or Lago metric counts usage per window, so a price beyond a
        quota per window, or beyond credits granted per window, would bill
        other units than the plan: it is left out. A quota or grant per
        window with nothing sold beyond it is a cap the product enforces (a
        note). Each item per window travels as `planlang_window_*` metadata,
        which `import` reads back."""
        resources = [r for r in plan.quota if plan.windows(r)]
        credits = plan.windows(CREDITS) or [a for r in resources if r in plan.rates for a in plan.windows(r)]
        carries = plan.rollover or (plan.credit_pack is not None and plan.credit_pack.valid)
        if not resources and not credits and not carries:
            return plan
        self.windowed[name] = {
            f"{r}_per_{a.per.replace(' ', '_')}": f"quota {r} = {_amount_text(a)}" if r != CREDITS else
            f"credits = {_amount_text(a)}" for r in [*resources, CREDITS] for a in plan.windows(r)}
        target = self.target.title()
        overage, packs = dict(plan.overage), dict(plan.packs)
        for r in resources:
            caps = " and ".join(_amount_text(a) for a in plan.windows(r))
            if r in overage or r in packs:
                self.leave_out(name, r, f"its quota of {r}, {caps}, frees units in each window (or over a year), "
                                        f"and no {target} {'meter' if self.target == 'stripe' else 'billable metric'} "
                                        "counts usage so; meter the units beyond that quota in the application and "
                                        "bill them on a price without a free tier")
                overage.pop(r, None)
                packs.pop(r, None)
            elif r not in plan.rates:
                self.note(f"plan {name}: its quota of {r}, {caps}, is a cap per window; {CAPS[self.target]}: "
                          "enforce the cap in the product")
        update = {"quota": {r: plan.monthly_quota(r) for r in plan.quota}, "credits": plan.monthly_credits,
                  "overage": overage, "packs": packs}
        if (credits or carries) and (plan.credit_pack is not None or plan.credit_overage is not None):
            pack = plan.credit_pack
            sold = f"pack credits {decimal_text(pack.size)} for {_money(D(pack.price), self.currency)}" + (
                f" valid {decimal_text(pack.valid)} months" if pack.valid else "") if pack is not None else \
                f"overage credits at {_money(D(plan.credit_overage), self.currency)}"
            self.leave_out(name, CREDITS, "the credits it spends are granted per window, spent on units beyond a "
                                          "quota per window, carried from earlier months (rollover) or bought in "
                                          f"packs valid several months, which no {target} price counts; meter the "
                                          "credits bought in the application and bill them on a price without a "
                                          "free tier")
            self.unsent.setdefault(name, {})[CREDITS] = sold
            update |= {"credit_pack": None, "credit_overage": None}
        elif credits:
            grants = " and ".join(_amount_text(a) for a in plan.windows(CREDITS)) or "a month"
            self.note(f"plan {name}: its credits ({grants}) are a cap per window; {CAPS[self.target]}: enforce the "
                      "cap in the product")
        if plan.rollover:
            self.note(f"plan {name}: unused credits carry over, up to {decimal_text(plan.rollover)} months' grant: "
                      "keep the balance in the product")
            self.windowed.setdefault(name, {})["rollover"] = f"rollover = {decimal_text(plan.rollover)} months"
        return plan.model_copy(update=update)

    def request(self, path: str, key: str, body: dict) -> None:
        field = "params" if self.target == "stripe" else "body"
        self.requests.append({"method": "POST", "path": path, "key": key, field: body})

    def feed(self, resource: str, beyond_quota: bool) -> tuple[str, Feed]:
        """The meter (metric) a price bills, by name, and what the application sends it."""
        name = f"{resource}{BEYOND if beyond_quota else ''}"
        self.feeds[name] = Feed(resource, self.units[resource], beyond_quota)
        return name, self.feeds[name]

    def billed_unit(self, name: str, plan: PlanResult, resource: str) -> Decimal | None:
        """The meter's unit for what `plan` bills of `resource` beyond its
        quota, or None when there is no price to make: unlimited, priced in
        credits (billed through the credits), a hard cap (noted), a per-seat
        quota (left out), or quotas, pack sizes and tier bounds that need more
        than six decimals (left out; with --approximate, millionths, and the
        prices are then checked and their error said like any other)."""
        quota = plan.quota.get(resource, 0.0)
        if quota is None or resource in plan.rates or self.per_seat_quota(name, plan, resource):
            return None
        if resource not in plan.packs and resource not in plan.overage:
            self.cap_note(name, plan, resource, CAPS[self.target])
            return None
        if self.units[resource] is None:
            if self.approximate:
                self.units[resource] = Decimal("1e-6")
            else:
                self.leave_out(name, resource, "its quota, pack size or tier bounds are not whole in millionths of "
                                               "a unit, which no meter counts; --approximate counts millionths")
        return self.units[resource]

    def exact(self, name: str, plan: PlanResult, resource: str, feed: Feed, billed) -> bool:
        """Whether `billed` (quantity -> currency units) bills what the plan
        does on the usage grid; if not, the item is left out, or sent with a
        note under --approximate."""
        gap = compare(plan, resource, feed, billed, self.factor)
        if gap.exact:
            return True
        how = gap.text(resource, self.currency.upper() + " ")
        if self.approximate:
            self.note(f"plan {name}: {resource} is sent approximately (--approximate): it {how}")
            return True
        self.leave_out(name, resource, f"the closest {self.target.title()} price {how}; "
                                       "--approximate sends it anyway")
        return False

    def quotas(self, name: str, plan: PlanResult) -> dict[str, str]:
        """Every quota and credit item as metadata (`planlang_quota_R`,
        `planlang_credits`, `planlang_rate_R`, `planlang_features`, ...): a
        cap, an unlimited quota, a feature or a price in credits bills
        nothing here, so only this says it, and `import` reads it back;
        likewise a price left out (`planlang_unsent_R`: the item as the file
        writes it). Numbers as written, never rounded."""
        out = {f"planlang_quota_{r}": "unlimited" if q is None else decimal_text(q) + _per_seat(plan, r)
               for r, q in plan.quota.items() if q is None or q > 0}
        if plan.credits is not None:
            out["planlang_credits"] = decimal_text(plan.credits) + _per_seat(plan, CREDITS)
        if plan.seat:
            out["planlang_seat"] = decimal_text(plan.seat)
        if plan.min_seats is not None and plan.min_seats > 1:
            out["planlang_min_seats"] = decimal_text(plan.min_seats)
        if plan.annual is not None:
            out["planlang_annual"] = decimal_text(plan.annual * 100)  # a percent, as the file writes it
        out.update({f"planlang_rate_{r}": decimal_text(c) for r, c in plan.rates.items()})
        if plan.credit_pack is not None:
            out["planlang_credit_pack"] = f"{decimal_text(plan.credit_pack.size)} for {decimal_text(plan.credit_pack.price)}"
        if plan.credit_overage is not None:
            out["planlang_credit_overage"] = decimal_text(plan.credit_overage)
        if plan.features:
            out["planlang_features"] = ", ".join(plan.features)
        out.update({f"planlang_unsent_{r}": text for r, text in self.unsent.get(name, {}).items()})
        out.update({f"planlang_window_{key}": text for key, text in self.windowed.get(name, {}).items()})
        return out

    def result(self) -> dict:
        return {"target": self.target, "currency": self.currency.lower(), "requests": self.requests,
                "events": {name: feed.describe() for name, feed in self.feeds.items()},
                "left_out": self.left_out, "notes": self.notes}

    def event_notes(self) -> None:
        for name, feed in self.feeds.items():
            resource = self.model.resources.get(feed.resource)
            what = f"one event per resolved {feed.resource}" if resource is not None and resource.is_outcome else \
                f"the {feed.resource} used"
            if feed.resource == CREDITS:
                what = ("the credits used, each unit of a resource at the subscriber's plan's rate (its "
                        "planlang_rate_RESOURCE metadata)")
            if feed.beyond_quota:
                what += ", only beyond the subscriber's plan's " + (
                    "monthly grant (its planlang_credits metadata)" if feed.resource == CREDITS else
                    f"quota (its planlang_quota_{feed.resource} metadata)") + " in the billing month"
            if feed.unit != 1:
                what += f", counted in whole units of {decimal_text(feed.unit)} {feed.resource}"
            self.note(f"{'meter' if self.target == 'stripe' else 'billable metric'} {name}: the application sends "
                      f"{what}")

    def per_seat_quota(self, name: str, plan: PlanResult, resource: str) -> bool:
        """Whether what is billed beyond a quota `per seat` must stay out
        (left out): the quota grows with the seats billed, a fixed bound does not."""
        quota = plan.quota.get(resource, 0.0)
        billed = resource in plan.overage or resource in plan.packs
        if resource not in plan.per_seat or quota is None or not quota or not billed:
            return False
        self.leave_out(name, resource,
                       f"its quota of {decimal_text(quota)} {resource} is per seat, so the free units grow with "
                       f"the seats billed, which no {self.target.title()} price bound can say; meter the {resource} "
                       f"beyond {decimal_text(quota)} x the seats billed in the application and bill it on a price "
                       "without a free tier")
        return True

    def seat_notes(self, name: str, plan: PlanResult) -> None:
        if plan.seat and plan.min_seats is not None and plan.min_seats > 1:
            self.note(f"plan {name}: billed for at least {decimal_text(plan.min_seats)} seats: "
                      + ("subscribe an account with the quantity max(its seats, "
                         f"{decimal_text(plan.min_seats)}) of price {name}_seat" if self.target == "stripe" else
                         "the seat charge's minimum (min_amount_cents) bills the difference"))

    def cap_note(self, name: str, plan: PlanResult, resource: str, why: str) -> None:
        """A quota with nothing sold beyond it is a hard cap: nothing to bill, the product enforces it. (Credits
        whose sales were left out are not one: the left-out note says what to do.)"""
        quota = plan.quota.get(resource, 0.0)
        if quota and (name, resource) not in {(x["plan"], x["item"]) for x in self.left_out}:
            what = f"its grant of {decimal_text(quota)}{_per_seat(plan, resource)} credits a month" if \
                resource == CREDITS else f"its quota of {decimal_text(quota)}{_per_seat(plan, resource)} {resource}"
            self.note(f"plan {name}: {what} is a hard cap; {why}: enforce the cap in the product")

    def credit_note(self, name: str, plan: PlanResult) -> None:
        if plan.rates:
            rates = ", ".join(f"{r} {c:g}" for r, c in plan.rates.items())
            self.note(f"plan {name} is sold in credits: its {', '.join(plan.rates)} are not priced one by one; "
                      f"the application turns their use into credits at the plan's rates ({rates} credits a "
                      f"unit) and sends those to the credits meter, which bills beyond the {plan.credits or 0:g}"
                      f"{_per_seat(plan, CREDITS)} credits granted a month")

    def usage_tiers(self, plan: PlanResult, resource: str, unit: Decimal) -> tuple[str, list, bool]:
        """A resource's price beyond its quota as tiers over the meter's
        units: (mode, [(upper bound or None, amount per meter unit)], whether
        the meter takes only the units beyond the quota). Volume tiers after
        a quota price the units beyond it, which only a meter fed those
        units can say; every other price counts from the first unit, with
        the quota as a free first tier."""
        quota = D(plan.quota.get(resource) or 0.0) / unit
        overage = plan.overage[resource]
        mode, schedule = overage_tiers(overage)
        beyond = mode == "volume" and quota > 0
        start = ZERO if beyond else quota
        tiers = [] if beyond or not quota else [(quota, ZERO)]
        tiers += [(None if b is None else start + D(b) / unit, D(p) * unit) for b, p in schedule]
        return mode, tiers, beyond


def _amount_text(amount: Amount) -> str:
    """`45 per 5 hours`, `66 per seat per day`: an amount per window as the file writes it."""
    written = "unlimited" if amount.amount is None else decimal_text(amount.amount)
    return f"{written}{' per seat' * amount.per_seat}{'' if amount.per == 'month' else f' per {amount.per}'}"


def _item_text(plan: PlanResult, resource: str, currency: str) -> str:
    """A plan's price for `resource` beyond its quota, as a .plan item."""
    if resource in plan.packs:
        pack = plan.packs[resource]
        return f"pack {resource} {decimal_text(pack.size)} for {_money(D(pack.price), currency)}"
    overage = plan.overage[resource]
    if not isinstance(overage, dict):
        return f"overage {resource} at {_money(D(overage), currency)}"
    mode, schedule = next(iter(overage.items()))
    tiers = ", ".join(f"{'unlimited' if b is None else decimal_text(b)} at {_money(D(p), currency)}" for b, p in schedule)
    return f"overage {resource} {mode} [{tiers}]"


CAPS = {"stripe": "Stripe meters do not cap usage", "lago": "Lago bills usage, it does not cap it"}
BEYOND = "_beyond_quota"  # the meter (metric) fed only the units beyond a plan's quota


def _priced(plan: PlanResult) -> list[tuple[str, PlanResult]]:
    """What a plan bills beyond a free quota, each with the plan that says
    how: its resources (in the plan's order), then its credits as if they
    were one more resource (invoice.credit_view)."""
    names = list(dict.fromkeys(list(plan.quota) + list(plan.overage) + list(plan.packs)))
    view = credit_view(plan)
    return [(r, plan) for r in names if r not in plan.rates] + ([(CREDITS, view)] if view is not None else [])


def _order(model: Model, feeds: dict[str, Feed]) -> list[str]:
    """Meters (metrics) in the order the file declares their resources, credits last."""
    order = list(model.resources) + [CREDITS]
    return sorted(feeds, key=lambda e: (order.index(feeds[e].resource), e))


def _counts(plans, resource: str) -> list[float]:
    """A resource's quotas, pack sizes and tier bounds over the plans that bill it."""
    out = []
    for plan in plans:
        if plan.quota.get(resource) is not None:
            out.append(plan.quota.get(resource, 0.0))
        if resource in plan.packs:
            out.append(plan.packs[resource].size)
        if resource in plan.overage:
            out += [b for b, _ in overage_tiers(plan.overage[resource])[1] if b is not None]
    return out


# ---- Stripe -------------------------------------------------------------------------------


def _stripe(model: Model, solution: Solution, approximate: bool, units: dict[str, Decimal]) -> dict:
    out = _Export(model, solution, "stripe", approximate, units)
    currency = out.currency.lower()
    usage = {name: [(r, p) for r, view in _priced(plan) if (p := _stripe_usage_price(out, name, view, r)) is not None]
             for name, plan in out.offered.items()}
    for event in _order(model, out.feeds):
        out.request("/v1/billing/meters", f"meter.{event}", {
            "display_name": event, "event_name": event,
            "default_aggregation": {"formula": "sum"},
            "value_settings": {"event_payload_key": "value"},
            "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
        })
    out.event_notes()
    for feature in dict.fromkeys(f for plan in out.offered.values() for f in plan.features):
        out.request("/v1/entitlements/features", f"feature.{feature}", {
            "lookup_key": f"planlang_{feature}", "name": feature, "metadata": {"planlang_feature": feature}})
    for name, plan in out.offered.items():
        product = f"planlang_{name}"
        out.request("/v1/products", f"product.{name}", {
            "id": product, "name": name, "metadata": {"planlang_plan": name, **out.quotas(name, plan)}})
        for feature in plan.features:  # an entitlement the application checks (Stripe Entitlements)
            out.request(f"/v1/products/{product}/features", f"product_feature.{name}.{feature}",
                        {"entitlement_feature": f"${{feature.{feature}}}"})
        licensed = [("fee", "price", plan.price or 0.0, ("monthly fee", "yearly fee"))]
        licensed += [("seat", "seat", plan.seat, ("per seat a month", "per seat a year"))] if plan.seat else []
        for suffix, item, amount, (monthly, _) in licensed:
            out.request("/v1/prices", f"price.{name}_{suffix}", {
                "product": product, "currency": currency, **stripe_amount(amount, out.currency),
                "recurring": {"interval": "month", "usage_type": "licensed"},
                "lookup_key": f"{name}_{suffix}", "nickname": f"{name}: {monthly}",
                "metadata": {"planlang_plan": name, "planlang_item": item}})
        if plan.annual is not None:  # the annual term: 12 months up front, at the discount
            for suffix, item, amount, (_, yearly) in licensed[1:] if plan.seat and not plan.price else licensed:
                out.request("/v1/prices", f"price.{name}_{suffix}_annual", {
                    "product": product, "currency": currency,
                    **stripe_amount(annual_amount(amount, plan), out.currency),
                    "recurring": {"interval": "year", "usage_type": "licensed"},
                    "lookup_key": f"{name}_{suffix}_annual", "nickname": f"{name}: {yearly}",
                    "metadata": {"planlang_plan": name, "planlang_item": item, "planlang_term": "annual"}})
            keys = [f"{name}_fee_annual"] * bool(plan.price or not plan.seat) + [f"{name}_seat_annual"] * bool(plan.seat)
            out.note(f"plan {name}: annual buyers subscribe to the yearly prices ({', '.join(keys)}) and to the "
                     "plan's monthly metered prices for their usage (one subscription mixing yearly and monthly "
                     "prices, or two)")
        out.seat_notes(name, plan)
        for resource, (event, params) in usage[name]:
            feed = out.feeds[event]
            metadata = {"planlang_plan": name, "planlang_item": resource}
            if feed.unit != 1:
                metadata["planlang_unit"] = decimal_text(feed.unit)
            if feed.beyond_quota:
                metadata["planlang_beyond_quota"] = "true"
            out.request("/v1/prices", f"price.{name}_{resource}", {
                "product": product, "currency": currency,
                "recurring": {"interval": "month", "usage_type": "metered", "meter": f"${{meter.{event}}}"},
                "lookup_key": f"{name}_{resource}", "nickname": f"{name}: {resource}",
                "metadata": metadata, **params})
        out.credit_note(name, plan)
    return out.result()


def _stripe_usage_price(out: _Export, name: str, plan: PlanResult, resource: str) -> tuple[str, dict] | None:
    """The meter and the params of the price for `resource` on `plan`, when
    the plan bills it in money and a Stripe price bills it exactly."""
    unit = out.billed_unit(name, plan, resource)
    if unit is None:
        return None
    quota = plan.quota.get(resource, 0.0)
    if resource in plan.packs:  # after a quota: a meter of the units beyond it, divided into packs
        pack = plan.packs[resource]
        event, feed = out.feed(resource, beyond_quota=bool(quota))
        params = {"billing_scheme": "per_unit", **stripe_amount(D(pack.price), out.currency),
                  "transform_quantity": {"divide_by": int(D(pack.size) / unit), "round": "up"}}
    else:
        mode, tiers, beyond = out.usage_tiers(plan, resource, unit)
        event, feed = out.feed(resource, beyond_quota=beyond)
        params = {"billing_scheme": "tiered", "tiers_mode": mode,
                  "tiers": [{"up_to": "inf" if b is None else int(b), **_tier_amount(p, out.currency)}
                            for b, p in tiers]}
    if not out.exact(name, plan, resource, feed, lambda q: stripe_price(params, q) / out.factor):
        return None
    return event, params


def _tier_amount(amount: Decimal, currency: str) -> dict:
    value = stripe_amount(amount, currency)
    return value if "unit_amount_decimal" in value else {"unit_amount_decimal": str(value["unit_amount"])}


# ---- Lago ---------------------------------------------------------------------------------


def _lago(model: Model, solution: Solution, approximate: bool, units: dict[str, Decimal]) -> dict:
    out = _Export(model, solution, "lago", approximate, units)
    charged = {name: [(r, c) for r, view in _priced(plan) if (c := _lago_charge(out, name, view, r)) is not None]
               for name, plan in out.offered.items()}
    for code in _order(model, out.feeds):
        feed = out.feeds[code]
        unit = "" if feed.unit == 1 else f", in units of {decimal_text(feed.unit)}"
        beyond = " beyond the subscriber's plan's quota" if feed.beyond_quota else ""
        out.request("/api/v1/billable_metrics", f"billable_metric.{code}", {"billable_metric": {
            "name": code, "code": code, "aggregation_type": "sum_agg", "field_name": "quantity",
            "recurring": False, "description": f"{feed.resource}{beyond}{unit}, summed over the month's events"}})
    out.event_notes()
    if any(plan.seat for plan in out.offered.values()):
        out.request("/api/v1/billable_metrics", f"billable_metric.{LAGO_SEATS}", {"billable_metric": {
            "name": "seats", "code": LAGO_SEATS, "aggregation_type": "unique_count_agg", "field_name": "seat_id",
            "recurring": True, "description": "the seats an account is billed for: one event per seat (seat_id)"}})
    for name, plan in out.offered.items():
        charges = [c for _, c in charged[name]]
        units = {f"planlang_unit_{r}": decimal_text(out.units[r]) for r, _ in charged[name] if out.units[r] != 1}
        seat = [_lago_seat_charge(plan, plan.seat, out.currency)] if plan.seat else []
        out.request("/api/v1/plans", f"plan.{name}", {"plan": {
            "name": name, "code": name, "interval": "monthly",
            "amount_cents": lago_cents(plan.price or 0.0, out.currency), "amount_currency": out.currency,
            "pay_in_advance": True, "charges": seat + charges,
            "metadata": {"planlang_plan": name, **out.quotas(name, plan), **units}}})
        out.seat_notes(name, plan)
        if plan.annual is not None and plan.seat:
            out.leave_out(name, "its annual term",
                          "it is paid 12 months up front, seats included; a yearly Lago plan bills its charges, "
                          "the seats among them, monthly or at the year's end: sell it outside Lago, or without a "
                          "price per seat")
        elif plan.annual is not None:
            out.request("/api/v1/plans", f"plan.{name}_annual", {"plan": {
                "name": f"{name} (annual)", "code": f"{name}_annual", "interval": "yearly",
                "amount_cents": lago_cents(annual_amount(plan.price or 0.0, plan), out.currency),
                "amount_currency": out.currency, "pay_in_advance": True, "bill_charges_monthly": True,
                "charges": charges, "metadata": {"planlang_plan": name, "planlang_term": "annual"}}})
        out.credit_note(name, plan)
    return out.result()


LAGO_SEATS = "planlang_seats"  # the billable metric of seats


def lago_cents(amount: float | Decimal, currency: str) -> int:
    """A Lago `amount_cents`: the amount in the smallest unit, rounded (half up), never truncated."""
    return int(minor(amount, currency).quantize(Decimal(1), ROUND_HALF_UP))


def _lago_seat_charge(plan: PlanResult, amount: float, currency: str) -> dict:
    """`amount` per seat a month, with the minimum of seats as the charge's minimum."""
    charge = {"billable_metric_id": f"${{billable_metric.{LAGO_SEATS}}}", "pay_in_advance": False,
              "invoiceable": True, "invoice_display_name": "seats", "charge_model": "standard",
              "properties": {"amount": decimal_text(amount)}}
    if plan.min_seats is not None and plan.min_seats > 1:
        charge["min_amount_cents"] = lago_cents(D(amount) * D(plan.min_seats), currency)
    return charge


def _lago_charge(out: _Export, name: str, plan: PlanResult, resource: str) -> dict | None:
    """The charge for `resource` on `plan`, when the plan bills it in money
    and a Lago charge bills it exactly."""
    unit = out.billed_unit(name, plan, resource)
    if unit is None:
        return None
    quota = plan.quota.get(resource, 0.0)
    if resource in plan.packs:  # `package` with the quota as free units: exact as it is
        pack = plan.packs[resource]
        code, feed = out.feed(resource, beyond_quota=False)
        charge = {"charge_model": "package", "properties": {
            "amount": decimal_text(pack.price), "free_units": int(D(quota) / unit),
            "package_size": int(D(pack.size) / unit)}}
    else:
        mode, tiers, beyond = out.usage_tiers(plan, resource, unit)
        code, feed = out.feed(resource, beyond_quota=beyond)
        if mode == "graduated" and len(tiers) == 1:
            charge = {"charge_model": "standard", "properties": {"amount": decimal_text(tiers[0][1])}}
        else:
            key = f"{mode}_ranges"
            charge = {"charge_model": mode, "properties": {key: _ranges(tiers)}}
    charge = {"billable_metric_id": f"${{billable_metric.{code}}}", "pay_in_advance": False, "invoiceable": True,
              "invoice_display_name": resource, **charge}
    if not out.exact(name, plan, resource, feed, lambda q: lago_charge(charge, q)):
        return None
    return charge


def _ranges(tiers: list[tuple[Decimal | None, Decimal]]) -> list[dict]:
    """Lago's ranges: the first from 0, each next from the previous `to_value + 1`, the last to null."""
    out, start = [], 0
    for bound, price in tiers:
        to = None if bound is None else int(bound)
        out.append({"from_value": start, "to_value": to, "per_unit_amount": decimal_text(price), "flat_amount": "0"})
        start = None if to is None else to + 1
    return out


def export(model: Model, solution: Solution, target: str, approximate: bool = False,
           units: dict[str, str] | None = None) -> dict:
    """The requests that create the chosen catalog on `target`. An item no
    price of the target bills exactly (to the cent, on a usage grid) is left
    out and listed in `left_out`, unless `approximate`. `units` gives a
    resource used in fractions its meter unit ({"gb": "0.01"}: the
    application sends hundredths of a GB; a power of ten, at most 1, at
    least a millionth); a finer unit its quotas or bounds need wins."""
    if target not in TARGETS:
        raise ExportError(f"export to stripe or lago, not '{target}'")
    units = meter_units(model, units or {})
    return (_stripe if target == "stripe" else _lago)(model, solution, approximate, units)


def meter_units(model: Model, given: dict[str, str]) -> dict[str, Decimal]:
    """`--meter-unit` values checked: ExportError naming what is wrong."""
    out, problems = {}, []
    allowed = [Decimal(1).scaleb(-k) for k in range(MAX_SCALE + 1)]
    for resource, text in given.items():
        if resource not in model.resources:
            problems.append(f"'{resource}' is not a resource of the file (its resources: {', '.join(model.resources)})")
            continue
        try:
            unit = Decimal(str(text).strip())
        except ArithmeticError:
            unit = None
        if unit not in allowed:
            problems.append(f"the meter unit of {resource} is '{text}': give 1, 0.1, 0.01, ... or 0.000001")
            continue
        out[resource] = unit
    if problems:
        raise ExportError("; ".join(problems))
    return out


# ---- import ---------------------------------------------------------------------------------
#
# An import reads what someone else may have written: every value is checked
# for its kind where it is read, and a request that does not say what an
# export says is named in the message, never a traceback.

DUMP_KEYS = {"stripe": ("meters", "products", "prices"), "lago": ("billable_metrics", "plans")}


class _Bad(Exception):
    """A value of the imported file that is not what it should be."""


def _get(data, key: str, kind: type | tuple = object, default=...):
    """data[key], of `kind`; _Bad when it is missing (and no default) or of another kind."""
    if not isinstance(data, dict):
        raise _Bad(f"expected an object holding '{key}', found {_shown(data)}")
    if key not in data or data[key] is None:
        if default is ...:
            raise _Bad(f"'{key}' is missing")
        return default
    value = data[key]
    if not isinstance(value, kind) or (kind in (int, float, (int, float)) and isinstance(value, bool)):
        raise _Bad(f"'{key}' is {_shown(value)}, not {_kind_name(kind)}")
    return value


def _kind_name(kind) -> str:
    names = {dict: "an object", list: "a list", str: "text", int: "a whole number"}
    return " or ".join(names.get(k, k.__name__) for k in (kind if isinstance(kind, tuple) else (kind,)))


def _shown(value) -> str:
    text = json.dumps(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 40 else text[:37] + "..."


def _decimal(value, what: str) -> Decimal:
    """An amount written as a number or a decimal string."""
    try:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ArithmeticError
        amount = Decimal(str(value).strip())
        if not amount.is_finite():
            raise ArithmeticError
        return amount
    except ArithmeticError:
        raise _Bad(f"{what} is {_shown(value)}, not an amount") from None


def _plain(amount: Decimal) -> str:
    """A number as a .plan file writes it (no exponent)."""
    return format(amount.normalize(), "f")


def _count(value, what: str) -> int:
    amount = _decimal(value, what)
    if amount != amount.to_integral_value() or amount <= 0:
        raise _Bad(f"{what} is {_shown(value)}, not a whole number above 0")
    return int(amount)


def _money(amount: Decimal | float, currency: str) -> str:
    from planlang.units import SYMBOLS

    text = _plain(Decimal(str(amount)))
    symbol = next((sym for sym, codes in SYMBOLS.items() if currency.upper() in codes[:1]), None)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _stripe_amount_of(params: dict, currency: str) -> Decimal:
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    value = params.get("unit_amount_decimal")
    if value is None:
        value = params.get("unit_amount")
    return _decimal(0 if value is None else value, "the amount") / factor


def name_of(text: str, fallback: str) -> str:
    """A billing system's name (of a product, plan or meter) as a .plan name."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", str(text)).strip("_") or fallback
    cleaned = cleaned if not cleaned[0].isdigit() else f"{fallback}_{cleaned}"
    return f"{cleaned}_" if cleaned == CREDITS else cleaned


class _Plan:
    """What an import learns of one plan, written back as a `plan` block."""

    def __init__(self, name: str):
        self.name, self.price, self.quota, self.items, self.notes = name, None, {}, [], []
        self.features: list[str] = []
        self.units: dict[str, Decimal] = {}  # a meter's unit, where it is not 1 (Lago: the plan's metadata)

    def text(self) -> list[str]:
        head = [f"# {note}" for note in self.notes] + [f"plan {self.name} {{"]
        lines = head + [f"  price = {self.price or '$0'}" + ("" if self.price else "  # no monthly fee was found")]
        lines += [f"  quota {r} = {q}" for r, q in self.quota.items()]
        return lines + [f"  {item}" for item in self.items] + ["}"]


def _quota_metadata(plan: _Plan, metadata, currency: str) -> None:
    """Quotas and credit items the export wrote as metadata."""
    if not isinstance(metadata, dict):
        return  # no metadata, or not planlang's
    for key, value in metadata.items():
        if not isinstance(value, str) or not value:
            continue
        amount, seat = value.removesuffix(" per seat"), value.endswith(" per seat")
        if key.startswith("planlang_quota_"):
            quota = amount if amount == "unlimited" else _plain(_decimal(amount, f"metadata {key}"))
            plan.quota.setdefault(name_of(key[len("planlang_quota_"):], "resource"), quota + " per seat" * seat)
        elif key == "planlang_credits":
            plan.items.append(f"credits = {_plain(_decimal(amount, 'metadata planlang_credits'))}" + " per seat" * seat)
        elif key.startswith("planlang_rate_"):
            plan.items.append(f"rate {name_of(key[len('planlang_rate_'):], 'resource')} = "
                              f"{_plain(_decimal(value, f'metadata {key}'))}")
        elif key == "planlang_credit_pack":
            size, _, price = value.partition(" for ")
            plan.items.append(f"pack credits {_count(size, 'the credit pack size')} for "
                              f"{_money(_decimal(price, 'the credit pack price'), currency)}")
        elif key == "planlang_credit_overage":
            plan.items.append(f"overage credits at {_money(_decimal(value, 'the credit overage'), currency)}")
        elif key == "planlang_seat":
            plan.items.append(f"seat = {_money(_decimal(value, 'metadata planlang_seat'), currency)}")
        elif key == "planlang_min_seats":
            plan.items.append(f"min seats = {_count(value, 'metadata planlang_min_seats')}")
        elif key == "planlang_annual":
            plan.items.append(f"annual = {_plain(_decimal(value, 'metadata planlang_annual'))}%")
        elif key == "planlang_features":
            names = [name_of(f.strip(), "feature") for f in value.split(",") if f.strip()]
            plan.items.append(f"feature {', '.join(names)}")
            plan.features += names
        elif key.startswith(("planlang_unsent_", "planlang_window_")):
            plan.items.append(value)  # an item as the file wrote it; the file read back is checked whole
        elif key.startswith("planlang_unit_"):
            plan.units[name_of(key[len("planlang_unit_"):], "resource")] = _decimal(value, f"metadata {key}")


def _referenced(reference, names: dict[str, str]) -> str:
    """The resource a `${meter.R}` (or an id of an exported object) stands for."""
    if not isinstance(reference, str):
        raise _Bad(f"a price's meter is {_shown(reference)}, not a reference to one")
    if reference.startswith("${") and reference.endswith("}"):
        reference = reference[2:-1]
    if reference not in names:
        raise _Bad(f"it refers to '{reference}', which the file does not create")
    return names[reference]


def _tiers_text(resource: str, mode: str, tiers: list[tuple[Decimal | None, Decimal]], free: Decimal,
                currency: str) -> str:
    """An `overage` item from tiers over usage (bounds counted from 0, the
    quota `free` among them) and prices per unit."""
    shifted = [("unlimited" if bound is None else _plain(bound - free), price) for bound, price in tiers]
    if len(shifted) == 1 and shifted[0][0] == "unlimited":
        return f"overage {resource} at {_money(shifted[0][1], currency)}"
    listed = ", ".join(f"{bound} at {_money(price, currency)}" for bound, price in shifted)
    return f"overage {resource} {mode} [{listed}]"


def _usage_item(plan: _Plan, resource: str, mode: str, tiers: list[tuple[Decimal | None, Decimal]],
                beyond: bool, unit: Decimal, currency: str) -> None:
    """A metered price read back: tiers over the meter's units (a free first
    tier is the quota, unless the meter takes only the units beyond it)."""
    tiers = [(None if b is None else b * unit, p / unit) for b, p in tiers]
    free = ZERO  # beyond the quota: the bounds are the plan's own, the quota is in the metadata
    if not beyond and mode == "graduated" and len(tiers) > 1 and tiers[0][1] == 0 and tiers[0][0] is not None:
        free = tiers.pop(0)[0]
        plan.quota[resource] = _plain(free)
    if tiers[-1][0] is not None:
        plan.notes.append(f"{resource}: the last tier ends at {_plain(tiers[-1][0])}; beyond it the price stays "
                          "its last")
        tiers[-1] = (None, tiers[-1][1])
    plan.items.append(_tiers_text(resource, mode, tiers, free, currency))


def _resource_of(name: str) -> tuple[str, bool]:
    """The resource a meter or billable metric counts, and whether it counts
    only the units beyond a plan's quota (`R_beyond_quota`)."""
    beyond = name.endswith(BEYOND) and len(name) > len(BEYOND)
    name = name[:-len(BEYOND)] if beyond else name
    return (CREDITS if name == CREDITS else name_of(name, "resource")), beyond


def _from_stripe(requests: list[dict], currency: str) -> dict[str, _Plan]:
    meters = {}
    for i, r in enumerate(requests, 1):
        with _at(i, r):
            if r["path"] == "/v1/billing/meters":
                params = _get(r, "params", dict)
                event = _resource_of(_get(params, "event_name", str))
                meters[_get(r, "key", str, "")] = event
                if "id" in params:
                    meters[_get(params, "id", str)] = event
    plans: dict[str, _Plan] = {}
    products: dict[str, _Plan] = {}
    for i, r in enumerate(requests, 1):
        with _at(i, r):
            params = _get(r, "params", dict, {})
            if r["path"] == "/v1/products":
                name = name_of(_get(params, "name", str), "plan")
                plan = plans.setdefault(name, _Plan(name))
                products[_get(params, "id", str, params["name"])] = plan
                _quota_metadata(plan, params.get("metadata"), currency)
            elif r["path"] == "/v1/prices":
                product = _get(params, "product", str)
                if product not in products:
                    raise _Bad(f"its product '{product}' is not among the file's products")
                _stripe_price(products[product], params, meters, currency)
    return plans


def _stripe_price(plan: _Plan, params: dict, meters: dict[str, str], currency: str) -> None:
    recurring = _get(params, "recurring", dict, {})
    if _get(recurring, "usage_type", str, "licensed") == "licensed":
        metadata = _get(params, "metadata", dict, {})
        if metadata.get("planlang_item") == "seat" or metadata.get("planlang_term") == "annual":
            return  # the product's metadata says it: planlang_seat, planlang_annual
        if _get(recurring, "interval", str, "month") != "month":
            plan.notes.append(f"a licensed price billed per {recurring['interval']}: left out (a plan's price is "
                              "per month)")
            return
        plan.price = _money(_stripe_amount_of(params, currency), currency)
        return
    resource, beyond = _referenced(_get(recurring, "meter", str), meters)
    if resource == CREDITS:
        return  # the product's metadata says it: planlang_credit_pack, planlang_credit_overage
    metadata = _get(params, "metadata", dict, {})
    unit = _decimal(metadata.get("planlang_unit") or 1, "metadata planlang_unit")
    transform = _get(params, "transform_quantity", dict, None)
    if transform is not None:
        size = _count(_get(transform, "divide_by"), "transform_quantity.divide_by") * unit
        plan.items.append(f"pack {resource} {_plain(size)} for {_money(_stripe_amount_of(params, currency), currency)}")
        return
    tiers = [(None if _get(t, "up_to", default="inf") in ("inf", None) else _count(t["up_to"], "a tier's up_to"),
              _stripe_amount_of(t, currency)) for t in _get(params, "tiers", list, [])]
    if not tiers:  # a price per unit from the first unit on
        tiers = [(None, _stripe_amount_of(params, currency))]
    _usage_item(plan, resource, _get(params, "tiers_mode", str, "graduated"), tiers, beyond, unit, currency)


def _from_lago(requests: list[dict], currency: str) -> dict[str, _Plan]:
    metrics = {}
    for i, r in enumerate(requests, 1):
        with _at(i, r):
            if r["path"] == "/api/v1/billable_metrics":
                metric = _get(_get(r, "body", dict), "billable_metric", dict)
                code = _resource_of(_get(metric, "code", str))
                metrics[_get(r, "key", str, "")] = code
                metrics[metric["code"]] = code
    plans: dict[str, _Plan] = {}
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    for i, r in enumerate(requests, 1):
        if r["path"] != "/api/v1/plans":
            continue
        with _at(i, r):
            body = _get(_get(r, "body", dict), "plan", dict)
            if _get(body, "metadata", dict, {}).get("planlang_term") == "annual":
                continue  # the monthly plan's metadata says it (planlang_annual)
            name = name_of(_get(body, "code", str), "plan")
            plan = plans.setdefault(name, _Plan(name))
            plan.price = _money(_decimal(_get(body, "amount_cents", default=0), "amount_cents") / factor, currency)
            _quota_metadata(plan, body.get("metadata"), currency)
            for charge in _get(body, "charges", list, []):
                reference = _get(charge, "billable_metric_id", str, None) or _get(charge, "billable_metric_code", str)
                resource, beyond = _referenced(reference, metrics)
                if resource not in (LAGO_SEATS, CREDITS):  # the metadata says them (planlang_seat, planlang_credits, ...)
                    _lago_charge_back(plan, resource, beyond, charge, currency)
    return plans


def _lago_charge_back(plan: _Plan, resource: str, beyond: bool, charge: dict, currency: str) -> None:
    properties = _get(charge, "properties", dict, {})
    model = _get(charge, "charge_model", str)
    unit = plan.units.get(resource, Decimal(1))
    if model == "package":
        if properties.get("free_units"):
            plan.quota[resource] = _plain(_decimal(properties["free_units"], "free_units") * unit)
        size = _count(_get(properties, 'package_size'), 'package_size') * unit
        plan.items.append(f"pack {resource} {_plain(size)} for "
                          f"{_money(_decimal(_get(properties, 'amount'), 'the package amount'), currency)}")
    elif model == "standard":
        tiers = [(None, _decimal(_get(properties, "amount"), "amount"))]
        _usage_item(plan, resource, "graduated", tiers, beyond, unit, currency)
    elif model in ("graduated", "volume"):
        key = "volume_ranges" if model == "volume" else "graduated_ranges"
        ranges = [(None if _get(r_, "to_value", default=None) is None else _count(r_["to_value"], "to_value"),
                   _decimal(_get(r_, "per_unit_amount"), "per_unit_amount")) for r_ in _get(properties, key, list)]
        if not ranges:
            raise _Bad(f"its {key} are empty")
        _usage_item(plan, resource, model, ranges, beyond, unit, currency)
    else:
        plan.notes.append(f"{resource}: Lago's {model} charge has no planlang item: left out")


def from_dump(data: dict, target: str) -> dict:
    """A dump of existing objects, as the APIs list them (Stripe: `meters`,
    `products`, `prices`; Lago: `billable_metrics`, `plans`), in the shape
    of an export, so that a catalog made outside planlang can be read."""
    requests: list[dict] = []
    if target == "stripe":
        for meter in _get(data, "meters", list, []):
            requests.append({"path": "/v1/billing/meters", "key": f"meter.{_get(meter, 'event_name', str)}",
                             "params": {"id": _get(meter, "id", str), "event_name": meter["event_name"]}})
        for product in _get(data, "products", list, []):
            metadata = _get(product, "metadata", dict, {})
            name = metadata.get("planlang_plan") or _get(product, "name", str)
            requests.append({"path": "/v1/products", "key": f"product.{name}", "params": {
                "id": _get(product, "id", str), "name": name, "metadata": metadata}})
        prices = [p for p in _get(data, "prices", list, []) if _get(p, "active", bool, True) and _get(p, "recurring", dict, None)]
        for price in prices:
            tiers = [{**t, "up_to": "inf" if _get(t, "up_to", default=None) is None else t["up_to"]}
                     for t in _get(price, "tiers", list, [])]
            requests.append({"path": "/v1/prices", "key": f"price.{_get(price, 'id', str)}",
                             "params": {**price, "tiers": tiers} if tiers else price})
        currency = _get(prices[0], "currency", str) if prices else "usd"
    else:
        for metric in _get(data, "billable_metrics", list, []):
            requests.append({"path": "/api/v1/billable_metrics", "key": f"billable_metric.{_get(metric, 'code', str)}",
                             "body": {"billable_metric": metric}})
        for plan in _get(data, "plans", list, []):
            requests.append({"path": "/api/v1/plans", "key": f"plan.{_get(plan, 'code', str)}", "body": {"plan": plan}})
        currency = next((p.get("amount_currency") for p in data["plans"] if isinstance(p, dict)), None) or "USD"
    return {"target": target, "currency": currency, "requests": requests}


def _kind(data, target: str | None) -> str:
    """What the imported JSON is: "export" (planlang's requests) or "dump";
    ExportError when it is neither."""
    if isinstance(data, dict) and isinstance(data.get("requests"), list) and data.get("target") in TARGETS:
        if target is not None and data["target"] != target:
            raise ExportError(f"this is an export to {data['target']}, not {target}: import it --from {data['target']}")
        return "export"
    keys = DUMP_KEYS.get(target or "", ())
    if isinstance(data, dict) and any(isinstance(data.get(k), list) for k in keys) and \
            all(isinstance(data.get(k, []), list) for k in keys):
        return "dump"
    raise ExportError("this is neither an export written by `planlang export` (an object with \"target\" and "
                      "\"requests\") nor a dump of what the billing system holds (lists of "
                      f"{', '.join(DUMP_KEYS.get(target or '', DUMP_KEYS['stripe']))})")


def import_catalog(data, target: str | None = None) -> str:
    """`plan` blocks (fixed values) of an export (or of a dump of existing
    objects: see from_dump), with a `resource` block for every resource
    they name (to be given its GPU time and cost). ExportError, naming the
    request at fault, for anything that is not what an export holds."""
    import planlang

    kind = _kind(data, target)
    target = data["target"] if kind == "export" else target
    try:
        if kind == "dump":
            data = from_dump(data, target)
        currency = _get(data, "currency", str, "usd")
        if not re.fullmatch(r"[A-Za-z]{3}", currency):
            raise _Bad(f"'currency' is {_shown(currency)}, not a three-letter code")
        requests = data["requests"]
        for i, request in enumerate(requests, 1):
            if not isinstance(request, dict) or not isinstance(request.get("path"), str):
                raise _Bad(f"request {i} is {_shown(request)}, not an API request with a \"path\"")
        plans = _read_plans(requests, target, currency)
    except _Bad as error:
        raise ExportError(f"cannot read the catalog: {error}") from None
    named = {item.split()[1] for plan in plans.values() for item in plan.items
             if item.split()[0] in ("rate", "pack", "overage")}
    resources = sorted(({r for plan in plans.values() for r in plan.quota} | named) - {CREDITS})
    lines = [f"# imported from a {target} {kind} by planlang import", f"currency {currency.upper()}", ""]
    lines += [f"resource {r} {{}}  # add its gpu time and cost" for r in resources] + [""]
    features = dict.fromkeys(f for plan in plans.values() for f in plan.features)
    lines += [f"feature {f}" for f in features] + [""] * bool(features)
    for plan in plans.values():
        lines += plan.text() + [""]
    try:
        return planlang.dumps(planlang.loads("\n".join(lines)))
    except planlang.PlanError as error:
        raise ExportError(f"the catalog read is not a valid .plan file: {error.diagnostics[0].message}") from None


def _read_plans(requests: list[dict], target: str, currency: str) -> dict[str, _Plan]:
    return (_from_stripe if target == "stripe" else _from_lago)(requests, currency)


@contextmanager
def _at(number: int, request: dict):
    """Name the request a problem was found in."""
    try:
        yield
    except _Bad as error:
        what = request.get("key") or request.get("path")
        raise _Bad(f"request {number} ({what}): {error}") from None
