"""An export bills, to the cent, what the plan says, or leaves the item out.

For every example and for synthetic plans built to be hard (fractional
quotas, packs and volume tiers after a quota, credits, features, caps, seats
under a minimum), the invoice is computed from the exported requests alone
(the JSON `planlang export` writes: requests, and the `events` the
application sends each meter) by the vendors' documented semantics
(solver/billing/invoice.py) on a grid of usages around every quota, pack and
bound, and compared with the plan's own bill. Then: Lago's request rules,
`--strict` and `--approximate`, and export -> import -> eval giving the
solution's margin."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from billing_cases import CASES, HEAD, SYNTHETIC, case, plan_block
from conftest import EXAMPLES
from typer.testing import CliRunner

import planlang
from solver.billing.export import export, import_catalog
from planlang.model import CREDITS
from solver.billing.invoice import D, Feed, cents, credit_view, lago_charge, plan_charge, stripe_price, usage_grid
from solver.cli import app
from solver.semantics.evaluator import evaluate
from solver.solution.choose import catalog

runner = CliRunner()

# ---- the invoice, from the requests alone ---------------------------------------------------


def usage_prices(exported: dict, plan: str) -> dict[str, tuple[Feed, object]]:
    """Per resource: what the application sends, and quantity -> currency units."""
    events = {name: Feed.read(feed) for name, feed in exported["events"].items()}
    factor = 1 if exported["currency"].upper() in ("JPY",) else 100
    out = {}
    if exported["target"] == "stripe":
        meters = {r["key"]: r["params"]["event_name"] for r in exported["requests"] if r["path"] == "/v1/billing/meters"}
        for r in exported["requests"]:
            params = r["params"]
            if r["path"] == "/v1/prices" and params["product"] == f"planlang_{plan}" and \
                    params["recurring"]["usage_type"] == "metered":
                feed = events[meters[params["recurring"]["meter"][2:-1]]]
                assert feed.resource == params["metadata"]["planlang_item"]
                out[feed.resource] = feed, (lambda q, p=params: stripe_price(p, q) / factor)
        return out
    body = next(r["body"]["plan"] for r in exported["requests"] if r["key"] == f"plan.{plan}")
    for charge in body["charges"]:
        code = charge["billable_metric_id"][len("${billable_metric."):-1]
        if code != "planlang_seats":
            feed = events[code]
            out[feed.resource] = feed, (lambda q, c=charge: lago_charge(c, q))
    return out


@pytest.mark.parametrize("target", ["stripe", "lago"])
@pytest.mark.parametrize("name", CASES)
def test_the_invoice_is_the_plans_bill_to_the_cent_on_every_usage_of_the_grid(name, target):
    model, solution = case(name)
    exported = export(model, solution, target)
    left_out = {(item["plan"], item["item"]) for item in exported["left_out"]}
    assert not [item for item in exported["left_out"] if "closest" in item["why"]]  # only what no price can say
    checked = 0
    for plan_name, plan in solution.plans.items():
        if not plan.offered:
            continue
        prices = usage_prices(exported, plan_name)
        view = credit_view(plan)
        for resource, plan in [(r, plan) for r in model.resources] + [(CREDITS, view)] * (view is not None):
            wanted_any = any(plan_charge(plan, resource, u) for u in usage_grid(plan, resource, Decimal("0.001")))
            if resource not in prices:
                # nothing billed: the plan bills nothing for it either, or the item is said to be left out
                assert not wanted_any or (plan_name, resource) in left_out, (plan_name, resource)
                continue
            feed, billed = prices[resource]
            grid = usage_grid(plan, resource, feed.unit)
            assert len(grid) >= 4
            for usage in grid:
                wanted = plan_charge(plan, resource, usage)
                got = billed(feed.quantity(plan, usage))
                assert cents(got, 100) == cents(wanted, 100), (plan_name, resource, usage, got, wanted)
                checked += 1
    assert checked or all(not p.offered or not (p.overage or p.packs or p.credit_pack or p.credit_overage)
                          for p in solution.plans.values())


@pytest.mark.parametrize("target", ["stripe", "lago"])
@pytest.mark.parametrize("name", CASES)
def test_fees_seats_and_annual_terms_bill_what_the_plan_says(name, target):
    model, solution = case(name)
    exported = export(model, solution, target)
    requests = {r["key"]: r.get("params") or r.get("body") for r in exported["requests"]}
    left_out = {(item["plan"], item["item"]) for item in exported["left_out"]}
    for plan_name, plan in solution.plans.items():
        if not plan.offered:
            continue
        fee = cents(D(plan.price or 0.0), 100)
        if target == "stripe":
            price = requests[f"price.{plan_name}_fee"]
            assert cents(stripe_price(price, Decimal(1)) / 100, 100) == fee
            if plan.seat:
                seat = requests[f"price.{plan_name}_seat"]
                for seats in (1, 3.5, 5, 12):  # the application subscribes max(seats, min seats), whole
                    billed = max(Decimal(seats), D(plan.min_seats or 1)).to_integral_value("ROUND_CEILING")
                    assert stripe_price(seat, billed) == cents(D(plan.seat) * billed, 100)
            if plan.annual is not None and plan.price:
                annual = requests[f"price.{plan_name}_fee_annual"]
                assert cents(stripe_price(annual, Decimal(1)) / 100, 100) == \
                    cents(12 * D(plan.price) * (1 - D(plan.annual)), 100)
        else:
            body = requests[f"plan.{plan_name}"]["plan"]
            assert body["amount_cents"] == fee
            seat = [c for c in body["charges"] if c["billable_metric_id"].endswith("planlang_seats}")]
            assert bool(seat) == bool(plan.seat)
            for charge in seat:
                for seats in (1, 3, 5, 12):
                    wanted = D(plan.seat) * max(seats, int(plan.min_seats or 1))
                    assert cents(lago_charge(charge, Decimal(seats)), 100) == cents(wanted, 100)
            if plan.annual is not None:
                if plan.seat:
                    assert (plan_name, "its annual term") in left_out
                else:
                    annual = requests[f"plan.{plan_name}_annual"]["plan"]
                    assert annual["amount_cents"] == cents(12 * D(plan.price or 0.0) * (1 - D(plan.annual)), 100)


# ---- hand-worked bills ---------------------------------------------------------------------------


def bill(name: str, target: str, plan: str, resource: str, usage: str) -> Decimal:
    model, solution = case(name)
    feed, billed = usage_prices(export(model, solution, target), plan)[resource]
    return cents(billed(feed.quantity(solution.plans[plan], Decimal(usage))), 100) / 100


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_hand_worked_bills(target):
    # Kling standard, 1 s of video beyond its 660: one pack of $5 (a meter of all usage billed 7 packs)
    assert bill("packs_after_quota", target, "standard", "video_s", "661") == Decimal("5")
    assert bill("packs_after_quota", target, "standard", "video_s", "760") == Decimal("5")
    assert bill("packs_after_quota", target, "standard", "video_s", "761") == Decimal("10")
    # quota 2.5 at $0.50 beyond: 3 GB bill $0.25 (a floored quota of 2 billed $0.50)
    assert bill("fractional_quota", target, "small", "gb", "3") == Decimal("0.25")
    assert bill("fractional_quota", target, "small", "gb", "2.5") == 0
    # volume after a quota of 50: 150 pages = 100 beyond at $0.20; 151 = 101 at $0.10
    assert bill("volume_after_quota", target, "pro", "page", "150") == Decimal("20")
    assert bill("volume_after_quota", target, "pro", "page", "151") == Decimal("10.1")
    # $0.0004 a minute beyond 3: 1,253 minutes bill $0.50
    assert bill("sub_cent_overage", target, "meter", "minute", "1253") == Decimal("0.5")


def test_fractional_numbers_get_a_meter_unit_said_in_the_notes():
    exported = export(*case("fractional_pack"), "stripe")
    assert exported["events"]["gb_beyond_quota"] == {"resource": "gb", "unit": "0.01", "beyond_quota": True}
    assert any("whole units of 0.01 gb" in note for note in exported["notes"])
    price = next(r["params"] for r in exported["requests"] if r["key"] == "price.small_gb")
    assert price["transform_quantity"] == {"divide_by": 50, "round": "up"}


# ---- Lago's rules (its API reference; lago-python-client's models accept anything) -------------


def lago_rule_breaks(exported: dict) -> list[str]:
    """Lago's documented rules for a plan: `amount_cents` a whole number;
    graduated and volume ranges start at 0, each next `from_value` is the
    previous `to_value + 1`, whole numbers, the last `to_value` null;
    `package_size` a whole number above 0 and `free_units` a whole number;
    amounts decimal strings."""
    errors = []
    for r in exported["requests"]:
        plan = r["body"].get("plan")
        if plan is None:
            continue
        if not isinstance(plan["amount_cents"], int):
            errors.append(f"{r['key']}: amount_cents {plan['amount_cents']!r}")
        for charge in plan["charges"]:
            properties = charge["properties"]
            for key in ("graduated_ranges", "volume_ranges"):
                ranges = properties.get(key)
                if ranges is None:
                    continue
                if charge["charge_model"] != key.split("_")[0]:
                    errors.append(f"{r['key']}: {key} on a {charge['charge_model']} charge")
                start = 0
                for i, item in enumerate(ranges):
                    if item["from_value"] != start or not isinstance(item["from_value"], int):
                        errors.append(f"{r['key']}: {key}[{i}] from {item['from_value']}, not {start}")
                    last = i == len(ranges) - 1
                    if (item["to_value"] is None) != last or not (last or isinstance(item["to_value"], int)):
                        errors.append(f"{r['key']}: {key}[{i}] to {item['to_value']}")
                    start = None if item["to_value"] is None else item["to_value"] + 1
                    for amount in ("per_unit_amount", "flat_amount"):
                        Decimal(item[amount])  # a decimal string
            if charge["charge_model"] == "package":
                if not (isinstance(properties["package_size"], int) and properties["package_size"] > 0):
                    errors.append(f"{r['key']}: package_size {properties['package_size']!r}")
                if not isinstance(properties.get("free_units", 0), int):
                    errors.append(f"{r['key']}: free_units {properties['free_units']!r}")
    return errors


@pytest.mark.parametrize("name", CASES)
def test_every_lago_request_follows_lagos_rules(name):
    assert lago_rule_breaks(export(*case(name), "lago")) == []


def test_the_lago_rules_catch_ranges_that_do_not_follow_on():
    broken = {"requests": [{"key": "plan.x", "body": {"plan": {"amount_cents": 100, "charges": [
        {"charge_model": "graduated", "properties": {"graduated_ranges": [
            {"from_value": 0, "to_value": 10, "per_unit_amount": "0", "flat_amount": "0"},
            {"from_value": 10, "to_value": None, "per_unit_amount": "1", "flat_amount": "0"}]}}]}}}]}
    assert lago_rule_breaks(broken) == ["plan.x: graduated_ranges[1] from 10, not 11"]


# ---- left out, --strict, --approximate ----------------------------------------------------------


def test_strict_refuses_an_export_with_items_left_out_and_writes_nothing(tmp_path):
    source = tmp_path / "seats.plan"  # an overage after a quota per seat: no fixed bound says it
    source.write_text(HEAD.replace("users = 1000", "users = 1000\n  seats = 3.5") + plan_block(SYNTHETIC["seats"]))
    out = tmp_path / "requests.json"
    result = runner.invoke(app, ["export", str(source), "--to", "stripe", "--strict", "-o", str(out)])
    assert result.exit_code == 2 and "--strict" in result.stderr and "plan team: minute" in result.stderr
    assert not out.exists()
    result = runner.invoke(app, ["export", str(source), "--to", "stripe", "-o", str(out)])
    assert result.exit_code == 0 and json.loads(out.read_text())["left_out"][0]["plan"] == "team"


def test_approximate_sends_the_closest_price_and_says_how_far_it_is(tmp_path):
    # a quota of 2.0000005 units needs ten-millionths, which no meter counts; at $40,000 a unit the
    # closest price (the quota read in millionths) bills up to 2 cents more
    source = tmp_path / "tiny.plan"
    source.write_text(HEAD + plan_block("plan lab { price = $0  quota gb = 2.0000005  overage gb at $40000 }"))
    exact = runner.invoke(app, ["export", str(source), "--to", "lago"])
    assert exact.exit_code == 0 and json.loads(exact.stdout)["left_out"][0]["item"] == "gb"
    assert "not whole in millionths" in exact.stderr
    close = runner.invoke(app, ["export", str(source), "--to", "lago", "--approximate"])
    assert close.exit_code == 0, close.output
    data = json.loads(close.stdout)
    assert data["left_out"] == [] and any(r["key"] == "plan.lab" for r in data["requests"])
    assert "sent approximately (--approximate): it overcharges up to USD 0.02" in close.stderr


# ---- export -> import -> eval ------------------------------------------------------------------


def with_imported_plans(model, solution, text: str, imported: str) -> str:
    """The file with the blocks of its offered plans replaced by the imported
    ones (those left out stay, optional, and are not named: not offered)."""
    lines = text.splitlines()
    offered = [model.plans[name] for name, plan in solution.plans.items() if plan.offered]
    for plan in sorted(offered, key=lambda p: -p.span.line):
        del lines[plan.span.line - 1:plan.span.end_line]
    back = planlang.loads(imported)
    blocks = imported.splitlines()
    for plan in back.plans.values():
        lines += [""] + blocks[plan.span.line - 1:plan.span.end_line]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("target", ["stripe", "lago"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_export_then_import_then_eval_gives_the_solutions_margin(path, target):
    model, solution = case(path.stem)
    imported = import_catalog(export(model, solution, target))
    merged = planlang.loads(with_imported_plans(model, solution, path.read_text(), imported))
    again = evaluate(merged, catalog(merged, []))
    assert again.totals.margin == pytest.approx(solution.totals.margin, rel=1e-9, abs=1e-6)
    assert again.totals.revenue == pytest.approx(solution.totals.revenue, rel=1e-9, abs=1e-6)


def test_a_resource_used_in_fractions_gets_the_meter_unit_asked_for(tmp_path):
    model, solution = case("sub_cent_overage")
    exported = export(model, solution, "stripe", units={"minute": "0.01"})
    assert exported["events"]["minute"]["unit"] == "0.01"
    feed, billed = usage_prices(exported, "meter")["minute"]
    plan = solution.plans["meter"]
    for usage in ("3.01", "3.5", "1253.37"):  # 0.01 of a minute bills 0.0004 x 0.01 of a dollar
        assert cents(billed(feed.quantity(plan, Decimal(usage))), 100) == cents(plan_charge(plan, "minute", Decimal(usage)), 100)
    source = tmp_path / "f.plan"
    source.write_text(HEAD + plan_block(SYNTHETIC["fractional_quota"]))
    for flag, message in (("gb=0.05", "give 1, 0.1, 0.01"), ("disk=0.1", "'disk' is not a resource"), ("gb", "RESOURCE=UNIT")):
        result = runner.invoke(app, ["export", str(source), "--to", "stripe", "--meter-unit", flag])
        assert result.exit_code == 2 and message in result.stderr, result.output
    finer = runner.invoke(app, ["export", str(source), "--to", "lago", "--meter-unit", "gb=0.001"])
    assert json.loads(finer.stdout)["events"]["gb"]["unit"] == "0.001"
