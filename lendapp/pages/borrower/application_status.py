"""The status page of one application at /applications/<number>: result and timeline."""

from __future__ import annotations

import reflex as rx

from lendapp.components.contract_section import contract_section
from lendapp.components.layout import borrower_shell
from lendapp.components.text import t
from lendapp.components.wizard import panel, primary_button
from lendapp.state.application_status import ApplicationStatusState, TimelineRow
from lendapp.state.contract_signing import ContractSigningState

ROUTE = "/applications/[number]"
TITLE_KEY = "apply.status.meta_title"
DESCRIPTION_KEY = "apply.status.meta_description"
# The handlers check the session themselves and send visitors without one to sign in.
ON_LOAD = [ApplicationStatusState.load, ContractSigningState.load]
S = ApplicationStatusState


def _event(row: TimelineRow) -> rx.Component:
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="50%", background="var(--jade-9)", margin_top="6px", flex_shrink="0"),
        rx.vstack(
            rx.text(row.label, weight="bold", size="2"),
            rx.cond(row.reason != "", rx.text(row.reason, size="2")),
            rx.text(row.time, size="1", color_scheme="gray"),
            spacing="0",
        ),
        align="start", spacing="3", width="100%",
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.heading(t("apply.status.heading"), as_="h1", size="7"),
        rx.text(t("apply.number"), " ", rx.code(S.application_number), size="2"),
        rx.badge(S.status_label, size="3", id="application-status", data_status=S.status),
        rx.cond(
            S.pending,
            rx.hstack(rx.spinner(), rx.text(t("apply.status.pending"), size="2"), rx.moment(interval=1500, on_change=S.refresh, display="none"), align="center"),
        ),
        rx.cond(S.result_text != "", rx.callout(S.result_text, icon="info", width="100%", id="application-result")),
        contract_section(),
        rx.cond(
            S.reasons.length() > 0,
            panel(rx.heading(t("apply.status.reasons"), as_="h2", size="3"), rx.foreach(S.reasons, lambda reason: rx.text("· ", reason, size="2"))),
        ),
        panel(rx.heading(t("apply.status.timeline"), as_="h2", size="3"), rx.foreach(S.timeline, _event)),
        spacing="4", width="100%", max_width="34rem", margin_x="auto",
    )


def page() -> rx.Component:
    """Render the status or a not-found note."""
    return borrower_shell(
        rx.cond(
            S.not_found,
            rx.vstack(rx.text(t("apply.status.not_found")), rx.link(primary_button("apply.status.to_apply"), href="/apply"), max_width="34rem", margin_x="auto"),
            _content(),
        )
    )
