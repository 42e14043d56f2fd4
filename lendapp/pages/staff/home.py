"""The staff workspace's landing page."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import staff_shell
from lendapp.components.text import t

ROUTE = "/staff"
TITLE_KEY = "staff.meta_title"
DESCRIPTION_KEY = "staff.meta_description"


def page() -> rx.Component:
    """Render the staff landing page."""
    return staff_shell(
        rx.heading(t("staff.home.heading"), as_="h1", size="6"),
        rx.text(t("staff.home.body"), color_scheme="gray"),
    )
