"""Starting a repayment (还款) and reading its state: Stripe Checkout or bank transfer.

``start_payment`` is the entry point for the borrower dashboard. It computes
the amount from the loan engine, stores one ``Payment`` row per attempt and
returns either a Stripe Checkout URL or bank transfer instructions.

A double click must never create two payments. Each attempt has an
idempotency key built from the loan, purpose, date, amount and provider plus an
attempt number, so a second click finds the open payment with the same key
and reuses it. Two clicks racing past that check collide on the unique key and
the loser reuses the winner's row. The same key is sent to Stripe as the
Idempotency-Key, so even a retried create returns the first Checkout Session.

The Payment row is committed before Stripe is called. A webhook that arrives
before the session id is stored therefore still finds the payment through the
session's ``client_reference_id`` (the payment reference).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import secrets
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, Payment
from lendapp.db.types import utc_now
from lendapp.domain.allocation import Dues
from lendapp.domain.money import from_minor_units, to_minor_units
from lendapp.domain.payoff import PayoffQuote
from lendapp.domain.permissions import Permission
from lendapp.integrations import stripe_gateway
from lendapp.services import loans
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import AccountsError, InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.kyc import local_today
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

PURPOSES = ("installment", "overdue", "payoff")
OPEN_STATUSES = frozenset({"created", "pending"})
SUCCEEDED_STATUSES = frozenset({"succeeded", "partially_refunded", "refunded"})
# PaymentIntent statuses in which Stripe still waits for the customer or the bank: never shown as failed.
WAITING_INTENT_STATUSES = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "processing"})


class PaymentGatewayError(AccountsError):
    """Stripe could not be reached; the payment stays open and the same click can be repeated."""


@dataclasses.dataclass(frozen=True)
class TransferInstructions:
    """Bank transfer details a borrower needs to pay: the lender's account, the reference and the amount."""

    bank_name: str
    account_name: str
    account_number: str
    reference: str
    amount: Decimal
    currency: str


@dataclasses.dataclass(frozen=True)
class PaymentStart:
    """The result of ``start_payment``.

    Attributes:
        checkout_url: Stripe's hosted Checkout page, for the stripe provider.
        transfer: Bank transfer instructions, for the bank_transfer provider.
        reused: A payment already open for the same loan, purpose and amount was returned.
    """

    reference: str
    provider: str
    purpose: str
    amount: Decimal
    currency: str
    checkout_url: str | None
    transfer: TransferInstructions | None
    reused: bool


@dataclasses.dataclass(frozen=True)
class PaymentView:
    """One payment as the borrower's result page and the finance page show it.

    Attributes:
        display_state: paid, processing, waiting, expired, failed, refunded or awaiting_transfer.
    """

    reference: str
    loan_number: str
    purpose: str
    provider: str
    amount: Decimal
    received: Decimal
    refunded: Decimal
    currency: str
    status: str
    provider_status: str
    display_state: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None
    has_receipt_upload: bool


def local_date_of(moment: dt.datetime) -> dt.date:
    """Return the date of ``moment`` in the configured time zone."""
    return moment.astimezone(get_settings().timezone_info).date()


# --- Payoff quotes as stored ----------------------------------------------------------------------


def quote_to_json(quote: PayoffQuote) -> str:
    """Serialize a payoff quote; ``on`` is its validity date."""
    dues = {field.name: str(getattr(quote.dues, field.name)) for field in dataclasses.fields(Dues)}
    return json.dumps({
        "on": quote.on.isoformat(),
        "dues": dues,
        "principal_not_due": str(quote.principal_not_due),
        "accrued_interest": str(quote.accrued_interest),
        "prepayment_fee": str(quote.prepayment_fee),
        "total": str(quote.total),
    }, sort_keys=True)


def quote_from_json(text: str) -> PayoffQuote:
    """Rebuild a quote stored by ``quote_to_json``."""
    data = json.loads(text)
    return PayoffQuote(
        on=dt.date.fromisoformat(data["on"]),
        dues=Dues(**{name: Decimal(value) for name, value in data["dues"].items()}),
        principal_not_due=Decimal(data["principal_not_due"]),
        accrued_interest=Decimal(data["accrued_interest"]),
        prepayment_fee=Decimal(data["prepayment_fee"]),
    )


