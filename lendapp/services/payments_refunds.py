"""Refunds of a borrower's credit balance (an overpayment), by finance.

With Stripe the refund goes back on the loan's latest card, Alipay or WeChat
Pay payment that still has enough unrefunded money. The Stripe call runs
inside the transaction that posts the refund and locks the payment row, and it
uses the same ledger key scheme as the ``charge.refunded`` webhook
(``payment-<reference>:refund:<cumulative fen>``). The webhook for that
refund therefore finds nothing left to post. If the commit fails after Stripe
has refunded, the webhook posts it instead. Without Stripe, finance pays the
amount out by bank transfer and this records it.
"""

from __future__ import annotations

import dataclasses
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, LedgerLine, Loan, Payment
from lendapp.db.types import utc_now
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.ledger import Account
from lendapp.domain.money import to_minor_units
from lendapp.domain.permissions import Permission
from lendapp.domain.postings import refund_entry
from lendapp.integrations import stripe_gateway
from lendapp.services import loans
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.kyc import local_today
from lendapp.services.payments import PaymentGatewayError
from lendapp.services.payments_events import ledger_key_of
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

MAX_REQUEST_KEY = 64


@dataclasses.dataclass(frozen=True)
class RefundResult:
    """A credit balance refund.

    Attributes:
        method: stripe (back to a payment) or bank_transfer (paid out by finance).
        payment_reference: The Stripe payment refunded, if any.
        replayed: The same request had already been processed, so nothing changed.
    """

    loan_number: str
    amount: Decimal
    method: str
    payment_reference: str | None
    credit_after: Decimal
    replayed: bool


def refund_credit_balance(principal: Principal, loan_number: str, amount: Decimal, request_key: str, *,
                          client_ip: str = "") -> RefundResult:
    """Refund part or all of a loan's credit balance to the borrower, once per ``request_key``.

    Args:
        principal: Finance staff holding ``refund``.
        loan_number: The loan whose credit balance is refunded.
        amount: Yuan to refund, at most the credit balance.
        request_key: A key the form generates once; sending it again (a double click) changes nothing.

    Raises:
        PermissionDeniedError: The caller lacks ``refund``.
        NotFoundError: No loan with this number.
        InvalidInputError: Bad amount or key, or the amount exceeds the credit balance.
        PaymentGatewayError: Stripe refused or could not be reached; nothing was posted.
    """
    if not principal.can(Permission.REFUND):
        raise PermissionDeniedError("auth.error.forbidden")
    request_key = request_key.strip()
    if not request_key or len(request_key) > MAX_REQUEST_KEY:
        raise InvalidInputError("payments.error.request_key")
    with session_scope() as session:
        loan = session.exec(select(Loan).where(Loan.number == loan_number).with_for_update()).first()
        if loan is None:
            raise NotFoundError("payments.error.loan_not_found")
        memo = f"refund request {request_key}"
        done = session.exec(select(LedgerEntry).where(LedgerEntry.loan_id == loan.id, LedgerEntry.memo == memo)).first()
        credit = loans.balances_of(session, loan.id).credit
        if done is not None:
            return RefundResult(loan.number, amount, "replayed", None, credit, True)
        try:
            amount_minor = to_minor_units(amount, loan.currency)
        except InvalidValueError:
            raise InvalidInputError("payments.error.amount", field="amount") from None
        if amount_minor <= 0 or amount > credit:
            raise InvalidInputError("payments.error.refund_above_credit", field="amount", credit=str(credit))
        payment = _refundable_payment(session, loan.id, amount_minor) if get_settings().stripe_enabled else None
        on = local_today()
        if payment is not None:
            total = payment.refunded_minor + amount_minor
            key = f"{ledger_key_of(payment)}:refund:{total}"
            payment.refunded_minor = total
            payment.status = "refunded" if total >= payment.received_minor else "partially_refunded"
            payment.updated_at = utc_now()
            method = "stripe"
        else:
            key = f"loan-{loan.id}:refund:{request_key}"
            method = "bank_transfer"
        loans.post_entry(session, loan.id, refund_entry(key, str(loan.id), on, amount, loan.currency, memo))
        record_audit(
            session, action="payment.credit_refund", object_type="loan", object_id=loan.id, actor_id=principal.user_id,
            actor_role=principal.role, client_ip=client_ip,
            after={"amount": str(amount), "method": method, "payment": payment.reference if payment else None, "request_key": request_key},
        )
        session.flush()
        if payment is not None:
            try:
                stripe_gateway.create_refund(payment_intent=payment.provider_payment_intent, amount_minor=amount_minor,
                                             idempotency_key=f"refund-{loan.id}-{request_key}")
            except stripe_gateway.GatewayError as exc:
                # Raising rolls back the posting, so the ledger never shows a refund that Stripe did not make.
                raise PaymentGatewayError("payments.error.gateway") from exc
        logger.info("User %s refunded %s of loan %s's credit balance by %s", principal.user_id, amount, loan.number, method)
        return RefundResult(loan.number, amount, method, payment.reference if payment else None, credit - amount, False)


def _refundable_payment(session, loan_id: int, amount_minor: int) -> Payment | None:
    rows = session.exec(
        select(Payment)
        .where(Payment.loan_id == loan_id, Payment.provider == "stripe", Payment.status.in_(("succeeded", "partially_refunded")))
        .order_by(Payment.succeeded_at.desc())
        .with_for_update()
    ).all()
    for row in rows:
        if row.provider_payment_intent and row.received_minor - row.refunded_minor >= amount_minor:
            return row
    return None


def credit_balances(principal: Principal, limit: int = 50) -> list[tuple[str, Decimal]]:
    """Return loans with a credit balance as (loan number, credit in yuan), largest first, for the finance page."""
    if not principal.can(Permission.REFUND):
        raise PermissionDeniedError("auth.error.forbidden")
    credit = sa.func.sum(LedgerLine.credit) - sa.func.sum(LedgerLine.debit)
    query = (
        sa.select(Loan.number, credit)
        .join(Loan, Loan.id == LedgerLine.loan_id)
        .where(LedgerLine.account == Account.BORROWER_CREDIT_BALANCE.value)
        .group_by(Loan.number)
        .having(credit > 0)
        .order_by(credit.desc())
        .limit(limit)
    )
    with session_scope() as session:
        return [(number, Decimal(str(value)).quantize(Decimal("0.01"))) for number, value in session.execute(query)]
