"""Borrower and staff sign-in forms."""

from __future__ import annotations

import asyncio
import logging
import urllib.parse

import reflex as rx

from lendapp.i18n import translate
from lendapp.services.auth import sign_in_borrower, sign_in_staff
from lendapp.services.auth_errors import AccountsError
from lendapp.state.auth_forms import clear_errors, form_text, locale_of, next_path_from_query, show_error
from lendapp.state.auth_guard import SECURITY_PAGE, client_ip_of
from lendapp.state.auth_handoff import complete_sign_in

logger = logging.getLogger(__name__)

BORROWER_HOME = SECURITY_PAGE
REGISTER_PAGE = "/register"
STAFF_HOME = "/staff"


class LoginState(rx.State):
    """The borrower sign-in form: mobile number and password."""

    phone_error: str = ""
    password_error: str = ""
    form_error: str = ""
    submitting: bool = False
    register_href: str = REGISTER_PAGE
    _next_path: str = BORROWER_HOME

    @rx.event
    async def load(self) -> None:
        """Remember where to go after signing in, and explain a failed cookie handoff."""
        clear_errors(self, ("phone", "password"))
        self.submitting = False
        self._next_path = next_path_from_query(self, BORROWER_HOME)
        # A visitor without an account registers instead and should land in the same place.
        self.register_href = REGISTER_PAGE
        if self._next_path != BORROWER_HOME:
            self.register_href += "?" + urllib.parse.urlencode({"next": self._next_path})
        if self.router.url.query_parameters.get("handoff") == "failed":
            self.form_error = translate("auth.error.handoff_invalid", await locale_of(self))

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        """Check the credentials off the event loop and hand the session to the browser."""
        clear_errors(self, ("phone", "password"))
        self.submitting = True
        try:
            result = await asyncio.to_thread(
                sign_in_borrower, form_text(form_data, "phone", 64), form_text(form_data, "password"), client_ip=client_ip_of(self)
            )
        except AccountsError as error:
            self.submitting = False
            show_error(self, error, await locale_of(self))
            return None
        return complete_sign_in(result.handoff_code, self._next_path)


class StaffLoginState(rx.State):
    """The staff sign-in form: user name, password and TOTP code once enrolled."""

    login_error: str = ""
    password_error: str = ""
    totp_code_error: str = ""
    form_error: str = ""
    submitting: bool = False
    _next_path: str = STAFF_HOME

    @rx.event
    async def load(self) -> None:
        """Remember where to go after signing in, and explain a failed cookie handoff."""
        clear_errors(self, ("login", "password", "totp_code"))
        self.submitting = False
        self._next_path = next_path_from_query(self, STAFF_HOME)
        if self.router.url.query_parameters.get("handoff") == "failed":
            self.form_error = translate("auth.error.handoff_invalid", await locale_of(self))

    @rx.event
    async def submit(self, form_data: dict) -> rx.event.EventSpec | None:
        """Check the credentials off the event loop and hand the session to the browser."""
        clear_errors(self, ("login", "password", "totp_code"))
        self.submitting = True
        try:
            result = await asyncio.to_thread(
                sign_in_staff,
                form_text(form_data, "login", 64),
                form_text(form_data, "password"),
                form_text(form_data, "totp_code", 16),
                client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            self.submitting = False
            show_error(self, error, await locale_of(self))
            return None
        return complete_sign_in(result.handoff_code, SECURITY_PAGE if result.setup_pending else self._next_path)
