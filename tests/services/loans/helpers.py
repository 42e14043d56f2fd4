"""Builders shared by the loan servicing tests: a booked loan without going through the wizard."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lendapp.db.engine import session_scope
from lendapp.db.models import LoanApplication, LoanProduct
from lendapp.domain.fees import FeeTerms
from lendapp.domain.schedule import build_schedule
from lendapp.domain.terms import LoanTerms, RepaymentMethod
from lendapp.services import loans
from lendapp.services.seed import DEMO_PRODUCTS
from tests.services.accounts.helpers import register


def book_test_loan(
    phone: str = "13800138000",
    *,
    principal: str = "12000.00",
    rate: str = "0.12",
    months: int = 12,
    start: dt.date = dt.date(2026, 1, 15),
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALLMENT,
    fees: FeeTerms | None = None,
    borrower_id: int | None = None,
) -> tuple[int, int]:
    """Register a borrower (unless given), add a disbursed application and book its loan; return (borrower id, loan id)."""
    borrower_id = borrower_id or register(phone)
    terms = LoanTerms(principal=Decimal(principal), annual_rate=Decimal(rate), method=method, start_date=start, months=months)
    schedule = build_schedule(terms, fees or FeeTerms(penalty_daily_rate=Decimal("0.0005"), grace_days=3))
    with session_scope() as session:
        if session.get(LoanProduct, 1) is None:
            session.add(LoanProduct(**DEMO_PRODUCTS[0]))
        application = LoanApplication(
            number=f"LA-TEST-{phone}-{start:%Y%m%d}", borrower_id=borrower_id, status="disbursed", step=7,
            product_code=DEMO_PRODUCTS[0]["code"], amount=Decimal(principal), term=months, method=method.value,
            annual_rate=Decimal(rate),
        )
        session.add(application)
        session.flush()
        loan = loans.book_loan(
            session, application_id=application.id, borrower_id=borrower_id, product_code=application.product_code,
            product_version=1, segment="consumer", schedule=schedule, apr=None,
        )
        return borrower_id, loan.id
