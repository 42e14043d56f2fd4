"""A borrower's identity and payout details, encrypted at rest."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class BorrowerProfile(SQLModel, table=True):
    """The personal data of one borrower account.

    Each value is stored as AES-GCM ciphertext (``*_enc``) plus, where the
    app must find or compare it, a keyed hash (``*_hash``).
    """

    __tablename__ = "borrower_profile"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", sa_column_kwargs={"unique": True})
    full_name_enc: str | None = Field(default=None, max_length=512)
    full_name_hash: str | None = Field(default=None, max_length=64, index=True)
    id_number_enc: str | None = Field(default=None, max_length=512, description="Resident ID number (居民身份证号).")
    id_number_hash: str | None = Field(default=None, max_length=64, index=True)
    bank_card_enc: str | None = Field(default=None, max_length=512)
    bank_card_hash: str | None = Field(default=None, max_length=64, index=True)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
