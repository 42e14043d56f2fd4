"""Refresh of the risk dashboard's snapshot tables from the live book.

``refresh_snapshots`` rebuilds every ``risk_snapshot_*_day`` table with
INSERT ... SELECT ... GROUP BY statements in the caller's transaction, so
readers see either the old rows or the new ones. The day tables are rebuilt
whole: a repayment or a disbursement today changes rows keyed by old days
(the loan's disbursement day, the application's creation day), and finding
those days would cost a scan of the same tables. Running it twice gives the
same rows.

Only the roll rates depend on an as-of day, because they compare two month
ends. A refresh stores the pairs of month ends that ``as_of`` and the days
either side of it select, which covers the page's default window in UTC
and in the display time zone, and keeps pairs stored by earlier refreshes.
The other charts store what is as-of free and apply the page's as-of day
when they read (see ``RiskVintageDay`` and ``RiskBandDay``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections import defaultdict

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import (
    ApplicationStatusEvent,
    CollectionAction,
    Loan,
    LoanApplication,
    LoanInstallment,
    RiskApplicationDay,
    RiskBandDay,
    RiskDecisionDay,
    RiskOutstandingDay,
    RiskPsiDay,
    RiskRecoveryDay,
    RiskRollMonth,
    RiskScoreDay,
    RiskSnapshotRun,
    RiskVintageDay,
)
from lendapp.db.types import utc_now
from lendapp.risk.monitoring import DEFAULT_SCORE_BANDS, BinnedReference
from lendapp.services import risk_alerts
from lendapp.services.audit import record_audit
from lendapp.services.risk_dashboard import (
    _APPROVED_OR_LATER,
    _APPROVED_STATUSES,
    _DECISION_STATUSES,
    _DECLINED_STATUSES,
    DEFAULT_DPD,
    SCORE_BIN_WIDTH,
    VINTAGE_DPD,
    DashboardFilters,
    _roll_queries,
    day_number,
    month_of_day,
    principal_balances,
    require_dashboard,
    roll_rate_dates,
    score_bin_case,
)
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

DAY_TABLES = (RiskApplicationDay, RiskDecisionDay, RiskScoreDay, RiskPsiDay, RiskOutstandingDay, RiskVintageDay, RiskRecoveryDay, RiskBandDay)

# Key of the PostgreSQL advisory lock that lets one refresh run at a time; an arbitrary constant no other code uses.
_REFRESH_LOCK_KEY = 0x6C656E64_72697363

# Typed SQL zero for the branches of the recovery UNION that have no such figure.
_ZERO = sa.literal_column("0")


@dataclasses.dataclass(frozen=True)
class SnapshotRefresh:
    """The outcome of one refresh: its run id, timing and rows written per table."""

    run_id: int
    as_of: dt.date
    refreshed_at: dt.datetime
    seconds: float
    rows: dict[str, int]


# --- Day tables --------------------------------------------------------------------------


def _application_day() -> sa.Select:
    application = LoanApplication.__table__
    event = ApplicationStatusEvent.__table__

    def reached(condition: sa.ColumnElement) -> sa.ColumnElement:
        return sa.func.max(sa.case((condition, 1), else_=0))

    stages = (
        sa.select(
            event.c.application_id,
            reached(event.c.to_status == "submitted").label("submitted"),
            reached(event.c.to_status.in_(_APPROVED_STATUSES)).label("approved"),
            reached(event.c.to_status == "contract_signed").label("signed"),
            reached(event.c.to_status == "disbursed").label("disbursed"),
        )
        .group_by(event.c.application_id)
        .subquery()
    )
    day = day_number(application.c.created_at)
    return (
        sa.select(
            day, application.c.product_code, application.c.channel, sa.func.count(),
            *[sa.func.coalesce(sa.func.sum(stages.c[name]), 0) for name in ("submitted", "approved", "signed", "disbursed")],
        )
        .select_from(application.outerjoin(stages, stages.c.application_id == application.c.id))
        .group_by(day, application.c.product_code, application.c.channel)
    )


def _decision_day() -> sa.Select:
    application = LoanApplication.__table__
    event = ApplicationStatusEvent.__table__
    day = day_number(event.c.created_at)
    return (
        sa.select(
            day,
            application.c.product_code,
            sa.func.count(),
            sa.func.sum(sa.case((event.c.to_status.in_(_APPROVED_STATUSES), 1), else_=0)),
            sa.func.sum(sa.case((event.c.to_status.in_(("auto_approved", "auto_declined")), 1), else_=0)),
        )
        .select_from(event.join(application, application.c.id == event.c.application_id))
        .where(event.c.to_status.in_(_DECISION_STATUSES))
        .group_by(day, application.c.product_code)
    )


def _score_day() -> sa.Select:
    application = LoanApplication.__table__
    day = day_number(application.c.decided_at)
    score_bin = (application.c.score // SCORE_BIN_WIDTH) * SCORE_BIN_WIDTH
    decision = sa.case(
        (application.c.status.in_(_APPROVED_OR_LATER), "approved"),
        (application.c.status.in_(_DECLINED_STATUSES), "declined"),
        else_="other",
    )
    return (
        sa.select(day, application.c.product_code, score_bin, decision, sa.func.count())
        .where(application.c.score.is_not(None))
        .group_by(day, application.c.product_code, score_bin, decision)
    )


def _psi_day(reference: BinnedReference) -> sa.Select:
    application = LoanApplication.__table__
    day = day_number(application.c.submitted_at)
    score_bin = score_bin_case(application.c.score, reference)
    return (
        sa.select(day, application.c.product_code, score_bin, sa.func.count())
        .where(application.c.score.is_not(None))
        .group_by(day, application.c.product_code, score_bin)
    )


def _outstanding_day() -> sa.Select:
    loan = Loan.__table__
    per_loan = principal_balances()
    day = day_number(loan.c.disbursed_at)
    return (
        sa.select(day, loan.c.product_code, loan.c.dpd_bucket, sa.func.count(), sa.func.sum(per_loan.c.balance))
        .select_from(per_loan.join(loan, loan.c.id == per_loan.c.loan_id))
        .group_by(day, loan.c.product_code, loan.c.dpd_bucket)
    )


def _vintage_day() -> sa.Select:
    loan = Loan.__table__
    item = LoanInstallment.__table__
    due = day_number(item.c.due_date)
    late = sa.and_(item.c.paid_at.is_not(None), day_number(item.c.paid_at) - due >= VINTAGE_DPD)
    per_loan = (
        sa.select(
            item.c.loan_id,
            sa.func.min(sa.case((late, due + VINTAGE_DPD))).label("late_day"),
            sa.func.min(sa.case((item.c.paid_at.is_(None), due + VINTAGE_DPD))).label("unpaid_day"),
        )
        .select_from(item.join(loan, sa.and_(loan.c.id == item.c.loan_id, loan.c.schedule_version == item.c.schedule_version)))
        .where(sa.or_(item.c.paid_at.is_(None), late))
        .group_by(item.c.loan_id)
        .subquery()
    )
    day = day_number(loan.c.disbursed_at)
    late_month = month_of_day(per_loan.c.late_day)
    return (
        sa.select(day, loan.c.product_code, late_month, per_loan.c.unpaid_day, sa.func.count())
        .select_from(loan.outerjoin(per_loan, per_loan.c.loan_id == loan.c.id))
        .group_by(day, loan.c.product_code, late_month, per_loan.c.unpaid_day)
    )


def _recovery_day() -> sa.Select:
    loan = Loan.__table__
    item = LoanInstallment.__table__
    action = CollectionAction.__table__
    paid_day = day_number(item.c.paid_at)
    paid = (
        sa.select(
            paid_day.label("day_number"), loan.c.product_code.label("product_code"),
            sa.func.sum(item.c.paid_principal + item.c.paid_interest + item.c.paid_fee).label("recovered"),
            sa.func.count().label("installments"), _ZERO.label("actions"), _ZERO.label("promises"),
        )
        .select_from(item.join(loan, loan.c.id == item.c.loan_id))
        .where(item.c.paid_at.is_not(None), paid_day > day_number(item.c.due_date))
        .group_by(paid_day, loan.c.product_code)
    )
    action_day = day_number(action.c.created_at)
    work = (
        sa.select(
            action_day, loan.c.product_code, _ZERO, _ZERO, sa.func.count(),
            sa.func.sum(sa.case((action.c.kind == "promise_to_pay", 1), else_=0)),
        )
        .select_from(action.join(loan, loan.c.id == action.c.loan_id))
        .group_by(action_day, loan.c.product_code)
    )
    both = sa.union_all(paid, work).subquery()
    return (
        sa.select(
            both.c.day_number, both.c.product_code, sa.func.sum(both.c.recovered), sa.func.sum(both.c.installments),
            sa.func.sum(both.c.actions), sa.func.sum(both.c.promises),
        )
        .group_by(both.c.day_number, both.c.product_code)
    )


def _band_day() -> sa.Select:
    loan = Loan.__table__
    application = LoanApplication.__table__
    band = sa.case(*[(application.c.score < high, low) for low, high in DEFAULT_SCORE_BANDS], else_=DEFAULT_SCORE_BANDS[-1][0])
    defaulted = sa.case((sa.or_(loan.c.max_dpd >= DEFAULT_DPD, loan.c.state == "written_off"), 1), else_=0)
    day = day_number(loan.c.disbursed_at)
    return (
        sa.select(
            day, loan.c.maturity_date, loan.c.product_code, band, sa.func.count(), sa.func.sum(defaulted),
            sa.func.coalesce(sa.func.sum(application.c.pd), 0.0), sa.func.count(application.c.pd),
        )
        .select_from(loan.join(application, application.c.id == loan.c.application_id))
        .where(application.c.score.is_not(None))
        .group_by(day, loan.c.maturity_date, loan.c.product_code, band)
    )


def _day_statements(reference: BinnedReference | None) -> list[tuple[type, list[str], sa.Select]]:
    columns = {
        RiskApplicationDay: ["day_number", "product_code", "channel", "started", "submitted", "approved", "signed", "disbursed"],
        RiskDecisionDay: ["day_number", "product_code", "decisions", "approved", "automatic"],
        RiskScoreDay: ["day_number", "product_code", "score_bin", "decision", "applications"],
        RiskPsiDay: ["day_number", "product_code", "score_bin", "applications"],
        RiskOutstandingDay: ["day_number", "product_code", "dpd_bucket", "loans", "principal"],
        RiskVintageDay: ["day_number", "product_code", "late_month", "unpaid_day", "loans"],
        RiskRecoveryDay: ["day_number", "product_code", "recovered", "installments", "actions", "promises"],
        RiskBandDay: ["day_number", "maturity_date", "product_code", "band_low", "loans", "defaulted", "pd_sum", "pd_count"],
    }
    queries = {
        RiskApplicationDay: _application_day(),
        RiskDecisionDay: _decision_day(),
        RiskScoreDay: _score_day(),
        RiskOutstandingDay: _outstanding_day(),
        RiskVintageDay: _vintage_day(),
        RiskRecoveryDay: _recovery_day(),
        RiskBandDay: _band_day(),
    }
    # Without a training reference the PSI chart is empty, so there is nothing to store.
    if reference is not None:
        queries[RiskPsiDay] = _psi_day(reference)
    return [(table, columns[table], queries[table]) for table in DAY_TABLES if table in queries]


# --- Roll rates --------------------------------------------------------------------------


def roll_month_ends(as_of: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Return the distinct pairs of month ends that ``as_of`` and the days either side of it select."""
    pairs = []
    for offset in (-1, 0, 1):
        pair = roll_rate_dates(DashboardFilters(as_of=as_of + dt.timedelta(days=offset)))
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _store_roll_rates(session: Session, start: dt.date, end: dt.date) -> int:
    """Replace the stored roll rates of one pair of month ends, per product; return the rows written."""
    moves_query, population_query = _roll_queries(DashboardFilters(date_to=end, as_of=end), by_product=True)
    cells: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for product, from_bucket, to_bucket, count in session.execute(moves_query):
        cells[product][(from_bucket, to_bucket)] += count
    # As in roll_rates: loans with nothing unpaid at either month end stayed current.
    for product, population in session.execute(population_query):
        cells[product][("M0", "M0")] += population - sum(cells[product].values())
    rows = [
        {"start_date": start, "end_date": end, "product_code": product, "from_bucket": a, "to_bucket": b, "loans": count}
        for product, per_pair in cells.items()
        for (a, b), count in per_pair.items()
        if count
    ]
    session.execute(sa.delete(RiskRollMonth).where(RiskRollMonth.end_date == end))
    if rows:
        session.execute(sa.insert(RiskRollMonth), rows)
    return len(rows)


