"""The password-reset page: mobile number, SMS code, then the new password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, text_link
from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.sms_code_form import phone_step, verify_step
from lendapp.components.text import t
from lendapp.state.auth_register import STEP_PHONE, ResetPasswordState

ROUTE = "/reset-password"
TITLE_KEY = "reset.meta_title"
DESCRIPTION_KEY = "reset.meta_description"
ON_LOAD = ResetPasswordState.load


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
                rx.cond(
                    ResetPasswordState.step == STEP_PHONE,
                    phone_step(ResetPasswordState),
                    verify_step(ResetPasswordState, "reset.submit", "reset-submit"),
                ),
            ),
            text_link("register.login_link", "/login"),
            heading_key="reset.heading",
        )
    )
