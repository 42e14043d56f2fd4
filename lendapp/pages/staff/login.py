"""The staff sign-in page: user name, password and TOTP code."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, form_field, submit_button
from lendapp.components.layout import borrower_shell
from lendapp.components.text import t
from lendapp.state.auth_login import StaffLoginState

ROUTE = "/staff/login"
TITLE_KEY = "staff_login.meta_title"
DESCRIPTION_KEY = "staff_login.meta_description"
ON_LOAD = StaffLoginState.load


def page() -> rx.Component:
    """Render the staff sign-in page."""
    return borrower_shell(
        auth_card(
            form_error(StaffLoginState.form_error),
            rx.form(
                rx.vstack(
                    form_field("staff_login.field.login", "login", StaffLoginState.login_error, auto_complete="username", max_length=64),
                    form_field("auth.field.password", "password", StaffLoginState.password_error,
                               input_type="password", auto_complete="current-password"),
                    form_field("staff_login.field.totp", "totp_code", StaffLoginState.totp_code_error, auto_complete="one-time-code",
                               input_mode="numeric", max_length=6, hint_key="staff_login.hint.totp"),
                    submit_button("login.submit", StaffLoginState.submitting, "staff-login-submit"),
                    spacing="4",
                    width="100%",
                ),
                on_submit=StaffLoginState.submit,
                width="100%",
            ),
            rx.text(t("staff_login.borrower_hint"), " ", rx.link(t("staff_login.borrower_link"), href="/login"), size="2", color_scheme="gray"),
            heading_key="staff_login.heading",
        )
    )
