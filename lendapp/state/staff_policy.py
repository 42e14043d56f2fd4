"""The scoring policy page: every threshold with its current value, default, bounds and last change."""

from __future__ import annotations

import asyncio
import logging

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime
from lendapp.services import policy_settings
from lendapp.services.auth_errors import AccountsError
from lendapp.services.policy_settings import BY_KEY, PolicyValidationError, SettingView
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, requires

logger = logging.getLogger(__name__)


def _empty() -> dict[str, str]:
    return {key: "" for key in BY_KEY}


class StaffPolicyState(rx.State):
    """The thresholds and the form that changes them, each dict keyed by setting key."""

    values: dict[str, str] = _empty()
    defaults: dict[str, str] = _empty()
    bounds: dict[str, str] = _empty()
    changed: dict[str, str] = _empty()
    field_errors: dict[str, str] = _empty()
    checked: dict[str, bool] = {}
    form_error: str = ""
    last_change: str = ""
    # Changing the key remounts the form, so its inputs show the stored values.
    form_key: int = 0
    # The form appears once the stored values are in, so nothing typed earlier is lost to a remount.
    loaded: bool = False

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        views = await asyncio.to_thread(policy_settings.list_settings, current_principal())
        timezone = get_settings().timezone
        self.values = {view.key: view.value for view in views}
        self.defaults = {view.key: view.default for view in views}
        self.bounds = {view.key: _bounds(view) for view in views}
        self.changed = {view.key: _changed(view, locale, timezone) for view in views}
        self.checked = {view.key: view.value == "true" for view in views if view.kind == "bool"}
        latest = max((view for view in views if view.updated_at), key=lambda view: view.updated_at, default=None)
        self.last_change = _changed(latest, locale, timezone) if latest else ""
        self.form_key += 1
        self.loaded = True

    @rx.event
    @requires(Permission.SCORING_POLICY)
    async def load(self) -> None:
        """Load the thresholds."""
        self.field_errors, self.form_error = _empty(), ""
        await self._refresh()

    @rx.event
    @requires(Permission.SCORING_POLICY)
    async def save(self, form_data: dict) -> rx.event.EventSpec | None:
        """Validate and store the changed thresholds."""
        self.field_errors, self.form_error = _empty(), ""
        locale = await locale_of(self)
        submitted = {key: _form_text(value) for key, value in form_data.items() if key in BY_KEY}
        try:
            changed = await asyncio.to_thread(policy_settings.update_policy, current_principal(), submitted, client_ip=client_ip_of(self))
        except PolicyValidationError as error:
            shown = _empty()
            for key, (message_key, params) in error.errors.items():
                if key in shown:
                    shown[key] = translate(message_key, locale, **params)
                else:
                    self.form_error = translate(message_key, locale, **params)
            self.field_errors = shown
            self.form_error = self.form_error or translate("settings.error.fix_fields", locale)
            return None
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        await self._refresh()
        if not changed:
            return rx.toast.info(translate("settings.policy.unchanged", locale))
        return rx.toast.success(translate("settings.policy.saved", locale, count=len(changed)))


def _form_text(value: object) -> str:
    # A checkbox arrives as a boolean from Reflex's form data.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)[:64]


def _bounds(view: SettingView) -> str:
    return f"{view.minimum} – {view.maximum}" if view.minimum else ""


def _changed(view: SettingView | None, locale: str, timezone: str) -> str:
    if view is None or view.updated_at is None:
        return ""
    who = view.updated_by or translate("settings.system", locale)
    return translate("settings.policy.changed_by", locale, name=who, time=format_datetime(view.updated_at, locale, timezone))
