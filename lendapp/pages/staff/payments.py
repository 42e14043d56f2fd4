"""The finance page at /staff/payments: transfers to confirm, recent payments, credit refunds and reconciliation."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.state.payments_finance import CreditRow, FinancePaymentsState, MismatchRow, PaymentRow

ROUTE = "/staff/payments"
TITLE_KEY = "payments.finance.meta_title"
DESCRIPTION_KEY = "payments.finance.meta_description"
# The handler checks the session and the transfer-confirmation permission itself.
ON_LOAD = FinancePaymentsState.load
S = FinancePaymentsState


def _header(*keys: str) -> rx.Component:
    return rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(key)) for key in keys]))


def _confirm_form(row: PaymentRow) -> rx.Component:
    return rx.form(
        rx.hstack(
            rx.el.input(type="hidden", name="reference", value=row.reference),
            rx.input(name="amount", placeholder=t("payments.finance.received_amount"), input_mode="decimal", required=True,
                     aria_label=t("payments.finance.received_amount"), width="8rem", min_height=TAP_TARGET),
            rx.input(name="received_at", type="datetime-local", required=True, aria_label=t("payments.finance.received_at"),
                     min_height=TAP_TARGET),
            rx.input(name="bank_reference", placeholder=t("payments.finance.bank_reference"), max_length=64, required=True,
                     aria_label=t("payments.finance.bank_reference"), width="10rem", min_height=TAP_TARGET),
            rx.button(t("payments.finance.confirm"), type="submit", min_height=TAP_TARGET),
            spacing="2", wrap="wrap", align="center",
        ),
        on_submit=S.confirm,
        reset_on_submit=True,
    )


def _awaiting_row(row: PaymentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.reference)),
        rx.table.cell(row.loan_number),
        rx.table.cell(row.amount),
        rx.table.cell(row.created),
        rx.table.cell(rx.cond(
            row.has_receipt,
            rx.link(t("payments.finance.receipt_yes"), href="/api/payments/" + row.reference + "/transfer-receipt", is_external=True),
            t("payments.finance.receipt_no"),
        )),
        rx.table.cell(_confirm_form(row)),
    )


def _recent_row(row: PaymentRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.code(row.reference)),
        rx.table.cell(row.loan_number),
        rx.table.cell(row.provider),
        rx.table.cell(row.amount),
        rx.table.cell(row.received),
        rx.table.cell(row.state),
        rx.table.cell(row.created),
    )


def _credit_row(row: CreditRow) -> rx.Component:
    return rx.table.row(
        rx.table.cell(row.loan_number),
        rx.table.cell(row.credit),
        rx.table.cell(
            rx.form(
                rx.hstack(
                    rx.el.input(type="hidden", name="loan_number", value=row.loan_number),
                    rx.input(name="amount", default_value=row.credit_value, input_mode="decimal", required=True,
                             aria_label=t("payments.finance.refund_amount"), width="8rem", min_height=TAP_TARGET),
                    rx.button(t("payments.finance.refund"), type="submit", color_scheme="amber", min_height=TAP_TARGET),
                    spacing="2",
                ),
                on_submit=S.refund,
            )
        ),
    )


def _mismatch_row(row: MismatchRow) -> rx.Component:
    return rx.table.row(rx.table.cell(row.kind), rx.table.cell(rx.code(row.subject)), rx.table.cell(row.loan_number), rx.table.cell(row.detail))


def _section(title_key: str, empty_key: str, rows: rx.Var, header: rx.Component, render) -> rx.Component:
    return rx.vstack(
        rx.heading(t(title_key), as_="h2", size="4"),
        rx.cond(
            rows.length() > 0,
            rx.table.root(header, rx.table.body(rx.foreach(rows, render)), width="100%", variant="surface"),
            rx.text(t(empty_key), size="2", color_scheme="gray"),
        ),
        spacing="2", width="100%", overflow_x="auto",
    )


def page() -> rx.Component:
    """Render the finance page."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("payments.finance.heading"), as_="h1", size="6"),
            rx.cond(S.form_error != "", rx.callout(S.form_error, icon="triangle_alert", color_scheme="red", role="alert")),
            _section("payments.finance.awaiting", "payments.finance.awaiting_empty", S.awaiting,
                     _header("payments.column.reference", "payments.column.loan", "payments.column.amount", "payments.column.created",
                             "payments.column.receipt", "payments.column.confirm"), _awaiting_row),
            _section("payments.finance.reconciliation", "payments.finance.reconciliation_empty", S.mismatches,
                     _header("payments.column.finding", "payments.column.subject", "payments.column.loan", "payments.column.amounts"),
                     _mismatch_row),
            _section("payments.finance.credits", "payments.finance.credits_empty", S.credits,
                     _header("payments.column.loan", "payments.column.credit", "payments.column.refund"), _credit_row),
            _section("payments.finance.recent", "payments.finance.recent_empty", S.recent,
                     _header("payments.column.reference", "payments.column.loan", "payments.column.provider", "payments.column.amount",
                             "payments.column.received", "payments.column.state", "payments.column.created"), _recent_row),
            spacing="6", width="100%",
        )
    )
