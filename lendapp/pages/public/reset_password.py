"""The password-reset page: mobile number, SMS code, then the new password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, form_field, submit_button, text_link
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t
from lendapp.state.auth_register import STEP_PHONE, ResetPasswordState

ROUTE = "/reset-password"
TITLE_KEY = "reset.meta_title"
DESCRIPTION_KEY = "reset.meta_description"
ON_LOAD = ResetPasswordState.load


def _phone_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            form_field("auth.field.phone", "phone", ResetPasswordState.phone_error, input_type="tel",
                       auto_complete="tel-national", input_mode="numeric", max_length=20),
            submit_button("auth.send_code", button_id="send-code"),
            spacing="4",
            width="100%",
        ),
        on_submit=ResetPasswordState.send_code,
        width="100%",
    )


def _verify_step() -> rx.Component:
    return rx.vstack(
        rx.callout(ResetPasswordState.info, icon="message-square", color_scheme="jade", width="100%"),
        rx.flex(
            rx.button(t("auth.resend_code"), on_click=ResetPasswordState.resend_code, variant="soft", min_height=TAP_TARGET, type="button"),
            rx.button(t("auth.change_phone"), on_click=ResetPasswordState.change_phone, variant="ghost", min_height=TAP_TARGET, type="button"),
            spacing="3",
            wrap="wrap",
        ),
        rx.form(
            rx.vstack(
                form_field("auth.field.code", "code", ResetPasswordState.code_error, auto_complete="one-time-code",
                           input_mode="numeric", max_length=6),
                form_field("auth.field.new_password", "password", ResetPasswordState.password_error, input_type="password",
                           auto_complete="new-password", hint_key="auth.hint.password"),
                form_field("auth.field.confirm", "confirm", ResetPasswordState.confirm_error, input_type="password",
                           auto_complete="new-password"),
                submit_button("reset.submit", ResetPasswordState.submitting, "reset-submit"),
                spacing="4",
                width="100%",
            ),
            on_submit=ResetPasswordState.submit,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _done() -> rx.Component:
    return rx.vstack(
        rx.callout(t("reset.done"), icon="circle-check", color_scheme="jade", width="100%"),
        rx.link(rx.button(t("reset.to_login"), size="3", width="100%", min_height=TAP_TARGET), href="/login", width="100%"),
        spacing="4",
        width="100%",
    )


def page() -> rx.Component:
    """Render the password-reset page."""
    return borrower_shell(
        auth_card(
            form_error(ResetPasswordState.form_error),
            rx.cond(
                ResetPasswordState.done,
                _done(),
                rx.cond(ResetPasswordState.step == STEP_PHONE, _phone_step(), _verify_step()),
            ),
            text_link("register.login_link", "/login"),
            heading_key="reset.heading",
        )
    )
