"""Loan terms: amount, rate, term, repayment method and dates, validated once.

Terms run 1 to 360 months for every method, or 7 to 365 days for a bullet
loan with interest by days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum

from lendapp.domain.dates import add_months
from lendapp.domain.day_count import DayCount
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.money import MINOR_UNITS, is_exact_amount

MIN_MONTHS = 1
MAX_MONTHS = 360
MIN_DAYS = 7
MAX_DAYS = 365
MIN_PRINCIPAL = Decimal("0.01")
MAX_PRINCIPAL = Decimal("100000000.00")
MAX_ANNUAL_RATE = Decimal("1")
MAX_DAILY_RATE = Decimal("0.01")


class RepaymentMethod(str, Enum):
    """Repayment method: the way principal and interest are spread over the term."""

    EQUAL_INSTALLMENT = "equal_installment"
    """Annuity (等额本息): the same payment every period."""

    EQUAL_PRINCIPAL = "equal_principal"
    """Equal principal (等额本金): the same principal every period, falling payments."""

    INTEREST_ONLY = "interest_only"
    """Interest first, principal at maturity (先息后本)."""

    BULLET = "bullet"
    """Principal and interest in one payment at maturity (到期一次还本付息)."""


@dataclass(frozen=True)
class LoanTerms:
    """The contractual terms from which a repayment schedule is built.

    Attributes:
        principal: Amount lent, before any financed upfront_fee is added.
        annual_rate: Nominal annual rate as a fraction (0.0999 is 9.99%).
        method: Repayment method.
        start_date: Date the loan is disbursed and interest starts to accrue.
        months: Term in months (1 to 360). Exactly one of months and days is set.
        days: Term in days (7 to 365), for a bullet loan only.
        daily_rate: Daily rate of a bullet loan by days; defaults to the annual
            rate divided by the day count's year (365 under ACT/365F).
        first_due: First due date of a monthly schedule; defaults to one month
            after start_date. It may fall anywhere after start_date and up to two
            months after it.
        due_day: Anchor day of month for due dates; defaults to first_due's day.
        deferred_periods: Leading periods that pay interest only before the
            principal starts to amortize (used by deferral).
        day_count: Day-count convention for interest that accrues by days.
        currency: ISO 4217 code of every amount.
    """

    principal: Decimal
    annual_rate: Decimal
    method: RepaymentMethod
    start_date: date
    months: int | None = None
    days: int | None = None
    daily_rate: Decimal | None = None
    first_due: date | None = None
    due_day: int | None = None
    deferred_periods: int = 0
    day_count: DayCount = DayCount.ACT_365F
    currency: str = "CNY"

    def __post_init__(self) -> None:
        self._check_amounts()
        self._check_term()
        self._check_dates()

    def _check_amounts(self) -> None:
        if self.currency not in MINOR_UNITS:
            raise InvalidValueError("currency", self.currency, "one of " + ", ".join(sorted(MINOR_UNITS)))
        if not isinstance(self.principal, Decimal) or not is_exact_amount(self.principal, self.currency):
            places = MINOR_UNITS[self.currency]
            raise InvalidValueError("principal", self.principal, f"a {self.currency} amount with at most {places} decimal places")
        if not MIN_PRINCIPAL <= self.principal <= MAX_PRINCIPAL:
            raise InvalidValueError("principal", self.principal, f"{MIN_PRINCIPAL} to {MAX_PRINCIPAL}")
        _check_rate("annual_rate", self.annual_rate, MAX_ANNUAL_RATE)
        if self.daily_rate is not None:
            _check_rate("daily_rate", self.daily_rate, MAX_DAILY_RATE)

    def _check_term(self) -> None:
        if (self.months is None) == (self.days is None):
            raise InvalidValueError("months", self.months, "exactly one of months and days")
        if self.days is not None:
            if self.method is not RepaymentMethod.BULLET:
                raise InvalidValueError("days", self.days, "a term in days only for the bullet method")
            _check_int("days", self.days, MIN_DAYS, MAX_DAYS)
        else:
            _check_int("months", self.months, MIN_MONTHS, MAX_MONTHS)
            if self.daily_rate is not None:
                raise InvalidValueError("daily_rate", self.daily_rate, "only with a bullet term in days")
        limit = (self.months or 1) - 1
        _check_int("deferred_periods", self.deferred_periods, 0, limit)
        if self.deferred_periods and self.method not in (
            RepaymentMethod.EQUAL_INSTALLMENT,
            RepaymentMethod.EQUAL_PRINCIPAL,
        ):
            raise InvalidValueError("deferred_periods", self.deferred_periods, "0 for interest_only and bullet")

    def _check_dates(self) -> None:
        if self.due_day is not None:
            _check_int("due_day", self.due_day, 1, 31)
        if self.first_due is None:
            return
        if self.method is RepaymentMethod.BULLET:
            raise InvalidValueError("first_due", self.first_due, "no first due date for a bullet loan")
        if self.due_day is not None and add_months(self.first_due, 0, self.due_day) != self.first_due:
            raise InvalidValueError("first_due", self.first_due, f"a date on day {self.due_day} of its month (due_day)")
        earliest = date.fromordinal(self.start_date.toordinal() + 1)
        latest = add_months(self.start_date, 2)
        if not earliest <= self.first_due <= latest:
            raise InvalidValueError("first_due", self.first_due, f"{earliest} to {latest}")

    @property
    def due_anchor(self) -> int:
        """Day of month that due dates fall on, before month-end clamping.

        It is due_day when set, else the day of start_date when the first due
        date is one month after it, else the day of first_due. So a loan
        disbursed on 31 January and first due on 28 February is next due on
        31 March.
        """
        if self.due_day is not None:
            return self.due_day
        if self.first_due is not None and self.first_due != add_months(self.start_date, 1):
            return self.first_due.day
        return self.start_date.day

    @property
    def first_due_date(self) -> date:
        """The first due date: first_due when set, else one month after start_date."""
        if self.first_due is not None:
            return self.first_due
        return add_months(self.start_date, 1, self.due_anchor)

    @property
    def has_regular_first_period(self) -> bool:
        """Whether start_date to the first due date is exactly one month.

        It is when the first due date is one month after start_date, or when
        start_date is itself a due date of the series, as it is for 28 February
        in a series anchored on the 31st.
        """
        if self.first_due is None and self.due_day is None:
            return True
        first_due = self.first_due_date
        if first_due == add_months(self.start_date, 1):
            return True
        return add_months(first_due, -1, self.due_anchor) == self.start_date

    @property
    def periods(self) -> int:
        """Number of scheduled installments: the months, or 1 for a bullet loan."""
        if self.method is RepaymentMethod.BULLET:
            return 1
        return self.months or 1


def _check_rate(field: str, value: object, maximum: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite() or not 0 <= value <= maximum:
        raise InvalidValueError(field, value, f"0 to {maximum} (a fraction: 0.0999 is 9.99%)")


def _check_int(field: str, value: object, minimum: int, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise InvalidValueError(field, value, f"an integer from {minimum} to {maximum}")
