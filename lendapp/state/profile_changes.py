"""The borrower's mobile number and payout card on the security page."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.services import profile_changes
from lendapp.services.auth_errors import AccountsError
from lendapp.services.pii import own_profile
from lendapp.state.auth_forms import form_text, locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)


class ProfileChangesState(rx.State):
    """Forms to change the mobile number (password, then a code to the new number) and the payout card."""

    masked_card: str = ""
    code_sent: bool = False
    phone_error: str = ""
    card_error: str = ""
    # The number waiting for its code stays on the server between the two steps.
    _pending_phone: str = ""

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def load(self) -> None:
        """Show the masked current card."""
        try:
            profile = await asyncio.to_thread(own_profile, current_principal())
            self.masked_card = profile.bank_card
        except AccountsError:
            # Staff accounts have no borrower profile; the page hides these forms from them.
            self.masked_card = ""
        self.code_sent, self.phone_error, self.card_error, self._pending_phone = False, "", "", ""

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def send_phone_code(self, form_data: dict) -> rx.event.EventSpec | None:
        """Check the password and send a code to the new number."""
        locale = await locale_of(self)
        phone = form_text(form_data, "new_phone", 32)
        try:
            await asyncio.to_thread(
                profile_changes.request_phone_change, current_principal(), phone, form_text(form_data, "phone_password", 256),
                locale=locale, client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            self.phone_error = translate(error.key, locale, **error.params)
            return None
        self.phone_error, self.code_sent, self._pending_phone = "", True, phone
        return rx.toast.info(translate("profile.phone.sent", locale))

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def confirm_phone(self, form_data: dict) -> rx.event.EventSpec | None:
        """Move the account to the new number with the code it received."""
        locale = await locale_of(self)
        try:
            masked = await asyncio.to_thread(
                profile_changes.confirm_phone_change, current_principal(), self._pending_phone,
                form_text(form_data, "phone_code", 8), client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            self.phone_error = translate(error.key, locale, **error.params)
            return None
        self.phone_error, self.code_sent, self._pending_phone = "", False, ""
        return rx.toast.success(translate("profile.phone.changed", locale, phone=masked))

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def change_card(self, form_data: dict) -> rx.event.EventSpec | None:
        """Replace the payout card after the password."""
        locale = await locale_of(self)
        try:
            saved = await asyncio.to_thread(
                profile_changes.change_bank_card, current_principal(), form_text(form_data, "card_number", 40),
                form_text(form_data, "card_password", 256), client_ip=client_ip_of(self),
            )
        except AccountsError as error:
            self.card_error = translate(error.key, locale, **error.params)
            return None
        self.card_error, self.masked_card = "", saved.masked_number
        return rx.toast.success(translate("profile.card.saved", locale, bank=saved.bank_name, card=saved.masked_number))
