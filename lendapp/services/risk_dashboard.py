"""Aggregations of the risk-monitoring dashboard, each one GROUP BY query in the database.

Every chart function takes an open session and ``DashboardFilters`` and
returns a small frozen dataclass of aggregated points: no chart loads
application, loan or installment rows into Python. These functions read the
live tables and are the reference. ``dashboard``, ``chart`` and the exports
check the caller's permission and read the daily snapshot tables instead
(``risk_snapshot_charts``), which give the same result as of the last
refresh. ``BARE_QUERIES`` exposes each live chart's SELECT statements so the
benchmark can time them without the shaping.

Periods (days or months) and filter dates are UTC calendar dates.

Delinquency history is derived from installments, because loans store only
their current dpd. An installment is unpaid at the end of day ``E`` when it
was due before ``E`` and its ``paid_at`` (set when it is paid in full) is
empty or later than ``E``. A loan's dpd at ``E`` is ``E`` minus the due date
of its oldest such installment. Only rows of the loan's current schedule
version count, so a restructured loan's history follows its new schedule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session

from lendapp.db.engine import session_scope
from lendapp.db.models import ApplicationStatusEvent, CollectionAction, LedgerLine, Loan, LoanApplication, LoanInstallment
from lendapp.domain.permissions import Permission, has_permission
from lendapp.risk.monitoring import DEFAULT_SCORE_BANDS, PSI_ALERT, PSI_EPSILON, BinnedReference
from lendapp.services.auth_errors import InvalidInputError, PermissionDeniedError
from lendapp.services.sessions import Principal

logger = logging.getLogger(__name__)

EPOCH = dt.date(1970, 1, 1)
DPD_BUCKETS = ("M0", "M1", "M2", "M3", "M3+")
FUNNEL_STAGES = ("started", "submitted", "approved", "signed", "disbursed")
DECISION_CLASSES = ("approved", "declined", "other")
SCORE_BIN_WIDTH = 20
VINTAGE_DPD = 30
VINTAGE_MAX_MONTHS = 36
DEFAULT_DPD = 90
PD_DIGITS = 9
# A window up to this many days is drawn per day; a longer one per month.
DAILY_PERIOD_LIMIT_DAYS = 62
PRINCIPAL_ACCOUNT = "loan_principal_receivable"

_APPROVED_STATUSES = ("auto_approved", "approved")
_APPROVED_OR_LATER = ("auto_approved", "approved", "pending_second_approval", "offer_accepted", "contract_signed", "disbursed")
_DECLINED_STATUSES = ("auto_declined", "declined")
_DECISION_STATUSES = _APPROVED_STATUSES + _DECLINED_STATUSES


# --- Dialect helpers ---------------------------------------------------------------------


class day_number(FunctionElement):  # noqa: N801 - named like the SQL function it renders
    """Days since 1970-01-01 of a DATE or of a UTC timestamp, as an integer."""

    type = sa.Integer()
    inherit_cache = True


@compiles(day_number, "postgresql")
def _day_number_postgresql(element, compiler, **kw):
    (argument,) = element.clauses
    value = compiler.process(argument, **kw)
    if isinstance(argument.type, sa.Date):
        return f"({value} - DATE '1970-01-01')"
    return f"(CAST(timezone('UTC', {value}) AS DATE) - DATE '1970-01-01')"


@compiles(day_number, "sqlite")
def _day_number_sqlite(element, compiler, **kw):
    # julianday() of 1970-01-01 00:00 is 2440587.5; CAST truncates, which is floor for these dates.
    return f"CAST(julianday({compiler.process(element.clauses, **kw)}) - 2440587.5 AS INTEGER)"


class month_of_day(FunctionElement):  # noqa: N801 - named like the SQL function it renders
    """Month index (year * 12 + month - 1) of a day number from ``day_number``."""

    type = sa.Integer()
    inherit_cache = True


@compiles(month_of_day, "postgresql")
def _month_of_day_postgresql(element, compiler, **kw):
    day = f"(DATE '1970-01-01' + CAST({compiler.process(element.clauses, **kw)} AS INTEGER))"
    return f"CAST(EXTRACT(YEAR FROM {day}) * 12 + EXTRACT(MONTH FROM {day}) - 1 AS INTEGER)"


@compiles(month_of_day, "sqlite")
def _month_of_day_sqlite(element, compiler, **kw):
    julian = f"({compiler.process(element.clauses, **kw)} + 2440587.5)"
    return f"(CAST(strftime('%Y', {julian}) AS INTEGER) * 12 + CAST(strftime('%m', {julian}) AS INTEGER) - 1)"


def days_of(value: dt.date) -> int:
    """Return the day number of ``value``, as ``day_number`` computes it in SQL."""
    return (value - EPOCH).days


def month_index(value: dt.date) -> int:
    """Return year * 12 + month - 1 of ``value``, as ``month_of_day`` computes it in SQL."""
    return value.year * 12 + value.month - 1


def month_label(index: int) -> str:
    """Return ``YYYY-MM`` of a month index."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _start_of_day(value: dt.date) -> dt.datetime:
    return dt.datetime.combine(value, dt.time(0), tzinfo=dt.UTC)


