"""`planlang export` and `planlang import`: every request checked against
the Stripe SDK's typed parameters and lago-python-client's models; the
catalog read back from the requests equals the solution; `--apply` against
a local stand-in of both APIs changes nothing the second time."""

import json
import sys
import types
import typing
from decimal import Decimal
from typing import Any, ForwardRef, Literal, Union, get_args, get_origin

import pytest
from billing_cases import CASES, case
from billing_server import serve
from conftest import EXAMPLES
from typer.testing import CliRunner
from typing_extensions import NotRequired, Required, is_typeddict

import planlang
from planlang.check import magnitude
from solver.billing.export import export, import_catalog, stripe_amount
from solver.cli import app

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")


def solved(path):
    """An example, loaded and solved once for all the billing tests (tests/billing_cases.py)."""
    return case(path.stem)


# ---- the SDKs' types as the schema --------------------------------------------------------


def _annotations(cls) -> dict:
    out = {}
    for base in reversed(cls.__mro__):
        if base.__name__ != "RequestOptions":  # api_key and such: never sent in a body
            out.update(base.__dict__.get("__annotations__", {}))
    return out


def conforms(value, hint, module, path: str = "") -> list[str]:
    """Why `value` does not match the type `hint` (empty: it does)."""
    namespace = vars(sys.modules[module])
    if isinstance(hint, ForwardRef):
        hint = hint.__forward_arg__
    if isinstance(hint, str):
        hint = eval(hint, namespace)  # the SDK's own annotations, in its own module
    origin, args = get_origin(hint), get_args(hint)
    if origin in (NotRequired, Required):
        return conforms(value, args[0], module, path)
    if hint is Any or getattr(hint, "__name__", "") == "UntypedStripeObject":
        return []
    if origin in (Union, types.UnionType):
        branches = [conforms(value, a, module, path) for a in args]
        return [] if any(not b for b in branches) else branches[0]
    if origin is Literal:
        return [] if value in args else [f"{path}: {value!r} is not one of {args}"]
    if is_typeddict(hint):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        fields = _annotations(hint)
        errors = [f"{path}.{k}: unknown field" for k in value if k not in fields]
        errors += [f"{path}.{k}: missing" for k in hint.__required_keys__ if k in fields and k not in value]
        for k, v in value.items():
            if k in fields:
                errors += conforms(v, fields[k], hint.__module__, f"{path}.{k}")
        return errors
    if origin in (list, typing.List):
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [e for i, v in enumerate(value) for e in conforms(v, args[0], module, f"{path}[{i}]")]
    if origin in (dict, typing.Dict):
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        return [e for k, v in value.items() for e in conforms(v, args[1], module, f"{path}.{k}")]
    if hint is bool:
        return [] if isinstance(value, bool) else [f"{path}: {value!r} is not a boolean"]
    if hint is int:
        return [] if isinstance(value, int) and not isinstance(value, bool) else [f"{path}: {value!r} is not an integer"]
    if hint is float:
        return [] if isinstance(value, (int, float)) else [f"{path}: {value!r} is not a number"]
    if hint is str:
        return [] if isinstance(value, str) else [f"{path}: {value!r} is not a string"]
    if hint is Decimal:
        return [] if isinstance(value, (str, int, Decimal)) else [f"{path}: {value!r} is not a decimal"]
    raise AssertionError(f"{path}: no check for {hint!r}")


def stripe_errors(request: dict) -> list[str]:
    import stripe.params as params
    import stripe.params.billing as billing

    import stripe.params.entitlements as entitlements

    path = "/v1/products/ID/features" if request["path"].endswith("/features") and \
        request["path"].startswith("/v1/products/") else request["path"]
    schema = {"/v1/products": params.ProductCreateParams, "/v1/prices": params.PriceCreateParams,
              "/v1/billing/meters": billing.MeterCreateParams,
              "/v1/entitlements/features": entitlements.FeatureCreateParams,
              "/v1/products/ID/features": params.ProductFeatureCreateParams}[path]
    return conforms(request["params"], schema, schema.__module__, request["key"])


def lago_errors(request: dict) -> list[str]:
    from lago_python_client.models import BillableMetric, Plan

    (kind, body), = request["body"].items()
    model = {"billable_metric": BillableMetric, "plan": Plan}[kind]
    model.parse_obj(body)  # the client's own validation (types)
    return _known_fields(model, body, request["key"])


