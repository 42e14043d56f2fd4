"""The collections workspace: overdue list, one loan's history and forms, hardship previews and approvals.

Rows hold text already formatted in the visitor's language; loan and request
ids stay in backend-only vars keyed by the loan number shown on screen.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from decimal import Decimal

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money
from lendapp.services import collections, plan_changes
from lendapp.services.auth_errors import AccountsError
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, deny, requires

logger = logging.getLogger(__name__)

PAGE_SIZE = 25
ALL = "all"


@dataclasses.dataclass
class OverdueItem:
    """One row of the overdue list."""

    number: str
    borrower: str
    dpd: int
    bucket: str
    principal: str
    last_contact: str
    promise: str


@dataclasses.dataclass
class HistoryItem:
    """One contact, promise or note."""

    when: str
    kind: str
    outcome: str
    detail: str
    collector: str


@dataclasses.dataclass
class PreviewItem:
    """One installment of a proposed schedule."""

    seq: int
    due_date: str
    principal: str
    interest: str
    total: str


@dataclasses.dataclass
class ApprovalItem:
    """One plan-change request waiting for a decision."""

    request_id: int
    number: str
    kind: str
    origin: str
    cost: str
    interest_first: str
    created: str


class StaffCollectionsState(rx.State):
    """The collector's list and the approver's queue of plan changes."""

    rows: list[OverdueItem] = []
    counts: dict[str, int] = {}
    bucket: str = ALL
    search: str = ""
    page: int = 1
    total: int = 0
    error: str = ""
    selected: str = ""
    detail_dpd: int = 0
    detail_bucket: str = ""
    detail_overdue: str = ""
    detail_penalty: str = ""
    detail_outstanding: str = ""
    history: list[HistoryItem] = []
    preview_rows: list[PreviewItem] = []
    preview_summary: str = ""
    approvals: list[ApprovalItem] = []
    can_collect: bool = False
    can_approve: bool = False
    _loan_ids: dict[str, int] = {}
    _hardship: dict[str, str] = {}

    @rx.var
    def has_next(self) -> bool:
        """Return whether a later page exists."""
        return self.page * PAGE_SIZE < self.total

    async def _fail(self, error: AccountsError) -> rx.event.EventSpec:
        self.error = translate(error.key, await locale_of(self), **error.params)
        return rx.toast.error(self.error)

    async def _fetch(self) -> rx.event.EventSpec | None:
        locale = await locale_of(self)
        bucket = "" if self.bucket == ALL else self.bucket
        try:
            result = await asyncio.to_thread(collections.overdue_list, current_principal(), bucket, self.page, PAGE_SIZE, self.search)
        except AccountsError as error:
            return await self._fail(error)
        timezone = get_settings().timezone
        self.rows = [_overdue_item(row, locale, timezone) for row in result.rows]
        self._loan_ids = {row.loan_number: row.loan_id for row in result.rows}
        self.counts, self.total, self.error = result.counts, result.total, ""
        return None

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    async def load(self) -> rx.event.EventSpec | list | None:
        """Load the overdue list for collectors and the approval queue for approvers."""
        principal = current_principal()
        self.can_collect = principal.can(Permission.OVERDUE_LIST)
        self.can_approve = principal.can(plan_changes.APPROVE_PERMISSION)
        if not (self.can_collect or self.can_approve or principal.can(Permission.HARDSHIP_PROPOSE)):
            # A role with none of this page's work (a reviewer, say) goes back to the workspace home.
            return await deny(self, principal, Permission.OVERDUE_LIST)
        if principal.can(plan_changes.APPROVE_PERMISSION) or principal.can(Permission.HARDSHIP_PROPOSE):
            await self._fetch_approvals()
        if principal.can(Permission.OVERDUE_LIST):
            return await self._fetch()
        return None

    @rx.event
    @requires(Permission.OVERDUE_LIST)
    async def apply_filters(self, form_data: dict) -> rx.event.EventSpec | None:
        """Filter by bucket and loan number, from the first page."""
        choice = form_text(form_data, "bucket", 8)
        self.bucket = choice if choice in collections.BUCKETS else ALL
        self.search = form_text(form_data, "search", 32).strip()
        self.page = 1
        return await self._fetch()

    @rx.event
    @requires(Permission.OVERDUE_LIST)
    async def change_page(self, step: int) -> rx.event.EventSpec | None:
        """Move one page forward (1) or back (-1)."""
        self.page = max(1, self.page + (1 if int(step) > 0 else -1))
        return await self._fetch()

    @rx.event
    @requires(Permission.OVERDUE_LIST)
    async def select_loan(self, number: str) -> rx.event.EventSpec | None:
        """Show one loan's position and contact history."""
        loan_id = self._loan_ids.get(str(number))
        if loan_id is None:
            return None
        self.selected = str(number)
        self.preview_rows, self.preview_summary = [], ""
        return await self._fetch_detail()

    async def _fetch_detail(self) -> rx.event.EventSpec | None:
        locale = await locale_of(self)
        try:
            summary = await asyncio.to_thread(collections.loan_summary, current_principal(), self._loan_ids[self.selected])
        except AccountsError as error:
            return await self._fail(error)
        self.detail_dpd, self.detail_bucket = summary.dpd, summary.bucket
        self.detail_overdue = format_money(summary.overdue_amount, locale)
        self.detail_penalty = format_money(summary.penalty_due, locale)
        self.detail_outstanding = format_money(summary.outstanding_principal, locale)
        timezone = get_settings().timezone
        self.history = [_history_item(action, locale, timezone) for action in summary.history]
        return None

    async def _record(self, kind: str, form_data: dict) -> rx.event.EventSpec | None:
        if self.selected not in self._loan_ids:
            return None
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(
                collections.record_action, current_principal(), self._loan_ids[self.selected], kind,
                outcome=form_text(form_data, "outcome", 32), note=form_text(form_data, "note", collections.MAX_NOTE_LENGTH + 1),
                promised_amount=form_text(form_data, "promised_amount", 20) or None,
                promised_date=form_text(form_data, "promised_date", 10) or None, client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            return await self._fail(error)
        self.error = ""
        await self._fetch_detail()
        await self._fetch()
        return rx.toast.success(translate("ops.collections.saved", locale))

    @rx.event
    @requires(Permission.CONTACT_RECORD)
    async def record_contact(self, form_data: dict) -> rx.event.EventSpec | None:
        """Record a call, text, visit or note on the selected loan."""
        kind = form_text(form_data, "kind", 16)
        return await self._record(kind if kind in (*collections.CONTACT_KINDS, "note") else "note", form_data)

    @rx.event
    @requires(Permission.PROMISE_TO_PAY)
    async def record_promise(self, form_data: dict) -> rx.event.EventSpec | None:
        """Record a promise to pay on the selected loan."""
        return await self._record("promise_to_pay", form_data)

    @rx.event
    @requires(Permission.HARDSHIP_PROPOSE)
    async def preview_hardship(self, form_data: dict) -> rx.event.EventSpec | None:
        """Show the new schedule and cost of a deferral or extension of the selected loan."""
        if self.selected not in self._loan_ids:
            return None
        locale = await locale_of(self)
        kind = form_text(form_data, "kind", 16)
        count = form_text(form_data, "periods", 3)
        params = {"periods": count} if kind == "deferral" else {"extra_periods": count}
        try:
            result = await asyncio.to_thread(plan_changes.preview, current_principal(), self._loan_ids[self.selected], kind, params)
        except AccountsError as error:
            return await self._fail(error)
        self._hardship = {"kind": kind, "periods": count, "note": form_text(form_data, "note", 512)}
        self.preview_rows = [_preview_item(row, locale) for row in result.rows]
        self.preview_summary = translate(
            "ops.plan.summary", locale, count=len(result.rows), cost=format_money(result.cost, locale),
            interest_first=format_money(result.interest_due_first, locale),
        )
        self.error = ""
        return None

    @rx.event
    @requires(Permission.HARDSHIP_PROPOSE)
    async def propose_hardship(self) -> rx.event.EventSpec | None:
        """Send the previewed plan for approval."""
        if not self._hardship or self.selected not in self._loan_ids:
            return None
        locale = await locale_of(self)
        kind, count = self._hardship["kind"], self._hardship["periods"]
        params = {"periods": count} if kind == "deferral" else {"extra_periods": count}
        try:
            await asyncio.to_thread(plan_changes.propose_hardship, current_principal(), self._loan_ids[self.selected], kind, params,
                                    note=self._hardship["note"], client_ip=client_ip_of(self))
        except AccountsError as error:
            return await self._fail(error)
        self._hardship, self.preview_rows, self.preview_summary = {}, [], ""
        await self._fetch_approvals()
        return rx.toast.success(translate("ops.plan.proposed", locale))

    async def _fetch_approvals(self) -> None:
        locale = await locale_of(self)
        try:
            requests = await asyncio.to_thread(plan_changes.list_requests, current_principal())
        except AccountsError as error:
            await self._fail(error)
            return
        timezone = get_settings().timezone
        self.approvals = [_approval_item(request, locale, timezone) for request in requests]

    @rx.event
    @requires(Permission.SECOND_APPROVAL)
    async def decide(self, request_id: int, approve: bool) -> rx.event.EventSpec | None:
        """Approve or reject a plan-change request."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(plan_changes.decide, current_principal(), int(request_id), bool(approve), client_ip=client_ip_of(self))
        except AccountsError as error:
            return await self._fail(error)
        await self._fetch_approvals()
        return rx.toast.success(translate("ops.plan.approved" if approve else "ops.plan.rejected", locale))


def _overdue_item(row: collections.OverdueRow, locale: str, timezone: str) -> OverdueItem:
    contact = ""
    if row.last_contact_at is not None:
        contact = f"{format_datetime(row.last_contact_at, locale, timezone)} · {translate(f'ops.kind.{row.last_contact_kind}', locale)}"
        if row.last_outcome:
            contact += f" · {translate(f'ops.outcome.{row.last_outcome}', locale)}"
    promise = ""
    if row.promised_amount is not None and row.promised_date is not None:
        promise = f"{format_money(row.promised_amount, locale)} · {format_date(row.promised_date, locale)}"
    return OverdueItem(row.loan_number, row.borrower_name, row.dpd, row.bucket, format_money(row.principal, locale), contact, promise)


def _history_item(action: collections.ActionView, locale: str, timezone: str) -> HistoryItem:
    detail = action.note
    if action.promised_amount is not None and action.promised_date is not None:
        promise = f"{format_money(action.promised_amount, locale)} · {format_date(action.promised_date, locale)}"
        detail = f"{promise} {detail}".strip()
    outcome = translate(f"ops.outcome.{action.outcome}", locale) if action.outcome else ""
    return HistoryItem(format_datetime(action.created_at, locale, timezone), translate(f"ops.kind.{action.kind}", locale), outcome,
                       detail, action.collector_name)


def _preview_item(row: plan_changes.PreviewRow, locale: str) -> PreviewItem:
    return PreviewItem(row.seq, format_date(row.due_date, locale), format_money(row.principal, locale),
                       format_money(row.interest, locale), format_money(row.total, locale))


def _approval_item(request: plan_changes.RequestView, locale: str, timezone: str) -> ApprovalItem:
    preview = request.preview
    cost = preview.get("cost")
    interest_first = preview.get("interest_due_first")
    return ApprovalItem(
        request.id, request.loan_number, translate(f"notify.kind.{request.kind}", locale), translate(f"ops.origin.{request.origin}", locale),
        format_money(Decimal(cost), locale) if cost else "",
        format_money(Decimal(interest_first), locale) if interest_first else "",
        format_datetime(request.created_at, locale, timezone),
    )