# --- Refresh -----------------------------------------------------------------------------


def _lock_refresh(session: Session) -> None:
    """Wait until no other refresh is running, so two refreshes cannot both insert after each other's delete.

    PostgreSQL gets a transaction-level advisory lock. SQLite needs none,
    because it allows one writing transaction at a time (a second one waits
    or fails with "database is locked").
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.select(sa.func.pg_advisory_xact_lock(_REFRESH_LOCK_KEY)))


def refresh_snapshots(session: Session, as_of: dt.date, reference: BinnedReference | None = None, *,
                      load_reference: bool = True) -> SnapshotRefresh:
    """Rebuild the snapshot tables from the live tables in the caller's transaction.

    Args:
        session: An open session; the caller commits.
        as_of: The day around which roll rates are stored (see ``roll_month_ends``).
        reference: The training score distribution whose bins the PSI rows use.
        load_reference: Load the active model's reference when ``reference`` is None.

    Returns:
        The run id, timing and the number of rows written per table.
    """
    started = time.perf_counter()
    _lock_refresh(session)
    if reference is None and load_reference:
        reference = risk_alerts.training_score_reference()
    rows: dict[str, int] = {}
    for table in DAY_TABLES:
        session.execute(sa.delete(table))
    for table, columns, query in _day_statements(reference):
        session.execute(sa.insert(table).from_select(columns, query))
        # Counted afterwards because the PostgreSQL driver returned a row count of -1 for INSERT ... SELECT in the tests.
        rows[table.__tablename__] = session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
    rows[RiskRollMonth.__tablename__] = sum(_store_roll_rates(session, start, end) for start, end in roll_month_ends(as_of))
    seconds = time.perf_counter() - started
    run = RiskSnapshotRun(
        as_of=as_of,
        refreshed_at=utc_now(),
        seconds=round(seconds, 3),
        psi_edges=None if reference is None else json.dumps(list(reference.edges)),
    )
    session.add(run)
    session.flush()
    logger.info("Risk snapshots as of %s refreshed in %.1f s (run %s): %s", as_of, seconds, run.id, rows)
    return SnapshotRefresh(run.id, as_of, run.refreshed_at, seconds, rows)


def refresh_in_own_transaction(as_of: dt.date, *, engine: sa.Engine | None = None,
                               reference: BinnedReference | None = None) -> SnapshotRefresh | None:
    """Refresh the snapshots in a transaction of their own; log a failure and return None instead of raising.

    The daily job and the demo seed call this after their own work has
    committed, so a failed refresh leaves that work in place and the page
    keeps drawing the previous snapshot.
    """
    logger.info("Risk snapshot refresh as of %s started", as_of)
    try:
        with session_scope(engine) as session:
            return refresh_snapshots(session, as_of, reference)
    except Exception:
        logger.exception("Risk snapshot refresh as of %s failed; the dashboard keeps the previous snapshot. "
                         "Run `python -m lendapp jobs refresh-risk --date %s` to retry", as_of, as_of.isoformat())
        return None


def refresh_now(actor: Principal, client_ip: str = "") -> SnapshotRefresh:
    """Refresh the snapshots for a risk manager who pressed "Refresh now", and audit it.

    Blocking (72 s on the benchmark's 1,000,000 loans); call it off the event loop.

    Raises:
        PermissionDeniedError: The actor may not see the risk dashboard.
    """
    require_dashboard(actor)
    as_of = dt.datetime.now(dt.UTC).date()
    with session_scope() as session:
        result = refresh_snapshots(session, as_of)
        record_audit(
            session, action="risk.snapshot_refresh", object_type="risk_snapshot_run", object_id=result.run_id,
            actor_id=actor.user_id, actor_role=actor.role, after={"as_of": as_of.isoformat(), "rows": result.rows},
            client_ip=client_ip,
        )
    logger.info("User %s refreshed the risk snapshots (run %s)", actor.user_id, result.run_id)
    return result
