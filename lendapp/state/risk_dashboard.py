"""The risk-monitoring page: filters, one Plotly figure per chart and a live alert feed.

Figures hold aggregated points only (the services read the daily snapshot
tables). They are built once per language, so switching the language swaps
the figure in the browser without a round trip. A risk manager can rebuild
the snapshots with "Refresh now", which runs as a background event. The
alert feed refreshes from a background event that polls the database off the
event loop every ``ALERT_POLL_SECONDS`` while the page is open. It stops when
the browser's websocket disconnects, when the page unmounts, or when a newer
feed for the same tab starts.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging

import plotly.graph_objects as go
import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.catalog import LOCALES
from lendapp.i18n.formatting import format_datetime
from lendapp.risk.monitoring import PSI_ALERT
from lendapp.services import risk_alerts, risk_dashboard, risk_snapshots
from lendapp.services.auth_errors import AccountsError
from lendapp.services.risk_alerts import AlertView
from lendapp.services.risk_dashboard import DPD_BUCKETS, FUNNEL_STAGES, Dashboard, DashboardFilters
from lendapp.settings import get_settings
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, principal_of, requires
from lendapp.state.i18n import I18nState

logger = logging.getLogger(__name__)

ALERT_POLL_SECONDS = 5
DEFAULT_WINDOW_DAYS = 365
_LAYOUT = {"margin": {"l": 40, "r": 10, "t": 10, "b": 40}, "height": 260, "legend": {"orientation": "h", "y": -0.25}}


@dataclasses.dataclass
class AlertItem:
    """One alert of the feed, with its text already in the visitor's language."""

    id: int
    kind: str
    kind_label: str
    severity: str
    message: str
    subject_ref: str
    link: str
    assignee: str
    created: str


@dataclasses.dataclass
class StaffChoice:
    """A risk staff member the assign menu offers."""

    id: str
    name: str


def _subject_link(alert: AlertView) -> str:
    if alert.subject_type == "application" and alert.subject_ref:
        return f"/staff/applications/{alert.subject_ref}"
    if alert.subject_type == "loan" and alert.subject_ref:
        return f"/staff/loans/{alert.subject_ref}"
    return ""


def _alert_item(alert: AlertView, locale: str, timezone: str) -> AlertItem:
    return AlertItem(
        id=alert.id,
        kind=alert.kind,
        kind_label=translate(f"risk_dashboard.alerts.kind.{alert.kind}", locale),
        severity=alert.severity,
        message=translate(alert.message_key, locale, **alert.params),
        subject_ref=alert.subject_ref,
        link=_subject_link(alert),
        assignee=alert.assignee_name,
        created=format_datetime(alert.created_at, locale, timezone),
    )


def figures_per_locale(board: Dashboard) -> dict[str, dict[str, go.Figure]]:
    """Build every chart's figure in each catalog language, keyed by locale and then by chart name."""
    return {locale: _figures(board, locale) for locale in LOCALES}


