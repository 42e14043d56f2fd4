"""Risk dashboard aggregations against hand-worked values on a small book, on SQLite and PostgreSQL.

The book is built in ``helpers.build_book``; its docstring describes each loan.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from lendapp.db.engine import session_scope
from lendapp.risk.monitoring import BinnedReference, population_stability_index
from lendapp.services import risk_dashboard as rd
from lendapp.services.auth_errors import InvalidInputError, PermissionDeniedError
from tests.services.risk.helpers import AS_OF, OTHER_PRODUCT, PRODUCT, build_book, fast_hashing, principal  # noqa: F401

Q1 = rd.DashboardFilters(dt.date(2026, 1, 1), dt.date(2026, 3, 31), as_of=AS_OF)
ALL_TIME = rd.DashboardFilters(as_of=AS_OF)
REFERENCE = BinnedReference("score", (500.0, 600.0), (), (0.2, 0.5, 0.3))


@pytest.fixture
def book(engine: sa.Engine, fast_hashing: None) -> dict[str, int]:  # noqa: F811
    return build_book()


def _run(function, filters, *args):
    with session_scope() as session:
        return function(session, filters, *args)


def test_funnel_counts_per_channel(book: dict[str, int]) -> None:
    chart = _run(rd.funnel, Q1)

    assert chart.channels == ("app", "web")
    assert chart.counts == ((3, 2, 1, 1, 1), (2, 2, 1, 1, 1))


def test_funnel_product_filter(book: dict[str, int]) -> None:
    chart = _run(rd.funnel, dt_replace(Q1, product_code=PRODUCT))

    assert chart.counts == ((3, 2, 1, 1, 1), (1, 1, 1, 1, 1))


def test_approval_monthly(book: dict[str, int]) -> None:
    points = _run(rd.approval_over_time, Q1)

    assert [(p.period, p.decisions, p.approved, p.automatic) for p in points] == [("2026-01", 1, 1, 1), ("2026-02", 2, 1, 2)]
    assert points[1].approval_rate == 0.5
    assert points[1].automatic_share == 1.0


def test_approval_daily_short_window(book: dict[str, int]) -> None:
    filters = rd.DashboardFilters(dt.date(2026, 2, 1), dt.date(2026, 2, 10), as_of=AS_OF)

    points = _run(rd.approval_over_time, filters)

    assert [(p.period, p.decisions, p.approved, p.automatic) for p in points] == [("2026-02-02", 1, 1, 1), ("2026-02-03", 1, 0, 1)]


def test_approval_manual_decision_not_automatic(book: dict[str, int]) -> None:
    points = _run(rd.approval_over_time, ALL_TIME)

    assert (points[0].period, points[0].decisions, points[0].approved, points[0].automatic) == ("2025-10", 1, 1, 0)
    assert points[0].automatic_share == 0.0


def test_score_distribution_by_decision(book: dict[str, int]) -> None:
    chart = _run(rd.score_distribution, Q1)

    assert chart.bins == (420, 560, 600, 640)
    assert chart.counts == ((0, 0, 1, 1), (1, 0, 0, 0), (0, 1, 0, 0))


def test_psi_matches_monitoring(book: dict[str, int]) -> None:
    points = _run(rd.psi_over_time, Q1, REFERENCE)

    assert [(p.period, p.applications) for p in points] == [("2026-01", 1), ("2026-02", 3)]
    assert points[0].psi == pytest.approx(population_stability_index(REFERENCE, [600]))
    assert points[1].psi == pytest.approx(population_stability_index(REFERENCE, [650, 420, 560]))
    assert points[0].alert is True
    assert points[1].alert is False


def test_psi_without_reference_empty(book: dict[str, int]) -> None:
    assert _run(rd.psi_over_time, Q1, None) == ()


def test_outstanding_from_ledger(book: dict[str, int]) -> None:
    cells = _run(rd.outstanding_principal, ALL_TIME)

    assert [(c.product_code, c.dpd_bucket, c.loans, c.principal) for c in cells] == [
        (PRODUCT, "M0", 1, Decimal("6000.00")),
        (PRODUCT, "M2", 1, Decimal("10098.16")),
    ]


def test_outstanding_window_by_disbursement(book: dict[str, int]) -> None:
    filters = rd.DashboardFilters(dt.date(2026, 2, 1), dt.date(2026, 2, 28), as_of=AS_OF)

    cells = _run(rd.outstanding_principal, filters)

    assert [(c.dpd_bucket, c.principal) for c in cells] == [("M0", Decimal("6000.00"))]


def test_vintage_cumulative_curves(book: dict[str, int]) -> None:
    curves = _run(rd.vintage_curves, ALL_TIME)

    assert [(c.cohort, c.loans, c.shares) for c in curves] == [
        ("2025-10", 1, (0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0)),
        ("2026-01", 1, (0.0, 0.0, 1.0, 1.0)),
        ("2026-02", 1, (0.0, 0.0, 0.0)),
    ]


def test_roll_rates_month_ends(book: dict[str, int]) -> None:
    rates = _run(rd.roll_rates, ALL_TIME)

    assert (rates.start, rates.end) == (dt.date(2026, 3, 31), dt.date(2026, 4, 30))
    expected = [[0] * 5 for _ in range(5)]
    expected[0][0] = 1
    expected[1][1] = 1
    assert [list(row) for row in rates.counts] == expected
    assert rates.rates()[1][1] == 1.0
    assert rates.rates()[4][0] is None


def test_roll_rate_dates_month_end() -> None:
    assert rd.roll_rate_dates(rd.DashboardFilters(date_to=dt.date(2026, 3, 31))) == (dt.date(2026, 2, 28), dt.date(2026, 3, 31))
    assert rd.roll_rate_dates(rd.DashboardFilters(date_to=dt.date(2026, 3, 30))) == (dt.date(2026, 1, 31), dt.date(2026, 2, 28))


def test_recovery_per_month(book: dict[str, int]) -> None:
    points = _run(rd.collections_recovery, ALL_TIME)

    assert [(p.period, p.recovered, p.installments, p.actions, p.promises) for p in points] == [
        ("2026-03", Decimal("2040.13"), 2, 1, 0),
        ("2026-04", Decimal("1066.19"), 1, 2, 1),
    ]


def test_default_rate_matured_only(book: dict[str, int]) -> None:
    bands = _run(rd.default_rate_by_band, ALL_TIME)

    by_low = {band.low: band for band in bands}
    assert (by_low[450].loans, by_low[450].observed, by_low[450].predicted) == (1, 1.0, pytest.approx(0.2))
    assert sum(band.loans for band in bands) == 1
    assert by_low[600].observed is None


def test_product_filter_other_product(book: dict[str, int]) -> None:
    filters = dt_replace(ALL_TIME, product_code=OTHER_PRODUCT)

    with session_scope() as session:
        board = rd.build_dashboard(session, filters, REFERENCE)

    assert board.funnel.counts == ((1, 1, 0, 0, 0),)
    assert board.outstanding == ()
    assert board.vintages == ()
    assert board.recovery == ()
    assert sum(map(sum, board.roll_rates.counts)) == 0


def test_dashboard_for_risk_manager(book: dict[str, int]) -> None:
    board = rd.dashboard(principal("risk_manager"), Q1, REFERENCE)

    assert board.funnel.channels == ("app", "web")
    assert len(board.psi) == 2


@pytest.mark.parametrize("role", ["reviewer", "borrower", "collector", "finance"])
def test_dashboard_refused_without_permission(engine: sa.Engine, role: str) -> None:
    with pytest.raises(PermissionDeniedError):
        rd.dashboard(principal(role), Q1)
    with pytest.raises(PermissionDeniedError):
        rd.chart(principal(role), "funnel", Q1)


def test_unknown_chart_rejected(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInputError):
        rd.chart(principal("risk_manager"), "rows", Q1)


def test_filters_validate() -> None:
    with pytest.raises(InvalidInputError):
        rd.DashboardFilters(dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    with pytest.raises(InvalidInputError):
        rd.DashboardFilters(product_code="x'; drop")
    assert Q1.slug() == "2026-01-01_2026-03-31_all"


def dt_replace(filters: rd.DashboardFilters, **changes: object) -> rd.DashboardFilters:
    import dataclasses

    return dataclasses.replace(filters, **changes)
