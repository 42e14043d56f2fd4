"""Sign-in throttling: 5 failures within 15 minutes lock the account and the client address.

Subjects are keyed hashes, so the tables hold neither login names, phone
numbers nor client addresses. A lockout lasts 15 minutes from the failure
that caused it. While it lasts, sign-in attempts are rejected before the
password is checked, so guessing gains nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, func, select

from lendapp.db.models import SignInFailure, SignInLockout
from lendapp.domain.session_policy import LOCKOUT_DURATION, SIGN_IN_FAILURE_LIMIT, SIGN_IN_FAILURE_WINDOW
from lendapp.integrations.crypto import keyed_hash
from lendapp.services.auth_errors import AccountLockedError

logger = logging.getLogger(__name__)


def account_subject(kind: str, login: str) -> str:
    """Return the throttle subject of an account: ``kind`` is ``borrower`` or ``staff``."""
    return keyed_hash(f"{kind}:{login}", "sign-in throttle account")


def address_subject(client_ip: str) -> str:
    """Return the throttle subject of a client address."""
    return keyed_hash(client_ip or "unknown", "sign-in throttle address")


def ensure_not_locked(session: Session, subjects: Sequence[str], now: dt.datetime) -> None:
    """Raise when any of ``subjects`` is locked at ``now``.

    Raises:
        AccountLockedError: With the whole minutes left until the lock lifts.
    """
    until = session.exec(
        select(func.max(SignInLockout.locked_until)).where(SignInLockout.subject_hash.in_(list(subjects)))
    ).one()
    if until is not None and until.tzinfo is None:
        until = until.replace(tzinfo=dt.UTC)
    if until is not None and until > now:
        raise AccountLockedError("auth.error.locked", minutes=_minutes_left(until, now))


def record_failure(session: Session, subjects: Sequence[str], now: dt.datetime) -> dt.datetime | None:
    """Count a failed sign-in against each subject and lock those at the limit.

    Returns:
        The end of the lockout this failure started, or None.
    """
    window_start = now - SIGN_IN_FAILURE_WINDOW
    prune_failures(session, now)
    locked_until = None
    for subject in subjects:
        session.add(SignInFailure(subject_hash=subject, created_at=now))
        session.flush()
        failures = session.exec(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.subject_hash == subject, SignInFailure.created_at > window_start)
        ).one()
        if failures >= SIGN_IN_FAILURE_LIMIT:
            locked_until = now + LOCKOUT_DURATION
            _upsert_lockout(session, subject, locked_until)
    if locked_until is not None:
        logger.warning("Sign-in locked for %d minutes after %d failures", LOCKOUT_DURATION.seconds // 60, SIGN_IN_FAILURE_LIMIT)
    return locked_until


def clear_failures(session: Session, subject: str) -> None:
    """Forget the failures and lockout of an account subject after a successful sign-in.

    Address subjects are never cleared this way, or one valid account would
    let an attacker reset the counter of the address they guess from.
    """
    session.execute(sa.delete(SignInFailure.__table__).where(SignInFailure.__table__.c.subject_hash == subject))
    session.execute(sa.delete(SignInLockout.__table__).where(SignInLockout.__table__.c.subject_hash == subject))


def prune_failures(session: Session, now: dt.datetime) -> int:
    """Delete failure rows older than the counting window; return how many."""
    table = SignInFailure.__table__
    result = session.execute(sa.delete(table).where(table.c.created_at <= now - SIGN_IN_FAILURE_WINDOW))
    return result.rowcount or 0


def lockout_error(locked_until: dt.datetime, now: dt.datetime) -> AccountLockedError:
    """Return the error telling the user how long a lockout that just started lasts."""
    return AccountLockedError("auth.error.locked", minutes=_minutes_left(locked_until, now))


def _minutes_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _upsert_lockout(session: Session, subject: str, locked_until: dt.datetime) -> None:
    # Two failing requests may lock the same subject at once; an upsert keeps that from failing on the primary key.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SignInLockout.__table__).values(subject_hash=subject, locked_until=locked_until)
    statement = statement.on_conflict_do_update(
        index_elements=["subject_hash"], set_={"locked_until": statement.excluded.locked_until}
    )
    session.execute(statement)