# --- Filters -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DashboardFilters:
    """What every chart shows.

    Attributes:
        date_from: First UTC day of the window (inclusive); None for no lower bound.
        date_to: Last UTC day of the window (inclusive); None for no upper bound.
        product_code: One product's code, or "" for all products.
        as_of: The day whose end is "now" for delinquency, vintages and matured loans.
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    product_code: str = ""
    as_of: dt.date = dataclasses.field(default_factory=lambda: dt.datetime.now(dt.UTC).date())

    def __post_init__(self) -> None:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise InvalidInputError("risk_dashboard.error.date_order", field="date_from")
        if len(self.product_code) > 64 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in self.product_code):
            raise InvalidInputError("risk_dashboard.error.product", field="product")

    def window(self, column: sa.ColumnElement) -> list[sa.ColumnElement]:
        """Return conditions that keep ``column`` (a UTC timestamp) inside the window."""
        conditions = []
        if self.date_from:
            conditions.append(column >= _start_of_day(self.date_from))
        if self.date_to:
            conditions.append(column < _start_of_day(self.date_to + dt.timedelta(days=1)))
        return conditions

    def product(self, column: sa.ColumnElement) -> list[sa.ColumnElement]:
        """Return the product condition on ``column``, or none for all products."""
        return [column == self.product_code] if self.product_code else []

    @property
    def daily(self) -> bool:
        """Whether periods are days (a bounded window of at most ``DAILY_PERIOD_LIMIT_DAYS``) rather than months."""
        return bool(self.date_from and self.date_to and (self.date_to - self.date_from).days < DAILY_PERIOD_LIMIT_DAYS)

    def period(self, column: sa.ColumnElement) -> sa.ColumnElement:
        """Return the SQL period key of a timestamp: its day number or its month index."""
        return day_number(column) if self.daily else month_of_day(day_number(column))

    def period_label(self, key: int) -> str:
        """Return the text of a period key: ``YYYY-MM-DD`` or ``YYYY-MM``."""
        return (EPOCH + dt.timedelta(days=int(key))).isoformat() if self.daily else month_label(int(key))

    def slug(self) -> str:
        """Return the filters as a file-name part, such as ``2026-01-01_2026-03-31_all``."""
        start = self.date_from.isoformat() if self.date_from else "start"
        end = self.date_to.isoformat() if self.date_to else "today"
        return f"{start}_{end}_{self.product_code or 'all'}"


def _ratio(part: float, whole: float) -> float | None:
    return None if not whole else part / whole


# --- 1. Application funnel by channel ----------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FunnelChart:
    """Applications that reached each stage, per channel; ``counts[channel][stage]`` follows ``FUNNEL_STAGES``.

    NOTE: visits are not recorded anywhere yet, so the funnel starts at started applications.
    """

    channels: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]


def _funnel_queries(filters: DashboardFilters) -> list[sa.Select]:
    application = LoanApplication.__table__
    event = ApplicationStatusEvent.__table__
    where = filters.window(application.c.created_at) + filters.product(application.c.product_code)
    started = sa.select(application.c.channel, sa.func.count()).where(*where).group_by(application.c.channel)
    stage = sa.case(
        (event.c.to_status == "submitted", "submitted"),
        (event.c.to_status.in_(_APPROVED_STATUSES), "approved"),
        (event.c.to_status == "contract_signed", "signed"),
        else_="disbursed",
    )
    reached = (
        sa.select(application.c.channel, stage, sa.func.count(sa.distinct(application.c.id)))
        .select_from(application.join(event, event.c.application_id == application.c.id))
        .where(event.c.to_status.in_(("submitted", *_APPROVED_STATUSES, "contract_signed", "disbursed")), *where)
        .group_by(application.c.channel, stage)
    )
    return [started, reached]


def funnel(session: Session, filters: DashboardFilters) -> FunnelChart:
    """Count applications started in the window per channel, and how many reached each later stage."""
    started_query, reached_query = _funnel_queries(filters)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for channel, count in session.execute(started_query):
        counts[channel]["started"] = count
    for channel, stage, count in session.execute(reached_query):
        counts[channel][stage] = count
    channels = tuple(sorted(counts))
    return FunnelChart(channels, tuple(tuple(counts[c].get(s, 0) for s in FUNNEL_STAGES) for c in channels))


# --- 2. Approval rate and automatic-decision share over time ----------------------------


@dataclasses.dataclass(frozen=True)
class ApprovalPoint:
    """Final decisions of one period: how many, the approval rate and the share decided automatically."""

    period: str
    decisions: int
    approved: int
    automatic: int
    approval_rate: float | None
    automatic_share: float | None


def _approval_queries(filters: DashboardFilters) -> list[sa.Select]:
    application = LoanApplication.__table__
    event = ApplicationStatusEvent.__table__
    period = filters.period(event.c.created_at)
    query = (
        sa.select(
            period,
            sa.func.count(),
            sa.func.sum(sa.case((event.c.to_status.in_(_APPROVED_STATUSES), 1), else_=0)),
            sa.func.sum(sa.case((event.c.to_status.in_(("auto_approved", "auto_declined")), 1), else_=0)),
        )
        .select_from(event.join(application, application.c.id == event.c.application_id))
        .where(event.c.to_status.in_(_DECISION_STATUSES), *filters.window(event.c.created_at), *filters.product(application.c.product_code))
        .group_by(period)
        .order_by(period)
    )
    return [query]


def approval_over_time(session: Session, filters: DashboardFilters) -> tuple[ApprovalPoint, ...]:
    """Count final decisions (approved or declined, automatic or by a person) per period."""
    return tuple(
        ApprovalPoint(filters.period_label(key), total, approved, automatic, _ratio(approved, total), _ratio(automatic, total))
        for key, total, approved, automatic in session.execute(_approval_queries(filters)[0])
    )


# --- 3. Score distribution by decision ---------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ScoreDistribution:
    """Scored applications per score bin (lower bounds, ``SCORE_BIN_WIDTH`` points wide) and decision class.

    ``counts[decision][i]`` follows ``DECISION_CLASSES`` and ``bins``.
    """

    bins: tuple[int, ...]
    counts: tuple[tuple[int, ...], ...]


def _score_queries(filters: DashboardFilters) -> list[sa.Select]:
    application = LoanApplication.__table__
    score_bin = (application.c.score // SCORE_BIN_WIDTH) * SCORE_BIN_WIDTH
    decision = sa.case(
        (application.c.status.in_(_APPROVED_OR_LATER), "approved"),
        (application.c.status.in_(_DECLINED_STATUSES), "declined"),
        else_="other",
    )
    query = (
        sa.select(score_bin, decision, sa.func.count())
        .where(application.c.score.is_not(None), *filters.window(application.c.decided_at), *filters.product(application.c.product_code))
        .group_by(score_bin, decision)
    )
    return [query]


def score_distribution(session: Session, filters: DashboardFilters) -> ScoreDistribution:
    """Count scored applications decided in the window per score bin and decision class."""
    return score_chart_of(session.execute(_score_queries(filters)[0]))


def score_chart_of(rows: Iterable[Sequence]) -> ScoreDistribution:
    """Shape ``(score_bin, decision, count)`` rows into the chart."""
    cells = {(int(score_bin), decision): count for score_bin, decision, count in rows}
    bins = tuple(sorted({score_bin for score_bin, _ in cells}))
    return ScoreDistribution(bins, tuple(tuple(cells.get((b, d), 0) for b in bins) for d in DECISION_CLASSES))


# --- 4. Population stability index of the score over time -------------------------------


@dataclasses.dataclass(frozen=True)
class PsiPoint:
    """The score's PSI against training for the applications scored in one period."""

    period: str
    applications: int
    psi: float
    alert: bool


