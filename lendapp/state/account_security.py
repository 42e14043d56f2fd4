"""The security page: change password, active sessions, and TOTP enrolment for staff."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission, is_staff_role, requires_totp
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services.auth import change_password as change_own_password
from lendapp.services.auth_errors import AccountsError
from lendapp.services.auth_totp import begin_enrolment, confirm_enrolment
from lendapp.services.pii import own_profile
from lendapp.services.sessions import SessionView, list_own_sessions, revoke_other_sessions, revoke_own_session
from lendapp.settings import get_settings
from lendapp.state.auth_forms import clear_errors, form_text, locale_of, show_error
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

PASSWORD_FIELDS = ("current_password", "password", "confirm")


@dataclasses.dataclass
class SessionRow:
    """One active session as the page lists it; times are formatted for the visitor."""

    session_id: int
    device: str
    client_ip: str
    last_seen: str
    signed_in: str
    is_current: bool


class AccountSecurityState(rx.State):
    """Password, sessions and two-factor settings of the signed-in user."""

    masked_phone: str = ""
    is_staff: bool = False
    must_change_password: bool = False
    totp_required: bool = False
    totp_enabled: bool = False
    sessions: list[SessionRow] = []
    current_password_error: str = ""
    password_error: str = ""
    confirm_error: str = ""
    form_error: str = ""
    password_changed: bool = False
    totp_secret: str = ""
    totp_uri: str = ""
    totp_code_error: str = ""

    async def _refresh(self) -> None:
        principal = current_principal()
        locale = await locale_of(self)
        timezone = get_settings().timezone
        views, profile = await asyncio.gather(
            asyncio.to_thread(list_own_sessions, principal), asyncio.to_thread(own_profile, principal)
        )
        self.sessions = [_row(view, locale, timezone) for view in views]
        self.masked_phone = profile.phone
        self.is_staff = is_staff_role(principal.role)
        self.must_change_password = principal.must_change_password
        self.totp_required = requires_totp(principal.role)
        self.totp_enabled = principal.totp_enabled

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def load(self) -> None:
        """Load the sessions and account settings."""
        clear_errors(self, PASSWORD_FIELDS + ("totp_code",))
        self.password_changed = False
        self.totp_secret = self.totp_uri = ""
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def change_password(self, form_data: dict) -> None:
        """Change the password; other sessions of the account are signed out."""
        clear_errors(self, PASSWORD_FIELDS)
        self.password_changed = False
        try:
            await asyncio.to_thread(
                change_own_password,
                current_principal(),
                form_text(form_data, "current_password"),
                form_text(form_data, "password"),
                form_text(form_data, "confirm"),
                client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            show_error(self, error, await locale_of(self))
            return
        await self._refresh()
        # The principal was read before the change, so it still carries the old flag.
        self.password_changed = True
        self.must_change_password = False

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def sign_out_session(self, session_id: int) -> rx.event.EventSpec | None:
        """Sign out one other device of the user's own sessions."""
        try:
            await asyncio.to_thread(revoke_own_session, current_principal(), int(session_id))
        except (AccountsError, ValueError, TypeError):
            return rx.toast.error(translate("account.error.session_not_found", await locale_of(self)))
        await self._refresh()
        return None

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def sign_out_others(self) -> rx.event.EventSpec:
        """Sign out every session of the user except this one."""
        count = await asyncio.to_thread(revoke_other_sessions, current_principal(), client_ip_of(self))
        await self._refresh()
        return rx.toast.success(translate("security.sessions.signed_out_others", await locale_of(self), count=count))

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def begin_totp(self) -> rx.event.EventSpec | None:
        """Create a TOTP secret and show it once, for the authenticator app."""
        try:
            enrolment = await asyncio.to_thread(begin_enrolment, current_principal())
        except AccountsError as error:
            return rx.toast.error(translate(error.key, await locale_of(self)))
        self.totp_secret, self.totp_uri, self.totp_code_error = enrolment.secret, enrolment.uri, ""
        return None

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def confirm_totp(self, form_data: dict) -> rx.event.EventSpec | None:
        """Activate TOTP once the first code from the app matches."""
        self.totp_code_error = ""
        try:
            await asyncio.to_thread(confirm_enrolment, current_principal(), form_text(form_data, "totp_code", 16), client_ip_of(self))
        except AccountsError as error:
            show_error(self, error, await locale_of(self))
            return None
        # NOTE: Reflex keeps state vars in its state store (disk or Redis) until
        # they change, so the secret is cleared as soon as it is confirmed.
        self.totp_secret = self.totp_uri = ""
        self.totp_enabled = True
        return rx.toast.success(translate("security.totp.enabled", await locale_of(self)))


def _row(view: SessionView, locale: str, timezone: str) -> SessionRow:
    return SessionRow(
        session_id=view.session_id,
        device=view.device,
        client_ip=view.client_ip,
        last_seen=format_datetime(view.last_seen_at, locale, timezone),
        signed_in=format_datetime(view.created_at, locale, timezone),
        is_current=view.is_current,
    )
