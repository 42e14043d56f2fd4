"""Repayments as they arrive: Stripe Checkout payments, bank transfers and webhook events.

Amounts at this boundary are integer minor units (fen for CNY), as Stripe
counts them; lendapp.domain.money converts them in one place.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class Payment(SQLModel, table=True):
    """One repayment attempt (还款) by card, Alipay, WeChat Pay or bank transfer."""

    __tablename__ = "payment"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, sa_column_kwargs={"unique": True}, description="Shown to the borrower, e.g. RP-20261204-000123.")
    loan_id: int = Field(foreign_key="loan.id", index=True)
    borrower_id: int = Field(foreign_key="user_account.id", index=True)
    purpose: str = Field(max_length=16, description="installment, overdue, payoff or partial.")
    provider: str = Field(max_length=16, description="stripe or bank_transfer.")
    currency: str = Field(default="CNY", max_length=3)
    amount_minor: int
    received_minor: int = Field(default=0, description="What actually arrived, for a bank transfer of another amount.")
    refunded_minor: int = Field(default=0)
    status: str = Field(default="created", max_length=24, index=True,
                        description="created, pending, succeeded, failed, expired, refunded or partially_refunded.")
    provider_session_id: str | None = Field(default=None, max_length=255, sa_column_kwargs={"unique": True})
    provider_payment_intent: str | None = Field(default=None, max_length=255, index=True)
    bank_reference: str = Field(default="", max_length=64, description="The bank's transaction reference of a confirmed transfer.")
    provider_status: str = Field(default="", max_length=32, description="The provider's own status, e.g. requires_action.")
    payment_method: str = Field(default="", max_length=32)
    idempotency_key: str = Field(max_length=96, sa_column_kwargs={"unique": True})
    payoff_quote_json: str | None = Field(default=None, sa_type=sa.Text)
    receipt_document_id: int | None = Field(default=None, description="An uploaded bank transfer receipt.")
    confirmed_by: int | None = Field(default=None, foreign_key="user_account.id")
    ledger_key: str | None = Field(default=None, max_length=160, description="Idempotency key of the repayment's journal entry.")
    failure_code: str = Field(default="", max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    succeeded_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebhookEvent(SQLModel, table=True):
    """A provider event recorded once, in the same transaction as its effect."""

    __tablename__ = "webhook_event"

    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(default="stripe", max_length=16)
    event_id: str = Field(max_length=255, sa_column_kwargs={"unique": True})
    event_type: str = Field(max_length=64)
    object_id: str = Field(default="", max_length=255, index=True)
    provider_created: int = Field(default=0, description="The provider's creation time in Unix seconds, for ordering.")
    outcome: str = Field(default="", max_length=32, description="applied, ignored or deferred.")
    received_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