def psi_from_counts(reference: BinnedReference, counts: Sequence[int], epsilon: float = PSI_EPSILON) -> float:
    """Return the PSI of per-bin counts against ``reference``, with the smoothing of ``risk.monitoring``."""
    total = sum(counts)
    if total == 0:
        raise ValueError(f"{reference.name}: no values to compare with the training distribution")
    psi = 0.0
    for count, expected_share in zip(counts, reference.shares, strict=True):
        actual = max(count / total, epsilon)
        expected = max(expected_share, epsilon)
        psi += (actual - expected) * math.log(actual / expected)
    return psi


def score_bin_case(column: sa.ColumnElement, reference: BinnedReference) -> sa.ColumnElement:
    """Return the training bin of a score in SQL: the number of reference edges at or below it."""
    if not reference.edges:
        return sa.literal(0)
    return sa.case(*[(column < edge, index) for index, edge in enumerate(reference.edges)], else_=len(reference.edges))


def _psi_queries(filters: DashboardFilters, reference: BinnedReference) -> list[sa.Select]:
    application = LoanApplication.__table__
    period = filters.period(application.c.submitted_at)
    score_bin = score_bin_case(application.c.score, reference)
    query = (
        sa.select(period, score_bin, sa.func.count())
        .where(application.c.score.is_not(None), *filters.window(application.c.submitted_at), *filters.product(application.c.product_code))
        .group_by(period, score_bin)
        .order_by(period)
    )
    return [query]


