"""Privacy and consents at /account/privacy: each consent, a copy of one's data, and account deletion."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import form_error, form_field
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.pages.borrower.dashboard import account_links
from lendapp.state.privacy_rights import ConsentRow, PrivacyRightsState

ROUTE = "/account/privacy"
TITLE_KEY = "privacy_rights.meta_title"
DESCRIPTION_KEY = "privacy_rights.meta_description"
# The handler checks the session itself and sends visitors without one to sign in.
ON_LOAD = PrivacyRightsState.load
S = PrivacyRightsState


def _consent(row: ConsentRow) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(row.title, weight="bold"),
                rx.spacer(),
                rx.cond(
                    row.required,
                    rx.badge(t("privacy_rights.required"), color_scheme="gray"),
                    rx.switch(checked=row.granted, on_change=lambda value: S.set_consent(row.purpose, value),
                              aria_label=row.title, size="3"),
                ),
                width="100%",
                align="center",
            ),
            rx.text(row.body, size="2", color_scheme="gray"),
            rx.text(t("privacy_rights.version"), " ", row.version, " · ",
                    rx.cond(row.granted, t("privacy_rights.state_granted"), t("privacy_rights.state_not_granted")), size="1"),
            spacing="2",
            width="100%",
        ),
        width="100%",
    )


def _deletion() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("privacy_rights.delete_heading"), as_="h2", size="4"),
            rx.text(t("privacy_rights.delete_intro"), size="2"),
            rx.cond(
                S.deleted,
                rx.vstack(
                    rx.callout(t("privacy_rights.deleted"), icon="circle-check", color_scheme="jade", width="100%"),
                    rx.text(t("privacy_rights.erased_heading"), weight="bold"),
                    rx.foreach(S.erased, lambda item: rx.text("· ", item, size="2")),
                    rx.text(t("privacy_rights.kept_heading"), weight="bold"),
                    rx.foreach(S.kept, lambda item: rx.text("· ", item, size="2")),
                    width="100%",
                ),
                rx.form(
                    rx.vstack(
                        form_error(S.delete_error),
                        form_field("privacy_rights.password", "password", "", input_type="password", auto_complete="current-password"),
                        rx.button(t("privacy_rights.delete_button"), type="submit", color_scheme="red", min_height=TAP_TARGET, width="100%"),
                        width="100%",
                        spacing="3",
                    ),
                    on_submit=S.delete_account,
                    reset_on_submit=True,
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
    )


def page() -> rx.Component:
    """Render the privacy page."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("privacy_rights.heading"), as_="h1", size="6"),
            account_links(),
            rx.text(t("privacy_rights.consents_intro"), size="2"),
            rx.foreach(S.consents, _consent),
            rx.card(
                rx.vstack(
                    rx.heading(t("privacy_rights.export_heading"), as_="h2", size="4"),
                    rx.text(t("privacy_rights.export_intro"), size="2"),
                    rx.link(rx.button(rx.icon("download", size=16), t("privacy_rights.export_button"), min_height=TAP_TARGET),
                            href="/api/account/export", is_external=True),
                    spacing="3",
                ),
                width="100%",
            ),
            _deletion(),
            spacing="4",
            width="100%",
        )
    )
