"""Hypothesis strategies for loan terms, shared by the property tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from lendapp.domain.terms import LoanTerms, RepaymentMethod

MONTHLY_METHODS = (RepaymentMethod.EQUAL_INSTALLMENT, RepaymentMethod.EQUAL_PRINCIPAL, RepaymentMethod.INTEREST_ONLY)

amounts = st.integers(min_value=100_00, max_value=2_000_000_00).map(lambda cents: Decimal(cents).scaleb(-2))
rates = st.integers(min_value=0, max_value=3600).map(lambda basis_points: Decimal(basis_points).scaleb(-4))
start_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@st.composite
def monthly_terms(draw: st.DrawFn, max_months: int = 60, broken_period: bool = True) -> LoanTerms:
    """Draw valid monthly loan terms, with a broken first period when ``broken_period`` allows."""
    start = draw(start_dates)
    first_due = None
    if broken_period and draw(st.booleans()):
        first_due = start + timedelta(days=draw(st.integers(min_value=10, max_value=58)))
    return LoanTerms(
        principal=draw(amounts),
        annual_rate=draw(rates),
        method=draw(st.sampled_from(MONTHLY_METHODS)),
        start_date=start,
        months=draw(st.integers(min_value=1, max_value=max_months)),
        first_due=first_due,
    )


@st.composite
def bullet_terms(draw: st.DrawFn) -> LoanTerms:
    """Draw bullet loan terms by days at a daily rate."""
    return LoanTerms(
        principal=draw(amounts),
        annual_rate=Decimal(0),
        method=RepaymentMethod.BULLET,
        start_date=draw(start_dates),
        days=draw(st.integers(min_value=7, max_value=365)),
        daily_rate=draw(st.integers(min_value=0, max_value=10).map(lambda tenths: Decimal(tenths).scaleb(-4))),
    )
