"""Plan changes at /loans/<number>/plan: a deferral, a term extension or a partial prepayment."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import form_error
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.pages.borrower.dashboard import account_links
from lendapp.state.plan_change import KINDS, PlanChangeState, PreviewLine, RequestRow

ROUTE = "/loans/[number]/plan"
TITLE_KEY = "plan_page.meta_title"
DESCRIPTION_KEY = "plan_page.meta_description"
# The handler checks the session and that the loan is the borrower's own.
ON_LOAD = PlanChangeState.load
S = PlanChangeState


def _number_field(label_key: str, name: str, minimum: str, maximum: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(label_key), html_for=name, font_weight="500"),
        rx.input(id=name, name=name, type="number", min=minimum, max=maximum, required=True, min_height=TAP_TARGET, width="100%"),
        spacing="1",
        width="100%",
    )


def _fields() -> rx.Component:
    return rx.match(
        S.kind,
        ("deferral", _number_field("plan_page.field.periods", "periods", "1", "3")),
        ("extension", _number_field("plan_page.field.extra_periods", "periods", "1", "12")),
        rx.vstack(
            _number_field("plan_page.field.amount", "amount", "1", "10000000"),
            rx.el.label(t("plan_page.field.mode"), html_for="mode", font_weight="500"),
            rx.select.root(
                rx.select.trigger(id="mode", min_height=TAP_TARGET, width="100%"),
                rx.select.content(
                    rx.select.item(t("plan_page.mode.reduce_installment"), value="reduce_installment"),
                    rx.select.item(t("plan_page.mode.reduce_term"), value="reduce_term"),
                ),
                name="mode",
                default_value="reduce_installment",
            ),
            width="100%",
        ),
    )


def _preview_line(line: PreviewLine) -> rx.Component:
    return rx.table.row(rx.table.cell(line.seq), rx.table.cell(line.due_date), rx.table.cell(line.total))


def _form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.segmented_control.root(
                *[rx.segmented_control.item(t(f"plan_page.kind.{kind}"), value=kind) for kind in KINDS],
                value=S.kind,
                on_change=S.choose_kind,
                width="100%",
            ),
            rx.form(
                rx.vstack(
                    form_error(S.error),
                    _fields(),
                    rx.button(t("plan_page.preview"), type="submit", variant="soft", min_height=TAP_TARGET, width="100%"),
                    width="100%",
                ),
                on_submit=S.preview,
                width="100%",
            ),
            rx.cond(
                S.preview_rows.length() > 0,
                rx.vstack(
                    rx.text(S.preview_cost, weight="bold"),
                    rx.cond(S.preview_note != "", rx.text(S.preview_note, size="2", color_scheme="gray")),
                    rx.box(
                        rx.table.root(
                            rx.table.header(rx.table.row(
                                rx.table.column_header_cell(t("loan_page.column.seq")),
                                rx.table.column_header_cell(t("loan_page.column.due_date")),
                                rx.table.column_header_cell(t("loan_page.column.total")),
                            )),
                            rx.table.body(rx.foreach(S.preview_rows, _preview_line)),
                            size="1",
                            width="100%",
                        ),
                        max_height="20rem",
                        overflow_y="auto",
                        width="100%",
                    ),
                    rx.button(t("plan_page.request"), on_click=S.submit, min_height=TAP_TARGET, width="100%", id="plan-request"),
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _request(row: RequestRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text(row.kind_label, weight="bold"), rx.spacer(), rx.badge(row.status_label, data_status=row.status), width="100%"),
            rx.cond(
                row.can_sign,
                rx.form(
                    rx.vstack(
                        rx.text(t("plan_page.sign_intro"), size="2"),
                        rx.el.input(type="hidden", name="request_id", value=row.id),
                        rx.input(name="password", type="password", auto_complete="current-password",
                                 placeholder=t("plan_page.password"), aria_label=t("plan_page.password"), required=True,
                                 min_height=TAP_TARGET, width="100%"),
                        rx.button(t("plan_page.sign"), type="submit", min_height=TAP_TARGET, width="100%"),
                        width="100%",
                    ),
                    on_submit=S.sign,
                    reset_on_submit=True,
                    width="100%",
                ),
            ),
            width="100%",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render the plan-change page."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("plan_page.heading"), as_="h1", size="6"),
            account_links(),
            rx.link(t("plan_page.back"), href="/loans/" + S.number),
            rx.cond(S.not_found, rx.text(t("loan_page.not_found")), _form()),
            rx.heading(t("plan_page.requests_heading"), as_="h2", size="4"),
            rx.cond(S.requests.length() > 0, rx.vstack(rx.foreach(S.requests, _request), width="100%", spacing="3"),
                    rx.text(t("plan_page.no_requests"), color_scheme="gray")),
            spacing="4",
            width="100%",
        )
    )