def psi_over_time(session: Session, filters: DashboardFilters, reference: BinnedReference | None) -> tuple[PsiPoint, ...]:
    """Compute the score's PSI per period of submission; empty without a training reference."""
    if reference is None:
        return ()
    return psi_points_of(filters, reference, session.execute(_psi_queries(filters, reference)[0]))


def psi_points_of(filters: DashboardFilters, reference: BinnedReference, rows: Iterable[Sequence]) -> tuple[PsiPoint, ...]:
    """Shape ``(period_key, training_bin, count)`` rows into one PSI point per period."""
    counts: dict[int, list[int]] = {}
    for key, score_bin, count in rows:
        counts.setdefault(key, [0] * len(reference.shares))[int(score_bin)] += count
    points = []
    for key in sorted(counts):
        psi = psi_from_counts(reference, counts[key])
        points.append(PsiPoint(filters.period_label(key), sum(counts[key]), psi, psi > PSI_ALERT))
    return tuple(points)


# --- 5. Outstanding principal by product and dpd bucket ---------------------------------


@dataclasses.dataclass(frozen=True)
class OutstandingCell:
    """Outstanding principal (ledger balance of the principal receivable) of one product and dpd bucket."""

    product_code: str
    dpd_bucket: str
    loans: int
    principal: Decimal


def principal_balances() -> sa.Subquery:
    """Return each loan's outstanding principal from the ledger (loan_id, balance), loans at zero left out."""
    line = LedgerLine.__table__
    balance = sa.func.sum(line.c.debit - line.c.credit)
    return (
        sa.select(line.c.loan_id, balance.label("balance"))
        .where(line.c.account == PRINCIPAL_ACCOUNT)
        .group_by(line.c.loan_id)
        .having(balance != 0)
        .subquery()
    )


def _outstanding_queries(filters: DashboardFilters) -> list[sa.Select]:
    loan = Loan.__table__
    per_loan = principal_balances()
    query = (
        sa.select(loan.c.product_code, loan.c.dpd_bucket, sa.func.count(), sa.func.sum(per_loan.c.balance))
        .select_from(per_loan.join(loan, loan.c.id == per_loan.c.loan_id))
        .where(*filters.window(loan.c.disbursed_at), *filters.product(loan.c.product_code))
        .group_by(loan.c.product_code, loan.c.dpd_bucket)
    )
    return [query]


def outstanding_principal(session: Session, filters: DashboardFilters) -> tuple[OutstandingCell, ...]:
    """Sum the principal still owed on loans disbursed in the window, per product and current dpd bucket."""
    return outstanding_cells_of(session.execute(_outstanding_queries(filters)[0]))


def outstanding_cells_of(rows: Iterable[Sequence]) -> tuple[OutstandingCell, ...]:
    """Shape ``(product_code, dpd_bucket, loans, principal)`` rows into cells ordered by product and bucket."""
    cells = [OutstandingCell(product, bucket, loans, Decimal(str(amount)).quantize(Decimal("0.01"))) for product, bucket, loans, amount in rows]
    order = {bucket: index for index, bucket in enumerate(DPD_BUCKETS)}
    return tuple(sorted(cells, key=lambda cell: (cell.product_code, order.get(cell.dpd_bucket, len(order)))))


# --- 6. Vintage curves -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class VintageCurve:
    """One disbursement month: the share of its loans that have been 30+ days past due by each month on book.

    ``shares[k - 1]`` is the cumulative share at month on book ``k``; a month
    not yet reached by ``as_of`` has no point.
    """

    cohort: str
    loans: int
    shares: tuple[float, ...]


