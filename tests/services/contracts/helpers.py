"""Shortcuts of the contract tests: borrowers, approved applications and stored rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, AuditEntry, LoanApplication, LoanContract
from lendapp.services.applications_views import FULL_NAME_COLUMN, ID_NUMBER_COLUMN
from lendapp.services.pii import encrypt
from lendapp.services.sessions import Principal
from lendapp.services.staff import create_staff
from tests.services.accounts.helpers import PASSWORD, register

NOW = dt.datetime(2026, 12, 4, 2, 30, tzinfo=dt.UTC)
START = dt.date(2026, 12, 4)
FULL_NAME = "张三丰"
ID_NUMBER = "110101199003071030"
__all__ = ["PASSWORD"]


def borrower_principal(phone: str) -> Principal:
    """Register a borrower with the shared test password and return their principal."""
    user_id = register(phone)
    return Principal(user_id, "borrower", 0, phone[-4:], False, False)


def staff_principal(role: str, phone: str) -> Principal:
    """Create a staff member of ``role`` and return a principal that has finished setup."""
    credentials = create_staff(None, role=role, name=f"{role} {phone[-4:]}", phone=phone)
    return Principal(credentials.user_id, role, 0, role, False, True)


def approved_application(borrower_id: int, index: int, status: str = "approved", amount: str = "20000") -> str:
    """Store an application with identity, payout card and an approved offer of 12 months at 12%."""
    number = f"LA-20261204-{index:06d}"
    with session_scope() as session:
        session.add(LoanApplication(
            number=number, borrower_id=borrower_id, status=status, step=7, product_code="consumer-flex", segment="consumer",
            amount=Decimal(amount), term=12, method="equal_installment", annual_rate=Decimal("0.12"), purpose="consumption",
            full_name_enc=encrypt(FULL_NAME, FULL_NAME_COLUMN), id_number_enc=encrypt(ID_NUMBER, ID_NUMBER_COLUMN),
            bank_card_last4="8903", bank_name="中国工商银行",
        ))
    return number


def contract_row(contract_id: int) -> LoanContract:
    """Load a contract row, detached."""
    with session_scope() as session:
        row = session.get(LoanContract, contract_id)
        session.expunge(row)
        return row


def application_status(number: str) -> str:
    with session_scope() as session:
        return session.execute(sa.select(LoanApplication.status).where(LoanApplication.number == number)).scalar_one()


def status_events(number: str) -> list[str]:
    with session_scope() as session:
        application_id = session.execute(sa.select(LoanApplication.id).where(LoanApplication.number == number)).scalar_one()
        return list(session.execute(
            sa.select(ApplicationStatusEvent.to_status).where(ApplicationStatusEvent.application_id == application_id)
            .order_by(ApplicationStatusEvent.id)
        ).scalars())


def audit_actions(contract_id: int) -> list[str]:
    with session_scope() as session:
        return list(session.execute(
            sa.select(AuditEntry.action).where(AuditEntry.object_type == "loan_contract", AuditEntry.object_id == str(contract_id))
            .order_by(AuditEntry.sequence)
        ).scalars())
