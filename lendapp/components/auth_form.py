"""Form pieces of the account pages: labelled inputs with their error text, sized for phones."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET
from lendapp.components.text import t

FORM_WIDTH = "26rem"


def form_field(
    label_key: str,
    name: str,
    error: rx.Var,
    *,
    input_type: str = "text",
    auto_complete: str = "off",
    input_mode: str | None = None,
    hint_key: str | None = None,
    max_length: int | None = None,
) -> rx.Component:
    """Return a labelled input whose error text sits right under it and is announced to screen readers."""
    error_id = f"{name}-error"
    extra = {"input_mode": input_mode} if input_mode else {}
    if max_length:
        extra["max_length"] = max_length
    children = [
        rx.el.label(t(label_key), html_for=name, font_weight="500", font_size="0.95rem"),
        rx.input(
            id=name,
            name=name,
            type=input_type,
            auto_complete=auto_complete,
            size="3",
            min_height=TAP_TARGET,
            width="100%",
            aria_invalid=rx.cond(error != "", "true", "false"),
            aria_describedby=error_id,
            **extra,
        ),
    ]
    if hint_key:
        children.append(rx.text(t(hint_key), size="1", color_scheme="gray"))
    children.append(rx.cond(error != "", rx.text(error, id=error_id, size="2", color_scheme="red", role="alert")))
    return rx.vstack(*children, spacing="1", width="100%")


def form_error(error: rx.Var) -> rx.Component:
    """Return a callout for an error that belongs to the whole form."""
    return rx.cond(
        error != "",
        rx.callout(error, icon="triangle-alert", color_scheme="red", role="alert", width="100%"),
    )


def submit_button(label_key: str, loading: rx.Var | bool = False, button_id: str | None = None) -> rx.Component:
    """Return a full-width submit button, at least 44 px tall."""
    extra = {"id": button_id} if button_id else {}
    return rx.button(t(label_key), type="submit", size="3", width="100%", min_height=TAP_TARGET, loading=loading, **extra)


def auth_card(*children: rx.Component, heading_key: str) -> rx.Component:
    """Return the narrow, centred column that contains one account form."""
    return rx.vstack(
        rx.heading(t(heading_key), as_="h1", size="7"),
        *children,
        spacing="4",
        width="100%",
        max_width=FORM_WIDTH,
        margin_x="auto",
        padding_y="1.5rem",
    )


def text_link(label_key: str, href: str) -> rx.Component:
    """Return a link with a tap area of at least 44 px."""
    return rx.link(t(label_key), href=href, min_height=TAP_TARGET, display="inline-flex", align_items="center")
