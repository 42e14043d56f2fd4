"""The result of one repayment at /payments/<reference>: paid, processing, waiting, expired, or bank transfer instructions."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import borrower_shell
from lendapp.components.text import t
from lendapp.components.wizard import fact, panel, secondary_button
from lendapp.state.payments_result import RECEIPT_UPLOAD_ID, PaymentResultState

ROUTE = "/payments/[reference]"
TITLE_KEY = "payments.result.meta_title"
DESCRIPTION_KEY = "payments.result.meta_description"
# The handler checks the session itself and sends visitors without one to sign in.
ON_LOAD = PaymentResultState.load
S = PaymentResultState

_BADGE_COLORS = {"paid": "jade", "refunded": "gray", "expired": "gray", "failed": "red"}


def _badge() -> rx.Component:
    color = rx.match(S.display_state, *[(state, color) for state, color in _BADGE_COLORS.items()], "amber")
    return rx.badge(S.state_label, size="3", color_scheme=color, id="payment-state", data_state=S.display_state)


def _transfer() -> rx.Component:
    return panel(
        rx.heading(t("payments.transfer.heading"), as_="h2", size="3"),
        rx.text(t("payments.transfer.intro"), size="2"),
        fact("payments.transfer.bank", S.bank_name),
        fact("payments.transfer.account_name", S.account_name),
        fact("payments.transfer.account_number", S.account_number, "transfer-account"),
        fact("payments.transfer.reference", S.reference, "transfer-reference"),
        fact("payments.transfer.amount", S.amount_text),
        rx.callout(t("payments.transfer.reference_hint"), icon="info", size="1"),
        rx.heading(t("payments.receipt.heading"), as_="h3", size="2"),
        rx.cond(S.has_receipt, rx.text(t("payments.receipt.on_file"), size="2", color_scheme="jade")),
        rx.upload(
            rx.vstack(rx.icon("upload"), rx.text(t("payments.receipt.drop"), size="2"), align="center", spacing="2"),
            id=RECEIPT_UPLOAD_ID, multiple=False, max_files=1,
            border="1px dashed var(--gray-a8)", border_radius="var(--radius-3)", padding="1.25rem", width="100%", min_height="88px",
        ),
        rx.foreach(rx.selected_files(RECEIPT_UPLOAD_ID), lambda name: rx.text(name, size="1", style={"word_break": "break-all"})),
        secondary_button("payments.receipt.upload", type="button", id="upload-receipt",
                         on_click=[S.upload_receipt(rx.upload_files(upload_id=RECEIPT_UPLOAD_ID)), rx.clear_selected_files(RECEIPT_UPLOAD_ID)]),
        rx.cond(S.upload_error != "", rx.text(S.upload_error, color_scheme="red", size="2", role="alert")),
    )


def _content() -> rx.Component:
    return rx.vstack(
        rx.heading(t("payments.result.heading"), as_="h1", size="7"),
        rx.text(t("payments.result.reference"), " ", rx.code(S.reference), size="2"),
        _badge(),
        rx.text(S.state_text, size="2"),
        panel(fact("payments.result.loan", S.loan_number), fact("payments.result.amount", S.amount_text, "payment-amount")),
        rx.cond(
            S.polling,
            rx.hstack(rx.spinner(), rx.text(t("payments.result.checking"), size="2"),
                      rx.moment(interval=3000, on_change=S.refresh, display="none"), align="center"),
        ),
        rx.cond((S.provider == "bank_transfer") & (S.display_state == "awaiting_transfer"), _transfer()),
        rx.cond(
            (S.display_state == "paid") | (S.display_state == "refunded"),
            rx.link(t("payments.result.receipt"), href="/api/payments/" + S.reference + "/receipt.pdf", is_external=True, id="receipt-pdf"),
        ),
        rx.link(t("payments.result.back"), href="/"),
        spacing="4", width="100%", max_width="34rem", margin_x="auto",
    )


def page() -> rx.Component:
    """Render the payment or a not-found note."""
    return borrower_shell(
        rx.cond(
            S.not_found,
            rx.vstack(rx.text(t("payments.result.not_found")), rx.link(t("payments.result.back"), href="/"), max_width="34rem", margin_x="auto"),
            _content(),
        )
    )
