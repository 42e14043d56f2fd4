"""Catalog lookups for components: every visible string goes through ``t``."""

from __future__ import annotations

import reflex as rx

from lendapp.i18n.catalog import DEFAULT_LOCALE, catalog
from lendapp.state.i18n import I18nState


def t(key: str) -> rx.Var:
    """Return the text of ``key`` in the visitor's locale as a reactive var.

    Raises:
        KeyError: At compile time, when the key is missing from the default catalog.
    """
    if key not in catalog(DEFAULT_LOCALE):
        raise KeyError(f"message key {key!r} is missing from the {DEFAULT_LOCALE} catalog")
    return I18nState.messages[key].to(str)


def static_text(key: str) -> str:
    """Return the default-locale text of ``key`` for places that need a plain string (page titles)."""
    return catalog(DEFAULT_LOCALE)[key]


def localized(zh: rx.Var | str, en: rx.Var | str) -> rx.Var:
    """Pick between a Chinese and an English value of stored content (product names, FAQs)."""
    return rx.cond(I18nState.is_english, en, zh)
