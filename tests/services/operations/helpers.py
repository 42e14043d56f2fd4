"""Builders shared by the operations tests: staff principals, job times and ledger lookups."""

from __future__ import annotations

import datetime as dt
import itertools
import zoneinfo
from decimal import Decimal

import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import LedgerEntry, UserAccount
from lendapp.services.sessions import Principal

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_logins = itertools.count(1)


def local_time(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """Return ``day`` at ``hour``:``minute`` Shanghai time, as an aware UTC datetime."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI).astimezone(dt.timezone.utc)


def staff(role: str) -> Principal:
    """Create a staff account row with ``role`` and return its principal (no session needed by services)."""
    with session_scope() as session:
        user = UserAccount(role=role, login=f"{role}{next(_logins)}", display_name=f"{role} user", password_hash="x")
        session.add(user)
        session.flush()
        user_id = user.id
    return Principal(user_id=user_id, role=role, session_id=0, display_name=f"{role} user", must_change_password=False, totp_enabled=True)


def borrower_principal(user_id: int) -> Principal:
    """Return a borrower principal for an account created by the loan helpers."""
    return Principal(user_id=user_id, role="borrower", session_id=0, display_name="138****8000", must_change_password=False, totp_enabled=False)


def entry_count(key_prefix: str = "") -> int:
    """Count ledger entries whose idempotency key starts with ``key_prefix``."""
    with session_scope() as session:
        query = sa.select(sa.func.count()).select_from(LedgerEntry).where(LedgerEntry.idempotency_key.startswith(key_prefix))
        return int(session.execute(query).scalar_one())


def money(text: str) -> Decimal:
    """Shorthand for a Decimal amount."""
    return Decimal(text)
