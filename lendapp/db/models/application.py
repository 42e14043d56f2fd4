"""Loan applications (借款申请) from draft to decision, and their status history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now


# Statuses that wait for a staff member. The review-queue service keeps the same tuple as
# enum members; a unit test checks that the two agree. Queries must spell these values as
# literals (not bound parameters), or neither database can prove that the partial index applies.
WAITING_STATUSES = ("in_review", "documents_requested", "pending_second_approval")
WAITING_PREDICATE = "status IN (" + ", ".join(f"'{status}'" for status in WAITING_STATUSES) + ")"


class LoanApplication(SQLModel, table=True):
    """One borrower's request for a loan, with what the wizard collected and the automatic decision.

    Personal values are AES-GCM ciphertext (``*_enc``) plus keyed hashes for
    the duplicate and fraud checks (``*_hash``). Amounts are yuan, rates annual fractions.
    """

    __tablename__ = "loan_application"
    # The queue reads one status from (status, submitted_at, id) and every waiting status from the
    # partial index on (submitted_at, id), so neither needs a sort. The partial index contains only
    # the waiting rows, so it stays small as the book grows.
    __table_args__ = (
        sa.Index("ix_loan_application_queue", "status", "submitted_at", "id"),
        sa.Index(
            "ix_loan_application_waiting", "submitted_at", "id",
            postgresql_where=sa.text(WAITING_PREDICATE), sqlite_where=sa.text(WAITING_PREDICATE),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=32, sa_column_kwargs={"unique": True}, description="Shown to people, e.g. LA-20261204-000123.")
    borrower_id: int = Field(foreign_key="user_account.id", index=True)
    status: str = Field(max_length=32, index=True)
    step: int = Field(default=1, description="The furthest wizard step the borrower has reached.")

    product_code: str = Field(default="", max_length=64)
    product_version: int | None = None
    segment: str = Field(default="", max_length=32)
    amount: Decimal | None = Field(default=None, sa_type=ExactDecimal(18, 2))
    term: int | None = Field(default=None, description="Months, or days for the bullet method.")
    method: str = Field(default="", max_length=32)
    annual_rate: Decimal | None = Field(default=None, sa_type=ExactDecimal(9, 6), description="Nominal rate quoted at step 1.")
    purpose: str = Field(default="", max_length=32)

    full_name_enc: str | None = Field(default=None, max_length=512)
    id_number_enc: str | None = Field(default=None, max_length=512)
    id_number_hash: str | None = Field(default=None, max_length=64, index=True)
    birth_date: dt.date | None = None
    sex: str = Field(default="", max_length=8)
    region_code: str = Field(default="", max_length=6)
    province: str = Field(default="", max_length=64)

    contact_phone_enc: str | None = Field(default=None, max_length=512)
    contact_phone_hash: str | None = Field(default=None, max_length=64, index=True)
    address_enc: str | None = Field(default=None, max_length=2048)
    employment_type: str = Field(default="", max_length=32)
    employer_enc: str | None = Field(default=None, max_length=1024)
    monthly_income: Decimal | None = Field(default=None, sa_type=ExactDecimal(18, 2))
    employment_months: int | None = None
    housing: str = Field(default="", max_length=16)
    residence_years: int | None = None
    dependants: int | None = None

    bank_card_enc: str | None = Field(default=None, max_length=512)
    bank_card_hash: str | None = Field(default=None, max_length=64, index=True)
    bank_card_last4: str = Field(default="", max_length=4)
    bank_name: str = Field(default="", max_length=128)
    bank_card_product: str = Field(default="", max_length=128)
    bank_card_type: str = Field(default="", max_length=16)

    channel: str = Field(default="web", max_length=16)
    device_id: str = Field(default="", max_length=128, index=True)
    client_ip: str = Field(default="", max_length=64)

    score: int | None = None
    pd: float | None = None
    reason_codes: str = Field(default="[]", sa_type=sa.Text, description="JSON list of reason codes.")
    rules_hit: str = Field(default="[]", sa_type=sa.Text, description="JSON list of policy and fraud rule codes.")
    model_version: str = Field(default="", max_length=128)
    offered_rate: Decimal | None = Field(default=None, sa_type=ExactDecimal(9, 6))
    suggested_limit: Decimal | None = Field(default=None, sa_type=ExactDecimal(18, 2))
    decision_reason: str = Field(default="", max_length=64)
    assignee_id: int | None = Field(default=None, foreign_key="user_account.id", index=True,
                                    description="The reviewer working on it; every change is also in the audit log.")
    assigned_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)

    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    submitted_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    scoring_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime, description="Withdrawn or expired.")


class ApplicationStatusEvent(SQLModel, table=True):
    """One status change of an application: who moved it, from what, to what and why."""

    __tablename__ = "application_status_event"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="loan_application.id", index=True)
    from_status: str = Field(default="", max_length=32)
    to_status: str = Field(max_length=32)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor_role: str = Field(default="system", max_length=32)
    reason: str = Field(default="", max_length=256)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class ApplicationNote(SQLModel, table=True):
    """A staff member's note on an application, kept beside the status history.

    Notes are append-only: a correction is a new note, so the record of what a
    reviewer knew when deciding stays as it was.
    """

    __tablename__ = "application_note"

    id: int | None = Field(default=None, primary_key=True)
    application_id: int = Field(foreign_key="loan_application.id", index=True)
    author_id: int = Field(foreign_key="user_account.id")
    body: str = Field(max_length=2000)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
