"""Applying payment outcomes: Stripe webhook events, Checkout Session reads and the shared fulfilment step.

Exactly once: each Stripe event id is inserted into ``webhook_event`` in the
same transaction as its effect (payment status, ledger entries, installment
rows, audit entry). A redelivered event finds its row and changes nothing. A
crash before the commit leaves neither the row nor the effect, so the
redelivery applies it once. The repayment itself is posted under the key
``payment-<reference>``, so the webhook and the success page, which may both
see the same success, post it once.

Ordering: events may arrive in any order. A succeeded payment never goes back
to pending, failed or expired. An expired session is abandoned, not failed. A
failed PaymentIntent attempt inside Checkout leaves the payment waiting,
because the customer can retry with another method until the session ends.

Events for a payment this database does not know are recorded as
``deferred`` and get a 503 response, so Stripe redelivers them (with backoff,
for up to three days in live mode). A redelivered deferred event is processed
again, and the reconciliation report lists the deferred ones that are left.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, Payment, WebhookEvent
from lendapp.db.types import utc_now
from lendapp.domain.money import ZERO, from_minor_units
from lendapp.domain.postings import refund_entry
from lendapp.integrations import stripe_gateway
from lendapp.services import loans, notifications
from lendapp.services.audit import record_audit
from lendapp.services.payments import (
    OPEN_STATUSES,
    SUCCEEDED_STATUSES,
    WAITING_INTENT_STATUSES,
    PaymentView,
    local_date_of,
    own_payment,
    quote_from_json,
    view_of,
)
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

OBJECT_TYPE = "payment"
HANDLED_EVENTS = frozenset({
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.processing",
    "payment_intent.requires_action",
    "charge.refunded",
})


@dataclasses.dataclass(frozen=True)
class EventOutcome:
    """Result of one webhook delivery.

    Attributes:
        outcome: applied, ignored (nothing to change), deferred (payment unknown) or duplicate.
    """

    event_id: str
    outcome: str
    reference: str | None = None
    status: str | None = None


def ledger_key_of(payment: Payment) -> str:
    """Return the idempotency key of the payment's repayment entry."""
    return f"payment-{payment.reference}"


# --- Fulfilment -----------------------------------------------------------------------------------


def fulfil(session: Session, payment: Payment, received_minor: int, on: dt.date, *, actor_id: int | None = None,
           actor_role: str = "system", source: str = "stripe") -> bool:
    """Apply a succeeded payment through the waterfall and post it, once.

    Returns:
        True when the payment was applied now, False when it already had been.
    """
    if payment.status in SUCCEEDED_STATUSES:
        return False
    loan = session.exec(select(Loan).where(Loan.id == payment.loan_id).with_for_update()).one()
    amount = from_minor_units(received_minor, payment.currency)
    through = payoff = None
    if payment.purpose == "payoff" and payment.payoff_quote_json:
        quote = quote_from_json(payment.payoff_quote_json)
        if quote.on != on:
            # A quote is valid on its own date only, so money arriving later is checked against that day's quote.
            quote = loans.quote_payoff(session, loan, on)
        # NOTE: money short of the quote goes through the ordinary waterfall and whatever is not
        # due yet becomes credit balance, which the daily credit step applies as rows fall due.
        if amount >= quote.total:
            payoff = quote
    elif payment.purpose == "installment":
        through = loans.position_of(session, loan, on).next_due_date
    key = ledger_key_of(payment)
    result = loans.apply_repayment(session, loan, amount, on, key, through=through, payoff=payoff, memo=payment.reference)
    previous = payment.status
    payment.status = "succeeded"
    payment.received_minor = received_minor
    payment.succeeded_at = payment.succeeded_at or utc_now()
    payment.ledger_key = key
    payment.updated_at = utc_now()
    session.add(payment)
    record_audit(
        session, action="payment.succeeded", object_type=OBJECT_TYPE, object_id=payment.id, actor_id=actor_id,
        actor_role=actor_role, before={"status": previous},
        after={"status": "succeeded", "reference": payment.reference, "received_minor": received_minor, "source": source,
               "loan_state": result.state, "credit_balance": str(result.credit_balance)},
    )
    notifications.notify(
        session, loan.borrower_id, "payment_received",
        {"amount": str(amount), "loan_number": loan.number, "paid_date": on.isoformat()},
        loan_id=loan.id, dedupe_key=f"payment_received:{payment.reference}",
    )
    logger.info("Payment %s succeeded: %s fen applied to loan %s (%s)", payment.reference, received_minor, loan.number, source)
    return True


