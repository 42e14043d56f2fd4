"""Snapshot tables of the risk dashboard: the charts read from them equal the live charts, on SQLite and PostgreSQL.

The book is built in ``helpers.build_book``; the live chart functions in
``risk_dashboard`` are the reference, and their own values are checked by
hand in ``test_dashboard``.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.db.models import AuditEntry, Loan, RiskRollMonth, RiskSnapshotRun
from lendapp.risk.monitoring import BinnedReference
from lendapp.services import loans
from lendapp.services import risk_dashboard as rd
from lendapp.services import risk_snapshot_charts as snapshot_charts
from lendapp.services import risk_snapshots
from lendapp.services.auth_errors import PermissionDeniedError
from tests.services.risk.helpers import AS_OF, OTHER_PRODUCT, PRODUCT, build_book, fast_hashing, principal  # noqa: F401

REFERENCE = BinnedReference("score", (500.0, 600.0), (), (0.2, 0.5, 0.3))
OTHER_REFERENCE = BinnedReference("score", (550.0,), (), (0.5, 0.5))
PAST_AS_OF = dt.date(2026, 3, 15)

FILTER_SETS = {
    "no window": rd.DashboardFilters(as_of=AS_OF),
    "daily window": rd.DashboardFilters(dt.date(2026, 2, 1), dt.date(2026, 2, 10), as_of=AS_OF),
    "monthly window": rd.DashboardFilters(dt.date(2026, 1, 1), dt.date(2026, 3, 31), as_of=AS_OF),
    "partial months": rd.DashboardFilters(dt.date(2025, 10, 5), dt.date(2026, 4, 25), as_of=AS_OF),
    "one product": rd.DashboardFilters(product_code=PRODUCT, as_of=AS_OF),
    "other product": rd.DashboardFilters(dt.date(2026, 1, 1), dt.date(2026, 3, 31), product_code=OTHER_PRODUCT, as_of=AS_OF),
    "past as-of": rd.DashboardFilters(dt.date(2025, 9, 1), PAST_AS_OF, as_of=PAST_AS_OF),
}


@pytest.fixture
def book(engine: sa.Engine, fast_hashing: None) -> dict[str, int]:  # noqa: F811
    return build_book()


def _refresh(as_of: dt.date = AS_OF, reference: BinnedReference | None = REFERENCE) -> risk_snapshots.SnapshotRefresh:
    with session_scope() as session:
        return risk_snapshots.refresh_snapshots(session, as_of, reference, load_reference=False)


def _both(filters: rd.DashboardFilters, reference: BinnedReference | None = REFERENCE) -> tuple[rd.Dashboard, rd.Dashboard]:
    with session_scope() as session:
        return rd.build_dashboard(session, filters, reference), snapshot_charts.build_snapshot_dashboard(session, filters, reference)


def _stored_rows() -> dict[str, list[tuple]]:
    tables = [*risk_snapshots.DAY_TABLES, RiskRollMonth]
    with session_scope() as session:
        return {
            table.__tablename__: sorted(
                (tuple(row[1:]) for row in session.execute(sa.select(table.__table__)).all()),
                key=repr,
            )
            for table in tables
        }


@pytest.mark.parametrize("case", sorted(FILTER_SETS))
def test_snapshot_equals_live(book: dict[str, int], case: str, caplog: pytest.LogCaptureFixture) -> None:
    filters = FILTER_SETS[case]
    # The page's as-of day (or window end) picks the roll-rate month ends; a refresh stores the pairs around its as-of day.
    _refresh(filters.date_to or filters.as_of)

    with caplog.at_level(logging.WARNING, logger=snapshot_charts.__name__):
        live, snapshot = _both(filters)

    fallbacks = [record.getMessage() for record in caplog.records if record.name == snapshot_charts.__name__]
    assert fallbacks == []
    assert snapshot.data_as_of is not None
    for name in rd.CHART_NAMES:
        assert getattr(snapshot, name) == getattr(live, name), name


def test_snapshot_book_has_data(book: dict[str, int]) -> None:
    """Guards the equality test against comparing empty charts."""
    _refresh()

    _, snapshot = _both(FILTER_SETS["no window"])

    assert sum(map(sum, snapshot.funnel.counts)) > 0
    assert len(snapshot.approval) == 3
    assert len(snapshot.psi) == 3
    assert sum(cell.principal for cell in snapshot.outstanding) == Decimal("16098.16")
    assert [curve.cohort for curve in snapshot.vintages] == ["2025-10", "2026-01", "2026-02"]
    assert sum(map(sum, snapshot.roll_rates.counts)) == 2
    assert len(snapshot.recovery) == 2
    assert sum(band.loans for band in snapshot.default_rates) == 1


def test_vintages_as_of_read_time(book: dict[str, int]) -> None:
    """One refresh serves any as-of day: an unpaid installment turns 30+ dpd only once that day has come."""
    _refresh()
    for as_of in (dt.date(2026, 3, 20), dt.date(2026, 4, 14), dt.date(2026, 4, 15), AS_OF):
        filters = rd.DashboardFilters(as_of=as_of)
        with session_scope() as session:
            live = rd.vintage_curves(session, filters)
            snapshot = snapshot_charts.vintage_curves(session, filters)

        assert snapshot == live, as_of


def test_refresh_twice_same_rows(book: dict[str, int]) -> None:
    first = _refresh()
    rows = _stored_rows()
    second = _refresh()

    assert _stored_rows() == rows
    assert first.rows == second.rows
    assert second.run_id > first.run_id
    with session_scope() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(RiskSnapshotRun)).scalar_one() == 2


def test_refresh_after_repayment(book: dict[str, int]) -> None:
    filters = FILTER_SETS["no window"]
    _refresh()
    _, before = _both(filters)

    with session_scope() as session:
        loan = session.get(Loan, book["A"])
        loans.apply_repayment(session, loan, Decimal("2200.00"), AS_OF, "test-snapshot-repayment",
                              now=dt.datetime.combine(AS_OF, dt.time(10), tzinfo=dt.UTC))
    _, stale = _both(filters)
    _refresh()
    live, after = _both(filters)

    assert stale == before
    for name in rd.CHART_NAMES:
        assert getattr(after, name) == getattr(live, name), name
    assert sum(cell.principal for cell in after.outstanding) < sum(cell.principal for cell in before.outstanding)
    # 2,200.00 on 2026-05-20 pays loan A's installments 3 and 4 in full, both past due.
    assert [point.period for point in before.recovery] == ["2026-03", "2026-04"]
    assert (after.recovery[-1].period, after.recovery[-1].installments) == ("2026-05", 2)
    assert after.recovery[-1].recovered == Decimal("2132.38")
    assert after.funnel == before.funnel


def test_roll_rates_unstored_pair_live(book: dict[str, int], caplog: pytest.LogCaptureFixture) -> None:
    filters = FILTER_SETS["monthly window"]
    _refresh()

    with caplog.at_level(logging.WARNING, logger=snapshot_charts.__name__):
        live, snapshot = _both(filters)

    assert snapshot.roll_rates == live.roll_rates
    assert "No stored roll rates" in caplog.text


def test_psi_other_model_live(book: dict[str, int]) -> None:
    _refresh()

    live, snapshot = _both(FILTER_SETS["no window"], OTHER_REFERENCE)

    assert snapshot.psi == live.psi
    assert [point.applications for point in snapshot.psi] == [1, 1, 3]


def test_dashboard_without_snapshot_live(book: dict[str, int]) -> None:
    board = rd.dashboard(principal("risk_manager"), FILTER_SETS["monthly window"], REFERENCE)

    assert board.data_as_of is None
    assert board.funnel.channels == ("app", "web")


def test_dashboard_reads_snapshot(book: dict[str, int]) -> None:
    refresh = _refresh()
    # A change after the refresh shows only after the next one.
    with session_scope() as session:
        session.get(Loan, book["C"]).dpd_bucket = "M1"

    board = rd.dashboard(principal("risk_manager"), FILTER_SETS["no window"], REFERENCE)
    chart = rd.chart(principal("risk_manager"), "outstanding", FILTER_SETS["no window"])

    assert board.data_as_of == refresh.refreshed_at
    assert [cell.dpd_bucket for cell in board.outstanding] == ["M0", "M2"]
    assert chart == board.outstanding


def test_refresh_now_audited(book: dict[str, int]) -> None:
    result = risk_snapshots.refresh_now(principal("risk_manager", user_id=7), "127.0.0.1")

    with session_scope() as session:
        entry = session.execute(sa.select(AuditEntry).where(AuditEntry.action == "risk.snapshot_refresh")).scalar_one()
    assert entry.object_id == str(result.run_id)
    assert entry.actor_id == 7
    assert result.rows["risk_snapshot_application_day"] > 0


@pytest.mark.parametrize("role", ["reviewer", "collector", "finance", "borrower"])
def test_refresh_now_refused(engine: sa.Engine, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        risk_snapshots.refresh_now(principal(role))


def test_refresh_failure_logged(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def broken(*_args: object) -> sa.Select:
        raise sa.exc.OperationalError("SELECT", {}, Exception("disk full"))

    monkeypatch.setattr(risk_snapshots, "_decision_day", broken)

    with caplog.at_level(logging.ERROR, logger=risk_snapshots.__name__):
        result = risk_snapshots.refresh_in_own_transaction(AS_OF, reference=REFERENCE)

    assert result is None
    assert "Risk snapshot refresh as of 2026-05-20 failed" in caplog.text
    with session_scope() as session:
        assert session.execute(sa.select(sa.func.count()).select_from(RiskSnapshotRun)).scalar_one() == 0


def test_roll_month_ends_around_month_end() -> None:
    assert risk_snapshots.roll_month_ends(dt.date(2026, 5, 20)) == [(dt.date(2026, 3, 31), dt.date(2026, 4, 30))]
    assert risk_snapshots.roll_month_ends(dt.date(2026, 5, 31)) == [
        (dt.date(2026, 3, 31), dt.date(2026, 4, 30)),
        (dt.date(2026, 4, 30), dt.date(2026, 5, 31)),
    ]


def test_filter_sets_cover_daily_and_monthly() -> None:
    assert FILTER_SETS["daily window"].daily is True
    assert FILTER_SETS["partial months"].daily is False
