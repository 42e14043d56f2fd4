"""Payouts at /staff/payouts: finance records bank transfers and confirms colleagues' large payouts."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.state.staff_payouts import PayoutRow, StaffPayoutsState

ROUTE = "/staff/payouts"
TITLE_KEY = "staff.payout.meta_title"
DESCRIPTION_KEY = "staff.payout.meta_description"
# The handler checks the session and the disbursement permission itself.
ON_LOAD = StaffPayoutsState.load
S = StaffPayoutsState


def _record_form(row: PayoutRow) -> rx.Component:
    return rx.form(
        rx.flex(
            rx.el.input(type="hidden", name="number", value=row.number),
            rx.el.input(type="hidden", name="amount", value=row.amount_value),
            rx.input(name="bank_reference", placeholder=t("staff.payout.reference"), aria_label=t("staff.payout.reference"),
                     max_length=64, required=True, min_height=TAP_TARGET),
            rx.input(name="transferred_at", type="datetime-local", aria_label=t("staff.payout.transferred_at"), min_height=TAP_TARGET),
            rx.button(t("staff.payout.record"), type="submit", min_height=TAP_TARGET),
            spacing="2",
            wrap="wrap",
        ),
        on_submit=S.record,
        reset_on_submit=True,
    )


def _action(row: PayoutRow) -> rx.Component:
    return rx.cond(
        row.status == "to_pay",
        _record_form(row),
        # The person who recorded a payout cannot confirm it, so they see who must instead of a button.
        rx.cond(
            row.recorded_by_me,
            rx.text(t("staff.payout.awaiting_colleague"), size="2", color_scheme="gray"),
            rx.button(t("staff.payout.confirm"), on_click=S.confirm(row.number), min_height=TAP_TARGET, color_scheme="green"),
        ),
    )


def _row(row: PayoutRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href="/staff/applications/" + row.number)),
        rx.table.cell(row.product_code),
        rx.table.cell(row.principal),
        rx.table.cell(rx.text(row.amount, font_weight="600")),
        rx.table.cell(row.term),
        rx.table.cell(rx.badge(row.status_label, data_status=row.status),
                      rx.cond(row.needs_second, rx.badge(t("staff.payout.needs_second"), color_scheme="orange", margin_left="0.25rem"))),
        rx.table.cell(row.bank_reference),
        rx.table.cell(_action(row)),
    )


def page() -> rx.Component:
    """Render the payout worklist."""
    columns = ("number", "product", "principal", "amount", "term", "status", "reference", "action")
    return staff_shell(
        rx.vstack(
            rx.heading(t("staff.payout.heading"), as_="h1", size="6"),
            rx.text(t("staff.payout.intro"), color_scheme="gray"),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.cond(
                S.rows.length() > 0,
                rx.box(
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"staff.payout.column.{c}")) for c in columns])),
                        rx.table.body(rx.foreach(S.rows, _row)),
                        width="100%",
                    ),
                    overflow_x="auto",
                    width="100%",
                ),
                rx.text(t("staff.payout.empty"), color_scheme="gray"),
            ),
            spacing="4",
            width="100%",
        )
    )
