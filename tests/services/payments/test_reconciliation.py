"""The reconciliation report: clean after normal payments, and each planted mismatch found."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import Payment
from lendapp.db.types import utc_now
from lendapp.domain.allocation import Allocation, Dues
from lendapp.domain.postings import repayment_entry
from lendapp.services import loans
from lendapp.services.auth_errors import PermissionDeniedError
from lendapp.services.payments import start_payment
from lendapp.services.payments_reconciliation import reconciliation_report
from lendapp.services.payments_transfers import confirm_transfer
from tests.services.payments.helpers import PAY_DAY, PAY_TIME, deliver, payment

RECEIVED_AT = dt.datetime(2026, 2, 10, 4, 0, tzinfo=dt.UTC)


def _kinds(finance) -> set[tuple[str, str]]:
    return {(item.kind, item.subject) for item in reconciliation_report(finance)}


def test_clean_after_normal_payments(loan, finance, stripe_server) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    session_id = payment(started.reference).provider_session_id
    stripe_server.pay(session_id)
    deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    assert reconciliation_report(finance) == []


def test_planted_mismatches_found(loan, finance, stripe_server, monkeypatch) -> None:
    principal, number, loan_id = loan
    # A Stripe event that matches no payment.
    stray = stripe_server.session_event("checkout.session.completed", _stray_session(stripe_server), created=PAY_TIME)
    assert deliver(stray)[0] == 503
    # A succeeded payment whose posting is missing.
    unposted = start_payment(principal, number, "installment", on=PAY_DAY)
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.reference == unposted.reference)).one()
        row.status, row.received_minor = "succeeded", row.amount_minor
    # A repayment posting that no payment explains.
    with session_scope() as session:
        allocation = Allocation(amount=Decimal("10.00"), applied=Dues(), credit_before=Decimal(0), credit_after=Decimal("10.00"))
        loans.post_entry(session, loan_id, repayment_entry("manual-cash-1", str(loan_id), PAY_DAY, allocation))
    # Bank transfers: one received short, one waiting for ten days.
    monkeypatch.delenv("STRIPE_SECRET_KEY")
    from lendapp.settings import get_settings

    get_settings.cache_clear()
    short = start_payment(principal, number, "payoff", on=PAY_DAY)
    confirm_transfer(finance, short.reference, Decimal("500.00"), RECEIVED_AT, "BOC-1")
    waiting = start_payment(principal, number, "installment", on=PAY_DAY + dt.timedelta(days=1))
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.reference == waiting.reference)).one()
        row.created_at = utc_now() - dt.timedelta(days=10)
    found = _kinds(finance)
    assert ("event_without_payment", stray["id"]) in found
    assert ("payment_without_posting", unposted.reference) in found
    assert ("posting_without_payment", "manual-cash-1") in found
    assert ("amount_difference", short.reference) in found
    assert ("transfer_unconfirmed", waiting.reference) in found
    assert len(found) == 5


def test_report_needs_reconciliation_permission(loan) -> None:
    principal, _, _ = loan
    with pytest.raises(PermissionDeniedError):
        reconciliation_report(principal)


def _stray_session(stripe_server) -> str:
    created = stripe_server.handle("POST", "/v1/checkout/sessions", {}, {
        "line_items": [{"quantity": "1", "price_data": {"currency": "cny", "unit_amount": "100"}}],
        "payment_method_types": ["card"], "success_url": "https://example.invalid/ok", "cancel_url": "https://example.invalid/no",
        "client_reference_id": "RP-OTHER-SYSTEM",
    }, None)[1]
    stripe_server.pay(created["id"])
    return created["id"]
