"""SMS verification codes and the outbox that the default SMS provider writes to."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class SmsCode(SQLModel, table=True):
    """A 6-digit code sent to a phone for one purpose; only its keyed hash is stored."""

    __tablename__ = "sms_code"

    id: int | None = Field(default=None, primary_key=True)
    phone_hash: str = Field(max_length=64, index=True)
    client_hash: str | None = Field(default=None, max_length=64, index=True, description="Keyed hash of the requesting client address.")
    purpose: str = Field(max_length=32, description="register or reset_password.")
    code_hash: str = Field(max_length=64)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    attempts: int = Field(default=0)
    consumed_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)


class SmsOutboxMessage(SQLModel, table=True):
    """A text message the outbox provider recorded instead of sending it through a gateway."""

    __tablename__ = "sms_outbox"

    id: int | None = Field(default=None, primary_key=True)
    phone_enc: str = Field(max_length=512)
    phone_hash: str = Field(max_length=64, index=True)
    body: str = Field(sa_type=sa.Text)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
