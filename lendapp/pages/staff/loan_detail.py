"""One loan at /staff/loans/<number>: terms, balances, schedule, repayments and collection history."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import staff_shell
from lendapp.components.text import t
from lendapp.state.staff_loans import DetailRow, Line, StaffLoanDetailState

ROUTE = "/staff/loans/[number]"
TITLE_KEY = "staff.loans.detail_meta_title"
DESCRIPTION_KEY = "staff.loans.meta_description"
# The handler checks the session and the loan-view permission itself.
ON_LOAD = StaffLoanDetailState.load
S = StaffLoanDetailState


def _lines(items) -> rx.Component:
    return rx.grid(
        rx.foreach(items, lambda line: rx.fragment(rx.text(line.label, color_scheme="gray", size="2"), rx.text(line.value, size="2"))),
        columns="2",
        spacing="2",
        width="100%",
    )


def _table(heading_key: str, column_keys: tuple[str, ...], rows) -> rx.Component:
    return rx.vstack(
        rx.heading(t(heading_key), as_="h2", size="4"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(key)) for key in column_keys])),
                rx.table.body(rx.foreach(rows, lambda row: rx.table.row(rx.foreach(row.cells, rx.table.cell)))),
                size="1",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render one loan."""
    return staff_shell(
        rx.cond(
            S.not_found,
            rx.heading(t("loan_page.not_found"), as_="h1", size="5"),
            rx.vstack(
                rx.heading(S.number, as_="h1", size="6"),
                rx.grid(
                    rx.card(_lines(S.facts)),
                    rx.card(rx.vstack(rx.heading(t("staff.loans.balances"), as_="h2", size="3"), _lines(S.balances), width="100%")),
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="3",
                    width="100%",
                ),
                _table("loan_page.schedule_heading",
                       ("loan_page.column.seq", "loan_page.column.due_date", "loan_page.column.total", "loan_page.column.remaining", "loan_page.column.status"),
                       S.schedule),
                _table("loan_page.payments_heading",
                       ("staff.loans.column.reference", "staff.loans.column.purpose", "staff.loans.column.provider", "staff.loans.column.amount",
                        "staff.loans.column.status", "staff.loans.column.time"),
                       S.payments),
                _table("staff.loans.contacts",
                       ("staff.loans.column.time", "staff.loans.column.kind", "staff.loans.column.outcome", "staff.loans.column.promised_amount",
                        "staff.loans.column.promised_date", "staff.loans.column.note"),
                       S.contacts),
                spacing="4",
                width="100%",
            ),
        )
    )
