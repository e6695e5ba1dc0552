"""The chosen catalog as a billing system's objects (`planlang export`), and
back (`planlang import`).

An export is the list of API requests that create the catalog, in the
order they must be sent:

    {"target": "stripe", "currency": "usd",
     "requests": [{"method": "POST", "path": "/v1/products", "key": "product.plus", "params": {...}}, ...],
     "notes": ["..."]}

`key` names the object a request creates; a later request that needs its
id (a Stripe price on a meter, a Lago charge on a billable metric) holds
`${key}` in its place, which `--apply` fills in from the answer. What a
target cannot express is said in `notes`, never dropped.

Stripe: a Billing Meter per metered resource (event_name = the resource);
per offered plan a Product (id `planlang_PLAN`), a licensed monthly Price
for its fee, and per resource a metered Price: tiered, a free first tier up
to the quota, then the overage (graduated or volume tiers after it); packs
as `transform_quantity` prices. Amounts in the currency's smallest unit,
`unit_amount_decimal` below one. `lookup_key`s are `PLAN_fee` and
`PLAN_RESOURCE`, so an export is stable.

Lago: a `sum_agg` billable metric per resource (on the event property
`quantity`); a monthly plan per offered plan, paid in advance, with charges:
`standard` (overage, no quota), `graduated` (a free range up to the quota,
then the overage or the graduated tiers), `volume`, `package` (packs, the
quota as `free_units`).
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

from planlang.model import Model
from solver.solution import PlanResult, Solution

# Currencies whose smallest unit is the unit itself (Stripe's "zero-decimal" list).
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF",
                "XOF", "XPF"}
TARGETS = ("stripe", "lago")


class ExportError(Exception):
    """The solution cannot be exported (nothing solved)."""


def minor(amount: float, currency: str) -> Decimal:
    """An amount in the currency's smallest unit, to 12 decimals."""
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    return (Decimal(repr(amount)) * factor).quantize(Decimal("1e-12")).normalize()


def stripe_amount(amount: float, currency: str) -> dict:
    """`unit_amount` when whole, else `unit_amount_decimal`."""
    value = minor(amount, currency)
    if value == value.to_integral_value():
        return {"unit_amount": int(value)}
    return {"unit_amount_decimal": format(value, "f")}


def decimal_text(amount: float) -> str:
    """A Lago amount: a decimal string in the currency's unit."""
    return format(Decimal(repr(amount)).normalize(), "f")


def whole(count: float) -> int:
    """Tier bounds, quotas and pack sizes: billing systems count whole units."""
    return int(math.floor(count + 1e-9))


def _metered(plan: PlanResult) -> list[str]:
    """The resources a plan bills beyond a free quota, in the plan's order."""
    names = list(plan.quota) + list(plan.overage) + list(plan.packs) + list(plan.rates)
    return list(dict.fromkeys(names))


class _Export:
    def __init__(self, model: Model, solution: Solution, target: str):
        if not solution.solved:
            raise ExportError(f"there is no catalog to export: the file is {solution.status}"
                              + (f" ({solution.message})" if solution.message else ""))
        self.model, self.solution, self.target = model, solution, target
        self.currency = solution.currency
        self.requests: list[dict] = []
        self.notes: list[str] = []
        self.offered = {name: plan for name, plan in solution.plans.items() if plan.offered}
        for name, plan in solution.plans.items():
            if not plan.offered:
                self.notes.append(f"plan {name} is not in the chosen catalog: not exported")

    def note(self, text: str) -> None:
        self.notes.append(text)

    def request(self, path: str, key: str, body: dict) -> None:
        field = "params" if self.target == "stripe" else "body"
        self.requests.append({"method": "POST", "path": path, "key": key, field: body})

    def resources(self, used: set[str]) -> list[str]:
        """`used` in the order the file declares them."""
        return [r for r in self.model.resources if r in used]

    def quotas(self, plan: PlanResult) -> dict[str, str]:
        """Every quota and credit item as metadata (`planlang_quota_R`,
        `planlang_credits`, `planlang_rate_R`, ...): a cap, an unlimited
        quota or a price in credits bills nothing here, so only this says
        it, and `import` reads it back."""
        out = {f"planlang_quota_{r}": "unlimited" if q is None else str(whole(q))
               for r, q in plan.quota.items() if q is None or q > 0}
        if plan.credits is not None:
            out["planlang_credits"] = str(whole(plan.credits))
        out.update({f"planlang_rate_{r}": format(Decimal(repr(c)).normalize(), "f") for r, c in plan.rates.items()})
        if plan.credit_pack is not None:
            out["planlang_credit_pack"] = f"{whole(plan.credit_pack.size)} for {decimal_text(plan.credit_pack.price)}"
        if plan.credit_overage is not None:
            out["planlang_credit_overage"] = decimal_text(plan.credit_overage)
        return out

    def result(self) -> dict:
        return {"target": self.target, "currency": self.currency.lower(), "requests": self.requests,
                "notes": self.notes}

    def outcome_notes(self, used: list[str]) -> None:
        for name in used:
            resource = self.model.resources[name]
            if resource.is_outcome:
                self.note(f"{name} is an outcome: send one usage event per resolved {name} (its cost per attempt "
                          "stays planlang's, billing counts results)")

    def credit_notes(self, name: str, plan: PlanResult, how: str) -> None:
        if plan.rates:
            rates = ", ".join(f"{r} {c:g} credits" for r, c in plan.rates.items())
            self.note(f"plan {name} is sold in credits ({plan.credits or 0:g} a month; {rates}): {how}")


# ---- Stripe -------------------------------------------------------------------------------


def _stripe(model: Model, solution: Solution) -> dict:
    out = _Export(model, solution, "stripe")
    currency = out.currency.lower()
    usage = {name: [(r, p) for r in _metered(plan) if (p := _stripe_usage_price(out, name, plan, r)) is not None]
             for name, plan in out.offered.items()}
    metered = out.resources({r for prices in usage.values() for r, _ in prices})
    for resource in metered:
        out.request("/v1/billing/meters", f"meter.{resource}", {
            "display_name": resource, "event_name": resource,
            "default_aggregation": {"formula": "sum"},
            "value_settings": {"event_payload_key": "value"},
            "customer_mapping": {"type": "by_id", "event_payload_key": "stripe_customer_id"},
        })
    out.outcome_notes(metered)
    for name, plan in out.offered.items():
        product = f"planlang_{name}"
        out.request("/v1/products", f"product.{name}", {
            "id": product, "name": name, "metadata": {"planlang_plan": name, **out.quotas(plan)}})
        out.request("/v1/prices", f"price.{name}_fee", {
            "product": product, "currency": currency, **stripe_amount(plan.price or 0.0, out.currency),
            "recurring": {"interval": "month", "usage_type": "licensed"},
            "lookup_key": f"{name}_fee", "nickname": f"{name}: monthly fee",
            "metadata": {"planlang_plan": name, "planlang_item": "price"}})
        for resource, params in usage[name]:
            out.request("/v1/prices", f"price.{name}_{resource}", {
                "product": product, "currency": currency,
                "recurring": {"interval": "month", "usage_type": "metered", "meter": f"${{meter.{resource}}}"},
                "lookup_key": f"{name}_{resource}", "nickname": f"{name}: {resource}",
                "metadata": {"planlang_plan": name, "planlang_item": resource}, **params})
        out.credit_notes(name, plan, "Stripe grants credits per customer (POST /v1/billing/credit_grants each "
                         "month) and cannot price a resource in credits; bill its resources in money or keep "
                         "the credit ledger in the product")
    return out.result()


def _stripe_usage_price(out: _Export, name: str, plan: PlanResult, resource: str) -> dict | None:
    quota = plan.quota.get(resource, 0.0)
    if quota is None:
        return None  # unlimited: nothing to bill
    free = whole(quota)
    overage = plan.overage.get(resource)
    if resource in plan.packs:
        pack = plan.packs[resource]
        if free:
            out.note(f"plan {name}: the first {free:,} {resource} are free, but a Stripe pack price divides all "
                     "usage by the pack size; give the quota as a credit or a usage-threshold discount")
        return {"billing_scheme": "per_unit", **stripe_amount(pack.price, out.currency),
                "transform_quantity": {"divide_by": whole(pack.size), "round": "up"}}
    if resource in plan.rates:
        return None  # in credits: see the plan's note
    if overage is None:
        if free:
            out.note(f"plan {name}: {resource} stops at its quota of {free:,}; Stripe meters do not cap usage, "
                     "so enforce the cap in the product")
        return None
    tiers = [{"up_to": free, **_tier_amount(0.0, out.currency)}] if free else []
    mode = "graduated"
    if isinstance(overage, dict):
        mode, schedule = next(iter(overage.items()))
        if mode == "volume" and free:
            out.note(f"plan {name}: volume tiers on {resource} after a free quota cannot be one Stripe price "
                     "(volume prices every unit); exported as graduated tiers after the quota")
            mode = "graduated"
        for bound, price in schedule:
            up_to = "inf" if bound is None else free + whole(bound)
            tiers.append({"up_to": up_to, **_tier_amount(price, out.currency)})
    else:
        tiers.append({"up_to": "inf", **_tier_amount(overage, out.currency)})
    return {"billing_scheme": "tiered", "tiers_mode": mode, "tiers": tiers}


