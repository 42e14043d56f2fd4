"""The hash-chained audit log: appending entries and verifying the chain.

Each entry's ``entry_hash`` is the SHA-256 of a canonical JSON of its fields
and ``prev_hash``, the hash of the entry before it, so changing, removing or
reordering any entry breaks every hash after it. ``record_audit`` runs in the
caller's transaction, so an action and its entry commit or roll back together.

Appends are serialised through the single ``audit_chain_head`` row: the
first statement of an append is an UPDATE of that row, which takes a row lock
on PostgreSQL (held to commit, like SELECT ... FOR UPDATE) and SQLite's
database write lock, before the previous hash is read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models.audit import GENESIS_HASH, AuditChainHead, AuditEntry
from lendapp.db.types import utc_now

logger = logging.getLogger(__name__)

SYSTEM_ROLE = "system"

# Keys whose values are secrets; a summary holding one is rejected.
_SECRET_KEYS = frozenset({
    "password", "password_hash", "new_password", "one_time_password", "token", "token_hash",
    "secret", "totp_secret", "sms_code", "otp", "code_hash",
})
# A run of 11 or more digits is a full phone, card or resident ID number.
_FULL_NUMBER = re.compile(r"\d{11,}|\d{17}[\dXx]")


@dataclasses.dataclass(frozen=True)
class ChainReport:
    """The result of checking the audit chain.

    Attributes:
        count: Entries checked.
        ok: Whether every entry and the chain head are consistent.
        broken_entry_id: The id of the first inconsistent entry, if any.
        broken_sequence: Its sequence number.
        reason: What is wrong with it, in words.
    """

    count: int
    ok: bool
    broken_entry_id: int | None = None
    broken_sequence: int | None = None
    reason: str = ""


def canonical_json(value: Mapping[str, Any]) -> str:
    """Serialise ``value`` with sorted keys and no spaces, the form that is hashed."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _check_summary(summary: Mapping[str, Any] | None) -> str:
    if not summary:
        return "{}"
    for key, value in summary.items():
        if key.lower() in _SECRET_KEYS:
            raise ValueError(f"audit summary key {key!r} contains a secret; record that it changed, not its value")
        if isinstance(value, str) and _FULL_NUMBER.search(value):
            raise ValueError(f"audit summary key {key!r} contains a full phone, card or ID number; mask it first")
    return canonical_json(summary)


def _timestamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def compute_entry_hash(entry: AuditEntry) -> str:
    """Return the SHA-256 hex digest over ``entry``'s fields and ``prev_hash``."""
    payload = {
        "sequence": entry.sequence,
        "created_at": _timestamp(entry.created_at),
        "actor_id": entry.actor_id,
        "actor_role": entry.actor_role,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
        "client_ip": entry.client_ip,
        "prev_hash": entry.prev_hash,
    }
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def record_audit(
    session: Session,
    *,
    action: str,
    object_type: str,
    object_id: str | int | None = "",
    actor_id: int | None = None,
    actor_role: str = SYSTEM_ROLE,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    client_ip: str = "",
) -> AuditEntry:
    """Append an entry to the audit log inside the caller's transaction.

    Args:
        session: The session of the action being audited.
        action: What happened, such as ``staff.deactivate``.
        object_type: The kind of record acted on, such as ``user_account``.
        object_id: Its id.
        actor_id: The acting user's id; None for the system or the command line.
        actor_role: The acting user's role, or ``system``.
        before: A summary of the state before; no secrets and no full numbers.
        after: A summary of the state after.
        client_ip: The client address of the request.

    Raises:
        ValueError: When a summary contains a secret or a full phone, card or ID number.
        RuntimeError: When the chain-head row is missing (migrations not applied).
    """
    before_json = _check_summary(before)
    after_json = _check_summary(after)
    head_table = AuditChainHead.__table__
    locked = session.execute(
        sa.update(head_table).where(head_table.c.id == 1).values(sequence=head_table.c.sequence + 1)
    )
    if locked.rowcount != 1:
        raise RuntimeError("audit_chain_head has no row 1; run `alembic upgrade head`")
    sequence, prev_hash = session.execute(
        sa.select(head_table.c.sequence, head_table.c.last_hash).where(head_table.c.id == 1)
    ).one()
    entry = AuditEntry(
        sequence=sequence,
        created_at=utc_now(),
        actor_id=actor_id,
        actor_role=actor_role,
        action=action,
        object_type=object_type,
        object_id="" if object_id is None else str(object_id),
        before=before_json,
        after=after_json,
        client_ip=client_ip or "",
        prev_hash=prev_hash,
        entry_hash="",
    )
    entry.entry_hash = compute_entry_hash(entry)
    session.add(entry)
    session.execute(sa.update(head_table).where(head_table.c.id == 1).values(last_hash=entry.entry_hash))
    session.flush()
    return entry


def verify_chain(engine: sa.Engine | None = None, batch_size: int = 500) -> ChainReport:
    """Recompute every entry's hash in sequence order and check the links and the chain head.

    Returns:
        A report naming the first entry whose hash, link or sequence number
        is wrong, or whose removal the chain head reveals.
    """
    with session_scope(engine) as session:
        expected_prev = GENESIS_HASH
        count = 0
        last_id: int | None = None
        last_sequence = 0
        while True:
            rows = session.exec(
                select(AuditEntry).where(AuditEntry.sequence > last_sequence).order_by(AuditEntry.sequence).limit(batch_size)
            ).all()
            if not rows:
                break
            for entry in rows:
                problem = _entry_problem(entry, count + 1, expected_prev)
                if problem:
                    logger.warning("Audit chain broken at entry %s (sequence %s): %s", entry.id, entry.sequence, problem)
                    return ChainReport(count=count, ok=False, broken_entry_id=entry.id, broken_sequence=entry.sequence, reason=problem)
                count += 1
                expected_prev = entry.entry_hash
                last_id, last_sequence = entry.id, entry.sequence
            session.expunge_all()
        head = session.get(AuditChainHead, 1)
        if head is None or head.sequence != count or head.last_hash != expected_prev:
            reason = "entries after this one are missing: the chain head records a later entry"
            logger.warning("Audit chain head mismatch after %d entries", count)
            return ChainReport(count=count, ok=False, broken_entry_id=last_id, broken_sequence=last_sequence or None, reason=reason)
    logger.info("Audit chain verified: %d entries", count)
    return ChainReport(count=count, ok=True)


def _entry_problem(entry: AuditEntry, expected_sequence: int, expected_prev: str) -> str:
    if entry.sequence != expected_sequence:
        return f"sequence {entry.sequence} where {expected_sequence} was expected: an entry was removed"
    if entry.prev_hash != expected_prev:
        return "prev_hash does not match the previous entry's hash"
    if compute_entry_hash(entry) != entry.entry_hash:
        return "entry_hash does not match the entry's fields: the entry was changed"
    return ""
