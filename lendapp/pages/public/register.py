"""The registration page: mobile number, SMS code, then password."""

from __future__ import annotations

import reflex as rx

from lendapp.components.auth_form import auth_card, form_error, text_link
from lendapp.components.layout import borrower_shell
from lendapp.components.sms_code_form import phone_step, verify_step
from lendapp.components.text import t
from lendapp.state.auth_register import STEP_PHONE, RegisterState

ROUTE = "/register"
TITLE_KEY = "register.meta_title"
DESCRIPTION_KEY = "register.meta_description"
ON_LOAD = RegisterState.load


def page() -> rx.Component:
    """Render the registration page."""
    return borrower_shell(
        auth_card(
            rx.text(t("register.intro"), color_scheme="gray"),
            form_error(RegisterState.form_error),
            rx.cond(
                RegisterState.step == STEP_PHONE,
                phone_step(RegisterState, hint_key="auth.hint.phone"),
                verify_step(RegisterState, "register.submit", "register-submit"),
            ),
            text_link("register.login_link", "/login"),
            heading_key="register.heading",
        )
    )
