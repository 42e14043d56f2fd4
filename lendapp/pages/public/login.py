"""The borrower sign-in page: mobile number and password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, form_field, submit_button, text_link
from lendapp.components.layout import borrower_shell
from lendapp.components.text import t
from lendapp.state.auth_login import LoginState

ROUTE = "/login"
TITLE_KEY = "login.meta_title"
DESCRIPTION_KEY = "login.meta_description"
ON_LOAD = LoginState.load


def page() -> rx.Component:
    """Render the sign-in page."""
    return borrower_shell(
        auth_card(
            form_error(LoginState.form_error),
            rx.form(
                rx.vstack(
                    form_field("auth.field.phone", "phone", LoginState.phone_error,
                               input_type="tel", auto_complete="tel-national", input_mode="numeric", max_length=20),
                    form_field("auth.field.password", "password", LoginState.password_error,
                               input_type="password", auto_complete="current-password"),
                    submit_button("login.submit", LoginState.submitting, "login-submit"),
                    spacing="4",
                    width="100%",
                ),
                on_submit=LoginState.submit,
                width="100%",
            ),
            rx.flex(
                text_link("login.register_link", LoginState.register_href),
                text_link("login.reset_link", "/reset-password"),
                justify="between",
                wrap="wrap",
                width="100%",
            ),
            rx.text(t("login.staff_hint"), " ", rx.link(t("login.staff_link"), href="/staff/login"), size="2", color_scheme="gray"),
            heading_key="login.heading",
        )
    )
