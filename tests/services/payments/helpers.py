"""Shortcuts of the payment tests: delivering signed webhooks and reading payments and postings."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from sqlmodel import select
from starlette.testclient import TestClient

from lendapp.api.routes import build_api
from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, Payment, WebhookEvent
from tests.support.stripe_server import sign_payload

WEBHOOK = "/api/stripe/webhook"
WEBHOOK_SECRET = "whsec_test_lendapp_0123456789abcdef"
SECRET_KEY = "sk_test_lendapp_local"
# Payments in these tests happen on 2026-02-10, before the first due date (2026-02-15) of the test loan.
PAY_DAY = dt.date(2026, 2, 10)
PAY_TIME = int(dt.datetime(2026, 2, 10, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))).timestamp())


def deliver(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
            body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """POST an event to the webhook route as Stripe does; ``body`` replaces the signed bytes (tampering)."""
    payload = json.dumps(event).encode()
    header = sign_payload(payload, secret, timestamp)
    with TestClient(build_api()) as client:
        response = client.post(WEBHOOK, content=body if body is not None else payload,
                               headers={"Stripe-Signature": header, "Content-Type": "application/json"})
    return response.status_code, response.json()


def stale_timestamp() -> int:
    """A signature time ten minutes ago, past Stripe's five-minute tolerance."""
    return int(time.time()) - 600


def payment(reference: str) -> Payment:
    """Return the stored payment."""
    with session_scope() as session:
        return session.exec(select(Payment).where(Payment.reference == reference)).one()


def repayment_keys(loan_id: int) -> list[str]:
    """Return the idempotency keys of the loan's repayment entries."""
    with session_scope() as session:
        return list(session.exec(select(LedgerEntry.idempotency_key).where(
            LedgerEntry.loan_id == loan_id, LedgerEntry.kind == "repayment")).all())


def event_rows() -> list[tuple[str, str]]:
    """Return (event id, outcome) of every recorded webhook event."""
    with session_scope() as session:
        return [(row.event_id, row.outcome) for row in session.exec(select(WebhookEvent).order_by(WebhookEvent.id))]
