"""The daily servicing job: accrual, credit, penalty interest, delinquency and reminders for one business date.

Each business date runs once. ``JobRun`` is unique per job and date, and a
run claims its date by inserting that row, so two workers (or a worker and
the command line) starting the same date apply it once. ``catch_up`` runs
every date after the last finished one, in order.

Steps for a date ``on``, in one transaction:

1. Rows falling due: book the interest and installment fee of every unpaid
   row due on or before ``on`` that the job has not seen (status
   ``upcoming``), under the same idempotency keys as
   ``loans.accrue_due_rows``, so a payment that already booked a row adds
   nothing. Rows due on ``on`` become ``due``, earlier ones ``overdue``.
2. Credit: a loan with a credit balance and something now due gets it
   applied with ``loans.apply_credit``.
3. Penalty interest: one day of penalty per overdue loan, amounts from
   ``lendapp.domain.fees.penalty_interest`` exactly as
   ``loans.charge_penalty`` computes them, under its key per loan and date.
4. Delinquency: dpd, max dpd, the dpd bucket and the active/overdue state of
   every loan with overdue rows, as ``loans.refresh_state`` sets them.
5. Reminders: 3 days before the due date, on the due date, and 1, 3, 7, 15
   and 30 days after, queued through ``notifications.queue_many``.

After the transaction commits, the risk dashboard's snapshot tables are
rebuilt in a transaction of their own (``risk_snapshots``), once per
catch-up for its last date.

Scale: a book of a million loans has a few percent of them with something to
do on any day. The candidates are found with indexed queries (rows by
``(due_date, status)``, loans by ``state``), and the journal entries and
status changes are written in bulk. The loan engine in ``lendapp.domain``
computes every amount; SQL only selects rows and sums.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import JobRun, LedgerEntry, LedgerLine, Loan, LoanInstallment
from lendapp.db.types import utc_now
from lendapp.domain.fees import FeeTerms, penalty_interest
from lendapp.domain.ledger import Account, JournalEntry
from lendapp.domain.loan_lifecycle import LoanState, mark_overdue
from lendapp.domain.money import ZERO
from lendapp.domain.postings import fee_charge_entry, interest_accrual_entry, penalty_charge_entry
from lendapp.risk.registry import ModelRegistry
from lendapp.services import loans, notifications, risk_alerts, risk_snapshots
from lendapp.services.audit import record_audit

logger = logging.getLogger(__name__)

JOB_NAME = "daily"
ACTOR = "daily_job"
REMIND_DAYS_BEFORE = 3
OVERDUE_REMINDER_DPD = frozenset({1, 3, 7, 15, 30})
# A run still marked running after this long is taken to have died with its worker.
STALE_RUN_AFTER = dt.timedelta(hours=2)
_CHUNK = 2000
_OPEN = sorted(loans.OPEN_STATES)


@dataclasses.dataclass(frozen=True)
class DailyRunResult:
    """The outcome of one business date.

    Attributes:
        run_date: The business date.
        status: ``done`` (ran now), ``skipped`` (already done), ``busy``
            (another worker is running it) or ``failed``.
        stats: Counts of what the run did.
    """

    run_date: dt.date
    status: str
    stats: dict[str, int]


def business_date(now: dt.datetime | None = None) -> dt.date:
    """Return the current date (or that of ``now``) in ``settings.timezone``."""
    return notifications.local_now(now).date()


# --- Claiming a date -------------------------------------------------------------------------


def _claim(run_date: dt.date, now: dt.datetime, engine: sa.Engine | None) -> str:
    """Insert the running JobRun row; return claimed, done or busy."""
    try:
        with session_scope(engine) as session:
            session.add(JobRun(job=JOB_NAME, run_date=run_date, status="running", started_at=now))
        return "claimed"
    except sa.exc.IntegrityError:
        pass
    with session_scope(engine) as session:
        row = session.execute(sa.select(JobRun).where(JobRun.job == JOB_NAME, JobRun.run_date == run_date)).scalar_one()
        if row.status == "done":
            return "done"
        if row.status == "running" and now - row.started_at < STALE_RUN_AFTER:
            return "busy"
        # A failed or abandoned run is retried; the conditional update lets one worker win.
        taken = session.execute(
            sa.update(JobRun)
            .where(JobRun.id == row.id, JobRun.status == row.status, JobRun.started_at == row.started_at)
            .values(status="running", started_at=now, finished_at=None)
        )
        return "claimed" if taken.rowcount == 1 else "busy"


def run_daily(run_date: dt.date, *, now: dt.datetime | None = None, engine: sa.Engine | None = None, deliver: bool = True,
              monitor: bool = True, refresh: bool = True) -> DailyRunResult:
    """Run the daily job for ``run_date`` once.

    Args:
        run_date: The business date to process.
        now: Wall-clock time of the run (tests pass it to place reminders around quiet hours).
        engine: Database; the configured one when omitted.
        deliver: Send SMS and email that are due now after the run commits.
        monitor: Run the score drift and overdue-spike checks after the run commits.
        refresh: Rebuild the risk dashboard's snapshot tables after the run commits.

    Returns:
        The result; a date already done is ``skipped`` and changes nothing.
    """
    now = now or utc_now()
    claim = _claim(run_date, now, engine)
    if claim != "claimed":
        status = "skipped" if claim == "done" else "busy"
        logger.info("Daily job for %s %s", run_date, "already done" if status == "skipped" else "is running in another worker")
        return DailyRunResult(run_date, status, {})
    logger.info("Daily job for %s started", run_date)
    try:
        with session_scope(engine) as session:
            stats = _run_steps(session, run_date, now)
            record_audit(session, action="job.daily.run", object_type="job_run", object_id=run_date.isoformat(), after=stats)
            session.execute(
                sa.update(JobRun)
                .where(JobRun.job == JOB_NAME, JobRun.run_date == run_date)
                .values(status="done", stats_json=json.dumps(stats, sort_keys=True), finished_at=utc_now())
            )
    except Exception:
        logger.exception("Daily job for %s failed; it will be retried by the next catch-up", run_date)
        with session_scope(engine) as session:
            session.execute(
                sa.update(JobRun).where(JobRun.job == JOB_NAME, JobRun.run_date == run_date).values(status="failed", finished_at=utc_now())
            )
        return DailyRunResult(run_date, "failed", {})
    logger.info("Daily job for %s finished: %s", run_date, stats)
    if deliver:
        notifications.deliver_due(now, engine=engine)
    if refresh:
        # The refresh runs in its own transaction and logs a failure instead of raising, because the servicing work has committed.
        risk_snapshots.refresh_in_own_transaction(run_date, engine=engine)
    # The risk checks read the configured database, so a run on another engine (a benchmark) skips them.
    if monitor and engine is None:
        _monitor(run_date, now)
    return DailyRunResult(run_date, "done", stats)


def _monitor(run_date: dt.date, now: dt.datetime) -> None:
    """Raise drift and overdue-spike alerts for risk staff once the day's book is up to date.

    A failure here is logged and leaves the day done: monitoring must never
    hold back interest, penalties or reminders.
    """
    try:
        reference = risk_alerts.training_score_reference()
        if reference is not None:
            psi = risk_alerts.check_drift(reference, ModelRegistry().active_version() or "", now)
            logger.info("Score PSI for %s: %s", run_date, "not enough applications" if psi is None else f"{psi:.4f}")
        new_overdue, average = risk_alerts.check_overdue_spike(run_date)
        logger.info("Installments newly overdue for %s: %d (trailing average %.1f)", run_date, new_overdue, average)
    except Exception:
        logger.exception("Risk monitoring after the daily job for %s failed", run_date)


def catch_up(until: dt.date, *, now: dt.datetime | None = None, engine: sa.Engine | None = None, deliver: bool = True) -> list[DailyRunResult]:
    """Run every date after the last finished run up to ``until``, in order.

    Without any finished run only ``until`` runs. A failed date stops the
    catch-up, so no later date runs before it.
    """
    with session_scope(engine) as session:
        last = session.execute(
            sa.select(sa.func.max(JobRun.run_date)).where(JobRun.job == JOB_NAME, JobRun.status == "done")
        ).scalar_one_or_none()
    start = until if last is None else last + dt.timedelta(days=1)
    results = []
    day = start
    while day <= until:
        result = run_daily(day, now=now, engine=engine, deliver=deliver and day == until, monitor=day == until, refresh=day == until)
        results.append(result)
        if result.status in ("failed", "busy"):
            break
        day += dt.timedelta(days=1)
    return results


# --- Steps -----------------------------------------------------------------------------------


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _rows(session: Session, query: sa.Select) -> list[sa.Row]:
    # Core execution skips the ORM's per-row work; pending ORM changes are flushed first.
    session.flush()
    return session.connection().execute(query).all()


def _run_steps(session: Session, on: dt.date, now: dt.datetime) -> dict[str, int]:
    stats: dict[str, int] = defaultdict(int)
    newly_overdue = _book_rows_falling_due(session, on, stats)
    overdue_loans = _overdue_loan_ids(session) | newly_overdue
    due_loans = _loans_with_rows_due(session, on)
    _apply_credit(session, on, now, sorted(overdue_loans | due_loans), stats)
    _charge_penalties(session, on, sorted(overdue_loans), stats)
    delinquent = _refresh_delinquency(session, on, now, sorted(overdue_loans), stats)
    _queue_reminders(session, on, now, delinquent, stats)
    return dict(stats)


def _row_key(loan_id: int, version: int, seq: int, part: str) -> str:
    # The key loans.accrue_due_rows and apply_repayment use, so either path books a row once.
    return f"loan-{loan_id}:s{version}:row-{seq}:{part}"


def _book_rows_falling_due(session: Session, on: dt.date, stats: dict[str, int]) -> set[int]:
    """Accrue rows the job has not seen and move row statuses; return loans with rows newly overdue."""
    # Rows first, through the (due_date, status) index, then their loans by primary key: a join
    # lets SQLite start from loan.state and read every row of every open loan.
    query = sa.select(
        LoanInstallment.id, LoanInstallment.loan_id, LoanInstallment.schedule_version, LoanInstallment.seq,
        LoanInstallment.due_date, LoanInstallment.interest, LoanInstallment.fee, LoanInstallment.status,
    ).where(LoanInstallment.status.in_(("upcoming", "due")), LoanInstallment.due_date <= on)
    candidates = _rows(session, query)
    current = _current_loans(session, sorted({row.loan_id for row in candidates}))
    entries: list[tuple[int, JournalEntry]] = []
    to_due, to_overdue = [], []
    newly_overdue = set()
    for row in candidates:
        loan = current.get(row.loan_id)
        if loan is None or loan[0] != row.schedule_version:
            continue
        currency = loan[1]
        if row.status == "upcoming":
            if row.interest:
                entries.append((row.loan_id, interest_accrual_entry(
                    _row_key(row.loan_id, row.schedule_version, row.seq, "interest"), str(row.loan_id), on, row.interest, currency)))
            if row.fee:
                entries.append((row.loan_id, fee_charge_entry(
                    _row_key(row.loan_id, row.schedule_version, row.seq, "fee"), str(row.loan_id), on, row.fee, currency)))
            stats["rows_accrued"] += 1
        if row.due_date == on:
            to_due.append(row.id)
        else:
            to_overdue.append(row.id)
            newly_overdue.add(row.loan_id)
    stats["entries_posted"] += _post_entries(session, entries)
    for status, ids in (("due", to_due), ("overdue", to_overdue)):
        for chunk in _chunks(ids):
            session.connection().execute(sa.update(LoanInstallment.__table__).where(LoanInstallment.__table__.c.id.in_(chunk)).values(status=status))
    stats["rows_due"] += len(to_due)
    stats["rows_newly_overdue"] += len(to_overdue)
    return newly_overdue


def _current_loans(session: Session, loan_ids: list[int]) -> dict[int, tuple[int, str]]:
    """Return {loan id: (schedule version, currency)} of the open loans among ``loan_ids``."""
    found = {}
    for chunk in _chunks(loan_ids):
        query = sa.select(Loan.id, Loan.schedule_version, Loan.currency).where(Loan.id.in_(chunk), Loan.state.in_(_OPEN))
        found.update({loan_id: (version, currency) for loan_id, version, currency in _rows(session, query)})
    return found


def _post_entries(session: Session, entries: list[tuple[int, JournalEntry]]) -> int:
    """Store journal entries in bulk, skipping keys that exist (booked by a payment); return how many were stored."""
    stored = 0
    for chunk in _chunks(entries):
        keys = [entry.idempotency_key for _, entry in chunk]
        existing = {row[0] for row in _rows(session, sa.select(LedgerEntry.idempotency_key).where(LedgerEntry.idempotency_key.in_(keys)))}
        fresh = [(loan_id, entry) for loan_id, entry in chunk if entry.idempotency_key not in existing]
        if not fresh:
            continue
        entry_rows = [{
            "idempotency_key": entry.idempotency_key, "loan_id": loan_id, "kind": entry.kind.value, "posted_on": entry.posted_on,
            "currency": entry.currency, "memo": entry.memo[:256], "created_at": utc_now(),
        } for loan_id, entry in fresh]
        entry_table = LedgerEntry.__table__
        inserted = session.connection().execute(
            sa.insert(entry_table).returning(entry_table.c.id, entry_table.c.idempotency_key, sort_by_parameter_order=True), entry_rows
        ).all()
        ids = {key: entry_id for entry_id, key in inserted}
        line_rows = [
            {"entry_id": ids[entry.idempotency_key], "loan_id": loan_id, "account": line.account.value, "debit": line.debit, "credit": line.credit}
            for loan_id, entry in fresh
            for line in entry.lines
        ]
        session.connection().execute(sa.insert(LedgerLine.__table__), line_rows)
        stored += len(fresh)
    return stored


def _overdue_loan_ids(session: Session) -> set[int]:
    states = (LoanState.OVERDUE.value, LoanState.RESTRUCTURED.value)
    return {row[0] for row in _rows(session, sa.select(Loan.id).where(Loan.state.in_(states)))}


def _loans_with_rows_due(session: Session, on: dt.date) -> set[int]:
    query = sa.select(LoanInstallment.loan_id).where(LoanInstallment.due_date == on, LoanInstallment.status == "due")
    return {row[0] for row in _rows(session, query)}


def _apply_credit(session: Session, on: dt.date, now: dt.datetime, loan_ids: list[int], stats: dict[str, int]) -> None:
    """Apply credit balances of loans with something due, through the loan engine."""
    account = Account.BORROWER_CREDIT_BALANCE.value
    with_credit = []
    for chunk in _chunks(loan_ids):
        query = (
            sa.select(LedgerLine.loan_id)
            .where(LedgerLine.loan_id.in_(chunk), LedgerLine.account == account)
            .group_by(LedgerLine.loan_id)
            .having(sa.func.sum(LedgerLine.credit) > sa.func.sum(LedgerLine.debit))
        )
        with_credit.extend(row[0] for row in _rows(session, query))
    for loan_id in with_credit:
        loan = session.get(Loan, loan_id)
        result = loans.apply_credit(session, loan, on, now=now)
        if result is not None and result.applied:
            stats["credit_applied"] += 1


def _fees_of(terms_json: str, cache: dict[str, FeeTerms]) -> FeeTerms:
    # Many loans of one product share their terms text, so each distinct text is parsed once.
    fees = cache.get(terms_json)
    if fees is None:
        fees = loans.schedule_from_json(terms_json).fees
        cache[terms_json] = fees
    return fees


def _charge_penalties(session: Session, on: dt.date, loan_ids: list[int], stats: dict[str, int]) -> None:
    """Charge one day of penalty interest per loan, as loans.charge_penalty does, in bulk."""
    day_before = on - dt.timedelta(days=1)
    cache: dict[str, FeeTerms] = {}
    entries: list[tuple[int, JournalEntry]] = []
    for chunk in _chunks(loan_ids):
        query = (
            sa.select(Loan.id, Loan.terms_json, Loan.currency, LoanInstallment.due_date, LoanInstallment.principal,
                      LoanInstallment.paid_principal)
            .join(LoanInstallment, sa.and_(LoanInstallment.loan_id == Loan.id, LoanInstallment.schedule_version == Loan.schedule_version))
            .where(Loan.id.in_(chunk), Loan.state.in_(_OPEN), LoanInstallment.due_date < on, LoanInstallment.status != "paid")
            .order_by(Loan.id)
        )
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        currency = {}
        for row in _rows(session, query):
            fees = _fees_of(row.terms_json, cache)
            overdue_principal = row.principal - row.paid_principal
            if not fees.penalty_daily_rate or not overdue_principal:
                continue
            totals[row.id] += penalty_interest(overdue_principal, row.due_date, on, fees, row.currency) - penalty_interest(
                overdue_principal, row.due_date, day_before, fees, row.currency
            )
            currency[row.id] = row.currency
        for loan_id, total in totals.items():
            if total > 0:
                key = f"loan-{loan_id}:penalty:{on.isoformat()}"
                entries.append((loan_id, penalty_charge_entry(key, str(loan_id), on, total, currency[loan_id])))
    stats["penalties_charged"] += _post_entries(session, entries)


def _refresh_delinquency(session: Session, on: dt.date, now: dt.datetime, loan_ids: list[int], stats: dict[str, int]) -> dict[int, tuple[int, Decimal]]:
    """Set dpd, bucket and state of loans with overdue rows; return {loan: (dpd, overdue amount)} of delinquent ones."""
    delinquent: dict[int, tuple[int, Decimal]] = {}
    updates = []
    for chunk in _chunks(loan_ids):
        query = (
            sa.select(Loan.id, Loan.state, Loan.max_dpd, LoanInstallment.due_date, LoanInstallment.status,
                      LoanInstallment.principal, LoanInstallment.interest, LoanInstallment.fee,
                      LoanInstallment.paid_principal, LoanInstallment.paid_interest, LoanInstallment.paid_fee)
            .join(LoanInstallment, sa.and_(LoanInstallment.loan_id == Loan.id, LoanInstallment.schedule_version == Loan.schedule_version))
            .where(Loan.id.in_(chunk), Loan.state.in_(_OPEN), LoanInstallment.status == "overdue")
            .order_by(Loan.id, LoanInstallment.due_date)
        )
        oldest: dict[int, dt.date] = {}
        amounts: dict[int, Decimal] = defaultdict(lambda: ZERO)
        loan_rows = {}
        for row in _rows(session, query):
            oldest.setdefault(row.id, row.due_date)
            amounts[row.id] += (row.principal - row.paid_principal) + (row.interest - row.paid_interest) + (row.fee - row.paid_fee)
            loan_rows[row.id] = row
        for loan_id in chunk:
            if loan_id not in oldest:
                # No overdue row left (paid, or a new schedule): the engine's refresh decides the state.
                loan = session.get(Loan, loan_id)
                if loan is not None and loan.state in loans.OPEN_STATES:
                    loans.refresh_state(session, loan, on, now=now)
                    stats["loans_cured"] += loan.state == LoanState.ACTIVE.value
                continue
            row = loan_rows[loan_id]
            dpd = (on - oldest[loan_id]).days
            state = row.state
            if state == LoanState.ACTIVE.value:
                state = mark_overdue(LoanState(state), ACTOR, now, f"dpd {dpd}").to_state.value
                stats["loans_newly_overdue"] += 1
            updates.append({"b_id": loan_id, "dpd": dpd, "max_dpd": max(row.max_dpd, dpd), "dpd_bucket": loans.dpd_bucket(dpd),
                            "state": state, "updated_at": now})
            delinquent[loan_id] = (dpd, amounts[loan_id])
    if updates:
        table = Loan.__table__
        statement = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("b_id"))
            .values(dpd=sa.bindparam("dpd"), max_dpd=sa.bindparam("max_dpd"), dpd_bucket=sa.bindparam("dpd_bucket"),
                    state=sa.bindparam("state"), updated_at=sa.bindparam("updated_at"))
        )
        session.connection().execute(statement, updates)
    stats["loans_delinquent"] += len(delinquent)
    return delinquent


def _queue_reminders(session: Session, on: dt.date, now: dt.datetime, delinquent: dict[int, tuple[int, Decimal]], stats: dict[str, int]) -> None:
    """Queue the before-due, due-today and overdue reminders of ``on``."""
    messages: list[notifications.QueuedMessage] = []
    before = on + dt.timedelta(days=REMIND_DAYS_BEFORE)
    for template, due_date, status in (("reminder_before_due", before, "upcoming"), ("reminder_due_today", on, "due")):
        query = (
            sa.select(Loan.id, Loan.number, Loan.borrower_id, LoanInstallment.seq, LoanInstallment.due_date,
                      LoanInstallment.principal, LoanInstallment.interest, LoanInstallment.fee,
                      LoanInstallment.paid_principal, LoanInstallment.paid_interest, LoanInstallment.paid_fee)
            .join(Loan, sa.and_(Loan.id == LoanInstallment.loan_id, Loan.schedule_version == LoanInstallment.schedule_version))
            .where(LoanInstallment.due_date == due_date, LoanInstallment.status == status, Loan.state.in_(_OPEN))
        )
        for row in _rows(session, query):
            amount = (row.principal - row.paid_principal) + (row.interest - row.paid_interest) + (row.fee - row.paid_fee)
            params = {"loan_number": row.number, "installment": row.seq, "amount": str(amount), "due_date": row.due_date.isoformat()}
            key = f"{template}:{row.id}:{row.due_date.isoformat()}:{row.seq}"
            messages.append(notifications.QueuedMessage(row.borrower_id, template, params, key, row.id))
    reminded = [loan_id for loan_id, (dpd, _) in delinquent.items() if dpd in OVERDUE_REMINDER_DPD]
    for chunk in _chunks(reminded):
        for loan_id, number, borrower_id in _rows(session, sa.select(Loan.id, Loan.number, Loan.borrower_id).where(Loan.id.in_(chunk))):
            dpd, amount = delinquent[loan_id]
            params = {"loan_number": number, "dpd": dpd, "amount": str(amount)}
            messages.append(notifications.QueuedMessage(borrower_id, "reminder_overdue", params, f"reminder_overdue:{loan_id}:{on.isoformat()}", loan_id))
    stats["notifications_queued"] += notifications.queue_many(session, messages, now)
    stats["reminders"] += len(messages)
