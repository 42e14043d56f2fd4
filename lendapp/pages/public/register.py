"""The registration page: mobile number, SMS code, then password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, form_field, submit_button, text_link
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.state.auth_register import STEP_PHONE, RegisterState

ROUTE = "/register"
TITLE_KEY = "register.meta_title"
DESCRIPTION_KEY = "register.meta_description"
ON_LOAD = RegisterState.load


def _phone_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_field("auth.field.phone", "phone", RegisterState.phone_error, input_type="tel",
                       auto_complete="tel-national", input_mode="numeric", max_length=20, hint_key="auth.hint.phone"),
            submit_button("auth.send_code", button_id="send-code"),
            spacing="4",
            width="100%",
        ),
        on_submit=RegisterState.send_code,
        width="100%",
    )


def _verify_step() -> rx.Component:
    return rx.vstack(
        rx.callout(RegisterState.info, icon="message-square", color_scheme="jade", width="100%"),
        rx.flex(
            rx.button(t("auth.resend_code"), on_click=RegisterState.resend_code, variant="soft", min_height=TAP_TARGET, type="button"),
            rx.button(t("auth.change_phone"), on_click=RegisterState.change_phone, variant="ghost", min_height=TAP_TARGET, type="button"),
            spacing="3",
            wrap="wrap",
        ),
        rx.form(
            rx.vstack(
                form_field("auth.field.code", "code", RegisterState.code_error, auto_complete="one-time-code",
                           input_mode="numeric", max_length=6),
                form_field("auth.field.new_password", "password", RegisterState.password_error, input_type="password",
                           auto_complete="new-password", hint_key="auth.hint.password"),
                form_field("auth.field.confirm", "confirm", RegisterState.confirm_error, input_type="password",
                           auto_complete="new-password"),
                submit_button("register.submit", RegisterState.submitting, "register-submit"),
                spacing="4",
                width="100%",
            ),
            on_submit=RegisterState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def page() -> rx.Component:
    """Render the registration page."""
    return borrower_shell(
        auth_card(
            rx.text(t("register.intro"), color_scheme="gray"),
            form_error(RegisterState.form_error),
            rx.cond(RegisterState.step == STEP_PHONE, _phone_step(), _verify_step()),
            text_link("register.login_link", "/login"),
            heading_key="register.heading",
        )
    )
