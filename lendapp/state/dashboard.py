"""The borrower dashboard: the overview at /account and one loan at /loans/<number>."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money, format_percent
from lendapp.services import borrower_dashboard, payments
from lendapp.services.auth_errors import AccountsError
from lendapp.services.borrower_dashboard import TIMELINE, ApplicationSummary, LoanDetail, LoanSummary
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)

LOAN_ROUTE_PREFIX = "/loans/"
PAY_PURPOSES = ("installment", "overdue", "payoff")
# Where each next action takes the borrower; the application number is appended.
_ACTION_TARGETS = {
    "continue_application": "/apply?number=",
    "upload_documents": "/applications/",
    "accept_offer": "/applications/",
    "sign_contract": "/applications/",
}


@dataclasses.dataclass
class TimelineStep:
    """One step of an application's progress."""

    label: str
    reached: bool


@dataclasses.dataclass
class ApplicationCard:
    """An application on the overview, as display text."""

    number: str
    status: str
    status_label: str
    amount: str
    steps: list[TimelineStep]
    action_label: str
    action_href: str
    reasons: list[str]


@dataclasses.dataclass
class LoanCard:
    """A loan on the overview, as display text."""

    number: str
    state: str
    state_label: str
    principal: str
    outstanding: str
    next_due: str
    overdue: str
    dpd: int
    progress: int


@dataclasses.dataclass
class ScheduleLine:
    """One schedule row, as display text."""

    seq: int
    due_date: str
    total: str
    principal: str
    interest: str
    remaining: str
    status: str
    status_label: str


@dataclasses.dataclass
class PaymentRow:
    """One repayment, as display text."""

    reference: str
    purpose_label: str
    amount: str
    status_label: str
    time: str


@dataclasses.dataclass
class ContractRow:
    """One contract version with its download link."""

    version: int
    status_label: str
    signed_at: str
    href: str


def _application_card(item: ApplicationSummary, locale: str) -> ApplicationCard:
    steps = [TimelineStep(translate(f"dashboard.timeline.{step}", locale), index <= item.reached_step) for index, step in enumerate(TIMELINE)]
    target = _ACTION_TARGETS.get(item.next_action)
    return ApplicationCard(
        number=item.number,
        status=item.status,
        status_label=translate(f"dashboard.application_status.{item.status}", locale),
        amount=format_money(item.amount, locale) if item.amount is not None else "",
        steps=steps,
        action_label=translate(f"dashboard.next_action.{item.next_action}", locale) if item.next_action else "",
        action_href=f"{target}{item.number}" if target else "",
        reasons=[translate(key, locale) for key in item.reason_keys if _has_key(key, locale)],
    )


def _has_key(key: str, locale: str) -> bool:
    try:
        translate(key, locale)
    except KeyError:
        return False
    return True


def _loan_card(item: LoanSummary, locale: str) -> LoanCard:
    next_due = ""
    if item.next_due_date is not None:
        next_due = translate(
            "dashboard.loan.next_due_value", locale,
            date=format_date(item.next_due_date, locale), amount=format_money(item.next_due_amount, locale),
        )
    return LoanCard(
        number=item.number,
        state=item.state,
        state_label=translate(f"dashboard.loan_state.{item.state}", locale),
        principal=format_money(item.principal, locale),
        outstanding=format_money(item.outstanding_principal, locale),
        next_due=next_due,
        overdue=format_money(item.overdue_amount, locale) if item.overdue_amount else "",
        dpd=item.dpd,
        progress=int(item.repaid_share * 100),
    )


class DashboardState(rx.State):
    """The signed-in borrower's overview."""

    applications: list[ApplicationCard] = []
    loans: list[LoanCard] = []
    loaded: bool = False

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def load(self) -> None:
        """Load the borrower's applications and loans."""
        locale = await locale_of(self)
        view = await asyncio.to_thread(borrower_dashboard.overview, current_principal().user_id)
        self.applications = [_application_card(item, locale) for item in view.applications]
        self.loans = [_loan_card(item, locale) for item in view.loans]
        self.loaded = True


