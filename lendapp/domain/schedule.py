"""Repayment schedules for the four repayment methods.

Conventions, chosen to reproduce the results of published Chinese loan calculators:

* Regular periods are calendar months at the monthly rate, annual rate / 12.
* The equal_installment payment is the exact annuity payment rounded to the
  minor unit. The equal_principal part is principal / periods, rounded.
* Each period's interest is the opening balance x the periodic rate, rounded.
* The last period repays the whole remaining principal plus its interest, so
  the closing balance is exactly zero and rounding differences end up there.
* A first period that is not exactly one month (a broken period) accrues
  interest by actual days under the schedule's day count: opening balance x
  annual rate x year fraction. Its principal part is the regular one, so only
  the first payment differs from the installment.
* A bullet loan by days accrues principal x daily rate x days. A bullet loan
  by months accrues principal x annual rate x months / 12.

All amounts are rounded by one RoundingPolicy (half-up by default).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache
from datetime import date, timedelta
from decimal import Context, Decimal, localcontext
from typing import NamedTuple

from lendapp.domain.dates import add_months, monthly_due_dates
from lendapp.domain.day_count import DayCount, daily_rate_from_annual, year_fraction
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.fees import NO_FEES, FeeTerms, FeeTiming
from lendapp.domain.money import DEFAULT_ROUNDING, ZERO, RoundingPolicy, minor_unit
from lendapp.domain.terms import LoanTerms, RepaymentMethod

MONTHS_PER_YEAR = Decimal(12)

# Precision for schedule arithmetic. With 34 digits the error of (1 + r) ** 360
# stays far below a cent, and a private context ignores changes to the
# thread's context.
SCHEDULE_CONTEXT = Context(prec=34)


class ScheduleRow(NamedTuple):
    """One installment of a schedule. ``payment = principal + interest + fee``.

    A named tuple rather than a frozen dataclass, because a 360-row schedule
    creates 360 of them and a frozen dataclass took about five times as long to
    build (CPython 3.11).
    """

    number: int
    due_date: date
    opening_balance: Decimal
    principal: Decimal
    interest: Decimal
    fee: Decimal
    payment: Decimal
    closing_balance: Decimal


@dataclass(frozen=True)
class Schedule:
    """A repayment schedule built from loan terms and fee terms.

    Attributes:
        terms: The terms the schedule was built from.
        fees: The fee terms applied (upfront and per-installment fees).
        principal: Principal repaid over the schedule, including a financed upfront_fee.
        installment: Regular principal-and-interest payment, excluding fees: the
            annuity payment for equal_installment, the regular interest for
            interest_only, and None for equal_principal and bullet.
        rows: The installments in due-date order.
    """

    terms: LoanTerms
    fees: FeeTerms
    principal: Decimal
    installment: Decimal | None
    rows: tuple[ScheduleRow, ...]

    @property
    def method(self) -> RepaymentMethod:
        """Repayment method."""
        return self.terms.method

    @property
    def day_count(self) -> DayCount:
        """Day-count convention used for interest that accrues by days."""
        return self.terms.day_count

    @property
    def currency(self) -> str:
        """ISO 4217 code of every amount."""
        return self.terms.currency

    @property
    def start_date(self) -> date:
        """Date interest starts to accrue (the disbursement date)."""
        return self.terms.start_date

    @property
    def maturity_date(self) -> date:
        """Due date of the last installment."""
        return self.rows[-1].due_date

    @property
    def regular_payment(self) -> Decimal | None:
        """Regular payment including the installment fee, or None when payments vary."""
        if self.installment is None:
            return None
        return self.installment + self.fees.installment_fee

    @property
    def amount_received(self) -> Decimal:
        """Amount the borrower receives at disbursement, after a deducted upfront_fee."""
        return self.principal - self.fees.upfront_fee

    @property
    def total_principal(self) -> Decimal:
        """Sum of the principal parts, equal to ``principal``."""
        return sum((row.principal for row in self.rows), ZERO)

    @property
    def total_interest(self) -> Decimal:
        """Sum of the interest parts."""
        return sum((row.interest for row in self.rows), ZERO)

    @property
    def total_installment_fees(self) -> Decimal:
        """Sum of the per-installment fees."""
        return sum((row.fee for row in self.rows), ZERO)

    @property
    def total_fees(self) -> Decimal:
        """The upfront_fee plus every per-installment fee."""
        return self.fees.upfront_fee + self.total_installment_fees

    @property
    def total_payment(self) -> Decimal:
        """Sum of all scheduled payments (a financed upfront_fee is inside the principal)."""
        return sum((row.payment for row in self.rows), ZERO)


def build_schedule(
    terms: LoanTerms,
    fees: FeeTerms = NO_FEES,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Schedule:
    """Build the repayment schedule of ``terms`` under the conventions in the module docstring.

    Args:
        terms: Validated loan terms.
        fees: Fee terms. A financed upfront_fee is added to the principal, and
            the installment fee is added to every row.
        rounding: Rounding policy for every amount.

    Raises:
        InvalidValueError: A deducted upfront_fee is not less than the principal.
    """
    if fees.upfront_fee_timing is FeeTiming.DEDUCTED and fees.upfront_fee >= terms.principal:
        raise InvalidValueError("upfront_fee", fees.upfront_fee, f"less than the principal {terms.principal}")
    principal = terms.principal + fees.financed_fee
    fee = rounding.round(fees.installment_fee, terms.currency)
    with localcontext(SCHEDULE_CONTEXT):
        if terms.method is RepaymentMethod.BULLET:
            installment, rows = _bullet_rows(terms, principal, fee, rounding)
        else:
            installment, rows = _monthly_rows(terms, principal, fee, rounding)
    # Positional arguments: a frozen dataclass is built about twice as fast without keywords.
    return Schedule(terms, fees, principal, installment, tuple(rows))


def annuity_payment(principal: Decimal, periodic_rate: Decimal, periods: int) -> Decimal:
    """Return the exact (unrounded) annuity payment that repays ``principal`` in ``periods``.

    The payment is ``P r (1 + r)^n / ((1 + r)^n - 1)``, or ``P / n`` at a zero rate.
    """
    if periodic_rate == 0:
        return principal / periods
    growth = (1 + periodic_rate) ** periods
    return principal * periodic_rate * growth / (growth - 1)


@lru_cache(maxsize=256)
def exact_monthly_rate(annual_rate: Decimal) -> Decimal | None:
    """Return annual_rate / 12 when it is an exact decimal, else None.

    Dividing by 4 always ends in decimal, so the quotient is exact exactly when
    the rate's integer coefficient is divisible by 3. Results are cached
    because a product has few distinct rates.
    """
    digits = annual_rate.as_tuple().digits
    coefficient = int("".join(map(str, digits))) if digits else 0
    if coefficient % 3:
        return None
    return annual_rate / MONTHS_PER_YEAR


def _monthly_rows(
    terms: LoanTerms, principal: Decimal, fee: Decimal, rounding: RoundingPolicy
) -> tuple[Decimal | None, list[ScheduleRow]]:
    currency = terms.currency
    periods = terms.periods
    deferred = terms.deferred_periods
    annual_rate = terms.annual_rate
    method = terms.method
    round_money = rounding.round

    first_due = terms.first_due_date
    due_dates = monthly_due_dates(first_due, periods, terms.due_anchor)

    installment: Decimal | None = None
    level_principal = ZERO
    amortizing = periods - deferred
    if method is RepaymentMethod.EQUAL_INSTALLMENT:
        installment = round_money(annuity_payment(principal, annual_rate / MONTHS_PER_YEAR, amortizing), currency)
    elif method is RepaymentMethod.EQUAL_PRINCIPAL:
        level_principal = round_money(principal / amortizing, currency)
    else:
        installment = round_money(principal * annual_rate / MONTHS_PER_YEAR, currency)

    rows = []
    balance = principal
    last = periods - 1
    exponent = minor_unit(currency)
    mode = rounding.mode
    is_annuity = method is RepaymentMethod.EQUAL_INSTALLMENT
    is_interest_only = method is RepaymentMethod.INTEREST_ONLY
    installment_with_fee = installment + fee if installment is not None else None
    # Zero at the currency's scale, so unpaid principal parts print as 0.00.
    nothing = exponent - exponent
    # tuple.__new__ skips the Python-level __new__ of a named tuple, which is
    # slow in this hot loop.
    new_row = tuple.__new__
    # A monthly rate that is an exact decimal (0.24 / 12 = 0.02) saves a
    # division per row. Otherwise interest is balance x annual rate divided
    # once, so a half-cent boundary is not lost to a truncated monthly rate.
    monthly_rate = exact_monthly_rate(annual_rate)
    for index, due_date in enumerate(due_dates):
        # The quantize call is RoundingPolicy.round inlined, because this loop is hot.
        if monthly_rate is not None:
            interest = (balance * monthly_rate).quantize(exponent, mode)
        else:
            interest = (balance * annual_rate / MONTHS_PER_YEAR).quantize(exponent, mode)
        level_payment = False
        if index == last:
            part = balance
        elif index < deferred or is_interest_only:
            part = nothing
        elif is_annuity:
            part = installment - interest
            level_payment = True
        else:
            part = level_principal
        if part > balance:
            # Rounding can make a tiny loan's parts overshoot; the last row settles the rest.
            part = balance
            level_payment = False
        # An annuity row's principal plus interest is exactly the installment, so skip two additions.
        payment = installment_with_fee if level_payment else part + interest + fee
        closing = balance - part
        rows.append(new_row(ScheduleRow, (index + 1, due_date, balance, part, interest, fee, payment, closing)))
        balance = closing

    if not terms.has_regular_first_period:
        # A broken first period keeps its regular principal part but accrues interest by days.
        fraction = year_fraction(terms.start_date, first_due, terms.day_count)
        first_interest = round_money(principal * annual_rate * fraction, currency)
        first = rows[0]
        rows[0] = first._replace(interest=first_interest, payment=first.principal + first_interest + fee)
    return installment, rows


def _bullet_rows(
    terms: LoanTerms, principal: Decimal, fee: Decimal, rounding: RoundingPolicy
) -> tuple[None, list[ScheduleRow]]:
    if terms.days is not None:
        daily_rate = terms.daily_rate
        if daily_rate is None:
            daily_rate = daily_rate_from_annual(terms.annual_rate, terms.day_count)
        due_date = terms.start_date + timedelta(days=terms.days)
        interest = principal * daily_rate * terms.days
    else:
        due_date = add_months(terms.start_date, terms.months or 1)
        interest = principal * terms.annual_rate * (terms.months or 1) / MONTHS_PER_YEAR
    interest = rounding.round(interest, terms.currency)
    row = ScheduleRow(1, due_date, principal, principal, interest, fee, principal + interest + fee, principal - principal)
    return None, [row]


def rebuild_schedule(
    schedule: Schedule,
    principal: Decimal,
    start_date: date,
    first_due: date,
    months: int,
    deferred_periods: int = 0,
    rounding: RoundingPolicy = DEFAULT_ROUNDING,
) -> Schedule:
    """Build a follow-on schedule for the outstanding principal of ``schedule``.

    The new schedule keeps the method, rate, day count, currency, due-date
    anchor and per-installment fee. It charges no upfront_fee again, because
    the original disbursement already did.
    """
    terms = schedule.terms
    new_terms = replace(
        terms,
        principal=principal,
        start_date=start_date,
        first_due=first_due,
        due_day=terms.due_anchor,
        months=months,
        deferred_periods=deferred_periods,
    )
    fees = replace(schedule.fees, upfront_fee=ZERO, upfront_fee_timing=FeeTiming.DEDUCTED)
    return build_schedule(new_terms, fees, rounding)
