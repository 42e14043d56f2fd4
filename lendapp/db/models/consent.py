"""Consent records (授权同意): one row per grant or withdrawal, never updated."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class ConsentRecord(SQLModel, table=True):
    """A borrower granting or withdrawing one purpose-specific consent.

    The current state of a purpose is its newest record. ``policy_version``
    names the text the borrower saw, so it can be shown again later.
    """

    __tablename__ = "consent_record"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    application_id: int | None = Field(default=None, foreign_key="loan_application.id", index=True)
    purpose: str = Field(max_length=48)
    policy_version: str = Field(max_length=32)
    granted: bool
    client_ip: str = Field(default="", max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
