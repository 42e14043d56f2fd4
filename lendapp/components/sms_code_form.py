"""The two steps shared by registration and password reset: the mobile number, then the SMS code with a new password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import form_field, submit_button
from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import t


def phone_step(state: type[rx.State], hint_key: str | None = None) -> rx.Component:
    """Render the form that sends an SMS code to the typed mobile number."""
    return rx.form(
        rx.vstack(
            form_field("auth.field.phone", "phone", state.phone_error, input_type="tel",
                       auto_complete="tel-national", input_mode="numeric", max_length=20, hint_key=hint_key),
            submit_button("auth.send_code", button_id="send-code"),
            spacing="4",
            width="100%",
        ),
        on_submit=state.send_code,
        width="100%",
    )


def verify_step(state: type[rx.State], submit_key: str, submit_id: str) -> rx.Component:
    """Render the SMS code and new password form, with resend and change-number buttons."""
    return rx.vstack(
        rx.callout(state.info, icon="message-square", color_scheme="jade", width="100%"),
        rx.flex(
            rx.button(t("auth.resend_code"), on_click=state.resend_code, variant="soft", min_height=TAP_TARGET, type="button"),
            rx.button(t("auth.change_phone"), on_click=state.change_phone, variant="ghost", min_height=TAP_TARGET, type="button"),
            spacing="3",
            wrap="wrap",
        ),
        rx.form(
            rx.vstack(
                form_field("auth.field.code", "code", state.code_error, auto_complete="one-time-code",
                           input_mode="numeric", max_length=6),
                form_field("auth.field.new_password", "password", state.password_error, input_type="password",
                           auto_complete="new-password", hint_key="auth.hint.password"),
                form_field("auth.field.confirm", "confirm", state.confirm_error, input_type="password",
                           auto_complete="new-password"),
                submit_button(submit_key, state.submitting, submit_id),
                spacing="4",
                width="100%",
            ),
            on_submit=state.submit,
            reset_on_submit=False,
            width="100%",
        ),
        spacing="4",
        width="100%",
    )
