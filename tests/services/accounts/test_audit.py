"""The hash-chained audit log: appends, verification and tamper detection."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditChainHead, AuditEntry
from lendapp.services.audit import compute_entry_hash, record_audit, verify_chain


def _append(count: int, start: int = 0) -> None:
    for number in range(start, start + count):
        with session_scope() as session:
            record_audit(session, action="test.action", object_type="thing", object_id=number,
                         actor_id=7, actor_role="admin", before={"n": number}, after={"n": number + 1}, client_ip="127.0.0.1")


def _bypass_append_only(connection: sa.Connection) -> None:
    # Tampering needs database-owner rights: drop or disable the triggers that reject changes.
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
    else:
        connection.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        connection.execute(sa.text("DROP TRIGGER audit_log_no_delete"))


def _entry_id(engine: sa.Engine, sequence: int) -> int:
    with Session(engine) as session:
        return session.exec(select(AuditEntry.id).where(AuditEntry.sequence == sequence)).one()


def test_empty_chain_verifies(engine: sa.Engine) -> None:
    report = verify_chain()

    assert report.ok
    assert report.count == 0


def test_chain_links_entries(engine: sa.Engine) -> None:
    _append(3)

    with Session(engine) as session:
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.sequence)).all()
        head = session.get(AuditChainHead, 1)
    assert [entry.sequence for entry in entries] == [1, 2, 3]
    assert entries[0].prev_hash == "0" * 64
    assert entries[1].prev_hash == entries[0].entry_hash
    assert entries[2].prev_hash == entries[1].entry_hash
    assert all(compute_entry_hash(entry) == entry.entry_hash for entry in entries)
    assert head.last_hash == entries[2].entry_hash


def test_chain_verifies_clean(engine: sa.Engine) -> None:
    _append(5)

    report = verify_chain(batch_size=2)

    assert report.ok
    assert report.count == 5


def test_audit_rolls_back_with_action(engine: sa.Engine) -> None:
    with pytest.raises(RuntimeError):
        with session_scope() as session:
            record_audit(session, action="test.action", object_type="thing")
            raise RuntimeError("the action failed")

    assert verify_chain().count == 0


def test_update_rejected_by_trigger(engine: sa.Engine) -> None:
    _append(1)

    with pytest.raises(sa.exc.DatabaseError):
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_log SET action = 'x'"))


def test_delete_rejected_by_trigger(engine: sa.Engine) -> None:
    _append(1)

    with pytest.raises(sa.exc.DatabaseError):
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_log"))


def test_changed_entry_detected(engine: sa.Engine) -> None:
    _append(4)
    with engine.begin() as connection:
        _bypass_append_only(connection)
        connection.execute(sa.text("UPDATE audit_log SET after = :after WHERE sequence = 2"), {"after": '{"n":99}'})

    report = verify_chain()

    assert not report.ok
    assert report.broken_sequence == 2
    assert report.broken_entry_id == _entry_id(engine, 2)
    assert "changed" in report.reason
    assert report.count == 1


def test_rehashed_entry_detected_by_link(engine: sa.Engine) -> None:
    _append(3)
    with Session(engine) as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.sequence == 2)).one()
        entry.after = '{"n":99}'
        forged = compute_entry_hash(entry)
    with engine.begin() as connection:
        _bypass_append_only(connection)
        connection.execute(
            sa.text("UPDATE audit_log SET after = :after, entry_hash = :forged WHERE sequence = 2"),
            {"after": '{"n":99}', "forged": forged},
        )

    report = verify_chain()

    assert not report.ok
    assert report.broken_sequence == 3
    assert "prev_hash" in report.reason


def test_removed_entry_detected(engine: sa.Engine) -> None:
    _append(4)
    with engine.begin() as connection:
        _bypass_append_only(connection)
        connection.execute(sa.text("DELETE FROM audit_log WHERE sequence = 2"))

    report = verify_chain()

    assert not report.ok
    assert report.broken_sequence == 3
    assert "removed" in report.reason


def test_truncated_tail_detected(engine: sa.Engine) -> None:
    _append(3)
    with engine.begin() as connection:
        _bypass_append_only(connection)
        connection.execute(sa.text("DELETE FROM audit_log WHERE sequence = 3"))

    report = verify_chain()

    assert not report.ok
    assert report.broken_sequence == 2
    assert "missing" in report.reason


def test_summary_rejects_secrets(engine: sa.Engine) -> None:
    with pytest.raises(ValueError):
        with session_scope() as session:
            record_audit(session, action="x", object_type="y", after={"password": "hunter22"})


def test_summary_rejects_full_numbers(engine: sa.Engine) -> None:
    with pytest.raises(ValueError):
        with session_scope() as session:
            record_audit(session, action="x", object_type="y", after={"id": "110101199003071030"})
    with pytest.raises(ValueError):
        with session_scope() as session:
            record_audit(session, action="x", object_type="y", after={"phone": "13800138000"})


def test_concurrent_appends_keep_chain(engine: sa.Engine) -> None:
    errors: list[BaseException] = []

    def worker(start: int) -> None:
        try:
            _append(10, start)
        except BaseException as exc:  # noqa: BLE001 - reported by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(number * 100,)) for number in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    report = verify_chain()
    assert errors == []
    assert report.ok
    assert report.count == 40
