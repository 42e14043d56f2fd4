"""Reconciliation (对账) of Stripe events, bank transfers, payments and ledger postings.

The report lists what does not match, each as one ``Mismatch``:

- ``event_without_payment``: a Stripe event still deferred because no payment matches it.
- ``payment_without_posting``: a succeeded payment whose repayment entry is missing.
- ``posting_without_payment``: a repayment entry that no payment and no credit application explains.
- ``transfer_unconfirmed``: a bank transfer waiting for confirmation longer than ``TRANSFER_CONFIRM_DAYS``.
- ``amount_difference``: money received differs from the amount asked for.
- ``refund_not_posted``: a refund larger than the credit balance it could be taken from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, Loan, Payment, WebhookEvent
from lendapp.db.types import utc_now
from lendapp.domain.ledger import EntryKind
from lendapp.domain.permissions import Permission
from lendapp.services.auth_errors import PermissionDeniedError
from lendapp.services.payments import OPEN_STATUSES, SUCCEEDED_STATUSES
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Mismatch:
    """One reconciliation finding.

    Attributes:
        kind: One of the kinds in the module docstring.
        subject: The event id, payment reference or ledger key concerned.
        loan_number: The loan, when known.
        expected_minor, actual_minor: Amounts in fen where the finding is about an amount.
    """

    kind: str
    subject: str
    loan_number: str
    expected_minor: int | None = None
    actual_minor: int | None = None


def reconciliation_report(principal: Principal, *, now: dt.datetime | None = None) -> list[Mismatch]:
    """List every mismatch between Stripe events, payments and ledger postings.

    Raises:
        PermissionDeniedError: The caller lacks ``reconciliation``.
    """
    if not principal.can(Permission.RECONCILIATION):
        raise PermissionDeniedError("auth.error.forbidden")
    now = now or utc_now()
    stale_before = now - dt.timedelta(days=get_settings().transfer_confirm_days)
    findings: list[Mismatch] = []
    with session_scope() as session:
        numbers = dict(session.exec(select(Loan.id, Loan.number)).all())
        for event in session.exec(select(WebhookEvent).where(WebhookEvent.outcome == "deferred").order_by(WebhookEvent.id)):
            findings.append(Mismatch("event_without_payment", event.event_id, ""))
        payments = session.exec(select(Payment).order_by(Payment.id)).all()
        posted = set(session.exec(select(LedgerEntry.idempotency_key).where(LedgerEntry.kind == EntryKind.REPAYMENT.value)).all())
        payment_keys = set()
        for payment in payments:
            number = numbers.get(payment.loan_id, "")
            key = f"payment-{payment.reference}"
            payment_keys.add(key)
            if payment.status in SUCCEEDED_STATUSES:
                if key not in posted:
                    findings.append(Mismatch("payment_without_posting", payment.reference, number, payment.received_minor, 0))
                if payment.received_minor != payment.amount_minor:
                    findings.append(Mismatch("amount_difference", payment.reference, number, payment.amount_minor, payment.received_minor))
            if payment.failure_code == "refund_exceeds_credit":
                findings.append(Mismatch("refund_not_posted", payment.reference, number, payment.refunded_minor, None))
            if payment.provider == "bank_transfer" and payment.status in OPEN_STATUSES and payment.created_at < stale_before:
                findings.append(Mismatch("transfer_unconfirmed", payment.reference, number, payment.amount_minor, None))
        entries = session.exec(select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REPAYMENT.value).order_by(LedgerEntry.id))
        for entry in entries:
            # Credit applications (loan-<id>:credit:<date>) move existing credit and need no payment.
            if entry.idempotency_key in payment_keys or ":credit:" in entry.idempotency_key:
                continue
            findings.append(Mismatch("posting_without_payment", entry.idempotency_key, numbers.get(entry.loan_id, "")))
    logger.info("Reconciliation found %d mismatches", len(findings))
    return findings