# --- Starting a payment ---------------------------------------------------------------------------


def _own_open_loan(session: Session, principal: Principal, loan_number: str) -> Loan:
    loan = session.exec(select(Loan).where(Loan.number == loan_number, Loan.borrower_id == principal.user_id)).first()
    if loan is None:
        raise NotFoundError("payments.error.loan_not_found")
    if loan.state not in loans.OPEN_STATES:
        raise InvalidInputError("payments.error.loan_closed")
    return loan


def amount_for(session: Session, loan: Loan, purpose: str, on: dt.date) -> tuple[Decimal, str | None]:
    """Return what ``purpose`` costs on ``on`` and, for a payoff, the quote as JSON.

    - installment: the unpaid part of the next installment due on or after ``on``.
    - overdue: everything past due, penalty and late fees included.
    - payoff: the payoff quote's total.

    The waterfall still pays the oldest dues first, so an installment payment
    made while arrears exist reduces the arrears.
    """
    if purpose == "payoff":
        quote = loans.quote_payoff(session, loan, on)
        return quote.total, quote_to_json(quote)
    position = loans.position_of(session, loan, on)
    if purpose == "overdue":
        return position.overdue_amount, None
    return position.next_due_amount, None


def _key_prefix(loan: Loan, purpose: str, on: dt.date, amount_minor: int, provider: str) -> str:
    return f"loan-{loan.id}:{purpose}:{on.isoformat()}:{amount_minor}:{provider}"


def _open_payment(session: Session, prefix: str) -> tuple[Payment | None, int]:
    rows = session.exec(select(Payment).where(Payment.idempotency_key.startswith(prefix + ":"))).all()
    for row in rows:
        if row.status in OPEN_STATUSES:
            return row, len(rows)
    return None, len(rows)


def _create_or_reuse(principal: Principal, loan_number: str, purpose: str, on: dt.date, provider: str) -> tuple[Payment, str, bool]:
    with session_scope() as session:
        loan = _own_open_loan(session, principal, loan_number)
        amount, quote_json = amount_for(session, loan, purpose, on)
        if amount <= 0:
            raise InvalidInputError("payments.error.nothing_due")
        amount_minor = to_minor_units(amount, loan.currency)
        prefix = _key_prefix(loan, purpose, on, amount_minor, provider)
        existing, attempts = _open_payment(session, prefix)
        if existing is not None:
            return existing, loan.number, True
        payment = Payment(
            reference="tmp-" + secrets.token_hex(8),
            loan_id=loan.id,
            borrower_id=principal.user_id,
            purpose=purpose,
            provider=provider,
            currency=loan.currency,
            amount_minor=amount_minor,
            # A bank transfer is waiting for the borrower's transfer from the start.
            status="pending" if provider == "bank_transfer" else "created",
            idempotency_key=f"{prefix}:{attempts + 1}",
            payoff_quote_json=quote_json,
        )
        session.add(payment)
        session.flush()
        payment.reference = f"RP-{on:%Y%m%d}-{payment.id:06d}"
        session.flush()
        logger.info("Created payment %s (%s, %s) of %s fen on loan %s", payment.reference, purpose, provider, amount_minor, loan.number)
        return payment, loan.number, False


# Ways a borrower can pay: Stripe Checkout (card, Alipay, WeChat Pay) when configured, and bank transfer.
PROVIDERS = ("stripe", "bank_transfer")


