"""Payoff quotes, partial prepayment and rescheduling (deferral and extension)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lendapp.domain.errors import InvalidValueError
from lendapp.domain.fees import FeeTerms
from lendapp.domain.payoff import payoff_quote
from lendapp.domain.position import PaidToDate, days_past_due, dues_on, overdue_installments
from lendapp.domain.prepayment import PrepaymentMode, prepay
from lendapp.domain.restructure import defer, extend
from lendapp.domain.schedule import Schedule, build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod

START = date(2026, 1, 15)


def _schedule(method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT, fees: FeeTerms | None = None, **overrides) -> Schedule:
    values = {
        "principal": Decimal("12000.00"),
        "annual_rate": Decimal("0.12"),
        "method": method,
        "start_date": START,
        "months": 12,
    }
    values.update(overrides)
    return build_schedule(LoanTerms(**values), fees or FeeTerms())


def _paid_rows(schedule: Schedule, count: int) -> PaidToDate:
    rows = schedule.rows[:count]
    return PaidToDate(
        principal=sum((row.principal for row in rows), Decimal(0)),
        interest=sum((row.interest for row in rows), Decimal(0)),
        fees=sum((row.fee for row in rows), Decimal(0)),
    )


def test_payoff_on_start_date_is_principal() -> None:
    quote = payoff_quote(_schedule(), START)
    assert quote.total == Decimal("12000.00")
    assert quote.accrued_interest == 0


def test_payoff_mid_period_accrues_by_days() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 2)
    quote = payoff_quote(schedule, date(2026, 4, 1), paid)
    # 17 days since 15 March at 12% / 365 on the opening balance of installment 3.
    opening = schedule.rows[2].opening_balance
    assert quote.accrued_interest == (opening * Decimal("0.12") * 17 / 365).quantize(Decimal("0.01"))
    assert quote.principal == opening
    assert quote.total == opening + quote.accrued_interest
    assert quote.dues.total == 0


def test_payoff_on_due_date_includes_installment_interest() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 2)
    quote = payoff_quote(schedule, schedule.rows[2].due_date, paid)
    assert quote.dues.current_interest == schedule.rows[2].interest
    assert quote.accrued_interest == 0
    assert quote.total == schedule.rows[2].opening_balance + schedule.rows[2].interest


def test_payoff_overdue_with_penalty_and_fees() -> None:
    schedule = _schedule(fees=FeeTerms(installment_fee=Decimal("5.00"), prepayment_fee_rate=Decimal("0.02")))
    paid = _paid_rows(schedule, 1)
    on = date(2026, 4, 20)
    quote = payoff_quote(schedule, on, paid, penalty_due=Decimal("3.10"), late_fees_due=Decimal("20.00"))
    assert quote.dues.overdue_interest == schedule.rows[1].interest + schedule.rows[2].interest
    assert quote.dues.overdue_principal == schedule.rows[1].principal + schedule.rows[2].principal
    assert quote.dues.fees == Decimal("30.00")
    assert quote.penalty == Decimal("3.10")
    assert quote.prepayment_fee == (quote.principal_not_due * Decimal("0.02")).quantize(Decimal("0.01"))
    assert quote.total == quote.as_dues().total
    assert days_past_due(schedule, on, paid) == 36
    assert [balance.row.number for balance in overdue_installments(schedule, on, paid)] == [2, 3]


def test_payoff_after_maturity_no_accrual() -> None:
    schedule = _schedule(months=3)
    quote = payoff_quote(schedule, date(2026, 6, 1))
    assert quote.accrued_interest == 0
    assert quote.principal_not_due == 0
    assert quote.total == schedule.total_payment


def test_payoff_bullet_by_days_daily_rate() -> None:
    schedule = _schedule(
        RepaymentMethod.BULLET, months=None, days=30, annual_rate=Decimal(0), daily_rate=Decimal("0.0005")
    )
    quote = payoff_quote(schedule, date(2026, 1, 25))
    assert quote.accrued_interest == Decimal("60.00")
    assert quote.total == Decimal("12060.00")


def test_payoff_before_start_rejected() -> None:
    with pytest.raises(InvalidValueError) as raised:
        payoff_quote(_schedule(), date(2026, 1, 1))
    assert raised.value.field == "on"


def test_dues_current_and_overdue() -> None:
    schedule = _schedule()
    dues = dues_on(schedule, schedule.rows[1].due_date, _paid_rows(schedule, 0))
    assert dues.overdue_interest == schedule.rows[0].interest
    assert dues.current_principal == schedule.rows[1].principal
    partial = PaidToDate(principal=Decimal("100.00"), interest=schedule.rows[0].interest)
    dues = dues_on(schedule, schedule.rows[0].due_date, partial)
    assert dues.current_principal == schedule.rows[0].principal - Decimal("100.00")
    assert dues.current_interest == 0


def test_paid_beyond_schedule_rejected() -> None:
    schedule = _schedule()
    with pytest.raises(InvalidValueError):
        dues_on(schedule, START, PaidToDate(principal=Decimal("12000.01")))
    with pytest.raises(InvalidValueError):
        dues_on(schedule, START, PaidToDate(interest=schedule.total_interest + 1))


def test_prepay_reduce_installment() -> None:
    schedule = _schedule(fees=FeeTerms(prepayment_fee_rate=Decimal("0.01")))
    paid = _paid_rows(schedule, 2)
    on = date(2026, 4, 1)
    result = prepay(schedule, on, Decimal("5000.00"), PrepaymentMode.REDUCE_INSTALLMENT, paid)
    assert result.applied.total == Decimal("5000.00")
    assert result.prepayment_fee == (result.principal_prepaid * Decimal("0.01")).quantize(Decimal("0.01"))
    new = result.schedule
    assert new.principal == result.quote.principal_not_due - result.principal_prepaid
    assert len(new.rows) == 10
    assert new.rows[0].due_date == date(2026, 4, 15)
    assert new.start_date == on
    assert new.installment < schedule.installment
    assert new.total_principal == new.principal
    assert new.fees.upfront_fee == 0


def test_prepay_reduce_term() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 3)
    on = schedule.rows[2].due_date
    result = prepay(schedule, on, Decimal("4000.00"), PrepaymentMode.REDUCE_TERM, paid)
    new = result.schedule
    assert len(new.rows) < 9
    assert new.installment <= schedule.installment
    assert new.rows[0].due_date == schedule.rows[3].due_date
    assert new.rows[-1].closing_balance == 0


def test_prepay_reduce_term_equal_principal() -> None:
    schedule = _schedule(RepaymentMethod.EQUAL_PRINCIPAL)
    result = prepay(schedule, schedule.rows[0].due_date, Decimal("5120.00"), PrepaymentMode.REDUCE_TERM, _paid_rows(schedule, 1))
    # 5,880.00 remains; at most 1,000.00 a month takes 6 installments of 980.00.
    assert result.principal_prepaid == Decimal("5120.00")
    assert len(result.schedule.rows) == 6
    assert result.schedule.rows[0].principal == Decimal("980.00")


def test_prepay_amount_limits() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 2)
    on = date(2026, 4, 1)
    quote = payoff_quote(schedule, on, paid)
    with pytest.raises(InvalidValueError) as raised:
        prepay(schedule, on, quote.accrued_interest, paid=paid)
    assert raised.value.field == "amount"
    with pytest.raises(InvalidValueError) as raised:
        prepay(schedule, on, quote.total, paid=paid)
    assert "payoff" in raised.value.allowed


def test_prepay_rejects_bullet_and_interest_only_term() -> None:
    bullet = _schedule(RepaymentMethod.BULLET)
    with pytest.raises(InvalidValueError):
        prepay(bullet, date(2026, 3, 1), Decimal("100.00"))
    interest_only = _schedule(RepaymentMethod.INTEREST_ONLY)
    with pytest.raises(InvalidValueError) as raised:
        prepay(interest_only, date(2026, 3, 1), Decimal("100.00"), PrepaymentMode.REDUCE_TERM)
    assert raised.value.field == "mode"


def test_deferral_adds_interest_only_periods() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 2)
    result = defer(schedule, date(2026, 4, 1), 3, paid)
    new = result.schedule
    assert len(new.rows) == 13
    assert new.start_date == schedule.rows[1].due_date
    assert [row.principal for row in new.rows[:3]] == [Decimal("0.00")] * 3
    assert new.rows[0].interest == schedule.rows[2].interest
    assert new.principal == schedule.rows[2].opening_balance
    assert result.arrears.total == 0


def test_deferral_of_matured_loan_rejected() -> None:
    schedule = _schedule(months=3)
    with pytest.raises(InvalidValueError) as raised:
        defer(schedule, date(2026, 5, 1), 2)
    assert "extension" in raised.value.allowed


def test_extension_keeps_arrears() -> None:
    schedule = _schedule()
    paid = _paid_rows(schedule, 2)
    result = extend(schedule, date(2026, 5, 20), 6, paid)
    assert result.arrears.overdue_interest == schedule.rows[2].interest + schedule.rows[3].interest
    assert result.arrears.overdue_principal == 0
    new = result.schedule
    assert len(new.rows) == 14
    assert new.principal == schedule.rows[2].opening_balance
    assert new.rows[0].due_date == date(2026, 6, 15)


def test_extension_after_maturity_restarts() -> None:
    schedule = _schedule(months=3)
    result = extend(schedule, date(2026, 6, 1), 6)
    assert result.schedule.start_date == date(2026, 6, 1)
    assert result.schedule.rows[0].due_date == date(2026, 6, 15)
    assert result.schedule.rows[1].due_date == date(2026, 7, 15)
    assert len(result.schedule.rows) == 6


def test_extension_limits() -> None:
    schedule = _schedule()
    with pytest.raises(InvalidValueError) as raised:
        extend(schedule, date(2026, 2, 1), 0)
    assert raised.value.field == "extra_periods"
    with pytest.raises(InvalidValueError):
        extend(schedule, date(2026, 2, 1), 349)
    with pytest.raises(InvalidValueError):
        extend(_schedule(RepaymentMethod.BULLET), date(2026, 2, 1), 3)