def _vintage_queries(filters: DashboardFilters) -> list[sa.Select]:
    loan = Loan.__table__
    item = LoanInstallment.__table__
    due = day_number(item.c.due_date)
    # An installment reaches 30 dpd on due + 30 unless it was paid in full before that day.
    reached = sa.or_(
        sa.and_(item.c.paid_at.is_(None), item.c.due_date <= filters.as_of - dt.timedelta(days=VINTAGE_DPD)),
        day_number(item.c.paid_at) - due >= VINTAGE_DPD,
    )
    first_bad = (
        sa.select(item.c.loan_id, (sa.func.min(due) + VINTAGE_DPD).label("bad_day"))
        .select_from(item.join(loan, sa.and_(loan.c.id == item.c.loan_id, loan.c.schedule_version == item.c.schedule_version)))
        .where(reached, *filters.window(loan.c.disbursed_at), *filters.product(loan.c.product_code))
        .group_by(item.c.loan_id)
        .subquery()
    )
    cohort = month_of_day(day_number(loan.c.disbursed_at))
    months_on_book = month_of_day(first_bad.c.bad_day) - cohort
    query = (
        sa.select(cohort, months_on_book, sa.func.count())
        .select_from(loan.outerjoin(first_bad, first_bad.c.loan_id == loan.c.id))
        .where(*filters.window(loan.c.disbursed_at), *filters.product(loan.c.product_code))
        .group_by(cohort, months_on_book)
    )
    return [query]


def vintage_curves(session: Session, filters: DashboardFilters) -> tuple[VintageCurve, ...]:
    """Build the cumulative 30+ dpd curve of each disbursement month in the window."""
    return vintage_curves_of(filters, session.execute(_vintage_queries(filters)[0]))


def vintage_curves_of(filters: DashboardFilters, rows: Iterable[Sequence]) -> tuple[VintageCurve, ...]:
    """Shape ``(cohort_month, months_on_book or None, loans)`` rows into cumulative curves up to ``filters.as_of``."""
    totals: dict[int, int] = defaultdict(int)
    bad: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for cohort, months_on_book, count in rows:
        totals[cohort] += count
        if months_on_book is not None:
            bad[cohort][max(1, int(months_on_book))] += count
    now = month_index(filters.as_of)
    curves = []
    for cohort in sorted(totals):
        horizon = min(now - cohort, VINTAGE_MAX_MONTHS)
        running, shares = 0, []
        for months_on_book in range(1, horizon + 1):
            running += bad[cohort].get(months_on_book, 0)
            shares.append(running / totals[cohort])
        curves.append(VintageCurve(month_label(cohort), totals[cohort], tuple(shares)))
    return tuple(curves)


# --- 7. Roll rates between delinquency buckets -------------------------------------------


@dataclasses.dataclass(frozen=True)
class RollRates:
    """Loans moving from each dpd bucket at ``start`` (a month end) to each bucket at ``end`` (the next month end).

    ``counts[i][j]`` counts loans in ``DPD_BUCKETS[i]`` at ``start`` and ``DPD_BUCKETS[j]`` at ``end``.
    """

    start: dt.date
    end: dt.date
    counts: tuple[tuple[int, ...], ...]

    def rates(self) -> tuple[tuple[float | None, ...], ...]:
        """Return each row of ``counts`` as shares of its total."""
        return tuple(tuple(_ratio(cell, sum(row)) for cell in row) for row in self.counts)


def roll_rate_dates(filters: DashboardFilters) -> tuple[dt.date, dt.date]:
    """Return the two month ends compared: the last one on or before the window's end (or ``as_of``) and the one before."""
    last = filters.date_to or filters.as_of
    following = last + dt.timedelta(days=1)
    end = last if following.month != last.month else last.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1) - dt.timedelta(days=1), end


def _bucket_case(snapshot: dt.date, oldest_due: sa.ColumnElement) -> sa.ColumnElement:
    dpd = days_of(snapshot) - oldest_due
    return sa.case((oldest_due.is_(None), "M0"), (dpd <= 30, "M1"), (dpd <= 60, "M2"), (dpd <= 90, "M3"), else_="M3+")


