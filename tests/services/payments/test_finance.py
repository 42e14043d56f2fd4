"""Finance actions: bank transfer confirmation, receipts, credit balance refunds and Stripe refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, LedgerEntry
from lendapp.services import loans
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.payments import get_payment, start_payment
from lendapp.services.payments_refunds import credit_balances, refund_credit_balance
from lendapp.services.payments_transfers import attach_transfer_receipt, confirm_transfer, read_transfer_receipt
from tests.services.payments.helpers import PAY_DAY, PAY_TIME, deliver, payment, repayment_keys

RECEIVED_AT = dt.datetime(2026, 2, 10, 4, 0, tzinfo=dt.UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _credit(loan_id: int) -> Decimal:
    with session_scope() as session:
        return loans.balances_of(session, loan_id).credit


def _audit_actions() -> list[str]:
    with session_scope() as session:
        return list(session.exec(select(AuditEntry.action).order_by(AuditEntry.sequence)).all())


def test_transfer_confirmation_idempotent(loan, finance) -> None:
    principal, number, loan_id = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    first = confirm_transfer(finance, started.reference, Decimal("1066.19"), RECEIVED_AT, "CMB20260210000123")
    again = confirm_transfer(finance, started.reference, Decimal("1066.19"), RECEIVED_AT, "CMB20260210000123")
    assert first.replayed is False
    assert again.replayed is True
    assert first.payment.display_state == "paid"
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]
    assert _audit_actions().count("payment.transfer_confirm") == 1
    stored = payment(started.reference)
    assert stored.confirmed_by == finance.user_id
    assert stored.received_minor == 106619
    with pytest.raises(InvalidInputError):
        confirm_transfer(finance, started.reference, Decimal("1000.00"), RECEIVED_AT, "CMB20260210000123")


def test_transfer_confirmation_needs_finance(loan) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    with pytest.raises(PermissionDeniedError):
        confirm_transfer(principal, started.reference, Decimal("1066.19"), RECEIVED_AT, "X1")
    assert payment(started.reference).status == "pending"


def test_overpayment_becomes_credit_and_refund(loan, finance) -> None:
    principal, number, loan_id = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    confirm_transfer(finance, started.reference, Decimal("1200.00"), RECEIVED_AT, "ICBC-778")
    assert _credit(loan_id) == Decimal("133.81")
    assert credit_balances(finance) == [(number, Decimal("133.81"))]
    with pytest.raises(InvalidInputError):
        refund_credit_balance(finance, number, Decimal("133.82"), "form-1")
    result = refund_credit_balance(finance, number, Decimal("100.00"), "form-1")
    replay = refund_credit_balance(finance, number, Decimal("100.00"), "form-1")
    assert result.method == "bank_transfer"
    assert result.replayed is False
    assert replay.replayed is True
    assert _credit(loan_id) == Decimal("33.81")
    with session_scope() as session:
        refunds = session.exec(select(LedgerEntry).where(LedgerEntry.kind == "refund")).all()
        assert len(refunds) == 1
        assert loans.ledger_is_balanced(session)
    with pytest.raises(PermissionDeniedError):
        refund_credit_balance(principal, number, Decimal("1.00"), "form-2")


def test_receipt_upload_and_finance_read(loan, finance) -> None:
    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    with pytest.raises(InvalidInputError):
        attach_transfer_receipt(principal, started.reference, "receipt.txt", b"plain text, not an image")
    view = attach_transfer_receipt(principal, started.reference, "回单.png", PNG)
    assert view.has_receipt_upload is True
    assert read_transfer_receipt(finance, started.reference) == ("image/png", PNG)
    assert read_transfer_receipt(principal, started.reference) == ("image/png", PNG)
    assert "payment.receipt_read" in _audit_actions()


def test_other_borrower_cannot_see_payment(loan) -> None:
    from lendapp.services.sessions import Principal

    principal, number, _ = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    stranger = Principal(principal.user_id + 1000, "borrower", 0, "x", False, False)
    with pytest.raises(NotFoundError):
        get_payment(stranger, started.reference)
    with pytest.raises(NotFoundError):
        attach_transfer_receipt(stranger, started.reference, "r.png", PNG)


def test_stripe_refund_of_credit_balance(loan, finance, stripe_server) -> None:
    principal, number, loan_id = loan
    started = start_payment(principal, number, "payoff", on=PAY_DAY)
    session_id = payment(started.reference).provider_session_id
    stripe_server.pay(session_id)
    # Paid two days after the quote's date, when the day's quote is higher, so the money is not a payoff.
    # Nothing is due before 2026-02-15, so all of it becomes credit balance.
    deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME + 2 * 86400))
    credit = _credit(loan_id)
    assert credit == started.amount
    result = refund_credit_balance(finance, number, Decimal("500.00"), "form-9")
    assert result.method == "stripe"
    assert result.payment_reference == started.reference
    [refund] = stripe_server.refunds.values()
    assert refund["amount"] == 50000
    intent_id = payment(started.reference).provider_payment_intent
    status, body = deliver(stripe_server.charge_refunded_event(intent_id))
    assert (status, body["outcome"]) == (200, "ignored")
    assert _credit(loan_id) == credit - Decimal("500.00")
    assert payment(started.reference).status == "partially_refunded"


def test_full_refund_of_applied_payment_flagged(loan, stripe_server) -> None:
    principal, number, loan_id = loan
    started = start_payment(principal, number, "installment", on=PAY_DAY)
    session_id = payment(started.reference).provider_session_id
    stripe_server.pay(session_id)
    deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    intent_id = payment(started.reference).provider_payment_intent
    # A refund made in Stripe's dashboard, outside lendapp.
    stripe_server.handle("POST", "/v1/refunds", {}, {"payment_intent": intent_id, "amount": "106619"}, "dashboard-1")
    event = stripe_server.charge_refunded_event(intent_id)
    assert deliver(event)[1]["outcome"] == "applied"
    assert deliver(event)[1]["outcome"] == "duplicate"
    stored = payment(started.reference)
    assert stored.status == "refunded"
    assert stored.refunded_minor == 106619
    assert stored.failure_code == "refund_exceeds_credit"
    assert _credit(loan_id) == 0
