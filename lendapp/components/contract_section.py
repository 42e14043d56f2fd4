"""Contract sections: the borrower's offer, contract and signing form, and the staff list of contract versions."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import t
from lendapp.components.wizard import fact, panel, primary_button
from lendapp.state.contract_signing import CONTRACT, OFFER, SIGNED, ContractSigningState
from lendapp.state.staff_contracts import ContractRow, StaffContractsState

S = ContractSigningState


def _rates() -> rx.Component:
    """Show the nominal rate and the APR side by side at the same size, so the APR is as prominent as the nominal rate."""
    def rate(label_key: str, value: rx.Var, value_id: str) -> rx.Component:
        return rx.vstack(
            rx.text(t(label_key), size="2", color_scheme="gray"),
            rx.text(value, size="6", weight="bold", id=value_id),
            spacing="1", flex="1", min_width="8rem",
        )

    return rx.flex(
        rate("contracts.ui.nominal_rate", S.nominal_rate, "offer-nominal-rate"),
        rate("contracts.ui.apr_simple", S.apr, "offer-apr"),
        spacing="4", wrap="wrap", width="100%",
    )


def _figures() -> rx.Component:
    return rx.vstack(
        fact("contracts.ui.amount", S.amount, "offer-amount"),
        fact("contracts.ui.term", S.term),
        fact("contracts.ui.method", S.method_name),
        _rates(),
        fact("contracts.ui.apr_compounded", S.apr_compounded),
        fact("contracts.ui.first_payment", S.first_payment),
        fact("contracts.ui.total_cost", S.total_cost),
        fact("contracts.ui.upfront_fee", S.upfront_fee),
        fact("contracts.ui.amount_received", S.amount_received),
        spacing="2", width="100%",
    )


def _download_link() -> rx.Component:
    return rx.link(
        rx.button(rx.icon("file-text"), t("contracts.ui.download"), variant="soft", size="3", width="100%", min_height=TAP_TARGET),
        href=S.download_url, is_external=True, id="contract-download", width="100%",
    )


def _method_switch() -> rx.Component:
    return rx.segmented_control.root(
        rx.segmented_control.item(t("contracts.ui.method_password"), value="password"),
        rx.segmented_control.item(t("contracts.ui.method_sms"), value="sms"),
        value=S.sign_method, on_change=S.choose_method, width="100%", size="2",
    )


def _secret_field() -> rx.Component:
    password = rx.input(name="secret", type="password", auto_complete="current-password", max_length=128, size="3",
                        placeholder=t("contracts.ui.password"), aria_label=t("contracts.ui.password"), id="contract-secret")
    code = rx.input(name="secret", auto_complete="one-time-code", input_mode="numeric", max_length=6, size="3",
                    placeholder=t("contracts.ui.code"), aria_label=t("contracts.ui.code"), id="contract-code")
    return rx.cond(
        S.sign_method == "sms",
        rx.vstack(
            rx.button(t("contracts.ui.send_code"), on_click=S.send_code, type="button", variant="soft", min_height=TAP_TARGET, id="contract-send-code"),
            rx.cond(S.code_info != "", rx.text(S.code_info, size="2", color_scheme="jade")),
            code,
            spacing="2", width="100%",
        ),
        password,
    )


def _sign_form() -> rx.Component:
    return rx.vstack(
        rx.heading(t("contracts.ui.sign_heading"), as_="h3", size="3"),
        rx.text(t("contracts.ui.sign_intro"), size="2"),
        _method_switch(),
        rx.form(
            rx.vstack(
                _secret_field(),
                rx.cond(S.error != "", rx.text(S.error, size="2", color_scheme="red", role="alert", id="contract-error")),
                primary_button("contracts.ui.sign", type="submit", loading=S.busy, id="contract-sign"),
                spacing="3", width="100%",
            ),
            on_submit=S.sign, reset_on_submit=True, width="100%",
        ),
        spacing="3", width="100%",
    )


def contract_section() -> rx.Component:
    """Render the offer, contract or signed contract, or nothing before an offer exists."""
    return rx.cond(
        S.stage != "",
        panel(
            rx.heading(rx.cond(S.stage == OFFER, t("contracts.ui.offer_heading"), t("contracts.ui.contract_heading")), as_="h2", size="4"),
            rx.cond(S.stage == OFFER, rx.text(t("contracts.ui.offer_intro"), size="2")),
            rx.cond(S.stage != OFFER, rx.text(S.version_text, size="1", color_scheme="gray")),
            _figures(),
            rx.cond(S.stage == OFFER, primary_button("contracts.ui.accept", on_click=S.accept, id="offer-accept")),
            rx.cond(S.stage != OFFER, _download_link()),
            rx.cond(S.stage == CONTRACT, _sign_form()),
            rx.cond(
                S.stage == SIGNED,
                rx.vstack(
                    rx.callout(t("contracts.ui.signed_notice"), icon="circle-check", color_scheme="jade", width="100%", id="contract-signed"),
                    fact("contracts.ui.signed_at", S.signed_at, "contract-signed-at"),
                    rx.text(t("contracts.ui.sha256"), ": ", rx.code(S.signed_sha256, size="1", word_break="break-all"), size="1"),
                    spacing="2", width="100%",
                ),
            ),
            id="contract-section",
        ),
    )


def _staff_row(row: ContractRow) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(row.summary, size="2"),
            rx.cond(row.signed != "", rx.text(row.signed, size="1", color_scheme="gray")),
            spacing="0",
        ),
        rx.link(t("contracts.staff.download"), href=row.download_url, is_external=True, size="2"),
        justify="between", align="center", width="100%", wrap="wrap",
    )


def staff_contract_list() -> rx.Component:
    """Render the contract versions of an application for staff, with download links."""
    return panel(
        rx.heading(t("contracts.staff.heading"), as_="h2", size="3"),
        rx.cond(
            StaffContractsState.rows.length() > 0,
            rx.foreach(StaffContractsState.rows, _staff_row),
            rx.text(t("contracts.staff.none"), size="2", color_scheme="gray"),
        ),
        id="staff-contracts",
    )
