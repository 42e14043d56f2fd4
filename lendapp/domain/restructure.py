"""Rescheduling from the outstanding balance: deferral and extension.

Both start a new schedule at the beginning of the current period (the last
due date on or before the restructuring date, or the disbursement date), so
the current period's interest stays in the new schedule's first installment.
The first new installment is due on the next due date of the old schedule,
and the due-date anchor is kept.

* deferral (延期) adds ``periods`` interest-only installments before the
  remaining installments. The term grows by ``periods``.
* extension (展期) spreads the outstanding principal over the remaining
  installments plus ``extra_periods`` more.

Interest, fees and penalty already due and unpaid are not moved into the new
schedule. They are returned as ``arrears`` and stay receivable. A loan past
its maturity restarts on the restructuring date itself, with its first
installment on the next day of month that the loan was due on. Its interest between maturity and that date is not charged as regular
interest, because penalty_interest covers overdue principal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lendapp.domain.allocation import Dues
from lendapp.domain.dates import add_months
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import DEFAULT_ROUNDING, ZERO, RoundingPolicy
from lendapp.domain.position import NOTHING_PAID, PaidToDate, dues_on
from lendapp.domain.schedule import Schedule, rebuild_schedule
from lendapp.domain.terms import MAX_MONTHS, RepaymentMethod


@dataclass(frozen=True)
class Restructuring:
    """A new schedule and what remains due outside it.

    Attributes:
        schedule: The new schedule for the outstanding principal.
        arrears: Interest, fees and penalty already due and unpaid, which stay receivable.
    """

    schedule: Schedule
    arrears: Dues


def defer(
    schedule: Schedule,
    on: date,
    periods: int,
    paid: PaidToDate = NOTHING_PAID,
    penalty_due: Decimal = ZERO,
    late_fees_due: Decimal = ZERO,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Restructuring:
    """Defer principal repayment by ``periods`` interest-only installments (deferral).

    Raises:
        InvalidValueError: ``periods`` is below 1, the new term exceeds 360
            months, the loan has matured, or the method is bullet.
    """
    _check_method(schedule)
    remaining = _remaining_installments(schedule, on)
    if remaining == 0:
        raise InvalidValueError("on", on, f"before the maturity date {schedule.maturity_date}; use an extension")
    _check_periods("periods", periods, remaining)
    deferred = periods
    if schedule.method is RepaymentMethod.INTEREST_ONLY:
        # Every period but the last is interest-only already, so a deferral only lengthens the term.
        deferred = 0
    return _restructure(schedule, on, remaining + periods, deferred, paid, penalty_due, late_fees_due, rounding)


def extend(
    schedule: Schedule,
    on: date,
    extra_periods: int,
    paid: PaidToDate = NOTHING_PAID,
    penalty_due: Decimal = ZERO,
    late_fees_due: Decimal = ZERO,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Restructuring:
    """Spread the outstanding principal over the remaining installments plus ``extra_periods`` (extension).

    Raises:
        InvalidValueError: ``extra_periods`` is below 1, the new term exceeds
            360 months, or the method is bullet.
    """
    _check_method(schedule)
    remaining = _remaining_installments(schedule, on)
    _check_periods("extra_periods", extra_periods, remaining)
    return _restructure(schedule, on, remaining + extra_periods, 0, paid, penalty_due, late_fees_due, rounding)


def _restructure(
    schedule: Schedule,
    on: date,
    months: int,
    deferred: int,
    paid: PaidToDate,
    penalty_due: Decimal,
    late_fees_due: Decimal,
    rounding: RoundingPolicy,
) -> Restructuring:
    dues = dues_on(schedule, on, paid, penalty_due, late_fees_due)
    outstanding = schedule.principal - paid.principal
    if outstanding <= 0:
        raise InvalidValueError("paid principal", paid.principal, "less than the principal; the loan is repaid")
    later_rows = [row for row in schedule.rows if row.due_date > on]
    if later_rows:
        first_due = later_rows[0].due_date
        number = later_rows[0].number
        start = schedule.start_date if number == 1 else schedule.rows[number - 2].due_date
    else:
        # Past maturity: restart on ``on`` and keep the borrower's due day.
        start = on
        anchor = schedule.terms.due_anchor
        first_due = add_months(on, 0, anchor)
        if first_due <= on:
            first_due = add_months(on, 1, anchor)
    new_schedule = rebuild_schedule(schedule, outstanding, start, first_due, months, deferred, rounding)
    arrears = Dues(penalty=dues.penalty, fees=dues.fees, overdue_interest=dues.overdue_interest, current_interest=dues.current_interest)
    return Restructuring(new_schedule, arrears)


def _remaining_installments(schedule: Schedule, on: date) -> int:
    return sum(1 for row in schedule.rows if row.due_date > on)


def _check_method(schedule: Schedule) -> None:
    if schedule.method is RepaymentMethod.BULLET:
        raise InvalidValueError("method", schedule.method.value, "a monthly method; a bullet loan is not rescheduled")


def _check_periods(field: str, value: int, remaining: int) -> None:
    maximum = MAX_MONTHS - remaining
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        raise InvalidValueError(field, value, f"an integer from 1 to {maximum}")