def _tier_amount(amount: float, currency: str) -> dict:
    value = stripe_amount(amount, currency)
    return value if "unit_amount_decimal" in value else {"unit_amount_decimal": str(value["unit_amount"])}


# ---- Lago ---------------------------------------------------------------------------------


def _lago(model: Model, solution: Solution) -> dict:
    out = _Export(model, solution, "lago")
    charged = {name: [(r, c) for r in _metered(plan) if (c := _lago_charge(out, name, plan, r)) is not None]
               for name, plan in out.offered.items()}
    metered = out.resources({r for charges in charged.values() for r, _ in charges})
    for resource in metered:
        out.request("/api/v1/billable_metrics", f"billable_metric.{resource}", {"billable_metric": {
            "name": resource, "code": resource, "aggregation_type": "sum_agg", "field_name": "quantity",
            "recurring": False, "description": f"{resource}, summed over the month's events"}})
    out.outcome_notes(metered)
    for name, plan in out.offered.items():
        charges = [c for _, c in charged[name]]
        out.request("/api/v1/plans", f"plan.{name}", {"plan": {
            "name": name, "code": name, "interval": "monthly",
            "amount_cents": int(minor(plan.price or 0.0, out.currency)), "amount_currency": out.currency,
            "pay_in_advance": True, "charges": charges, "metadata": {"planlang_plan": name, **out.quotas(plan)}}})
        out.credit_notes(name, plan, "Lago sells prepaid credits through a customer's wallet (POST /api/v1/wallets, "
                         "granted_credits each month), one credit worth a fixed amount; prices in credits per "
                         "resource are not expressible: charge its resources in money")
    return out.result()


def _lago_charge(out: _Export, name: str, plan: PlanResult, resource: str) -> dict | None:
    quota = plan.quota.get(resource, 0.0)
    if quota is None or resource in plan.rates:
        return None
    free = whole(quota)
    charge = {"billable_metric_id": f"${{billable_metric.{resource}}}", "pay_in_advance": False,
              "invoiceable": True, "invoice_display_name": resource}
    if resource in plan.packs:
        pack = plan.packs[resource]
        return {**charge, "charge_model": "package", "properties": {
            "amount": decimal_text(pack.price), "free_units": free, "package_size": whole(pack.size)}}
    overage = plan.overage.get(resource)
    if overage is None:
        if free:
            out.note(f"plan {name}: {resource} stops at its quota of {free:,}; Lago bills usage, it does not cap "
                     "it: enforce the cap in the product")
        return None
    if not isinstance(overage, dict):
        if not free:
            return {**charge, "charge_model": "standard", "properties": {"amount": decimal_text(overage)}}
        schedule = [(None, overage)]
        mode = "graduated"
    else:
        mode, schedule = next(iter(overage.items()))
    if mode == "volume":
        if free:
            out.note(f"plan {name}: volume tiers on {resource} after a free quota cannot be one Lago charge; "
                     "exported as graduated ranges after the quota")
        else:
            return {**charge, "charge_model": "volume", "properties": {"volume_ranges": _ranges(schedule, 0)}}
    ranges = ([{"from_value": 0, "to_value": free, "per_unit_amount": "0", "flat_amount": "0"}] if free else [])
    return {**charge, "charge_model": "graduated", "properties": {"graduated_ranges": ranges + _ranges(schedule, free)}}


def _ranges(schedule, start: int) -> list[dict]:
    out, below = [], start
    for bound, price in schedule:
        to = None if bound is None else start + whole(bound)
        out.append({"from_value": below, "to_value": to, "per_unit_amount": decimal_text(price), "flat_amount": "0"})
        below = to
    return out


def export(model: Model, solution: Solution, target: str) -> dict:
    if target not in TARGETS:
        raise ExportError(f"export to stripe or lago, not '{target}'")
    return _stripe(model, solution) if target == "stripe" else _lago(model, solution)


# ---- import ---------------------------------------------------------------------------------