def _roll_queries(filters: DashboardFilters, by_product: bool = False) -> list[sa.Select]:
    """Return the moves and population queries; ``by_product`` puts the product code first in both and groups by it."""
    loan = Loan.__table__
    item = LoanInstallment.__table__
    start, end = roll_rate_dates(filters)
    eligible = [
        loan.c.disbursed_at < _start_of_day(start + dt.timedelta(days=1)),
        sa.or_(loan.c.closed_at.is_(None), loan.c.closed_at >= _start_of_day(start + dt.timedelta(days=1))),
        *filters.product(loan.c.product_code),
    ]
    due = day_number(item.c.due_date)

    def oldest_unpaid(snapshot: dt.date) -> sa.ColumnElement:
        unpaid = sa.and_(item.c.due_date < snapshot, sa.or_(item.c.paid_at.is_(None), item.c.paid_at >= _start_of_day(snapshot + dt.timedelta(days=1))))
        return sa.func.min(sa.case((unpaid, due)))

    product = [loan.c.product_code] if by_product else []
    per_loan = (
        sa.select(item.c.loan_id, *product, oldest_unpaid(start).label("start_due"), oldest_unpaid(end).label("end_due"))
        .select_from(item.join(loan, sa.and_(loan.c.id == item.c.loan_id, loan.c.schedule_version == item.c.schedule_version)))
        .where(
            item.c.due_date < end,
            sa.or_(item.c.paid_at.is_(None), item.c.paid_at >= _start_of_day(start + dt.timedelta(days=1))),
            *eligible,
        )
        .group_by(item.c.loan_id, *product)
        .subquery()
    )
    from_bucket = _bucket_case(start, per_loan.c.start_due)
    to_bucket = _bucket_case(end, per_loan.c.end_due)
    moved_product = [per_loan.c.product_code] if by_product else []
    moves = sa.select(*moved_product, from_bucket, to_bucket, sa.func.count()).select_from(per_loan).group_by(*moved_product, from_bucket, to_bucket)
    population = sa.select(*product, sa.func.count()).select_from(loan).where(*eligible).group_by(*product)
    return [moves, population]


def roll_rates(session: Session, filters: DashboardFilters) -> RollRates:
    """Count loans per pair of dpd buckets at the last two month ends of the window."""
    moves_query, population_query = _roll_queries(filters)
    cells: dict[tuple[str, str], int] = defaultdict(int)
    for from_bucket, to_bucket, count in session.execute(moves_query):
        cells[(from_bucket, to_bucket)] += count
    # Loans with no installment unpaid at either month end are not in the moves query: they stayed current.
    population = session.execute(population_query).scalar_one()
    cells[("M0", "M0")] += population - sum(cells.values())
    start, end = roll_rate_dates(filters)
    return roll_rates_of(start, end, cells)


def roll_rates_of(start: dt.date, end: dt.date, cells: dict[tuple[str, str], int]) -> RollRates:
    """Shape loan counts keyed by ``(from_bucket, to_bucket)`` into the chart."""
    return RollRates(start, end, tuple(tuple(cells.get((a, b), 0) for b in DPD_BUCKETS) for a in DPD_BUCKETS))


# --- 8. Collections recovery -------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class RecoveryPoint:
    """Money received on past-due installments in one period, and the collection work done in it."""

    period: str
    recovered: Decimal
    installments: int
    actions: int
    promises: int


def _recovery_queries(filters: DashboardFilters) -> list[sa.Select]:
    loan = Loan.__table__
    item = LoanInstallment.__table__
    action = CollectionAction.__table__
    paid_period = filters.period(item.c.paid_at)
    recovered = (
        sa.select(paid_period, sa.func.sum(item.c.paid_principal + item.c.paid_interest + item.c.paid_fee), sa.func.count())
        .select_from(item.join(loan, loan.c.id == item.c.loan_id))
        .where(
            item.c.paid_at.is_not(None),
            day_number(item.c.paid_at) > day_number(item.c.due_date),
            *filters.window(item.c.paid_at),
            *filters.product(loan.c.product_code),
        )
        .group_by(paid_period)
    )
    action_period = filters.period(action.c.created_at)
    work = (
        sa.select(action_period, sa.func.count(), sa.func.sum(sa.case((action.c.kind == "promise_to_pay", 1), else_=0)))
        .select_from(action.join(loan, loan.c.id == action.c.loan_id))
        .where(*filters.window(action.c.created_at), *filters.product(loan.c.product_code))
        .group_by(action_period)
    )
    return [recovered, work]


def collections_recovery(session: Session, filters: DashboardFilters) -> tuple[RecoveryPoint, ...]:
    """Sum late payments (installments paid in full after their due day) and count collection actions per period."""
    recovered_query, work_query = _recovery_queries(filters)
    money: dict[int, tuple[Decimal, int]] = {}
    for key, amount, count in session.execute(recovered_query):
        money[key] = (Decimal(str(amount or 0)).quantize(Decimal("0.01")), count)
    work: dict[int, tuple[int, int]] = {key: (count, promises or 0) for key, count, promises in session.execute(work_query)}
    return tuple(
        RecoveryPoint(filters.period_label(key), *money.get(key, (Decimal("0.00"), 0)), *work.get(key, (0, 0)))
        for key in sorted(set(money) | set(work))
    )


