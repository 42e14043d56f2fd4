"""Message catalogs and locale formatting."""

from __future__ import annotations

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest

from lendapp.i18n.catalog import LOCALES, catalog, normalize_locale, translate
from lendapp.i18n.formatting import format_date, format_datetime, format_money, format_percent

PACKAGE_DIR = Path(__file__).resolve().parents[2] / "lendapp"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _keys_used_in_source() -> set[str]:
    """Collect the literal keys passed to t(...) and translate(...) anywhere in the package."""
    keys = set()
    for path in PACKAGE_DIR.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("t", "translate", "static_text")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    return keys


def test_catalogs_have_same_keys() -> None:
    chinese, english = catalog("zh-CN"), catalog("en")

    assert sorted(chinese.keys() - english.keys()) == []
    assert sorted(english.keys() - chinese.keys()) == []


def test_catalogs_have_same_placeholders() -> None:
    chinese, english = catalog("zh-CN"), catalog("en")

    for key in chinese:
        assert set(PLACEHOLDER.findall(chinese[key])) == set(PLACEHOLDER.findall(english[key])), key


def test_catalog_values_not_empty() -> None:
    for locale in LOCALES:
        empty = [key for key, text in catalog(locale).items() if not text.strip()]
        assert empty == [], locale


def test_source_keys_exist_in_catalogs() -> None:
    used = _keys_used_in_source()

    assert used
    for locale in LOCALES:
        assert sorted(used - catalog(locale).keys()) == [], locale


def test_translate_missing_key_raises() -> None:
    with pytest.raises(KeyError):
        translate("no.such.key", "zh-CN")


@pytest.mark.parametrize("value,expected", [("en-US", "en"), ("EN", "en"), ("zh", "zh-CN"), ("fr", "zh-CN"), (None, "zh-CN")])
def test_normalize_locale_maps_values(value: str | None, expected: str) -> None:
    assert normalize_locale(value) == expected


def test_format_money_per_locale() -> None:
    assert format_money(Decimal("1234.56"), "zh-CN") == "¥1,234.56"
    assert format_money(Decimal("1234.56"), "en") == "CN¥1,234.56"
    assert format_money(Decimal("0.5"), "zh-CN") == "¥0.50"


def test_format_date_per_locale() -> None:
    day = dt.date(2026, 12, 4)

    assert format_date(day, "zh-CN") == "2026年12月4日"
    assert format_date(day, "en") == "Dec 4, 2026"


def test_format_datetime_uses_display_zone() -> None:
    moment = dt.datetime(2026, 12, 4, 16, 30, tzinfo=dt.UTC)

    assert format_datetime(moment, "zh-CN", "Asia/Shanghai") == "2026年12月5日 00:30"
    assert format_datetime(moment, "en", "Asia/Shanghai") == "Dec 5, 2026 00:30"


def test_format_percent_two_digits() -> None:
    assert format_percent(Decimal("0.1358"), "zh-CN") == "13.58%"
    assert format_percent(Decimal("0.24"), "en") == "24.00%"