def start_payment(
    principal: Principal, loan_number: str, purpose: str, *, on: dt.date | None = None, provider: str | None = None,
) -> PaymentStart:
    """Start (or resume) a repayment of the borrower's own loan.

    Args:
        principal: The signed-in borrower; needs ``own_payments`` and must own the loan.
        loan_number: The loan's number, e.g. ``LN-20261204-000123``.
        purpose: ``installment`` (the next installment), ``overdue``
            (everything past due) or ``payoff`` (the payoff quote of ``on``).
        on: Accounting date; today in the configured time zone by default.
        provider: ``stripe`` or ``bank_transfer``; by default Stripe when it is
            configured, otherwise bank transfer. Bank transfer is always offered.

    Returns:
        A ``PaymentStart`` with a Stripe Checkout URL when Stripe is configured,
        otherwise bank transfer instructions. Clicking twice returns the same payment.

    Raises:
        PermissionDeniedError: The caller may not pay.
        NotFoundError: The loan does not exist or is not the caller's.
        InvalidInputError: Unknown purpose, closed loan or nothing due.
        PaymentGatewayError: Stripe failed; the payment stays open for a retry.
    """
    if not principal.can(Permission.OWN_PAYMENTS):
        raise PermissionDeniedError("auth.error.forbidden")
    if purpose not in PURPOSES:
        raise InvalidInputError("payments.error.purpose", field="purpose")
    stripe_enabled = get_settings().stripe_enabled
    if provider is None:
        provider = "stripe" if stripe_enabled else "bank_transfer"
    elif provider not in PROVIDERS or (provider == "stripe" and not stripe_enabled):
        raise InvalidInputError("payments.error.provider", field="provider")
    on = on or local_today()
    # A second round runs only when the open payment's Checkout Session turned out to be expired.
    for _ in range(2):
        try:
            payment, loan_number, reused = _create_or_reuse(principal, loan_number, purpose, on, provider)
        except (sa.exc.IntegrityError, sa.exc.OperationalError):
            # Another click inserted the same idempotency key first, so its payment is the one to use.
            # On SQLite the other click may instead have held the write lock, which the retry waits for.
            payment, loan_number, reused = _create_or_reuse(principal, loan_number, purpose, on, provider)
        if provider == "bank_transfer":
            return _transfer_start(payment, purpose, reused)
        checkout = _checkout_session(payment, loan_number)
        if checkout.status != "expired":
            amount = from_minor_units(payment.amount_minor, payment.currency)
            url = checkout.url if checkout.status == "open" else None
            return PaymentStart(payment.reference, provider, purpose, amount, payment.currency, url, None, reused)
        _mark_expired(payment.id)
    raise PaymentGatewayError("payments.error.gateway")


def _transfer_start(payment: Payment, purpose: str, reused: bool) -> PaymentStart:
    settings = get_settings()
    amount = from_minor_units(payment.amount_minor, payment.currency)
    transfer = TransferInstructions(
        bank_name=settings.lender_bank_name,
        account_name=settings.lender_account_name,
        account_number=settings.lender_account_number,
        reference=payment.reference,
        amount=amount,
        currency=payment.currency,
    )
    return PaymentStart(payment.reference, payment.provider, purpose, amount, payment.currency, None, transfer, reused)


def _mark_expired(payment_id: int) -> None:
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.id == payment_id).with_for_update()).one()
        if row.status in OPEN_STATUSES:
            before = row.status
            row.status, row.provider_status, row.updated_at = "expired", "expired", utc_now()
            record_audit(session, action="payment.expired", object_type="payment", object_id=row.id,
                         before={"status": before}, after={"status": "expired", "reference": row.reference})
            logger.info("Payment %s expired: its Checkout Session closed before the webhook arrived", row.reference)


