"""The risk dashboard's charts read from the snapshot tables that ``risk_snapshots`` refreshes.

Each function has the signature and return type of the live chart function
of the same name in ``risk_dashboard``. It returns the same value when the
book has not changed since the last refresh, and the tests compare the two
on one book for several filter sets. Windows and periods are sums of daily
rows, and the as-of day is applied when reading.

Two charts fall back to the live tables and log a warning. Roll rates do so
for a pair of month ends that no refresh stored (a window ending in an
earlier month). The PSI chart does so when the active model's score bins
differ from the stored ones (the model changed since the refresh). Without any
refresh at all, the whole dashboard comes from the live tables.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Session

from lendapp.db.models import (
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
from lendapp.risk.monitoring import BinnedReference
from lendapp.services import risk_dashboard as live
from lendapp.services.risk_dashboard import (
    ApprovalPoint,
    BandDefaultRate,
    Dashboard,
    DashboardFilters,
    FunnelChart,
    OutstandingCell,
    PsiPoint,
    RecoveryPoint,
    RollRates,
    ScoreDistribution,
    VintageCurve,
    days_of,
    month_of_day,
)

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SnapshotInfo:
    """The newest refresh of the snapshot tables."""

    run_id: int
    as_of: dt.date
    refreshed_at: dt.datetime
    psi_edges: tuple[float, ...] | None


def latest_snapshot(session: Session) -> SnapshotInfo | None:
    """Return the newest refresh, or None before the first one."""
    run = session.execute(sa.select(RiskSnapshotRun).order_by(RiskSnapshotRun.id.desc()).limit(1)).scalar_one_or_none()
    if run is None:
        return None
    edges = None if run.psi_edges is None else tuple(float(edge) for edge in json.loads(run.psi_edges))
    return SnapshotInfo(run.id, run.as_of, run.refreshed_at, edges)


def _where(filters: DashboardFilters, table: sa.Table) -> list[sa.ColumnElement]:
    """Return the window (inclusive UTC days) and product conditions on a snapshot table."""
    conditions = []
    if filters.date_from:
        conditions.append(table.c.day_number >= days_of(filters.date_from))
    if filters.date_to:
        conditions.append(table.c.day_number <= days_of(filters.date_to))
    return conditions + filters.product(table.c.product_code)


def _period(filters: DashboardFilters, table: sa.Table) -> sa.ColumnElement:
    """Return the period key of a snapshot row: its day number, or its month when the window is drawn per month."""
    return table.c.day_number if filters.daily else month_of_day(table.c.day_number)


def funnel(session: Session, filters: DashboardFilters) -> FunnelChart:
    """Count applications started in the window per channel, and how many reached each later stage."""
    table = RiskApplicationDay.__table__
    # The columns follow FUNNEL_STAGES.
    stages = [sa.func.sum(table.c[stage]) for stage in ("started", "submitted", "approved", "signed", "disbursed")]
    query = sa.select(table.c.channel, *stages).where(*_where(filters, table)).group_by(table.c.channel)
    # Sorted in Python, as the live chart does, because the database's collation may order channels differently.
    rows = sorted(session.execute(query).all(), key=lambda row: row[0])
    return FunnelChart(tuple(row[0] for row in rows), tuple(tuple(int(count) for count in row[1:]) for row in rows))


def approval_over_time(session: Session, filters: DashboardFilters) -> tuple[ApprovalPoint, ...]:
    """Count final decisions (approved or declined, automatic or by a person) per period."""
    table = RiskDecisionDay.__table__
    period = _period(filters, table)
    query = (
        sa.select(period, sa.func.sum(table.c.decisions), sa.func.sum(table.c.approved), sa.func.sum(table.c.automatic))
        .where(*_where(filters, table))
        .group_by(period)
        .order_by(period)
    )
    return tuple(
        ApprovalPoint(filters.period_label(key), int(total), int(approved), int(automatic),
                      live._ratio(approved, total), live._ratio(automatic, total))
        for key, total, approved, automatic in session.execute(query)
    )


def score_distribution(session: Session, filters: DashboardFilters) -> ScoreDistribution:
    """Count scored applications decided in the window per score bin and decision class."""
    table = RiskScoreDay.__table__
    query = (
        sa.select(table.c.score_bin, table.c.decision, sa.func.sum(table.c.applications))
        .where(*_where(filters, table))
        .group_by(table.c.score_bin, table.c.decision)
    )
    return live.score_chart_of((score_bin, decision, int(count)) for score_bin, decision, count in session.execute(query))


def psi_over_time(session: Session, filters: DashboardFilters, reference: BinnedReference | None) -> tuple[PsiPoint, ...]:
    """Compute the score's PSI per period of submission; empty without a training reference."""
    if reference is None:
        return ()
    snapshot = latest_snapshot(session)
    if snapshot is None or snapshot.psi_edges != tuple(float(edge) for edge in reference.edges):
        logger.warning("Stored PSI bins do not match the active model's; computing the PSI chart from the live tables "
                       "until the next snapshot refresh")
        return live.psi_over_time(session, filters, reference)
    table = RiskPsiDay.__table__
    period = _period(filters, table)
    query = (
        sa.select(period, table.c.score_bin, sa.func.sum(table.c.applications))
        .where(*_where(filters, table))
        .group_by(period, table.c.score_bin)
        .order_by(period)
    )
    return live.psi_points_of(filters, reference, ((key, score_bin, int(count)) for key, score_bin, count in session.execute(query)))


