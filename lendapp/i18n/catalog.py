"""Loading and looking up the message catalogs.

Each locale has a folder in ``catalogs/`` of flat JSON files, one per area of
the app, mapping dotted keys to text. The files are merged, and a key defined
in two files is an error. Both locales must have the same keys, which a test
enforces. Placeholders use ``str.format`` syntax (``{amount}``).
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
    merged: dict[str, str] = {}
    for path in sorted((CATALOG_DIR / locale).glob("*.json")):
        with path.open(encoding="utf-8") as handle:
            messages = json.load(handle)
        duplicated = merged.keys() & messages.keys()
        if duplicated:
            raise ValueError(f"{path}: keys already defined in another {locale} file: {sorted(duplicated)}")
        merged.update(messages)
    return merged


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
