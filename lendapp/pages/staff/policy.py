"""The scoring policy at /staff/policy: hard rules, score bands, pricing tiers and the credit-limit step."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, staff_shell
from lendapp.components.text import t
from lendapp.services.policy_settings import DEFINITIONS, SettingDefinition
from lendapp.state.staff_policy import StaffPolicyState

ROUTE = "/staff/policy"
TITLE_KEY = "settings.policy.meta_title"
DESCRIPTION_KEY = "settings.policy.meta_description"
# The handler checks the session and the scoring-policy permission itself.
ON_LOAD = StaffPolicyState.load
S = StaffPolicyState

GROUPS = ("rules", "bands", "pricing", "limit")
UNIT_KEYS = {"percent": "settings.unit.percent", "money": "settings.unit.yuan", "int": None, "bool": None}


def _control(definition: SettingDefinition) -> rx.Component:
    key = definition.key
    if definition.kind == "bool":
        return rx.checkbox(t("settings.policy.enabled"), name=key, id=key, default_checked=S.checked[key], size="3")
    unit_key = UNIT_KEYS[definition.kind]
    return rx.hstack(
        rx.input(
            id=key,
            name=key,
            default_value=S.values[key],
            input_mode="numeric" if definition.kind == "int" else "decimal",
            auto_complete="off",
            max_length=20,
            size="3",
            min_height=TAP_TARGET,
            width="9rem",
            aria_invalid=rx.cond(S.field_errors[key] != "", "true", "false"),
            aria_describedby=f"{key}-error",
        ),
        rx.text(t(unit_key), size="2") if unit_key else rx.fragment(),
        align="center",
        spacing="2",
    )


def _default(definition: SettingDefinition) -> rx.Component:
    if definition.kind == "bool":
        return rx.text(t("settings.policy.on") if definition.default else t("settings.policy.off"))
    return rx.text(S.defaults[definition.key])


def _row(definition: SettingDefinition) -> rx.Component:
    key = definition.key
    return rx.table.row(
        rx.table.row_header_cell(
            rx.el.label(t(f"settings.policy.key.{key}"), html_for=key, font_weight="500"),
            rx.text(t(f"settings.policy.help.{key}"), size="1", color_scheme="gray"),
            white_space="normal",
            min_width="14rem",
        ),
        rx.table.cell(
            _control(definition),
            rx.cond(S.field_errors[key] != "", rx.text(S.field_errors[key], id=f"{key}-error", size="2", color_scheme="red", role="alert")),
        ),
        rx.table.cell(_default(definition)),
        rx.table.cell(S.bounds[key]),
        rx.table.cell(rx.text(S.changed[key], size="1", color_scheme="gray"), white_space="normal"),
        align="center",
    )


def _group(group: str) -> rx.Component:
    columns = ("setting", "value", "default", "bounds", "changed")
    return rx.vstack(
        rx.heading(t(f"settings.policy.group.{group}"), as_="h2", size="4"),
        rx.box(
            rx.table.root(
                rx.table.header(rx.table.row(*[rx.table.column_header_cell(t(f"settings.policy.column.{column}")) for column in columns])),
                rx.table.body(*[_row(definition) for definition in DEFINITIONS if definition.group == group]),
                variant="surface",
                width="100%",
            ),
            overflow_x="auto",
            width="100%",
        ),
        spacing="2",
        width="100%",
    )


def _form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(S.form_error != "", rx.callout(S.form_error, icon="triangle-alert", color_scheme="red", role="alert", width="100%")),
            *[_group(group) for group in GROUPS],
            rx.button(t("settings.save"), type="submit", size="3", min_height=TAP_TARGET, id="save-policy"),
            spacing="5",
            width="100%",
        ),
        on_submit=S.save,
        key=S.form_key,
        width="100%",
    )


def page() -> rx.Component:
    """Render the scoring policy page."""
    return staff_shell(
        rx.vstack(
            rx.heading(t("settings.policy.heading"), as_="h1", size="6"),
            rx.text(t("settings.policy.intro"), color_scheme="gray", size="2"),
            rx.cond(S.last_change != "", rx.text(t("settings.policy.last_change"), " ", S.last_change, size="2", id="policy-last-change")),
            rx.cond(S.loaded, _form(), rx.spinner(size="3")),
            spacing="4",
            width="100%",
        )
    )
