"""Send an export to Stripe or Lago (`planlang export --apply`), idempotently.

Every object is looked up first by the name the export gave it: a Stripe
meter by its event_name, a product by its id (`planlang_PLAN`), a price by
its lookup_key; a Lago billable metric or plan by its code. What exists and
matches is reused; a product, metric or plan that differs is updated (a
planlang metadata key the export no longer has is unset: Stripe merges
metadata, so the key is posted empty; Lago's charges are updated in place,
by id, not deleted and made anew); a Stripe price that differs (prices
cannot change) is created anew and takes over the lookup_key
(`transfer_lookup_key`). A second run of the same export therefore sends no
create request. With `archive`, a replaced price and the products (and
their prices) of plans that left the catalog are archived (`active:
false`); without it they are listed. Without `send` (a dry run), only the
lookups are made and the plan of changes is returned.

The client is urllib's, not the vendors' SDKs, for measured reasons
(benchmarks/sdks.py, with stripe 16.1 and lago-python-client 1.55 against a
local server that fails once): stripe's client does not retry a 429 that
carries no `Stripe-Should-Retry` header and makes a random Idempotency-Key
per call, so a rerun after a lost answer would create a second object;
lago's retries a 429 but not a 503, and neither lists beyond one page by
itself. Here: every Stripe POST carries an Idempotency-Key made from the
request (the same request, the same key: Stripe answers a rerun within 24
hours with the first answer); 429, 5xx, timeouts and lost connections are
retried RETRIES times with exponential backoff (or the answer's
Retry-After); lists follow `has_more`/`starting_after` (Stripe) and
`meta.next_page` (Lago). A Lago create that was sent but whose answer was
lost meets its own code on the retry (422): the object is then looked up.
"""

from __future__ import annotations

import hashlib
import json
import time
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
    action: str  # create | update | replace | unchanged | archive | stale (left the catalog; --archive archives)
    key: str  # the export's key (price.plus_fee)
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.action:<9} {self.key}{f'  ({self.detail})' if self.detail else ''}"


TIMEOUT = 30.0  # seconds to wait for an answer
PAGE = 100  # objects per page of a list (Stripe's most)
RETRIES = 4  # tries after the first, for 429, 5xx, timeouts and lost connections
BACKOFF = 0.5  # seconds before the first retry; doubled each time, at most MAX_BACKOFF
MAX_BACKOFF = 8.0


@dataclass
class _Client:
    target: str
    base: str
    api_key: str
    sent: list[tuple[str, str]] = field(default_factory=list)

    def call(self, method: str, path: str, params: dict | None = None, query: dict | None = None):
        """The answer's JSON object, or None for a 404 to a lookup (GET).
        Transient failures are retried (see the module's docstring);
        ApplyError for anything a healthy Stripe or Lago would not answer:
        no answer in TIMEOUT seconds (after the retries), an error status, a
        body that is not a JSON object (an HTML page, say)."""
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
        if self.target == "stripe" and method == "POST":
            headers["Idempotency-Key"] = idempotency_key(method, path, params or {})
        for attempt in range(RETRIES + 1):
            last = attempt == RETRIES
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            self.sent.append((method, path))
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                    body = answer.read()
                break
            except urllib.error.HTTPError as error:
                if error.code == 404 and method == "GET":
                    return None
                text = error.read().decode(errors="replace")[:500]
                if (error.code == 429 or error.code >= 500) and not last:
                    _wait(attempt, error.headers.get("Retry-After"))
                    continue
                if error.code == 422 and "value_already_exist" in text and self.target == "lago":
                    raise _Exists(text) from None
                raise ApplyError(f"{method} {path}: {error.code} {text}") from None
            except urllib.error.URLError as error:
                if not last:
                    _wait(attempt)
                    continue
                raise ApplyError(f"cannot reach {self.base}: {error.reason}") from None
            except (TimeoutError, OSError) as error:  # a read that timed out is no URLError
                if not last:
                    _wait(attempt)
                    continue
                raise ApplyError(f"{method} {path}: {self.base} did not answer ({error or 'timed out'}), "
                                 f"{RETRIES + 1} times") from None
        try:
            answer = json.loads(body or b"null")
        except ValueError:
            raise ApplyError(f"{method} {path}: {self.base} answered with something that is not JSON "
                             f"({body[:60]!r}); is it the {self.target.title()} API?") from None
        if not isinstance(answer, dict):
            raise ApplyError(f"{method} {path}: {self.base} answered {str(answer)[:60]}, not an object; is it "
                             f"the {self.target.title()} API?")
        return answer


