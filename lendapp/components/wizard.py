"""Pieces of the application wizard: progress, labelled fields with their errors, choices and step buttons."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import t
from lendapp.state.i18n import I18nState

STEP_COUNT = 7
FIELD_STYLE = {"min_height": TAP_TARGET, "width": "100%", "font_size": "16px"}
PICKER_STYLE = {
    **FIELD_STYLE, "padding": "0 0.75rem", "border_radius": "var(--radius-2)", "border": "1px solid var(--gray-a7)",
    "background": "var(--color-surface)", "color": "var(--gray-12)",
}
# The HTML <select> element class; phones open their own picker for it.
_HTML_SELECT = rx.el.select.__self__


def picker(*options: rx.Component, **props) -> rx.Component:
    """Return a native HTML select element at least 44 px tall, with 16 px text so iOS does not zoom."""
    return _HTML_SELECT.create(*options, style=PICKER_STYLE, **props)


def progress(step: rx.Var) -> rx.Component:
    """Render "Step n of 7" with the step's name and a bar of seven segments."""
    segments = [
        rx.box(flex="1", height="6px", border_radius="3px", background=rx.cond(step >= number, "var(--jade-9)", "var(--gray-a5)"))
        for number in range(1, STEP_COUNT + 1)
    ]
    names = rx.match(step, *[(number, t(f"apply.step.{number}")) for number in range(1, STEP_COUNT + 1)], t("apply.step.1"))
    return rx.vstack(
        rx.hstack(
            rx.text(t("apply.progress"), " ", step, " ", t("apply.progress_of"), size="2", color_scheme="gray"),
            rx.text(names, size="2", weight="bold"),
            justify="between",
            width="100%",
        ),
        rx.hstack(*segments, spacing="1", width="100%", aria_hidden="true"),
        width="100%",
        spacing="2",
        role="progressbar",
        aria_valuemin=1,
        aria_valuemax=STEP_COUNT,
        aria_valuenow=step,
    )


def field_error(error: rx.Var, name: str) -> rx.Component:
    """Render a field's error text right under it, announced to screen readers."""
    return rx.cond(error != "", rx.text(error, id=f"{name}-error", size="2", color_scheme="red", role="alert"))


def labelled(label_key: str, name: str, control: rx.Component, error: rx.Var, hint_key: str | None = None) -> rx.Component:
    """Put a label above a control and its hint and error below it."""
    children = [rx.el.label(t(label_key), html_for=name, font_weight="500", font_size="0.95rem"), control]
    if hint_key:
        children.append(rx.text(t(hint_key), size="1", color_scheme="gray"))
    children.append(field_error(error, name))
    return rx.vstack(*children, spacing="1", width="100%")


def text_input(label_key: str, name: str, error: rx.Var, default: rx.Var | str = "", *, input_mode: str | None = None,
               hint_key: str | None = None, auto_complete: str = "off", max_length: int = 64) -> rx.Component:
    """Return an uncontrolled text input whose value reaches the server only when its form is submitted."""
    extra = {"input_mode": input_mode} if input_mode else {}
    control = rx.input(
        id=name, name=name, default_value=default, auto_complete=auto_complete, max_length=max_length, size="3",
        aria_invalid=rx.cond(error != "", "true", "false"), aria_describedby=f"{name}-error", **FIELD_STYLE, **extra,
    )
    return labelled(label_key, name, control, error, hint_key)


def choice(label_key: str, name: str, error: rx.Var, options: list[tuple[str, str]], default: rx.Var | str = "") -> rx.Component:
    """Return a native select (the phone's own picker) of (value, catalog key) options."""
    control = picker(
        rx.el.option(t("apply.choose"), value="", disabled=True),
        *[rx.el.option(t(key), value=value) for value, key in options],
        id=name, name=name, default_value=default,
        aria_invalid=rx.cond(error != "", "true", "false"), aria_describedby=f"{name}-error",
    )
    return labelled(label_key, name, control, error)


def primary_button(label_key: str, **props) -> rx.Component:
    """Return a full-width primary button, at least 44 px tall."""
    return rx.button(t(label_key), size="3", width="100%", min_height=TAP_TARGET, high_contrast=True, **props)


def secondary_button(label_key: str, **props) -> rx.Component:
    """Return a full-width secondary button, at least 44 px tall."""
    return rx.button(t(label_key), size="3", width="100%", min_height=TAP_TARGET, variant="soft", high_contrast=True, **props)


def fact(label_key: str, value: rx.Var | str, value_id: str | None = None) -> rx.Component:
    """Render one label and value pair of a summary."""
    extra = {"id": value_id} if value_id else {}
    return rx.hstack(
        rx.text(t(label_key), size="2", color_scheme="gray"),
        rx.text(value, size="2", weight="medium", text_align="right", **extra),
        justify="between",
        width="100%",
        gap="3",
    )


def panel(*children: rx.Component, **props) -> rx.Component:
    """Group a step's content in a card."""
    return rx.card(rx.vstack(*children, spacing="3", width="100%"), width="100%", **props)


def catalog_text(key: rx.Var) -> rx.Var:
    """Return the visitor's text of a catalog key that is only known at run time (held in a var)."""
    return I18nState.messages[key].to(str)
