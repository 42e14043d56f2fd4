"""The borrower dashboard's read side: own applications with their progress, own loans,
schedules, repayments, contracts and payoff quotes.

Every query filters by the signed-in borrower's id, and a loan or
application of someone else is reported as not found, so its existence is not
confirmed either.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import select

from lendapp.db.engine import session_scope
from lendapp.db.models import Loan, LoanApplication, LoanContract, Payment
from lendapp.domain.money import ZERO, from_minor_units
from lendapp.services import loans
from lendapp.services.applications_lifecycle import ApplicationStatus
from lendapp.services.auth_errors import NotFoundError
from lendapp.services.kyc import local_today

logger = logging.getLogger(__name__)

S = ApplicationStatus

# The steps of the status timeline, in order. A declined or withdrawn application stops at its last step.
TIMELINE = ("submitted", "scoring", "in_review", "decided", "contract", "disbursed")
_STEP_OF_STATUS = {
    S.DRAFT: -1,
    S.SUBMITTED: 0,
    S.SCORING: 1,
    S.IN_REVIEW: 2,
    S.DOCUMENTS_REQUESTED: 2,
    S.AUTO_APPROVED: 3,
    S.AUTO_DECLINED: 3,
    S.APPROVED: 3,
    S.DECLINED: 3,
    S.PENDING_SECOND_APPROVAL: 2,
    S.OFFER_ACCEPTED: 4,
    S.CONTRACT_SIGNED: 4,
    S.DISBURSED: 5,
    S.WITHDRAWN: -1,
    S.EXPIRED: -1,
}
# The borrower's next step by status. Statuses missing here need nothing from the borrower.
_NEXT_ACTION = {
    S.DRAFT: "continue_application",
    S.DOCUMENTS_REQUESTED: "upload_documents",
    S.APPROVED: "accept_offer",
    S.AUTO_APPROVED: "accept_offer",
    S.OFFER_ACCEPTED: "sign_contract",
}


@dataclasses.dataclass(frozen=True)
class ApplicationSummary:
    """One of the borrower's applications with its place on the timeline."""

    number: str
    status: str
    product_code: str
    amount: Decimal | None
    term: int | None
    reached_step: int
    next_action: str
    reason_keys: tuple[str, ...]
    updated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class LoanSummary:
    """One of the borrower's loans as the overview shows it."""

    number: str
    product_code: str
    state: str
    principal: Decimal
    outstanding_principal: Decimal
    next_due_date: dt.date | None
    next_due_amount: Decimal
    overdue_amount: Decimal
    dpd: int
    repaid_share: float


@dataclasses.dataclass(frozen=True)
class Overview:
    """The dashboard's first screen."""

    applications: tuple[ApplicationSummary, ...]
    loans: tuple[LoanSummary, ...]


@dataclasses.dataclass(frozen=True)
class InstallmentLine:
    """One schedule row with what is left of it."""

    seq: int
    due_date: dt.date
    principal: Decimal
    interest: Decimal
    fee: Decimal
    total: Decimal
    remaining: Decimal
    status: str


@dataclasses.dataclass(frozen=True)
class PaymentLine:
    """One repayment attempt or receipt."""

    reference: str
    purpose: str
    provider: str
    amount: Decimal
    status: str
    created_at: dt.datetime
    succeeded_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class ContractLine:
    """One contract version of the loan."""

    contract_id: int
    version: int
    kind: str
    status: str
    signed_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class LoanDetail:
    """Everything the loan page shows. ``loan_id`` is what the plan-change service takes."""

    loan_id: int
    summary: LoanSummary
    annual_rate: Decimal
    apr: Decimal | None
    method: str
    term: int
    start_date: dt.date
    maturity_date: dt.date
    credit_balance: Decimal
    installments: tuple[InstallmentLine, ...]
    payments: tuple[PaymentLine, ...]
    contracts: tuple[ContractLine, ...]


@dataclasses.dataclass(frozen=True)
class PayoffOffer:
    """A payoff quote for the borrower: the total and its parts, valid through ``valid_until``."""

    loan_number: str
    valid_until: dt.date
    principal: Decimal
    interest: Decimal
    fees: Decimal
    penalty: Decimal
    credit_used: Decimal
    total: Decimal


def _application_summary(row: LoanApplication) -> ApplicationSummary:
    reasons: tuple[str, ...] = ()
    if row.status in (S.DECLINED, S.AUTO_DECLINED):
        # Each stored reason carries the catalog key of its plain-language text for borrowers.
        stored = json.loads(row.reason_codes or "[]")
        reasons = tuple(item["borrower_key"] for item in stored if isinstance(item, dict) and "borrower_key" in item)
    return ApplicationSummary(
        number=row.number,
        status=str(row.status),
        product_code=row.product_code,
        amount=row.amount,
        term=row.term,
        reached_step=_STEP_OF_STATUS.get(S(row.status), -1),
        next_action=_NEXT_ACTION.get(S(row.status), ""),
        reason_keys=reasons,
        updated_at=row.updated_at,
    )


