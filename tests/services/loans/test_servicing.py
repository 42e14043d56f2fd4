"""Loan servicing on the stored ledger: booking, repayments, delinquency and payoff, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, Loan
from lendapp.domain.errors import IdempotencyConflictError
from lendapp.domain.ledger import Account
from lendapp.domain.postings import fee_charge_entry
from lendapp.services import loans
from tests.services.loans.helpers import book_test_loan

pytestmark = pytest.mark.usefixtures("engine")

# 12,000 at 12% over 12 months, equal installments: 1,066.19 a month (the last one 1,066.20).
INSTALLMENT = Decimal("1066.19")


def _loan(session, loan_id: int) -> Loan:
    return session.get(Loan, loan_id)


def test_booking_fixes_the_schedule_and_posts_the_disbursement() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        rows = loans.installments_of(session, loan)
        assert loan.number.startswith("LN-")
        assert loan.state == "active"
        assert len(rows) == 12
        assert rows[0].principal + rows[0].interest == INSTALLMENT
        assert sum(r.principal for r in rows) == Decimal("12000.00")
        balances = loans.balances_of(session, loan_id)
        assert balances.principal == Decimal("12000.00")
        assert balances.interest == 0
        assert loans.ledger_is_balanced(session)


def test_paying_the_next_installment_early_pays_that_row() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        first_due = loans.installments_of(session, loan)[0].due_date
        result = loans.apply_repayment(session, loan, INSTALLMENT, dt.date(2026, 2, 1), "pay-1", through=first_due)
        assert result.applied
        assert result.credit_balance == 0
        rows = loans.installments_of(session, loan)
        assert rows[0].status == "paid"
        assert rows[1].paid_principal == 0
        balances = loans.balances_of(session, loan_id)
        assert balances.interest == 0
        assert balances.principal == Decimal("12000.00") - rows[0].principal


def test_repayment_repeated_key_applies_once() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        due = loans.installments_of(session, loan)[0].due_date
        for _ in range(3):
            loans.apply_repayment(session, loan, INSTALLMENT, due, "pay-once", through=due)
        assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.idempotency_key == "pay-once")) == 1
        assert loans.installments_of(session, loan)[1].paid_principal == 0


def test_post_entry_conflicting_key_rejected() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loans.post_entry(session, loan_id, fee_charge_entry("fee-x", str(loan_id), dt.date(2026, 2, 1), Decimal("5.00")))
        with pytest.raises(IdempotencyConflictError):
            loans.post_entry(session, loan_id, fee_charge_entry("fee-x", str(loan_id), dt.date(2026, 2, 1), Decimal("6.00")))


def test_overdue_penalty_accrues_by_day_and_payment_cures() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        due = loans.installments_of(session, loan)[0].due_date
        for offset in range(0, 11):
            day = due + dt.timedelta(days=offset)
            loans.accrue_due_rows(session, loan, day)
            loans.charge_penalty(session, loan, day)
            loans.charge_penalty(session, loan, day)  # a second run of the same day charges nothing
            loans.refresh_state(session, loan, day)
        assert loan.state == "overdue"
        assert loan.dpd == 10
        assert loan.dpd_bucket == "M1"
        overdue_principal = loans.installments_of(session, loan)[0].principal
        # Ten days past due with three days of grace: seven days at 0.05% a day.
        expected_penalty = (overdue_principal * Decimal("0.0005") * 7).quantize(Decimal("0.01"))
        position = loans.position_of(session, loan, due + dt.timedelta(days=10))
        assert position.balances.penalty == expected_penalty
        assert position.overdue_amount == INSTALLMENT + expected_penalty
        day = due + dt.timedelta(days=10)
        loans.apply_repayment(session, loan, position.overdue_amount, day, "cure")
        assert loan.state == "active"
        assert loan.dpd == 0
        assert loans.balances_of(session, loan_id).penalty == 0


def test_payoff_leaves_every_balance_zero() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        first_due = loans.installments_of(session, loan)[0].due_date
        loans.apply_repayment(session, loan, INSTALLMENT, first_due, "pay-1", through=first_due)
        day = first_due + dt.timedelta(days=12)
        quote = loans.quote_payoff(session, loan, day)
        assert quote.principal_not_due == loans.balances_of(session, loan_id).principal
        loans.apply_repayment(session, loan, quote.total, day, "payoff", payoff=quote)
        assert loan.state == "settled_early"
        assert loan.closed_at is not None
        assert loans.balances_of(session, loan_id).is_zero
        totals = loans.account_totals(session, loan_id)
        assert totals[Account.CASH_CLEARING] == INSTALLMENT + quote.total - Decimal("12000.00")
        assert loans.ledger_is_balanced(session)


def test_overpayment_credit_pays_next_row() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = _loan(session, loan_id)
        rows = loans.installments_of(session, loan)
        loans.apply_repayment(session, loan, Decimal("1500.00"), rows[0].due_date, "over")
        assert loans.balances_of(session, loan_id).credit == Decimal("1500.00") - INSTALLMENT
        loans.accrue_due_rows(session, loan, rows[1].due_date)
        loans.apply_credit(session, loan, rows[1].due_date)
        assert loans.balances_of(session, loan_id).credit == 0
        assert loans.installments_of(session, loan)[1].paid_interest > 0


def test_paying_every_installment_settles_the_loan() -> None:
    _, loan_id = book_test_loan(months=3, principal="3000.00")
    with session_scope() as session:
        loan = _loan(session, loan_id)
        for row in loans.installments_of(session, loan):
            loans.apply_repayment(session, loan, row.principal + row.interest, row.due_date, f"pay-{row.seq}")
        assert loan.state == "settled"
        assert loans.balances_of(session, loan_id).is_zero


def test_schedule_json_round_trips() -> None:
    _, loan_id = book_test_loan(method=loans.RepaymentMethod.EQUAL_PRINCIPAL)
    with session_scope() as session:
        loan = _loan(session, loan_id)
        schedule = loans.loan_schedule(loan)
        assert loans.schedule_to_json(schedule) == loan.terms_json
        assert [r.principal for r in schedule.rows] == [r.principal for r in loans.installments_of(session, loan)]
