"""The Stripe webhook route: signatures, exactly-once application, ordering, waiting and abandoned payments."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanInstallment, Payment
from lendapp.services import loans
from lendapp.services.payments import get_payment, start_payment
from lendapp.services.payments_events import refresh_payment
from tests.services.payments.helpers import (
    PAY_DAY,
    PAY_TIME,
    deliver,
    event_rows,
    payment,
    repayment_keys,
    stale_timestamp,
)


def _start(loan, stripe_server, purpose: str = "installment"):
    principal, number, _ = loan
    started = start_payment(principal, number, purpose, on=PAY_DAY)
    return started, payment(started.reference).provider_session_id


def _first_row(loan_id: int) -> LoanInstallment:
    with session_scope() as session:
        return session.exec(select(LoanInstallment).where(LoanInstallment.loan_id == loan_id, LoanInstallment.seq == 1)).one()


def test_completed_event_applies_installment(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id)
    status, body = deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    assert status == 200
    assert body["outcome"] == "applied"
    stored = payment(started.reference)
    assert stored.status == "succeeded"
    assert stored.received_minor == 106619
    assert stored.ledger_key == f"payment-{started.reference}"
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]
    assert _first_row(loan_id).status == "paid"
    with session_scope() as session:
        assert loans.balances_of(session, loan_id).credit == 0
        assert loans.ledger_is_balanced(session)


def test_duplicate_delivery_three_times(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id)
    event = stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME)
    outcomes = [deliver(event) for _ in range(3)]
    assert [status for status, _ in outcomes] == [200, 200, 200]
    assert [body["outcome"] for _, body in outcomes] == ["applied", "duplicate", "duplicate"]
    assert event_rows() == [(event["id"], "applied")]
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]
    with session_scope() as session:
        assert loans.balances_of(session, loan_id).principal == Decimal("12000.00") - _first_row(loan_id).principal


def test_out_of_order_events_never_undo_success(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    intent_id = payment(started.reference).provider_payment_intent
    stripe_server.pay(session_id)
    succeeded = stripe_server.intent_event("payment_intent.succeeded", intent_id, created=PAY_TIME)
    completed = stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME)
    # An earlier failed attempt and an expiry notice arrive after the success.
    failed_attempt = stripe_server.intent_event("payment_intent.payment_failed", intent_id, created=PAY_TIME - 60, error_code="card_declined")
    failed_attempt["data"]["object"]["status"] = "requires_payment_method"
    expired = stripe_server.session_event("checkout.session.expired", session_id, created=PAY_TIME + 60)
    async_failed = stripe_server.session_event("checkout.session.async_payment_failed", session_id, created=PAY_TIME + 90)
    results = [deliver(event)[1]["outcome"] for event in (succeeded, failed_attempt, completed, expired, async_failed)]
    assert results == ["applied", "ignored", "ignored", "ignored", "ignored"]
    stored = payment(started.reference)
    assert stored.status == "succeeded"
    assert stored.failure_code == ""
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]


def test_bad_signatures_rejected_with_400(loan, stripe_server) -> None:
    _, _, loan_id = loan
    _, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id)
    event = stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME)
    tampered = json.loads(json.dumps(event))
    tampered["data"]["object"]["amount_total"] = 1
    cases = {
        "tampered body": deliver(event, body=json.dumps(tampered).encode()),
        "wrong secret": deliver(event, secret="whsec_someone_else"),
        "old timestamp": deliver(event, timestamp=stale_timestamp()),
    }
    for name, (status, body) in cases.items():
        assert status == 400, name
        assert body == {"error": "invalid_signature"}, name
    assert event_rows() == []
    assert repayment_keys(loan_id) == []


def test_missing_signature_header_rejected(loan, stripe_server) -> None:
    from starlette.testclient import TestClient

    from lendapp.api.routes import build_api

    with TestClient(build_api()) as client:
        response = client.post("/api/stripe/webhook", content=b'{"id": "evt_x", "type": "checkout.session.completed"}')
    assert response.status_code == 400
    assert event_rows() == []


def test_event_before_session_id_is_stored(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    # As if the webhook won the race against storing the session id after creating it.
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.reference == started.reference)).one()
        row.provider_session_id = None
        row.provider_payment_intent = None
    stripe_server.pay(session_id)
    status, body = deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    assert status == 200
    assert body["outcome"] == "applied"
    stored = payment(started.reference)
    assert stored.provider_session_id == session_id
    assert stored.status == "succeeded"
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]


def test_event_for_unknown_payment_deferred_then_applied(loan, stripe_server) -> None:
    principal, number, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id)
    event = stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME)
    # The local row is missing (for example a database restored from a backup taken before the payment).
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.reference == started.reference)).one()
        saved = row.model_dump()
        session.delete(row)
    status, body = deliver(event)
    assert status == 503
    assert body["outcome"] == "deferred"
    assert event_rows() == [(event["id"], "deferred")]
    assert repayment_keys(loan_id) == []
    with session_scope() as session:
        session.add(Payment(**saved))
    status, body = deliver(event)
    assert status == 200
    assert body["outcome"] == "applied"
    assert event_rows() == [(event["id"], "applied")]
    assert deliver(event)[1]["outcome"] == "duplicate"
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]


def test_async_payment_failed_marks_failed(loan, stripe_server) -> None:
    principal, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id, intent_status="processing")
    status, body = deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    assert (status, body["outcome"]) == (200, "applied")
    assert get_payment(principal, started.reference).display_state == "processing"
    deliver(stripe_server.session_event("checkout.session.async_payment_failed", session_id, created=PAY_TIME + 60))
    view = get_payment(principal, started.reference)
    assert view.status == "failed"
    assert view.display_state == "failed"
    assert repayment_keys(loan_id) == []


def test_async_payment_succeeded_applies(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id, intent_status="processing")
    deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    stripe_server.pay(session_id)
    status, body = deliver(stripe_server.session_event("checkout.session.async_payment_succeeded", session_id, created=PAY_TIME + 60))
    assert (status, body["outcome"]) == (200, "applied")
    assert payment(started.reference).status == "succeeded"
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]


def test_expired_session_is_abandoned_not_failed(loan, stripe_server) -> None:
    principal, number, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.expire(session_id)
    deliver(stripe_server.session_event("checkout.session.expired", session_id, created=PAY_TIME))
    view = get_payment(principal, started.reference)
    assert view.status == "expired"
    assert view.display_state == "expired"
    # Paying again starts a new attempt, because the expired one is closed.
    again = start_payment(principal, number, "installment", on=PAY_DAY)
    assert again.reference != started.reference
    assert again.reused is False


def test_failed_attempt_leaves_payment_waiting(loan, stripe_server) -> None:
    principal, _, _ = loan
    started, session_id = _start(loan, stripe_server)
    intent_id = payment(started.reference).provider_payment_intent
    event = stripe_server.intent_event("payment_intent.payment_failed", intent_id, created=PAY_TIME, error_code="card_declined")
    status, body = deliver(event)
    assert (status, body["outcome"]) == (200, "applied")
    view = get_payment(principal, started.reference)
    assert view.status == "pending"
    assert view.provider_status == "requires_payment_method"
    assert view.display_state == "waiting"


def test_requires_action_shown_as_waiting(loan, stripe_server) -> None:
    principal, _, _ = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id, intent_status="requires_action")
    view = refresh_payment(principal, started.reference)
    assert view.display_state == "waiting"
    assert view.provider_status == "requires_action"
    assert view.status == "pending"


def test_success_page_read_applies_before_webhook(loan, stripe_server) -> None:
    principal, _, loan_id = loan
    started, session_id = _start(loan, stripe_server)
    stripe_server.pay(session_id)
    view = refresh_payment(principal, started.reference)
    assert view.display_state == "paid"
    assert view.received == Decimal("1066.19")
    status, body = deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    assert (status, body["outcome"]) == (200, "ignored")
    assert repayment_keys(loan_id) == [f"payment-{started.reference}"]


def test_payoff_closes_loan(loan, stripe_server) -> None:
    _, _, loan_id = loan
    started, session_id = _start(loan, stripe_server, "payoff")
    stripe_server.pay(session_id)
    deliver(stripe_server.session_event("checkout.session.completed", session_id, created=PAY_TIME))
    with session_scope() as session:
        stored_loan = session.get(Loan, loan_id)
        balances = loans.balances_of(session, loan_id)
        assert stored_loan.state == "settled_early"
        assert balances.total_receivable == 0
        assert balances.credit == 0
        assert loans.ledger_is_balanced(session)
