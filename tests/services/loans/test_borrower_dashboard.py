"""The borrower dashboard's read side: overview, loan detail and payoff offers, and isolation between borrowers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan
from lendapp.services import borrower_dashboard, loans
from lendapp.services.auth_errors import NotFoundError
from tests.services.loans.helpers import book_test_loan

pytestmark = pytest.mark.usefixtures("engine")
FIRST_DUE = dt.date(2026, 2, 15)


def _number(loan_id: int) -> str:
    with session_scope() as session:
        return session.get(Loan, loan_id).number


def test_overview_shows_progress_and_the_next_installment() -> None:
    borrower, loan_id = book_test_loan()
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        loans.apply_repayment(session, loan, Decimal("1066.19"), FIRST_DUE, "p1", through=FIRST_DUE)
    view = borrower_dashboard.overview(borrower, on=dt.date(2026, 2, 20))
    [summary] = view.loans
    assert summary.next_due_date == dt.date(2026, 3, 15)
    assert summary.next_due_amount == Decimal("1066.19")
    assert summary.dpd == 0
    assert 0 < summary.repaid_share < 0.1
    assert summary.outstanding_principal == Decimal("12000.00") - (Decimal("1066.19") - Decimal("120.00"))


def test_loan_detail_marks_overdue_rows() -> None:
    borrower, loan_id = book_test_loan()
    detail = borrower_dashboard.loan_detail(borrower, _number(loan_id), on=dt.date(2026, 2, 20))
    assert [line.status for line in detail.installments[:2]] == ["overdue", "upcoming"]
    assert detail.summary.dpd == 5
    assert detail.summary.overdue_amount == Decimal("1066.19")


def test_payoff_offer_valid_on_quote_day() -> None:
    borrower, loan_id = book_test_loan()
    offer = borrower_dashboard.payoff_offer(borrower, _number(loan_id), on=dt.date(2026, 1, 30))
    assert offer.valid_until == dt.date(2026, 1, 30)
    assert offer.principal == Decimal("12000.00")
    assert offer.interest > 0
    assert offer.total == offer.principal + offer.interest + offer.fees + offer.penalty


def test_another_borrowers_loan_is_not_found() -> None:
    _, loan_id = book_test_loan("13800138000")
    other, _ = book_test_loan("13900139000")
    number = _number(loan_id)
    with pytest.raises(NotFoundError):
        borrower_dashboard.loan_detail(other, number)
    with pytest.raises(NotFoundError):
        borrower_dashboard.payoff_offer(other, number)
    assert [s.number for s in borrower_dashboard.overview(other).loans] != [number]
