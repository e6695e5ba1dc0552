"""A small stand-in for the Stripe and Lago APIs, on 127.0.0.1, for testing
`planlang export --apply` without the network: it keeps the objects
created, answers lookups the way the real APIs do (ids, a price's
lookup_key moving with transfer_lookup_key, 404 for what does not exist,
a 400 for a lookup_key already taken, lists in pages, Stripe's metadata
merged with empty values removing keys, Stripe's Idempotency-Key replaying
the first answer, Lago's charges updated in place by id), and records every
request. `failures` makes it fail requests on purpose: (method, path,
failure), each for the next request of that method and path; a failure is
a status (429, 503) answered before doing anything, or "lost": do the work,
then answer 500 as if the answer had been lost on the way."""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INTEGERS = {"unit_amount", "up_to", "divide_by"}


def unform(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back to nested dicts and lists,
    with the numbers Stripe stores as integers made integers."""
    root: dict = {}
    for name, value in pairs:
        keys = re.findall(r"[^\[\]]+", name)
        node = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        leaf = keys[-1]
        if leaf in INTEGERS:
            value = None if value == "inf" else int(value)
        elif value in ("true", "false"):
            value = value == "true"
        node[leaf] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_lists(node[k]) for k in sorted(node, key=int)]
        return {k: _lists(v) for k, v in node.items()}
    return node


def _page(items: list[dict], query: dict) -> dict:
    """A Stripe list page: `limit` objects after `starting_after`, and whether more follow."""
    after = query.get("starting_after")
    start = next((i + 1 for i, item in enumerate(items) if item["id"] == after), 0) if after else 0
    limit = int(query.get("limit", 10))
    return {"object": "list", "data": items[start:start + limit], "has_more": start + limit < len(items)}


class Billing:
    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        self.meters: list[dict] = []
        self.products: dict[str, dict] = {}
        self.prices: list[dict] = []
        self.features: list[dict] = []  # Stripe Entitlements features
        self.attached: dict[str, list[dict]] = {}  # product id -> its product features
        self.metrics: dict[str, dict] = {}
        self.plans: dict[str, dict] = {}
        self.ids = itertools.count(1)
        self.failures: list[tuple[str, str, int | str]] = []
        self.replies: dict[str, tuple[int, dict]] = {}  # by Idempotency-Key

    def creates(self) -> list[tuple[str, str]]:
        creating = {"/v1/billing/meters", "/v1/products", "/v1/prices", "/api/v1/billable_metrics", "/api/v1/plans",
                    "/v1/entitlements/features"}
        return [(m, p) for m, p in self.requests
                if m == "POST" and (p in creating or re.fullmatch(r"/v1/products/[^/]+/features", p))]

    # ---- Stripe ----

    def stripe(self, method: str, path: str, query: dict, params: dict):
        if path == "/v1/billing/meters":
            if method == "GET":
                return 200, _page(self.meters, query)
            meter = {**params, "id": f"mtr_{next(self.ids)}", "status": "active"}
            self.meters.append(meter)
            return 200, meter
        if path == "/v1/products" and method == "POST":
            if params["id"] in self.products:
                return 400, {"error": {"message": f"product {params['id']} already exists"}}
            self.products[params["id"]] = {**params, "object": "product"}
            return 200, self.products[params["id"]]
        if path == "/v1/entitlements/features":
            if method == "GET":
                return 200, _page([f for f in self.features if f["lookup_key"] == query.get("lookup_key")], query)
            if any(f["lookup_key"] == params["lookup_key"] for f in self.features):
                return 400, {"error": {"message": f"lookup_key {params['lookup_key']} is already in use"}}
            self.features.append({**params, "id": f"feat_{next(self.ids)}", "object": "entitlements.feature"})
            return 200, self.features[-1]
        attached = re.fullmatch(r"/v1/products/([^/]+)/features(?:/([^/]+))?", path)
        if attached:
            product, own = attached.groups()
            if product not in self.products:
                return 404, {"error": {"message": "no such product"}}
            listed = self.attached.setdefault(product, [])
            if method == "GET":
                return 200, _page(listed, query)
            if method == "DELETE":
                listed[:] = [f for f in listed if f["id"] != own]
                return 200, {"id": own, "deleted": True}
            feature = next((f for f in self.features if f["id"] == params["entitlement_feature"]), None)
            if feature is None:
                return 400, {"error": {"message": f"no such feature {params['entitlement_feature']}"}}
            listed.append({"id": f"prodft_{next(self.ids)}", "entitlement_feature": feature})
            return 200, listed[-1]
        if path == "/v1/products" and method == "GET":
            listed = [p for p in self.products.values() if "active" not in query or p.get("active", True) == query["active"]]
            return 200, _page(listed, query)
        if path.startswith("/v1/products/"):
            product = self.products.get(path.rsplit("/", 1)[1])
            if product is None:
                return 404, {"error": {"message": "no such product"}}
            if method == "POST":
                metadata = {**product.get("metadata", {}), **params.get("metadata", {})}
                product.update(params)
                product["metadata"] = {k: v for k, v in metadata.items() if v != ""}
            return 200, product
        if path == "/v1/prices" and method == "GET":
            found = [p for p in self.prices if p["active"] or query.get("active") is False]
            if "lookup_keys" in query:
                found = [p for p in found if p.get("lookup_key") in query["lookup_keys"]]
            if "product" in query:
                found = [p for p in found if p["product"] == query["product"]]
            return 200, _page(found, query)
        if path.startswith("/v1/prices/") and method == "POST":
            price = next((p for p in self.prices if p["id"] == path.rsplit("/", 1)[1]), None)
            if price is None:
                return 404, {"error": {"message": "no such price"}}
            price.update(params)
            return 200, price
        if path == "/v1/prices":
            taken = [p for p in self.prices if p.get("lookup_key") == params.get("lookup_key")]
            if taken and not params.pop("transfer_lookup_key", False):
                return 400, {"error": {"message": f"lookup_key {params['lookup_key']} is already in use"}}
            for old in taken:
                old["lookup_key"] = None
            price = {"billing_scheme": "per_unit", **params, "id": f"price_{next(self.ids)}", "active": True}
            self.prices.append(price)
            return 200, price
        return 404, {"error": {"message": f"no route {method} {path}"}}

    # ---- Lago ----

    def lago(self, method: str, path: str, body: dict, query: dict):
        match = re.fullmatch(r"/api/v1/(billable_metrics|plans)(?:/([^/]+))?", path)
        if match is None:
            return 404, {"error": "no route"}
        collection, code = match.groups()
        store, kind = (self.metrics, "billable_metric") if collection == "billable_metrics" else (self.plans, "plan")
        if method == "GET" and code is None:
            page, size = int(query.get("page", 1)), int(query.get("per_page", 20))
            items = list(store.values())
            more = page * size < len(items)
            return 200, {collection: items[(page - 1) * size:page * size],
                         "meta": {"current_page": page, "next_page": page + 1 if more else None}}
        if method == "GET":
            if code not in store:
                return 404, {"status": 404, "error": "Not Found", "code": f"{kind}_not_found"}
            return 200, {kind: store[code]}
        fields = dict(body[kind])
        if kind == "plan":
            fields["charges"] = [self._charge(dict(c)) for c in fields.get("charges", [])]
        if method == "POST":
            if fields["code"] in store:
                return 422, {"error": "Unprocessable Entity", "error_details": {"code": ["value_already_exist"]}}
            fields["metadata"] = {k: v for k, v in (fields.get("metadata") or {}).items() if v is not None}
            store[fields["code"]] = {**fields, "lago_id": f"lago_{next(self.ids)}"}
        elif method == "PUT":
            metadata = {**(store[code].get("metadata") or {}), **(fields.get("metadata") or {})}
            store[code].update(fields)
            store[code]["metadata"] = {k: v for k, v in metadata.items() if v is not None}
        return 200, {kind: store[fields.get("code", code)]}

    def _charge(self, charge: dict) -> dict:
        """A charge as Lago keeps it: one that names its id keeps it (updated in place); one without is new."""
        metric_id = charge.pop("billable_metric_id")
        metric = next((m for m in self.metrics.values() if m["lago_id"] == metric_id), None)
        if metric is None:
            raise ValueError(f"no billable metric {metric_id}")
        own = charge.pop("id", None) or f"lago_{next(self.ids)}"
        return {**charge, "lago_billable_metric_id": metric_id, "billable_metric_code": metric["code"],
                "lago_id": own}


def serve() -> tuple[ThreadingHTTPServer, Billing, str]:
    """A running server (stop it with .shutdown()), its state, and its address."""
    state = Billing()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            state.requests.append((self.command, url.path))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode() if length else ""
            failure = next((f for f in state.failures if f[:2] == (self.command, url.path)), None)
            if failure is not None:
                state.failures.remove(failure)
                failure = failure[2]
            key = self.headers.get("Idempotency-Key")
            query = unform(urllib.parse.parse_qsl(url.query))
            if isinstance(failure, int):
                status, answer = failure, {"error": {"message": "try again"}}
            elif key is not None and key in state.replies:
                status, answer = state.replies[key]  # Stripe: the first answer, nothing done again
            elif url.path.startswith("/api/v1/"):
                status, answer = state.lago(self.command, url.path, json.loads(raw) if raw else {}, query)
            else:
                status, answer = state.stripe(self.command, url.path, query, unform(urllib.parse.parse_qsl(raw, keep_blank_values=True)))
            if key is not None and not isinstance(failure, int):
                state.replies.setdefault(key, (status, answer))
            if failure == "lost":
                status, answer = 500, {"error": {"message": "the answer was lost"}}
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, state, f"http://127.0.0.1:{server.server_address[1]}"
