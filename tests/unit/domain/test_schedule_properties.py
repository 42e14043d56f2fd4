"""Properties every schedule keeps, whatever the terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from lendapp.domain.apr import schedule_apr
from lendapp.domain.fees import FeeTerms, FeeTiming
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod

from .strategies import amounts, bullet_terms, monthly_terms, start_dates

PROPERTY_SETTINGS = settings(max_examples=60, deadline=None)


@PROPERTY_SETTINGS
@given(st.one_of(monthly_terms(max_months=360), bullet_terms()))
def test_schedule_principal_sums_to_amount(terms: LoanTerms) -> None:
    schedule = build_schedule(terms)
    assert schedule.total_principal == terms.principal
    assert schedule.rows[-1].closing_balance == Decimal("0.00")
    assert str(schedule.rows[-1].closing_balance) == "0.00"


@PROPERTY_SETTINGS
@given(monthly_terms(max_months=360))
def test_schedule_balances_never_negative(terms: LoanTerms) -> None:
    schedule = build_schedule(terms)
    for row in schedule.rows:
        assert row.principal >= 0, row
        assert row.interest >= 0, row
        assert row.closing_balance >= 0, row
        assert row.payment == row.principal + row.interest + row.fee, row


@PROPERTY_SETTINGS
@given(monthly_terms(max_months=120))
def test_schedule_due_dates_increase(terms: LoanTerms) -> None:
    schedule = build_schedule(terms)
    dates = [row.due_date for row in schedule.rows]
    assert dates == sorted(set(dates))
    assert dates[0] > terms.start_date


@settings(max_examples=40, deadline=None)
@given(
    amount=st.integers(min_value=1000_00, max_value=2_000_000_00).map(lambda cents: Decimal(cents).scaleb(-2)),
    rate=st.integers(min_value=100, max_value=3600).map(lambda basis_points: Decimal(basis_points).scaleb(-4)),
    months=st.integers(min_value=3, max_value=120),
    method=st.sampled_from([RepaymentMethod.EQUAL_INSTALLMENT, RepaymentMethod.EQUAL_PRINCIPAL]),
    start=start_dates,
)
def test_apr_equals_nominal_without_fees(
    amount: Decimal, rate: Decimal, months: int, method: RepaymentMethod, start: date
) -> None:
    schedule = build_schedule(LoanTerms(amount, rate, method, start, months=months))
    apr = schedule_apr(schedule)
    # Per-row rounding to the cent moves the IRR by far less than 0.01% at these amounts.
    assert abs(apr.periodic_x_n - rate) < Decimal("0.0001")
    assert apr.compounded >= apr.periodic_x_n


@settings(max_examples=40, deadline=None)
@given(
    terms=monthly_terms(max_months=120, broken_period=False),
    fee_fraction=st.integers(min_value=10, max_value=500).map(lambda basis_points: Decimal(basis_points).scaleb(-4)),
    timing=st.sampled_from(list(FeeTiming)),
)
def test_apr_above_nominal_with_fees(terms: LoanTerms, fee_fraction: Decimal, timing: FeeTiming) -> None:
    fee = (terms.principal * fee_fraction).quantize(Decimal("0.01"))
    if fee == 0:
        fee = Decimal("0.01")
    schedule = build_schedule(terms, FeeTerms(upfront_fee=fee, upfront_fee_timing=timing))
    apr = schedule_apr(schedule)
    without_fee = schedule_apr(build_schedule(terms))
    assert apr.periodic_x_n > without_fee.periodic_x_n
    # Interest rounded to the cent can put a small loan's fee-free IRR a little under the nominal rate.
    assert apr.periodic_x_n > terms.annual_rate - Decimal("0.001")
    assert apr.actuarial == apr.periodic_x_n


@PROPERTY_SETTINGS
@given(amount=amounts, installment_fee=st.integers(min_value=1, max_value=5000).map(lambda c: Decimal(c).scaleb(-2)))
def test_apr_counts_installment_fee(amount: Decimal, installment_fee: Decimal) -> None:
    terms = LoanTerms(amount, Decimal("0.12"), RepaymentMethod.EQUAL_INSTALLMENT, date(2026, 1, 15), months=12)
    with_fee = schedule_apr(build_schedule(terms, FeeTerms(installment_fee=installment_fee)))
    assert with_fee.periodic_x_n > Decimal("0.12")
