"""The finance payout page: signed applications to pay out and payouts waiting for a second confirmation."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import decimal
import logging
from decimal import Decimal

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_money
from lendapp.services import disbursements
from lendapp.services.auth_errors import AccountsError
from lendapp.services.disbursements import DisbursementResult, PayoutItem
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class PayoutRow:
    """One worklist row as display text; ``amount_value`` is what the transfer form expects."""

    number: str
    product_code: str
    principal: str
    amount: str
    amount_value: str
    term: int
    status: str
    status_label: str
    bank_reference: str
    needs_second: bool
    recorded_by_me: bool


class StaffPayoutsState(rx.State):
    """The payout worklist of the signed-in finance user."""

    rows: list[PayoutRow] = []
    error: str = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        try:
            items = await asyncio.to_thread(disbursements.payout_worklist, current_principal())
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return
        self.error = ""
        me = current_principal().user_id
        self.rows = [_row(item, locale, me) for item in items]

    @rx.event
    @requires(Permission.DISBURSEMENT)
    async def load(self) -> None:
        """Load the worklist."""
        await self._refresh()

    @rx.event
    @requires(Permission.DISBURSEMENT)
    async def record(self, form_data: dict) -> rx.event.EventSpec:
        """Record the bank transfer typed into one row's form."""
        locale = await locale_of(self)
        number = form_text(form_data, "number", 32)
        try:
            amount = Decimal(form_text(form_data, "amount", 20))
        except decimal.InvalidOperation:
            return rx.toast.error(translate("staff.payout.error.amount_format", locale))
        transferred_at = _parse_time(form_text(form_data, "transferred_at", 32))
        return await self._act(
            disbursements.record_disbursement, number, locale,
            bank_reference=form_text(form_data, "bank_reference", 80), amount=amount, transferred_at=transferred_at,
        )

    @rx.event
    @requires(Permission.PAYOUT_SECOND_CONFIRMATION)
    async def confirm(self, number: str) -> rx.event.EventSpec:
        """Confirm a colleague's payout as the second finance person."""
        return await self._act(disbursements.confirm_disbursement, str(number)[:32], await locale_of(self))

    async def _act(self, action, number: str, locale: str, **kwargs) -> rx.event.EventSpec:
        try:
            result: DisbursementResult = await asyncio.to_thread(
                action, current_principal(), number, client_ip=client_ip_of(self), **kwargs
            )
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh()
        if result.replayed:
            return rx.toast.info(translate("staff.payout.replayed", locale, number=number))
        key = "staff.payout.done" if result.loan_number else "staff.payout.waiting"
        return rx.toast.success(translate(key, locale, number=number, loan=result.loan_number or ""))


def _parse_time(text: str) -> dt.datetime | None:
    # The form's datetime-local value is the operator's local time in the TIMEZONE setting.
    if not text:
        return None
    try:
        local = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return local.replace(tzinfo=get_settings().timezone_info) if local.tzinfo is None else local


def _row(item: PayoutItem, locale: str, me: int) -> PayoutRow:
    return PayoutRow(
        number=item.application_number,
        product_code=item.product_code,
        principal=format_money(item.principal, locale),
        amount=format_money(item.amount_to_pay, locale),
        amount_value=str(item.amount_to_pay),
        term=item.term,
        status=item.status,
        status_label=translate(f"staff.payout.status.{item.status}", locale),
        bank_reference=item.bank_reference,
        needs_second=item.needs_second_confirmation,
        recorded_by_me=item.recorded_by == me,
    )
