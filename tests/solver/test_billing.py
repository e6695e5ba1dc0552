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
from billing_server import serve
from conftest import EXAMPLES
from typer.testing import CliRunner
from typing_extensions import NotRequired, Required, is_typeddict

import planlang
from planlang.check import magnitude
from solver.billing import export, import_catalog, stripe_amount
from solver.cli import app
from solver.optimize import solve

runner = CliRunner()
ASSISTANT = next(p for p in EXAMPLES if p.stem == "assistant")
SOLVED = {}


def solved(path):
    if path not in SOLVED:
        model = planlang.load(path)
        SOLVED[path] = model, solve(model)
    return SOLVED[path]


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

    schema = {"/v1/products": params.ProductCreateParams, "/v1/prices": params.PriceCreateParams,
              "/v1/billing/meters": billing.MeterCreateParams}[request["path"]]
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


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_request_has_the_sdks_types(path):
    model, solution = solved(path)
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
        assert quotas == {r: float("inf") if q is None else q for r, q in plan.quota.items() if q != 0}
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
        if plan.credits is not None:
            assert magnitude(imported.credits.value) == plan.credits
        assert {r.resource.name: magnitude(r.value) for r in imported.rates} == plan.rates


def test_amounts_in_the_smallest_unit():
    assert stripe_amount(49.0, "USD") == {"unit_amount": 4900}
    assert stripe_amount(0.004, "USD") == {"unit_amount_decimal": "0.4"}
    assert stripe_amount(1500, "JPY") == {"unit_amount": 1500}
    assert stripe_amount(0.1 + 0.2, "USD") == {"unit_amount": 30}  # float noise below 1e-12 of a cent goes


def test_what_a_target_cannot_express_is_noted():
    model, solution = solved(next(p for p in EXAMPLES if p.stem == "creative"))
    notes = " ".join(export(model, solution, "stripe")["notes"])
    assert "sold in credits" in notes and "credit_grants" in notes
    notes = " ".join(export(*solved(ASSISTANT), "lago")["notes"])
    assert "stops at its quota" in notes and "ticket is an outcome" in notes


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
    assert wrong.exit_code == 2 and "not a lago export" in wrong.stderr


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