class LoanPageState(rx.State):
    """One of the borrower's loans: schedule, payments, contracts, payment buttons and the payoff quote."""

    number: str = ""
    not_found: bool = False
    card: LoanCard = LoanCard("", "", "", "", "", "", "", 0, 0)
    rate: str = ""
    apr: str = ""
    method_label: str = ""
    term_text: str = ""
    dates_text: str = ""
    credit: str = ""
    is_open: bool = False
    has_overdue: bool = False
    schedule: list[ScheduleLine] = []
    payments: list[PaymentRow] = []
    contracts: list[ContractRow] = []
    payoff_total: str = ""
    payoff_parts: str = ""
    payoff_valid: str = ""
    busy: bool = False
    online_payments: bool = False
    pay_provider: str = "stripe"

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        try:
            detail = await asyncio.to_thread(borrower_dashboard.loan_detail, current_principal().user_id, self.number)
        except AccountsError:
            self.not_found = True
            return
        self.not_found = False
        self._show(detail, locale)

    def _show(self, detail: LoanDetail, locale: str) -> None:
        timezone = get_settings().timezone
        self.card = _loan_card(detail.summary, locale)
        self.rate = format_percent(detail.annual_rate, locale)
        self.apr = format_percent(detail.apr, locale) if detail.apr is not None else ""
        self.method_label = translate(f"dashboard.method.{detail.method}", locale)
        self.term_text = translate("dashboard.loan.term_value", locale, term=detail.term)
        self.dates_text = translate(
            "dashboard.loan.dates_value", locale,
            start=format_date(detail.start_date, locale), end=format_date(detail.maturity_date, locale),
        )
        self.credit = format_money(detail.credit_balance, locale) if detail.credit_balance else ""
        self.is_open = detail.summary.state in ("active", "overdue", "restructured")
        self.has_overdue = detail.summary.overdue_amount > 0
        self.schedule = [
            ScheduleLine(
                seq=line.seq,
                due_date=format_date(line.due_date, locale),
                total=format_money(line.total, locale),
                principal=format_money(line.principal, locale),
                interest=format_money(line.interest, locale),
                remaining=format_money(line.remaining, locale),
                status=line.status,
                status_label=translate(f"dashboard.row_status.{line.status}", locale),
            )
            for line in detail.installments
        ]
        self.payments = [
            PaymentRow(
                reference=p.reference,
                purpose_label=translate(f"dashboard.pay.{p.purpose}", locale),
                amount=format_money(p.amount, locale),
                status_label=translate(f"dashboard.payment_status.{p.status}", locale),
                time=format_datetime(p.succeeded_at or p.created_at, locale, timezone),
            )
            for p in detail.payments
        ]
        self.contracts = [
            ContractRow(
                version=c.version,
                status_label=translate(f"dashboard.contract_status.{c.status}", locale),
                signed_at=format_datetime(c.signed_at, locale, timezone) if c.signed_at else "",
                href=f"/api/contracts/{c.contract_id}/pdf",
            )
            for c in detail.contracts
        ]

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def load(self) -> None:
        """Load the loan named in the path /loans/<number>."""
        path = self.router.url.path
        self.number = path[len(LOAN_ROUTE_PREFIX):].strip("/")[:32] if path.startswith(LOAN_ROUTE_PREFIX) else ""
        self.payoff_total = self.payoff_parts = self.payoff_valid = ""
        self.busy = False
        self.online_payments = get_settings().stripe_enabled
        self.pay_provider = "stripe" if self.online_payments else "bank_transfer"
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_PAYMENTS)
    def set_pay_provider(self, value: str | list[str]) -> None:
        """Choose online payment or bank transfer for the next payment."""
        if isinstance(value, str) and value in payments.PROVIDERS and (value != "stripe" or self.online_payments):
            self.pay_provider = value

    @rx.event
    @requires(Permission.OWN_LOANS)
    async def quote_payoff(self) -> rx.event.EventSpec | None:
        """Show today's payoff amount and its parts."""
        locale = await locale_of(self)
        try:
            offer = await asyncio.to_thread(borrower_dashboard.payoff_offer, current_principal().user_id, self.number)
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        self.payoff_total = format_money(offer.total, locale)
        self.payoff_parts = translate(
            "dashboard.payoff.parts", locale,
            principal=format_money(offer.principal, locale), interest=format_money(offer.interest, locale),
            fees=format_money(offer.fees, locale), penalty=format_money(offer.penalty, locale),
            credit=format_money(offer.credit_used, locale),
        )
        self.payoff_valid = translate("dashboard.payoff.valid_until", locale, date=format_date(offer.valid_until, locale))
        return None

    @rx.event
    @requires(Permission.OWN_PAYMENTS)
    async def pay(self, purpose: str) -> rx.event.EventSpec | None:
        """Start a payment of the next installment, everything overdue, or the payoff, and go to pay it."""
        locale = await locale_of(self)
        if purpose not in PAY_PURPOSES or self.busy:
            return None
        self.busy = True
        try:
            started = await asyncio.to_thread(
                payments.start_payment, current_principal(), self.number, purpose, provider=self.pay_provider,
            )
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        finally:
            self.busy = False
        if started.checkout_url:
            # Checkout opens in the same tab, as a phone user expects; json.dumps quotes the URL for the script.
            return rx.call_script(f"window.location.assign({json.dumps(started.checkout_url)})")
        return rx.redirect(f"/payments/{started.reference}")