# --- 9. Default rate by score band against the model -------------------------------------


@dataclasses.dataclass(frozen=True)
class BandDefaultRate:
    """Matured loans of one score band ``[low, high)``: observed default rate and mean predicted PD."""

    low: int
    high: int
    loans: int
    observed: float | None
    predicted: float | None


def _band_queries(filters: DashboardFilters) -> list[sa.Select]:
    loan = Loan.__table__
    application = LoanApplication.__table__
    band = sa.case(*[(application.c.score < high, low) for low, high in DEFAULT_SCORE_BANDS], else_=DEFAULT_SCORE_BANDS[-1][0])
    defaulted = sa.case((sa.or_(loan.c.max_dpd >= DEFAULT_DPD, loan.c.state == "written_off"), 1), else_=0)
    query = (
        sa.select(band, sa.func.count(), sa.func.sum(defaulted), sa.func.avg(application.c.pd))
        .select_from(loan.join(application, application.c.id == loan.c.application_id))
        .where(
            application.c.score.is_not(None),
            loan.c.maturity_date <= filters.as_of,
            *filters.window(loan.c.disbursed_at),
            *filters.product(loan.c.product_code),
        )
        .group_by(band)
    )
    return [query]


def default_rate_by_band(session: Session, filters: DashboardFilters) -> tuple[BandDefaultRate, ...]:
    """Compare the default rate (90+ dpd ever, or written off) of matured loans with the mean PD per score band.

    Only loans whose maturity date has passed count, because a younger loan's
    outcome is not known yet.
    """
    return band_rates_of(session.execute(_band_queries(filters)[0]))


def band_rates_of(rows: Iterable[Sequence]) -> tuple[BandDefaultRate, ...]:
    """Shape ``(band_low, loans, defaulted, mean_pd)`` rows into one entry per band of ``DEFAULT_SCORE_BANDS``."""
    rows = {int(low): (count, defaulted, mean_pd) for low, count, defaulted, mean_pd in rows}
    bands = []
    for low, high in DEFAULT_SCORE_BANDS:
        count, defaulted, mean_pd = rows.get(low, (0, 0, None))
        # A float sum depends on the order of addition, so the live AVG and the snapshot's sum of daily sums
        # differ in the last bits; PD_DIGITS decimal places drop that noise and keep far more than the chart shows.
        predicted = None if mean_pd is None else round(float(mean_pd), PD_DIGITS)
        bands.append(BandDefaultRate(low, high, count, _ratio(defaulted or 0, count), predicted))
    return tuple(bands)


# --- The whole dashboard -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Dashboard:
    """Every chart of the risk-monitoring page for one set of filters.

    ``data_as_of`` is when the snapshot tables it was read from were
    refreshed, or None when it was computed from the live tables.
    """

    filters: DashboardFilters
    funnel: FunnelChart
    approval: tuple[ApprovalPoint, ...]
    scores: ScoreDistribution
    psi: tuple[PsiPoint, ...]
    outstanding: tuple[OutstandingCell, ...]
    vintages: tuple[VintageCurve, ...]
    roll_rates: RollRates
    recovery: tuple[RecoveryPoint, ...]
    default_rates: tuple[BandDefaultRate, ...]
    data_as_of: dt.datetime | None = None


CHART_NAMES = ("funnel", "approval", "scores", "psi", "outstanding", "vintages", "roll_rates", "recovery", "default_rates")

# Each chart's bare SELECT statements, for the benchmark; the psi builder also takes the training reference.
BARE_QUERIES: dict[str, Callable[..., list[sa.Select]]] = {
    "funnel": _funnel_queries,
    "approval": _approval_queries,
    "scores": _score_queries,
    "psi": _psi_queries,
    "outstanding": _outstanding_queries,
    "vintages": _vintage_queries,
    "roll_rates": _roll_queries,
    "recovery": _recovery_queries,
    "default_rates": _band_queries,
}

