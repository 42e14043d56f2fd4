"""Collections: the overdue list by bucket, contact history, promises to pay and permissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry
from lendapp.services import collections, daily_job
from lendapp.services.auth_errors import InvalidInputError, PermissionDeniedError
from tests.services.loans.helpers import book_test_loan
from tests.services.operations.helpers import local_time, staff

pytestmark = pytest.mark.usefixtures("engine")

FIRST_DUE = dt.date(2026, 2, 15)


def _overdue_book() -> tuple[int, int, int]:
    """Three loans: one 40 days overdue (M2), one 9 days (M1), one current."""
    _, old = book_test_loan("13800138000", start=dt.date(2026, 1, 6))
    _, recent = book_test_loan("13800138001", start=dt.date(2026, 2, 5))
    _, current = book_test_loan("13800138002", start=dt.date(2026, 2, 20))
    day = dt.date(2026, 3, 14)
    daily_job.run_daily(dt.date(2026, 2, 6), deliver=False)
    daily_job.catch_up(day, now=local_time(day, 1), deliver=False)
    return old, recent, current


def test_overdue_list_by_bucket_with_counts() -> None:
    old, recent, _ = _overdue_book()
    collector = staff("collector")
    page = collections.overdue_list(collector)
    assert [(r.loan_id, r.dpd, r.bucket) for r in page.rows] == [(old, 36, "M2"), (recent, 9, "M1")]
    assert page.counts == {"M1": 1, "M2": 1, "M3": 0, "M3+": 0}
    assert [r.loan_id for r in collections.overdue_list(collector, bucket="M1").rows] == [recent]
    second = collections.overdue_list(collector, page=2, page_size=1)
    assert (second.total, [r.loan_id for r in second.rows]) == (2, [recent])
    with pytest.raises(InvalidInputError):
        collections.overdue_list(collector, bucket="M9")


def test_contact_promise_and_note_appear_in_history() -> None:
    old, _, _ = _overdue_book()
    collector = staff("collector")
    now = local_time(dt.date(2026, 3, 14), 10)
    collections.record_action(collector, old, "call", outcome="no_answer", now=now)
    collections.record_action(collector, old, "promise_to_pay", outcome="promised", promised_amount="1066.19",
                              promised_date="2026-03-20", now=now + dt.timedelta(minutes=5))
    collections.record_action(collector, old, "note", note="Works night shifts; call after 10:00.", now=now + dt.timedelta(minutes=6))
    row = collections.overdue_list(collector).rows[0]
    assert (row.last_contact_kind, row.last_outcome) == ("call", "no_answer")
    assert (row.promised_amount, row.promised_date) == (Decimal("1066.19"), dt.date(2026, 3, 20))
    summary = collections.loan_summary(collector, old, dt.date(2026, 3, 14))
    assert [a.kind for a in summary.history] == ["note", "promise_to_pay", "call"]
    assert summary.dpd == 36
    assert summary.overdue_amount > Decimal("1066.19")
    assert summary.penalty_due > 0
    with session_scope() as session:
        audited = session.execute(sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action.startswith("collections."))).scalar_one()
    assert audited == 3


def test_collections_input_checks() -> None:
    old, _, _ = _overdue_book()
    collector = staff("collector")
    now = local_time(dt.date(2026, 3, 14), 10)
    cases = [
        {"kind": "fax"},
        {"kind": "call", "outcome": "maybe"},
        {"kind": "note", "note": ""},
        {"kind": "note", "note": "x" * 1025},
        {"kind": "promise_to_pay", "promised_amount": "-5", "promised_date": "2026-03-20"},
        {"kind": "promise_to_pay", "promised_amount": "10", "promised_date": "2026-03-01"},
        {"kind": "promise_to_pay", "promised_amount": "10", "promised_date": "2026-06-01"},
    ]
    for case in cases:
        kind = case.pop("kind")
        with pytest.raises(InvalidInputError):
            collections.record_action(collector, old, kind, now=now, **case)


def test_collections_permission_refusals() -> None:
    old, _, _ = _overdue_book()
    for role in ("reviewer", "finance", "admin", "borrower"):
        actor = staff(role)
        with pytest.raises(PermissionDeniedError):
            collections.overdue_list(actor)
        with pytest.raises(PermissionDeniedError):
            collections.record_action(actor, old, "call")
        with pytest.raises(PermissionDeniedError):
            collections.loan_summary(actor, old)
