"""The borrower overview at /account: applications with their progress and loans with what is due."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.state.dashboard import ApplicationCard, DashboardState, LoanCard, TimelineStep

ROUTE = "/account"
TITLE_KEY = "dashboard.meta_title"
DESCRIPTION_KEY = "dashboard.meta_description"
# The handler checks the session itself and sends visitors without one to sign in.
ON_LOAD = DashboardState.load
S = DashboardState

ACCOUNT_LINKS = (
    ("dashboard.link.messages", "/account/messages", "mail"),
    ("dashboard.link.privacy", "/account/privacy", "shield-check"),
    ("dashboard.link.security", "/account/security", "key-round"),
)


def account_links() -> rx.Component:
    """Links to the other account pages, shown at the top of each."""
    return rx.flex(
        rx.link(rx.button(rx.icon("layout-dashboard", size=16), t("dashboard.link.overview"), variant="soft", min_height=TAP_TARGET), href=ROUTE),
        *[
            rx.link(rx.button(rx.icon(icon, size=16), t(key), variant="soft", min_height=TAP_TARGET), href=href)
            for key, href, icon in ACCOUNT_LINKS
        ],
        wrap="wrap",
        spacing="2",
    )


def overdue_callout(card: LoanCard) -> rx.Component:
    """The red notice of what is overdue and for how many days."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("triangle-alert")),
        rx.callout.text(t("dashboard.loan.overdue_notice"), " ", card.overdue, " · ", t("dashboard.loan.dpd"), " ", card.dpd),
        color_scheme="red",
        width="100%",
        role="alert",
    )


def _step(step: TimelineStep) -> rx.Component:
    return rx.hstack(
        rx.icon(rx.cond(step.reached, "circle-check", "circle"), size=16,
                color=rx.cond(step.reached, "var(--jade-11)", "var(--gray-8)")),
        rx.text(step.label, size="2", color_scheme=rx.cond(step.reached, "jade", "gray")),
        spacing="1",
        align="center",
    )


def _application(card: ApplicationCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(card.number, weight="bold"),
                rx.spacer(),
                rx.badge(card.status_label, data_status=card.status),
                width="100%",
                align="center",
            ),
            rx.text(card.amount),
            rx.flex(rx.foreach(card.steps, _step), wrap="wrap", spacing="3"),
            rx.cond(
                card.reasons.length() > 0,
                rx.vstack(
                    rx.text(t("dashboard.reasons_heading"), weight="medium", size="2"),
                    rx.foreach(card.reasons, lambda reason: rx.text("· ", reason, size="2")),
                    spacing="1",
                ),
            ),
            rx.cond(
                card.action_href != "",
                rx.link(rx.button(card.action_label, min_height=TAP_TARGET, width="100%"), href=card.action_href, width="100%"),
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _loan(card: LoanCard) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(card.number, weight="bold"),
                rx.spacer(),
                rx.badge(card.state_label, data_state=card.state, color_scheme=rx.cond(card.dpd > 0, "red", "jade")),
                width="100%",
                align="center",
            ),
            rx.grid(
                rx.text(t("dashboard.loan.principal"), color_scheme="gray", size="2"), rx.text(card.principal, size="2"),
                rx.text(t("dashboard.loan.outstanding"), color_scheme="gray", size="2"), rx.text(card.outstanding, size="2", weight="bold"),
                rx.text(t("dashboard.loan.next_due"), color_scheme="gray", size="2"), rx.text(card.next_due, size="2"),
                columns="2",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                card.dpd > 0,
                overdue_callout(card),
            ),
            rx.text(t("dashboard.loan.repaid"), " ", card.progress, "%", size="2", color_scheme="gray"),
            rx.progress(value=card.progress, max=100, width="100%", aria_label=t("dashboard.loan.repaid")),
            rx.link(rx.button(t("dashboard.loan.open"), min_height=TAP_TARGET, width="100%", variant="soft"),
                    href="/loans/" + card.number, width="100%"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render the overview."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("dashboard.heading"), as_="h1", size="6"),
            account_links(),
            rx.heading(t("dashboard.loans_heading"), as_="h2", size="4"),
            rx.cond(S.loans.length() > 0, rx.vstack(rx.foreach(S.loans, _loan), spacing="3", width="100%"),
                    rx.text(t("dashboard.no_loans"), color_scheme="gray")),
            rx.heading(t("dashboard.applications_heading"), as_="h2", size="4"),
            rx.cond(
                S.applications.length() > 0,
                rx.vstack(rx.foreach(S.applications, _application), spacing="3", width="100%"),
                rx.vstack(
                    rx.text(t("dashboard.no_applications"), color_scheme="gray"),
                    rx.link(rx.button(t("dashboard.apply"), min_height=TAP_TARGET), href="/apply"),
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
