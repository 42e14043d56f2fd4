"""Display rows of the review page, built from the review services' views in the visitor's language.

Stored codes (rule codes, status-history reasons, repayment methods) become
catalog text here. A code without a catalog entry is shown as stored, so a
new code never breaks the page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from lendapp.i18n import catalog, translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money
from lendapp.services.review_context import DocumentRow, EarlierApplication, LinkedApplication, PreviousLoan, ReviewContext, RuleHit
from lendapp.services.review_notes import NoteView
from lendapp.settings import get_settings

logger = logging.getLogger(__name__)

REVIEW_PAGE = "/staff/applications/"
LOAN_PAGE = "/staff/loans/"
DOCUMENT_ROUTE = "/api/staff/applications/{number}/documents/{document_id}"
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})

# Catalog prefixes searched, in order, for each part of a status-history reason. Decline reasons and
# document types come first for the statuses that store them, because a code could exist in two places.
_REASON_PREFIXES = ("staff.history_reason.", "risk.rule.", "risk.fraud.", "staff.review.reason.", "staff.review.document.")
_FIRST_PREFIX_BY_STATUS = {"declined": "staff.review.reason.", "documents_requested": "staff.review.document."}


@dataclasses.dataclass
class RuleRow:
    """A rule that applied at scoring, as the reviewer reads it."""

    code: str
    text: str


@dataclasses.dataclass
class LinkedRow:
    """Another person's application that shares an identifier; no personal data."""

    number: str
    href: str
    status_label: str
    shared: str
    submitted: str


@dataclasses.dataclass
class LoanRow:
    """A previous loan of the borrower."""

    number: str
    href: str
    principal: str
    state_label: str
    max_dpd: str
    disbursed: str


@dataclasses.dataclass
class EarlierRow:
    """An earlier application of the borrower and its outcome."""

    number: str
    href: str
    status_label: str
    outcome: str
    amount: str
    submitted: str


@dataclasses.dataclass
class DocumentItem:
    """One uploaded document with the address that streams it."""

    document_id: int
    kind_label: str
    uploaded: str
    size: str
    url: str
    is_image: bool


@dataclasses.dataclass
class NoteRow:
    """One staff note."""

    author: str
    body: str
    time: str


@dataclasses.dataclass
class ContextRows:
    """Every list of the review page's context, ready to show."""

    policy_rules: list[RuleRow]
    fraud_flags: list[RuleRow]
    linked: list[LinkedRow]
    previous_loans: list[LoanRow]
    earlier: list[EarlierRow]
    documents: list[DocumentItem]
    notes: list[NoteRow]


def _known(key: str, locale: str) -> bool:
    return key in catalog(locale)


def _label(key: str, locale: str, fallback: str) -> str:
    return translate(key, locale) if _known(key, locale) else fallback


def rule_text(hit: RuleHit, locale: str) -> str:
    """Return the staff text of a rule, or its code with a logged warning when the catalog lacks the key."""
    if _known(hit.message_key, locale):
        return translate(hit.message_key, locale)
    logger.warning("Missing catalog key %s for rule %s; showing the code", hit.message_key, hit.code)
    return hit.code


def method_label(method: str, locale: str) -> str:
    """Return the repayment method's name, or the stored code when it has none."""
    return _label(f"method.{method}", locale, method)


def reason_codes_text(reason: str, status: str, locale: str) -> str:
    """Translate one reason code or comma-separated codes; parts without a catalog entry stay as stored.

    ``status`` is the status the reason was stored with; it decides which catalog area is searched first.
    """
    first = _FIRST_PREFIX_BY_STATUS.get(status)
    prefixes = ((first,) if first else ()) + _REASON_PREFIXES
    parts = []
    for part in (piece.strip() for piece in reason.split(",")):
        if not part:
            continue
        key = next((prefix + part for prefix in prefixes if _known(prefix + part, locale)), None)
        parts.append(translate(key, locale) if key else part)
    return translate("staff.review_detail.list_separator", locale).join(parts)


def history_reason_text(reason: str, to_status: str, locale: str) -> str:
    """Translate the reason of a status-history entry; a move to ``disbursed`` stores the loan number."""
    if not reason:
        return ""
    if to_status == "disbursed":
        return translate("staff.history_reason.loan_number", locale, number=reason)
    return reason_codes_text(reason, to_status, locale)


def _local_date(moment: dt.datetime, locale: str) -> str:
    return format_date(moment.astimezone(get_settings().timezone_info).date(), locale)


def _status_label(status: str, locale: str) -> str:
    return _label(f"staff.status.{status}", locale, status)


def size_text(size_bytes: int, locale: str) -> str:
    """Return a file size in KB below one MB and in MB (one decimal) from there, rounding KB up."""
    if size_bytes < 1024 * 1024:
        return translate("staff.review_detail.size_kb", locale, size=max(1, -(-size_bytes // 1024)))
    return translate("staff.review_detail.size_mb", locale, size=f"{size_bytes / (1024 * 1024):.1f}")


def _linked_row(item: LinkedApplication, locale: str) -> LinkedRow:
    separator = translate("staff.review_detail.list_separator", locale)
    shared = separator.join(translate(f"staff.review_detail.shared.{name}", locale) for name in item.shared)
    return LinkedRow(item.number, REVIEW_PAGE + item.number, _status_label(item.status, locale), shared, _local_date(item.submitted_at, locale))


def _loan_row(loan: PreviousLoan, locale: str) -> LoanRow:
    return LoanRow(
        loan.number, LOAN_PAGE + loan.number, format_money(loan.principal, locale),
        _label(f"dashboard.loan_state.{loan.state}", locale, loan.state), str(loan.max_dpd), _local_date(loan.disbursed_at, locale),
    )


def _earlier_row(item: EarlierApplication, locale: str) -> EarlierRow:
    return EarlierRow(
        item.number, REVIEW_PAGE + item.number, _status_label(item.status, locale),
        reason_codes_text(item.decision_reason, item.status, locale),
        format_money(item.amount, locale) if item.amount is not None else "", _local_date(item.submitted_at, locale),
    )


def _document_item(number: str, document: DocumentRow, locale: str, timezone: str) -> DocumentItem:
    return DocumentItem(
        document_id=document.document_id,
        kind_label=_label(f"apply.document_kind.{document.kind}", locale, document.kind),
        uploaded=format_datetime(document.created_at, locale, timezone),
        size=size_text(document.size_bytes, locale),
        url=DOCUMENT_ROUTE.format(number=number, document_id=document.document_id),
        is_image=document.content_type in IMAGE_TYPES,
    )


def note_rows(notes: tuple[NoteView, ...], locale: str) -> list[NoteRow]:
    """Return the notes as display rows, in the order given."""
    timezone = get_settings().timezone
    return [NoteRow(note.author_name, note.body, format_datetime(note.created_at, locale, timezone)) for note in notes]


def context_rows(context: ReviewContext, locale: str) -> ContextRows:
    """Build every list of the review page's context in ``locale``."""
    timezone = get_settings().timezone
    return ContextRows(
        policy_rules=[RuleRow(hit.code, rule_text(hit, locale)) for hit in context.policy_rules],
        fraud_flags=[RuleRow(hit.code, rule_text(hit, locale)) for hit in context.fraud_flags],
        linked=[_linked_row(item, locale) for item in context.linked],
        previous_loans=[_loan_row(loan, locale) for loan in context.previous_loans],
        earlier=[_earlier_row(item, locale) for item in context.earlier_applications],
        documents=[_document_item(context.number, document, locale, timezone) for document in context.documents],
        notes=note_rows(context.notes, locale),
    )