def _record_refund(session: Session, payment: Payment, refunded_total_minor: int) -> bool:
    """Bring the payment's refunded amount up to Stripe's cumulative total and post the difference.

    The refund is taken from the borrower's credit balance (an overpayment).
    NOTE: a refund larger than the credit balance would reverse money already applied to
    installments; the loan engine has no reversal posting, so only the credit part is posted,
    ``failure_code`` is set to refund_exceeds_credit and reconciliation lists it for finance.
    """
    change = refunded_total_minor - payment.refunded_minor
    if change <= 0:
        return False
    amount = from_minor_units(change, payment.currency)
    credit = loans.balances_of(session, payment.loan_id).credit
    posted = min(amount, credit)
    on = local_date_of(utc_now())
    if posted > ZERO:
        key = f"{ledger_key_of(payment)}:refund:{refunded_total_minor}"
        loans.post_entry(session, payment.loan_id, refund_entry(key, str(payment.loan_id), on, posted, payment.currency, payment.reference))
    if posted < amount:
        payment.failure_code = "refund_exceeds_credit"
        logger.warning("Refund on payment %s exceeds the credit balance by %s; finance must review it", payment.reference, amount - posted)
    before = payment.status
    payment.refunded_minor = refunded_total_minor
    if payment.status in SUCCEEDED_STATUSES:
        payment.status = "refunded" if refunded_total_minor >= payment.received_minor else "partially_refunded"
    payment.updated_at = utc_now()
    session.add(payment)
    record_audit(
        session, action="payment.refunded", object_type=OBJECT_TYPE, object_id=payment.id, before={"status": before},
        after={"status": payment.status, "refunded_minor": refunded_total_minor, "posted": str(posted)},
    )
    return True


# --- Webhook events -------------------------------------------------------------------------------


def _reference_of(obj: dict[str, Any]) -> str | None:
    metadata = obj.get("metadata") or {}
    return obj.get("client_reference_id") or metadata.get("payment_reference")


def _find_payment(session: Session, event_type: str, obj: dict[str, Any]) -> Payment | None:
    conditions = []
    if event_type.startswith("checkout.session."):
        conditions.append(Payment.provider_session_id == obj.get("id"))
    intent = obj.get("id") if event_type.startswith("payment_intent.") else obj.get("payment_intent")
    if isinstance(intent, str) and intent:
        conditions.append(Payment.provider_payment_intent == intent)
    reference = _reference_of(obj)
    if reference:
        conditions.append(Payment.reference == reference)
    if not conditions:
        return None
    return session.exec(select(Payment).where(sa.or_(*conditions)).with_for_update()).first()


def _link_ids(payment: Payment, event_type: str, obj: dict[str, Any]) -> None:
    if event_type.startswith("checkout.session.") and not payment.provider_session_id:
        payment.provider_session_id = obj.get("id")
    intent = obj.get("id") if event_type.startswith("payment_intent.") else obj.get("payment_intent")
    if isinstance(intent, str) and intent and not payment.provider_payment_intent:
        payment.provider_payment_intent = intent


def _set_waiting(payment: Payment, provider_status: str, failure_code: str = "") -> bool:
    if payment.status not in OPEN_STATUSES:
        return False
    payment.status = "pending"
    payment.provider_status = provider_status
    if failure_code:
        payment.failure_code = failure_code[:64]
    payment.updated_at = utc_now()
    return True


def _close(session: Session, payment: Payment, status: str, code: str) -> bool:
    # Final states other than success apply only to a payment still open; success always wins.
    if payment.status not in OPEN_STATUSES:
        return False
    before = payment.status
    payment.status = status
    payment.failure_code = code
    payment.updated_at = utc_now()
    record_audit(session, action=f"payment.{status}", object_type=OBJECT_TYPE, object_id=payment.id,
                 before={"status": before}, after={"status": status, "reference": payment.reference})
    return True


