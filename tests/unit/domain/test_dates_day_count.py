"""Due-date arithmetic and day-count conventions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lendapp.domain.dates import (
    add_months,
    days_in_month,
    is_month_end,
    monthly_due_dates,
    months_and_days_between,
    weekly_due_dates,
)
from lendapp.domain.day_count import DayCount, accrual_days, daily_rate_from_annual, year_fraction


def test_add_months_clamps_month_end() -> None:
    assert add_months(date(2021, 1, 31), 1) == date(2021, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2021, 3, 31), -1) == date(2021, 2, 28)
    assert add_months(date(2021, 12, 15), 1) == date(2022, 1, 15)
    assert add_months(date(2021, 1, 15), -13) == date(2019, 12, 15)


def test_add_months_uses_anchor_day() -> None:
    assert add_months(date(2021, 2, 28), 1, 31) == date(2021, 3, 31)
    assert add_months(date(2021, 2, 28), 2, 30) == date(2021, 4, 30)


def test_monthly_due_dates_keep_anchor() -> None:
    dates = monthly_due_dates(date(2023, 11, 30), 5)
    assert dates == [date(2023, 11, 30), date(2023, 12, 30), date(2024, 1, 30), date(2024, 2, 29), date(2024, 3, 30)]


def test_monthly_due_dates_match_add_months() -> None:
    first = date(2020, 1, 31)
    dates = monthly_due_dates(first, 60)
    assert dates == [add_months(first, k) for k in range(60)]


def test_monthly_due_dates_explicit_anchor() -> None:
    dates = monthly_due_dates(date(2021, 2, 28), 3, due_day=31)
    assert dates == [date(2021, 2, 28), date(2021, 3, 31), date(2021, 4, 30)]


def test_weekly_due_dates_step() -> None:
    assert weekly_due_dates(date(1978, 4, 21), 3) == [date(1978, 4, 21), date(1978, 4, 28), date(1978, 5, 5)]
    assert weekly_due_dates(date(2026, 1, 1), 2, weeks=2) == [date(2026, 1, 1), date(2026, 1, 15)]


def test_days_in_month_leap_years() -> None:
    assert days_in_month(2024, 2) == 29
    assert days_in_month(2100, 2) == 28
    assert days_in_month(2000, 2) == 29
    assert days_in_month(2023, 4) == 30
    assert is_month_end(date(2023, 2, 28))
    assert not is_month_end(date(2024, 2, 28))


def test_months_and_days_between_cases() -> None:
    assert months_and_days_between(date(1978, 2, 10), date(1978, 4, 1)) == (1, 19)
    assert months_and_days_between(date(2021, 1, 31), date(2021, 2, 28)) == (1, 0)
    assert months_and_days_between(date(2021, 1, 15), date(2021, 1, 20)) == (0, 5)
    assert months_and_days_between(date(2021, 1, 20), date(2021, 3, 15)) == (1, 26)
    assert months_and_days_between(date(2021, 3, 1), date(2021, 3, 1)) == (0, 0)
    assert months_and_days_between(date(2021, 1, 10), date(2022, 1, 10)) == (12, 0)


def test_accrual_days_actual() -> None:
    assert accrual_days(date(2024, 2, 1), date(2024, 3, 1)) == 29
    assert accrual_days(date(2024, 2, 1), date(2024, 3, 1), DayCount.ACT_360) == 29
    assert accrual_days(date(2024, 3, 1), date(2024, 2, 1)) == -29


def test_thirty_e_360_counts() -> None:
    convention = DayCount.THIRTY_E_360
    assert accrual_days(date(2024, 1, 31), date(2024, 2, 29), convention) == 29
    assert accrual_days(date(2024, 1, 30), date(2024, 3, 31), convention) == 60
    assert accrual_days(date(2024, 2, 29), date(2024, 3, 31), convention) == 31
    assert accrual_days(date(2023, 12, 15), date(2024, 1, 15), convention) == 30


def test_year_fraction_conventions() -> None:
    start, end = date(2026, 1, 1), date(2026, 7, 1)
    assert year_fraction(start, end) == Decimal(181) / Decimal(365)
    assert year_fraction(start, end, DayCount.ACT_360) == Decimal(181) / Decimal(360)
    assert year_fraction(start, end, DayCount.THIRTY_E_360) == Decimal("0.5")


def test_daily_rate_from_annual() -> None:
    assert daily_rate_from_annual(Decimal("0.1825")) == Decimal("0.0005")
    assert daily_rate_from_annual(Decimal("0.18"), DayCount.ACT_360) == Decimal("0.0005")
    assert DayCount.ACT_365F.year_days == 365
    assert DayCount.THIRTY_E_360.year_days == 360
