"""The append-only, hash-chained audit log (审计日志)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from lendapp.db.types import UTCDateTime, utc_now

GENESIS_HASH = "0" * 64


class AuditEntry(SQLModel, table=True):
    """One recorded action; ``entry_hash`` covers every field and the previous entry's hash.

    Database triggers (created by the migration) reject UPDATE and DELETE on
    this table, so a changed row means someone bypassed them.
    """

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    sequence: int = Field(sa_type=sa.BigInteger, sa_column_kwargs={"unique": True})
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)
    actor_id: int | None = Field(default=None, index=True)
    actor_role: str = Field(max_length=32)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(max_length=64)
    object_id: str = Field(default="", max_length=64)
    before: str = Field(default="{}", sa_type=sa.Text, description="Canonical JSON summary; never secrets or full identity numbers.")
    after: str = Field(default="{}", sa_type=sa.Text)
    client_ip: str = Field(default="", max_length=64)
    prev_hash: str = Field(max_length=64)
    entry_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})


class AuditChainHead(SQLModel, table=True):
    """The single row (id 1) that appends lock, holding the chain's last sequence and hash."""

    __tablename__ = "audit_chain_head"

    id: int = Field(default=1, primary_key=True)
    sequence: int = Field(default=0, sa_type=sa.BigInteger)
    last_hash: str = Field(default=GENESIS_HASH, max_length=64)