def _money(amount: Decimal | float, currency: str) -> str:
    from planlang.units import SYMBOLS

    text = format(Decimal(str(amount)).normalize(), "f")
    symbol = next((sym for sym, codes in SYMBOLS.items() if currency.upper() in codes[:1]), None)
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def _stripe_amount_of(params: dict, currency: str) -> Decimal:
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    value = params.get("unit_amount_decimal", params.get("unit_amount", 0))
    return Decimal(str(value)) / factor


class _Plan:
    """What an import learns of one plan, written back as a `plan` block."""

    def __init__(self, name: str):
        self.name, self.price, self.quota, self.items = name, None, {}, []

    def text(self) -> list[str]:
        lines = [f"plan {self.name} {{", f"  price = {self.price}"]
        lines += [f"  quota {r} = {q}" for r, q in self.quota.items()]
        return lines + [f"  {item}" for item in self.items] + ["}"]


def _quota_metadata(plan: _Plan, metadata: dict | None, currency: str) -> None:
    """Quotas and credit items the export wrote as metadata."""
    for key, value in (metadata or {}).items():
        if key.startswith("planlang_quota_"):
            plan.quota.setdefault(key[len("planlang_quota_"):], value)
        elif key == "planlang_credits":
            plan.items.append(f"credits = {value}")
        elif key.startswith("planlang_rate_"):
            plan.items.append(f"rate {key[len('planlang_rate_'):]} = {value}")
        elif key == "planlang_credit_pack":
            size, _, price = value.partition(" for ")
            plan.items.append(f"pack credits {size} for {_money(Decimal(price), currency)}")
        elif key == "planlang_credit_overage":
            plan.items.append(f"overage credits at {_money(Decimal(value), currency)}")


def _referenced(reference: str, names: dict[str, str]) -> str:
    """The resource a `${meter.R}` (or an id of an exported object) stands for."""
    if reference.startswith("${") and reference.endswith("}"):
        reference = reference[2:-1]
    if reference not in names:
        raise ExportError(f"a price refers to '{reference}', which the file does not create")
    return names[reference]


def _tiers_text(resource: str, mode: str, tiers: list[tuple[int | None, Decimal]], free: int, currency: str):
    shifted = [("unlimited" if bound is None else str(bound - free), price) for bound, price in tiers]
    if len(shifted) == 1:
        return f"overage {resource} at {_money(shifted[0][1], currency)}"
    listed = ", ".join(f"{bound} at {_money(price, currency)}" for bound, price in shifted)
    return f"overage {resource} {mode} [{listed}]"


def _from_stripe(requests: list[dict], currency: str) -> dict[str, _Plan]:
    meters = {}
    for r in requests:
        if r["path"] == "/v1/billing/meters":
            meters[r.get("key", "")] = r["params"]["event_name"]
            if "id" in r["params"]:
                meters[r["params"]["id"]] = r["params"]["event_name"]
    plans, products = {}, {}
    for r in requests:
        params = r.get("params", {})
        if r["path"] == "/v1/products":
            plan = plans.setdefault(params["name"], _Plan(params["name"]))
            products[params.get("id", params["name"])] = plan
            _quota_metadata(plan, params.get("metadata"), currency)
        elif r["path"] == "/v1/prices":
            plan = products[params["product"]]
            recurring = params.get("recurring", {})
            if recurring.get("usage_type", "licensed") == "licensed":
                plan.price = _money(_stripe_amount_of(params, currency), currency)
                continue
            resource = _referenced(recurring["meter"], meters)
            if "transform_quantity" in params:
                size = params["transform_quantity"]["divide_by"]
                plan.items.append(f"pack {resource} {size} for {_money(_stripe_amount_of(params, currency), currency)}")
                continue
            tiers = [(None if t["up_to"] == "inf" else int(t["up_to"]), _stripe_amount_of(t, currency))
                     for t in params["tiers"]]
            free = 0
            if tiers[0][1] == 0 and tiers[0][0] is not None:
                free = tiers.pop(0)[0]
                plan.quota[resource] = str(free)
            plan.items.append(_tiers_text(resource, params.get("tiers_mode", "graduated"), tiers, free, currency))
    return plans


