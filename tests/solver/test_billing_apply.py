"""`planlang export --apply` against the local stand-in (tests/billing_server.py):
pagination over more than 100 existing objects, stale metadata unset,
replaced prices and plans that left the catalog archived with --archive,
Lago charges updated in place, and retries that never create an object twice."""

from __future__ import annotations

import pytest
from billing_server import serve
from conftest import EXAMPLES
from typer.testing import CliRunner

import solver.billing.api
from solver.cli import app

runner = CliRunner()
TRANSCRIBE = next(p for p in EXAMPLES if p.stem == "transcribe")
KEYS = {"stripe": "STRIPE_API_KEY", "lago": "LAGO_API_KEY"}


@pytest.fixture
def billing(monkeypatch):
    monkeypatch.setattr(solver.billing.api, "BACKOFF", 0.0)  # retries without the wait
    server, state, address = serve()
    yield state, address
    server.shutdown()


def apply(target: str, address: str, path=TRANSCRIBE, *flags: str):
    result = runner.invoke(app, ["export", str(path), "--to", target, "--apply", "--yes", "--api-base", address,
                                 *flags], env={KEYS[target]: "sk_test_local"})
    assert result.exit_code == 0, result.output
    return result.stdout


def variant(tmp_path, old: str, new: str):
    text = TRANSCRIBE.read_text()
    assert old in text
    changed = tmp_path / "transcribe.plan"
    changed.write_text(text.replace(old, new))
    return changed


def test_stripe_apply_is_idempotent_over_more_than_a_page_of_existing_objects(billing):
    state, address = billing
    for i in range(150):  # another product's meters and prices come first in every list
        state.meters.append({"id": f"mtr_old{i}", "event_name": f"old_{i}", "status": "active"})
        state.prices.append({"id": f"price_old{i}", "product": "prod_old", "lookup_key": f"old_{i}",
                             "active": True, "currency": "usd", "unit_amount": 100})
    apply("stripe", address)
    created = len(state.creates())
    assert created > 5 and len(state.meters) == 150 + 3
    again = apply("stripe", address)
    assert len(state.creates()) == created
    assert all(line.startswith("unchanged") for line in again.splitlines())
    gets = [p for m, p in state.requests if m == "GET" and p == "/v1/billing/meters"]
    assert len(gets) >= 2 * 3 * 2  # each meter lookup read two pages (150 others + its own)


def test_lago_lists_every_page_of_plans(billing, tmp_path):
    state, address = billing
    for i in range(130):
        state.plans[f"old_{i}"] = {"code": f"old_{i}", "lago_id": f"lago_old{i}", "charges": [],
                                   "metadata": {"planlang_plan": f"old_{i}"}}
    out = apply("lago", address)
    assert sum(line.startswith("stale") for line in out.splitlines()) == 130  # every page was read
    assert "Lago cannot archive a plan" in out and len(state.plans) == 130 + 3


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_a_removed_quota_leaves_no_stale_key(billing, tmp_path, target):
    state, address = billing
    apply(target, address)
    kept = state.products["planlang_free"]["metadata"] if target == "stripe" else state.plans["free"]["metadata"]
    assert kept["planlang_quota_page"] == "3"
    out = apply(target, address, variant(tmp_path, "  quota page   = 3\n", ""))
    assert "update" in out
    kept = state.products["planlang_free"]["metadata"] if target == "stripe" else state.plans["free"]["metadata"]
    assert "planlang_quota_page" not in kept and kept["planlang_quota_minute"] in ("60", "120")


