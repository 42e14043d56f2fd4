"""A local Stripe-compatible HTTP server for tests, and webhook signing with Stripe's scheme.

The real ``stripe`` SDK talks to this server when ``STRIPE_API_BASE`` points at
it. Responses start from Stripe's published example objects
(``tests/data/stripe/``) and overwrite the fields a test depends on. The server
keeps Stripe's Idempotency-Key semantics: a repeated key with the same
parameters replays the first response, and with other parameters it fails.
Only the endpoints that lendapp calls exist:

- ``POST /v1/checkout/sessions`` and ``GET /v1/checkout/sessions/{id}`` (``expand[]=payment_intent``)
- ``GET /v1/payment_intents/{id}``
- ``POST /v1/refunds``
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import http.server
import itertools
import json
import re
import secrets
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "stripe"


def example(name: str) -> dict[str, Any]:
    """Return a fresh copy of one of Stripe's example objects, e.g. ``example("checkout_session")``."""
    return json.loads((DATA_DIR / f"{name}.json").read_text(encoding="utf-8"))


def parse_form(body: str) -> dict[str, Any]:
    """Decode Stripe's form encoding (``a[b][0][c]=v``) into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in urllib.parse.parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node: Any = root
        for part, following in zip(parts, parts[1:]):
            child = node.get(part) if isinstance(node, dict) else None
            if child is None:
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    # Stripe sends arrays as maps with the keys 0, 1, 2 ...
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """Return a Stripe-Signature header for ``payload``: ``t=<unix time>,v1=<HMAC-SHA256 of "t.payload">``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


