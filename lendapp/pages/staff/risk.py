"""The risk-monitoring page at /staff/risk: filters, nine charts with exports, and the live alert feed."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import localized, t
from lendapp.state.i18n import I18nState
from lendapp.state.risk_dashboard import AlertItem, RiskDashboardState, StaffChoice

ROUTE = "/staff/risk"
TITLE_KEY = "risk_dashboard.meta_title"
DESCRIPTION_KEY = "risk_dashboard.meta_description"
# The handler checks the session and the risk-dashboard permission itself.
ON_LOAD = RiskDashboardState.load
S = RiskDashboardState
CHARTS = ("funnel", "approval", "scores", "psi", "outstanding", "vintages", "roll_rates", "recovery", "default_rates")
PLOTLY_CONFIG = {"displayModeBar": False, "responsive": True}


def _field(label_key: str, name: str, value: rx.Var, input_type: str = "text") -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=name, font_weight="500", font_size="0.875rem"),
        rx.input(id=name, name=name, type=input_type, default_value=value, min_height=TAP_TARGET, max_length=64),
        spacing="1",
    )


def _filters() -> rx.Component:
    return rx.form(
        rx.flex(
            _field("risk_dashboard.filter.from", "date_from", S.date_from, "date"),
            _field("risk_dashboard.filter.to", "date_to", S.date_to, "date"),
            _field("risk_dashboard.filter.product", "product", S.product_code),
            rx.button(t("risk_dashboard.filter.apply"), type="submit", min_height=TAP_TARGET),
            spacing="3",
            wrap="wrap",
            align="end",
        ),
        on_submit=S.apply_filters,
        width="100%",
    )


def _plot(figure: rx.Var) -> rx.Component:
    return rx.plotly(data=figure, config=PLOTLY_CONFIG, use_resize_handler=True, width="100%", height="260px")


def _snapshot_bar() -> rx.Component:
    """Render the time of the snapshot the charts show and the button that rebuilds it."""
    return rx.hstack(
        rx.cond(
            S.data_as_of != "",
            rx.text(t("risk_dashboard.snapshot.as_of"), " ", localized(S.data_as_of, S.data_as_of_en), size="2", color_scheme="gray"),
            rx.text(t("risk_dashboard.snapshot.live"), size="2", color_scheme="gray"),
        ),
        rx.button(
            t("risk_dashboard.snapshot.refresh"), on_click=S.refresh_snapshots, loading=S.refreshing, variant="soft",
            min_height=TAP_TARGET, id="refresh-snapshots",
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def _chart_card(name: str) -> rx.Component:
    export = "/api/risk/export/" + name
    return rx.card(
        rx.hstack(
            rx.heading(t(f"risk_dashboard.chart.{name}"), as_="h2", size="3"),
            rx.spacer(),
            rx.link(t("risk_dashboard.export.csv"), href=export + ".csv" + S.export_query, size="2"),
            rx.link(t("risk_dashboard.export.xlsx"), href=export + ".xlsx" + S.export_query, size="2"),
            align="center",
            width="100%",
        ),
        rx.cond(
            S.figures.contains(name),
            # One figure per language, so switching the language redraws the labels at once.
            rx.cond(I18nState.is_english, _plot(S.figures_en[name]), _plot(S.figures[name])),
            rx.text(t("risk_dashboard.empty"), color_scheme="gray"),
        ),
        id=f"chart-{name}",
        width="100%",
    )


def _staff_option(choice: StaffChoice) -> rx.Component:
    return rx.select.item(choice.name, value=choice.id)


def _alert_row(alert: AlertItem) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(alert.kind_label, color_scheme=rx.cond(alert.severity == "high", "red", "amber")),
                rx.text(alert.created, size="1", color_scheme="gray"),
                spacing="2",
                align="center",
            ),
            rx.text(alert.message, size="2"),
            rx.cond(alert.link != "", rx.link(alert.subject_ref, href=alert.link, size="2")),
            rx.hstack(
                rx.button(t("risk_dashboard.alerts.acknowledge"), size="1", variant="soft", on_click=S.acknowledge(alert.id)),
                rx.select.root(
                    rx.select.trigger(placeholder=rx.cond(alert.assignee != "", alert.assignee, t("risk_dashboard.alerts.assign"))),
                    rx.select.content(rx.foreach(S.staff, _staff_option)),
                    on_change=lambda value: S.assign(alert.id, value),
                    size="1",
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="1",
            align="start",
        ),
        width="100%",
        data_kind=alert.kind,
    )


def _alert_feed() -> rx.Component:
    return rx.vstack(
        rx.heading(t("risk_dashboard.alerts.heading"), as_="h2", size="4"),
        rx.cond(S.alerts.length() > 0, rx.foreach(S.alerts, _alert_row), rx.text(t("risk_dashboard.alerts.empty"), color_scheme="gray")),
        id="alert-feed",
        spacing="2",
        width=["100%", "100%", "18rem"],
        min_width=["auto", "auto", "18rem"],
        role="log",
        aria_live="polite",
    )


def page() -> rx.Component:
    """Render the risk-monitoring page: charts on the left, the alert feed on the right."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("risk_dashboard.heading"), as_="h1", size="6"),
            _filters(),
            _snapshot_bar(),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.flex(
                rx.grid(*[_chart_card(name) for name in CHARTS], columns=rx.breakpoints(initial="1", lg="2"), spacing="3", flex="1", min_width="0"),
                _alert_feed(),
                direction=rx.breakpoints(initial="column", md="row"),
                spacing="4",
                width="100%",
            ),
            spacing="4",
            width="100%",
            on_unmount=S.stop_feed,
        )
    )
