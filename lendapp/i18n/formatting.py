"""Locale-aware formatting of money, dates and percentages with Babel."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_currency, format_decimal

_BABEL_LOCALES = {"zh-CN": "zh_Hans_CN", "en": "en"}


def babel_locale(locale: str) -> str:
    """Return Babel's name for one of lendapp's locales."""
    return _BABEL_LOCALES.get(locale, "zh_Hans_CN")


def format_money(amount: Decimal, locale: str, currency: str = "CNY") -> str:
    """Format an amount such as ¥1,234.56 (Chinese) or CN¥1,234.56 (English)."""
    return format_currency(amount, currency, locale=babel_locale(locale))


def format_date(value: dt.date, locale: str) -> str:
    """Format a date such as 2026年12月4日 or Dec 4, 2026."""
    pattern = "long" if locale == "zh-CN" else "medium"
    return babel_format_date(value, format=pattern, locale=babel_locale(locale))


def format_datetime(value: dt.datetime, locale: str, timezone: str) -> str:
    """Format a UTC timestamp in the display time zone, to the minute."""
    local = value.astimezone(zoneinfo.ZoneInfo(timezone))
    pattern = "yyyy年M月d日 HH:mm" if locale == "zh-CN" else "MMM d, yyyy HH:mm"
    return babel_format_datetime(local, pattern, locale=babel_locale(locale))


def format_percent(rate: Decimal, locale: str, digits: int = 2) -> str:
    """Format an annual fraction such as 0.1358 as 13.58%."""
    pattern = "0." + "0" * digits + "%" if digits else "0%"
    return format_decimal(rate, format=pattern, locale=babel_locale(locale))
