"""Loans (借款) from disbursement to settlement: the loan, its installments, contracts,
disbursements and plan-change requests.

A loan row keeps the terms it was signed with as JSON (``terms_json``), so a
later change to the product never alters an existing loan's schedule.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now


class Loan(SQLModel, table=True):
    """A signed and disbursed loan with its current state and delinquency."""

    __tablename__ = "loan"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, sa_column_kwargs={"unique": True}, description="Shown to people, e.g. LN-20261204-000123.")
    application_id: int = Field(foreign_key="loan_application.id", sa_column_kwargs={"unique": True})
    borrower_id: int = Field(foreign_key="user_account.id", index=True)
    product_code: str = Field(max_length=64, index=True)
    product_version: int | None = None
    segment: str = Field(default="", max_length=32)
    currency: str = Field(default="CNY", max_length=3)
    principal: Decimal = Field(sa_type=ExactDecimal(18, 2))
    annual_rate: Decimal = Field(sa_type=ExactDecimal(9, 6))
    method: str = Field(max_length=32)
    term: int
    apr: Decimal | None = Field(default=None, sa_type=ExactDecimal(9, 6), description="Periodic IRR times periods, as disclosed.")
    terms_json: str = Field(sa_type=sa.Text, description="LoanTerms and FeeTerms the contract was signed with.")
    schedule_version: int = Field(default=1, description="Raised by each restructuring; installments carry it.")
    start_date: dt.date
    maturity_date: dt.date
    state: str = Field(default="active", max_length=32, index=True)
    dpd: int = Field(default=0, description="Days past due of the oldest unpaid installment.")
    dpd_bucket: str = Field(default="M0", max_length=8, index=True)
    max_dpd: int = Field(default=0)
    disbursed_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LoanInstallment(SQLModel, table=True):
    """One row of a loan's schedule (还款计划) and what has been paid toward it."""

    __tablename__ = "loan_installment"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "schedule_version", "seq"),
        sa.Index("ix_loan_installment_due_status", "due_date", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    schedule_version: int = Field(default=1)
    seq: int
    due_date: dt.date
    principal: Decimal = Field(sa_type=ExactDecimal(18, 2))
    interest: Decimal = Field(sa_type=ExactDecimal(18, 2))
    fee: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
    paid_principal: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
    paid_interest: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
    paid_fee: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
    status: str = Field(default="upcoming", max_length=16, description="upcoming, due, overdue, paid or superseded.")
    paid_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class LoanContract(SQLModel, table=True):
    """One version of a loan contract (借款合同) as a PDF, and its e-signature.

    A signed row never changes: a new version is a new row that needs its own signature.
    """

    __tablename__ = "loan_contract"
    __table_args__ = (sa.UniqueConstraint("application_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="loan_application.id", index=True)
    loan_id: int | None = Field(default=None, foreign_key="loan.id", index=True)
    borrower_id: int = Field(foreign_key="user_account.id", index=True)
    version: int = Field(default=1)
    template_version: str = Field(max_length=32)
    kind: str = Field(default="loan", max_length=16, description="loan, or plan_change for a signed schedule change.")
    status: str = Field(default="draft", max_length=16, description="draft, signed or superseded.")
    terms_json: str = Field(sa_type=sa.Text, description="The disclosures the PDF was generated from.")
    storage_name: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    pdf_sha256: str = Field(max_length=64)
    signed_pdf_sha256: str | None = Field(default=None, max_length=64)
    signed_storage_name: str | None = Field(default=None, max_length=64)
    signature_method: str = Field(default="", max_length=16, description="password or sms.")
    signed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    signed_ip: str = Field(default="", max_length=64)
    signed_user_agent: str = Field(default="", max_length=256)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class Disbursement(SQLModel, table=True):
    """Paying out an approved loan (放款): recorded by finance, confirmed by a second person above the threshold."""

    __tablename__ = "disbursement"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="loan_application.id", sa_column_kwargs={"unique": True})
    loan_id: int | None = Field(default=None, foreign_key="loan.id")
    amount: Decimal = Field(sa_type=ExactDecimal(18, 2), description="Paid to the borrower: principal less any deducted fee.")
    channel: str = Field(default="bank_transfer", max_length=32)
    bank_reference: str = Field(default="", max_length=64)
    transferred_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: str = Field(default="pending_confirmation", max_length=32, description="pending_confirmation or completed.")
    recorded_by: int = Field(foreign_key="user_account.id")
    confirmed_by: int | None = Field(default=None, foreign_key="user_account.id")
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    completed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class PlanChangeRequest(SQLModel, table=True):
    """A borrower's or collector's request to change a loan's schedule (deferral, extension, prepayment)."""

    __tablename__ = "plan_change_request"

    id: int | None = Field(default=None, primary_key=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    borrower_id: int = Field(foreign_key="user_account.id", index=True)
    kind: str = Field(max_length=32, description="deferral, extension or partial_prepayment.")
    origin: str = Field(default="borrower", max_length=16, description="borrower, or collector for a hardship plan.")
    params_json: str = Field(default="{}", sa_type=sa.Text)
    preview_json: str = Field(default="{}", sa_type=sa.Text, description="The new schedule and its cost as shown when asked.")
    status: str = Field(default="requested", max_length=16, index=True, description="requested, approved, rejected, applied or withdrawn.")
    requested_by: int | None = Field(default=None, foreign_key="user_account.id")
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    decision_note: str = Field(default="", max_length=512)
    contract_id: int | None = Field(default=None, foreign_key="loan_contract.id")
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    applied_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
