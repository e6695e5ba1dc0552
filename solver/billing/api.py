"""Send an export to Stripe or Lago (`planlang export --apply`), idempotently.

Every object is looked up first by the name the export gave it: a Stripe
meter by its event_name, a product by its id (`planlang_PLAN`), a price by
its lookup_key; a Lago billable metric or plan by its code. What exists and
matches is reused; a product, metric or plan that differs is updated; a
Stripe price that differs (prices cannot change) is created anew and takes
over the lookup_key (`transfer_lookup_key`). A second run of the same export
therefore sends no create request. Without `send` (a dry run), only the
lookups are made and the plan of changes is returned.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal

DEFAULT_BASE = {"stripe": "https://api.stripe.com", "lago": "https://api.getlago.com"}
KEY_VARIABLE = {"stripe": "STRIPE_API_KEY", "lago": "LAGO_API_KEY"}


class ApplyError(Exception):
    """The billing system refused a request, or could not be reached."""


@dataclass
class Step:
    action: str  # create | update | replace | unchanged
    key: str  # the export's key (price.plus_fee)
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action:<9} {self.key}{f'  ({self.detail})' if self.detail else ''}"


TIMEOUT = 30.0  # seconds to wait for an answer
PAGE = 100  # objects per page of a Stripe list (its most)


@dataclass
class _Client:
    target: str
    base: str
    api_key: str
    sent: list[tuple[str, str]] = field(default_factory=list)

    def call(self, method: str, path: str, params: dict | None = None, query: dict | None = None):
        """The answer's JSON object, or None for a 404 to a lookup (GET).
        ApplyError for anything a healthy Stripe or Lago would not answer:
        no answer in TIMEOUT seconds, an error status, a body that is not a
        JSON object (an HTML page, say)."""
        url = self.base.rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode(_form(query))
        data, headers = None, {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        if params is not None:
            if self.target == "stripe":
                data = urllib.parse.urlencode(_form(params)).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                data = json.dumps(params).encode()
                headers["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        self.sent.append((method, path))
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                body = answer.read()
        except urllib.error.HTTPError as error:
            if error.code == 404 and method == "GET":
                return None
            text = error.read().decode(errors="replace")[:500]
            raise ApplyError(f"{method} {path}: {error.code} {text}") from None
        except urllib.error.URLError as error:
            raise ApplyError(f"cannot reach {self.base}: {error.reason}") from None
        except (TimeoutError, OSError) as error:  # a read that timed out is no URLError
            raise ApplyError(f"{method} {path}: {self.base} did not answer ({error or 'timed out'})") from None
        try:
            answer = json.loads(body or b"null")
        except ValueError:
            raise ApplyError(f"{method} {path}: {self.base} answered with something that is not JSON "
                             f"({body[:60]!r}); is it the {self.target.title()} API?") from None
        if not isinstance(answer, dict):
            raise ApplyError(f"{method} {path}: {self.base} answered {str(answer)[:60]}, not an object; is it "
                             f"the {self.target.title()} API?")
        return answer


def check_base(base: str) -> str:
    """An API address planlang may send requests to: http(s)://HOST."""
    parsed = urllib.parse.urlparse(base)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ApplyError(f"--api-base '{base}' is not an address such as https://api.stripe.com")
    return base


def _id(found: dict, what: str, key: str = "id") -> str:
    """The id of an object the API returned; ApplyError when it has none."""
    value = found.get(key) if isinstance(found, dict) else None
    if not isinstance(value, str) or not value:
        raise ApplyError(f"the billing system returned {what} without an {key}: {str(found)[:80]}")
    return value


