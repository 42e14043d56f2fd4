"""The double-entry ledger (分类账) as stored: one row per journal entry and one per line.

The domain builds balanced entries (lendapp.domain.ledger); these tables only
keep them. ``idempotency_key`` is unique, so posting the same event twice
inserts nothing the second time.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlmodel import Field, SQLModel

from lendapp.db.types import ExactDecimal, UTCDateTime, utc_now


class LedgerEntry(SQLModel, table=True):
    """One balanced journal entry of one loan event."""

    __tablename__ = "ledger_entry"

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=160, sa_column_kwargs={"unique": True})
    loan_id: int = Field(foreign_key="loan.id", index=True)
    kind: str = Field(max_length=32)
    posted_on: dt.date = Field(index=True)
    currency: str = Field(default="CNY", max_length=3)
    memo: str = Field(default="", max_length=256)
    created_at: dt.datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LedgerLine(SQLModel, table=True):
    """One debit or credit of a journal entry. ``loan_id`` is repeated for balance queries."""

    __tablename__ = "ledger_line"

    id: int | None = Field(default=None, primary_key=True)
    entry_id: int = Field(foreign_key="ledger_entry.id", index=True)
    loan_id: int = Field(foreign_key="loan.id", index=True)
    account: str = Field(max_length=40)
    debit: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
    credit: Decimal = Field(default=Decimal("0"), sa_type=ExactDecimal(18, 2))
