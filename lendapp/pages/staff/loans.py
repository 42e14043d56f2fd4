"""The loan book at /staff/loans: newest loans, filtered by state or found by number."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.state.staff_loans import STATES, LoanRow, StaffLoansState

ROUTE = "/staff/loans"
TITLE_KEY = "staff.loans.meta_title"
DESCRIPTION_KEY = "staff.loans.meta_description"
# The handler checks the session and the loan-view permission itself.
ON_LOAD = StaffLoansState.load
S = StaffLoansState
ANY = "any"


def _row(row: LoanRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row.number, href="/staff/loans/" + row.number)),
        rx.table.cell(rx.link(row.application_number, href="/staff/applications/" + row.application_number)),
        rx.table.cell(row.product_code),
        rx.table.cell(row.state_label),
        rx.table.cell(row.principal),
        rx.table.cell(row.dpd, " · ", row.bucket),
        rx.table.cell(row.disbursed),
    )


def page() -> rx.Component:
    """Render the loan list."""
    columns = ("number", "application", "product", "state", "principal", "dpd", "disbursed")
    return staff_shell(
        rx.vstack(
            rx.heading(t("staff.loans.heading"), as_="h1", size="6"),
            rx.form(
                rx.flex(
                    rx.select.root(
                        rx.select.trigger(aria_label=t("staff.loans.state"), min_height=TAP_TARGET),
                        rx.select.content(rx.select.item(t("staff.queue.filter.any"), value=ANY),
                                          *[rx.select.item(t(f"dashboard.loan_state.{state}"), value=state) for state in STATES]),
                        name="state",
                        default_value=ANY,
                    ),
                    rx.input(name="search", placeholder=t("staff.loans.search"), aria_label=t("staff.loans.search"), max_length=32, min_height=TAP_TARGET),
                    rx.button(t("staff.queue.filter.apply"), type="submit", min_height=TAP_TARGET),
                    spacing="2",
                    wrap="wrap",
                ),
                on_submit=S.apply_filters,
            ),
            rx.cond(S.error != "", rx.callout(S.error, icon="triangle-alert", color_scheme="red", role="alert")),
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"staff.loans.column.{c}")) for c in columns])),
                    rx.table.body(rx.foreach(S.rows, _row)),
                    width="100%",
                ),
                overflow_x="auto",
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )
