"""Why `planlang export --apply` does not use the vendors' SDKs: what each
does when the server fails once. A local server answers the first request
with a status (429, then 503 in a second run) and every later one with 200;
each SDK creates one object through it, with retries turned on where it has
them. Printed: whether the SDK retried, and the Idempotency-Key of each try.

    python benchmarks/sdks.py

Needs the test extras (stripe, lago-python-client). The result is recorded
in benchmarks/README.md and solver/billing/api.py's docstring.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SEEN: list[tuple[str, str, str | None]] = []


def _server(status: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            SEEN.append((self.command, self.path, self.headers.get("Idempotency-Key")))
            code, body = (status, {"error": {"message": "try again", "type": "api_error"}}) if len(SEEN) == 1 else \
                (200, {"id": "prod_1", "object": "product", "name": "x",
                       "plan": {"lago_id": "l1", "code": "x", "name": "x", "created_at": "2026-01-01"}})
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    import importlib.metadata as metadata

    import stripe
    from lago_python_client.client import Client
    from lago_python_client.models import Plan

    print(f"stripe {metadata.version('stripe')}, lago-python-client {metadata.version('lago-python-client')}")
    print("| SDK | first answer | retried | Idempotency-Key per try |")
    print("|---|---|---|---|")
    for status in (429, 503):
        for name in ("stripe", "lago"):
            SEEN.clear()
            server = _server(status)
            base = f"http://127.0.0.1:{server.server_address[1]}"
            try:
                if name == "stripe":
                    client = stripe.StripeClient("sk_test_x", base_addresses={"api": base}, max_network_retries=3)
                    client.v1.products.create({"name": "x"})
                else:
                    Client(api_key="k", api_url=base).plans.create(
                        Plan(name="x", code="x", interval="monthly", amount_cents=0, amount_currency="USD"))
                outcome = "yes"
            except Exception as error:  # what the SDK raises is the finding
                outcome = f"no ({type(error).__name__})"
            finally:
                server.shutdown()
            keys = ", ".join(str(key) for _, _, key in SEEN)
            print(f"| {name} | {status} | {outcome} | {keys} |")


if __name__ == "__main__":
    main()
