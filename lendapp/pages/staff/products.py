"""Product settings at /staff/products: the product list, the edit form and the version history."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.product_card import METHODS, SEGMENTS, segment_badge
from lendapp.components.text import localized, t
from lendapp.services.products_admin import EDITABLE_FIELDS, PRICING_FIELDS
from lendapp.state.staff_products import NEW_PRODUCT, ProductRow, StaffProductsState, VersionRow

ROUTE = "/staff/products"
TITLE_KEY = "settings.product.meta_title"
DESCRIPTION_KEY = "settings.product.meta_description"
# The handler checks the session and the product permissions itself.
ON_LOAD = StaffProductsState.load
S = StaffProductsState

# Form sections: (heading key, fields); rates are entered in percent.
SECTIONS = (
    ("settings.product.section.basics", ("code", "segment", "method", "name_zh", "name_en", "summary_zh", "summary_en", "sort_order")),
    ("settings.product.section.amounts", ("min_amount", "max_amount", "min_term_months", "max_term_months")),
    ("settings.product.section.pricing", ("min_annual_rate", "max_annual_rate", "upfront_fee_rate", "penalty_daily_rate", "grace_days")),
    ("settings.product.section.eligibility", ("min_age", "max_age")),
)
NUMERIC_FIELDS = frozenset(EDITABLE_FIELDS) - {"code", "segment", "method", "name_zh", "name_en", "summary_zh", "summary_en"}
CHOICES = {"segment": [(name, f"segment.{name}") for name in SEGMENTS], "method": [(name, f"method.{name}") for name in METHODS]}


def _disabled(name: str) -> rx.Var | bool:
    if name == "code":
        # The code is part of every application's record, so it is fixed once the product exists.
        return S.selected != NEW_PRODUCT
    if name in PRICING_FIELDS:
        return False
    return ~S.can_manage


def _error(name: str) -> rx.Component:
    return rx.cond(
        S.field_errors[name] != "",
        rx.text(S.field_errors[name], id=f"{name}-error", size="2", color_scheme="red", role="alert"),
    )


def _control(name: str) -> rx.Component:
    if name in CHOICES:
        return rx.select.root(
            rx.select.trigger(id=name, min_height=TAP_TARGET, width="100%"),
            rx.select.content(*[rx.select.item(t(key), value=value) for value, key in CHOICES[name]]),
            name=name,
            default_value=S.form[name],
            disabled=_disabled(name),
            size="3",
        )
    return rx.input(
        id=name,
        name=name,
        default_value=S.form[name],
        disabled=_disabled(name),
        input_mode="decimal" if name in NUMERIC_FIELDS else "text",
        auto_complete="off",
        max_length=512 if name.startswith("summary") else 128,
        size="3",
        min_height=TAP_TARGET,
        width="100%",
        aria_invalid=rx.cond(S.field_errors[name] != "", "true", "false"),
        aria_describedby=f"{name}-error",
    )


def _field(name: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(t(f"settings.product.field.{name}"), html_for=name, font_weight="500", font_size="0.95rem"),
        _control(name),
        _error(name),
        spacing="1",
        width="100%",
        grid_column="1 / -1" if name.startswith("summary") else None,
    )


def _section(heading_key: str, fields: tuple[str, ...]) -> rx.Component:
    return rx.vstack(
        rx.heading(t(heading_key), as_="h3", size="3"),
        rx.grid(*[_field(name) for name in fields], columns=rx.breakpoints(initial="1", sm="2"), spacing="3", width="100%"),
        spacing="2",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.hstack(
                    rx.heading(rx.cond(S.selected == NEW_PRODUCT, t("settings.product.new_heading"), S.selected), as_="h2", size="5"),
                    rx.cond(S.version > 0, rx.badge(t("settings.product.version"), " ", S.version, variant="soft")),
                    rx.cond(~S.selected_active, rx.badge(t("settings.product.inactive"), color_scheme="gray")),
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(~S.can_manage, rx.callout(t("settings.product.pricing_only_note"), icon="info", width="100%")),
                rx.text(t("settings.product.rates_note"), size="2", color_scheme="gray"),
                rx.cond(S.form_error != "", rx.callout(S.form_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%")),
                *[_section(key, fields) for key, fields in SECTIONS],
                rx.flex(
                    rx.button(t("settings.save"), type="submit", size="3", min_height=TAP_TARGET, id="save-product"),
                    rx.button(t("settings.close"), type="button", variant="soft", color_scheme="gray", size="3",
                              min_height=TAP_TARGET, on_click=S.close),
                    rx.spacer(),
                    _activation(),
                    spacing="3",
                    wrap="wrap",
                    width="100%",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=S.save,
            key=S.form_key,
            width="100%",
        ),
        width="100%",
    )


def _activation() -> rx.Component:
    return rx.cond(
        S.can_manage & (S.selected != NEW_PRODUCT),
        rx.cond(
            S.selected_active,
            rx.alert_dialog.root(
                rx.alert_dialog.trigger(rx.button(t("settings.product.deactivate"), type="button", variant="soft", color_scheme="red",
                                                  min_height=TAP_TARGET)),
                rx.alert_dialog.content(
                    rx.alert_dialog.title(t("settings.product.deactivate")),
                    rx.alert_dialog.description(t("settings.product.deactivate_confirm")),
                    rx.flex(
                        rx.alert_dialog.cancel(rx.button(t("settings.cancel"), variant="soft", color_scheme="gray", min_height=TAP_TARGET)),
                        rx.alert_dialog.action(rx.button(t("settings.product.deactivate"), color_scheme="red", min_height=TAP_TARGET,
                                                         on_click=S.set_active(False))),
                        spacing="3",
                        justify="end",
                        margin_top="1rem",
                    ),
                ),
            ),
            rx.button(t("settings.product.reactivate"), type="button", variant="soft", min_height=TAP_TARGET, on_click=S.set_active(True)),
        ),
    )


def _field_name(name: rx.Var) -> rx.Component:
    labels = [(field, t(f"settings.product.field.{field}")) for field in EDITABLE_FIELDS]
    return rx.badge(rx.match(name, *labels, ("is_active", t("settings.product.field.is_active")), name), variant="soft")


def _version(row: VersionRow) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(t("settings.product.version"), " ", row.version, weight="bold"),
            rx.text(row.created, size="2", color_scheme="gray"),
            rx.text(rx.cond(row.changed_by != "", row.changed_by, t("settings.system")), size="2"),
            wrap="wrap",
            align="center",
        ),
        rx.cond(
            row.changed_fields.length() > 0,
            rx.flex(rx.foreach(row.changed_fields, _field_name), spacing="1", wrap="wrap"),
            rx.text(t("settings.product.first_version"), size="2", color_scheme="gray"),
        ),
        spacing="1",
        padding_y="0.5rem",
        border_bottom="1px solid var(--gray-a4)",
        width="100%",
    )


def _history() -> rx.Component:
    return rx.cond(
        S.history.length() > 0,
        rx.card(
            rx.vstack(
                rx.heading(t("settings.product.history"), as_="h2", size="4"),
                rx.foreach(S.history, _version),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="product-history",
        ),
    )


def _product_row(row: ProductRow) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.vstack(rx.text(localized(row.name_zh, row.name_en), weight="medium"),
                                           rx.code(row.code, size="1"), spacing="1")),
        rx.table.cell(segment_badge(row.segment)),
        rx.table.cell(row.rate_range),
        rx.table.cell(row.amount_range),
        rx.table.cell(row.version),
        rx.table.cell(rx.cond(row.is_active, rx.badge(t("settings.product.active"), color_scheme="jade"),
                              rx.badge(t("settings.product.inactive"), color_scheme="gray"))),
        rx.table.cell(rx.button(t("settings.product.edit"), size="2", variant="soft", min_height=TAP_TARGET, on_click=S.edit(row.code))),
        align="center",
    )


def _list() -> rx.Component:
    columns = ("name", "segment", "rate", "amount", "version", "status", "action")
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"settings.product.column.{column}")) for column in columns])),
            rx.table.body(rx.foreach(S.rows, _product_row)),
            width="100%",
            variant="surface",
        ),
        overflow_x="auto",
        width="100%",
    )


def page() -> rx.Component:
    """Render the product settings page."""
    return staff_shell(
        rx.vstack(
            rx.hstack(
                rx.heading(t("settings.product.heading"), as_="h1", size="6"),
                rx.spacer(),
                rx.cond(S.can_manage, rx.button(rx.icon("plus", size=16), t("settings.product.new"), on_click=S.new,
                                                min_height=TAP_TARGET, id="new-product")),
                width="100%",
                align="center",
            ),
            rx.text(t("settings.product.intro"), color_scheme="gray", size="2"),
            _list(),
            rx.cond(
                S.selected != "",
                rx.flex(
                    rx.box(_form(), flex="3", min_width="0", width="100%"),
                    rx.box(_history(), flex="2", min_width="0", width="100%"),
                    direction=rx.breakpoints(initial="column", xl="row"),
                    spacing="4",
                    width="100%",
                    align="start",
                ),
            ),
            spacing="4",
            width="100%",
        )
    )