class _Exists(Exception):
    """Lago already holds an object of that code (a create whose answer was lost)."""


def idempotency_key(method: str, path: str, params: dict) -> str:
    """The same request, the same key: a rerun after a lost answer is
    answered with the first answer, not a second object."""
    text = json.dumps([method, path, params], sort_keys=True, separators=(",", ":"))
    return "planlang-" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _wait(attempt: int, retry_after: str | None = None) -> None:
    """Back off before retry `attempt + 1`: what the server asks, else
    BACKOFF doubled per attempt, at most MAX_BACKOFF."""
    try:
        seconds = float(retry_after) if retry_after is not None else BACKOFF * 2 ** attempt
    except ValueError:
        seconds = BACKOFF * 2 ** attempt
    time.sleep(min(max(seconds, 0.0), MAX_BACKOFF))


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


def apply(export: dict, api_key: str, base: str | None = None, send: bool = False,
          archive: bool = False) -> list[Step]:
    target = export["target"]
    client = _Client(target, check_base(base or DEFAULT_BASE[target]), api_key)
    steps: list[Step] = []
    ids: dict[str, str] = {}
    handle = _stripe_request if target == "stripe" else _lago_request
    for request in export["requests"]:
        steps += handle(client, request, ids, send, archive)
    steps += (_stripe_left if target == "stripe" else _lago_left)(client, export, send, archive)
    return steps


# ---- Stripe ---------------------------------------------------------------------------------


def _stripe_request(client: _Client, request: dict, ids: dict[str, str], send: bool, archive: bool) -> list[Step]:
    key, params = request["key"], _resolve(request["params"], ids)
    if request["path"] == "/v1/billing/meters":
        found = next((m for m in _listed(client, "/v1/billing/meters", {"status": "active"})
                      if m.get("event_name") == params["event_name"]), None)
        if found is not None:
            ids[key] = _id(found, "a meter")
            return [Step("unchanged", key, ids[key])]
        return [_created(client, request["path"], params, key, ids, send)]
    if request["path"] == "/v1/products":
        found = client.call("GET", f"/v1/products/{params['id']}")
        if found is None:
            return [_created(client, request["path"], params, key, ids, send)]
        ids[key] = _id(found, "a product")
        wanted = {k: v for k, v in params.items() if k != "id"}
        stale = {k: "" for k in (found.get("metadata") or {}) if k.startswith("planlang_") and k not in wanted["metadata"]}
        if all(found.get(k) == v for k, v in wanted.items() if k != "metadata") and not stale and \
                all((found.get("metadata") or {}).get(k) == v for k, v in wanted["metadata"].items()) and \
                found.get("active", True):
            return [Step("unchanged", key, found["id"])]
        if send:  # metadata merges: a key planlang no longer writes is posted empty, which removes it
            client.call("POST", f"/v1/products/{params['id']}",
                        {**wanted, "metadata": {**wanted["metadata"], **stale}, "active": True})
        return [Step("update", key, found["id"] + (f"; unsets {', '.join(sorted(stale))}" if stale else ""))]
    if request["path"] == "/v1/entitlements/features":
        found = next(iter(_listed(client, request["path"], {"lookup_key": params["lookup_key"]})), None)
        if found is not None:
            ids[key] = _id(found, "a feature")
            return [Step("unchanged", key, ids[key])]
        return [_created(client, request["path"], params, key, ids, send)]
    if request["path"].endswith("/features"):  # a feature attached to a product
        attached = _listed(client, request["path"], {})
        if any((f.get("entitlement_feature") or {}).get("id") == params["entitlement_feature"] for f in attached):
            return [Step("unchanged", key)]
        return [_created(client, request["path"], params, key, ids, send)]
    assert request["path"] == "/v1/prices", request["path"]
    found = next(iter(_listed(client, "/v1/prices", {"lookup_keys": [params["lookup_key"]], "active": "true",
                                                     "expand": ["data.tiers"]})), None)
    if found is not None and _same_price(found, params):
        ids[key] = _id(found, "a price")
        return [Step("unchanged", key, ids[key])]
    if found is None:
        return [_created(client, request["path"], params, key, ids, send)]
    old = _id(found, "a price")
    _created(client, request["path"], {**params, "transfer_lookup_key": True}, key, ids, send)
    steps = [Step("replace", key, f"a new price takes lookup_key {params['lookup_key']} from {old}")]
    return steps + [_archived(client, f"/v1/prices/{old}", key, old, send, archive)]


