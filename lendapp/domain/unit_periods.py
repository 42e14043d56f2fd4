"""Unit-periods of US Regulation Z, Appendix J, for dated cash flows.

Appendix J measures time in unit-periods: the interval between advances and
payments that occurs most often in the transaction (the smaller one on a tie).
A date's position is a whole number of unit-periods counted back from that
date to the start of the term, plus a fraction for the days left over. The
fraction is the leftover days over 30 for a month, 90 for a quarter, 180 for
a half year, 365 for a year, or over the period's days for day-based periods.

A single advance repaid by a single payment has a unit-period equal to its
term when the term is under a year: 12 / months periods a year for a whole
number of months, else 365 / days.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from lendapp.domain.dates import add_months, is_month_end, months_and_days_between


@dataclass(frozen=True)
class UnitPeriod:
    """A unit-period: its length in months or days, and how many make a year.

    Attributes:
        name: Short name such as ``"month"`` or ``"week"``.
        months: Length in calendar months, or 0 for a period measured in days.
        days: Length in days for a day-based period, or 0.
        per_year: Number of unit-periods in a year.
        fraction_days: Denominator of a fractional unit-period, in days.
    """

    name: str
    months: int
    days: int
    per_year: Decimal
    fraction_days: int


DAY = UnitPeriod("day", 0, 1, Decimal(365), 1)
WEEK = UnitPeriod("week", 0, 7, Decimal(52), 7)
FORTNIGHT = UnitPeriod("fortnight", 0, 14, Decimal(26), 14)
MONTH = UnitPeriod("month", 1, 0, Decimal(12), 30)
QUARTER = UnitPeriod("quarter", 3, 0, Decimal(4), 90)
HALF_YEAR = UnitPeriod("half_year", 6, 0, Decimal(2), 180)
YEAR = UnitPeriod("year", 12, 0, Decimal(1), 365)

# Regular intervals in increasing length, so a tie on frequency picks the smaller one.
REGULAR_PERIODS = (DAY, WEEK, FORTNIGHT, MONTH, QUARTER, HALF_YEAR, YEAR)


class Position(NamedTuple):
    """A date's distance from the start of the term: ``whole`` unit-periods plus ``fraction``."""

    whole: int
    fraction: Decimal


def classify_interval(start: date, end: date) -> UnitPeriod | None:
    """Return the regular period that ``start`` to ``end`` spans exactly, or None."""
    months, leftover_days = months_and_days_between(start, end)
    if months and not leftover_days:
        for period in (MONTH, QUARTER, HALF_YEAR, YEAR):
            if period.months == months:
                return period
        return None
    days = (end - start).days
    for period in (DAY, WEEK, FORTNIGHT):
        if period.days == days:
            return period
    return None


def choose_unit_period(dates: Sequence[date]) -> UnitPeriod:
    """Return the unit-period of a transaction with cash flows on ``dates``.

    Args:
        dates: Distinct cash-flow dates in increasing order, at least two.
            Two dates mean a single advance and a single payment.
    """
    if len(dates) == 2:
        return term_unit_period(dates[0], dates[1])
    counts = Counter(classify_interval(a, b) for a, b in zip(dates, dates[1:]))
    counts.pop(None, None)
    if counts:
        # Most frequent first; on a tie, the shorter period as Appendix J requires.
        return max(counts, key=lambda period: (counts[period], -REGULAR_PERIODS.index(period)))
    # NOTE: no interval is regular. Appendix J leaves this open, so the regular
    # period nearest the median interval is used.
    gaps = sorted((b - a).days for a, b in zip(dates, dates[1:]))
    median = gaps[len(gaps) // 2]
    return min(REGULAR_PERIODS, key=lambda period: abs(_approximate_days(period) - median))


def term_unit_period(start: date, end: date) -> UnitPeriod:
    """Return the unit-period of a single advance at ``start`` repaid in one payment at ``end``."""
    months, leftover_days = months_and_days_between(start, end)
    if months >= 12:
        return YEAR
    if months and not leftover_days:
        return UnitPeriod(f"{months}_months", months, 0, Decimal(12) / months, 30 * months)
    days = (end - start).days
    return UnitPeriod(f"{days}_days", 0, days, Decimal(365) / days, days)


def position(start: date, on: date, period: UnitPeriod) -> Position:
    """Return the whole and fractional unit-periods from ``start`` to ``on``, counted back from ``on``."""
    if period.months:
        months, days = months_and_days_between(start, on)
        whole, extra_months = divmod(months, period.months)
        if extra_months:
            days = (_months_back(on, whole * period.months) - start).days
    else:
        total = (on - start).days
        whole, days = divmod(total, period.days)
    return Position(whole, Decimal(days) / period.fraction_days)


def _months_back(end: date, months: int) -> date:
    # Counting back from a month end lands on month ends, as whole_months_between does.
    anchor = 31 if is_month_end(end) else end.day
    return add_months(end, -months, anchor)


def _approximate_days(period: UnitPeriod) -> Decimal:
    return Decimal(365) / period.per_year