def test_a_changed_price_archives_the_old_one_with_archive(billing, tmp_path):
    state, address = billing
    apply("stripe", address)
    (old,) = [p for p in state.prices if p.get("lookup_key") == "business_fee"]
    cheaper = variant(tmp_path, "price in [$90, $150, $200]", "price = $175")
    listed = runner.invoke(app, ["export", str(cheaper), "--to", "stripe", "--apply", "--archive",
                                 "--api-base", address], env={"STRIPE_API_KEY": "sk"})
    assert f"archive   price.business_fee  ({old['id']})" in listed.stdout and old["active"]  # a dry run
    without = apply("stripe", address, cheaper)
    assert f"{old['id']}; it stays active: --archive archives it" in without and old["active"]
    (new,) = [p for p in state.prices if p.get("lookup_key") == "business_fee"]
    assert new["unit_amount"] == 17500
    pricier = variant(tmp_path, "price in [$90, $150, $200]", "price = $180")
    apply("stripe", address, pricier, "--archive")
    assert not new["active"] and old["active"]  # only what this run replaced
    (live,) = [p for p in state.prices if p.get("lookup_key") == "business_fee"]
    assert live["unit_amount"] == 18000 and live["active"]


def test_a_plan_that_left_the_catalog_is_archived_with_its_prices(billing, tmp_path):
    state, address = billing
    apply("stripe", address)
    assert "planlang_business" in state.products
    without = variant(tmp_path, "plan business optional {", "plan business optional {\n  price = $1M")
    without.write_text(without.read_text().replace("  price in [$90, $150, $200]\n", ""))
    out = apply("stripe", address, without, "--archive")
    assert "archive   product.business" in out
    assert state.products["planlang_business"]["active"] is False
    assert not [p for p in state.prices if p["product"] == "planlang_business" and p["active"]]


def test_lago_charges_are_updated_in_place(billing, tmp_path):
    state, address = billing
    apply("lago", address)
    before = {c["billable_metric_code"]: c["lago_id"] for c in state.plans["business"]["charges"]}
    apply("lago", address, variant(tmp_path, "unlimited at $0.09", "unlimited at $0.08"))
    charges = state.plans["business"]["charges"]
    assert {c["billable_metric_code"]: c["lago_id"] for c in charges} == before
    (page,) = [c for c in charges if c["billable_metric_code"] == "page"]
    assert page["properties"]["graduated_ranges"][-1]["per_unit_amount"] == "0.08"


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_transient_failures_are_retried_and_a_lost_answer_creates_nothing_twice(billing, target):
    state, address = billing
    metered, plans = ("/v1/billing/meters", "/v1/prices") if target == "stripe" else \
        ("/api/v1/billable_metrics", "/api/v1/plans")
    state.failures = [("GET" if target == "stripe" else "POST", metered, 429), ("POST", metered, 503),
                      ("POST", metered, "lost"), ("POST", plans, "lost"), ("POST", plans, 502)]
    apply(target, address)
    assert not state.failures  # every one happened
    objects = (len(state.meters), len(state.products), len(state.prices)) if target == "stripe" else \
        (len(state.metrics), len(state.plans))
    fresh_state, fresh_address = serve()[1:]
    apply(target, fresh_address)
    assert objects == ((len(fresh_state.meters), len(fresh_state.products), len(fresh_state.prices))
                       if target == "stripe" else (len(fresh_state.metrics), len(fresh_state.plans)))


def test_every_stripe_post_carries_a_key_made_from_the_request():
    key = solver.billing.api.idempotency_key
    params = {"product": "planlang_pro", "unit_amount": 1500}
    assert key("POST", "/v1/prices", params) == key("POST", "/v1/prices", dict(reversed(params.items())))
    assert key("POST", "/v1/prices", params) != key("POST", "/v1/prices", {**params, "unit_amount": 1600})


def test_features_are_stripe_entitlements_and_a_removed_one_is_detached_with_archive(billing, tmp_path):
    state, address = billing
    apply("stripe", address)
    (glossary,) = state.features
    assert glossary["lookup_key"] == "planlang_glossary"
    assert [f["entitlement_feature"]["id"] for f in state.attached["planlang_business"]] == [glossary["id"]]
    plain = variant(tmp_path, "  feature glossary\n}", "}")
    plain.write_text(plain.read_text().replace("plan business optional {", "plan business {"))  # still offered
    listed = apply("stripe", address, plain)
    assert "stale     product_feature.business.glossary" in listed and state.attached["planlang_business"]
    apply("stripe", address, plain, "--archive")
    assert state.attached["planlang_business"] == []
    assert "planlang_features" not in state.products["planlang_business"]["metadata"]
