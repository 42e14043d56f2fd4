"""Plan changes at /loans/<number>/plan: preview a deferral, extension or partial prepayment,
ask for it, follow its status and sign it once staff approve."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_money
from lendapp.services import borrower_dashboard, plan_changes
from lendapp.services.auth_errors import AccountsError
from lendapp.services.plan_changes import PlanPreview, RequestView
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

ROUTE_PREFIX = "/loans/"
KINDS = ("deferral", "extension", "partial_prepayment")


@dataclasses.dataclass
class PreviewLine:
    """One installment of the proposed schedule."""

    seq: int
    due_date: str
    total: str


@dataclasses.dataclass
class RequestRow:
    """One of the borrower's requests on this loan."""

    id: int
    kind_label: str
    status: str
    status_label: str
    can_sign: bool


def _params(form_data: dict) -> tuple[str, dict]:
    kind = form_text(form_data, "kind", 32)
    params = {
        "periods": form_text(form_data, "periods", 4),
        "extra_periods": form_text(form_data, "periods", 4),
        "amount": form_text(form_data, "amount", 20),
        "mode": form_text(form_data, "mode", 32) or "reduce_installment",
    }
    return kind, params


class PlanChangeState(rx.State):
    """The plan-change form, its preview and the borrower's requests on one loan."""

    number: str = ""
    loan_id: int = 0
    not_found: bool = False
    kind: str = "deferral"
    preview_rows: list[PreviewLine] = []
    preview_cost: str = ""
    preview_note: str = ""
    error: str = ""
    requests: list[RequestRow] = []
    # What the borrower previewed last; asking sends exactly that, never a value changed after the preview.
    _previewed: dict = {}

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        principal = current_principal()
        try:
            detail = await asyncio.to_thread(borrower_dashboard.loan_detail, principal.user_id, self.number)
        except AccountsError:
            self.not_found = True
            return
        self.not_found = False
        self.loan_id = detail.loan_id
        views = await asyncio.to_thread(plan_changes.own_requests, principal)
        self.requests = [_request_row(view, locale) for view in views if view.loan_id == self.loan_id]

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def load(self) -> None:
        """Load the loan named in the path /loans/<number>/plan and the borrower's requests on it."""
        path = self.router.url.path
        rest = path[len(ROUTE_PREFIX):] if path.startswith(ROUTE_PREFIX) else ""
        self.number = rest.split("/")[0][:32]
        self.preview_rows, self.preview_cost, self.preview_note, self.error = [], "", "", ""
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_LOANS)
    def choose_kind(self, kind: str | list[str]) -> None:
        """Switch the form between deferral, extension and partial prepayment."""
        # The segmented control reports a list when it allows several values; this one allows one.
        if isinstance(kind, str) and kind in KINDS:
            self.kind = kind
            self._previewed = {}
            self.preview_rows, self.preview_cost, self.preview_note = [], "", ""

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def preview(self, form_data: dict) -> None:
        """Show the new schedule and what it costs against the current one, storing nothing."""
        locale = await locale_of(self)
        kind, params = _params({**form_data, "kind": self.kind})
        try:
            result: PlanPreview = await asyncio.to_thread(plan_changes.preview, current_principal(), self.loan_id, kind, params)
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            self.preview_rows = []
            return
        self.error = ""
        self._previewed = {"kind": kind, "params": params}
        self.preview_rows = [PreviewLine(row.seq, format_date(row.due_date, locale), format_money(row.total, locale)) for row in result.rows]
        key = "plan_page.cost_more" if result.cost >= 0 else "plan_page.cost_less"
        self.preview_cost = translate(key, locale, amount=format_money(abs(result.cost), locale))
        notes = []
        if result.interest_due_first:
            notes.append(translate("plan_page.interest_first", locale, amount=format_money(result.interest_due_first, locale)))
        if result.prepayment_fee:
            notes.append(translate("plan_page.prepayment_fee", locale, amount=format_money(result.prepayment_fee, locale)))
        self.preview_note = " ".join(notes)

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def submit(self) -> rx.event.EventSpec | None:
        """Ask for the change that was previewed last."""
        locale = await locale_of(self)
        if not self._previewed:
            return None
        kind, params = self._previewed["kind"], self._previewed["params"]
        try:
            await asyncio.to_thread(plan_changes.request_change, current_principal(), self.loan_id, kind, params,
                                    client_ip=client_ip_of(self))
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return None
        self.error = ""
        self._previewed = {}
        self.preview_rows, self.preview_cost, self.preview_note = [], "", ""
        await self._refresh()
        return rx.toast.success(translate("plan_page.requested", locale))

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def sign(self, form_data: dict) -> rx.event.EventSpec | None:
        """Sign an approved change with the account password; the new schedule replaces the old one."""
        locale = await locale_of(self)
        try:
            request_id = int(form_text(form_data, "request_id", 12))
        except ValueError:
            return None
        password = form_text(form_data, "password", 256)
        try:
            await asyncio.to_thread(
                plan_changes.accept, current_principal(), request_id, password,
                client_ip=client_ip_of(self), user_agent=self.router.headers.user_agent[:256],
            )
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh()
        return rx.toast.success(translate("plan_page.signed", locale))


def _request_row(view: RequestView, locale: str) -> RequestRow:
    return RequestRow(
        id=view.id,
        kind_label=translate(f"plan_page.kind.{view.kind}", locale),
        status=view.status,
        status_label=translate(f"plan_page.status.{view.status}", locale),
        can_sign=view.status == "approved" and not view.signed,
    )
