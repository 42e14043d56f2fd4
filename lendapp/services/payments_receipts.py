"""Repayment receipts (还款凭证) as PDF, one per succeeded payment, in the reader's language."""

from __future__ import annotations

import logging

from lendapp.db.engine import session_scope
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime, format_money
from lendapp.services.auth_errors import NotFoundError
from lendapp.services.payments import SUCCEEDED_STATUSES, own_payment, view_of
from lendapp.services.pdf import render_pdf
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)


def receipt_pdf(principal: Principal, reference: str, locale: str) -> bytes:
    """Render the receipt of a succeeded payment for its borrower or finance staff.

    The receipt states what was received, not how it was allocated, so it stays
    true after a later refund, which it lists.

    Raises:
        NotFoundError: No such payment, another borrower's, or one that has not succeeded.
    """
    with session_scope() as session:
        payment, loan = own_payment(session, principal, reference)
        if payment.status not in SUCCEEDED_STATUSES:
            raise NotFoundError("payments.error.receipt_unavailable")
        view = view_of(payment, loan.number)
    settings = get_settings()

    def text(key: str, **params: object) -> str:
        return translate(key, locale, **params)

    rows = [
        [text("payments.pdf.reference"), view.reference],
        [text("payments.pdf.loan"), view.loan_number],
        [text("payments.pdf.purpose"), text(f"payments.purpose.{view.purpose}")],
        [text("payments.pdf.method"), text(f"payments.provider.{view.provider}")],
        [text("payments.pdf.received"), format_money(view.received, locale, view.currency)],
        [text("payments.pdf.time"), format_datetime(view.succeeded_at, locale, settings.timezone) if view.succeeded_at else ""],
    ]
    if view.refunded:
        rows.append([text("payments.pdf.refunded"), format_money(view.refunded, locale, view.currency)])
    blocks = [
        {"kind": "title", "text": text("payments.pdf.title")},
        {"kind": "key_values", "rows": rows},
        {"kind": "paragraph", "text": text("payments.pdf.payee", name=settings.lender_account_name)},
        {"kind": "note", "text": text("payments.pdf.note")},
    ]
    data = render_pdf(blocks, locale, title=text("payments.pdf.title"), author=settings.lender_account_name,
                      created_at=view.succeeded_at)
    logger.info("Rendered receipt of payment %s for user %s (%d bytes)", reference, principal.user_id, len(data))
    return data