def _from_lago(requests: list[dict], currency: str) -> dict[str, _Plan]:
    metrics = {}
    for r in requests:
        if r["path"] == "/api/v1/billable_metrics":
            metric = r["body"]["billable_metric"]
            metrics[r.get("key", "")] = metric["code"]
            metrics[metric["code"]] = metric["code"]
    plans = {}
    factor = 1 if currency.upper() in ZERO_DECIMAL else 100
    for r in requests:
        if r["path"] != "/api/v1/plans":
            continue
        body = r["body"]["plan"]
        plan = plans.setdefault(body["code"], _Plan(body["code"]))
        plan.price = _money(Decimal(body.get("amount_cents", 0)) / factor, currency)
        _quota_metadata(plan, body.get("metadata"), currency)
        for charge in body.get("charges", []):
            resource = _referenced(charge.get("billable_metric_id") or charge["billable_metric_code"], metrics)
            properties = charge.get("properties", {})
            model = charge["charge_model"]
            if model == "package":
                if properties.get("free_units"):
                    plan.quota[resource] = str(properties["free_units"])
                plan.items.append(f"pack {resource} {properties['package_size']} for "
                                  f"{_money(Decimal(properties['amount']), currency)}")
            elif model == "standard":
                plan.items.append(f"overage {resource} at {_money(Decimal(properties['amount']), currency)}")
            else:
                key = "volume_ranges" if model == "volume" else "graduated_ranges"
                ranges = [(r_["to_value"], Decimal(r_["per_unit_amount"])) for r_ in properties[key]]
                free = 0
                if ranges[0][1] == 0 and ranges[0][0] is not None and model == "graduated":
                    free = ranges.pop(0)[0]
                    plan.quota[resource] = str(free)
                plan.items.append(_tiers_text(resource, model, ranges, free, currency))
    return plans


def _plan_name(name: str) -> str:
    """A billing system's product or plan name as a .plan name."""
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "plan"
    return cleaned if not cleaned[0].isdigit() else f"plan_{cleaned}"


def from_dump(data: dict, target: str) -> dict:
    """A dump of existing objects, as the APIs list them (Stripe: `meters`,
    `products`, `prices`; Lago: `billable_metrics`, `plans`), in the shape
    of an export, so that a catalog made outside planlang can be read."""
    requests: list[dict] = []
    if target == "stripe":
        for meter in data.get("meters", []):
            requests.append({"path": "/v1/billing/meters", "key": f"meter.{meter['event_name']}",
                             "params": {"id": meter["id"], "event_name": meter["event_name"]}})
        for product in data.get("products", []):
            name = (product.get("metadata") or {}).get("planlang_plan") or _plan_name(product["name"])
            requests.append({"path": "/v1/products", "key": f"product.{name}", "params": {
                "id": product["id"], "name": name, "metadata": product.get("metadata") or {}}})
        prices = [p for p in data.get("prices", []) if p.get("active", True) and p.get("recurring")]
        for price in prices:
            tiers = [{**t, "up_to": "inf" if t.get("up_to") is None else t["up_to"]} for t in price.get("tiers") or []]
            requests.append({"path": "/v1/prices", "key": f"price.{price['id']}",
                             "params": {**price, "tiers": tiers} if tiers else price})
        currency = prices[0]["currency"] if prices else "usd"
    else:
        for metric in data.get("billable_metrics", []):
            requests.append({"path": "/api/v1/billable_metrics", "key": f"billable_metric.{metric['code']}",
                             "body": {"billable_metric": metric}})
        for plan in data.get("plans", []):
            requests.append({"path": "/api/v1/plans", "key": f"plan.{plan['code']}", "body": {
                "plan": {**plan, "code": _plan_name(plan["code"])}}})
        currency = next((p.get("amount_currency") for p in data.get("plans", [])), None) or "USD"
    return {"target": target, "currency": currency, "requests": requests}


def import_catalog(data: dict, target: str | None = None) -> str:
    """`plan` blocks (fixed values) of an export (or of a dump of existing
    objects: see from_dump), with a `resource` block for every resource
    they name (to be given its GPU time and cost)."""
    import planlang

    if "requests" not in data and target in TARGETS:
        data = from_dump(data, target)
    target = data.get("target")
    if target not in TARGETS:
        raise ExportError("the file is neither an export of planlang (its \"target\" is stripe or lago) "
                          "nor a dump of meters/products/prices or billable_metrics/plans")
    currency = data.get("currency", "usd")
    plans = (_from_stripe if target == "stripe" else _from_lago)(data["requests"], currency)
    named = {item.split()[1] for plan in plans.values() for item in plan.items if item.split()[0] != "credits"}
    resources = sorted(({r for plan in plans.values() for r in plan.quota} | named) - {"credits"})
    lines = [f"# imported from a {target} export by planlang import", f"currency {currency.upper()}", ""]
    lines += [f"resource {r} {{}}  # add its gpu time and cost" for r in resources] + [""]
    for plan in plans.values():
        lines += plan.text() + [""]
    return planlang.dumps(planlang.loads("\n".join(lines)))
