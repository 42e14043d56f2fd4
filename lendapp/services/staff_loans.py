"""Loans as staff see them: a searchable list and one loan with its schedule, ledger balances,
repayments and collection history. Personal data stays masked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import CollectionAction, Loan, LoanApplication, Payment
from lendapp.domain.masking import mask_name
from lendapp.domain.money import from_minor_units
from lendapp.domain.permissions import Permission, has_permission
from lendapp.services import loans
from lendapp.services.applications_views import FULL_NAME_COLUMN
from lendapp.services.auth_errors import NotFoundError, PermissionDeniedError
from lendapp.services.borrower_dashboard import InstallmentLine, PaymentLine
from lendapp.services.kyc import local_today
from lendapp.services.pii import decrypt
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)
PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class LoanListItem:
    """One loan in the staff list."""

    number: str
    application_number: str
    product_code: str
    state: str
    principal: Decimal
    dpd: int
    dpd_bucket: str
    disbursed_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ContactLine:
    """One collection action on the loan."""

    kind: str
    outcome: str
    note: str
    promised_amount: Decimal | None
    promised_date: dt.date | None
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class StaffLoanView:
    """One loan for staff."""

    number: str
    application_number: str
    masked_name: str
    product_code: str
    state: str
    principal: Decimal
    annual_rate: Decimal
    apr: Decimal | None
    dpd: int
    dpd_bucket: str
    outstanding_principal: Decimal
    overdue_amount: Decimal
    balances: dict[str, Decimal]
    installments: tuple[InstallmentLine, ...]
    payments: tuple[PaymentLine, ...]
    contacts: tuple[ContactLine, ...]


def _require(actor: Principal) -> None:
    if not has_permission(actor.role, Permission.LOANS_VIEW):
        logger.warning("Denied the loan list to user %s (%s)", actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def list_loans(actor: Principal, *, state: str = "", search: str = "", before_id: int | None = None) -> list[LoanListItem]:
    """Newest loans first, optionally of one state or matching a loan or application number; keyset paged by id."""
    _require(actor)
    query = select(Loan, LoanApplication.number).join(LoanApplication, LoanApplication.id == Loan.application_id)
    if state:
        query = query.where(Loan.state == state)
    if search:
        term = search.strip()[:32]
        query = query.where(sa.or_(Loan.number == term, LoanApplication.number == term))
    if before_id is not None:
        query = query.where(Loan.id < before_id)
    query = query.order_by(Loan.id.desc()).limit(PAGE_SIZE)
    with session_scope() as session:
        return [
            LoanListItem(loan.number, application_number, loan.product_code, loan.state, loan.principal, loan.dpd,
                         loan.dpd_bucket, loan.disbursed_at)
            for loan, application_number in session.execute(query).all()
        ]


def loan_view(actor: Principal, number: str, on: dt.date | None = None) -> StaffLoanView:
    """One loan with its schedule, balances, repayments and collection history.

    Raises:
        PermissionDeniedError: The actor may not view loans.
        NotFoundError: No loan has that number.
    """
    _require(actor)
    on = on or local_today()
    with session_scope() as session:
        row = session.execute(
            select(Loan, LoanApplication).join(LoanApplication, LoanApplication.id == Loan.application_id).where(Loan.number == number[:32])
        ).first()
        if row is None:
            raise NotFoundError("staff.loans.error.not_found", number=number[:32])
        loan, application = row
        position = loans.position_of(session, loan, on) if loan.state in loans.OPEN_STATES else None
        totals = loans.account_totals(session, loan.id)
        installments = tuple(
            InstallmentLine(
                seq=r.seq, due_date=r.due_date, principal=r.principal, interest=r.interest, fee=r.fee,
                total=r.principal + r.interest + r.fee,
                remaining=r.principal + r.interest + r.fee - r.paid_principal - r.paid_interest - r.paid_fee,
                status=r.status if r.status == "paid" else loans.row_status(r.due_date, on),
            )
            for r in loans.installments_of(session, loan)
        )
        payments = tuple(
            PaymentLine(p.reference, p.purpose, p.provider, from_minor_units(p.amount_minor, p.currency), p.status, p.created_at, p.succeeded_at)
            for p in session.exec(select(Payment).where(Payment.loan_id == loan.id).order_by(Payment.id.desc())).all()
        )
        contacts = tuple(
            ContactLine(c.kind, c.outcome, c.note, c.promised_amount, c.promised_date, c.created_at)
            for c in session.exec(select(CollectionAction).where(CollectionAction.loan_id == loan.id).order_by(CollectionAction.id.desc()).limit(50)).all()
        )
        name = decrypt(application.full_name_enc, FULL_NAME_COLUMN) if application.full_name_enc else ""
        return StaffLoanView(
            number=loan.number,
            application_number=application.number,
            masked_name=mask_name(name) if name else "",
            product_code=loan.product_code,
            state=loan.state,
            principal=loan.principal,
            annual_rate=loan.annual_rate,
            apr=loan.apr,
            dpd=loan.dpd,
            dpd_bucket=loan.dpd_bucket,
            outstanding_principal=position.outstanding_principal if position else Decimal("0.00"),
            overdue_amount=position.overdue_amount if position else Decimal("0.00"),
            balances={account.value: amount for account, amount in totals.items() if amount},
            installments=installments,
            payments=payments,
            contacts=contacts,
        )
