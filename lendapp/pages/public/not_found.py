"""The page shown for an unknown address."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import TAP_TARGET, borrower_shell
from lendapp.components.text import t

ROUTE = "404"
TITLE_KEY = "not_found.meta_title"
DESCRIPTION_KEY = "not_found.meta_description"


def page() -> rx.Component:
    """Render the not-found page."""
    return borrower_shell(
        rx.vstack(
            rx.heading(t("not_found.heading"), as_="h1", size="7"),
            rx.text(t("not_found.body")),
            rx.link(rx.button(t("not_found.home"), high_contrast=True, min_height=TAP_TARGET), href="/"),
            spacing="4",
            padding_y="3rem",
            align="start",
        )
    )
