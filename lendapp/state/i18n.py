"""The visitor's language, remembered per browser in a cookie."""

from __future__ import annotations

import reflex as rx

from lendapp.i18n.catalog import DEFAULT_LOCALE, catalog, normalize_locale

ONE_YEAR_SECONDS = 365 * 24 * 3600


class I18nState(rx.State):
    """The current locale and its message catalog."""

    locale: str = rx.Cookie(DEFAULT_LOCALE, name="lendapp_locale", max_age=ONE_YEAR_SECONDS, same_site="lax")

    @rx.var
    def messages(self) -> dict[str, str]:
        """The catalog of the current locale; recomputed only when the locale changes."""
        return catalog(normalize_locale(self.locale))

    @rx.var
    def is_english(self) -> bool:
        """Whether the page shows English."""
        return normalize_locale(self.locale) == "en"

    @rx.event
    def set_locale(self, value: str) -> rx.event.EventSpec:
        """Switch the language; unknown values fall back to Simplified Chinese."""
        self.locale = normalize_locale(value)
        return _document_language(self.locale)

    @rx.event
    def toggle_locale(self) -> rx.event.EventSpec:
        """Switch between Simplified Chinese and English."""
        self.locale = "zh-CN" if self.is_english else "en"
        return _document_language(self.locale)

    @rx.event
    def sync_document_language(self) -> rx.event.EventSpec:
        """Set the page's lang attribute to the remembered language after the page loads."""
        return _document_language(normalize_locale(self.locale))


def _document_language(locale: str) -> rx.event.EventSpec:
    # Screen readers and browsers pick pronunciation and fonts from <html lang>; the server
    # renders the default locale, so a visitor who chose English gets it set here.
    # normalize_locale returns one of the known locale codes, so the script carries no visitor input.
    return rx.call_script(f"document.documentElement.lang = {normalize_locale(locale)!r}")
