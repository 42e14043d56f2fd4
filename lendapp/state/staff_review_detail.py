"""The application review page: masked applicant data, score, rules, linked applicants, documents, notes and decisions."""

from __future__ import annotations

import asyncio
import dataclasses
import decimal
import logging
from collections.abc import Callable
from decimal import Decimal

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime, format_money, format_percent
from lendapp.services import review_context, review_decisions, review_notes, review_queue
from lendapp.services.auth_errors import AccountsError
from lendapp.services.review_decisions import DecisionResult, Offer
from lendapp.services.review_context import ReviewContext
from lendapp.services.review_queue import ReviewDetail
from lendapp.services.sessions import Principal
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires
from lendapp.state.staff_review_rows import (
    DocumentItem,
    EarlierRow,
    LinkedRow,
    LoanRow,
    NoteRow,
    RuleRow,
    context_rows,
    history_reason_text,
    method_label,
    note_rows,
)

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/staff/applications/"
NOTE_FIELD_ID = "note-body"


@dataclasses.dataclass
class HistoryRow:
    """One status change, in the visitor's language."""

    label: str
    reason: str
    time: str


class StaffReviewDetailState(rx.State):
    """One application under review, as display text only and never with full personal numbers."""

    number: str = ""
    not_found: bool = False
    status: str = ""
    status_label: str = ""
    product_code: str = ""
    request_text: str = ""
    masked_name: str = ""
    masked_id_number: str = ""
    masked_phone: str = ""
    masked_bank_card: str = ""
    income: str = ""
    score: str = ""
    pd: str = ""
    reasons: list[str] = []
    history: list[HistoryRow] = []
    policy_rules: list[RuleRow] = []
    fraud_flags: list[RuleRow] = []
    linked: list[LinkedRow] = []
    previous_loans: list[LoanRow] = []
    earlier: list[EarlierRow] = []
    documents: list[DocumentItem] = []
    notes: list[NoteRow] = []
    # One revealed value at a time, for the staff member who asked; cleared on every load.
    revealed_field: str = ""
    revealed_value: str = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        try:
            detail, context = await asyncio.to_thread(_load_review, current_principal(), self.number)
        except AccountsError:
            self.not_found = True
            return
        self.not_found = False
        self._show(detail, locale)
        self._show_context(context, locale)

    def _show(self, detail: ReviewDetail, locale: str) -> None:
        timezone = get_settings().timezone
        self.status = detail.status
        self.status_label = translate(f"staff.status.{detail.status}", locale)
        self.product_code = detail.product_code
        amount = format_money(detail.amount, locale) if detail.amount is not None else ""
        rate = format_percent(detail.annual_rate, locale) if detail.annual_rate is not None else ""
        self.request_text = f"{amount} · {detail.term or ''} · {method_label(detail.method, locale)} · {rate}"
        self.masked_name, self.masked_id_number = detail.masked_name, detail.masked_id_number
        self.masked_phone, self.masked_bank_card = detail.masked_phone, detail.masked_bank_card
        self.income = format_money(detail.monthly_income, locale) if detail.monthly_income is not None else ""
        self.score = "" if detail.score is None else str(detail.score)
        self.pd = "" if detail.pd is None else format_percent(Decimal(str(detail.pd)), locale)
        self.reasons = [_reason_text(reason.staff_key, reason.value, locale) for reason in detail.reasons]
        self.history = [
            HistoryRow(
                label=translate(f"staff.status.{event.to_status}", locale),
                reason=history_reason_text(event.reason, event.to_status, locale),
                time=format_datetime(event.created_at, locale, timezone),
            )
            for event in detail.history
        ]

    def _show_context(self, context: ReviewContext, locale: str) -> None:
        rows = context_rows(context, locale)
        self.policy_rules, self.fraud_flags = rows.policy_rules, rows.fraud_flags
        self.linked, self.previous_loans, self.earlier = rows.linked, rows.previous_loans, rows.earlier
        self.documents, self.notes = rows.documents, rows.notes

    async def _decide(self, action: Callable[..., DecisionResult], *args: object) -> rx.event.EventSpec:
        locale = await locale_of(self)
        try:
            result = await asyncio.to_thread(action, current_principal(), self.number, *args, client_ip=client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh()
        if result.replayed:
            return rx.toast.info(translate("staff.review.replayed", locale))
        return rx.toast.success(translate("staff.review.done", locale, status=self.status_label))

    @rx.event
    @requires(Permission.APPLICATION_DETAIL)
    async def load(self) -> None:
        """Load the application named in the path /staff/applications/<number>."""
        path = self.router.url.path
        self.number = path[len(ROUTE_PREFIX):].strip("/")[:32] if path.startswith(ROUTE_PREFIX) else ""
        self.revealed_field, self.revealed_value = "", ""
        await self._refresh()

    @rx.event
    @requires(Permission.PII_REVEAL)
    async def reveal(self, field: str) -> rx.event.EventSpec | None:
        """Show one full personal value of the applicant; the service audits every reveal."""
        locale = await locale_of(self)
        try:
            value = await asyncio.to_thread(
                review_queue.reveal_applicant_value, current_principal(), self.number, str(field)[:32], client_ip_of(self)
            )
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        self.revealed_field, self.revealed_value = str(field), value
        return None

    @rx.event
    @requires(Permission.PII_REVEAL)
    def hide_revealed(self) -> None:
        """Mask the revealed value again."""
        self.revealed_field, self.revealed_value = "", ""

    @rx.event
    @requires(Permission.APPLICATION_DECIDE)
    async def add_note(self, form_data: dict) -> list[rx.event.EventSpec] | rx.event.EventSpec:
        """Add the note typed in the notes form, then show the notes again newest first."""
        locale = await locale_of(self)
        # Cut at four times the limit, so a note that is too long reaches the service's length check instead of being shortened here.
        body = form_text(form_data, "body", 4 * review_notes.MAX_NOTE_LENGTH)
        principal = current_principal()
        try:
            await asyncio.to_thread(review_notes.add_note, principal, self.number, body, client_ip_of(self))
            notes = await asyncio.to_thread(review_notes.list_notes, principal, self.number)
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        self.notes = note_rows(notes, locale)
        return [rx.set_value(NOTE_FIELD_ID, ""), rx.toast.success(translate("staff.review_detail.note_added", locale))]

    @rx.event
    @requires(Permission.APPLICATION_DECIDE)
    async def approve(self) -> rx.event.EventSpec:
        """Approve the application as the borrower requested it."""
        return await self._decide(review_decisions.approve)

    @rx.event
    @requires(Permission.APPLICATION_DECIDE)
    async def counter_offer(self, form_data: dict) -> rx.event.EventSpec:
        """Approve with the amount, term and rate typed in the offer form."""
        try:
            offer = Offer(
                amount=Decimal(form_text(form_data, "amount", 20)),
                term=int(form_text(form_data, "term", 6)),
                annual_rate=Decimal(form_text(form_data, "rate_percent", 10)) / 100,
            )
        except (decimal.InvalidOperation, ValueError):
            return rx.toast.error(translate("staff.review.invalid_number", await locale_of(self)))
        return await self._decide(review_decisions.approve, offer)

    @rx.event
    @requires(Permission.APPLICATION_DECIDE)
    async def decline(self, form_data: dict) -> rx.event.EventSpec:
        """Decline with the chosen reason code."""
        return await self._decide(review_decisions.decline, (form_text(form_data, "reason", 32),))

    @rx.event
    @requires(Permission.DOCUMENTS_REQUEST)
    async def request_documents(self, form_data: dict) -> rx.event.EventSpec:
        """Ask the borrower for the chosen document."""
        return await self._decide(review_decisions.request_documents, (form_text(form_data, "document", 32),))

    @rx.event
    @requires(Permission.SECOND_APPROVAL)
    async def confirm_second_approval(self) -> rx.event.EventSpec:
        """Confirm a colleague's approval above the second-approval amount."""
        return await self._decide(review_decisions.confirm_second_approval)


def _load_review(actor: Principal, number: str) -> tuple[ReviewDetail, ReviewContext]:
    # One worker thread reads both views, so a page load waits for a single hop off the event loop.
    return review_queue.review_detail(actor, number), review_context.review_context(actor, number)


def _reason_text(staff_key: str, value: str, locale: str) -> str:
    try:
        return translate(staff_key, locale, value=value)
    except KeyError:
        logger.warning("Missing catalog key %s for a scoring reason", staff_key)
        return staff_key
