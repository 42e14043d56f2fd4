"""Day-count conventions for interest that accrues by days.

Three conventions are supported:

* ACT/365F (actual days over a fixed 365-day year): the default, and the basis
  on which Chinese lenders quote a daily rate (annual rate / 365).
* ACT/360 (actual days over a 360-day year).
* 30E/360 (the Eurobond basis, ISDA 2006 section 4.16(g)): a day 31 counts as
  day 30 on both dates, with no special case for February.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import Enum


class DayCount(str, Enum):
    """A day-count convention, by its market name."""

    ACT_365F = "ACT/365F"
    ACT_360 = "ACT/360"
    THIRTY_E_360 = "30E/360"

    @property
    def year_days(self) -> int:
        """Number of days in the convention's year (the denominator)."""
        return 365 if self is DayCount.ACT_365F else 360


_YEAR_DAYS = {DayCount.ACT_365F: Decimal(365), DayCount.ACT_360: Decimal(360), DayCount.THIRTY_E_360: Decimal(360)}


def accrual_days(start: date, end: date, convention: DayCount = DayCount.ACT_365F) -> int:
    """Count the days from ``start`` to ``end`` under ``convention``.

    The start date is excluded and the end date included, so a loan disbursed
    on 1 March and repaid on 2 March accrues one day. The result is negative
    when ``end`` is before ``start``.
    """
    if convention is DayCount.THIRTY_E_360:
        start_day = min(start.day, 30)
        end_day = min(end.day, 30)
        return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (end_day - start_day)
    return (end - start).days


def year_fraction(start: date, end: date, convention: DayCount = DayCount.ACT_365F) -> Decimal:
    """Return the accrual days from ``start`` to ``end`` as a fraction of the convention's year."""
    return Decimal(accrual_days(start, end, convention)) / _YEAR_DAYS[convention]


def daily_rate_from_annual(annual_rate: Decimal, convention: DayCount = DayCount.ACT_365F) -> Decimal:
    """Return the daily rate for an annual rate: ``annual_rate / 365`` under ACT/365F, else ``/ 360``."""
    return annual_rate / _YEAR_DAYS[convention]
