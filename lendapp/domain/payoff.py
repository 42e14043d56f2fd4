"""Payoff quote: what closes a loan on a given date.

The quote adds up the outstanding principal, the interest due and unpaid,
interest accrued in the current period up to the quote date, fees and
penalty_interest due, and an optional prepayment fee on the principal repaid
before it falls due.

Interest accrued in the current period is the period's opening balance x the
annual rate x the year fraction from the period start to the quote date, under
the schedule's day count. The period starts on the previous due date, or on
the disbursement date in the first period. The accrued interest is capped at the period's scheduled interest, so an
early payoff never costs more interest than waiting for the due date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from lendapp.domain.allocation import Dues
from lendapp.domain.day_count import accrual_days, daily_rate_from_annual, year_fraction
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import DEFAULT_ROUNDING, ZERO, RoundingPolicy
from lendapp.domain.position import NOTHING_PAID, PaidToDate, RowBalance, dues_from_balances, row_balances
from lendapp.domain.schedule import Schedule


@dataclass(frozen=True)
class PayoffQuote:
    """The amount that settles a loan on ``on``, by component.

    Attributes:
        on: Quote date. The quote is valid for a payment on this date only.
        dues: What is already due (overdue and current installments, fees, penalty).
        principal_not_due: Outstanding principal whose due date is after ``on``.
        accrued_interest: Unpaid interest accrued in the current period up to ``on``.
        prepayment_fee: Fee on ``principal_not_due`` at the prepayment fee rate.
    """

    on: date
    dues: Dues
    principal_not_due: Decimal
    accrued_interest: Decimal
    prepayment_fee: Decimal

    @property
    def principal(self) -> Decimal:
        """All outstanding principal."""
        return self.dues.principal + self.principal_not_due

    @property
    def interest(self) -> Decimal:
        """Interest due plus interest accrued to ``on``."""
        return self.dues.interest + self.accrued_interest

    @property
    def fees(self) -> Decimal:
        """Fees due plus the prepayment fee."""
        return self.dues.fees + self.prepayment_fee

    @property
    def penalty(self) -> Decimal:
        """Penalty interest due."""
        return self.dues.penalty

    @property
    def total(self) -> Decimal:
        """The amount that settles the loan on ``on``."""
        return self.principal + self.interest + self.fees + self.penalty

    def as_dues(self) -> Dues:
        """Return the quote as dues, so a payoff payment goes through the waterfall.

        Accrued interest joins current interest, principal not yet due joins
        current principal, and the prepayment fee joins the fees.
        """
        return Dues(
            penalty=self.dues.penalty,
            fees=self.dues.fees + self.prepayment_fee,
            overdue_interest=self.dues.overdue_interest,
            overdue_principal=self.dues.overdue_principal,
            current_interest=self.dues.current_interest + self.accrued_interest,
            current_principal=self.dues.current_principal + self.principal_not_due,
        )


def payoff_quote(
    schedule: Schedule,
    on: date,
    paid: PaidToDate = NOTHING_PAID,
    penalty_due: Decimal = ZERO,
    late_fees_due: Decimal = ZERO,
    prepayment_fee_rate: Decimal | None = None,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> PayoffQuote:
    """Quote the amount that settles the loan on ``on``.

    Args:
        schedule: The current schedule.
        on: Payoff date, on or after the schedule's start date.
        paid: Totals paid toward the schedule so far.
        penalty_due: Outstanding penalty_interest, from the ledger.
        late_fees_due: Outstanding late fees, from the ledger.
        prepayment_fee_rate: Fraction of the principal not yet due charged as a
            prepayment fee; defaults to the schedule's fee terms.
        rounding: Rounding policy for the accrued interest and the fee.

    Raises:
        InvalidValueError: ``on`` is before the start date, or ``paid`` exceeds the schedule.
    """
    if on < schedule.start_date:
        raise InvalidValueError("on", on, f"on or after the start date {schedule.start_date}")
    if prepayment_fee_rate is None:
        prepayment_fee_rate = schedule.fees.prepayment_fee_rate
    balances = row_balances(schedule, paid)
    dues = dues_from_balances(balances, on, penalty_due, late_fees_due)
    not_due = [balance for balance in balances if balance.row.due_date > on]
    principal_not_due = sum((balance.principal for balance in not_due), ZERO)
    accrued = ZERO
    if not_due:
        accrued = _accrued_interest(schedule, on, not_due[0], principal_not_due, rounding)
    fee = rounding.round(principal_not_due * prepayment_fee_rate, schedule.currency)
    return PayoffQuote(
        on=on,
        dues=dues,
        principal_not_due=principal_not_due,
        accrued_interest=accrued,
        prepayment_fee=fee,
    )


def _accrued_interest(
    schedule: Schedule, on: date, current: RowBalance, principal_not_due: Decimal, rounding: RoundingPolicy
) -> Decimal:
    """Return the unpaid interest of the current period accrued up to ``on``."""
    row = current.row
    terms = schedule.terms
    if row.number == 1:
        period_start = schedule.start_date
    else:
        period_start = schedule.rows[row.number - 2].due_date
    base = min(row.opening_balance, principal_not_due)
    if terms.days is not None:
        # A bullet loan by days accrues at its daily rate, as its schedule does.
        daily_rate = terms.daily_rate
        if daily_rate is None:
            daily_rate = daily_rate_from_annual(terms.annual_rate, terms.day_count)
        exact = base * daily_rate * accrual_days(period_start, on, terms.day_count)
    else:
        exact = base * terms.annual_rate * year_fraction(period_start, on, terms.day_count)
    accrued = min(rounding.round(exact, schedule.currency), row.interest)
    # Interest already paid toward this period counts against what has accrued.
    already_paid = row.interest - current.interest
    return max(accrued - already_paid, ZERO)
