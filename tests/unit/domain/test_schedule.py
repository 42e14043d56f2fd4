"""Repayment schedules: methods, broken periods, fees, validation, and numpy-financial agreement."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import numpy_financial as npf
import pytest

from lendapp.domain.day_count import DayCount
from lendapp.domain.errors import InvalidValueError
from lendapp.domain.fees import FeeTerms, FeeTiming
from lendapp.domain.schedule import build_schedule, exact_monthly_rate
from lendapp.domain.terms import LoanTerms, RepaymentMethod

START = date(2026, 1, 15)
CENT = Decimal("0.01")


def _terms(method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT, **overrides) -> LoanTerms:
    values = {
        "principal": Decimal("10000.00"),
        "annual_rate": Decimal("0.24"),
        "method": method,
        "start_date": START,
        "months": 12,
    }
    values.update(overrides)
    return LoanTerms(**values)


def test_equal_installment_rows_consistent() -> None:
    schedule = build_schedule(_terms())
    balance = Decimal("10000.00")
    for row in schedule.rows:
        assert row.opening_balance == balance
        assert row.payment == row.principal + row.interest + row.fee
        assert row.closing_balance == row.opening_balance - row.principal
        balance = row.closing_balance
    assert schedule.day_count is DayCount.ACT_365F
    assert schedule.maturity_date == date(2027, 1, 15)


def test_equal_principal_level_principal() -> None:
    schedule = build_schedule(_terms(RepaymentMethod.EQUAL_PRINCIPAL, months=3))
    assert [row.principal for row in schedule.rows] == [Decimal("3333.33"), Decimal("3333.33"), Decimal("3333.34")]
    assert [row.interest for row in schedule.rows] == [Decimal("200.00"), Decimal("133.33"), Decimal("66.67")]
    assert schedule.installment is None
    assert schedule.regular_payment is None


def test_interest_only_principal_at_end() -> None:
    schedule = build_schedule(_terms(RepaymentMethod.INTEREST_ONLY, months=6))
    assert schedule.installment == Decimal("200.00")
    assert [row.payment for row in schedule.rows[:-1]] == [Decimal("200.00")] * 5
    assert str(schedule.rows[0].principal) == "0.00"
    assert schedule.rows[-1].payment == Decimal("10200.00")
    assert schedule.rows[-1].closing_balance == 0


def test_bullet_by_months_single_payment() -> None:
    schedule = build_schedule(_terms(RepaymentMethod.BULLET, months=6))
    assert len(schedule.rows) == 1
    assert schedule.rows[0].due_date == date(2026, 7, 15)
    assert schedule.rows[0].interest == Decimal("1200.00")
    assert str(schedule.rows[0].closing_balance) == "0.00"


def test_bullet_by_days_default_daily_rate() -> None:
    terms = _terms(RepaymentMethod.BULLET, months=None, days=30, annual_rate=Decimal("0.1825"))
    schedule = build_schedule(terms)
    assert schedule.rows[0].due_date == date(2026, 2, 14)
    assert schedule.rows[0].interest == Decimal("150.00")


def test_bullet_by_days_act_360() -> None:
    terms = _terms(RepaymentMethod.BULLET, months=None, days=36, annual_rate=Decimal("0.18"), day_count=DayCount.ACT_360)
    assert build_schedule(terms).rows[0].interest == Decimal("180.00")


def test_zero_rate_every_method() -> None:
    for method in RepaymentMethod:
        schedule = build_schedule(_terms(method, annual_rate=Decimal(0), months=7))
        assert schedule.total_interest == 0, method
        assert schedule.total_principal == Decimal("10000.00"), method
        assert schedule.rows[-1].closing_balance == 0, method


def test_broken_period_long_first() -> None:
    schedule = build_schedule(_terms(first_due=date(2026, 3, 1)))
    regular = build_schedule(_terms())
    # 45 days at 24% on 10,000 under ACT/365F.
    assert schedule.rows[0].interest == Decimal("295.89")
    assert schedule.rows[0].principal == regular.rows[0].principal
    assert schedule.rows[0].payment == Decimal("1041.49")
    assert schedule.rows[1].due_date == date(2026, 4, 1)
    assert schedule.installment == regular.installment
    assert schedule.rows[-1].closing_balance == 0


def test_broken_period_short_first() -> None:
    schedule = build_schedule(_terms(first_due=date(2026, 2, 1)))
    # 17 days at 24% on 10,000 under ACT/365F.
    assert schedule.rows[0].interest == Decimal("111.78")
    assert schedule.rows[1].interest == Decimal("185.09")


def test_broken_period_day_count_30e360() -> None:
    schedule = build_schedule(_terms(first_due=date(2026, 3, 1), day_count=DayCount.THIRTY_E_360))
    # 30E/360 counts 15 January to 1 March as 46 days.
    assert schedule.rows[0].interest == Decimal("306.67")
    assert schedule.day_count is DayCount.THIRTY_E_360


def test_month_end_start_is_regular() -> None:
    schedule = build_schedule(_terms(start_date=date(2026, 1, 31), months=4))
    assert [row.due_date for row in schedule.rows] == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert schedule.rows[0].interest == Decimal("200.00")


def test_deferred_periods_interest_only_first() -> None:
    schedule = build_schedule(_terms(months=6, deferred_periods=2))
    assert [row.principal for row in schedule.rows[:2]] == [Decimal("0.00")] * 2
    plain = build_schedule(_terms(months=4))
    assert schedule.installment == plain.installment
    assert schedule.total_principal == Decimal("10000.00")


def test_installment_fee_in_every_row() -> None:
    schedule = build_schedule(_terms(), FeeTerms(installment_fee=Decimal("5.00")))
    assert all(row.fee == Decimal("5.00") for row in schedule.rows)
    assert schedule.regular_payment == Decimal("950.60")
    assert schedule.total_fees == Decimal("60.00")


def test_financed_fee_added_to_principal() -> None:
    fees = FeeTerms(upfront_fee=Decimal("300.00"), upfront_fee_timing=FeeTiming.FINANCED)
    schedule = build_schedule(_terms(), fees)
    assert schedule.principal == Decimal("10300.00")
    assert schedule.amount_received == Decimal("10000.00")
    assert schedule.total_principal == Decimal("10300.00")


def test_deducted_fee_reduces_amount_received() -> None:
    schedule = build_schedule(_terms(), FeeTerms(upfront_fee=Decimal("300.00")))
    assert schedule.principal == Decimal("10000.00")
    assert schedule.amount_received == Decimal("9700.00")
    assert schedule.total_fees == Decimal("300.00")


def test_deducted_fee_above_principal_rejected() -> None:
    with pytest.raises(InvalidValueError) as raised:
        build_schedule(_terms(), FeeTerms(upfront_fee=Decimal("10000.00")))
    assert raised.value.field == "upfront_fee"


def test_tiny_loan_never_negative() -> None:
    schedule = build_schedule(_terms(principal=Decimal("0.10"), annual_rate=Decimal(0), months=12))
    assert all(row.closing_balance >= 0 for row in schedule.rows)
    assert schedule.total_principal == Decimal("0.10")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"months": 0}, "months"),
        ({"months": 361}, "months"),
        ({"months": None}, "months"),
        ({"days": 30}, "months"),
        ({"principal": Decimal("0")}, "principal"),
        ({"principal": Decimal("-5.00")}, "principal"),
        ({"principal": Decimal("100000000.01")}, "principal"),
        ({"principal": Decimal("100.005")}, "principal"),
        ({"annual_rate": Decimal("-0.01")}, "annual_rate"),
        ({"annual_rate": Decimal("1.5")}, "annual_rate"),
        ({"annual_rate": Decimal("NaN")}, "annual_rate"),
        ({"first_due": START}, "first_due"),
        ({"first_due": date(2026, 3, 16)}, "first_due"),
        ({"deferred_periods": 12}, "deferred_periods"),
        ({"currency": "XXX"}, "currency"),
        ({"due_day": 32}, "due_day"),
    ],
)
def test_loan_terms_invalid_field(overrides: dict, field: str) -> None:
    with pytest.raises(InvalidValueError) as raised:
        _terms(**overrides)
    assert raised.value.field == field
    assert raised.value.allowed


@pytest.mark.parametrize(("days", "valid"), [(6, False), (7, True), (365, True), (366, False)])
def test_bullet_days_range(days: int, valid: bool) -> None:
    if valid:
        assert _terms(RepaymentMethod.BULLET, months=None, days=days).periods == 1
    else:
        with pytest.raises(InvalidValueError):
            _terms(RepaymentMethod.BULLET, months=None, days=days)


def test_days_only_for_bullet() -> None:
    with pytest.raises(InvalidValueError) as raised:
        _terms(months=None, days=30)
    assert raised.value.field == "days"


def test_daily_rate_only_with_days() -> None:
    with pytest.raises(InvalidValueError) as raised:
        _terms(RepaymentMethod.BULLET, daily_rate=Decimal("0.0005"))
    assert raised.value.field == "daily_rate"


def test_first_due_rejected_for_bullet() -> None:
    with pytest.raises(InvalidValueError) as raised:
        _terms(RepaymentMethod.BULLET, first_due=date(2026, 2, 15))
    assert raised.value.field == "first_due"


@pytest.mark.parametrize(
    ("amount", "rate", "months"),
    [("1000000.00", "0.049", 360), ("630000.00", "0.049", 360), ("100000.00", "0.0999", 36), ("10000.00", "0.24", 12)],
)
def test_annuity_agrees_with_numpy_financial(amount: str, rate: str, months: int) -> None:
    schedule = build_schedule(_terms(principal=Decimal(amount), annual_rate=Decimal(rate), months=months))
    monthly = float(rate) / 12
    payment = -npf.pmt(monthly, months, float(amount))
    assert abs(float(schedule.installment) - payment) <= 0.005

    # The schedule pays the installment rounded to a cent, so compare with the
    # annuity of that same payment: its residual future value is what the last
    # row settles. Only per-row interest rounding then separates the two.
    installment = float(schedule.installment)
    residual = npf.fv(monthly, months, -installment, float(amount))
    periods = np.arange(1, months + 1)
    interest = -npf.ipmt(monthly, periods, months, float(amount), residual)
    principal = -npf.ppmt(monthly, periods, months, float(amount), residual)
    for row, expected_interest, expected_principal in zip(schedule.rows[:-1], interest, principal):
        assert abs(float(row.interest) - expected_interest) <= 0.01, row.number
        assert abs(float(row.principal) - expected_principal) <= 0.01, row.number
    # The last row settles the interest rounding of every earlier row, up to half a cent each.
    assert abs(float(schedule.rows[-1].payment) - (installment - residual)) <= 0.005 * months


def test_interest_half_cent_rounds_up() -> None:
    # 60.00 x 4.9% / 12 is exactly 0.245, which a truncated monthly rate would round down.
    schedule = build_schedule(_terms(principal=Decimal("60.00"), annual_rate=Decimal("0.049"), months=2))
    assert schedule.rows[0].interest == Decimal("0.25")


def test_exact_monthly_rate_detection() -> None:
    assert exact_monthly_rate(Decimal("0.24")) == Decimal("0.02")
    assert exact_monthly_rate(Decimal("0.0999")) == Decimal("0.008325")
    assert exact_monthly_rate(Decimal("0")) == 0
    assert exact_monthly_rate(Decimal("0.049")) is None
    assert exact_monthly_rate(Decimal("1")) is None


def test_due_anchor_rules() -> None:
    assert _terms(start_date=date(2026, 1, 31)).due_anchor == 31
    assert _terms(start_date=date(2026, 1, 31), first_due=date(2026, 2, 28)).due_anchor == 31
    assert _terms(first_due=date(2026, 2, 28)).due_anchor == 28
    assert _terms(due_day=31, first_due=date(2026, 2, 28)).due_anchor == 31


def test_first_due_must_fall_on_due_day() -> None:
    with pytest.raises(InvalidValueError) as raised:
        _terms(due_day=20, first_due=date(2026, 2, 15))
    assert "due_day" in raised.value.allowed