def _known_fields(model, data, path: str) -> list[str]:
    """pydantic v1 ignores unknown fields: say which ones the client does not know."""
    if "__root__" in model.__fields__:
        inner = model.__fields__["__root__"].type_
        return [e for i, item in enumerate(data) for e in _known_fields(inner, item, f"{path}[{i}]")]
    errors = [f"{path}.{k}: unknown field" for k in data if k not in model.__fields__]
    for key, value in data.items():
        field = model.__fields__.get(key)
        if field is not None and isinstance(field.type_, type) and hasattr(field.type_, "__fields__") and value:
            errors += _known_fields(field.type_, value, f"{path}.{key}")
    return errors


@pytest.mark.parametrize("name", CASES)
def test_every_request_has_the_sdks_types(name):
    model, solution = case(name)
    for target, errors in (("stripe", stripe_errors), ("lago", lago_errors)):
        requests = export(model, solution, target)["requests"]
        assert requests
        for request in requests:
            assert errors(request) == [], request


def test_the_checks_catch_a_mistyped_or_unknown_field():
    assert stripe_errors({"path": "/v1/prices", "key": "p", "params": {"currency": "usd", "unit_amount": "12"}})
    assert stripe_errors({"path": "/v1/products", "key": "p", "params": {"name": "x", "quota": 5}})
    assert lago_errors({"key": "p", "body": {"plan": {"code": "x", "charges": [{"charge_modle": "standard"}]}}})


# ---- the catalog read back -----------------------------------------------------------------


