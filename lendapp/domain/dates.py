"""Due-date arithmetic: months with month-end clamping, and due-date series.

Every date in a monthly series is computed from one anchor day, never from the
previous (possibly clamped) date. So a loan due on the 31st is due on 28 or 29
February and again on 31 March, instead of drifting to the 28th for good.
"""

from __future__ import annotations

from datetime import date, timedelta

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days in ``month`` (1..12) of ``year``, Gregorian calendar."""
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _MONTH_DAYS[month - 1]


def is_month_end(day: date) -> bool:
    """Return whether ``day`` is the last day of its month."""
    return day.day >= 28 and day.day == days_in_month(day.year, day.month)


def add_months(start: date, months: int, day: int | None = None) -> date:
    """Return the date ``months`` calendar months after ``start`` (before it when negative).

    Args:
        start: The date whose year and month are shifted.
        months: Number of months to add, may be negative.
        day: Anchor day of month (1..31) for the result; defaults to ``start.day``.
            A day past the end of the target month is clamped to its last day.
    """
    anchor = start.day if day is None else day
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    # Days 1 to 28 exist in every month, so only later anchors need clamping.
    if anchor > 28:
        anchor = min(anchor, days_in_month(year, month))
    return date(year, month, anchor)


def monthly_due_dates(first_due: date, count: int, due_day: int | None = None) -> list[date]:
    """Return ``count`` monthly due dates starting at ``first_due``.

    Args:
        first_due: The first due date.
        count: Number of due dates.
        due_day: Anchor day of month for every date; defaults to ``first_due.day``.
            Pass the original anchor when a schedule is rebuilt from a clamped
            date such as 28 February.
    """
    anchor = first_due.day if due_day is None else due_day
    # Step year and month as integers instead of calling add_months per date,
    # because long schedules build hundreds of dates.
    year, month = first_due.year, first_due.month
    dates = []
    for _ in range(count):
        day = anchor if anchor <= 28 else min(anchor, days_in_month(year, month))
        dates.append(date(year, month, day))
        if month == 12:
            year, month = year + 1, 1
        else:
            month += 1
    return dates


def weekly_due_dates(first_due: date, count: int, weeks: int = 1) -> list[date]:
    """Return ``count`` due dates ``weeks`` weeks apart, starting at ``first_due``."""
    step = timedelta(weeks=weeks)
    return [first_due + step * k for k in range(count)]


def months_and_days_between(start: date, end: date) -> tuple[int, int]:
    """Count whole months from ``start`` to ``end`` measured back from ``end``, and the days left over.

    The months are the largest ``m`` for which ``add_months(end, -m)`` is not
    before ``start``, which is how Regulation Z counts monthly unit-periods.
    When ``end`` is the last day of its month, counting back lands on month
    ends too, so 31 January to 28 February is one whole month, as in a
    schedule anchored on the 31st. The leftover days run from ``start`` to
    that counted-back date. Both are 0 when ``end`` is not after ``start``.
    """
    if end <= start:
        return 0, 0
    anchor = 31 if is_month_end(end) else end.day
    months = (end.year - start.year) * 12 + end.month - start.month
    # Counting back ``months`` lands in start's month; compare day numbers there.
    start_month_days = days_in_month(start.year, start.month)
    back_day = min(anchor, start_month_days)
    if back_day >= start.day:
        return months, back_day - start.day
    # One month fewer lands in the month after start's.
    next_year, next_month = divmod(start.year * 12 + start.month, 12)
    back_day = min(anchor, days_in_month(next_year, next_month + 1))
    return months - 1, start_month_days - start.day + back_day


def whole_months_between(start: date, end: date) -> int:
    """Count the whole months from ``start`` to ``end``, as ``months_and_days_between`` does."""
    return months_and_days_between(start, end)[0]
