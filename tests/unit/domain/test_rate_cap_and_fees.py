"""Rate cap policy, fee policy limits, and penalty arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lendapp.domain.errors import FeePolicyError, InvalidValueError, RateCapExceededError
from lendapp.domain.fees import FeePolicy, FeeTerms, days_past_due, late_fee_due, penalty_days, penalty_interest
from lendapp.domain.rate_cap import DEFAULT_RATE_CAP, AprMeasure, RateCapPolicy, check_offer
from lendapp.domain.terms import LoanTerms, RepaymentMethod


def _terms(rate: str = "0.24") -> LoanTerms:
    return LoanTerms(Decimal("10000.00"), Decimal(rate), RepaymentMethod.EQUAL_INSTALLMENT, date(2026, 1, 15), months=12)


def test_rate_cap_accepts_24_percent() -> None:
    rates = check_offer(_terms("0.24"))
    assert rates.periodic_x_n <= Decimal("0.2401")
    assert DEFAULT_RATE_CAP.max_apr == Decimal("0.24")


def test_rate_cap_rejects_fee_pushing_apr() -> None:
    with pytest.raises(RateCapExceededError) as raised:
        check_offer(_terms("0.24"), FeeTerms(upfront_fee=Decimal("300.00")))
    message = str(raised.value)
    assert "29.99%" in message
    assert "24.00%" in message


def test_rate_cap_lpr_multiple() -> None:
    policy = RateCapPolicy.lpr_multiple(Decimal("0.0300"))
    assert policy.max_apr == Decimal("0.1200")
    check_offer(_terms("0.10"), policy=policy)
    with pytest.raises(RateCapExceededError) as raised:
        check_offer(_terms("0.15"), policy=policy)
    assert "12.00%" in str(raised.value)
    assert "LPR 3.00%" in str(raised.value)


def test_rate_cap_compounded_measure() -> None:
    policy = RateCapPolicy(Decimal("0.25"), measure=AprMeasure.COMPOUNDED)
    with pytest.raises(RateCapExceededError) as raised:
        check_offer(_terms("0.24"), policy=policy)
    assert "26.82%" in str(raised.value)


def test_rate_cap_invalid_values() -> None:
    with pytest.raises(InvalidValueError):
        RateCapPolicy(Decimal("0"))
    with pytest.raises(InvalidValueError):
        RateCapPolicy.lpr_multiple(Decimal("-0.01"))


def test_fee_terms_reject_negative() -> None:
    with pytest.raises(InvalidValueError) as raised:
        FeeTerms(late_fee=Decimal("-1"))
    assert raised.value.field == "late_fee"
    with pytest.raises(InvalidValueError):
        FeeTerms(grace_days=-1)
    with pytest.raises(InvalidValueError):
        FeeTerms(prepayment_fee_rate=Decimal("1"))


def test_fee_policy_caps_penalty_rate() -> None:
    policy = FeePolicy()
    policy.check(FeeTerms(penalty_daily_rate=Decimal("0.0006")), Decimal("0.12"))
    with pytest.raises(FeePolicyError) as raised:
        policy.check(FeeTerms(penalty_daily_rate=Decimal("0.0007")), Decimal("0.12"))
    assert raised.value.field == "penalty_daily_rate"


def test_fee_policy_rate_multiple() -> None:
    policy = FeePolicy(max_penalty_rate_multiple=Decimal("1.5"))
    policy.check(FeeTerms(penalty_daily_rate=Decimal("0.0004")), Decimal("0.1095"))
    with pytest.raises(FeePolicyError) as raised:
        policy.check(FeeTerms(penalty_daily_rate=Decimal("0.0005")), Decimal("0.1095"))
    assert "1.5 x" in raised.value.allowed


def test_fee_policy_other_limits() -> None:
    policy = FeePolicy(max_late_fee=Decimal("50.00"), max_grace_days=5, max_prepayment_fee_rate=Decimal("0.02"))
    for fees, field in (
        (FeeTerms(late_fee=Decimal("60.00")), "late_fee"),
        (FeeTerms(grace_days=6), "grace_days"),
        (FeeTerms(prepayment_fee_rate=Decimal("0.03")), "prepayment_fee_rate"),
    ):
        with pytest.raises(FeePolicyError) as raised:
            policy.check(fees, Decimal("0.12"))
        assert raised.value.field == field


def test_penalty_after_grace_days() -> None:
    fees = FeeTerms(penalty_daily_rate=Decimal("0.0005"), grace_days=3)
    due = date(2026, 3, 15)
    assert days_past_due(due, date(2026, 3, 25)) == 10
    assert penalty_days(due, date(2026, 3, 25), fees) == 7
    assert penalty_days(due, date(2026, 3, 17), fees) == 0
    assert penalty_interest(Decimal("1000.00"), due, date(2026, 3, 25), fees) == Decimal("3.50")
    assert penalty_interest(Decimal("1000.00"), due, date(2026, 3, 10), fees) == Decimal("0.00")


def test_late_fee_after_grace() -> None:
    fees = FeeTerms(late_fee=Decimal("20.00"), grace_days=3)
    due = date(2026, 3, 15)
    assert late_fee_due(due, date(2026, 3, 18), fees) == 0
    assert late_fee_due(due, date(2026, 3, 19), fees) == Decimal("20.00")
