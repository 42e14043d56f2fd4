"""Loading and looking up the message catalogs.

Each locale has one flat JSON file in ``catalogs/`` mapping dotted keys to
text. Both files must have the same keys; a test enforces it. Placeholders use
``str.format`` syntax (``{amount}``).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

CATALOG_DIR = Path(__file__).resolve().parent / "catalogs"
LOCALES = ("zh-CN", "en")
DEFAULT_LOCALE = "zh-CN"


@functools.cache
def catalog(locale: str) -> dict[str, str]:
    """Return the catalog of ``locale``, falling back to the default locale when unknown."""
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    with (CATALOG_DIR / f"{locale}.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def normalize_locale(value: str | None) -> str:
    """Map a browser or user value such as ``en-US`` or ``zh`` onto a supported locale."""
    if not value:
        return DEFAULT_LOCALE
    lowered = value.strip().lower()
    if lowered.startswith("en"):
        return "en"
    return DEFAULT_LOCALE


def translate(key: str, locale: str, **params: object) -> str:
    """Return the text of ``key`` in ``locale`` with ``params`` filled in.

    Raises:
        KeyError: When the key is missing, so a typo fails loudly in tests.
    """
    text = catalog(normalize_locale(locale))[key]
    return text.format(**params) if params else text