def _apply_event(session: Session, payment: Payment, event_type: str, obj: dict[str, Any], created: int) -> bool:
    _link_ids(payment, event_type, obj)
    paid_on = local_date_of(dt.datetime.fromtimestamp(created, dt.UTC)) if created else local_date_of(utc_now())
    if event_type == "checkout.session.completed":
        if obj.get("payment_status") == "paid":
            return fulfil(session, payment, int(obj["amount_total"]), paid_on)
        # An asynchronous method (such as a delayed bank debit) completed the form but the money is still on its way.
        return _set_waiting(payment, "processing")
    if event_type == "checkout.session.async_payment_succeeded":
        return fulfil(session, payment, int(obj["amount_total"]), paid_on)
    if event_type == "checkout.session.async_payment_failed":
        return _close(session, payment, "failed", "async_payment_failed")
    if event_type == "checkout.session.expired":
        return _close(session, payment, "expired", "")
    if event_type == "payment_intent.succeeded":
        return fulfil(session, payment, int(obj.get("amount_received") or obj["amount"]), paid_on)
    if event_type == "payment_intent.payment_failed":
        error = obj.get("last_payment_error") or {}
        return _set_waiting(payment, obj.get("status") or "requires_payment_method", error.get("code") or error.get("type") or "")
    if event_type in ("payment_intent.processing", "payment_intent.requires_action"):
        return _set_waiting(payment, obj.get("status") or event_type.rsplit(".", 1)[1])
    if event_type == "charge.refunded":
        return _record_refund(session, payment, int(obj.get("amount_refunded") or 0))
    return False


def handle_stripe_event(event: dict[str, Any]) -> EventOutcome:
    """Record a verified Stripe event and apply its effect in one transaction.

    Raises:
        sqlalchemy.exc.IntegrityError: A concurrent transaction changed the same
            rows first and this event was not recorded; Stripe's redelivery retries it.
    """
    event_id, event_type = event["id"], event["type"]
    obj = event.get("data", {}).get("object", {})
    try:
        with session_scope() as session:
            stored = session.exec(select(WebhookEvent).where(WebhookEvent.event_id == event_id)).first()
            if stored is not None and stored.outcome != "deferred":
                logger.info("Stripe event %s (%s) was already processed: %s", event_id, event_type, stored.outcome)
                return EventOutcome(event_id, "duplicate")
            payment = _find_payment(session, event_type, obj) if event_type in HANDLED_EVENTS else None
            if payment is None:
                outcome = "deferred" if event_type in HANDLED_EVENTS else "ignored"
            else:
                outcome = "applied" if _apply_event(session, payment, event_type, obj, int(event.get("created") or 0)) else "ignored"
            if stored is None:
                stored = WebhookEvent(event_id=event_id, event_type=event_type, object_id=str(obj.get("id") or "")[:255],
                                      provider_created=int(event.get("created") or 0))
            stored.outcome = outcome
            session.add(stored)
            session.flush()
            logger.info("Stripe event %s (%s): %s", event_id, event_type, outcome)
            return EventOutcome(event_id, outcome, payment.reference if payment else None, payment.status if payment else None)
    except sa.exc.IntegrityError:
        with session_scope() as session:
            done = session.exec(select(WebhookEvent).where(WebhookEvent.event_id == event_id, WebhookEvent.outcome != "deferred")).first()
        if done is not None:
            return EventOutcome(event_id, "duplicate")
        raise


# --- Reading a payment back from Stripe -----------------------------------------------------------


def refresh_payment(principal: Principal, reference: str) -> PaymentView:
    """Return a payment after re-reading its Checkout Session from Stripe.

    The success page calls this, so the borrower is shown the real state before
    the webhook arrives. A paid session is fulfilled here under the same
    ledger key the webhook uses; an expired one is marked expired. Stripe
    being unreachable leaves the stored state, which is still shown.

    Raises:
        NotFoundError: No such payment, or another borrower's.
    """
    with session_scope() as session:
        payment, loan = own_payment(session, principal, reference)
        session_id, provider, status = payment.provider_session_id, payment.provider, payment.status
        if provider != "stripe" or not session_id or status not in OPEN_STATUSES:
            return view_of(payment, loan.number)
    try:
        checkout = stripe_gateway.retrieve_checkout_session(session_id)
    except stripe_gateway.GatewayError:
        logger.warning("Showing the stored state of payment %s because Stripe could not be read", reference)
        return _stored_view(principal, reference)
    with session_scope() as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference).with_for_update()).one()
        if checkout.payment_status == "paid":
            fulfil(session, payment, int(checkout.amount_total or 0), local_date_of(utc_now()), source="checkout_session_read")
        elif checkout.status == "expired":
            _close(session, payment, "expired", "")
        elif checkout.payment_intent_status in WAITING_INTENT_STATUSES:
            _set_waiting(payment, checkout.payment_intent_status)
        session.flush()
        return view_of(payment, session.get(Loan, payment.loan_id).number)


def _stored_view(principal: Principal, reference: str) -> PaymentView:
    with session_scope() as session:
        payment, loan = own_payment(session, principal, reference)
        return view_of(payment, loan.number)
