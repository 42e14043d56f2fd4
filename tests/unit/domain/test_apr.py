"""Annualized rates of dated cash flows, unit-periods and the solver's edge cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lendapp.domain.apr import CashFlow, annualized_rates, monthly_cash_flows, periodic_irr, schedule_apr, to_percent
from lendapp.domain.dates import monthly_due_dates
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod
from lendapp.domain.unit_periods import FORTNIGHT, MONTH, QUARTER, WEEK, YEAR, choose_unit_period, position


def test_to_percent_rounds_half_up() -> None:
    assert to_percent(Decimal("0.128038")) == Decimal("12.80")
    assert to_percent(Decimal("0.12805")) == Decimal("12.81")
    assert to_percent(Decimal("0.5"), places=0) == Decimal("50")


def test_periodic_irr_zero_rate() -> None:
    assert periodic_irr([Decimal("1200.00")] + [Decimal("-100.00")] * 12) == 0


def test_periodic_irr_negative_rate() -> None:
    rate = periodic_irr([Decimal("1000.00"), Decimal("-900.00")])
    assert rate == Decimal("-0.1")


def test_periodic_irr_one_sign_rejected() -> None:
    with pytest.raises(InvalidValueError) as raised:
        periodic_irr([Decimal("100"), Decimal("50")])
    assert raised.value.field == "cash_flows"


def test_annualized_rates_need_two_dates() -> None:
    with pytest.raises(InvalidValueError):
        annualized_rates([CashFlow(date(2026, 1, 1), Decimal("100")), CashFlow(date(2026, 1, 1), Decimal("-50"))])


def test_annualized_rates_first_flow_advance() -> None:
    flows = [CashFlow(date(2026, 1, 1), Decimal("-100")), CashFlow(date(2026, 2, 1), Decimal("200"))]
    with pytest.raises(InvalidValueError) as raised:
        annualized_rates(flows)
    assert "receives" in raised.value.allowed


def test_annualized_rates_net_same_date() -> None:
    # A fee paid on the disbursement date is netted with the advance.
    flows = monthly_cash_flows(date(2026, 1, 1), Decimal("100000.00"), [Decimal("8833.30")] * 12)
    flows.append(CashFlow(date(2026, 1, 1), Decimal("-1000.00")))
    rates = annualized_rates(flows)
    assert to_percent(rates.periodic_x_n) == Decimal("12.80")


def test_annualized_rates_multiple_advances() -> None:
    start = date(2026, 1, 1)
    flows = [CashFlow(start, Decimal("500.00")), CashFlow(date(2026, 2, 1), Decimal("500.00"))]
    flows += [CashFlow(day, Decimal("-110.00")) for day in monthly_due_dates(date(2026, 3, 1), 10)]
    rates = annualized_rates(flows)
    assert rates.unit_period == MONTH
    assert Decimal("0.1") < rates.periodic_x_n < Decimal("0.3")


def test_unit_period_most_frequent() -> None:
    monthly = monthly_due_dates(date(2026, 1, 10), 6)
    assert choose_unit_period(monthly) == MONTH
    weekly = [date(2026, 1, 1), date(2026, 1, 20), date(2026, 1, 27), date(2026, 2, 3)]
    assert choose_unit_period(weekly) == WEEK
    quarterly = [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)]
    assert choose_unit_period(quarterly) == QUARTER


def test_unit_period_tie_picks_shorter() -> None:
    dates = [date(2026, 1, 1), date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 1)]
    assert choose_unit_period(dates) == FORTNIGHT


def test_unit_period_single_payment_term() -> None:
    whole_months = choose_unit_period([date(2026, 1, 15), date(2026, 4, 15)])
    assert whole_months.per_year == Decimal(4)
    odd = choose_unit_period([date(1978, 1, 3), date(1978, 9, 15)])
    assert odd.per_year == Decimal(365) / Decimal(255)
    assert choose_unit_period([date(2026, 1, 1), date(2027, 6, 1)]) == YEAR


def test_unit_period_irregular_uses_median() -> None:
    dates = [date(2026, 1, 1), date(2026, 1, 29), date(2026, 3, 2), date(2026, 4, 1)]
    assert choose_unit_period(dates) == MONTH


def test_position_counts_back_from_date() -> None:
    place = position(date(1978, 2, 10), date(1978, 4, 1), MONTH)
    assert place.whole == 1
    assert place.fraction == Decimal(19) / Decimal(30)
    assert position(date(1978, 3, 20), date(1978, 4, 21), WEEK) == (4, Decimal(4) / Decimal(7))
    assert position(date(2026, 1, 1), date(2026, 8, 15), QUARTER) == (2, Decimal(45) / Decimal(90))


def test_single_payment_actuarial_vs_compound() -> None:
    flows = [CashFlow(date(1978, 1, 3), Decimal("1000.00")), CashFlow(date(1978, 9, 15), Decimal("-1080.00"))]
    rates = annualized_rates(flows)
    assert abs(rates.periodic_rate - Decimal("0.08")) < Decimal("1e-30")
    assert to_percent(rates.actuarial) == Decimal("11.45")
    assert to_percent(rates.compounded) == Decimal("11.65")


def test_long_first_period_compound_differs() -> None:
    flows = [CashFlow(date(1978, 2, 10), Decimal("6000.00"))]
    flows += [CashFlow(day, Decimal("-200.00")) for day in monthly_due_dates(date(1978, 4, 1), 36)]
    rates = annualized_rates(flows)
    assert to_percent(rates.actuarial) == Decimal("11.82")
    assert abs(rates.periodic_x_n - rates.actuarial) < Decimal("0.0005")


def test_schedule_apr_broken_period() -> None:
    terms = LoanTerms(
        Decimal("10000.00"),
        Decimal("0.24"),
        RepaymentMethod.EQUAL_INSTALLMENT,
        date(2026, 1, 10),
        months=12,
        first_due=date(2026, 3, 1),
    )
    rates = schedule_apr(build_schedule(terms))
    # The schedule charges 50 days at 24% / 365 for the first period, while the
    # unit-period count is 1 month + 22 days / 30 (1.733 months), so the APR
    # lands a little under the nominal rate.
    assert to_percent(rates.actuarial) == Decimal("23.64")
    assert rates.actuarial <= rates.periodic_x_n


def test_schedule_apr_bullet_by_months() -> None:
    terms = LoanTerms(Decimal("10000.00"), Decimal("0.12"), RepaymentMethod.BULLET, date(2026, 1, 15), months=6)
    rates = schedule_apr(build_schedule(terms))
    assert rates.periods_per_year == Decimal(2)
    assert to_percent(rates.periodic_x_n) == Decimal("12.00")


def test_huge_rate_still_solved() -> None:
    rates = annualized_rates([CashFlow(date(2026, 1, 1), Decimal("100")), CashFlow(date(2026, 1, 8), Decimal("-200"))])
    assert rates.periodic_rate == 1
    assert rates.periodic_x_n == Decimal(365) / Decimal(7)
