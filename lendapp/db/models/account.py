"""User accounts: borrowers and staff share one table, told apart by role."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class UserAccount(SQLModel, table=True):
    """A person who signs in: a borrower or a staff member with one role."""

    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    role: str = Field(max_length=32, index=True)
    login: str = Field(max_length=64, sa_column_kwargs={"unique": True}, description="Staff user name or a keyed hash of the borrower's phone.")
    display_name: str = Field(max_length=128)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    updated_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