CHART_FUNCTIONS: dict[str, Callable[..., object]] = {
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


def require_dashboard(actor: Principal) -> None:
    """Raise unless ``actor`` may see the risk dashboard.

    Raises:
        PermissionDeniedError: The actor's role lacks ``RISK_DASHBOARD``.
    """
    if not has_permission(actor.role, Permission.RISK_DASHBOARD):
        logger.warning("User %s (%s) was refused the risk dashboard", actor.user_id, actor.role)
        raise PermissionDeniedError("auth.error.forbidden")


def build_dashboard(session: Session, filters: DashboardFilters, reference: BinnedReference | None) -> Dashboard:
    """Run every chart's aggregation on the live tables in ``session``; no permission check.

    This is the reference that the snapshot charts of ``risk_snapshot_charts`` must equal.
    """
    return Dashboard(
        filters=filters,
        funnel=funnel(session, filters),
        approval=approval_over_time(session, filters),
        scores=score_distribution(session, filters),
        psi=psi_over_time(session, filters, reference),
        outstanding=outstanding_principal(session, filters),
        vintages=vintage_curves(session, filters),
        roll_rates=roll_rates(session, filters),
        recovery=collections_recovery(session, filters),
        default_rates=default_rate_by_band(session, filters),
    )


def dashboard(actor: Principal, filters: DashboardFilters, reference: BinnedReference | None = None) -> Dashboard:
    """Check the caller's permission, then build every chart for ``filters`` from the snapshot tables.

    Blocking (database); call it with ``asyncio.to_thread`` from the event loop.
    Without any snapshot yet, the charts come from the live tables.

    Args:
        actor: The signed-in staff member.
        filters: Window, product and as-of day.
        reference: The active model's training score distribution for the PSI
            chart; None leaves that chart empty.

    Raises:
        PermissionDeniedError: The actor may not see the dashboard.
    """
    # Imported here because the snapshot readers import this module's chart types.
    from lendapp.services.risk_snapshot_charts import build_snapshot_dashboard

    require_dashboard(actor)
    with session_scope() as session:
        return build_snapshot_dashboard(session, filters, reference)


def chart(actor: Principal, name: str, filters: DashboardFilters, reference: BinnedReference | None = None) -> object:
    """Check the caller's permission and build one chart by its name in ``CHART_NAMES`` from the snapshot tables.

    Raises:
        PermissionDeniedError: The actor may not see the dashboard.
        InvalidInputError: ``name`` is not a chart.
    """
    from lendapp.services.risk_snapshot_charts import snapshot_chart

    require_dashboard(actor)
    if name not in CHART_FUNCTIONS:
        raise InvalidInputError("risk_dashboard.error.chart", field="chart")
    with session_scope() as session:
        return snapshot_chart(session, name, filters, reference)


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def chart_table(name: str, data: object) -> tuple[list[str], list[list[object]]]:
    """Flatten one chart's data into a header and rows for CSV and Excel files.

    Column names are fixed English identifiers, so files read the same in every interface language.
    """
    if name == "funnel":
        return ["channel", *FUNNEL_STAGES], [[channel, *counts] for channel, counts in zip(data.channels, data.counts, strict=True)]
    if name == "approval":
        return (["period", "decisions", "approved", "automatic", "approval_rate", "automatic_share"],
                [[p.period, p.decisions, p.approved, p.automatic, _percent(p.approval_rate), _percent(p.automatic_share)] for p in data])
    if name == "scores":
        return ["score_from", *DECISION_CLASSES], [[b, *(counts[i] for counts in data.counts)] for i, b in enumerate(data.bins)]
    if name == "psi":
        return ["period", "applications", "psi", "alert"], [[p.period, p.applications, round(p.psi, 6), p.alert] for p in data]
    if name == "outstanding":
        return ["product", "dpd_bucket", "loans", "principal"], [[c.product_code, c.dpd_bucket, c.loans, c.principal] for c in data]
    if name == "vintages":
        rows = [[curve.cohort, curve.loans, months, round(share, 6)] for curve in data for months, share in enumerate(curve.shares, start=1)]
        return ["cohort", "loans", "months_on_book", "share_30_dpd"], rows
    if name == "roll_rates":
        rows = [[data.start.isoformat(), data.end.isoformat(), from_bucket, to_bucket, data.counts[i][j], _percent(data.rates()[i][j])]
                for i, from_bucket in enumerate(DPD_BUCKETS) for j, to_bucket in enumerate(DPD_BUCKETS)]
        return ["start", "end", "from_bucket", "to_bucket", "loans", "rate"], rows
    if name == "recovery":
        return (["period", "recovered", "installments", "actions", "promises"],
                [[p.period, p.recovered, p.installments, p.actions, p.promises] for p in data])
    if name == "default_rates":
        return (["score_from", "score_to", "loans", "observed_default_rate", "mean_predicted_pd"],
                [[b.low, b.high, b.loans, _percent(b.observed), _percent(b.predicted)] for b in data])
    raise InvalidInputError("risk_dashboard.error.chart", field="chart")