@pytest.mark.parametrize("target", ["stripe", "lago"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_import_of_the_export_gives_back_the_catalog(path, target):
    model, solution = solved(path)
    back = planlang.loads(import_catalog(export(model, solution, target)))
    offered = {name: plan for name, plan in solution.plans.items() if plan.offered}
    assert set(back.plans) == set(offered)
    for name, plan in offered.items():
        imported = back.plans[name]
        assert imported.price.value.amount == pytest.approx(plan.price)
        quotas = {q.resource.name: magnitude(q.value) for q in imported.quotas}
        assert quotas == {r: float("inf") if q is None else q for r in plan.quota
                          if (q := plan.monthly_quota(r)) != 0}  # a resource capped per window alone: unlimited
        windows = {(q.resource.name, q.period.name): magnitude(q.value) for q in imported.window_quotas}
        assert windows == {(r, a.per): a.amount for r in plan.quota for a in plan.windows(r)}
        for item in imported.overages:
            assert magnitude(item.price) == pytest.approx(plan.overage[item.resource.name])
        for item in imported.packs:
            pack = plan.packs[item.resource.name]
            assert (item.size.value, magnitude(item.price)) == (pack.size, pytest.approx(pack.price))
        for item in imported.tiered:
            kind, schedule = next(iter(plan.overage[item.resource.name].items()))
            if kind == "volume" and quotas.get(item.resource.name):
                continue  # exported as graduated after the quota, with a note
            assert item.kind == kind
            assert [(magnitude(t.bound), magnitude(t.price)) for t in item.tiers] == \
                [(float("inf") if b is None else b, pytest.approx(p)) for b, p in schedule]
        if plan.monthly_credits is not None:
            assert magnitude(imported.credits.value) == plan.monthly_credits
        assert [(s.period.name, magnitude(s.value)) for s in imported.window_credits] == \
            [(a.per, a.amount) for a in plan.windows("credits")]
        assert {r.resource.name: magnitude(r.value) for r in imported.rates} == plan.rates


def test_amounts_in_the_smallest_unit():
    assert stripe_amount(49.0, "USD") == {"unit_amount": 4900}
    assert stripe_amount(0.004, "USD") == {"unit_amount_decimal": "0.4"}
    assert stripe_amount(1500, "JPY") == {"unit_amount": 1500}
    assert stripe_amount(0.1 + 0.2, "USD") == {"unit_amount": 30}  # float noise below 1e-12 of a cent goes


def test_what_a_target_cannot_express_is_noted():
    model, solution = solved(next(p for p in EXAMPLES if p.stem == "creative"))
    exported = export(model, solution, "stripe")
    assert "turns their use into credits at the plan's rates" in " ".join(exported["notes"])
    assert exported["left_out"] == []
    notes = " ".join(export(*solved(ASSISTANT), "lago")["notes"])
    assert "is a hard cap" in notes and "one event per resolved ticket" in notes


# ---- the command, and --apply ----------------------------------------------------------------


def test_export_writes_requests_and_notes(tmp_path):
    out = tmp_path / "stripe.json"
    result = runner.invoke(app, ["export", str(ASSISTANT), "--to", "stripe", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["target"] == "stripe" and data["notes"]
    assert [r["path"] for r in data["requests"]][0] == "/v1/billing/meters"  # what others refer to comes first
    keys = [r["key"] for r in data["requests"]]
    assert keys.index("product.plus") < keys.index("price.plus_fee")
    again = runner.invoke(app, ["export", str(ASSISTANT), "--to", "stripe"])
    assert json.loads(again.stdout) == data  # stable
    imported = runner.invoke(app, ["import", "--from", "stripe", str(out)])
    assert imported.exit_code == 0 and "plan plus {" in imported.stdout
    wrong = runner.invoke(app, ["import", "--from", "lago", str(out)])
    assert wrong.exit_code == 2 and "an export to stripe, not lago" in wrong.stderr


def test_export_takes_a_saved_solution(tmp_path):
    solution = tmp_path / "solution.json"
    solution.write_text(runner.invoke(app, ["solve", str(ASSISTANT), "--json"]).stdout)
    saved = runner.invoke(app, ["export", str(ASSISTANT), "--to", "lago", "--solution", str(solution)])
    fresh = runner.invoke(app, ["export", str(ASSISTANT), "--to", "lago"])
    assert saved.exit_code == 0 and json.loads(saved.stdout) == json.loads(fresh.stdout)


@pytest.fixture
def billing():
    server, state, address = serve()
    yield state, address
    server.shutdown()


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_apply_twice_creates_nothing_the_second_time(billing, monkeypatch, target):
    state, address = billing
    monkeypatch.setenv("STRIPE_API_KEY" if target == "stripe" else "LAGO_API_KEY", "sk_test_local")
    path = next(p for p in EXAMPLES if p.stem == "transcribe")
    dry = runner.invoke(app, ["export", str(path), "--to", target, "--apply", "--api-base", address])
    assert dry.exit_code == 0, dry.output
    assert "create" in dry.stdout and "dry run" in dry.stderr
    assert not [r for r in state.requests if r[0] != "GET"]  # a dry run only looks
    first = runner.invoke(app, ["export", str(path), "--to", target, "--apply", "--yes", "--api-base", address])
    assert first.exit_code == 0, first.output
    created = len(state.creates())
    assert created == len(export(*solved(path), target)["requests"])
    second = runner.invoke(app, ["export", str(path), "--to", target, "--apply", "--yes", "--api-base", address])
    assert second.exit_code == 0, second.output
    assert len(state.creates()) == created  # nothing new
    assert all(line.startswith("unchanged") for line in second.stdout.splitlines())


def test_a_changed_price_gets_a_new_stripe_price_that_takes_the_lookup_key(billing, monkeypatch, tmp_path):
    state, address = billing
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_local")
    path = next(p for p in EXAMPLES if p.stem == "transcribe")
    runner.invoke(app, ["export", str(path), "--to", "stripe", "--apply", "--yes", "--api-base", address])
    cheaper = tmp_path / "cheaper.plan"
    cheaper.write_text(path.read_text().replace("price in [$10, $15, $20]", "price = $18"))
    result = runner.invoke(app, ["export", str(cheaper), "--to", "stripe", "--apply", "--yes", "--api-base", address])
    assert result.exit_code == 0, result.output
    assert "replace   price.pro_fee" in result.stdout
    (live,) = [p for p in state.prices if p.get("lookup_key") == "pro_fee"]
    assert live["unit_amount"] == 1800
    assert len([p for p in state.prices if p["product"] == "planlang_pro" and "unit_amount" in p
                and p["recurring"]["usage_type"] == "licensed"]) == 2  # the old one stays, without its key


def test_apply_needs_the_key_from_the_environment(monkeypatch):
    monkeypatch.delenv("LAGO_API_KEY", raising=False)
    result = runner.invoke(app, ["export", str(ASSISTANT), "--to", "lago", "--apply"])
    assert result.exit_code == 2 and "LAGO_API_KEY" in result.stderr


@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_import_reads_a_dump_of_what_the_billing_system_holds(billing, monkeypatch, tmp_path, target):
    state, address = billing
    monkeypatch.setenv("STRIPE_API_KEY" if target == "stripe" else "LAGO_API_KEY", "sk_test_local")
    path = next(p for p in EXAMPLES if p.stem == "transcribe")
    runner.invoke(app, ["export", str(path), "--to", target, "--apply", "--yes", "--api-base", address])
    if target == "stripe":
        dump = {"meters": state.meters, "products": list(state.products.values()), "prices": state.prices}
    else:
        dump = {"billable_metrics": list(state.metrics.values()), "plans": list(state.plans.values())}
    (tmp_path / "dump.json").write_text(json.dumps(dump))
    result = runner.invoke(app, ["import", "--from", target, str(tmp_path / "dump.json")])
    assert result.exit_code == 0, result.output
    exported = import_catalog(export(*solved(path), target))
    assert planlang.loads(result.stdout).plans == planlang.loads(exported).plans


# ---- import of what someone else wrote -------------------------------------------------------


@pytest.mark.parametrize("content", [
    {"name": "my-app", "version": "1.0.0", "dependencies": {}},  # a package.json
    {},
    {"plans": {"plus": {"offered": True}}, "status": "optimal"},  # a solve solution
    [1, 2, 3],
])
@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_import_refuses_json_that_is_no_export_and_no_dump(tmp_path, content, target):
    source, out = tmp_path / "in.json", tmp_path / "out.plan"
    source.write_text(json.dumps(content))
    out.write_text("plan keep { price = $1 }\n")
    result = runner.invoke(app, ["import", "--from", target, str(source), "-o", str(out)])
    assert result.exit_code == 2 and "neither an export written by `planlang export`" in result.stderr
    assert out.read_text() == "plan keep { price = $1 }\n"  # untouched


STRIPE_DUMP = {
    "meters": [{"id": "mtr_1", "event_name": "api-calls"}],
    "products": [{"id": "prod_1", "name": "Team Pro (2024)", "metadata": {}},
                 {"id": "prod_2", "name": "Usage only", "metadata": None}],
    "prices": [
        {"id": "price_1", "product": "prod_1", "currency": "usd", "unit_amount": 2500, "active": True,
         "recurring": {"interval": "month", "usage_type": "licensed"}, "tiers": None, "transform_quantity": None},
        {"id": "price_2", "product": "prod_2", "currency": "usd", "unit_amount_decimal": "0.4", "active": True,
         "billing_scheme": "per_unit", "tiers": [], "transform_quantity": None,
         "recurring": {"interval": "month", "usage_type": "metered", "meter": "mtr_1"}},
    ],
}


def test_import_reads_unusual_but_real_catalogs(tmp_path):
    source = tmp_path / "dump.json"
    source.write_text(json.dumps(STRIPE_DUMP))
    result = runner.invoke(app, ["import", "--from", "stripe", str(source)])
    assert result.exit_code == 0, result.output
    model = planlang.loads(result.stdout)
    assert set(model.plans) == {"Team_Pro_2024", "Usage_only"}
    assert model.plans["Team_Pro_2024"].price.value.amount == 25
    usage_only = model.plans["Usage_only"]
    assert usage_only.price.value.amount == 0 and "no monthly fee was found" in result.stdout
    assert [(o.resource.name, o.price.amount) for o in usage_only.overages] == [("api_calls", 0.004)]


@pytest.mark.parametrize("change, message", [
    (lambda d: d["prices"][0].update(unit_amount="twenty"), "request 4 (price.price_1): the amount is \"twenty\", not an amount"),
    (lambda d: d["prices"][1]["recurring"].update(meter="mtr_9"), "refers to 'mtr_9', which the file does not create"),
    (lambda d: d["products"][0].update(name=None), "'name' is missing"),
    (lambda d: d.update(prices="none"), "neither an export"),
])
def test_import_names_what_is_wrong(tmp_path, change, message):
    dump = json.loads(json.dumps(STRIPE_DUMP))
    change(dump)
    source = tmp_path / "dump.json"
    source.write_text(json.dumps(dump))
    result = runner.invoke(app, ["import", "--from", "stripe", str(source)])
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_deeply_nested_json_is_a_clear_error(tmp_path):
    source = tmp_path / "deep.json"
    source.write_text("[" * 100_000 + "]" * 100_000)
    for args in (["import", "--from", "stripe", str(source)],
                 ["eval", str(ASSISTANT), "--solution", str(source)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "nests more than 200 levels" in result.stderr, result.output


# ---- --apply against servers that are not a healthy Stripe or Lago -------------------------------


class _Odd:
    """A server on 127.0.0.1 answering every request the same odd way."""

    def __init__(self, mode: str):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                if mode == "silent":
                    outer.release.wait(10)
                    return
                status, body, kind = {
                    "html": (200, b"<html><body>Welcome to nginx</body></html>", "text/html"),
                    "404": (404, b'{"error": {"message": "not found"}}', "application/json"),
                    "no id": (200, json.dumps({"object": "list", "data": [{"event_name": "message"}],
                                               "billable_metric": {"code": "x"}}).encode(), "application/json"),
                }[mode]
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = answer

        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.release.set()
        self.server.shutdown()


@pytest.mark.parametrize("mode, message", [
    ("html", "answered with something that is not JSON"),
    ("404", "404"),
    ("no id", "without an id"),
    ("silent", "did not answer"),
])
@pytest.mark.parametrize("target", ["stripe", "lago"])
def test_apply_against_an_unhealthy_server_is_a_clear_error(monkeypatch, mode, message, target):
    import solver.billing.api

    if target == "lago" and mode == "no id":
        message = "without an lago_id"
    monkeypatch.setattr(solver.billing.api, "TIMEOUT", 0.5)
    monkeypatch.setattr(solver.billing.api, "BACKOFF", 0.0)
    monkeypatch.setenv("STRIPE_API_KEY" if target == "stripe" else "LAGO_API_KEY", "sk_test_local")
    server = _Odd(mode)
    try:
        result = runner.invoke(app, ["export", str(ASSISTANT), "--to", target, "--apply", "--yes",
                                     "--api-base", server.address])
    finally:
        server.close()
    assert result.exit_code == 2 and message in result.stderr, result.output


@pytest.mark.parametrize("base", ["garbage", "ftp://example.com", "http://"])
def test_apply_refuses_an_address_that_is_no_url(monkeypatch, base):
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_local")
    result = runner.invoke(app, ["export", str(ASSISTANT), "--to", "stripe", "--apply", "--api-base", base])
    assert result.exit_code == 2 and "is not an address such as https://api.stripe.com" in result.stderr


def test_apply_reads_every_page_of_a_stripe_list(billing, monkeypatch):
    import solver.billing.api

    state, address = billing
    monkeypatch.setenv("STRIPE_API_KEY", "sk_test_local")
    first = runner.invoke(app, ["export", str(ASSISTANT), "--to", "stripe", "--apply", "--yes", "--api-base", address])
    assert first.exit_code == 0, first.output
    assert len(state.meters) > 1
    monkeypatch.setattr(solver.billing.api, "PAGE", 1)  # one meter a page: the last ones are on later pages
    before = len(state.creates())
    again = runner.invoke(app, ["export", str(ASSISTANT), "--to", "stripe", "--apply", "--yes", "--api-base", address])
    assert again.exit_code == 0, again.output
    assert len(state.creates()) == before  # every meter was found, none created twice


def _stripe_price(id_, product, **fields) -> dict:
    """A price object as GET /v1/prices returns it: every field, most of them null."""
    price = {"id": id_, "object": "price", "active": True, "billing_scheme": "per_unit", "created": 1735689600,
             "currency": "usd", "custom_unit_amount": None, "livemode": False, "lookup_key": None, "metadata": {},
             "nickname": None, "product": product, "tax_behavior": "unspecified", "tiers_mode": None,
             "transform_quantity": None, "type": "recurring", "unit_amount": None, "unit_amount_decimal": None,
             "recurring": {"aggregate_usage": None, "interval": "month", "interval_count": 1, "meter": None,
                           "trial_period_days": None, "usage_type": "licensed"}}
    recurring = fields.pop("recurring", {})
    price.update(fields)
    price["recurring"].update(recurring)
    return price


REAL_STRIPE_DUMP = {
    "meters": [{"id": "mtr_61", "object": "billing.meter", "display_name": "Video seconds", "event_name": "video_s",
                "status": "active", "default_aggregation": {"formula": "sum"}, "event_time_window": None,
                "customer_mapping": {"event_payload_key": "stripe_customer_id", "type": "by_id"},
                "value_settings": {"event_payload_key": "value"}, "livemode": False}],
    "products": [
        {"id": "prod_A", "object": "product", "active": True, "name": "Standard plan", "description": None,
         "default_price": "price_1", "images": [], "marketing_features": [], "metadata": {}, "unit_label": None,
         "url": None, "tax_code": None, "livemode": False},
        {"id": "prod_B", "object": "product", "active": True, "name": "Yearly only", "description": None,
         "metadata": {}, "images": [], "marketing_features": [], "livemode": False},
    ],
    "prices": [
        _stripe_price("price_1", "prod_A", unit_amount=999, unit_amount_decimal="999"),
        _stripe_price("price_2", "prod_A", billing_scheme="tiered", tiers_mode="graduated",
                      recurring={"usage_type": "metered", "meter": "mtr_61"},
                      tiers=[{"flat_amount": None, "flat_amount_decimal": None, "unit_amount": 0,
                              "unit_amount_decimal": "0", "up_to": 660},
                             {"flat_amount": None, "flat_amount_decimal": None, "unit_amount": None,
                              "unit_amount_decimal": "4.5", "up_to": None}]),
        _stripe_price("price_3", "prod_B", unit_amount=9900, unit_amount_decimal="9900",
                      recurring={"interval": "year"}),
        _stripe_price("price_4", "prod_A", unit_amount=1200, active=False),  # archived: not the catalog
    ],
}

REAL_LAGO_DUMP = {
    "billable_metrics": [{"lago_id": "bm_1", "name": "Pages", "code": "page", "aggregation_type": "sum_agg",
                          "field_name": "quantity", "recurring": False, "description": None, "filters": [],
                          "created_at": "2026-01-01T00:00:00Z", "expression": None, "rounding_function": None}],
    "plans": [{"lago_id": "pl_1", "name": "Pro Monthly", "code": "pro monthly", "interval": "monthly",
               "amount_cents": 2000, "amount_currency": "USD", "pay_in_advance": True, "trial_period": None,
               "description": None, "invoice_display_name": None, "bill_charges_monthly": None,
               "minimum_commitment": None, "taxes": [], "usage_thresholds": [], "created_at": "2026-01-01T00:00:00Z",
               "charges": [{"lago_id": "ch_1", "lago_billable_metric_id": "bm_1", "billable_metric_code": "page",
                            "charge_model": "graduated", "invoiceable": True, "pay_in_advance": False,
                            "prorated": False, "min_amount_cents": 0, "invoice_display_name": None, "filters": [],
                            "taxes": [], "created_at": "2026-01-01T00:00:00Z",
                            "properties": {"graduated_ranges": [
                                {"from_value": 0, "to_value": 50, "per_unit_amount": "0", "flat_amount": "0"},
                                {"from_value": 51, "to_value": None, "per_unit_amount": "0.12",
                                 "flat_amount": "0"}]}}]}],
}


@pytest.mark.parametrize("target, dump, expected", [
    ("stripe", REAL_STRIPE_DUMP, {"Standard_plan": (9.99, {"video_s": 660}, [("video_s", 0.045)])}),
    ("lago", REAL_LAGO_DUMP, {"pro_monthly": (20, {"page": 50}, [("page", 0.12)])}),
])
def test_import_reads_dumps_as_the_apis_return_them(tmp_path, target, dump, expected):
    source = tmp_path / "dump.json"
    source.write_text(json.dumps(dump))
    result = runner.invoke(app, ["import", "--from", target, str(source)])
    assert result.exit_code == 0, result.output
    model = planlang.loads(result.stdout)
    for name, (price, quotas, overages) in expected.items():
        plan = model.plans[name]
        assert plan.price.value.amount == pytest.approx(price)
        assert {q.resource.name: magnitude(q.value) for q in plan.quotas} == quotas
        assert [(o.resource.name, pytest.approx(o.price.amount)) for o in plan.overages] == overages
    if target == "stripe":  # a plan sold only by the year: no monthly fee, said so
        assert model.plans["Yearly_only"].price.value.amount == 0
        assert "billed per year: left out" in result.stdout
