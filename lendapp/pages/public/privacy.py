"""The privacy policy template, in sections from the catalogs."""

from __future__ import annotations

import reflex as rx

from lendapp.components.layout import borrower_shell
from lendapp.components.text import t

ROUTE = "/privacy"
TITLE_KEY = "privacy.meta_title"
DESCRIPTION_KEY = "privacy.meta_description"

SECTIONS = ("collect", "purpose", "consent", "sharing", "retention", "rights", "contact")


def legal_document(prefix: str, sections: tuple[str, ...]) -> rx.Component:
    """Render a template document: heading, a template notice, then one heading and paragraph per section."""
    children = [
        rx.heading(t(f"{prefix}.heading"), as_="h1", size="7"),
        rx.callout(t("legal.template_notice"), icon="info"),
    ]
    for section in sections:
        children.append(rx.heading(t(f"{prefix}.{section}.title"), as_="h2", size="4", padding_top="0.5rem"))
        children.append(rx.text(t(f"{prefix}.{section}.body"), size="3"))
    return rx.el.article(rx.vstack(*children, spacing="3", max_width="48rem"))


def page() -> rx.Component:
    """Render the privacy policy."""
    return borrower_shell(legal_document("privacy", SECTIONS))
