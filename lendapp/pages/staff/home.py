"""The staff workspace's landing page."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import staff_shell
from lendapp.components.text import t
from lendapp.state.auth_session import AuthState

ROUTE = "/staff"
TITLE_KEY = "staff.meta_title"
DESCRIPTION_KEY = "staff.meta_description"
# Only steers visitors without a staff session to the staff sign-in page; data
# on staff pages is protected by the checks in each event handler.
ON_LOAD = AuthState.require_staff


def page() -> rx.Component:
    """Render the staff landing page."""
    return staff_shell(
        rx.heading(t("staff.home.heading"), as_="h1", size="6"),
        rx.text(t("staff.home.body"), color_scheme="gray"),
    )