def outstanding_principal(session: Session, filters: DashboardFilters) -> tuple[OutstandingCell, ...]:
    """Sum the principal still owed on loans disbursed in the window, per product and dpd bucket at the refresh."""
    table = RiskOutstandingDay.__table__
    query = (
        sa.select(table.c.product_code, table.c.dpd_bucket, sa.func.sum(table.c.loans), sa.func.sum(table.c.principal))
        .where(*_where(filters, table))
        .group_by(table.c.product_code, table.c.dpd_bucket)
    )
    return live.outstanding_cells_of((product, bucket, int(loans), amount) for product, bucket, loans, amount in session.execute(query))


def vintage_curves(session: Session, filters: DashboardFilters) -> tuple[VintageCurve, ...]:
    """Build the cumulative 30+ dpd curve of each disbursement month in the window, as of ``filters.as_of``."""
    table = RiskVintageDay.__table__
    # An unpaid installment counts only once its 30th day past due has come by the as-of day.
    unpaid_month = sa.case((table.c.unpaid_day <= days_of(filters.as_of), month_of_day(table.c.unpaid_day)))
    bad_month = sa.case(
        (table.c.late_month.is_(None), unpaid_month),
        (unpaid_month.is_(None), table.c.late_month),
        (table.c.late_month < unpaid_month, table.c.late_month),
        else_=unpaid_month,
    )
    cohort = month_of_day(table.c.day_number)
    months_on_book = bad_month - cohort
    query = sa.select(cohort, months_on_book, sa.func.sum(table.c.loans)).where(*_where(filters, table)).group_by(cohort, months_on_book)
    return live.vintage_curves_of(filters, ((month, mob, int(count)) for month, mob, count in session.execute(query)))


def roll_rates(session: Session, filters: DashboardFilters) -> RollRates:
    """Count loans per pair of dpd buckets at the last two month ends of the window, from the stored pair."""
    start, end = live.roll_rate_dates(filters)
    table = RiskRollMonth.__table__
    stored = session.execute(sa.select(table.c.id).where(table.c.end_date == end, table.c.start_date == start).limit(1)).first()
    if stored is None:
        logger.warning("No stored roll rates for %s to %s; computing them from the live tables", start, end)
        return live.roll_rates(session, filters)
    query = (
        sa.select(table.c.from_bucket, table.c.to_bucket, sa.func.sum(table.c.loans))
        .where(table.c.end_date == end, table.c.start_date == start, *filters.product(table.c.product_code))
        .group_by(table.c.from_bucket, table.c.to_bucket)
    )
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for from_bucket, to_bucket, count in session.execute(query):
        cells[(from_bucket, to_bucket)] += int(count)
    return live.roll_rates_of(start, end, cells)


def collections_recovery(session: Session, filters: DashboardFilters) -> tuple[RecoveryPoint, ...]:
    """Sum late payments (installments paid in full after their due day) and count collection actions per period."""
    table = RiskRecoveryDay.__table__
    period = _period(filters, table)
    query = (
        sa.select(period, sa.func.sum(table.c.recovered), sa.func.sum(table.c.installments), sa.func.sum(table.c.actions),
                  sa.func.sum(table.c.promises))
        .where(*_where(filters, table))
        .group_by(period)
        .order_by(period)
    )
    return tuple(
        RecoveryPoint(filters.period_label(key), Decimal(str(amount or 0)).quantize(Decimal("0.01")), int(count), int(actions), int(promises))
        for key, amount, count, actions, promises in session.execute(query)
    )


def default_rate_by_band(session: Session, filters: DashboardFilters) -> tuple[BandDefaultRate, ...]:
    """Compare the default rate of loans matured by ``filters.as_of`` with the mean PD per score band."""
    table = RiskBandDay.__table__
    query = (
        sa.select(table.c.band_low, sa.func.sum(table.c.loans), sa.func.sum(table.c.defaulted), sa.func.sum(table.c.pd_sum),
                  sa.func.sum(table.c.pd_count))
        .where(table.c.maturity_date <= filters.as_of, *_where(filters, table))
        .group_by(table.c.band_low)
    )
    rows = []
    for low, loans, defaulted, pd_sum, pd_count in session.execute(query):
        mean_pd = float(pd_sum) / int(pd_count) if pd_count else None
        rows.append((low, int(loans), int(defaulted), mean_pd))
    return live.band_rates_of(rows)


SNAPSHOT_CHART_FUNCTIONS: dict[str, Callable[..., object]] = {
    "funnel": funnel,
    "approval": approval_over_time,
    "scores": score_distribution,
    "psi": psi_over_time,
    "outstanding": outstanding_principal,
    "vintages": vintage_curves,
    "roll_rates": roll_rates,
    "recovery": collections_recovery,
    "default_rates": default_rate_by_band,
}


def build_snapshot_dashboard(session: Session, filters: DashboardFilters, reference: BinnedReference | None) -> Dashboard:
    """Build every chart from the snapshot tables, or from the live tables before the first refresh; no permission check."""
    snapshot = latest_snapshot(session)
    if snapshot is None:
        logger.warning("No risk snapshot yet; computing the dashboard from the live tables. "
                       "Run `python -m lendapp jobs refresh-risk` to create one")
        return live.build_dashboard(session, filters, reference)
    charts = {
        name: function(session, filters, reference) if name == "psi" else function(session, filters)
        for name, function in SNAPSHOT_CHART_FUNCTIONS.items()
    }
    return Dashboard(filters=filters, data_as_of=snapshot.refreshed_at, **charts)


def snapshot_chart(session: Session, name: str, filters: DashboardFilters, reference: BinnedReference | None) -> object:
    """Build one chart by its name from the snapshot tables, or from the live tables before the first refresh."""
    functions = SNAPSHOT_CHART_FUNCTIONS if latest_snapshot(session) is not None else live.CHART_FUNCTIONS
    if name == "psi":
        return functions[name](session, filters, reference)
    return functions[name](session, filters)
