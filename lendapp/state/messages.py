"""The borrower's inbox at /account/messages and the notification preferences per channel."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import notifications
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import current_principal, requires

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class MessageRow:
    """One inbox message as display text."""

    id: int
    subject: str
    body: str
    time: str
    read: bool


@dataclasses.dataclass
class PreferenceRow:
    """One optional channel and category switch."""

    channel: str
    category: str
    label: str
    enabled: bool


class MessagesState(rx.State):
    """Inbox and preferences of the signed-in borrower."""

    messages: list[MessageRow] = []
    unread: int = 0
    preferences: list[PreferenceRow] = []

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        user_id = current_principal().user_id
        timezone = get_settings().timezone
        items, unread, prefs = await asyncio.gather(
            asyncio.to_thread(notifications.list_inbox, user_id, 50),
            asyncio.to_thread(notifications.unread_count, user_id),
            asyncio.to_thread(notifications.get_preferences, user_id),
        )
        self.messages = [MessageRow(i.id, i.subject, i.body, format_datetime(i.created_at, locale, timezone), i.read) for i in items]
        self.unread = unread
        self.preferences = [
            PreferenceRow(
                channel=channel,
                category=category,
                label=translate("messages.preference", locale,
                                channel=translate(f"messages.channel.{channel}", locale),
                                category=translate(f"messages.category.{category}", locale)),
                enabled=enabled,
            )
            for channel, categories in prefs.items()
            for category, enabled in categories.items()
        ]

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def load(self) -> None:
        """Load the inbox and the preferences."""
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def mark_read(self, notification_id: int) -> None:
        """Mark one of the borrower's own messages read."""
        await asyncio.to_thread(notifications.mark_read, current_principal().user_id, int(notification_id))
        await self._refresh()

    @rx.event
    @requires(Permission.OWN_ACCOUNT)
    async def set_preference(self, channel: str, category: str, enabled: bool) -> rx.event.EventSpec | None:
        """Switch an optional kind of message on or off for one channel."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(notifications.set_preference, current_principal().user_id, str(channel), str(category), bool(enabled))
        except notifications.NotificationError:
            return rx.toast.error(translate("messages.preference_refused", locale))
        await self._refresh()
        return rx.toast.success(translate("messages.preference_saved", locale))
