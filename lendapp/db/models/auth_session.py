"""Sign-in sessions and the one-time codes that turn a sign-in into a session cookie."""

from __future__ import annotations

import datetime as dt

from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now


class AuthSession(SQLModel, table=True):
    """One signed-in browser. Only the SHA-256 of the cookie token is stored."""

    __tablename__ = "auth_session"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime, description="Absolute expiry, fixed at sign-in.")
    last_seen_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    revoked_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoke_reason: str | None = Field(default=None, max_length=32)
    user_agent: str = Field(default="", max_length=255)
    client_ip: str = Field(default="", max_length=64)


class SignInHandoff(SQLModel, table=True):
    """A single-use code, valid for seconds, that the browser exchanges for its session cookie."""

    __tablename__ = "sign_in_handoff"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    code_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    expires_at: dt.datetime = Field(sa_type=UTCDateTime)
    used_at: dt.datetime | None = Field(default=None, sa_type=UTCDateTime)
