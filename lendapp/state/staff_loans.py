"""The staff loan list at /staff/loans and one loan at /staff/loans/<number>."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money, format_percent
from lendapp.services import staff_loans
from lendapp.services.auth_errors import AccountsError
from lendapp.services.staff_loans import StaffLoanView
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)

DETAIL_PREFIX = "/staff/loans/"
STATES = ("active", "overdue", "restructured", "settled", "settled_early", "written_off")


@dataclasses.dataclass
class LoanRow:
    """One loan of the list, as display text."""

    number: str
    application_number: str
    product_code: str
    state_label: str
    principal: str
    dpd: int
    bucket: str
    disbursed: str


@dataclasses.dataclass
class Line:
    """A label and a value."""

    label: str
    value: str


@dataclasses.dataclass
class DetailRow:
    """A table row of text cells."""

    cells: list[str]


class StaffLoansState(rx.State):
    """The loan list."""

    rows: list[LoanRow] = []
    state_filter: str = ""
    search: str = ""
    error: str = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        timezone = get_settings().timezone
        try:
            items = await asyncio.to_thread(staff_loans.list_loans, current_principal(), state=self.state_filter, search=self.search)
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return
        self.rows = [
            LoanRow(i.number, i.application_number, i.product_code, translate(f"dashboard.loan_state.{i.state}", locale),
                    format_money(i.principal, locale), i.dpd, i.dpd_bucket, format_datetime(i.disbursed_at, locale, timezone))
            for i in items
        ]

    @rx.event
    @requires(Permission.LOANS_VIEW)
    async def load(self) -> None:
        """Load the newest loans."""
        await self._refresh()

    @rx.event
    @requires(Permission.LOANS_VIEW)
    async def apply_filters(self, form_data: dict) -> None:
        """Filter by state or find a loan or application number."""
        state = form_text(form_data, "state", 16)
        self.state_filter = state if state in STATES else ""
        self.search = form_text(form_data, "search", 32)
        await self._refresh()


class StaffLoanDetailState(rx.State):
    """One loan for staff."""

    number: str = ""
    not_found: bool = False
    facts: list[Line] = []
    balances: list[Line] = []
    schedule: list[DetailRow] = []
    payments: list[DetailRow] = []
    contacts: list[DetailRow] = []

    @rx.event
    @requires(Permission.LOANS_VIEW)
    async def load(self) -> None:
        """Load the loan named in the path."""
        path = self.router.url.path
        self.number = path[len(DETAIL_PREFIX):].strip("/")[:32] if path.startswith(DETAIL_PREFIX) else ""
        locale = await locale_of(self)
        try:
            view = await asyncio.to_thread(staff_loans.loan_view, current_principal(), self.number)
        except AccountsError:
            self.not_found = True
            return
        self.not_found = False
        self._show(view, locale)

    def _show(self, view: StaffLoanView, locale: str) -> None:
        timezone = get_settings().timezone
        money = lambda amount: format_money(amount, locale)  # noqa: E731
        self.facts = [
            Line(translate("staff.loans.application", locale), view.application_number),
            Line(translate("staff.loans.borrower", locale), view.masked_name),
            Line(translate("staff.loans.product", locale), view.product_code),
            Line(translate("staff.loans.state", locale), translate(f"dashboard.loan_state.{view.state}", locale)),
            Line(translate("dashboard.loan.principal", locale), money(view.principal)),
            Line(translate("loan_page.rate", locale), format_percent(view.annual_rate, locale)),
            Line(translate("loan_page.apr", locale), format_percent(view.apr, locale) if view.apr is not None else ""),
            Line(translate("dashboard.loan.outstanding", locale), money(view.outstanding_principal)),
            Line(translate("staff.loans.overdue", locale), money(view.overdue_amount)),
            Line(translate("staff.loans.dpd", locale), f"{view.dpd} ({view.dpd_bucket})"),
        ]
        self.balances = [Line(translate(f"staff.loans.account.{name}", locale), money(amount)) for name, amount in view.balances.items()]
        self.schedule = [
            DetailRow([str(r.seq), format_date(r.due_date, locale), money(r.total), money(r.remaining),
                       translate(f"dashboard.row_status.{r.status}", locale)])
            for r in view.installments
        ]
        self.payments = [
            DetailRow([p.reference, translate(f"dashboard.pay.{p.purpose}", locale), p.provider, money(p.amount),
                       translate(f"dashboard.payment_status.{p.status}", locale),
                       format_datetime(p.succeeded_at or p.created_at, locale, timezone)])
            for p in view.payments
        ]
        self.contacts = [
            DetailRow([format_datetime(c.created_at, locale, timezone), c.kind, c.outcome,
                       money(c.promised_amount) if c.promised_amount is not None else "",
                       format_date(c.promised_date, locale) if c.promised_date else "", c.note])
            for c in view.contacts
        ]