def _checkout_session(payment: Payment, loan_number: str) -> stripe_gateway.CheckoutSession:
    """Return the payment's Checkout Session as Stripe has it now, creating it on the first call.

    A stored session is read back rather than created again, because an
    idempotent replay would return the first response even after the session expired.
    """
    try:
        if payment.provider_session_id:
            return stripe_gateway.retrieve_checkout_session(payment.provider_session_id)
        checkout = stripe_gateway.create_checkout_session(
            reference=payment.reference,
            loan_number=loan_number,
            amount_minor=payment.amount_minor,
            currency=payment.currency,
            description=f"{loan_number} {payment.reference}",
            idempotency_key=payment.idempotency_key,
        )
    except stripe_gateway.GatewayError as exc:
        raise PaymentGatewayError("payments.error.gateway") from exc
    with session_scope() as session:
        row = session.exec(select(Payment).where(Payment.id == payment.id).with_for_update()).one()
        row.provider_session_id = checkout.id
        row.provider_payment_intent = row.provider_payment_intent or checkout.payment_intent
        # A webhook may already have moved the payment on; only a fresh row becomes pending here.
        if row.status == "created":
            row.status = "pending"
            row.provider_status = checkout.status
        row.updated_at = utc_now()
    return checkout


# --- Reading payments -----------------------------------------------------------------------------


def display_state(payment: Payment) -> str:
    """Map a payment to the state the borrower is shown.

    Only a payment whose status is ``failed`` maps to failed. Webhooks set that
    status only for checkout.session.async_payment_failed, so a payment still
    waiting for the customer shows as waiting or processing.
    """
    if payment.status in ("refunded", "partially_refunded"):
        return "refunded"
    if payment.status == "succeeded":
        return "paid"
    if payment.status in ("failed", "expired"):
        return payment.status
    if payment.provider == "bank_transfer":
        return "awaiting_transfer"
    if payment.provider_status == "processing":
        return "processing"
    return "waiting"


def view_of(payment: Payment, loan_number: str) -> PaymentView:
    """Build the DTO of one payment."""
    currency = payment.currency
    return PaymentView(
        reference=payment.reference,
        loan_number=loan_number,
        purpose=payment.purpose,
        provider=payment.provider,
        amount=from_minor_units(payment.amount_minor, currency),
        received=from_minor_units(payment.received_minor, currency),
        refunded=from_minor_units(payment.refunded_minor, currency),
        currency=currency,
        status=payment.status,
        provider_status=payment.provider_status,
        display_state=display_state(payment),
        created_at=payment.created_at,
        succeeded_at=payment.succeeded_at,
        has_receipt_upload=payment.receipt_document_id is not None,
    )


def own_payment(session: Session, principal: Principal, reference: str) -> tuple[Payment, Loan]:
    """Load a payment the caller may see: the borrower's own, or any for finance staff.

    Raises:
        NotFoundError: No such payment, or another borrower's.
    """
    payment = session.exec(select(Payment).where(Payment.reference == reference)).first()
    staff = principal.can(Permission.TRANSFER_CONFIRM) or principal.can(Permission.RECONCILIATION)
    if payment is None or (payment.borrower_id != principal.user_id and not staff):
        raise NotFoundError("payments.error.not_found")
    if not staff and not principal.can(Permission.OWN_PAYMENTS):
        raise PermissionDeniedError("auth.error.forbidden")
    return payment, session.get(Loan, payment.loan_id)


def get_payment(principal: Principal, reference: str) -> PaymentView:
    """Return one payment as stored, without asking Stripe."""
    with session_scope() as session:
        payment, loan = own_payment(session, principal, reference)
        return view_of(payment, loan.number)


def list_payments(principal: Principal, *, awaiting_transfer: bool = False, limit: int = 50) -> list[PaymentView]:
    """Return the newest payments for the finance page, or only bank transfers awaiting confirmation (oldest first).

    Raises:
        PermissionDeniedError: The caller lacks ``transfer_confirm`` and ``reconciliation``.
    """
    if not (principal.can(Permission.TRANSFER_CONFIRM) or principal.can(Permission.RECONCILIATION)):
        raise PermissionDeniedError("auth.error.forbidden")
    query = select(Payment, Loan.number).join(Loan, Loan.id == Payment.loan_id)
    if awaiting_transfer:
        query = query.where(Payment.provider == "bank_transfer", Payment.status.in_(tuple(OPEN_STATUSES))).order_by(Payment.id)
    else:
        query = query.order_by(Payment.id.desc())
    with session_scope() as session:
        return [view_of(payment, number) for payment, number in session.exec(query.limit(limit)).all()]
