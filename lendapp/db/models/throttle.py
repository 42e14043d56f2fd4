"""Failed sign-ins and the lockouts they cause, per account and per client address."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class SignInFailure(SQLModel, table=True):
    """One failed sign-in against a subject: the keyed hash of a login or a client address."""

    __tablename__ = "sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    subject_hash: str = Field(max_length=64, index=True)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, index=True)


class SignInLockout(SQLModel, table=True):
    """A subject that may not sign in before ``locked_until``."""

    __tablename__ = "sign_in_lockout"

    subject_hash: str = Field(max_length=64, primary_key=True)
    locked_until: dt.datetime = Field(sa_type=UTCDateTime)
