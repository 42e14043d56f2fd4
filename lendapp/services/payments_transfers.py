"""Bank transfers (银行转账): the borrower's receipt upload and finance's confirmation.

Without Stripe keys a borrower pays by transfer to the lender's account with
the payment reference. Finance confirms each transfer with the amount and
time received and the bank's transaction reference. The payment is then
applied through the waterfall like any other, once. Confirming again with the
same amount changes nothing.

Receipts reuse the document store of ``services/documents.py`` (type by
content, size limit, encryption at rest) and are kept as a document of the
loan's application with kind ``other``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import secrets
from decimal import Decimal

from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationDocument, Loan, Payment
from lendapp.db.types import utc_now
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import to_minor_units
from lendapp.domain.permissions import Permission
from lendapp.services import documents
from lendapp.services.audit import record_audit
from lendapp.services.auth_errors import InvalidInputError, NotFoundError, PermissionDeniedError
from lendapp.services.payments import OPEN_STATUSES, PaymentView, local_date_of, own_payment, view_of
from lendapp.services.payments_events import OBJECT_TYPE, fulfil
from lendapp.services.pii import encrypt
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

MAX_BANK_REFERENCE = 64


@dataclasses.dataclass(frozen=True)
class ConfirmResult:
    """A confirmed transfer; ``replayed`` is set when it had already been confirmed with the same amount."""

    payment: PaymentView
    replayed: bool


def confirm_transfer(principal: Principal, reference: str, received_amount: Decimal, received_at: dt.datetime,
                     bank_reference: str, *, client_ip: str = "") -> ConfirmResult:
    """Confirm a bank transfer and apply it to the loan.

    Args:
        principal: Finance staff holding ``transfer_confirm``.
        reference: The payment reference the borrower wrote on the transfer.
        received_amount: Yuan that arrived; may differ from the amount asked for.
            A surplus becomes credit balance, a shortfall pays the oldest dues first.
        received_at: When the money arrived (timezone-aware); its local date is the accounting date.
        bank_reference: The bank's transaction reference, kept for reconciliation.

    Raises:
        PermissionDeniedError: The caller may not confirm transfers.
        NotFoundError: No bank transfer payment with this reference.
        InvalidInputError: Bad amount or time, or the payment was already closed or confirmed with another amount.
    """
    if not principal.can(Permission.TRANSFER_CONFIRM):
        raise PermissionDeniedError("auth.error.forbidden")
    bank_reference = bank_reference.strip()
    if not bank_reference or len(bank_reference) > MAX_BANK_REFERENCE:
        raise InvalidInputError("payments.error.bank_reference", field="bank_reference", max=MAX_BANK_REFERENCE)
    if received_at.tzinfo is None or received_at > utc_now() + dt.timedelta(minutes=5):
        raise InvalidInputError("payments.error.received_at", field="received_at")
    with session_scope() as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference, Payment.provider == "bank_transfer").with_for_update()).first()
        if payment is None:
            raise NotFoundError("payments.error.not_found")
        try:
            received_minor = to_minor_units(received_amount, payment.currency)
        except InvalidValueError:
            raise InvalidInputError("payments.error.amount", field="amount") from None
        if received_minor <= 0:
            raise InvalidInputError("payments.error.amount", field="amount")
        loan_number = session.get(Loan, payment.loan_id).number
        if payment.confirmed_by is not None:
            if payment.received_minor == received_minor:
                return ConfirmResult(view_of(payment, loan_number), True)
            raise InvalidInputError("payments.error.already_confirmed")
        if payment.status not in OPEN_STATUSES:
            raise InvalidInputError("payments.error.not_open")
        payment.confirmed_by = principal.user_id
        payment.bank_reference = bank_reference
        payment.provider_status = "received"
        fulfil(session, payment, received_minor, local_date_of(received_at), actor_id=principal.user_id,
               actor_role=principal.role, source="bank_transfer")
        record_audit(
            session, action="payment.transfer_confirm", object_type=OBJECT_TYPE, object_id=payment.id,
            actor_id=principal.user_id, actor_role=principal.role, client_ip=client_ip,
            after={"reference": reference, "received_minor": received_minor, "asked_minor": payment.amount_minor,
                   "received_at": received_at.isoformat(),
                   # Bank references can be long digit runs, which the audit log refuses as possible card numbers.
                   "bank_reference_tail": bank_reference[-4:]},
        )
        session.flush()
        logger.info("User %s confirmed transfer %s: %s fen", principal.user_id, reference, received_minor)
        return ConfirmResult(view_of(payment, loan_number), False)


def attach_transfer_receipt(principal: Principal, reference: str, filename: str, data: bytes) -> PaymentView:
    """Store the borrower's transfer receipt (JPEG, PNG, WebP or PDF) on their open bank transfer payment.

    A new upload replaces the link to the previous one; the old file stays stored for the audit trail.

    Raises:
        NotFoundError: Not the caller's bank transfer payment.
        InvalidInputError: Empty, too large or not an image or PDF, or the payment is closed.
    """
    if not principal.can(Permission.OWN_PAYMENTS):
        raise PermissionDeniedError("auth.error.forbidden")
    if not data:
        raise InvalidInputError("payments.error.receipt_empty", field="receipt")
    if len(data) > documents.MAX_FILE_BYTES:
        raise InvalidInputError("payments.error.receipt_too_large", field="receipt", max_mb=documents.MAX_FILE_BYTES // (1024 * 1024))
    content_type = documents.sniff_content_type(data)
    if content_type is None:
        raise InvalidInputError("payments.error.receipt_type", field="receipt")
    storage_name = secrets.token_hex(16)
    with session_scope() as session:
        payment = session.exec(select(Payment).where(Payment.reference == reference, Payment.borrower_id == principal.user_id,
                                                     Payment.provider == "bank_transfer")).first()
        if payment is None:
            raise NotFoundError("payments.error.not_found")
        if payment.status not in OPEN_STATUSES:
            raise InvalidInputError("payments.error.not_open")
        loan = session.get(Loan, payment.loan_id)
        # The document store's writer is reused so receipts get the same encryption and file naming.
        documents._write_encrypted(storage_name, data)  # noqa: SLF001
        document = ApplicationDocument(
            application_id=loan.application_id, borrower_id=principal.user_id, kind="other", content_type=content_type,
            size_bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_name=storage_name,
            display_name_enc=encrypt(documents.display_name_of(filename), documents.DISPLAY_NAME_COLUMN),
        )
        session.add(document)
        session.flush()
        payment.receipt_document_id = document.id
        payment.updated_at = utc_now()
        logger.info("Stored receipt %s (%s, %d bytes) for payment %s", document.id, content_type, len(data), reference)
        return view_of(payment, loan.number)


def read_transfer_receipt(principal: Principal, reference: str, *, client_ip: str = "") -> tuple[str, bytes]:
    """Return the content type and bytes of a payment's uploaded receipt; staff reads are audited.

    Raises:
        NotFoundError: No payment, no receipt, or another borrower's payment.
    """
    with session_scope() as session:
        payment, _loan = own_payment(session, principal, reference)
        document = session.get(ApplicationDocument, payment.receipt_document_id) if payment.receipt_document_id else None
        if document is None or document.deleted_at is not None:
            raise NotFoundError("payments.error.receipt_missing")
        if payment.borrower_id != principal.user_id:
            record_audit(session, action="payment.receipt_read", object_type=OBJECT_TYPE, object_id=payment.id,
                         actor_id=principal.user_id, actor_role=principal.role, client_ip=client_ip)
        storage_name, content_type = document.storage_name, document.content_type
    return content_type, documents._read_decrypted(storage_name)  # noqa: SLF001
