"""The risk page's figures carry labels in every catalog language, so a language switch needs no reload."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lendapp.i18n import translate
from lendapp.services import risk_dashboard as rd
from lendapp.state.risk_dashboard import figures_per_locale

EMPTY_ROLL = rd.RollRates(dt.date(2026, 3, 31), dt.date(2026, 4, 30), tuple((0,) * 5 for _ in range(5)))


def _board() -> rd.Dashboard:
    return rd.Dashboard(
        filters=rd.DashboardFilters(as_of=dt.date(2026, 5, 20)),
        funnel=rd.FunnelChart(("web",), ((3, 2, 1, 1, 1),)),
        approval=(rd.ApprovalPoint("2026-04", 2, 1, 1, 0.5, 0.5),),
        scores=rd.ScoreDistribution((600,), ((1,), (0,), (0,))),
        psi=(),
        outstanding=(rd.OutstandingCell("consumer", "M0", 1, Decimal("100.00")),),
        vintages=(),
        roll_rates=EMPTY_ROLL,
        recovery=(rd.RecoveryPoint("2026-04", Decimal("10.00"), 1, 2, 0),),
        default_rates=(),
    )


def test_figures_per_locale_labels() -> None:
    figures = figures_per_locale(_board())

    assert set(figures) == {"zh-CN", "en"}
    for locale, charts in figures.items():
        assert set(charts) == set(rd.CHART_NAMES), locale
        assert list(charts["funnel"].data[0].x)[0] == translate("risk_dashboard.stage.started", locale)
        assert charts["approval"].data[0].name == translate("risk_dashboard.series.approval_rate", locale)


def test_figures_per_locale_differ() -> None:
    figures = figures_per_locale(_board())

    assert figures["zh-CN"]["recovery"].data[0].name != figures["en"]["recovery"].data[0].name
    assert figures["zh-CN"]["recovery"].data[0].y == figures["en"]["recovery"].data[0].y