def _archived(client: _Client, path: str, key: str, what: str, send: bool, archive: bool) -> Step:
    """Archive (`active: false`) a Stripe object that is no longer the
    catalog's, with --archive; else say it is left as it is."""
    if not archive:
        return Step("stale", key, f"{what}; it stays active: --archive archives it")
    if send:
        client.call("POST", path, {"active": False})
    return Step("archive", key, what)


def _stale_features(client: _Client, export: dict, send: bool, archive: bool) -> list[Step]:
    """Features planlang attached to a product of the catalog that its plan
    no longer includes: detached with --archive (an entitlement cannot be
    archived, only removed), else listed."""
    steps = []
    for r in export["requests"]:
        if r["path"] != "/v1/products":
            continue
        product, path = r["params"]["id"], f"/v1/products/{r['params']['id']}/features"
        wanted = {q["params"]["entitlement_feature"][len("${feature."):-1] for q in export["requests"]
                  if q["path"] == path}
        for attached in _listed(client, path, {}):  # none when the product is new (a 404 lists nothing)
            feature = (attached.get("entitlement_feature") or {}).get("lookup_key") or ""
            if feature.startswith("planlang_") and feature.removeprefix("planlang_") not in wanted:
                key = f"product_feature.{product.removeprefix('planlang_')}.{feature.removeprefix('planlang_')}"
                if not archive:
                    steps.append(Step("stale", key, "no longer in the plan; --archive removes it"))
                    continue
                if send:
                    client.call("DELETE", f"{path}/{_id(attached, 'a product feature')}")
                steps.append(Step("archive", key, "removed from the product"))
    return steps


def _stripe_left(client: _Client, export: dict, send: bool, archive: bool) -> list[Step]:
    """The products planlang made for plans that are no longer in the
    catalog (id `planlang_*`, active), and their active prices."""
    wanted = {r["params"]["id"] for r in export["requests"] if r["path"] == "/v1/products"}
    steps = _stale_features(client, export, send, archive)
    for product in _listed(client, "/v1/products", {"active": "true"}):
        pid = _id(product, "a product")
        if not pid.startswith("planlang_") or pid in wanted:
            continue
        for price in _listed(client, "/v1/prices", {"product": pid, "active": "true"}):
            steps.append(_archived(client, f"/v1/prices/{_id(price, 'a price')}", f"price.{price.get('lookup_key')}",
                                   f"{price['id']} of {pid}, which left the catalog", send, archive))
        steps.append(_archived(client, f"/v1/products/{pid}", f"product.{pid.removeprefix('planlang_')}",
                               f"{pid} left the catalog", send, archive))
    return steps


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


