"""Partial early repayment: pay part of the principal before it is due.

A partial prepayment on date ``on`` first pays everything already due and the
interest accrued to ``on`` (the payoff quote without its principal not yet
due). The rest, less the prepayment fee, repays principal. The loan then
continues on a new schedule that starts on ``on`` and keeps the remaining due
dates, so its first period is a broken period with interest by days. Either
the installment falls and the number of installments stays
(``reduce_installment``), or the installment stays about the same and the
term is shortened (``reduce_term``).

Payments toward the new schedule are counted from zero again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from enum import Enum

from lendapp.domain.allocation import Dues
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import DEFAULT_ROUNDING, ZERO, RoundingPolicy
from lendapp.domain.payoff import PayoffQuote, payoff_quote
from lendapp.domain.position import NOTHING_PAID, PaidToDate
from lendapp.domain.schedule import MONTHS_PER_YEAR, SCHEDULE_CONTEXT, Schedule, rebuild_schedule
from lendapp.domain.terms import RepaymentMethod


class PrepaymentMode(str, Enum):
    """The part of the remaining schedule that a partial prepayment lowers."""

    REDUCE_INSTALLMENT = "reduce_installment"
    REDUCE_TERM = "reduce_term"


@dataclass(frozen=True)
class Prepayment:
    """The result of a partial prepayment.

    Attributes:
        quote: The payoff quote on the prepayment date, before the prepayment.
        applied: What the payment settled of the quote: every due bucket,
            accrued interest in current_interest, and the prepaid principal in
            current_principal.
        principal_prepaid: Principal repaid before it was due.
        prepayment_fee: Fee charged on ``principal_prepaid``.
        schedule: The new schedule for the principal that remains.
    """

    quote: PayoffQuote
    applied: Dues
    principal_prepaid: Decimal
    prepayment_fee: Decimal
    schedule: Schedule


def prepay(
    schedule: Schedule,
    on: date,
    amount: Decimal,
    mode: PrepaymentMode = PrepaymentMode.REDUCE_INSTALLMENT,
    paid: PaidToDate = NOTHING_PAID,
    penalty_due: Decimal = ZERO,
    late_fees_due: Decimal = ZERO,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Prepayment:
    """Apply a partial prepayment of ``amount`` on ``on`` and return the new schedule.

    Raises:
        InvalidValueError: The method is bullet, ``reduce_term`` is asked of an
            interest_only loan, the amount does not exceed what is already due,
            or it settles the whole loan (use a payoff instead).
    """
    if schedule.method is RepaymentMethod.BULLET:
        raise InvalidValueError("method", schedule.method.value, "a monthly method; settle a bullet loan with a payoff")
    if mode is PrepaymentMode.REDUCE_TERM and schedule.method is RepaymentMethod.INTEREST_ONLY:
        raise InvalidValueError("mode", mode.value, "reduce_installment for an interest_only loan")
    quote = payoff_quote(schedule, on, paid, penalty_due, late_fees_due, rounding=rounding)
    arrears = quote.total - quote.principal_not_due - quote.prepayment_fee
    if amount <= arrears:
        raise InvalidValueError("amount", amount, f"more than the {arrears} already due and accrued")
    if amount >= quote.total:
        raise InvalidValueError("amount", amount, f"less than the payoff amount {quote.total}; settle with a payoff")

    rate = schedule.fees.prepayment_fee_rate
    available = amount - arrears
    fee = rounding.round(available / (1 + rate) * rate, schedule.currency)
    principal_prepaid = available - fee
    remaining_principal = quote.principal_not_due - principal_prepaid

    remaining_rows = [row for row in schedule.rows if row.due_date > on]
    months = len(remaining_rows)
    if mode is PrepaymentMode.REDUCE_TERM:
        months = _shorter_term(schedule, remaining_principal, months)
    new_schedule = rebuild_schedule(
        schedule, remaining_principal, on, remaining_rows[0].due_date, months, rounding=rounding
    )
    dues = quote.dues
    applied = Dues(
        penalty=dues.penalty,
        fees=dues.fees + fee,
        overdue_interest=dues.overdue_interest,
        overdue_principal=dues.overdue_principal,
        current_interest=dues.current_interest + quote.accrued_interest,
        current_principal=dues.current_principal + principal_prepaid,
    )
    return Prepayment(quote, applied, principal_prepaid, fee, new_schedule)


def _shorter_term(schedule: Schedule, principal: Decimal, months: int) -> int:
    """Return the fewest installments that repay ``principal`` without raising the installment."""
    if schedule.method is RepaymentMethod.EQUAL_PRINCIPAL:
        level = schedule.rows[schedule.terms.deferred_periods].principal
        needed = math.ceil(principal / level)
    else:
        installment = schedule.installment or ZERO
        monthly_rate = schedule.terms.annual_rate / MONTHS_PER_YEAR
        if installment <= principal * monthly_rate:
            # Tiny rounded installments cannot shorten the term.
            needed = months
        elif monthly_rate == 0:
            needed = math.ceil(principal / installment)
        else:
            with localcontext(SCHEDULE_CONTEXT):
                # Solve P = A (1 - (1 + r) ** -n) / r for n and round up.
                ratio = installment / (installment - principal * monthly_rate)
                needed = math.ceil(ratio.ln() / (1 + monthly_rate).ln())
    return max(1, min(needed, months))

