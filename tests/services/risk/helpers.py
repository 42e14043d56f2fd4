"""A small loan book with known numbers, shared by the risk dashboard and export tests.

Dates are fixed so every aggregate can be worked out by hand; ``AS_OF`` is the
day the tests treat as today. The expected values sit next to the tests that
check them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from passlib.context import CryptContext
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, CollectionAction, LedgerEntry, LedgerLine, Loan, LoanApplication, LoanInstallment
from lendapp.services import passwords
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.services.sessions import Principal
from tests.services.accounts.helpers import register
from tests.services.loans.helpers import book_test_loan

AS_OF = dt.date(2026, 5, 20)
PRODUCT = DEMO_PRODUCTS[0]["code"]
OTHER_PRODUCT = "biz-loan"


def at(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    """Return an aware UTC time on the given day."""
    return dt.datetime(year, month, day, hour, tzinfo=dt.UTC)


def principal(role: str, user_id: int = 1) -> Principal:
    """Return a signed-in principal of ``role`` without a session row; services only read its role and id."""
    return Principal(user_id=user_id, role=role, session_id=1, display_name=role, must_change_password=False, totp_enabled=True)


@pytest.fixture
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash borrower passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


def _shape_application(session, number: str, *, channel: str, created: dt.datetime, score: int | None, pd: float | None,
                       decided: dt.datetime | None, events: list[tuple[str, dt.datetime]], status: str | None = None,
                       product: str | None = None) -> None:
    row = session.exec(select(LoanApplication).where(LoanApplication.number == number)).one()
    row.channel, row.created_at, row.score, row.pd, row.decided_at = channel, created, score, pd, decided
    row.submitted_at = events[0][1] if events else None
    if status:
        row.status = status
    if product:
        row.product_code = product
    previous = "draft"
    for to_status, when in events:
        session.add(ApplicationStatusEvent(application_id=row.id, from_status=previous, to_status=to_status, created_at=when))
        previous = to_status


def _pay(session, loan_id: int, seq: int, paid_at: dt.datetime) -> None:
    row = session.exec(select(LoanInstallment).where(LoanInstallment.loan_id == loan_id, LoanInstallment.seq == seq)).one()
    row.paid_principal, row.paid_interest, row.paid_fee = row.principal, row.interest, row.fee
    row.status, row.paid_at = "paid", paid_at


def _repay_principal(session, loan_id: int, amount: str, on: dt.date) -> None:
    entry = LedgerEntry(idempotency_key=f"test-repay-{loan_id}", loan_id=loan_id, kind="repayment", posted_on=on)
    session.add(entry)
    session.flush()
    session.add(LedgerLine(entry_id=entry.id, loan_id=loan_id, account="loan_principal_receivable", credit=Decimal(amount)))
    session.add(LedgerLine(entry_id=entry.id, loan_id=loan_id, account="cash_clearing", debit=Decimal(amount)))


def _draft(session, borrower_id: int, number: str) -> None:
    session.add(LoanApplication(number=number, borrower_id=borrower_id, status="draft", product_code=PRODUCT))


def build_book() -> dict[str, int]:
    """Book three loans (A, B, C) and three more applications (D declined, E draft, F in review); return the loan ids.

    A: 12,000 from 2026-01-15, installment 1 paid on time, 2 paid 36 days late, 3 onwards unpaid (dpd 35 on AS_OF).
    B: 3,000 from 2025-10-10 over 3 months, matured, 2 and 3 paid 100 and 69 days late, settled, defaulted (max dpd 100).
    C: 6,000 from 2026-02-10, every installment due so far paid on its due day.
    """
    _, loan_a = book_test_loan("13800138001", principal="12000.00", start=dt.date(2026, 1, 15))
    _, loan_b = book_test_loan("13800138002", principal="3000.00", months=3, start=dt.date(2025, 10, 10))
    _, loan_c = book_test_loan("13800138003", principal="6000.00", months=6, start=dt.date(2026, 2, 10))
    other = register("13800138004")
    with session_scope() as session:
        for loan_id, disbursed in ((loan_a, at(2026, 1, 15, 8)), (loan_b, at(2025, 10, 10, 8)), (loan_c, at(2026, 2, 10, 8))):
            session.get(Loan, loan_id).disbursed_at = disbursed
        loan = session.get(Loan, loan_a)
        loan.state, loan.dpd, loan.dpd_bucket, loan.max_dpd = "overdue", 35, "M2", 36
        loan = session.get(Loan, loan_b)
        loan.state, loan.max_dpd, loan.closed_at = "settled", 100, at(2026, 3, 20)

        _pay(session, loan_a, 1, at(2026, 2, 15, 12))
        _pay(session, loan_a, 2, at(2026, 4, 20))
        _pay(session, loan_b, 1, at(2025, 11, 10))
        _pay(session, loan_b, 2, at(2026, 3, 20))
        _pay(session, loan_b, 3, at(2026, 3, 20))
        for seq, due in ((1, dt.date(2026, 3, 10)), (2, dt.date(2026, 4, 10)), (3, dt.date(2026, 5, 10))):
            _pay(session, loan_c, seq, dt.datetime.combine(due, dt.time(9), tzinfo=dt.UTC))
        _repay_principal(session, loan_a, "1901.84", dt.date(2026, 4, 20))
        _repay_principal(session, loan_b, "3000.00", dt.date(2026, 3, 20))

        session.add(CollectionAction(loan_id=loan_b, collector_id=other, kind="call", created_at=at(2026, 3, 1)))
        session.add(CollectionAction(loan_id=loan_a, collector_id=other, kind="call", created_at=at(2026, 4, 2)))
        session.add(CollectionAction(loan_id=loan_a, collector_id=other, kind="promise_to_pay", created_at=at(2026, 4, 5)))

        _shape_application(session, "LA-TEST-13800138001-20260115", channel="web", created=at(2026, 1, 9), score=600, pd=0.05,
                           decided=at(2026, 1, 10), events=[("submitted", at(2026, 1, 10)), ("auto_approved", at(2026, 1, 10)),
                                                            ("contract_signed", at(2026, 1, 14)), ("disbursed", at(2026, 1, 15))])
        _shape_application(session, "LA-TEST-13800138002-20251010", channel="web", created=at(2025, 10, 1), score=480, pd=0.2,
                           decided=at(2025, 10, 3), events=[("submitted", at(2025, 10, 2)), ("in_review", at(2025, 10, 2)),
                                                            ("approved", at(2025, 10, 3)), ("contract_signed", at(2025, 10, 8)),
                                                            ("disbursed", at(2025, 10, 10))])
        _shape_application(session, "LA-TEST-13800138003-20260210", channel="app", created=at(2026, 2, 1), score=650, pd=0.03,
                           decided=at(2026, 2, 2), events=[("submitted", at(2026, 2, 2)), ("auto_approved", at(2026, 2, 2)),
                                                           ("contract_signed", at(2026, 2, 5)), ("disbursed", at(2026, 2, 10))])
        for number in ("LA-TEST-D", "LA-TEST-E", "LA-TEST-F"):
            _draft(session, other, number)
        session.flush()
        _shape_application(session, "LA-TEST-D", channel="app", created=at(2026, 2, 3), score=420, pd=0.4, decided=at(2026, 2, 3),
                           events=[("submitted", at(2026, 2, 3)), ("auto_declined", at(2026, 2, 3))], status="auto_declined")
        _shape_application(session, "LA-TEST-E", channel="app", created=at(2026, 2, 4), score=None, pd=None, decided=None, events=[])
        _shape_application(session, "LA-TEST-F", channel="web", created=at(2026, 2, 5), score=560, pd=0.1, decided=at(2026, 2, 5),
                           events=[("submitted", at(2026, 2, 5)), ("in_review", at(2026, 2, 5))], status="in_review",
                           product=OTHER_PRODUCT)
    return {"A": loan_a, "B": loan_b, "C": loan_c}
