"""Borrower registration and password reset: two-step forms confirmed by an SMS code.

Step one takes the mobile number and sends a code; step two takes the code
and the new password. The number is kept in a backend-only var between the
steps, and the page shows only its masked form.
"""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from lendapp.domain.masking import mask_phone
from lendapp.i18n import translate
from lendapp.services.auth import (
    parse_phone,
    register_borrower,
    request_registration_code,
    request_reset_code,
    reset_password,
)
from lendapp.services.auth_errors import AccountsError
from lendapp.state.auth_forms import clear_errors, form_text, locale_of, next_path_from_query, show_error
from lendapp.state.auth_guard import SECURITY_PAGE, client_ip_of
from lendapp.state.auth_handoff import complete_sign_in

logger = logging.getLogger(__name__)

STEP_PHONE = "phone"
STEP_VERIFY = "verify"
FIELDS = ("phone", "code", "password", "confirm")


class RegisterState(rx.State):
    """The registration form."""

    step: str = STEP_PHONE
    masked_phone: str = ""
    info: str = ""
    phone_error: str = ""
    code_error: str = ""
    password_error: str = ""
    confirm_error: str = ""
    form_error: str = ""
    submitting: bool = False
    _phone: str = ""
    _next_path: str = SECURITY_PAGE

    @rx.event
    def load(self) -> None:
        """Start the form from its first step and remember where to go once the account exists."""
        self._reset_form()
        self._next_path = next_path_from_query(self, SECURITY_PAGE)

    def _reset_form(self) -> None:
        clear_errors(self, FIELDS)
        self.step, self.masked_phone, self.info, self._phone, self.submitting = STEP_PHONE, "", "", "", False

    @rx.event
    async def send_code(self, form_data: dict) -> None:
        """Validate the number and send a registration code to it."""
        await self._send(form_text(form_data, "phone", 64))

    @rx.event
    async def resend_code(self) -> None:
        """Send a new code to the number entered in step one."""
        await self._send(self._phone)

    async def _send(self, raw_phone: str) -> None:
        clear_errors(self, FIELDS)
        locale = await locale_of(self)
        try:
            sent = await asyncio.to_thread(request_registration_code, raw_phone, locale=locale, client_ip=client_ip_of(self))
            phone = parse_phone(raw_phone)
        except AccountsError as error:
            show_error(self, error, locale)
            return
        self._phone, self.masked_phone, self.step = phone, mask_phone(phone), STEP_VERIFY
        self.info = translate("auth.info.code_sent", locale, phone=self.masked_phone, minutes=sent.valid_minutes)

    @rx.event
    def change_phone(self) -> None:
        """Go back to step one to enter another number."""
        self._reset_form()

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        """Create the account and sign it in."""
        clear_errors(self, FIELDS)
        locale = await locale_of(self)
        if not self._phone:
            self.step = STEP_PHONE
            self.form_error = translate("auth.error.code_missing", locale)
            return None
        self.submitting = True
        try:
            result = await asyncio.to_thread(
                register_borrower,
                self._phone,
                form_text(form_data, "code", 16),
                form_text(form_data, "password"),
                form_text(form_data, "confirm"),
                client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            self.submitting = False
            show_error(self, error, locale)
            return None
        self._phone = ""
        return complete_sign_in(result.handoff_code, self._next_path)


class ResetPasswordState(rx.State):
    """The password-reset form."""

    step: str = STEP_PHONE
    masked_phone: str = ""
    info: str = ""
    done: bool = False
    phone_error: str = ""
    code_error: str = ""
    password_error: str = ""
    confirm_error: str = ""
    form_error: str = ""
    submitting: bool = False
    _phone: str = ""

    @rx.event
    def load(self) -> None:
        """Start the form from its first step."""
        self._reset_form()

    def _reset_form(self) -> None:
        clear_errors(self, FIELDS)
        self.step, self.masked_phone, self.info, self._phone = STEP_PHONE, "", "", ""
        self.done = self.submitting = False

    @rx.event
    async def send_code(self, form_data: dict) -> None:
        """Validate the number and, when it has an account, send a reset code."""
        await self._send(form_text(form_data, "phone", 64))

    @rx.event
    async def resend_code(self) -> None:
        """Send a new code to the number entered in step one."""
        await self._send(self._phone)

    async def _send(self, raw_phone: str) -> None:
        clear_errors(self, FIELDS)
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(request_reset_code, raw_phone, locale=locale, client_ip=client_ip_of(self))
            phone = parse_phone(raw_phone)
        except AccountsError as error:
            show_error(self, error, locale)
            return
        # The same words whether or not the number has an account, so the page does not reveal which numbers do.
        self._phone, self.masked_phone, self.step = phone, mask_phone(phone), STEP_VERIFY
        self.info = translate("auth.info.reset_code_sent", locale, phone=self.masked_phone)

    @rx.event
    def change_phone(self) -> None:
        """Go back to step one to enter another number."""
        self._reset_form()

    @rx.event
    async def submit(self, form_data: dict) -> None:
        """Set the new password; every session of the account is signed out."""
        clear_errors(self, FIELDS)
        locale = await locale_of(self)
        if not self._phone:
            self.step = STEP_PHONE
            self.form_error = translate("auth.error.code_missing", locale)
            return
        self.submitting = True
        try:
            await asyncio.to_thread(
                reset_password,
                self._phone,
                form_text(form_data, "code", 16),
                form_text(form_data, "password"),
                form_text(form_data, "confirm"),
                client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            show_error(self, error, locale)
            return
        finally:
            self.submitting = False
        self._phone = ""
        self.done = True