def _loan_summary(session, loan: Loan, on: dt.date) -> LoanSummary:
    if loan.state in loans.CLOSED_STATES:
        return LoanSummary(loan.number, loan.product_code, loan.state, loan.principal, ZERO, None, ZERO, ZERO, 0, 1.0)
    position = loans.position_of(session, loan, on)
    return LoanSummary(
        number=loan.number,
        product_code=loan.product_code,
        state=loan.state,
        principal=loan.principal,
        outstanding_principal=position.outstanding_principal,
        next_due_date=position.next_due_date,
        next_due_amount=position.next_due_amount,
        overdue_amount=position.overdue_amount,
        dpd=position.dpd,
        repaid_share=position.repaid_share,
    )


def overview(user_id: int, on: dt.date | None = None) -> Overview:
    """Return the borrower's applications (newest first) and loans (open ones first)."""
    on = on or local_today()
    with session_scope() as session:
        applications = session.exec(
            select(LoanApplication)
            .where(LoanApplication.borrower_id == user_id)
            .order_by(LoanApplication.updated_at.desc(), LoanApplication.id.desc())
            .limit(50)
        ).all()
        rows = session.exec(select(Loan).where(Loan.borrower_id == user_id).order_by(Loan.disbursed_at.desc())).all()
        summaries = [_loan_summary(session, loan, on) for loan in rows]
    summaries.sort(key=lambda item: item.state in loans.CLOSED_STATES)
    # A disbursed application is shown as its loan, so the overview does not list it twice.
    listed = [_application_summary(row) for row in applications if row.status != S.DISBURSED]
    return Overview(applications=tuple(listed), loans=tuple(summaries))


def _own_loan(session, user_id: int, number: str) -> Loan:
    loan = session.exec(select(Loan).where(Loan.number == number, Loan.borrower_id == user_id)).first()
    if loan is None:
        logger.info("Borrower %s asked for loan %s, which is not theirs or does not exist", user_id, number[:32])
        raise NotFoundError("dashboard.error.loan_not_found", number=number[:32])
    return loan


def loan_detail(user_id: int, number: str, on: dt.date | None = None) -> LoanDetail:
    """Return the borrower's own loan with its schedule, payments and contracts.

    Raises:
        NotFoundError: No loan of this borrower has that number.
    """
    on = on or local_today()
    with session_scope() as session:
        loan = _own_loan(session, user_id, number)
        summary = _loan_summary(session, loan, on)
        rows = loans.installments_of(session, loan)
        credit = loans.balances_of(session, loan.id).credit
        installments = tuple(
            InstallmentLine(
                seq=row.seq,
                due_date=row.due_date,
                principal=row.principal,
                interest=row.interest,
                fee=row.fee,
                total=row.principal + row.interest + row.fee,
                remaining=row.principal + row.interest + row.fee - row.paid_principal - row.paid_interest - row.paid_fee,
                status=row.status if row.status == "paid" else loans.row_status(row.due_date, on),
            )
            for row in rows
        )
        payments = tuple(
            PaymentLine(p.reference, p.purpose, p.provider, from_minor_units(p.amount_minor, p.currency), p.status, p.created_at, p.succeeded_at)
            for p in session.exec(
                select(Payment).where(Payment.loan_id == loan.id, Payment.borrower_id == user_id).order_by(Payment.id.desc())
            ).all()
        )
        contracts = tuple(
            ContractLine(c.id, c.version, c.kind, c.status, c.signed_at)
            for c in session.exec(
                select(LoanContract)
                .where(LoanContract.borrower_id == user_id, sa.or_(LoanContract.application_id == loan.application_id, LoanContract.loan_id == loan.id))
                .order_by(LoanContract.version.desc(), LoanContract.id.desc())
            ).all()
        )
        return LoanDetail(
            loan_id=loan.id,
            summary=summary,
            annual_rate=loan.annual_rate,
            apr=loan.apr,
            method=loan.method,
            term=loan.term,
            start_date=loan.start_date,
            maturity_date=loan.maturity_date,
            credit_balance=credit,
            installments=installments,
            payments=payments,
            contracts=contracts,
        )



def payoff_offer(user_id: int, number: str, on: dt.date | None = None) -> PayoffOffer:
    """Quote the payoff of the borrower's own open loan for today; the quote is valid through today.

    Raises:
        NotFoundError: No open loan of this borrower has that number.
    """
    on = on or local_today()
    with session_scope() as session:
        loan = _own_loan(session, user_id, number)
        if loan.state in loans.CLOSED_STATES:
            raise NotFoundError("dashboard.error.loan_closed", number=number[:32])
        quote = loans.quote_payoff(session, loan, on)
        credit = loans.balances_of(session, loan.id).credit
    used = min(credit, quote.total)
    return PayoffOffer(
        loan_number=loan.number,
        valid_until=on,
        principal=quote.principal,
        interest=quote.interest,
        fees=quote.fees,
        penalty=quote.penalty,
        credit_used=used,
        total=quote.total - used,
    )
