"""The product settings page: product list, edit form with errors by field, and version history."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
from collections.abc import Callable
from typing import Any

import reflex as rx

from lendapp.domain.permissions import Permission
from lendapp.i18n import translate
from lendapp.i18n.formatting import format_datetime, format_money, format_percent
from lendapp.services import products_admin
from lendapp.services.auth_errors import AccountsError
from lendapp.services.products_admin import EDITABLE_FIELDS, ProductSettings, ProductValidationError, ProductVersionView
from lendapp.settings import get_settings
from lendapp.state.auth_forms import locale_of
from lendapp.state.auth_guard import client_ip_of, current_principal, deny, requires

logger = logging.getLogger(__name__)

# The value of ``StaffProductsState.selected`` while the create form is open.
NEW_PRODUCT = "__new__"
NEW_PRODUCT_FORM = {name: "" for name in EDITABLE_FIELDS} | {
    "segment": "consumer", "method": "equal_installment", "upfront_fee_rate": "0", "penalty_daily_rate": "0.05",
    "grace_days": "3", "min_age": "18", "max_age": "60", "sort_order": "0",
}


@dataclasses.dataclass
class ProductRow:
    """One product in the list, figures formatted."""

    code: str
    name_zh: str
    name_en: str
    segment: str
    rate_range: str
    amount_range: str
    version: int
    is_active: bool


@dataclasses.dataclass
class VersionRow:
    """One stored version in the history list."""

    version: int
    changed_fields: list[str]
    changed_by: str
    created: str


def requires_product_access(handler: Callable) -> Callable:
    """Let a handler run only for staff holding product_manage or product_rates.

    ``requires`` takes one permission, so handlers are guarded with the staff
    workspace permission and this check narrows them to the two product roles.
    The service checks each field again.
    """

    @functools.wraps(handler)
    async def checked(self: rx.State, *args: Any, **kwargs: Any) -> Any:
        principal = current_principal()
        if not (principal.can(Permission.PRODUCT_MANAGE) or principal.can(Permission.PRODUCT_RATES)):
            logger.warning("Refused %s for user %s (%s)", handler.__qualname__, principal.user_id, principal.role)
            return await deny(self, principal, Permission.PRODUCT_MANAGE)
        return await handler(self, *args, **kwargs)

    return checked


class StaffProductsState(rx.State):
    """Products, the product being edited and its history."""

    rows: list[ProductRow] = []
    # "" while no form is open, NEW_PRODUCT for the create form, else the code of the product being edited.
    selected: str = ""
    form: dict[str, str] = dict(NEW_PRODUCT_FORM)
    field_errors: dict[str, str] = {name: "" for name in EDITABLE_FIELDS}
    form_error: str = ""
    # Changing the key remounts the form, so its inputs show the new defaults.
    form_key: int = 0
    version: int = 0
    selected_active: bool = True
    can_manage: bool = False
    history: list[VersionRow] = []

    def _clear_errors(self) -> None:
        self.field_errors = {name: "" for name in EDITABLE_FIELDS}
        self.form_error = ""

    async def _refresh(self) -> None:
        locale = await locale_of(self)
        products = await asyncio.to_thread(products_admin.list_products, current_principal())
        self.rows = [_row(product, locale) for product in products]
        self.can_manage = current_principal().can(Permission.PRODUCT_MANAGE)

    async def _show(self, code: str) -> None:
        locale = await locale_of(self)
        product = await asyncio.to_thread(products_admin.get_product, current_principal(), code)
        versions = await asyncio.to_thread(products_admin.product_history, current_principal(), code)
        self.selected, self.version, self.selected_active = code, product.version, product.is_active
        self.form = products_admin.draft_to_form(product.draft)
        self.history = [_version_row(view, locale, get_settings().timezone) for view in versions]
        self.form_key += 1

    def _show_errors(self, error: AccountsError, locale: str) -> None:
        errors = error.errors if isinstance(error, ProductValidationError) else {error.field or "form": (error.key, error.params)}
        shown = {name: "" for name in EDITABLE_FIELDS}
        for field, (key, params) in errors.items():
            text = translate(key, locale, **params)
            if field in shown:
                shown[field] = text
            else:
                self.form_error = text
        self.field_errors = shown
        if not self.form_error:
            self.form_error = translate("settings.error.fix_fields", locale)

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def load(self) -> None:
        """Load the product list and close any open form."""
        self._clear_errors()
        self.selected, self.history = "", []
        await self._refresh()

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def edit(self, code: str) -> rx.event.EventSpec | None:
        """Open a product's form and version history."""
        self._clear_errors()
        try:
            await self._show(str(code)[:64])
        except AccountsError as error:
            return rx.toast.error(translate(error.key, await locale_of(self), **error.params))
        return None

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def new(self) -> None:
        """Open an empty form for a new product."""
        self._clear_errors()
        self.selected, self.version, self.selected_active, self.history = NEW_PRODUCT, 0, True, []
        self.form = dict(NEW_PRODUCT_FORM)
        self.form_key += 1

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def close(self) -> None:
        """Close the form without saving."""
        self._clear_errors()
        self.selected, self.history = "", []

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def save(self, form_data: dict) -> rx.event.EventSpec | None:
        """Create the product or save the form as a new version."""
        self._clear_errors()
        locale = await locale_of(self)
        submitted = {name: str(value)[:600] for name, value in form_data.items() if name in EDITABLE_FIELDS}
        code = None if self.selected == NEW_PRODUCT else self.selected
        try:
            saved = await asyncio.to_thread(
                products_admin.save_product_form, current_principal(), code, submitted, self.version, client_ip=client_ip_of(self)
            )
        except AccountsError as error:
            self._show_errors(error, locale)
            return None
        await self._refresh()
        await self._show(saved.draft.code)
        return rx.toast.success(translate("settings.product.saved", locale, version=saved.version))

    @rx.event
    @requires(Permission.STAFF_WORKSPACE)
    @requires_product_access
    async def set_active(self, active: bool) -> rx.event.EventSpec | None:
        """Deactivate or reactivate the product being edited."""
        locale = await locale_of(self)
        try:
            await asyncio.to_thread(
                products_admin.set_product_active, current_principal(), self.selected, bool(active), client_ip=client_ip_of(self)
            )
        except AccountsError as error:
            return rx.toast.error(translate(error.key, locale, **error.params))
        self.selected_active = bool(active)
        await self._refresh()
        return rx.toast.success(translate("settings.product.activated" if active else "settings.product.deactivated", locale))


def _row(product: ProductSettings, locale: str) -> ProductRow:
    draft = product.draft
    return ProductRow(
        code=draft.code,
        name_zh=draft.name_zh,
        name_en=draft.name_en,
        segment=draft.segment,
        rate_range=f"{format_percent(draft.min_annual_rate, locale)} – {format_percent(draft.max_annual_rate, locale)}",
        amount_range=f"{format_money(draft.min_amount, locale)} – {format_money(draft.max_amount, locale)}",
        version=product.version,
        is_active=product.is_active,
    )


def _version_row(view: ProductVersionView, locale: str, timezone: str) -> VersionRow:
    return VersionRow(
        version=view.version,
        changed_fields=list(view.changed_fields),
        changed_by=view.changed_by,
        created=format_datetime(view.created_at, locale, timezone),
    )