def _figures(board: Dashboard, locale: str) -> dict[str, go.Figure]:
    def text(key: str) -> str:
        return translate(f"risk_dashboard.{key}", locale)

    figures = {}
    figures["funnel"] = go.Figure([
        go.Bar(name=channel, x=[text(f"stage.{stage}") for stage in FUNNEL_STAGES], y=list(counts))
        for channel, counts in zip(board.funnel.channels, board.funnel.counts, strict=True)
    ])
    periods = [point.period for point in board.approval]
    figures["approval"] = go.Figure([
        go.Scatter(name=text("series.approval_rate"), x=periods, y=[point.approval_rate for point in board.approval]),
        go.Scatter(name=text("series.automatic_share"), x=periods, y=[point.automatic_share for point in board.approval]),
    ])
    figures["scores"] = go.Figure([
        go.Bar(name=text(f"series.{decision}"), x=list(board.scores.bins), y=list(counts))
        for decision, counts in zip(risk_dashboard.DECISION_CLASSES, board.scores.counts, strict=True)
    ])
    figures["scores"].update_layout(barmode="stack")
    psi_periods = [point.period for point in board.psi]
    figures["psi"] = go.Figure([
        go.Scatter(name=text("series.psi"), x=psi_periods, y=[point.psi for point in board.psi], mode="lines+markers"),
        go.Scatter(name=text("series.alert_line"), x=psi_periods, y=[PSI_ALERT] * len(psi_periods), mode="lines", line={"dash": "dash", "color": "red"}),
    ])
    products = sorted({cell.product_code for cell in board.outstanding})
    figures["outstanding"] = go.Figure([
        go.Bar(name=bucket, x=products, y=[float(sum(c.principal for c in board.outstanding if c.product_code == p and c.dpd_bucket == bucket)) for p in products])
        for bucket in DPD_BUCKETS
    ])
    figures["outstanding"].update_layout(barmode="stack")
    figures["vintages"] = go.Figure([
        go.Scatter(name=curve.cohort, x=list(range(1, len(curve.shares) + 1)), y=list(curve.shares), mode="lines")
        for curve in board.vintages
    ])
    rates = board.roll_rates.rates()
    figures["roll_rates"] = go.Figure(go.Heatmap(
        x=list(DPD_BUCKETS), y=list(DPD_BUCKETS), z=[[0 if value is None else value for value in row] for row in rates], colorscale="Reds",
    ))
    recovery_periods = [point.period for point in board.recovery]
    figures["recovery"] = go.Figure([
        go.Bar(name=text("series.recovered"), x=recovery_periods, y=[float(point.recovered) for point in board.recovery]),
        go.Scatter(name=text("series.actions"), x=recovery_periods, y=[point.actions for point in board.recovery], yaxis="y2"),
    ])
    # Periods are labels ("2026-11" or a day); as dates Plotly spread a single period over a made-up time axis.
    figures["recovery"].update_layout(yaxis2={"overlaying": "y", "side": "right"}, xaxis={"type": "category"})
    bands = [f"{band.low}-{band.high - 1}" for band in board.default_rates]
    figures["default_rates"] = go.Figure([
        go.Bar(name=text("series.observed"), x=bands, y=[band.observed for band in board.default_rates]),
        go.Scatter(name=text("series.predicted"), x=bands, y=[band.predicted for band in board.default_rates], mode="lines+markers"),
    ])
    for figure in figures.values():
        figure.update_layout(**_LAYOUT)
    return figures


