"""Charts for the public site, drawn with Plotly and labelled from the catalogs."""

from __future__ import annotations

import reflex as rx

from lendapp.components.text import t
from lendapp.state.calculator import INTEREST_COLOR, PRINCIPAL_COLOR

# No mode bar and no zoom: the chart is read on a phone, not explored.
PLOTLY_CONFIG = {"displayModeBar": False, "staticPlot": False, "responsive": True, "scrollZoom": False}


def _legend_item(color: str, key: str) -> rx.Component:
    return rx.hstack(
        rx.box(width="0.75rem", height="0.75rem", background=color, border_radius="2px"),
        rx.text(t(key), size="2"),
        align="center",
        spacing="2",
    )


def principal_interest_chart(figure: rx.Var) -> rx.Component:
    """Render a stacked bar chart of principal and interest per period, with its legend outside the figure."""
    return rx.vstack(
        rx.hstack(
            _legend_item(PRINCIPAL_COLOR, "calculator.schedule.principal"),
            _legend_item(INTEREST_COLOR, "calculator.schedule.interest"),
            spacing="4",
        ),
        rx.box(
            rx.plotly(data=figure, config=PLOTLY_CONFIG, use_resize_handler=True, width="100%", height="240px"),
            width="100%",
            id="calc-chart",
            role="img",
            aria_label=t("calculator.chart_heading"),
        ),
        spacing="2",
        width="100%",
    )
