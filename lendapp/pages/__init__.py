"""Page registration: one route per module under public/, borrower/ and staff/."""

from __future__ import annotations

import reflex as rx

from lendapp.components.text import static_text
from lendapp.pages.public import home, not_found
from lendapp.pages.staff import home as staff_home

PAGE_MODULES = (home, not_found, staff_home)


def register_pages(app: rx.App) -> None:
    """Add every page module's route to ``app``.

    Each module defines ``ROUTE``, ``TITLE_KEY``, ``DESCRIPTION_KEY``, ``page()``
    and optionally ``ON_LOAD``. Titles use the default locale, because search
    engines read the HTML the server returns before any script runs.
    """
    for module in PAGE_MODULES:
        app.add_page(
            module.page,
            route=module.ROUTE,
            title=static_text(module.TITLE_KEY),
            description=static_text(module.DESCRIPTION_KEY),
            on_load=getattr(module, "ON_LOAD", None),
        )
