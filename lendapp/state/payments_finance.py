"""The finance page: transfers awaiting confirmation, recent payments, credit balance refunds and reconciliation."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import secrets

import reflex as rx

from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import from_minor_units, parse_decimal
from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime, format_money
from lendapp.services import payments
from lendapp.services.auth_errors import AccountsError
from lendapp.services.payments import PaymentView
from lendapp.services.payments_reconciliation import reconciliation_report
from lendapp.services.payments_refunds import credit_balances, refund_credit_balance
from lendapp.services.payments_transfers import confirm_transfer
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class PaymentRow:
    """One payment as the finance tables show it, text already formatted."""

    reference: str
    loan_number: str
    provider: str
    amount: str
    received: str
    state: str
    created: str
    has_receipt: bool


@dataclasses.dataclass
class CreditRow:
    """A loan with a credit balance that finance may refund."""

    loan_number: str
    credit: str
    credit_value: str


@dataclasses.dataclass
class MismatchRow:
    """One reconciliation finding."""

    kind: str
    subject: str
    loan_number: str
    detail: str


class FinancePaymentsState(rx.State):
    """Finance's view of payments."""

    awaiting: list[PaymentRow] = []
    recent: list[PaymentRow] = []
    credits: list[CreditRow] = []
    mismatches: list[MismatchRow] = []
    form_error: str = ""
    # A fresh key per rendered refund form, so a double click refunds once.
    refund_key: str = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        principal = current_principal()
        awaiting = await asyncio.to_thread(payments.list_payments, principal, awaiting_transfer=True)
        recent = await asyncio.to_thread(payments.list_payments, principal, limit=30)
        credits = await asyncio.to_thread(credit_balances, principal) if principal.can(Permission.REFUND) else []
        report = await asyncio.to_thread(reconciliation_report, principal)
        self.awaiting = [_payment_row(view, locale) for view in awaiting]
        self.recent = [_payment_row(view, locale) for view in recent]
        self.credits = [CreditRow(number, format_money(credit, locale), str(credit)) for number, credit in credits]
        self.mismatches = [
            MismatchRow(translate(f"payments.mismatch.{item.kind}", locale), item.subject, item.loan_number,
                        _amounts(item.expected_minor, item.actual_minor, locale))
            for item in report
        ]
        self.refund_key = secrets.token_hex(12)

    async def _run(self, action, done_key: str) -> rx.event.EventSpec | None:
        locale = await locale_of(self)
        self.form_error = ""
        try:
            await asyncio.to_thread(action)
        except AccountsError as error:
            self.form_error = translate(error.key, locale, **error.params)
            return rx.toast.error(self.form_error)
        await self._refresh()
        return rx.toast.success(translate(done_key, locale))

    @rx.event
    @requires(Permission.TRANSFER_CONFIRM)
    async def load(self) -> None:
        """Load the tables and the reconciliation report."""
        self.form_error = ""
        await self._refresh()

    @rx.event
    @requires(Permission.TRANSFER_CONFIRM)
    async def confirm(self, form_data: dict) -> rx.event.EventSpec | None:
        """Confirm one bank transfer with the amount, time and bank reference received."""
        locale = await locale_of(self)
        try:
            amount = parse_decimal(form_text(form_data, "amount", 32), "amount")
            received_at = _parse_local_time(form_text(form_data, "received_at", 32))
        except (InvalidValueError, ValueError):
            self.form_error = translate("payments.error.confirm_form", locale)
            return rx.toast.error(self.form_error)
        principal, client_ip = current_principal(), client_ip_of(self)
        reference, bank_reference = form_text(form_data, "reference", 32), form_text(form_data, "bank_reference", 64)
        return await self._run(
            lambda: confirm_transfer(principal, reference, amount, received_at, bank_reference, client_ip=client_ip),
            "payments.finance.confirmed",
        )

    @rx.event
    @requires(Permission.REFUND)
    async def refund(self, form_data: dict) -> rx.event.EventSpec | None:
        """Refund part or all of a loan's credit balance."""
        locale = await locale_of(self)
        try:
            amount = parse_decimal(form_text(form_data, "amount", 32), "amount")
        except InvalidValueError:
            self.form_error = translate("payments.error.amount", locale)
            return rx.toast.error(self.form_error)
        principal, client_ip = current_principal(), client_ip_of(self)
        loan_number, key = form_text(form_data, "loan_number", 32), self.refund_key
        return await self._run(
            lambda: refund_credit_balance(principal, loan_number, amount, key, client_ip=client_ip),
            "payments.finance.refunded",
        )


def _payment_row(view: PaymentView, locale: str) -> PaymentRow:
    return PaymentRow(
        reference=view.reference,
        loan_number=view.loan_number,
        provider=translate(f"payments.provider.{view.provider}", locale),
        amount=format_money(view.amount, locale, view.currency),
        received=format_money(view.received, locale, view.currency) if view.received else "",
        state=translate(f"payments.state.{view.display_state}", locale),
        created=format_datetime(view.created_at, locale, get_settings().timezone),
        has_receipt=view.has_receipt_upload,
    )


def _amounts(expected: int | None, actual: int | None, locale: str) -> str:
    # Findings carry fen; finance reads yuan, expected amount first.
    parts = [format_money(from_minor_units(value, "CNY"), locale) for value in (expected, actual) if value is not None]
    return " / ".join(parts)


def _parse_local_time(text: str) -> dt.datetime:
    # The datetime-local input sends "YYYY-MM-DDTHH:MM" in the finance user's wall time, the configured zone.
    return dt.datetime.fromisoformat(text).replace(tzinfo=get_settings().timezone_info)