class StripeServer:
    """A threaded HTTP server on 127.0.0.1 that keeps Checkout Sessions, PaymentIntents and refunds in memory."""

    def __init__(self) -> None:
        self.sessions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, str | None]] = []
        self._idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="stripe-test-server", daemon=True)

    @property
    def url(self) -> str:
        """The base address to give ``stripe.api_base`` / ``STRIPE_API_BASE``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> StripeServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    # --- API ------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, Any], form: dict[str, Any], key: str | None) -> tuple[int, dict[str, Any]]:
        """Answer one API request; returns (status, JSON body)."""
        with self._lock:
            self.requests.append((method, path, key))
            if method == "POST" and key is not None and key in self._idempotent:
                params, status, body = self._idempotent[key]
                if params != form:
                    return 400, _error("idempotency_error", f"Keys for idempotent requests can only be used with the same parameters: {key}")
                return status, body
            status, body = self._route(method, path, query, form)
            if method == "POST" and key is not None:
                self._idempotent[key] = (form, status, body)
            return status, body

    def _route(self, method: str, path: str, query: dict[str, Any], form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/checkout/sessions":
            return 200, self._create_session(form)
        match = re.fullmatch(r"/v1/checkout/sessions/([\w]+)", path)
        if method == "GET" and match:
            found = self.sessions.get(match.group(1))
            if found is None:
                return 404, _error("invalid_request_error", f"No such checkout.session: '{match.group(1)}'")
            body = copy.deepcopy(found)
            if "payment_intent" in (query.get("expand") or []) and body["payment_intent"]:
                body["payment_intent"] = copy.deepcopy(self.intents[body["payment_intent"]])
            return 200, body
        match = re.fullmatch(r"/v1/payment_intents/([\w]+)", path)
        if method == "GET" and match:
            found = self.intents.get(match.group(1))
            return (200, copy.deepcopy(found)) if found else (404, _error("invalid_request_error", "No such payment_intent"))
        if method == "POST" and path == "/v1/refunds":
            return self._create_refund(form)
        return 404, _error("invalid_request_error", f"Unrecognized request URL ({method}: {path})")

    def _create_session(self, form: dict[str, Any]) -> dict[str, Any]:
        number = next(self._numbers)
        session_id = f"cs_test_{number:04d}{secrets.token_hex(8)}"
        intent_id = f"pi_test_{number:04d}{secrets.token_hex(6)}"
        item = form["line_items"][0]
        amount = int(item["quantity"]) * int(item["price_data"]["unit_amount"])
        currency = item["price_data"]["currency"]
        metadata = form.get("metadata", {})
        intent = example("payment_intent")
        intent.update(
            id=intent_id, amount=amount, amount_received=0, currency=currency, status="requires_payment_method",
            metadata=form.get("payment_intent_data", {}).get("metadata", {}), payment_method_types=form["payment_method_types"],
            created=int(time.time()), canceled_at=None, last_payment_error=None, next_action=None, latest_charge=None,
        )
        session = example("checkout_session")
        session.update(
            id=session_id, amount_total=amount, amount_subtotal=amount, currency=currency, status="open", payment_status="unpaid",
            client_reference_id=form.get("client_reference_id"), metadata=metadata, payment_intent=intent_id,
            payment_method_types=form["payment_method_types"], payment_method_options=form.get("payment_method_options", {}),
            success_url=form["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id), cancel_url=form["cancel_url"],
            url=f"https://checkout.stripe.com/c/pay/{session_id}", created=int(time.time()), expires_at=int(time.time()) + 1800,
        )
        self.sessions[session_id] = session
        self.intents[intent_id] = intent
        return copy.deepcopy(session)

    def _create_refund(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.intents.get(form.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, _error("invalid_request_error", "The PaymentIntent has no successful charge to refund")
        amount = int(form.get("amount") or intent["amount_received"])
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        if already + amount > intent["amount_received"]:
            return 400, _error("invalid_request_error", f"Refund amount ({amount}) is greater than unrefunded amount")
        refund = example("refund")
        refund.update(id=f"re_test_{next(self._numbers):04d}", amount=amount, currency=intent["currency"],
                      payment_intent=intent["id"], charge=intent["latest_charge"], created=int(time.time()))
        self.refunds[refund["id"]] = refund
        return 200, copy.deepcopy(refund)

    # --- Test controls -----------------------------------------------------------------------

    def pay(self, session_id: str, *, intent_status: str = "succeeded", method: str = "card") -> dict[str, Any]:
        """Move a session as a customer paying would: paid and complete, or waiting on ``intent_status``."""
        with self._lock:
            session = self.sessions[session_id]
            intent = self.intents[session["payment_intent"]]
            intent["status"] = intent_status
            intent["payment_method_types"] = [method]
            if intent_status == "succeeded":
                intent["amount_received"] = intent["amount"]
                intent["latest_charge"] = intent["latest_charge"] or f"ch_test_{next(self._numbers):04d}"
                session.update(status="complete", payment_status="paid")
            elif intent_status == "processing":
                session.update(status="complete", payment_status="unpaid")
            return copy.deepcopy(session)

    def expire(self, session_id: str) -> dict[str, Any]:
        """Expire an open session, as Stripe does after ``expires_at`` or on the expire endpoint."""
        with self._lock:
            session = self.sessions[session_id]
            session.update(status="expired", url=None)
            self.intents[session["payment_intent"]]["status"] = "canceled"
            return copy.deepcopy(session)

    def session_event(self, event_type: str, session_id: str, *, created: int | None = None) -> dict[str, Any]:
        """Build an event of ``event_type`` carrying the session as it is now."""
        return self._event(event_type, copy.deepcopy(self.sessions[session_id]), created)

    def intent_event(self, event_type: str, intent_id: str, *, created: int | None = None, error_code: str = "") -> dict[str, Any]:
        """Build a payment_intent.* event; ``error_code`` fills ``last_payment_error`` as a failed attempt would."""
        intent = copy.deepcopy(self.intents[intent_id])
        if error_code:
            intent["last_payment_error"] = {"type": "card_error", "code": error_code}
        return self._event(event_type, intent, created)

    def charge_refunded_event(self, intent_id: str, *, created: int | None = None) -> dict[str, Any]:
        """Build a charge.refunded event with the refunds made so far on the PaymentIntent."""
        intent = self.intents[intent_id]
        refunded = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent_id)
        charge = example("charge")
        charge.update(
            id=intent["latest_charge"] or "ch_test_unknown", amount=intent["amount"], amount_captured=intent["amount_received"],
            amount_refunded=refunded, refunded=refunded == intent["amount_received"], currency=intent["currency"],
            payment_intent=intent_id, metadata=dict(intent["metadata"]), captured=True,
        )
        return self._event("charge.refunded", charge, created)

    def _event(self, event_type: str, obj: dict[str, Any], created: int | None) -> dict[str, Any]:
        event = example("event")
        event.update(id=f"evt_test_{secrets.token_hex(10)}", type=event_type, created=created or int(time.time()),
                     data={"object": obj}, api_version="2025-08-27.basil")
        return event


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message}}


def _handler_for(server: StripeServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _answer(self, method: str) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            if not (self.headers.get("Authorization") or "").startswith("Bearer sk_"):
                status, answer = 401, _error("invalid_request_error", "Invalid API Key provided")
            else:
                status, answer = server.handle(method, parsed.path, parse_form(parsed.query), parse_form(body), self.headers.get("Idempotency-Key"))
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", f"req_test_{secrets.token_hex(6)}")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
            self._answer("GET")

        def do_POST(self) -> None:  # noqa: N802 - the name http.server dispatches to
            self._answer("POST")

        def log_message(self, *_args: object) -> None:
            # Requests are kept in ``server.requests``; printing each one would flood test output.
            return

    return Handler
