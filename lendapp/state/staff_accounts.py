"""The admin page for staff accounts: list, create, change role, deactivate, resets."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import staff as staff_service
from lendapp.services.auth_errors import AccountsError
from lendapp.services.staff import StaffCredentials, StaffSummary
from lendapp.settings import get_settings
from lendapp.state.auth_forms import clear_errors, form_text, locale_of, show_error
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)

CREATE_FIELDS = ("role", "name", "phone", "login")


@dataclasses.dataclass
class StaffRow:
    """One staff account as the page lists it."""

    user_id: int
    login: str
    display_name: str
    role: str
    phone: str
    is_active: bool
    totp_enabled: bool
    must_change_password: bool
    created: str


class StaffAccountsState(rx.State):
    """Staff accounts and the forms that change them."""

    rows: list[StaffRow] = []
    role_error: str = ""
    name_error: str = ""
    phone_error: str = ""
    login_error: str = ""
    form_error: str = ""
    # Shown once after a create or password reset, then cleared.
    issued_login: str = ""
    issued_password: str = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        summaries = await asyncio.to_thread(staff_service.list_staff, current_principal())
        self.rows = [_row(summary, locale, get_settings().timezone) for summary in summaries]

    def _issue(self, credentials: StaffCredentials) -> None:
        self.issued_login, self.issued_password = credentials.login, credentials.one_time_password

    async def _run(self, action: Callable[..., object], *args: object, done_key: str) -> rx.event.EventSpec:
        locale = await locale_of(self)
        try:
            result = await asyncio.to_thread(action, current_principal(), *args, client_ip=client_ip_of(self))
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        if isinstance(result, StaffCredentials):
            self._issue(result)
        await self._refresh()
        return rx.toast.success(translate(done_key, locale))

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def load(self) -> None:
        """Load the staff list."""
        clear_errors(self, CREATE_FIELDS)
        self.issued_login = self.issued_password = ""
        await self._refresh()

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def create(self, form_data: dict) -> rx.event.EventSpec | None:
        """Create a staff account and show its one-time password."""
        clear_errors(self, CREATE_FIELDS)
        locale = await locale_of(self)
        try:
            credentials = await asyncio.to_thread(
                staff_service.create_staff,
                current_principal(),
                role=form_text(form_data, "role", 32),
                name=form_text(form_data, "name", 128),
                phone=form_text(form_data, "phone", 64),
                login=form_text(form_data, "login", 64) or None,
                client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            show_error(self, error, locale)
            return None
        self._issue(credentials)
        await self._refresh()
        return rx.toast.success(translate("staff_accounts.created", locale))

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def deactivate(self, user_id: int) -> rx.event.EventSpec:
        """Deactivate a staff account and end its sessions."""
        return await self._run(staff_service.set_staff_active, int(user_id), False, done_key="staff_accounts.deactivated")

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def reactivate(self, user_id: int) -> rx.event.EventSpec:
        """Reactivate a deactivated staff account."""
        return await self._run(staff_service.set_staff_active, int(user_id), True, done_key="staff_accounts.reactivated")

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def reset_password(self, user_id: int) -> rx.event.EventSpec:
        """Give a staff account a new one-time password."""
        return await self._run(staff_service.reset_staff_password, int(user_id), done_key="staff_accounts.password_reset")

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def reset_totp(self, user_id: int) -> rx.event.EventSpec:
        """Remove a staff account's TOTP so it enrols again."""
        return await self._run(staff_service.reset_staff_totp, int(user_id), done_key="staff_accounts.totp_reset")

    @rx.event
    @requires(Permission.STAFF_MANAGE)
    async def change_role(self, user_id: int, role: str) -> rx.event.EventSpec:
        """Give a staff account another role."""
        return await self._run(staff_service.change_staff_role, int(user_id), str(role), done_key="staff_accounts.role_changed")

    @rx.event
    def dismiss_credentials(self) -> None:
        """Remove the shown one-time password from the page and the state store."""
        self.issued_login = self.issued_password = ""


def _row(summary: StaffSummary, locale: str, timezone: str) -> StaffRow:
    return StaffRow(
        user_id=summary.user_id,
        login=summary.login,
        display_name=summary.display_name,
        role=summary.role,
        phone=summary.phone,
        is_active=summary.is_active,
        totp_enabled=summary.totp_enabled,
        must_change_password=summary.must_change_password,
        created=format_datetime(summary.created_at, locale, timezone),
    )