def _form(params: dict, prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding of nested parameters: a[b][0][c]=v."""
    out = []
    items = params.items() if isinstance(params, dict) else enumerate(params)
    for key, value in items:
        name = f"{prefix}[{key}]" if prefix else str(key)
        if isinstance(value, (dict, list)):
            out += _form(value, name)
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        elif value is not None:
            out.append((name, str(value)))
    return out


def _resolve(value, ids: dict[str, str]):
    """`${key}` placeholders replaced by the ids of the objects created."""
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, ids) for v in value]
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        return ids.get(value[2:-1], value)
    return value


def apply(export: dict, api_key: str, base: str | None = None, send: bool = False) -> list[Step]:
    target = export["target"]
    client = _Client(target, check_base(base or DEFAULT_BASE[target]), api_key)
    steps: list[Step] = []
    ids: dict[str, str] = {}
    handle = _stripe_request if target == "stripe" else _lago_request
    for request in export["requests"]:
        steps.append(handle(client, request, ids, send))
    return steps


# ---- Stripe ---------------------------------------------------------------------------------


def _stripe_request(client: _Client, request: dict, ids: dict[str, str], send: bool) -> Step:
    key, params = request["key"], _resolve(request["params"], ids)
    if request["path"] == "/v1/billing/meters":
        found = next((m for m in _listed(client, "/v1/billing/meters", {"status": "active"})
                      if m.get("event_name") == params["event_name"]), None)
        if found is not None:
            ids[key] = _id(found, "a meter")
            return Step("unchanged", key, ids[key])
        return _created(client, request["path"], params, key, ids, send)
    if request["path"] == "/v1/products":
        found = client.call("GET", f"/v1/products/{params['id']}")
        if found is None:
            return _created(client, request["path"], params, key, ids, send)
        ids[key] = _id(found, "a product")
        wanted = {k: v for k, v in params.items() if k != "id"}
        if all(found.get(k) == v for k, v in wanted.items()):
            return Step("unchanged", key, found["id"])
        if send:
            client.call("POST", f"/v1/products/{params['id']}", wanted)
        return Step("update", key, found["id"])
    assert request["path"] == "/v1/prices", request["path"]
    found = next(iter(_listed(client, "/v1/prices", {"lookup_keys": [params["lookup_key"]], "active": "true",
                                                     "expand": ["data.tiers"]})), None)
    if found is not None and _same_price(found, params):
        ids[key] = _id(found, "a price")
        return Step("unchanged", key, ids[key])
    if found is None:
        return _created(client, request["path"], params, key, ids, send)
    _created(client, request["path"], {**params, "transfer_lookup_key": True}, key, ids, send)
    return Step("replace", key, f"a new price takes lookup_key {params['lookup_key']} from {_id(found, 'a price')}")


def _listed(client: _Client, path: str, query: dict) -> list[dict]:
    """Every object of a Stripe list, page after page (`has_more`, `starting_after`)."""
    out: list[dict] = []
    after = None
    for _ in range(1000):  # at most 100,000 objects: a server that never stops paging is not Stripe
        page = client.call("GET", path, query={**query, "limit": PAGE, **({"starting_after": after} if after else {})})
        data = (page or {}).get("data", [])
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise ApplyError(f"GET {path}: the answer's data is not a list of objects: {str(page)[:80]}")
        out += data
        if not (page or {}).get("has_more") or not data:
            return out
        after = _id(data[-1], "a listed object")
    raise ApplyError(f"GET {path}: the list never ends")


def _created(client: _Client, path: str, params: dict, key: str, ids: dict[str, str], send: bool) -> Step:
    if not send:
        ids.setdefault(key, f"(new {key})")
        return Step("create", key)
    answer = client.call("POST", path, params)
    if client.target == "stripe":
        ids[key] = _id(answer, f"the {key} it created")
    else:
        kind = next(iter(answer), "")
        ids[key] = _id(answer.get(kind), f"the {key} it created", "lago_id")
    return Step("create", key, ids[key])


def _amount(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _same_price(found: dict, params: dict) -> bool:
    """Whether an existing Stripe price already says what `params` say."""
    recurring, wanted = found.get("recurring") or {}, params.get("recurring", {})
    if (found.get("currency"), found.get("product")) != (params["currency"], params["product"]):
        return False
    if any(recurring.get(k) != v for k, v in wanted.items()):
        return False
    if found.get("billing_scheme", "per_unit") != params.get("billing_scheme", "per_unit"):
        return False
    if (found.get("transform_quantity") or None) != params.get("transform_quantity"):
        return False

    def unit(item: dict) -> Decimal | None:
        return _amount(item.get("unit_amount_decimal", item.get("unit_amount")))

    if params.get("billing_scheme") != "tiered":
        return unit(found) == unit(params)
    tiers = found.get("tiers") or []
    if found.get("tiers_mode") != params.get("tiers_mode") or len(tiers) != len(params["tiers"]):
        return False
    return all((t.get("up_to") or "inf") == w["up_to"] and unit(t) == unit(w) for t, w in zip(tiers, params["tiers"]))


# ---- Lago -----------------------------------------------------------------------------------


def _lago_request(client: _Client, request: dict, ids: dict[str, str], send: bool) -> Step:
    key, body = request["key"], _resolve(request["body"], ids)
    kind = next(iter(body))  # billable_metric or plan
    code = body[kind]["code"]
    found = client.call("GET", f"{request['path']}/{code}")
    if found is None:
        return _created(client, request["path"], body, key, ids, send)
    ids[key] = _id(found.get(kind), f"a {kind}", "lago_id")
    if _contains(found[kind], body[kind]):
        return Step("unchanged", key, ids[key])
    if send:
        client.call("PUT", f"{request['path']}/{code}", body)
    return Step("update", key, ids[key])


def _contains(found, wanted) -> bool:
    """Whether the object Lago returned says everything `wanted` says
    (amounts compared as numbers; a charge's metric by its id)."""
    if isinstance(wanted, dict):
        if not isinstance(found, dict):
            return False
        if "billable_metric_id" in wanted and found.get("lago_billable_metric_id") == wanted["billable_metric_id"]:
            wanted = {k: v for k, v in wanted.items() if k != "billable_metric_id"}
        return all(_contains(found.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(found, list) and len(found) == len(wanted) and all(map(_contains, found, wanted))
    if isinstance(wanted, str) and isinstance(found, str):
        try:
            return Decimal(found) == Decimal(wanted)
        except ArithmeticError:
            return found == wanted
    return found == wanted