def _lago_request(client: _Client, request: dict, ids: dict[str, str], send: bool, archive: bool) -> list[Step]:
    key, body = request["key"], _resolve(request["body"], ids)
    kind = next(iter(body))  # billable_metric or plan
    code = body[kind]["code"]
    found = client.call("GET", f"{request['path']}/{code}")
    if found is None:
        try:
            return [_created(client, request["path"], body, key, ids, send)]
        except _Exists:  # sent before, its answer lost: it is there
            found = client.call("GET", f"{request['path']}/{code}")
            if found is None:
                raise ApplyError(f"POST {request['path']}: Lago says {code} exists, and has no {code}") from None
    ids[key] = _id(found.get(kind), f"a {kind}", "lago_id")
    if kind == "plan":
        body = {"plan": _in_place(found[kind], body[kind])}
    if _contains(found[kind], body[kind]):
        return [Step("unchanged", key, ids[key])]
    if send:
        client.call("PUT", f"{request['path']}/{code}", body)
    return [Step("update", key, ids[key])]


def _in_place(found: dict, wanted: dict) -> dict:
    """A Lago plan update that changes charges in place: each charge on a
    billable metric the plan already charges carries that charge's id (a
    charge without one would replace them all), and a planlang metadata key
    no longer written is sent null (unset)."""
    existing = {c.get("lago_billable_metric_id"): c.get("lago_id") for c in found.get("charges") or []
                if isinstance(c, dict)}
    charges = [{**c, "id": existing[c["billable_metric_id"]]} if existing.get(c.get("billable_metric_id")) else c
               for c in wanted.get("charges", [])]
    metadata = dict(wanted.get("metadata") or {})
    metadata.update({k: None for k in (found.get("metadata") or {}) if k.startswith("planlang_") and k not in metadata})
    return {**wanted, "charges": charges, "metadata": metadata}


def _lago_left(client: _Client, export: dict, send: bool, archive: bool) -> list[Step]:
    """Plans planlang made (metadata planlang_plan) that are no longer in the
    catalog. Lago cannot archive a plan, and deleting one ends its
    subscriptions: they are listed, never deleted."""
    wanted = {r["body"]["plan"]["code"] for r in export["requests"] if "plan" in r["body"]}
    steps = []
    for plan in _pages(client, "/api/v1/plans", "plans"):
        if (plan.get("metadata") or {}).get("planlang_plan") and plan.get("code") not in wanted:
            steps.append(Step("stale", f"plan.{plan['code']}", "left the catalog; Lago cannot archive a plan: "
                              "move its subscriptions, then delete it in Lago"))
    return steps


def _pages(client: _Client, path: str, field: str) -> list[dict]:
    """Every object of a Lago list, page after page (`meta.next_page`)."""
    out, page = [], 1
    for _ in range(1000):
        answer = client.call("GET", path, query={"page": page, "per_page": PAGE}) or {}
        items = answer.get(field, [])
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise ApplyError(f"GET {path}: the answer's {field} is not a list of objects: {str(answer)[:80]}")
        out += items
        following = (answer.get("meta") or {}).get("next_page")
        if not following or not items:
            return out
        page = following
    raise ApplyError(f"GET {path}: the list never ends")


def _contains(found, wanted) -> bool:
    """Whether the object Lago returned says everything `wanted` says
    (amounts compared as numbers; a charge's metric and its own id by Lago's ids)."""
    if isinstance(wanted, dict):
        if not isinstance(found, dict):
            return False
        if "billable_metric_id" in wanted and found.get("lago_billable_metric_id") == wanted["billable_metric_id"]:
            wanted = {k: v for k, v in wanted.items() if k != "billable_metric_id"}
        if "id" in wanted and found.get("lago_id") == wanted["id"]:
            wanted = {k: v for k, v in wanted.items() if k != "id"}
        return all(_contains(found.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return isinstance(found, list) and len(found) == len(wanted) and all(map(_contains, found, wanted))
    if isinstance(wanted, str) and isinstance(found, str):
        try:
            return Decimal(found) == Decimal(wanted)
        except ArithmeticError:
            return found == wanted
    return found == wanted
