"""Message catalogs (Simplified Chinese by default, English) and locale formatting."""

from lendapp.i18n.catalog import LOCALES, DEFAULT_LOCALE, catalog, translate

__all__ = ["DEFAULT_LOCALE", "LOCALES", "catalog", "translate"]
