"""One loan at /loans/<number>: what is due, the schedule, repayments, contracts and payment buttons."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.pages.borrower.dashboard import account_links, overdue_callout
from lendapp.state.dashboard import ContractRow, LoanPageState, PaymentRow, ScheduleLine

ROUTE = "/loans/[number]"
TITLE_KEY = "loan_page.meta_title"
DESCRIPTION_KEY = "loan_page.meta_description"
# The handler checks the session and that the loan is the borrower's own.
ON_LOAD = LoanPageState.load
S = LoanPageState

_ROW_COLORS = {"paid": "jade", "overdue": "red", "due": "amber", "upcoming": "gray"}


def _fact(label_key: str, value: rx.Var, strong: bool = False) -> rx.Component:
    return rx.fragment(
        rx.text(t(label_key), color_scheme="gray", size="2"),
        rx.text(value, size=rx.cond(strong, "4", "2"), weight=rx.cond(strong, "bold", "regular")),
    )


def _summary() -> rx.Component:
    card = S.card
    return rx.card(
        rx.vstack(
            rx.hstack(rx.heading(card.number, as_="h1", size="5"), rx.spacer(), rx.badge(card.state_label, data_state=card.state),
                      width="100%", align="center"),
            rx.grid(
                _fact("dashboard.loan.outstanding", card.outstanding),
                _fact("dashboard.loan.next_due", card.next_due),
                # The APR is shown as prominently as the nominal rate, as Chinese rules on rate disclosure require.
                _fact("loan_page.apr", S.apr, strong=True),
                _fact("loan_page.rate", S.rate, strong=True),
                _fact("loan_page.method", S.method_label),
                _fact("loan_page.term", S.term_text),
                _fact("loan_page.dates", S.dates_text),
                _fact("dashboard.loan.principal", card.principal),
                columns="2",
                spacing="2",
                width="100%",
            ),
            rx.cond(S.credit != "", rx.text(t("loan_page.credit"), " ", S.credit, size="2", color_scheme="jade")),
            rx.cond(card.dpd > 0, overdue_callout(card)),
            rx.progress(value=card.progress, max=100, width="100%", aria_label=t("dashboard.loan.repaid")),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def _provider_choice(value: str, label_key: str) -> rx.Component:
    return rx.el.label(
        rx.hstack(rx.radio_group.item(value=value), rx.text(t(label_key), size="3"), align="center", spacing="2"),
        display="flex",
        align_items="center",
        min_height=TAP_TARGET,
        cursor="pointer",
    )


def _pay_buttons() -> rx.Component:
    return rx.cond(
        S.is_open,
        rx.card(
            rx.vstack(
                rx.heading(t("loan_page.pay_heading"), as_="h2", size="4"),
                rx.cond(
                    S.online_payments,
                    # A vertical radio group: the online label is long, and a row of segments overflowed a phone.
                    rx.radio_group.root(
                        rx.vstack(
                            rx.text(t("loan_page.pay_provider"), size="2", weight="medium", id="pay-provider-label"),
                            _provider_choice("stripe", "loan_page.pay_provider.stripe"),
                            _provider_choice("bank_transfer", "loan_page.pay_provider.bank_transfer"),
                            spacing="1",
                            width="100%",
                        ),
                        value=S.pay_provider,
                        on_change=S.set_pay_provider,
                        id="pay-provider",
                        aria_labelledby="pay-provider-label",
                        width="100%",
                    ),
                ),
                rx.cond(S.has_overdue,
                        rx.button(t("dashboard.pay.overdue"), on_click=S.pay("overdue"), color_scheme="red", min_height=TAP_TARGET, width="100%", id="pay-overdue"),
                        rx.button(t("dashboard.pay.installment"), on_click=S.pay("installment"), min_height=TAP_TARGET, width="100%", id="pay-installment")),
                rx.button(t("loan_page.payoff_quote"), on_click=S.quote_payoff, variant="soft", min_height=TAP_TARGET, width="100%", id="payoff-quote"),
                rx.cond(
                    S.payoff_total != "",
                    rx.vstack(
                        rx.text(t("loan_page.payoff_total"), " ", rx.text.strong(S.payoff_total), size="3"),
                        rx.text(S.payoff_parts, size="2", color_scheme="gray"),
                        rx.text(S.payoff_valid, size="2", color_scheme="gray"),
                        rx.button(t("dashboard.pay.payoff"), on_click=S.pay("payoff"), min_height=TAP_TARGET, width="100%", id="pay-payoff"),
                        spacing="2",
                        width="100%",
                    ),
                ),
                rx.link(t("loan_page.plan_change_link"), href="/loans/" + S.number + "/plan"),
                spacing="3",
                width="100%",
            ),
            width="100%",
        ),
    )


def _schedule_row(line: ScheduleLine) -> rx.Component:
    return rx.table.row(
        rx.table.cell(line.seq),
        rx.table.cell(line.due_date),
        rx.table.cell(line.total),
        rx.table.cell(line.remaining),
        rx.table.cell(rx.badge(line.status_label, data_status=line.status,
                               color_scheme=rx.match(line.status, *_ROW_COLORS.items(), "gray"))),
    )


def _schedule() -> rx.Component:
    columns = ("seq", "due_date", "total", "remaining", "status")
    return rx.vstack(
        rx.heading(t("loan_page.schedule_heading"), as_="h2", size="4"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"loan_page.column.{c}")) for c in columns])),
                rx.table.body(rx.foreach(S.schedule, _schedule_row)),
                size="1",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        width="100%",
    )


def _payment(row: PaymentRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(rx.link(row.reference, href="/payments/" + row.reference), rx.text(row.time, size="1", color_scheme="gray"), spacing="0"),
        rx.spacer(),
        rx.vstack(rx.text(row.amount, weight="medium"), rx.text(row.purpose_label, " · ", row.status_label, size="1"), spacing="0", align="end"),
        width="100%",
    )


def _contract(row: ContractRow) -> rx.Component:
    return rx.hstack(
        rx.text(t("loan_page.contract_version"), " ", row.version, " · ", row.status_label, " ", row.signed_at, size="2"),
        rx.spacer(),
        rx.link(t("loan_page.download"), href=row.href, is_external=True),
        width="100%",
    )


def page() -> rx.Component:
    """Render the loan page."""
    return borrower_shell(
        rx.cond(
            S.not_found,
            rx.vstack(rx.heading(t("loan_page.not_found"), as_="h1", size="5"), account_links(), spacing="4"),
            rx.vstack(
                account_links(),
                _summary(),
                _pay_buttons(),
                _schedule(),
                rx.heading(t("loan_page.payments_heading"), as_="h2", size="4"),
                rx.cond(S.payments.length() > 0, rx.vstack(rx.foreach(S.payments, _payment), width="100%", spacing="2"),
                        rx.text(t("loan_page.no_payments"), color_scheme="gray")),
                rx.cond(
                    S.contracts.length() > 0,
                    rx.vstack(
                        rx.heading(t("loan_page.contracts_heading"), as_="h2", size="4"),
                        rx.vstack(rx.foreach(S.contracts, _contract), width="100%", spacing="2"),
                        spacing="4",
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
        )
    )
