"""The daily job: accrual, penalty, delinquency and reminders per business date, once per date."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import JobRun, LedgerEntry, Loan, Notification
from lendapp.services import daily_job, loans
from tests.services.loans.helpers import book_test_loan
from tests.services.operations.helpers import entry_count, local_time

pytestmark = pytest.mark.usefixtures("engine")

# 12,000 at 12% over 12 months from 2026-01-15: row 1 is due 2026-02-15 with
# interest 120.00 and principal 946.19. Penalty 0.05% a day after 3 grace days.
FIRST_DUE = dt.date(2026, 2, 15)


def _run(day: dt.date) -> daily_job.DailyRunResult:
    return daily_job.run_daily(day, now=local_time(day, 1), deliver=False)


def _loan(loan_id: int) -> Loan:
    with session_scope() as session:
        return session.get(Loan, loan_id)


def _statuses(loan_id: int) -> list[str]:
    with session_scope() as session:
        return [row.status for row in loans.installments_of(session, session.get(Loan, loan_id))]


def test_job_books_due_row_and_marks_overdue() -> None:
    _, loan_id = book_test_loan()
    assert _run(FIRST_DUE).status == "done"
    assert _statuses(loan_id)[:2] == ["due", "upcoming"]
    with session_scope() as session:
        assert loans.balances_of(session, loan_id).interest == Decimal("120.00")
    assert _run(FIRST_DUE + dt.timedelta(days=1)).status == "done"
    loan = _loan(loan_id)
    assert (loan.state, loan.dpd, loan.dpd_bucket, loan.max_dpd) == ("overdue", 1, "M1", 1)
    assert _statuses(loan_id)[:2] == ["overdue", "upcoming"]


def test_job_penalty_starts_after_grace_days() -> None:
    _, loan_id = book_test_loan()
    daily_job.run_daily(FIRST_DUE, now=local_time(FIRST_DUE, 1), deliver=False)
    results = daily_job.catch_up(dt.date(2026, 2, 21), now=local_time(dt.date(2026, 2, 21), 1), deliver=False)
    assert [r.run_date for r in results] == [dt.date(2026, 2, d) for d in range(16, 22)]
    assert all(r.status == "done" for r in results)
    with session_scope() as session:
        # Penalty days 1, 2 and 3 (dpd 4 to 6) on 946.19: 0.47 + 0.48 + 0.47.
        assert loans.balances_of(session, loan_id).penalty == Decimal("1.42")
        assert loans.ledger_is_balanced(session)
    loan = _loan(loan_id)
    assert (loan.dpd, loan.dpd_bucket, loan.state) == (6, "M1", "overdue")
    assert entry_count(f"loan-{loan_id}:penalty:") == 3


def test_job_amounts_match_loan_engine_functions() -> None:
    _, loan_id = book_test_loan()
    daily_job.run_daily(FIRST_DUE, now=local_time(FIRST_DUE, 1), deliver=False)
    daily_job.catch_up(dt.date(2026, 2, 25), deliver=False)
    before = entry_count()
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        # The same keys with the same lines: the per-loan functions find every entry already booked.
        loans.accrue_due_rows(session, loan, dt.date(2026, 2, 25))
        for day in range(19, 26):
            loans.charge_penalty(session, loan, dt.date(2026, 2, day))
    assert entry_count() == before


def test_job_same_date_twice_changes_nothing() -> None:
    _, loan_id = book_test_loan()
    for day in (FIRST_DUE, FIRST_DUE + dt.timedelta(days=5)):
        assert _run(day).status == "done"
    entries, loan = entry_count(), _loan(loan_id)
    second = _run(FIRST_DUE + dt.timedelta(days=5))
    assert second.status == "skipped"
    assert entry_count() == entries
    after = _loan(loan_id)
    assert (after.dpd, after.state, after.updated_at) == (loan.dpd, loan.state, loan.updated_at)


def test_catch_up_runs_missed_dates_in_order() -> None:
    book_test_loan()
    _run(dt.date(2026, 2, 10))
    results = daily_job.catch_up(dt.date(2026, 2, 14), deliver=False)
    assert [r.run_date for r in results] == [dt.date(2026, 2, d) for d in (11, 12, 13, 14)]
    with session_scope() as session:
        done = session.execute(sa.select(JobRun.run_date).where(JobRun.status == "done").order_by(JobRun.id)).scalars().all()
    assert done == [dt.date(2026, 2, d) for d in range(10, 15)]
    assert daily_job.catch_up(dt.date(2026, 2, 14), deliver=False) == []


def test_catch_up_without_history_runs_one_date() -> None:
    book_test_loan()
    results = daily_job.catch_up(dt.date(2026, 2, 14), deliver=False)
    assert [(r.run_date, r.status) for r in results] == [(dt.date(2026, 2, 14), "done")]


def test_concurrent_runs_apply_a_date_once() -> None:
    _, loan_id = book_test_loan()
    _run(FIRST_DUE)
    day = FIRST_DUE + dt.timedelta(days=5)
    barrier = threading.Barrier(2)
    results = []

    def worker() -> None:
        barrier.wait()
        results.append(_run(day).status)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(results) in (["busy", "done"], ["done", "skipped"])
    assert entry_count(f"loan-{loan_id}:penalty:{day.isoformat()}") == 1
    with session_scope() as session:
        runs = session.execute(sa.select(sa.func.count()).select_from(JobRun).where(JobRun.run_date == day)).scalar_one()
    assert runs == 1


def test_payment_before_due_skips_accrual_and_reminder() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        loans.apply_repayment(session, loan, Decimal("1066.19"), dt.date(2026, 2, 14), "pay-early", through=FIRST_DUE)
    entries = entry_count()
    _run(FIRST_DUE)
    assert entry_count() == entries
    assert _statuses(loan_id)[0] == "paid"
    with session_scope() as session:
        due_today = session.execute(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.template == "reminder_due_today")).scalar_one()
    assert due_today == 0


def test_credit_balance_pays_row_falling_due() -> None:
    _, loan_id = book_test_loan()
    with session_scope() as session:
        loan = session.get(Loan, loan_id)
        # Paid early without `through`: nothing is due yet, so the money waits as credit.
        result = loans.apply_repayment(session, loan, Decimal("1066.19"), dt.date(2026, 2, 10), "pay-credit")
        assert result.credit_balance == Decimal("1066.19")
    _run(FIRST_DUE)
    with session_scope() as session:
        balances = loans.balances_of(session, loan_id)
        assert balances.credit == 0
        assert balances.interest == 0
        assert loans.ledger_is_balanced(session)
    assert _statuses(loan_id)[0] == "paid"


def test_failed_run_is_recorded_and_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    book_test_loan()

    real = daily_job._queue_reminders
    monkeypatch.setattr(daily_job, "_queue_reminders", lambda *args: (_ for _ in ()).throw(RuntimeError("simulated failure")))
    assert _run(FIRST_DUE).status == "failed"
    assert entry_count("loan-") == 1  # only the disbursement: the failed run rolled back
    monkeypatch.setattr(daily_job, "_queue_reminders", real)
    assert _run(FIRST_DUE).status == "done"
    with session_scope() as session:
        assert session.execute(sa.select(JobRun.status).where(JobRun.run_date == FIRST_DUE)).scalar_one() == "done"
        assert session.execute(sa.select(sa.func.count()).select_from(LedgerEntry)).scalar_one() == 2
