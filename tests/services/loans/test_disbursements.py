"""Paying out signed applications: booking, maker-checker and repeated requests, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo
from decimal import Decimal

import pytest
import sqlalchemy as sa
from passlib.context import CryptContext

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, AuditEntry, Disbursement, LedgerEntry, Loan, LoanApplication, LoanProduct
from lendapp.domain.ledger import Account
from lendapp.services import disbursements, loans, passwords
from lendapp.services.applications_lifecycle import ApplicationStateError
from lendapp.services.auth_errors import InvalidInputError, PermissionDeniedError
from lendapp.services.seed import DEMO_PRODUCTS
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import register

pytestmark = pytest.mark.usefixtures("engine")
# A recent transfer: payouts older than 30 days are refused, so the tests' date follows the clock.
PAID_AT = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).replace(microsecond=0)


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash passwords at argon2id's smallest cost; these tests are not about passwords."""
    fast = CryptContext(schemes=["argon2"], argon2__type="ID", argon2__memory_cost=1024, argon2__rounds=1, argon2__parallelism=1)
    monkeypatch.setattr(passwords, "password_context", fast)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", fast.hash("not a real password"))


def _staff(role: str, phone: str) -> Principal:
    credentials = create_staff(None, role=role, name=f"{role} {phone[-4:]}", phone=phone)
    return Principal(credentials.user_id, role, 0, role, False, True)


def _signed_application(amount: str, approver: Principal | None = None) -> str:
    borrower = register("13800138000")
    product = DEMO_PRODUCTS[0]
    with session_scope() as session:
        session.add(LoanProduct(**product))
        row = LoanApplication(
            number="LA-20261201-000001", borrower_id=borrower, status="contract_signed", step=7,
            product_code=product["code"], segment=product["segment"], amount=Decimal(amount), term=12,
            method="equal_installment", annual_rate=product["min_annual_rate"],
        )
        session.add(row)
        session.flush()
        if approver is not None:
            session.add(ApplicationStatusEvent(application_id=row.id, from_status="in_review", to_status="approved",
                                               actor_id=approver.user_id, actor_role=approver.role))
    return "LA-20261201-000001"


def _to_pay(number: str) -> Decimal:
    finance = _staff("finance", "13900139009")
    [item] = [i for i in disbursements.payout_worklist(finance) if i.application_number == number]
    return item.amount_to_pay


def test_payout_small_books_loan_once() -> None:
    number = _signed_application("20000")
    finance = _staff("finance", "13900139001")
    amount = _to_pay(number)
    product = DEMO_PRODUCTS[0]
    assert amount == Decimal("20000") - (Decimal("20000") * product["upfront_fee_rate"]).quantize(Decimal("0.01"))
    results = [
        disbursements.record_disbursement(finance, number, bank_reference="CMB20261201001", amount=amount, transferred_at=PAID_AT)
        for _ in range(3)
    ]
    assert results[0].status == "completed"
    assert results[0].loan_number.startswith("LN-")
    assert [r.replayed for r in results] == [False, True, True]
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Loan)) == 1
        assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 1
        loan = session.exec(sa.select(Loan)).scalars().one()
        assert loan.start_date == PAID_AT.astimezone(ZoneInfo("Asia/Shanghai")).date()
        assert loan.state == "active"
        totals = loans.account_totals(session, loan.id)
        assert totals[Account.LOAN_PRINCIPAL_RECEIVABLE] == Decimal("20000.00")
        assert totals[Account.CASH_CLEARING] == -amount
        assert session.exec(sa.select(LoanApplication)).scalars().one().status == "disbursed"
        assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "disbursement.complete")) == 1


def test_payout_large_needs_second_person() -> None:
    number = _signed_application("80000")
    maker, checker = _staff("finance", "13900139001"), _staff("finance", "13900139002")
    amount = _to_pay(number)
    pending = disbursements.record_disbursement(maker, number, bank_reference="ICBC-77", amount=amount, transferred_at=PAID_AT)
    assert pending.status == "pending_confirmation"
    assert pending.loan_number is None
    with pytest.raises(PermissionDeniedError):
        disbursements.confirm_disbursement(maker, number)
    done = disbursements.confirm_disbursement(checker, number)
    again = disbursements.confirm_disbursement(checker, number)
    assert done.status == "completed"
    assert again.replayed
    assert again.loan_number == done.loan_number
    with session_scope() as session:
        record = session.exec(sa.select(Disbursement)).scalars().one()
        assert (record.recorded_by, record.confirmed_by) == (maker.user_id, checker.user_id)


def test_wrong_amount_or_reference_changes_nothing() -> None:
    number = _signed_application("20000")
    finance = _staff("finance", "13900139001")
    with pytest.raises(InvalidInputError):
        disbursements.record_disbursement(finance, number, bank_reference="X1", amount=_to_pay(number) - Decimal("0.01"))
    with pytest.raises(InvalidInputError):
        disbursements.record_disbursement(finance, number, bank_reference="   ", amount=_to_pay(number))
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Disbursement)) == 0


def test_payout_rejects_approver_and_admin() -> None:
    reviewer = _staff("senior_approver", "13900139003")
    number = _signed_application("20000", approver=reviewer)
    with pytest.raises(PermissionDeniedError):
        disbursements.record_disbursement(reviewer, number, bank_reference="R1", amount=_to_pay(number))
    admin = _staff("admin", "13900139004")
    with pytest.raises(PermissionDeniedError):
        disbursements.payout_worklist(admin)


def test_payout_unsigned_application_rejected() -> None:
    number = _signed_application("20000")
    with session_scope() as session:
        session.exec(sa.select(LoanApplication)).scalars().one().status = "offer_accepted"
    finance = _staff("finance", "13900139001")
    with pytest.raises(ApplicationStateError):
        disbursements.record_disbursement(finance, number, bank_reference="R1", amount=Decimal("20000.00"))


def test_payout_time_out_of_range_rejected() -> None:
    number = _signed_application("20000")
    finance = _staff("finance", "13900139001")
    amount = _to_pay(number)
    now = dt.datetime(2026, 12, 5, 2, 0, tzinfo=dt.UTC)
    for moment in (dt.datetime(2099, 1, 1, tzinfo=dt.UTC), now - dt.timedelta(days=31)):
        with pytest.raises(InvalidInputError):
            disbursements.record_disbursement(finance, number, bank_reference="R1", amount=amount, transferred_at=moment, now=now)
    with session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Disbursement)) == 0
