"""The borrower's privacy page: consents, the data archive and account deletion."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.services import data_rights
from lendapp.services.auth_errors import AccountsError
from lendapp.services.consents import own_consents, record_consents
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class ConsentRow:
    """One consent purpose with its current choice."""

    purpose: str
    title: str
    body: str
    granted: bool
    required: bool
    version: str


class PrivacyRightsState(rx.State):
    """Consents, export and deletion of the signed-in borrower."""

    consents: list[ConsentRow] = []
    delete_error: str = ""
    deleted: bool = False
    erased: list[str] = []
    kept: list[str] = []

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        states = await asyncio.to_thread(own_consents, current_principal().user_id)
        self.consents = [
            ConsentRow(
                purpose=state.purpose,
                title=translate(f"apply.consent.{state.purpose}.title", locale),
                body=translate(f"apply.consent.{state.purpose}.body", locale),
                granted=state.granted,
                required=state.required,
                version=state.policy_version,
            )
            for state in states
        ]

    @rx.event
    @requires(Permission.OWN_CONSENTS)
    async def load(self) -> None:
        """Load the consents."""
        self.delete_error, self.deleted, self.erased, self.kept = "", False, [], []
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_CONSENTS)
    async def set_consent(self, purpose: str, granted: bool) -> rx.event.EventSpec:
        """Grant or withdraw one optional consent; withdrawal applies to processing from now on."""
        locale = await locale_of(self)
        optional = {row.purpose for row in self.consents if not row.required}
        if purpose not in optional:
            return rx.toast.error(translate("privacy_rights.required_consent", locale))
        await asyncio.to_thread(
            record_consents, current_principal().user_id, {purpose: bool(granted)}, client_ip=client_ip_of(self)
        )
        await self._refresh()
        key = "privacy_rights.granted" if granted else "privacy_rights.withdrawn"
        return rx.toast.success(translate(key, locale))

    @rx.event
    @requires(Permission.OWN_DATA_EXPORT)
    async def delete_account(self, form_data: dict) -> rx.event.EventSpec | None:
        """Delete the account after the password is entered again, and list what was erased and kept."""
        locale = await locale_of(self)
        password = form_text(form_data, "password", 256)
        try:
            report = await asyncio.to_thread(data_rights.delete_account, current_principal(), password, client_ip_of(self))
        except AccountsError as error:
            self.delete_error = translate(error.key, locale, **error.params)
            return None
        self.delete_error = ""
        self.deleted = True
        self.erased = [translate(key, locale) for key in report.erased]
        self.kept = [translate(key, locale) for key in report.kept]
        return None
