"""One application under review at /staff/applications/<number>: data, score, rules, links, documents, notes and decision."""

from __future__ import annotations

import reflex as rx

from lendapp.components.contract_section import staff_contract_list
from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.review_panels import borrower_history_panel, documents_panel, linked_panel, notes_panel, rules_panel
from lendapp.components.text import t
from lendapp.components.wizard import fact, panel
from lendapp.services.review_decisions import DECLINE_REASONS, DOCUMENT_TYPES
from lendapp.state.staff_contracts import StaffContractsState
from lendapp.state.staff_review_detail import HistoryRow, StaffReviewDetailState

ROUTE = "/staff/applications/[number]"
TITLE_KEY = "staff.review.meta_title"
DESCRIPTION_KEY = "staff.review.meta_description"
# The handlers check the session and the application-detail permission themselves.
ON_LOAD = [StaffReviewDetailState.load, StaffContractsState.load]
S = StaffReviewDetailState


def _personal_fact(label_key: str, masked: rx.Var, field: str) -> rx.Component:
    """Show a masked value with a button that reveals it in full (permission checked and audited on the server)."""
    return rx.hstack(
        fact(label_key, rx.cond(S.revealed_field == field, S.revealed_value, masked)),
        rx.cond(
            S.revealed_field == field,
            rx.button(t("staff.review.hide"), on_click=S.hide_revealed, variant="ghost", size="1", min_height=TAP_TARGET),
            rx.button(t("staff.review.reveal"), on_click=S.reveal(field), variant="ghost", size="1", min_height=TAP_TARGET,
                      id=f"reveal-{field}"),
        ),
        align="center",
        wrap="wrap",
    )


def _applicant() -> rx.Component:
    return panel(
        rx.heading(t("staff.review.applicant"), as_="h2", size="3"),
        _personal_fact("staff.review.name", S.masked_name, "full_name"),
        _personal_fact("staff.review.id_number", S.masked_id_number, "id_number"),
        _personal_fact("staff.review.phone", S.masked_phone, "contact_phone"),
        _personal_fact("staff.review.bank_card", S.masked_bank_card, "bank_card"),
        rx.text(t("staff.review.reveal_notice"), size="1", color_scheme="gray"),
        fact("staff.review.income", S.income),
        fact("staff.review.request", S.request_text),
    )


def _score() -> rx.Component:
    return panel(
        fact("staff.review.score", S.score),
        fact("staff.review.pd", S.pd),
        rx.heading(t("staff.review.reasons"), as_="h3", size="2"),
        rx.foreach(S.reasons, lambda reason: rx.text("· ", reason, size="2")),
    )


def _history_row(row: HistoryRow) -> rx.Component:
    return rx.text(row.time, " · ", row.label, rx.cond(row.reason != "", " · " + row.reason, ""), size="2")


def _picker_form(name: str, values: tuple[str, ...], key_prefix: str, label_key: str, button_key: str, handler, color: str) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.select.root(
                rx.select.trigger(min_height=TAP_TARGET, aria_label=t(label_key)),
                rx.select.content(*[rx.select.item(t(f"{key_prefix}.{value}"), value=value) for value in values]),
                name=name,
                default_value=values[0],
            ),
            rx.button(t(button_key), type="submit", color_scheme=color, variant="soft", min_height=TAP_TARGET),
            wrap="wrap",
        ),
        on_submit=handler,
    )


def _offer_form() -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.input(name="amount", placeholder=t("staff.review.offer_amount"), input_mode="decimal", max_length=20),
            rx.input(name="term", placeholder=t("staff.review.offer_term"), input_mode="numeric", max_length=6),
            rx.input(name="rate_percent", placeholder=t("staff.review.offer_rate"), input_mode="decimal", max_length=10),
            rx.button(t("staff.review.counter_offer"), type="submit", min_height=TAP_TARGET),
            wrap="wrap",
        ),
        on_submit=S.counter_offer,
    )


def _decision() -> rx.Component:
    return panel(
        rx.heading(t("staff.review.decision"), as_="h2", size="3"),
        rx.cond(
            S.status == "in_review",
            rx.vstack(
                rx.button(t("staff.review.approve"), on_click=S.approve, color_scheme="jade", min_height=TAP_TARGET),
                _offer_form(),
                _picker_form("reason", DECLINE_REASONS, "staff.review.reason", "staff.review.decline_reason",
                             "staff.review.decline", S.decline, "red"),
                _picker_form("document", DOCUMENT_TYPES, "staff.review.document", "staff.review.document_type",
                             "staff.review.request_documents", S.request_documents, "amber"),
                spacing="3",
            ),
        ),
        rx.cond(
            S.status == "pending_second_approval",
            rx.vstack(
                rx.button(t("staff.review.confirm_second"), on_click=S.confirm_second_approval, color_scheme="jade", min_height=TAP_TARGET),
                _picker_form("reason", DECLINE_REASONS, "staff.review.reason", "staff.review.decline_reason",
                             "staff.review.decline", S.decline, "red"),
                spacing="3",
            ),
        ),
    )


def page() -> rx.Component:
    """Render one application for review, or a not-found note."""
    return staff_shell(
        rx.cond(
            S.not_found,
            rx.text(t("staff.review.not_found")),
            rx.vstack(
                rx.heading(S.number, as_="h1", size="6"),
                rx.badge(S.status_label, size="3", id="application-status", data_status=S.status),
                rx.flex(_applicant(), _score(), direction=rx.breakpoints(initial="column", md="row"), spacing="4", width="100%"),
                rules_panel(),
                linked_panel(),
                documents_panel(),
                borrower_history_panel(),
                panel(rx.heading(t("staff.review.history"), as_="h2", size="3"), rx.foreach(S.history, _history_row)),
                notes_panel(),
                _decision(),
                staff_contract_list(),
                spacing="4",
                width="100%",
            ),
        )
    )
