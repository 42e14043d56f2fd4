"""Amounts a borrower owes on a date, from the schedule and the amounts paid so far.

Payments toward a schedule are recorded as running totals of principal,
interest and installment fees paid (``PaidToDate``). They are matched to the
installments in due-date order, so the oldest installment is always the first
one paid. Late fees and penalty interest are not part of the schedule: callers
pass what is outstanding of them, usually from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lendapp.domain.allocation import Dues
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import ZERO
from lendapp.domain.schedule import Schedule, ScheduleRow


@dataclass(frozen=True)
class PaidToDate:
    """Running totals paid toward the current schedule's installments."""

    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("principal", "interest", "fees"):
            value = getattr(self, name)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise InvalidValueError(f"paid {name}", value, "a Decimal of 0 or more")


NOTHING_PAID = PaidToDate()


class RowBalance(NamedTuple):
    """The unpaid part of one installment."""

    row: ScheduleRow
    principal: Decimal
    interest: Decimal
    fee: Decimal

    @property
    def total(self) -> Decimal:
        """Unpaid principal, interest and fee."""
        return self.principal + self.interest + self.fee


def row_balances(schedule: Schedule, paid: PaidToDate = NOTHING_PAID) -> list[RowBalance]:
    """Match the paid totals to installments in due-date order and return what each still owes.

    Raises:
        InvalidValueError: A paid total exceeds the schedule's total of that kind.
    """
    if paid.principal > schedule.principal:
        raise InvalidValueError("paid principal", paid.principal, f"at most the principal {schedule.principal}")
    principal_left, interest_left, fees_left = paid.principal, paid.interest, paid.fees
    balances = []
    rows = schedule.rows
    for index, row in enumerate(rows):
        if not (principal_left or interest_left or fees_left):
            # Nothing paid is left to match, so the later rows are wholly unpaid.
            balances.extend(RowBalance(row, row.principal, row.interest, row.fee) for row in rows[index:])
            break
        principal_paid = min(principal_left, row.principal)
        interest_paid = min(interest_left, row.interest)
        fee_paid = min(fees_left, row.fee)
        principal_left -= principal_paid
        interest_left -= interest_paid
        fees_left -= fee_paid
        balances.append(RowBalance(row, row.principal - principal_paid, row.interest - interest_paid, row.fee - fee_paid))
    if interest_left or fees_left:
        raise InvalidValueError("paid interest or fees", paid, "at most the schedule's total interest and fees")
    return balances


def dues_on(
    schedule: Schedule,
    on: date,
    paid: PaidToDate = NOTHING_PAID,
    penalty_due: Decimal = ZERO,
    late_fees_due: Decimal = ZERO,
) -> Dues:
    """Return what is due on ``on``, split into overdue and current buckets.

    Installments due before ``on`` are overdue. The installment due on ``on``
    is current. Installments due later are not due yet, so a payment beyond
    the dues becomes a credit balance rather than an early repayment.

    Args:
        schedule: The current schedule.
        on: The date of the payment.
        paid: Totals paid toward the schedule so far.
        penalty_due: Outstanding penalty_interest, from the ledger.
        late_fees_due: Outstanding late fees, from the ledger.
    """
    return dues_from_balances(row_balances(schedule, paid), on, penalty_due, late_fees_due)


def dues_from_balances(
    balances: list[RowBalance], on: date, penalty_due: Decimal = ZERO, late_fees_due: Decimal = ZERO
) -> Dues:
    """Return what is due on ``on`` from row balances that ``row_balances`` returned, as ``dues_on`` does."""
    overdue_interest = overdue_principal = current_interest = current_principal = ZERO
    fees = late_fees_due
    for balance in balances:
        due_date = balance.row.due_date
        if due_date > on:
            break
        fees += balance.fee
        if due_date < on:
            overdue_interest += balance.interest
            overdue_principal += balance.principal
        else:
            current_interest += balance.interest
            current_principal += balance.principal
    return Dues(
        penalty=penalty_due,
        fees=fees,
        overdue_interest=overdue_interest,
        overdue_principal=overdue_principal,
        current_interest=current_interest,
        current_principal=current_principal,
    )


def days_past_due(schedule: Schedule, on: date, paid: PaidToDate = NOTHING_PAID) -> int:
    """Return the dpd: the age in days of the oldest installment still unpaid on ``on``, or 0."""
    for balance in row_balances(schedule, paid):
        if balance.row.due_date >= on:
            return 0
        if balance.total:
            return (on - balance.row.due_date).days
    return 0


def overdue_installments(schedule: Schedule, on: date, paid: PaidToDate = NOTHING_PAID) -> list[RowBalance]:
    """Return the installments due before ``on`` that are not fully paid, oldest first."""
    return [b for b in row_balances(schedule, paid) if b.row.due_date < on and b.total]
