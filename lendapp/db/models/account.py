"""User accounts: borrowers and staff share one table and differ by role."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class UserAccount(SQLModel, table=True):
    """A person who signs in: a borrower or a staff member with one role.

    The mobile number is stored only encrypted (``phone_enc``) and as a keyed
    hash (``phone_hash``) for lookups. A borrower's ``login`` is that keyed
    hash too, so the unique constraint on ``login`` allows one borrower
    account per number without storing the number in plain text.
    """

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=32, index=True)
    login: str = Field(max_length=64, sa_column_kwargs={"unique": True}, description="Staff user name or a keyed hash of the borrower's phone.")
    display_name: str = Field(max_length=128)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)

    phone_enc: str | None = Field(default=None, max_length=512, description="AES-GCM ciphertext of the E.164 mobile number.")
    phone_hash: str | None = Field(default=None, max_length=64, index=True, description="Keyed hash of the E.164 mobile number.")
    must_change_password: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    password_changed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_secret_enc: str | None = Field(default=None, max_length=512, description="Encrypted TOTP secret once enrolment is confirmed.")
    totp_pending_secret_enc: str | None = Field(default=None, max_length=512, description="Encrypted TOTP secret awaiting its first code.")
    totp_enabled_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    totp_last_step: int | None = Field(default=None, sa_type=sa.BigInteger, description="Last accepted TOTP time step; a code is accepted once.")