class RiskDashboardState(rx.State):
    """Filters, figures and the alert feed of /staff/risk."""

    date_from: str = ""
    date_to: str = ""
    product_code: str = ""
    figures: dict[str, go.Figure] = {}
    figures_en: dict[str, go.Figure] = {}
    data_as_of: str = ""
    data_as_of_en: str = ""
    refreshing: bool = False
    alerts: list[AlertItem] = []
    staff: list[StaffChoice] = []
    error: str = ""
    export_query: str = ""
    _feed_generation: int = 0

    def _filters(self) -> DashboardFilters:
        return DashboardFilters(
            date_from=dt.date.fromisoformat(self.date_from) if self.date_from else None,
            date_to=dt.date.fromisoformat(self.date_to) if self.date_to else None,
            product_code=self.product_code,
        )

    async def _refresh_charts(self) -> None:
        locale = await locale_of(self)
        try:
            filters = self._filters()
            reference = await asyncio.to_thread(risk_alerts.training_score_reference)
            board = await asyncio.to_thread(risk_dashboard.dashboard, current_principal(), filters, reference)
        except AccountsError as error:
            self.error = translate(error.key, locale, **error.params)
            return
        except ValueError:
            self.error = translate("risk_dashboard.error.date", locale)
            return
        self.error = ""
        figures = figures_per_locale(board)
        self.figures, self.figures_en = figures["zh-CN"], figures["en"]
        timezone = get_settings().timezone
        self.data_as_of = format_datetime(board.data_as_of, "zh-CN", timezone) if board.data_as_of else ""
        self.data_as_of_en = format_datetime(board.data_as_of, "en", timezone) if board.data_as_of else ""
        self.export_query = f"?from={self.date_from}&to={self.date_to}&product={self.product_code}"

    async def _refresh_alerts(self) -> None:
        locale = await locale_of(self)
        principal = current_principal()
        alerts = await asyncio.to_thread(risk_alerts.list_open_alerts, principal)
        timezone = get_settings().timezone
        self.alerts = [_alert_item(alert, locale, timezone) for alert in alerts]

    @rx.event
    @requires(Permission.RISK_DASHBOARD)
    async def load(self) -> rx.event.EventSpec:
        """Set the default window (the last year), draw the charts and start the alert feed."""
        if not self.date_from and not self.date_to:
            today = dt.datetime.now(dt.UTC).date()
            self.date_from = (today - dt.timedelta(days=DEFAULT_WINDOW_DAYS)).isoformat()
            self.date_to = today.isoformat()
        await self._refresh_charts()
        await self._refresh_alerts()
        options = await asyncio.to_thread(risk_alerts.risk_staff, current_principal())
        self.staff = [StaffChoice(str(option.user_id), option.name) for option in options]
        self._feed_generation += 1
        return RiskDashboardState.watch_alerts(self._feed_generation)

    @rx.event
    @requires(Permission.RISK_DASHBOARD)
    async def apply_filters(self, form_data: dict) -> None:
        """Read the filter form and redraw every chart."""
        self.date_from = form_text(form_data, "date_from", 10)
        self.date_to = form_text(form_data, "date_to", 10)
        self.product_code = form_text(form_data, "product", 64)
        await self._refresh_charts()

    @rx.event(background=True)
    @requires(Permission.RISK_DASHBOARD)
    async def refresh_snapshots(self) -> rx.event.EventSpec | None:
        """Rebuild the snapshot tables now, then redraw the charts; the page stays usable meanwhile."""
        async with self:
            if self.refreshing:
                return None
            self.refreshing = True
            locale = (await self.get_state(I18nState)).locale
        try:
            await asyncio.to_thread(risk_snapshots.refresh_now, current_principal(), client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        except Exception:
            logger.exception("Risk snapshot refresh for user %s failed", current_principal().user_id)
            return rx.toast.error(translate("risk_dashboard.snapshot.failed", locale))
        finally:
            async with self:
                self.refreshing = False
        async with self:
            await self._refresh_charts()
        return rx.toast.success(translate("risk_dashboard.snapshot.refreshed", locale))

    @rx.event
    @requires(Permission.RISK_DASHBOARD)
    async def acknowledge(self, alert_id: int) -> rx.event.EventSpec:
        """Acknowledge an alert and drop it from the feed."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(risk_alerts.acknowledge, current_principal(), int(alert_id), client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh_alerts()
        return rx.toast.success(translate("risk_dashboard.alerts.acknowledged", locale))

    @rx.event
    @requires(Permission.RISK_DASHBOARD)
    async def assign(self, alert_id: int, assignee_id: str) -> rx.event.EventSpec:
        """Assign an alert to a risk staff member."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(risk_alerts.assign, current_principal(), int(alert_id), int(assignee_id), client_ip_of(self))
        except (AccountsError, ValueError) as error:
            key = error.key if isinstance(error, AccountsError) else "risk_dashboard.error.assignee"
            return rx.toast.error(translate(key, locale))
        await self._refresh_alerts()
        return rx.toast.success(translate("risk_dashboard.alerts.assigned", locale))

    @rx.event
    @requires(Permission.RISK_DASHBOARD)
    async def stop_feed(self) -> None:
        """Stop this tab's alert feed when the page unmounts."""
        self._feed_generation += 1

    @rx.event(background=True)
    @requires(Permission.RISK_DASHBOARD)
    async def watch_alerts(self, generation: int) -> None:
        """Poll open alerts while this tab shows the page, and push changes to the browser.

        The session is checked again on every round, so signing out or losing
        the role stops the feed within one interval.
        """
        token = self.router.session.client_token
        logger.info("Alert feed %s started", generation)
        while True:
            await asyncio.sleep(ALERT_POLL_SECONDS)
            if not _connected(token):
                break
            principal = await principal_of(self)
            if principal is None or not principal.can(Permission.RISK_DASHBOARD):
                break
            alerts = await asyncio.to_thread(risk_alerts.list_open_alerts, principal)
            async with self:
                if self._feed_generation != int(generation):
                    break
                locale = (await self.get_state(I18nState)).locale
                items = [_alert_item(alert, locale, get_settings().timezone) for alert in alerts]
                if items != self.alerts:
                    self.alerts = items
        logger.info("Alert feed %s stopped", generation)


def _connected(token: str) -> bool:
    """Return whether the browser tab behind ``token`` still has a websocket to this server."""
    from reflex.utils.prerequisites import get_and_validate_app

    namespace = get_and_validate_app().app.event_namespace
    return namespace is not None and token in namespace.token_to_sid
